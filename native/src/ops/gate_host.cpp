#include "ops/gate_host.h"

#include "host/simd.h"
#include "host/thread_pool.h"
#include "ops/gate.h"

namespace ghostnet::ops {

void gate_host(const Operands<float>& o, int threads) {
  const Geometry &x = o.output.shape, &g = o.gates.shape;
  const int channels = x.stored_channels;
  host::parallel_for(x.batch * x.height, 8, threads, [&](int64_t begin, int64_t end) {
    host::with_host_isa([&](auto width) GN_INLINED_LAMBDA {
      constexpr int kWidth = decltype(width)::value;
      for (int64_t row = begin; row < end; ++row) {
        const int64_t image = row / x.height;
        const int gy = nearest_source(int(row % x.height), g.height, x.height);
        const float* gate_row = o.gates.data + (image * g.height + gy) * g.width * g.stored_channels;
        for (int px = 0; px < x.width; ++px) {
          float* data = o.output.data + (row * x.width + px) * channels;
          const float* gates = gate_row + int64_t(nearest_source(px, g.width, x.width)) * g.stored_channels;
          host::for_channel_blocks<kWidth>(0, channels, [&](auto block, int c) GN_INLINED_LAMBDA {
            constexpr int kBlock = decltype(block)::value;
            host::store<kBlock>(data + c, host::load<kBlock>(data + c) * host::load<kBlock>(gates + c));
          });
        }
      }
    });
  });
}

}  // namespace ghostnet::ops

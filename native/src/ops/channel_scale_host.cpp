#include "ops/channel_scale_host.h"

#include "host/simd.h"
#include "host/thread_pool.h"

namespace ghostnet::ops {

void channel_scale_host(const Operands<float>& o, int threads) {
  const Geometry& x = o.output.shape;
  const int channels = x.stored_channels;
  host::parallel_for(x.pixels(), 256, threads, [&](int64_t begin, int64_t end) {
    host::with_host_isa([&](auto width) GN_INLINED_LAMBDA {
      constexpr int kWidth = decltype(width)::value;
      for (int64_t p = begin; p < end; ++p) {
        float* data = o.output.data + p * channels;
        const float* gates = o.gates.data + p / x.image_pixels() * o.gates.shape.stored_channels;
        host::for_channel_blocks<kWidth>(0, channels, [&](auto block, int c) GN_INLINED_LAMBDA {
          constexpr int kBlock = decltype(block)::value;
          host::store<kBlock>(data + c, host::load<kBlock>(data + c) * host::load<kBlock>(gates + c));
        });
      }
    });
  });
}

}  // namespace ghostnet::ops

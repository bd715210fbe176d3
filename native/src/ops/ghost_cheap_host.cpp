#include "ops/ghost_cheap_host.h"

#include "host/simd.h"
#include "host/thread_pool.h"
#include "ops/depthwise_conv_host.h"

namespace ghostnet::ops {
namespace {

// Pixels [begin, end): out's channels [first, primary channels) are the primary's plus the
// residual; those past out's channels (padding) are zero.
template <int W>
GN_ALWAYS_INLINE void pass_primary_through(const Operands<float>& o, int first, int64_t begin, int64_t end) {
  const Geometry &primary = o.input.shape, &out = o.output.shape;
  for (int64_t p = begin; p < end; ++p) {
    const float* x = o.input.data + p * primary.stored_channels;
    const float* r = o.residual.data != nullptr ? o.residual.data + p * out.stored_channels : nullptr;
    float* y = o.output.data + p * out.stored_channels;
    host::for_channel_blocks<W>(first, primary.channels, [&](auto width, int c) GN_INLINED_LAMBDA {
      constexpr int kBlock = decltype(width)::value;
      host::Vec<kBlock> v = host::load<kBlock>(x + c);
      if (r != nullptr) v += host::load<kBlock>(r + c);
      host::store<kBlock>(y + c, v);
    });
    for (int c = out.channels; c < out.stored_channels; ++c) y[c] = 0.0f;
  }
}

}  // namespace

void ghost_cheap_host(const Operands<float>& o, int threads) {
  const Geometry& out = o.output.shape;
  DepthwiseRows cheap;
  cheap.in = o.input;
  cheap.out = o.output;
  cheap.out_offset = o.input.shape.channels;
  cheap.residual = o.residual;
  cheap.weight = o.weight;
  cheap.weight_stride = o.input.shape.stored_channels;
  cheap.bias = o.bias;
  cheap.channels = out.channels - o.input.shape.channels;
  cheap.window = o.window;
  cheap.act = o.act;
  // The cheap half passes the primary channels it convolves through as it goes; what is
  // left is the last primary channel where the module's width is odd, and any padding.
  cheap.copy_offset = 0;
  const int64_t rows = out.batch * out.height;
  const bool rest = cheap.channels < o.input.shape.channels || out.channels < out.stored_channels;
  host::parallel_for(rows, 1, threads, [&](int64_t begin, int64_t end) {
    depthwise_rows(cheap, begin, end);
    if (!rest) return;
    host::with_host_isa([&](auto width) GN_INLINED_LAMBDA {
      pass_primary_through<decltype(width)::value>(o, cheap.channels, begin * out.width, end * out.width);
    });
  });
}

}  // namespace ghostnet::ops

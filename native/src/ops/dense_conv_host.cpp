#include "ops/dense_conv_host.h"

#include <algorithm>

#include "host/simd.h"
#include "host/thread_pool.h"
#include "ops/activation_host.h"

namespace ghostnet::ops {
namespace {

using host::Vec;

// One output row's block of output channels.
struct RowBlock {
  const float* in;  // the image's first input pixel
  float* out;       // the row's first output pixel, at the block's first channel
  const float* weight;  // [KH][KW][in channels][weight_stride], at the block's first channel
  const float* bias;
  int in_height, in_width, in_channels, in_stride, out_stride, weight_stride;
  int y0;
};

template <Act A, int W>
GN_ALWAYS_INLINE void finish(const RowBlock& r, int ox, Vec<W> acc) {
  host::store<W>(r.out + int64_t(ox) * r.out_stride, activate<A, W>(acc));
}

// Output pixel ox, the window clipped to the input.
template <Act A, int W>
GN_ALWAYS_INLINE void clipped_pixel(const RowBlock& r, const Window& window, int ox) {
  const int x0 = ox * window.stride_w - window.pad_w;
  Vec<W> acc = host::load<W>(r.bias);
  for (int ky = std::max(0, -r.y0); ky < std::min(window.kernel_h, r.in_height - r.y0); ++ky) {
    for (int kx = std::max(0, -x0); kx < std::min(window.kernel_w, r.in_width - x0); ++kx) {
      const float* x = r.in + (int64_t(r.y0 + ky) * r.in_width + x0 + kx) * r.in_stride;
      const float* w = r.weight + int64_t((ky * window.kernel_w + kx) * r.in_channels) * r.weight_stride;
      for (int ci = 0; ci < r.in_channels; ++ci) acc += x[ci] * host::load<W>(w + int64_t(ci) * r.weight_stride);
    }
  }
  finish<A, W>(r, ox, acc);
}

// Pixels [begin, end) of a row whose windows lie inside the input, for a K x K window at stride
// S over C input channels known at compile time: the K * K * C weight vectors stay in registers.
template <Act A, int W, int K, int S, int C>
GN_ALWAYS_INLINE void interior_pixels(const RowBlock& r, const Window& window, int begin, int end) {
  Vec<W> w[K * K * C];
  for (int i = 0; i < K * K * C; ++i) w[i] = host::load<W>(r.weight + int64_t(i) * r.weight_stride);
  const Vec<W> bias = host::load<W>(r.bias);
  for (int ox = begin; ox < end; ++ox) {
    const float* x = r.in + (int64_t(r.y0) * r.in_width + ox * S - window.pad_w) * r.in_stride;
    Vec<W> acc = bias;
    for (int ky = 0; ky < K; ++ky) {
      for (int kx = 0; kx < K; ++kx) {
        const float* p = x + (int64_t(ky) * r.in_width + kx) * r.in_stride;
        for (int ci = 0; ci < C; ++ci) acc += p[ci] * w[(ky * K + kx) * C + ci];
      }
    }
    finish<A, W>(r, ox, acc);
  }
}

template <Act A, int W>
GN_ALWAYS_INLINE void row_block(const RowBlock& r, const Window& window, int out_width) {
  // The stem's window: 3x3 at stride 2 over RGB.
  const bool stem_window = window.kernel_h == 3 && window.kernel_w == 3 && window.stride_w == 2 && r.in_channels == 3;
  const bool rows_inside = r.y0 >= 0 && r.y0 + window.kernel_h <= r.in_height;
  const int first = std::min(out_width, (window.pad_w + window.stride_w - 1) / window.stride_w);
  const int last = std::max(first, std::min(out_width, (r.in_width - window.kernel_w + window.pad_w) / window.stride_w + 1));
  int ox = 0;
  if (stem_window && rows_inside) {
    for (; ox < first; ++ox) clipped_pixel<A, W>(r, window, ox);
    interior_pixels<A, W, 3, 2, 3>(r, window, first, last);
    ox = last;
  }
  for (; ox < out_width; ++ox) clipped_pixel<A, W>(r, window, ox);
}

template <Act A, int W>
GN_ALWAYS_INLINE void rows(const Operands<float>& o, int64_t begin, int64_t end) {
  const Geometry &in = o.input.shape, &out = o.output.shape;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t image = row / out.height;
    const int oy = int(row % out.height);
    RowBlock r;
    r.in = o.input.data + image * in.image_pixels() * in.stored_channels;
    r.in_height = in.height;
    r.in_width = in.width;
    r.in_channels = in.stored_channels;
    r.in_stride = in.stored_channels;
    r.out_stride = out.stored_channels;
    r.weight_stride = out.stored_channels;
    r.y0 = oy * o.window.stride_h - o.window.pad_h;
    float* out_row = o.output.data + (image * out.height + oy) * out.width * out.stored_channels;
    host::for_channel_blocks<W>(0, out.stored_channels, [&](auto width, int c) GN_INLINED_LAMBDA {
      RowBlock block = r;
      block.out = out_row + c;
      block.weight = o.weight + c;
      block.bias = o.bias + c;
      row_block<A, decltype(width)::value>(block, o.window, out.width);
    });
  }
}

}  // namespace

void dense_conv_host(const Operands<float>& o, int threads) {
  host::parallel_for(o.output.shape.batch * o.output.shape.height, 1, threads, [&](int64_t begin, int64_t end) {
    host::with_host_isa([&](auto width) GN_INLINED_LAMBDA {
      with_activation(o.act, [&](auto a) GN_INLINED_LAMBDA { rows<decltype(a)::value, decltype(width)::value>(o, begin, end); });
    });
  });
}

}  // namespace ghostnet::ops

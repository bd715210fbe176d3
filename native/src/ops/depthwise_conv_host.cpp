#include "ops/depthwise_conv_host.h"

#include <algorithm>

#include "host/simd.h"
#include "host/thread_pool.h"
#include "ops/activation_host.h"

namespace ghostnet::ops {
namespace {

using host::Vec;

// What one output row of one channel block needs, fixed for the row.
struct RowContext {
  const float* in;        // the image's first input pixel, at the block's first channel
  float* out;             // the row's first output pixel, at the block's first channel
  const float* residual;  // likewise, or null
  float* copy;            // where the centre inputs go (DepthwiseRows::copy_offset), or null
  const float* copy_residual;  // the residual there, or null
  const float* weight;    // at the block's first channel
  const float* bias;
  int in_width, in_stride, out_stride, weight_stride;
  int y0;        // the input row of the window's top
  int ky0, ky1;  // the window's rows that lie inside the input
};

template <Act A, int W>
GN_ALWAYS_INLINE void finish(const RowContext& r, int ox, Vec<W> acc, Vec<W> centre) {
  const int64_t at = int64_t(ox) * r.out_stride;
  acc = activate<A, W>(acc);
  if (r.residual != nullptr) acc += host::load<W>(r.residual + at);
  host::store<W>(r.out + at, acc);
  if (r.copy != nullptr) {
    if (r.copy_residual != nullptr) centre += host::load<W>(r.copy_residual + at);
    host::store<W>(r.copy + at, centre);
  }
}

// The input under output pixel ox's window centre, when it is to be copied (else zero).
template <int W>
GN_ALWAYS_INLINE Vec<W> centre_input(const RowContext& r, const Window& window, int ox) {
  if (r.copy == nullptr) return Vec<W>{};
  const int y = r.y0 + window.kernel_h / 2, x = ox * window.stride_w - window.pad_w + window.kernel_w / 2;
  return host::load<W>(r.in + (int64_t(y) * r.in_width + x) * r.in_stride);
}

// P neighbouring output pixels from ox whose windows lie inside the input across (the
// window's rows may be clipped: ky0, ky1), for a KH x KW window at stride S. Their sums are
// independent chains of multiply-adds, so the CPU overlaps them instead of waiting out each
// one's latency, and each input vector of a window row is loaded once for every pixel it
// serves. Each pixel's sum runs bias first, then the taps in order.
template <Act A, int W, int KH, int KW, int S, int P>
GN_ALWAYS_INLINE void unclipped_pixels(const RowContext& r, const Vec<W> (&w)[KH * KW], Vec<W> bias, int pad, int ox) {
  constexpr int kSpan = (P - 1) * S + KW;  // input pixels a window row of the group covers
  Vec<W> acc[P], centre[P] = {};
  for (int p = 0; p < P; ++p) acc[p] = bias;
  const float* x = r.in + (int64_t(r.y0) * r.in_width + ox * S - pad) * r.in_stride;
  for (int ky = 0; ky < KH; ++ky) {
    if (ky < r.ky0 || ky >= r.ky1) continue;
    Vec<W> row[kSpan];
    for (int i = 0; i < kSpan; ++i) row[i] = host::load<W>(x + (int64_t(ky) * r.in_width + i) * r.in_stride);
    if (ky == KH / 2) {
      for (int p = 0; p < P; ++p) centre[p] = row[p * S + KW / 2];
    }
    for (int kx = 0; kx < KW; ++kx) {
      for (int p = 0; p < P; ++p) acc[p] += row[p * S + kx] * w[ky * KW + kx];
    }
  }
  for (int p = 0; p < P; ++p) finish<A, W>(r, ox + p, acc[p], centre[p]);
}

// Output pixel ox with its window clipped to the input on either side.
template <Act A, int W, int KH, int KW>
GN_ALWAYS_INLINE void clipped_pixel(const RowContext& r, const Vec<W> (&w)[KH * KW], Vec<W> bias,
                                    const Window& window, int ox) {
  const int x0 = ox * window.stride_w - window.pad_w;
  Vec<W> acc = bias;
  for (int ky = 0; ky < KH; ++ky) {
    if (ky < r.ky0 || ky >= r.ky1) continue;
    const float* x = r.in + (int64_t(r.y0 + ky) * r.in_width + x0) * r.in_stride;
    for (int kx = 0; kx < KW; ++kx) {
      if (x0 + kx < 0 || x0 + kx >= r.in_width) continue;
      acc += host::load<W>(x + int64_t(kx) * r.in_stride) * w[ky * KW + kx];
    }
  }
  finish<A, W>(r, ox, acc, centre_input<W>(r, window, ox));
}

// One output row of one channel block, for a KH x KW window and a stride S across known at
// compile time, with the window's weight vectors held in registers across the row.
template <Act A, int W, int KH, int KW, int S>
GN_ALWAYS_INLINE void row_block(const RowContext& r, const Window& window, int out_width) {
  constexpr int kGroup = 4;
  Vec<W> w[KH * KW];
  for (int i = 0; i < KH * KW; ++i) w[i] = host::load<W>(r.weight + i * r.weight_stride);
  const Vec<W> bias = host::load<W>(r.bias);
  // The pixels whose windows need no clipping across: x0 >= 0 and x0 + KW <= in_width.
  const int first = std::min(out_width, (window.pad_w + S - 1) / S);
  const int last = std::max(first, std::min(out_width, (r.in_width - KW + window.pad_w) / S + 1));
  int ox = 0;
  for (; ox < first; ++ox) clipped_pixel<A, W, KH, KW>(r, w, bias, window, ox);
  for (; ox + kGroup <= last; ox += kGroup) unclipped_pixels<A, W, KH, KW, S, kGroup>(r, w, bias, window.pad_w, ox);
  for (; ox < last; ++ox) unclipped_pixels<A, W, KH, KW, S, 1>(r, w, bias, window.pad_w, ox);
  for (; ox < out_width; ++ox) clipped_pixel<A, W, KH, KW>(r, w, bias, window, ox);
}

// The same for any window (rectangular ones too), sizes known only at run time: weights read
// from memory.
template <Act A, int W>
GN_ALWAYS_INLINE void any_row_block(const RowContext& r, const Window& window, int out_width) {
  for (int ox = 0; ox < out_width; ++ox) {
    const int x0 = ox * window.stride_w - window.pad_w;
    Vec<W> acc = host::load<W>(r.bias);
    for (int ky = r.ky0; ky < r.ky1; ++ky) {
      const float* x = r.in + (int64_t(r.y0 + ky) * r.in_width + x0) * r.in_stride;
      const float* w = r.weight + int64_t(ky) * window.kernel_w * r.weight_stride;
      for (int kx = std::max(0, -x0); kx < std::min(window.kernel_w, r.in_width - x0); ++kx) {
        acc += host::load<W>(x + int64_t(kx) * r.in_stride) * host::load<W>(w + kx * r.weight_stride);
      }
    }
    finish<A, W>(r, ox, acc, centre_input<W>(r, window, ox));
  }
}

// row_block in a function of its own, for the instruction set of width I (host::outlined).
template <int I, Act A, int W, int KH, int KW, int S>
GN_ALWAYS_INLINE void outlined_row_block(const RowContext& r, const Window& window, int out_width) {
  host::outlined<I>([&]() GN_INLINED_LAMBDA { row_block<A, W, KH, KW, S>(r, window, out_width); });
}

// GhostNet's windows on the specialised rows, any other on the general ones: KxK at stride 1
// or 2 with "same" padding, and GhostNetV2's (1,5) and (5,1). I is the instruction set's vector
// width, W the channel block's.
template <int I, Act A, int W>
GN_ALWAYS_INLINE void dispatch_row_block(const RowContext& r, const Window& window, int out_width) {
  const int kh = window.kernel_h, kw = window.kernel_w, s = window.stride_w;
  const bool same = window.stride_h == s && window.pad_h == kh / 2 && window.pad_w == kw / 2;
  if (same && kh == 3 && kw == 3 && s == 1) return outlined_row_block<I, A, W, 3, 3, 1>(r, window, out_width);
  if (same && kh == 3 && kw == 3 && s == 2) return outlined_row_block<I, A, W, 3, 3, 2>(r, window, out_width);
  if (same && kh == 5 && kw == 5 && s == 1) return outlined_row_block<I, A, W, 5, 5, 1>(r, window, out_width);
  if (same && kh == 5 && kw == 5 && s == 2) return outlined_row_block<I, A, W, 5, 5, 2>(r, window, out_width);
  if (same && kh == 1 && kw == 5 && s == 1) return outlined_row_block<I, A, W, 1, 5, 1>(r, window, out_width);
  if (same && kh == 5 && kw == 1 && s == 1) return outlined_row_block<I, A, W, 5, 1, 1>(r, window, out_width);
  host::outlined<I>([&]() GN_INLINED_LAMBDA { any_row_block<A, W>(r, window, out_width); });
}

template <Act A, int W>
GN_ALWAYS_INLINE void rows(const DepthwiseRows& d, int64_t begin, int64_t end) {
  const Geometry &in = d.in.shape, &out = d.out.shape;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t image = row / out.height;
    const int oy = int(row % out.height);
    RowContext r;
    r.in_width = in.width;
    r.in_stride = in.stored_channels;
    r.out_stride = out.stored_channels;
    r.weight_stride = d.weight_stride;
    r.y0 = oy * d.window.stride_h - d.window.pad_h;
    r.ky0 = std::max(0, -r.y0);
    r.ky1 = std::min(d.window.kernel_h, in.height - r.y0);
    const float* in_image = d.in.data + image * in.image_pixels() * in.stored_channels + d.in_offset;
    const int64_t out_row = (image * out.height + oy) * out.width * out.stored_channels + d.out_offset;
    host::for_channel_blocks<W>(0, d.channels, [&](auto width, int c) GN_INLINED_LAMBDA {
      RowContext block = r;
      block.in = in_image + c;
      block.out = d.out.data + out_row + c;
      block.residual = d.residual.data != nullptr ? d.residual.data + out_row + c : nullptr;
      block.copy = nullptr;
      block.copy_residual = nullptr;
      if (d.copy_offset >= 0) {
        const int64_t at = out_row - d.out_offset + d.copy_offset + c;
        block.copy = d.out.data + at;
        block.copy_residual = d.residual.data != nullptr ? d.residual.data + at : nullptr;
      }
      block.weight = d.weight + c;
      block.bias = d.bias + c;
      dispatch_row_block<W, A, decltype(width)::value>(block, d.window, out.width);
    });
  }
}

}  // namespace

void depthwise_rows(const DepthwiseRows& conv, int64_t begin, int64_t end) {
  host::with_host_isa([&](auto width) GN_INLINED_LAMBDA {
    with_activation(conv.act, [&](auto a) GN_INLINED_LAMBDA {
      rows<decltype(a)::value, decltype(width)::value>(conv, begin, end);
    });
  });
}

void depthwise_conv_host(const Operands<float>& o, int threads) {
  DepthwiseRows conv;
  conv.in = o.input;
  conv.out = o.output;
  conv.weight = o.weight;
  conv.weight_stride = o.output.shape.stored_channels;
  conv.bias = o.bias;
  conv.channels = o.output.shape.stored_channels;
  conv.window = o.window;
  conv.act = o.act;
  host::parallel_for(o.output.shape.batch * o.output.shape.height, 1, threads,
                     [&](int64_t begin, int64_t end) { depthwise_rows(conv, begin, end); });
}

}  // namespace ghostnet::ops

// The ghost module's second half, which also assembles its output.
//
// GhostModule computes primary = conv1x1(x) (bias and activation already applied by the
// pointwise convolution), cheap = act(depthwise(primary) + bias), then keeps the first
// out.shape.channels of concat(primary, cheap). This op writes that output directly:
// channels below the primary's pass it through, the rest are the cheap operation, and
// any channel padding is zero. The bottleneck's residual is added here too, so the ghost2
// output needs no other pass.
#pragma once

#include "ops/depthwise_conv.h"
#include "ops/op.h"

namespace ghostnet::ops {

template <typename T>
struct GhostCheap {
  static constexpr bool kSpans = true;
  View<const T> primary;   // [N, H, W, primary channels]
  View<const T> residual;  // [N, H, W, channels], or no data
  View<T> out;             // [N, H, W, channels]: at most 2 * primary channels, then padding
  const float* weight;     // [KH, KW, stored primary channels]
  const float* bias;       // [stored primary channels]
  Window window;           // stride 1, "same" padding
  Act act;

  template <int Span>
  GN_HD void span(index_t pixel, int c0, int count) const {
    const int channels = out.shape.stored_channels, end = c0 + count;
    // Channels [c0, split) pass the primary through, [split, padding) are the cheap half
    // and [padding, end) the zero padding.
    const int split = clamp(primary.shape.channels, c0, end), padding = clamp(out.shape.channels, c0, end);
    const T* p = primary.data + pixel * primary.shape.stored_channels;
    const T* r = residual.data != nullptr ? residual.data + pixel * channels : nullptr;
    T* o = out.data + pixel * channels;
    GN_CHANNEL_LOOP
    for (int c = c0; c < split; ++c) from_float(o[c], to_float(p[c]) + (r != nullptr ? to_float(r[c]) : 0.0f));
    // The cheap half in blocks of a constant width, so the host keeps each block's sums in
    // registers wherever the split falls.
    constexpr int kBlock = Span < 8 ? Span : 8;
    int c = split;
    for (; c + kBlock <= padding; c += kBlock) cheap<kBlock>(pixel, c, kBlock, o, r);
    if (c < padding) cheap<kBlock>(pixel, c, padding - c, o, r);
    for (c = padding; c < end; ++c) from_float(o[c], 0.0f);
  }

  // Output channels [c0, c0 + count) of the cheap half, count <= Block.
  template <int Block>
  GN_HD void cheap(index_t pixel, int c0, int count, T* o, const T* r) const {
    const int cheap0 = c0 - primary.shape.channels, primary_stride = primary.shape.stored_channels;
    float acc[Block];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = bias[cheap0 + j];
    add_depthwise_window<Block>(acc, primary.data, primary_stride, weight, primary_stride, cheap0, count,
                                position_of(pixel, out.shape.height, out.shape.width), out.shape.height,
                                out.shape.width, window);
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) {
      from_float(o[c0 + j], activate(act, acc[j]) + (r != nullptr ? to_float(r[c0 + j]) : 0.0f));
    }
  }

  GN_HD void operator()(index_t pixel, int c) const { span<1>(pixel, c, 1); }
};

struct GhostCheapOp : OpDefaults {
  static constexpr const char* kName = "ghost_cheap";
  // The cheap half convolves the primary half, whatever the module's output width.
  static WeightChannels padded_weights(int, int stored_in) { return {stored_in, stored_in}; }
  static std::vector<float> functor_weights(const ConvParams& params) { return channels_last_weights(params); }

  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(GhostCheap<T>{o.input, o.residual, o.output, o.weight, o.bias, o.window, o.act});
  }
};

}  // namespace ghostnet::ops

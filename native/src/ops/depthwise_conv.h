// A depthwise convolution (one filter per channel, any window) with folded BatchNorm bias and
// activation: GhostBottleneck's strided conv_dw, the shortcut's first conv, and GhostNetV2's
// (1,5) and (5,1) attention convs. cuDNN is slow at these outside FP16 channels-last, so they
// are ours on both executors.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

// Adds one pixel's window to acc[0, count) for channels [c0, c0 + count) of `in` (whose
// pixels are in_pixel_stride apart); shared with the ghost module's cheap half.
template <int Span, typename T>
GN_HD void add_depthwise_window(float (&acc)[Span], const T* in, index_t in_pixel_stride, const float* weight,
                                int channels, int c0, int count, PixelPosition at, int in_height, int in_width,
                                const Window& window) {
  const int y0 = at.y * window.stride_h - window.pad_h, x0 = at.x * window.stride_w - window.pad_w;
  for (int ky = 0; ky < window.kernel_h; ++ky) {
    const int iy = y0 + ky;
    if (iy < 0 || iy >= in_height) continue;
    for (int kx = 0; kx < window.kernel_w; ++kx) {
      const int ix = x0 + kx;
      if (ix < 0 || ix >= in_width) continue;
      const T* x = in + ((at.n * in_height + iy) * in_width + ix) * in_pixel_stride + c0;
      const float* w = weight + (ky * window.kernel_w + kx) * channels + c0;
      GN_CHANNEL_LOOP
      for (int j = 0; j < count; ++j) acc[j] += to_float(x[j]) * w[j];
    }
  }
}

template <typename T>
struct DepthwiseConv {
  static constexpr bool kSpans = true;
  View<const T> in;     // [N, H, W, channels]
  View<T> out;          // [N, OH, OW, channels]
  const float* weight;  // [KH, KW, stored channels]
  const float* bias;    // [stored channels]
  Window window;
  Act act;

  template <int Span>
  GN_HD void span(index_t pixel, int c0, int count) const {
    const int channels = out.shape.stored_channels;
    float acc[Span];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = bias[c0 + j];
    add_depthwise_window<Span>(acc, in.data, channels, weight, channels, c0, count,
                               position_of(pixel, out.shape.height, out.shape.width), in.shape.height,
                               in.shape.width, window);
    T* y = out.data + pixel * channels + c0;
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) from_float(y[j], activate(act, acc[j]));
  }

  GN_HD void operator()(index_t pixel, int c) const { span<1>(pixel, c, 1); }
};

struct DepthwiseConvOp : OpDefaults {
  static constexpr const char* kName = "depthwise_conv";
  static Size output_size(const Window& window, Size in) { return window.output_size(in); }
  static std::vector<float> functor_weights(const ConvParams& params) { return channels_last_weights(params); }

  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(DepthwiseConv<T>{o.input, o.output, o.weight, o.bias, o.window, o.act});
  }
};

}  // namespace ghostnet::ops

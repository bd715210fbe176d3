// A full convolution (groups = 1, any window) with folded BatchNorm bias and activation: the
// stem, whose three input channels are too few for a GEMM to pay off.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

template <typename T>
struct DenseConv {
  static constexpr bool kSpans = true;
  View<const T> in;     // [N, H, W, in channels]
  View<T> out;          // [N, OH, OW, channels]
  const float* weight;  // [KH, KW, stored in channels, stored channels]: output channel fastest
  const float* bias;    // [stored channels]
  Window window;
  Act act;

  template <int Span>
  GN_HD void span(index_t pixel, int c0, int count) const {
    const int in_channels = in.shape.stored_channels, channels = out.shape.stored_channels;
    const int in_height = in.shape.height, in_width = in.shape.width;
    const PixelPosition at = position_of(pixel, out.shape.height, out.shape.width);
    float acc[Span];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = bias[c0 + j];
    for (int ky = 0; ky < window.kernel_h; ++ky) {
      const int iy = at.y * window.stride_h - window.pad_h + ky;
      if (iy < 0 || iy >= in_height) continue;
      for (int kx = 0; kx < window.kernel_w; ++kx) {
        const int ix = at.x * window.stride_w - window.pad_w + kx;
        if (ix < 0 || ix >= in_width) continue;
        const T* x = in.data + ((at.n * in_height + iy) * in_width + ix) * in_channels;
        for (int ci = 0; ci < in_channels; ++ci) {
          const float xv = to_float(x[ci]);
          const float* w = weight + ((index_t(ky) * window.kernel_w + kx) * in_channels + ci) * channels + c0;
          GN_CHANNEL_LOOP
          for (int j = 0; j < count; ++j) acc[j] += xv * w[j];
        }
      }
    }
    T* y = out.data + pixel * channels + c0;
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) from_float(y[j], activate(act, acc[j]));
  }

  GN_HD void operator()(index_t pixel, int c) const { span<1>(pixel, c, 1); }
};

struct DenseConvOp : OpDefaults {
  static constexpr const char* kName = "dense_conv";
  static Size output_size(const Window& window, Size in) { return window.output_size(in); }
  static std::vector<float> functor_weights(const ConvParams& params) { return channels_last_weights(params); }

  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(DenseConv<T>{o.input, o.output, o.weight, o.bias, o.window, o.act});
  }
};

}  // namespace ghostnet::ops

// Average pooling over a window: GhostNetV2's attention pools its input 2x2 at stride 2,
// without padding. As PyTorch's avg_pool2d (count_include_pad, floor mode), each output divides
// by the window's positions within the padded input.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

template <typename T>
struct AvgPool {
  static constexpr bool kSpans = true;
  View<const T> in;  // [N, H, W, channels]
  View<T> out;       // [N, OH, OW, channels]
  Window window;

  template <int Span>
  GN_HD void span(index_t pixel, int c0, int count) const {
    const int channels = out.shape.stored_channels;
    const PixelPosition at = position_of(pixel, out.shape.height, out.shape.width);
    const int y0 = at.y * window.stride_h - window.pad_h, x0 = at.x * window.stride_w - window.pad_w;
    const int y1 = min_of(y0 + window.kernel_h, in.shape.height + window.pad_h);
    const int x1 = min_of(x0 + window.kernel_w, in.shape.width + window.pad_w);
    const float divisor = float((y1 - y0) * (x1 - x0));
    float acc[Span];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = 0.0f;
    for (int iy = y0 < 0 ? 0 : y0; iy < min_of(y1, in.shape.height); ++iy) {
      for (int ix = x0 < 0 ? 0 : x0; ix < min_of(x1, in.shape.width); ++ix) {
        const T* x = in.data + ((at.n * in.shape.height + iy) * in.shape.width + ix) * in.shape.stored_channels + c0;
        GN_CHANNEL_LOOP
        for (int j = 0; j < count; ++j) acc[j] += to_float(x[j]);
      }
    }
    T* y = out.data + pixel * channels + c0;
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) from_float(y[j], acc[j] / divisor);
  }

  GN_HD void operator()(index_t pixel, int c) const { span<1>(pixel, c, 1); }

  static GN_HD int min_of(int a, int b) { return a < b ? a : b; }
};

struct AvgPoolOp : OpDefaults {
  static constexpr const char* kName = "avg_pool";
  static Size output_size(const Window& window, Size in) { return window.output_size(in); }

  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(AvgPool<T>{o.input, o.output, o.window});
  }
};

}  // namespace ghostnet::ops

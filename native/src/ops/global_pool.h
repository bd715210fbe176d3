// Global average pooling: [N, H, W, C] to [N, C], for squeeze-excite and the head.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

template <typename T>
struct GlobalAveragePool {
  static constexpr bool kSpans = true;
  View<const T> in;  // [N, H, W, channels]
  View<T> out;       // [N, 1, 1, channels]

  template <int Span>
  GN_HD void span(index_t n, int c0, int count) const {
    const int channels = out.shape.stored_channels;
    const index_t image_pixels = in.shape.image_pixels();
    float acc[Span];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = 0.0f;
    const T* x = in.data + n * image_pixels * channels + c0;
    for (index_t i = 0; i < image_pixels; ++i) {
      GN_CHANNEL_LOOP
      for (int j = 0; j < count; ++j) acc[j] += to_float(x[i * channels + j]);
    }
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) from_float(out.data[n * channels + c0 + j], acc[j] / float(image_pixels));
  }

  GN_HD void operator()(index_t n, int c) const { span<1>(n, c, 1); }
};

struct GlobalPoolOp : OpDefaults {
  static constexpr const char* kName = "global_pool";
  static constexpr bool kPoolsImage = true;
  static Size output_size(const Window&, Size) { return {1, 1}; }

  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(GlobalAveragePool<T>{o.input, o.output});
  }
};

}  // namespace ghostnet::ops

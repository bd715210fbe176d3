// Global average pooling: [N, H, W, C] to [N, C], for squeeze-excite and the head.
#pragma once

#include "ops/common.h"

namespace ghostnet::ops {

template <typename T>
struct GlobalAveragePool {
  static constexpr bool kSpans = true;
  const T* in;  // [N, H, W, channels]
  T* out;       // [N, channels]
  index_t pixels;  // N: one output "pixel" per image
  int channels;
  index_t image_pixels;  // H * W

  template <int Span>
  GN_HD void span(index_t n, int c0, int count) const {
    float acc[Span];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = 0.0f;
    const T* x = in + n * image_pixels * channels + c0;
    for (index_t i = 0; i < image_pixels; ++i) {
      GN_CHANNEL_LOOP
      for (int j = 0; j < count; ++j) acc[j] += to_float(x[i * channels + j]);
    }
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) from_float(out[n * channels + c0 + j], acc[j] / float(image_pixels));
  }

  GN_HD void operator()(index_t n, int c) const { span<1>(n, c, 1); }
};

}  // namespace ghostnet::ops

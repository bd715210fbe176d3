// A small fully connected layer on pooled features, with bias and activation: the two
// 1x1 convolutions of squeeze-excite, which work on one vector per image.
#pragma once

#include "ops/common.h"

namespace ghostnet::ops {

template <typename T>
struct Dense {
  static constexpr bool kSpans = true;
  const T* in;          // [N, in_channels]
  const float* weight;  // [in_channels, channels]: output channel fastest
  const float* bias;    // [channels]
  T* out;               // [N, channels]
  index_t pixels;       // N
  int channels;
  int in_channels;
  Act act;

  template <int Span>
  GN_HD void span(index_t n, int c0, int count) const {
    float acc[Span];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = bias[c0 + j];
    const T* x = in + n * in_channels;
    for (int k = 0; k < in_channels; ++k) {
      const float xv = to_float(x[k]);
      const float* w = weight + index_t(k) * channels + c0;
      GN_CHANNEL_LOOP
      for (int j = 0; j < count; ++j) acc[j] += xv * w[j];
    }
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) from_float(out[n * channels + c0 + j], activate(act, acc[j]));
  }

  GN_HD void operator()(index_t n, int c) const { span<1>(n, c, 1); }
};

}  // namespace ghostnet::ops

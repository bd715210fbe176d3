// A 1x1 convolution with folded BatchNorm bias and activation: the ghost modules' primary
// halves, the shortcuts' second convolutions and the head. Most of GhostNet's work is
// here, so each executor runs it on a fast path: the host as a GEMM
// (pointwise_conv_gemm.h), GPUs through cuDNN (pointwise_conv_cudnn.h). The functor is
// their reference.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

template <typename T>
struct PointwiseConv {
  static constexpr bool kSpans = true;
  View<const T> in;     // [pixels, in channels]
  View<T> out;          // [pixels, channels]
  const float* weight;  // [stored in channels, stored channels]: output channel fastest
  const float* bias;    // [stored channels]
  Act act;

  template <int Span>
  GN_HD void span(index_t pixel, int c0, int count) const {
    const int in_channels = in.shape.stored_channels, channels = out.shape.stored_channels;
    float acc[Span];
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) acc[j] = bias[c0 + j];
    const T* x = in.data + pixel * in_channels;
    for (int k = 0; k < in_channels; ++k) {
      const float xv = to_float(x[k]);
      const float* w = weight + index_t(k) * channels + c0;
      GN_CHANNEL_LOOP
      for (int j = 0; j < count; ++j) acc[j] += xv * w[j];
    }
    GN_CHANNEL_LOOP
    for (int j = 0; j < count; ++j) from_float(out.data[pixel * channels + c0 + j], activate(act, acc[j]));
  }

  GN_HD void operator()(index_t pixel, int c) const { span<1>(pixel, c, 1); }
};

struct PointwiseConvOp : OpDefaults {
  static constexpr const char* kName = "pointwise_conv";
  static std::vector<float> functor_weights(const ConvParams& params) { return channels_last_weights(params); }

  template <typename T, typename Launch>
  static void run(const Operands<T>& o, Launch&& launch) {
    launch(PointwiseConv<T>{o.input, o.output, o.weight, o.bias, o.act});
  }
};

}  // namespace ghostnet::ops

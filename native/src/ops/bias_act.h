// Bias and activation applied in place after a convolution engine that could not fuse
// them (cuDNN answering NOT_SUPPORTED for its fused call).
#pragma once

#include "ops/activation.h"

namespace ghostnet::ops {

template <typename T>
struct BiasAct {
  View<T> out;        // [pixels, channels], in place
  const float* bias;  // [stored channels]
  Act act;

  GN_HD void operator()(index_t pixel, int c) const {
    T& x = out.data[pixel * out.shape.stored_channels + c];
    from_float(x, activate(act, to_float(x) + bias[c]));
  }
};

}  // namespace ghostnet::ops

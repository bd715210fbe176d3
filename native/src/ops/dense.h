// Squeeze-excite's two fully connected layers: pointwise convolutions on pooled features,
// one pixel per image. They follow the pointwise convolution's rules, but are a kind of
// their own because they are too small for cuDNN to pay off: GPUs run their functor. The
// host runs them on the pointwise convolution's GEMM, one row per image, which reads each
// weight once for a whole batch.
#pragma once

#include "ops/pointwise_conv.h"

namespace ghostnet::ops {

struct DenseOp : PointwiseConvOp {
  static constexpr const char* kName = "dense";
};

}  // namespace ghostnet::ops

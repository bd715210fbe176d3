// Squeeze-excite's two fully connected layers: pointwise convolutions on pooled features,
// one pixel per image. They follow the pointwise convolution's rules, but are a kind of
// their own because they are too small for its fast paths: executors run their functor.
#pragma once

#include "ops/pointwise_conv.h"

namespace ghostnet::ops {

struct DenseOp : PointwiseConvOp {};

}  // namespace ghostnet::ops

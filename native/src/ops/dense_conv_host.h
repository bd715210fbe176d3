// The host's fast path for the stem's dense convolution (dense_conv.h has its reference
// functor): a row of output pixels at a time, a vector of output channels at a time, each
// input value broadcast against the weights of the block's output channels, which stay in
// registers across the row for the stem's 3x3 window over three channels.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

// DenseConv<float>'s operands, on up to `threads` threads.
void dense_conv_host(const Operands<float>& o, int threads);

}  // namespace ghostnet::ops

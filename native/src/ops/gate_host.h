// The host's fast path for gating (gate.h has its reference functor): a row of pixels at a
// time, each pixel's channels times its gate pixel's, a vector of channels at a time.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

// Gate<float>'s operands, on up to `threads` threads.
void gate_host(const Operands<float>& o, int threads);

}  // namespace ghostnet::ops

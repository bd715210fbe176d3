// The host's fast path for the input op (input.h has its reference functor): a row of
// pixels at a time, the three channels read straight from the caller's layout and
// interleaved in vectors, with none of the functor's per-element index arithmetic.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

// The input op's operands (float or uint8 input, float output), on up to `threads` threads.
void input_host(const Operands<float>& o, int threads);

}  // namespace ghostnet::ops

// The host's fast path for the ghost module's cheap half (ghost_cheap.h has its reference
// functor): per row of pixels, the primary half copied through, the cheap half by the
// depthwise fast path (depthwise_conv_host.h), the residual added to both.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

// GhostCheap<float>'s operands, on up to `threads` threads.
void ghost_cheap_host(const Operands<float>& o, int threads);

}  // namespace ghostnet::ops

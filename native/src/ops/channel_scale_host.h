// The host's fast path for squeeze-excite's gating (channel_scale.h has its reference
// functor): each image's pixels times its gates, a vector of channels at a time.
#pragma once

#include "ops/op.h"

namespace ghostnet::ops {

// ChannelScale<float>'s operands, on up to `threads` threads.
void channel_scale_host(const Operands<float>& o, int threads);

}  // namespace ghostnet::ops

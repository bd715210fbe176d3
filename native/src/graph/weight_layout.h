// Weight transforms shared by every executor.
#pragma once

#include <vector>

#include "graph/graph.h"

namespace ghostnet::graph {

// [out][in / groups][K][K] -> [K][K][in / groups][out]: the output channel fastest, which
// is what the per-element functors (dense, depthwise, fully connected) read contiguously
// across neighbouring output channels.
std::vector<float> channels_last_weights(const ConvParams& params);

}  // namespace ghostnet::graph

// Channel padding for tensor cores.
//
// cuDNN runs FP16 and BF16 convolutions on tensor cores only when NHWC channel counts
// are multiples of 8 (TF32: 4), and GhostNet's ghost modules make counts such as 36, 60,
// 92 and 100. Padding gives every value but the caller's input a channel count rounded up
// to the multiple, with zero weights and biases for the extra channels: they hold zero
// (squeeze-excite's gates aside, which only scale zeros), and every weight that reads them
// is zero, so they never reach a real channel. The ops that see the model's real counts
// are the ghost module's cheap half, which assembles its output by channel position, and
// the output op, which drops the padding. How an op kind's output and weights pad is its
// definition's rule (ops/op.h: stored_channels, padded_weights).
#pragma once

#include "graph/graph.h"

namespace ghostnet::graph {

// The graph with channel counts padded to a multiple of `multiple` (1 leaves it as is).
Graph pad_channels(Graph graph, int multiple);

}  // namespace ghostnet::graph

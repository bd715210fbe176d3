// The inference graph: GhostNet as a list of fused ops over NHWC values.
//
// Built once per model from the checkpoint, independent of the executor: BatchNorm is
// folded into convolution weights and biases, dropout is gone, each ghost module is a
// pointwise convolution plus one op that computes the cheap half and assembles the
// output (no concat or slice copies), and biases, activations and residual adds are
// fused into the ops that produce them.
#pragma once

#include <string>
#include <vector>

#include "ghostnet/checkpoint.h"
#include "graph/architecture.h"
#include "ops/common.h"
#include "ops/weights.h"

namespace ghostnet::graph {

enum class OpKind {
  Input,         // caller's batch -> NHWC compute type (normalising uint8)
  DenseConv,     // the stem's 3x3 convolution
  Pointwise,     // 1x1 convolution: the convolution engine (GEMM on the host, cuDNN on GPUs)
  GhostCheap,    // the ghost module's cheap half, assembling its output (+ residual)
  Depthwise,     // strided conv_dw and the shortcut's depthwise convolution
  GlobalPool,    // average over H and W
  Dense,         // squeeze-excite's small fully connected layers
  ChannelScale,  // squeeze-excite's gating, in place
  Output,        // logits -> the caller's float32 tensor
};

struct Op {
  OpKind kind = OpKind::Input;
  int input = -1;     // value ids
  int output = -1;
  int residual = -1;  // GhostCheap: the value added to the output, or -1
  int gates = -1;     // ChannelScale: the per-image gates
  int params = -1;    // index into Graph::params, or -1
  int stride = 1;
  ops::Act act = ops::Act::None;
};

struct Value {
  int channels = 0;         // what the model computes
  int stored_channels = 0;  // what memory holds per pixel: channels, then zero padding
  bool pooled = false;      // one pixel per image (after global pooling)
};

struct Graph {
  Architecture arch;
  std::vector<ops::ConvParams> params;
  std::vector<Value> values;
  std::vector<Op> ops;
  int classes() const { return arch.classes; }
};

// Folds BatchNorm (eps 1e-5, as PyTorch's default) into each convolution, in double.
Graph build_graph(const StateDict& weights, const Architecture& arch);

}  // namespace ghostnet::graph

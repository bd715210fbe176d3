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
#include "ops/registry.h"
#include "ops/weights.h"

namespace ghostnet::graph {

struct Op {
  ops::OpKind kind = ops::OpKind::Input;
  int input = -1;     // value ids
  int output = -1;
  int residual = -1;  // GhostCheap: the value added to the output, or -1
  int gates = -1;     // ChannelScale: the per-image gates
  int params = -1;    // index into Graph::params, or -1
  int stride = 1;
  ops::Act act = ops::Act::None;
  // Upstream's name for what the op computes, the checkpoint prefix of its module
  // ("blocks.3.0.ghost1.primary_conv"), or "input" and "output": for reports that name an op.
  std::string name = "";
};

// The ops [begin, end) of a graph, by index.
struct OpRange {
  std::size_t begin;
  std::size_t end;
};

struct Value {
  int channels = 0;         // what the model computes
  int stored_channels = 0;  // what memory holds per pixel: channels, then zero padding
};

struct Graph {
  Architecture arch;
  std::vector<ops::ConvParams> params;
  std::vector<Value> values;
  std::vector<Op> ops;

  int classes() const { return arch.classes; }
  // The op's window: its weights' kernel (1 without weights) and its stride.
  ops::Window window(const Op& op) const {
    return ops::Window::same(op.params >= 0 ? params[std::size_t(op.params)].kernel : 1, op.stride);
  }
};

// Folds BatchNorm (eps 1e-5, as PyTorch's default) into each convolution, in double.
Graph build_graph(const StateDict& weights, const Architecture& arch);

}  // namespace ghostnet::graph

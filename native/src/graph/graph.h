// The inference graph: a GhostNet of the family as a list of fused ops over NHWC values.
//
// Built once per model from its topology (graph/topology.h) and checkpoint, independent of the
// executor: BatchNorm is folded into convolution weights and biases, V3's branches into one
// convolution each, dropout is gone, each ghost module is a pointwise convolution plus one op
// that computes the cheap half and assembles the output (no concat or slice copies), and
// biases, activations and residual adds are fused into the ops that produce them.
#pragma once

#include <string>
#include <vector>

#include "ghostnet/checkpoint.h"
#include "graph/topology.h"
#include "ops/registry.h"
#include "ops/weights.h"

namespace ghostnet::graph {

struct Op {
  ops::OpKind kind = ops::OpKind::Input;
  int input = -1;     // value ids
  int output = -1;
  int residual = -1;  // GhostCheap: the value added to the output, or -1
  int gates = -1;     // Gate: the gates, nearest-upsampled to the output
  int params = -1;    // index into Graph::params, or -1
  ops::Window window; // kernel, stride and padding per axis, for the kinds that have a window
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
  Topology topology;
  std::vector<ops::ConvParams> params;
  std::vector<Value> values;
  std::vector<Op> ops;

  int classes() const { return topology.classes(); }
};

// A convolution's branches summed into one weight and bias, in double, rounded once to float:
// each BatchNorm folded in (eps 1e-5, as PyTorch's default), a smaller kernel at the centre of
// the convolution's, an identity branch as its BatchNorm's scale at the centre. A BatchNorm
// whose statistics or parameters are not finite, or whose variance is negative, is an
// Error(Checkpoint) naming its key and `source`.
ops::ConvParams fold_conv(const Conv& conv, const StateDict& weights, const std::string& source);

// The graph of `topology` with the weights of `weights`, every convolution folded by fold_conv.
Graph build_graph(const StateDict& weights, const Topology& topology, const std::string& source);

// A checkpoint in deployed form: GhostNetV3's re-parameterisable convolutions in training form
// each folded into one conv with a bias (float32), under the deployed form's keys, and every
// other tensor as it was; a checkpoint already deployed, or of another member, as it is.
StateDict deployed(const StateDict& weights, const Topology& topology, const std::string& source);

}  // namespace ghostnet::graph

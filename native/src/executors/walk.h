// Running a graph, shared by every executor: each op's weights prepared once, and each op
// of a plan run in order as its definition says (ops/registry.h). An executor supplies
// only how to run a functor (parallel loops on the host, a grid-stride kernel on a GPU),
// its fast paths, and where each op's weights live on its device.
#pragma once

#include <vector>

#include "executors/plan_cache.h"
#include "ghostnet/model.h"
#include "ghostnet/tensor.h"
#include "graph/graph.h"
#include "ops/registry.h"
#include "runtime/backend.h"

namespace ghostnet::executors {

// An op's weights on the executor's device, as its functor reads them.
struct OpWeights {
  const float* weight = nullptr;
  const float* bias = nullptr;
};

// Each op's weights as `prepare(kind, params)` makes them for an executor, indexed like
// Graph::params; `kind` is the op kind's definition (ops/op.h). An executor overloads
// `prepare` for the kinds it has fast paths for, and otherwise takes the layout that
// Kind::functor_weights gives.
template <typename Weights, typename Prepare>
std::vector<Weights> prepare_weights(const graph::Graph& graph, Prepare&& prepare) {
  std::vector<Weights> weights(graph.params.size());
  for (const graph::Op& op : graph.ops) {
    if (op.params < 0) continue;
    const ops::ConvParams& params = graph.params[std::size_t(op.params)];
    weights[std::size_t(op.params)] = ops::visit_op(op.kind, [&](auto kind) { return prepare(kind, params); });
  }
  return weights;
}

// The caller's tensors, checked by the runtime, as the input and output ops take them.
inline ops::Io io_of(const Tensor& input, Tensor& output, const ModelOptions& options) {
  ops::Io io;
  io.input = input.data();
  io.input_dtype = input.dtype();
  io.input_nchw = input.layout() == Layout::NCHW;
  io.mean = options.mean;
  io.std = options.std;
  io.output = static_cast<float*>(output.data());
  return io;
}

// One op's operands: its values where the plan placed them in the workspace.
template <typename T>
ops::Operands<T> operands_of(const Workspace& workspace, const graph::Op& op,
                             OpWeights weights, const ops::Io& io) {
  auto view = [&](int value) {
    if (value < 0) return ops::View<T>{};
    const graph::PlannedValue& planned = workspace.plan.values[std::size_t(value)];
    return ops::View<T>{reinterpret_cast<T*>(workspace.data() + planned.offset), planned.geometry};
  };
  auto read = [&](int value) {
    const ops::View<T> v = view(value);
    return ops::View<const T>{v.data, v.shape};
  };
  ops::Operands<T> operands;
  operands.input = read(op.input);
  operands.output = view(op.output);
  operands.residual = read(op.residual);
  operands.gates = read(op.gates);
  operands.weight = weights.weight;
  operands.bias = weights.bias;
  operands.window = op.window;
  operands.act = op.act;
  operands.io = &io;
  return operands;
}

// Runs the ops of `graph` in `range`, in order, with T activations. `executor` supplies
//   OpWeights weights(int params) const: an op's weights, as in OpWeights;
//   void run(Kind, const graph::Op&, const ops::Operands<T>&): runs one op, either as
//       Kind::run(operands, launch) with its way to launch a functor, or, in an overload
//       for one kind's definition, on the executor's fast path for that kind.
template <typename T, typename Executor>
void walk(const graph::Graph& graph, const Workspace& workspace, graph::OpRange range, const ops::Io& io,
          Executor& executor) {
  for (std::size_t i = range.begin; i < range.end; ++i) {
    const graph::Op& op = graph.ops[i];
    const OpWeights weights = op.params >= 0 ? executor.weights(op.params) : OpWeights{};
    const ops::Operands<T> operands = operands_of<T>(workspace, op, weights, io);
    ops::visit_op(op.kind, [&](auto kind) { executor.run(kind, op, operands); });
  }
}

// A planned value's elements as float, [pixels][stored channels], copied out of the
// workspace (of T elements) by `copy(destination, source, bytes)`.
template <typename T, typename Copy>
ValueReadout read_planned_value(const Workspace& workspace, int value, Copy&& copy) {
  const graph::PlannedValue& planned = workspace.plan.values[std::size_t(value)];
  const std::size_t n = std::size_t(planned.geometry.pixels() * planned.geometry.stored_channels);
  std::vector<T> typed(n);
  copy(typed.data(), workspace.data() + planned.offset, n * sizeof(T));
  ValueReadout readout{planned.geometry, std::vector<float>(n)};
  for (std::size_t i = 0; i < n; ++i) readout.values[i] = float(typed[i]);
  return readout;
}

}  // namespace ghostnet::executors

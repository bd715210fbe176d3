// Two executors compared op by op, as ggml's tests/test-backend-ops.cpp compares its backends:
// one graph runs on both, an op at a time, and after each op the value it wrote is read back
// from both and compared, NaN-aware, within a bound that scales with the largest magnitude of
// the reference's value. The first op beyond its bound is where to look: the ops before it
// agree.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "ghostnet/tensor.h"
#include "graph/graph.h"
#include "runtime/backend.h"

namespace ghostnet::testing {

// One executor with its input and output tensors, on its device.
struct ExecutorRun {
  Executor& executor;
  const Tensor& input;
  Tensor& output;
};

// Where an op's value differs most from the reference's.
struct OpDifference {
  std::size_t op = 0;
  std::string name;        // graph::Op::name
  ops::Geometry shape;     // of the value compared (the logits for the output op)
  std::size_t pixel = 0;   // of the worst element
  int channel = 0;
  float actual = 0;
  float expected = 0;
  double difference = 0;   // testing::element_difference: infinite for NaN where the reference is finite
  double bound = 0;

  // "op 57 blocks.6.3.ghost1.primary_conv, 1x14x14x240: at image 0, row 3, column 5, channel 17, 1.25
  // where the reference has 0.5: |difference| 0.75, beyond the bound 0.0123"
  std::string describe() const;
};

struct OpByOpReport {
  std::size_t ops_compared = 0;
  std::optional<OpDifference> first_beyond;  // the first op beyond its bound, if any
  OpDifference closest;                      // else the op closest to its bound

  std::string describe() const;
};

// Runs `graph`'s ops one at a time on both executors, comparing each op's value; stops at the
// first op beyond its bound, relative_bound * max |reference value| (at least relative_bound *
// 1e-3, for values that are zero in the reference).
OpByOpReport compare_op_by_op(const graph::Graph& graph, ExecutorRun reference, ExecutorRun candidate,
                              double relative_bound);

}  // namespace ghostnet::testing

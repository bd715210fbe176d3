#include "op_by_op.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "comparison.h"

namespace ghostnet::testing {
namespace {

// The logits the output op wrote, as a value of one pixel per image.
ValueReadout logits(const Tensor& output) {
  Tensor host = Tensor::allocate(Device::host(), output.dtype(), output.shape(), output.layout());
  copy(output, host);
  const float* data = static_cast<const float*>(host.data());
  ops::Geometry shape;
  shape.batch = output.shape()[0];
  shape.height = shape.width = 1;
  shape.channels = shape.stored_channels = int(output.shape()[1]);
  return {shape, std::vector<float>(data, data + host.numel())};
}

// The value an op wrote, on one executor.
ValueReadout written(const graph::Op& op, const ExecutorRun& run) {
  return op.output >= 0 ? run.executor.read_value(run.input, op.output) : logits(run.output);
}

// Compares the model's channels of two readouts of one value (their stored channels may
// differ: an executor may pad them).
OpDifference compare(const ValueReadout& reference, const ValueReadout& candidate, double relative_bound) {
  OpDifference worst;
  worst.shape = reference.shape;
  const ops::Geometry& r = reference.shape;
  const ops::Geometry& c = candidate.shape;
  double largest = 0;
  for (ops::index_t p = 0; p < r.pixels(); ++p) {
    for (int ch = 0; ch < r.channels; ++ch) {
      const float expected = reference.values[std::size_t(p * r.stored_channels + ch)];
      const float actual = candidate.values[std::size_t(p * c.stored_channels + ch)];
      if (std::isfinite(expected)) largest = std::max(largest, double(std::abs(expected)));
      const double difference = element_difference(actual, expected);
      if ((p == 0 && ch == 0) || difference > worst.difference) {
        worst.pixel = std::size_t(p);
        worst.channel = ch;
        worst.actual = actual;
        worst.expected = expected;
        worst.difference = difference;
      }
    }
  }
  worst.bound = relative_bound * std::max(largest, 1e-3);
  return worst;
}

}  // namespace

std::string OpDifference::describe() const {
  const ops::PixelPosition at = ops::position_of(ops::index_t(pixel), shape.height, shape.width);
  std::ostringstream text;
  text << "op " << op << " " << name << ", " << shape.batch << "x" << shape.height << "x" << shape.width << "x"
       << shape.channels << ": at image " << at.n << ", row " << at.y << ", column " << at.x << ", channel " << channel
       << ", " << actual << " where the reference has " << expected << ": |difference| " << difference
       << (difference > bound ? ", beyond the bound " : ", within the bound ") << bound;
  return text.str();
}

std::string OpByOpReport::describe() const {
  if (first_beyond) {
    return "the first op beyond its bound, after " + std::to_string(ops_compared - 1) +
           " that agree: " + first_beyond->describe();
  }
  const double share = closest.bound > 0 ? 100.0 * closest.difference / closest.bound : 0.0;
  std::ostringstream text;
  text << "all " << ops_compared << " ops within their bounds; the closest, at " << share
       << "% of its bound: " << closest.describe();
  return text.str();
}

OpByOpReport compare_op_by_op(const graph::Graph& graph, ExecutorRun reference, ExecutorRun candidate,
                              double relative_bound) {
  OpByOpReport report;
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    const graph::Op& op = graph.ops[i];
    reference.executor.run_ops(reference.input, reference.output, {i, i + 1});
    candidate.executor.run_ops(candidate.input, candidate.output, {i, i + 1});
    OpDifference difference = compare(written(op, reference), written(op, candidate), relative_bound);
    difference.op = i;
    difference.name = op.name;
    ++report.ops_compared;
    if (difference.difference > difference.bound) {
      report.first_beyond = difference;
      return report;
    }
    if (i == 0 || difference.difference / difference.bound > report.closest.difference / report.closest.bound) {
      report.closest = difference;
    }
  }
  return report;
}

}  // namespace ghostnet::testing

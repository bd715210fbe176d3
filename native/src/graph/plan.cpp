#include "graph/plan.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "ghostnet/error.h"

namespace ghostnet::graph {
namespace {

// Elements of one activation tensor the kernels may index: int64 offsets, but also
// pixel * channels products well clear of overflow.
constexpr int64_t kMaxElements = int64_t(1) << 40;
// Rows and columns of the input: the window arithmetic (input + 2 * pad) stays within int.
constexpr int kMaxSide = 1 << 30;

// Each op's output as its shape rule makes it from its input (the input op's: the caller's).
void shape_values(const Graph& graph, Plan& plan) {
  for (const Op& op : graph.ops) {
    if (op.output < 0) continue;
    ops::Size in{plan.height, plan.width};
    if (op.input >= 0) {
      const ops::Geometry& input = plan.values[std::size_t(op.input)].geometry;
      in = {input.height, input.width};
    }
    const ops::Size size = ops::visit_op(op.kind, [&](auto kind) { return kind.output_size(graph.window(op), in); });
    const Value& value = graph.values[std::size_t(op.output)];
    ops::Geometry& out = plan.values[std::size_t(op.output)].geometry;
    out.batch = plan.batch;
    out.height = size.height;
    out.width = size.width;
    out.channels = value.channels;
    out.stored_channels = value.stored_channels;
  }
}

// The op index of each value's first definition and last use among the ops `range`;
// first stays at the int maximum for a value they do not touch.
void lifetimes(const Graph& graph, OpRange range, std::vector<int>& first, std::vector<int>& last) {
  first.assign(graph.values.size(), std::numeric_limits<int>::max());
  last.assign(graph.values.size(), -1);
  for (int i = int(range.begin); i < int(std::min(range.end, graph.ops.size())); ++i) {
    const Op& op = graph.ops[std::size_t(i)];
    for (int v : {op.input, op.output, op.residual, op.gates}) {
      if (v < 0) continue;
      first[std::size_t(v)] = std::min(first[std::size_t(v)], i);
      last[std::size_t(v)] = std::max(last[std::size_t(v)], i);
    }
  }
}

std::size_t align(std::size_t bytes) { return (bytes + kValueAlignment - 1) / kValueAlignment * kValueAlignment; }

// Greedy first fit, largest values first: each value takes the lowest offset that does
// not overlap a placed value whose lifetime overlaps its own. Values the ops `range` do not
// touch get no memory.
void place_values(const Graph& graph, OpRange range, Plan& plan) {
  std::vector<int> first, last;
  lifetimes(graph, range, first, last);
  for (std::size_t v = 0; v < plan.values.size(); ++v) {
    if (last[v] < 0) plan.values[v].bytes = 0;
  }
  std::vector<std::size_t> order(plan.values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return plan.values[a].bytes > plan.values[b].bytes; });
  std::vector<std::size_t> placed;
  for (std::size_t v : order) {
    std::vector<std::pair<std::size_t, std::size_t>> busy;  // [begin, end) of live neighbours
    for (std::size_t u : placed) {
      if (first[u] <= last[v] && first[v] <= last[u]) {
        busy.emplace_back(plan.values[u].offset, plan.values[u].offset + align(plan.values[u].bytes));
      }
    }
    std::sort(busy.begin(), busy.end());
    std::size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + align(plan.values[v].bytes) <= begin) break;
      offset = std::max(offset, end);
    }
    plan.values[v].offset = offset;
    plan.workspace_bytes = std::max(plan.workspace_bytes, offset + align(plan.values[v].bytes));
    placed.push_back(v);
  }
}

}  // namespace

Plan make_plan(const Graph& graph, int64_t batch, int64_t height, int64_t width, std::size_t element_size,
               OpRange ops) {
  if (batch < 1 || height < 1 || width < 1) {
    fail(ErrorCode::InvalidArgument, "the input needs batch, height and width of at least 1, found batch " +
                                         std::to_string(batch) + ", " + std::to_string(height) + "x" +
                                         std::to_string(width));
  }
  if (height > kMaxSide || width > kMaxSide) {
    fail(ErrorCode::InvalidArgument, "an input of " + std::to_string(height) + "x" + std::to_string(width) +
                                         " is beyond what the kernels index: its height and width must be at most 2^30");
  }
  Plan plan;
  plan.batch = batch;
  plan.height = int(height);
  plan.width = int(width);
  plan.values.resize(graph.values.size());
  shape_values(graph, plan);
  for (PlannedValue& value : plan.values) {
    const ops::Geometry& g = value.geometry;
    const int64_t limit = kMaxElements / std::max(g.stored_channels, 1);
    if (g.batch > limit / std::max(g.image_pixels(), int64_t(1))) {
      fail(ErrorCode::InvalidArgument,
           "an input of batch " + std::to_string(batch) + " at " + std::to_string(height) + "x" +
               std::to_string(width) + " needs activations of more than 2^40 elements, beyond what the kernels index");
    }
    value.bytes = std::size_t(g.pixels() * g.stored_channels) * element_size;
  }
  place_values(graph, ops, plan);
  return plan;
}

}  // namespace ghostnet::graph

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

int window_output(int input, int kernel, int stride) { return ops::Window{kernel, stride, kernel / 2}.output_size(input); }

void shape_values(const Graph& graph, Plan& plan) {
  for (const Op& op : graph.ops) {
    if (op.output < 0) continue;
    ValueShape& out = plan.values[std::size_t(op.output)];
    const Value& value = graph.values[std::size_t(op.output)];
    out.batch = plan.batch;
    out.channels = value.stored_channels;
    if (op.kind == OpKind::Input) {
      out.height = plan.height;
      out.width = plan.width;
      continue;
    }
    const ValueShape& in = plan.values[std::size_t(op.input)];
    if (value.pooled) {
      out.height = out.width = 1;
    } else if (op.kind == OpKind::DenseConv || op.kind == OpKind::Depthwise) {
      const int kernel = graph.params[std::size_t(op.params)].kernel;
      out.height = window_output(in.height, kernel, op.stride);
      out.width = window_output(in.width, kernel, op.stride);
    } else {
      out.height = in.height;
      out.width = in.width;
    }
  }
}

// The op index of each value's first definition and last use.
void lifetimes(const Graph& graph, std::vector<int>& first, std::vector<int>& last) {
  first.assign(graph.values.size(), std::numeric_limits<int>::max());
  last.assign(graph.values.size(), -1);
  for (int i = 0; i < int(graph.ops.size()); ++i) {
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
// not overlap a placed value whose lifetime overlaps its own.
void place_values(const Graph& graph, Plan& plan) {
  std::vector<int> first, last;
  lifetimes(graph, first, last);
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

Plan make_plan(const Graph& graph, int64_t batch, int height, int width, std::size_t element_size) {
  if (batch < 1 || height < 1 || width < 1) {
    fail(ErrorCode::InvalidArgument, "the input needs batch, height and width of at least 1, found batch " +
                                         std::to_string(batch) + ", " + std::to_string(height) + "x" +
                                         std::to_string(width));
  }
  if (height > kMaxSide || width > kMaxSide) {
    fail(ErrorCode::InvalidArgument, "an input of " + std::to_string(height) + "x" + std::to_string(width) +
                                         " is beyond what the kernels index: at most 2^30 rows and columns");
  }
  Plan plan;
  plan.batch = batch;
  plan.height = height;
  plan.width = width;
  plan.values.resize(graph.values.size());
  shape_values(graph, plan);
  for (std::size_t v = 0; v < plan.values.size(); ++v) {
    ValueShape& value = plan.values[v];
    const int64_t limit = kMaxElements / std::max(value.channels, 1);
    if (value.batch > limit / std::max(int64_t(value.height) * value.width, int64_t(1))) {
      fail(ErrorCode::InvalidArgument,
           "an input of batch " + std::to_string(batch) + " at " + std::to_string(height) + "x" +
               std::to_string(width) + " needs activations of more than 2^40 elements, beyond what the kernels index");
    }
    value.bytes = std::size_t(value.elements()) * element_size;
  }
  place_values(graph, plan);
  return plan;
}

}  // namespace ghostnet::graph

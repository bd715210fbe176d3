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

// Each value's height and width as the ops' shape rules make them from an input of
// height x width (the input op's output is the caller's size).
std::vector<ops::Size> value_sizes(const Graph& graph, int height, int width) {
  std::vector<ops::Size> sizes(graph.values.size());
  for (const Op& op : graph.ops) {
    if (op.output < 0) continue;
    const ops::Size in = op.input >= 0 ? sizes[std::size_t(op.input)] : ops::Size{height, width};
    sizes[std::size_t(op.output)] = ops::visit_op(op.kind, [&](auto kind) { return kind.output_size(op.window, in); });
  }
  return sizes;
}

// The first op whose output has no pixels for an input of height x width, or -1.
int first_empty_op(const Graph& graph, int height, int width) {
  const std::vector<ops::Size> sizes = value_sizes(graph, height, width);
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    const int out = graph.ops[i].output;
    if (out >= 0 && (sizes[std::size_t(out)].height < 1 || sizes[std::size_t(out)].width < 1)) return int(i);
  }
  return -1;
}

// The smallest input height (rows) or width that gives every op pixels, the other side being
// `other`; sizes only grow with the input's, so a search by halves finds it. 0 if none up to
// kMaxSide does.
int smallest_side(const Graph& graph, bool rows, int other) {
  auto works = [&](int side) { return first_empty_op(graph, rows ? side : other, rows ? other : side) < 0; };
  int lo = 1, hi = 1;
  while (!works(hi)) {
    if (hi >= kMaxSide / 2) return 0;
    lo = hi + 1;
    hi *= 2;
  }
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (works(mid)) hi = mid; else lo = mid + 1;
  }
  return hi;
}

// Refuses, before any work, an input too small for an op's window to find a position in,
// naming the op and the smallest input the model takes (where PyTorch would raise).
void check_large_enough(const Graph& graph, int height, int width) {
  const int op = first_empty_op(graph, height, width);
  if (op < 0) return;
  const std::vector<ops::Size> sizes = value_sizes(graph, height, width);
  const Op& empty = graph.ops[std::size_t(op)];
  const ops::Size in = sizes[std::size_t(empty.input)];
  const ops::Window& w = empty.window;
  // Each axis on its own, the other at a size that works for it.
  constexpr int kLarge = 1 << 12;
  const int min_height = smallest_side(graph, true, kLarge), min_width = smallest_side(graph, false, kLarge);
  fail(ErrorCode::InvalidArgument,
       "an input of " + std::to_string(height) + "x" + std::to_string(width) + " is too small for " +
           graph.topology.member() + ": " + empty.name + " (" + std::to_string(w.kernel_h) + "x" +
           std::to_string(w.kernel_w) + " at stride " + std::to_string(w.stride_h) + "x" + std::to_string(w.stride_w) +
           ") gets " + std::to_string(in.height) + "x" + std::to_string(in.width) +
           " and has no output; the smallest input it takes is " + std::to_string(min_height) + "x" +
           std::to_string(min_width));
}

// Each op's output as its shape rule makes it.
void shape_values(const Graph& graph, Plan& plan) {
  const std::vector<ops::Size> sizes = value_sizes(graph, plan.height, plan.width);
  for (std::size_t v = 0; v < graph.values.size(); ++v) {
    ops::Geometry& out = plan.values[v].geometry;
    out.batch = plan.batch;
    out.height = sizes[v].height;
    out.width = sizes[v].width;
    out.channels = graph.values[v].channels;
    out.stored_channels = graph.values[v].stored_channels;
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
  check_large_enough(graph, plan.height, plan.width);
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

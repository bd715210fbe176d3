// An execution plan: the graph's values given concrete shapes for one input size, and a
// memory plan that places them in one workspace.
//
// Values whose lifetimes do not overlap share memory, so the workspace is a fraction of
// the sum of all activations. Plans are backend-independent; a context caches one per
// input shape, so a steady-state forward allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace ghostnet::graph {

struct PlannedValue {
  ops::Geometry geometry;
  std::size_t offset = 0;  // in the workspace, in bytes
  std::size_t bytes = 0;
};

struct Plan {
  int64_t batch = 0;
  int height = 0;
  int width = 0;
  std::vector<PlannedValue> values;  // indexed like Graph::values
  std::size_t workspace_bytes = 0;
};

// Every value is aligned to this many bytes (what cuDNN and vector loads like best).
constexpr std::size_t kValueAlignment = 256;

// Shapes every value for a batch of `batch` images of height x width, with `element_size`-byte
// activations, and places those that the ops `ops` (by default all) read or write; the
// others get no memory. This is where an input's size is checked: sizes the kernels cannot
// index are refused, as they come, before anything narrows them.
Plan make_plan(const Graph& graph, int64_t batch, int64_t height, int64_t width, std::size_t element_size,
               OpRange ops = {0, std::size_t(-1)});

}  // namespace ghostnet::graph

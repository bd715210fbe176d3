// The memory plan: values alive at the same op never share bytes, and sharing saves memory.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"
#include "graph/architecture.h"
#include "ghostnet/model.h"
#include "graph/plan.h"
#include "graph/upstream.h"

namespace ghostnet::graph {
namespace {

Graph fixture_graph(const std::string& weights) {
  const Checkpoint checkpoint = read_checkpoint(testing::fixture(weights));
  return build_graph(checkpoint.tensors, infer_architecture(checkpoint.tensors, weights));
}

TEST(Plan, LiveValuesNeverOverlapAndMemoryIsShared) {
  const Graph graph = fixture_graph("weights/w100_c1000_f16.safetensors");
  for (auto [batch, h, w] : {std::tuple{1, 224, 224}, {8, 320, 256}, {3, 17, 23}}) {
    const Plan plan = make_plan(graph, batch, h, w, sizeof(float));
    std::vector<int> first(graph.values.size(), int(graph.ops.size())), last(graph.values.size(), -1);
    for (int i = 0; i < int(graph.ops.size()); ++i) {
      for (int v : {graph.ops[i].input, graph.ops[i].output, graph.ops[i].residual, graph.ops[i].gates}) {
        if (v < 0) continue;
        first[v] = std::min(first[v], i);
        last[v] = std::max(last[v], i);
      }
    }
    std::size_t total = 0;
    for (std::size_t a = 0; a < plan.values.size(); ++a) {
      const PlannedValue& va = plan.values[a];
      total += va.bytes;
      EXPECT_EQ(va.offset % kValueAlignment, 0u);
      EXPECT_LE(va.offset + va.bytes, plan.workspace_bytes);
      for (std::size_t b = a + 1; b < plan.values.size(); ++b) {
        const PlannedValue& vb = plan.values[b];
        const bool live_together = first[a] <= last[b] && first[b] <= last[a];
        const bool share_bytes = va.offset < vb.offset + vb.bytes && vb.offset < va.offset + va.bytes;
        EXPECT_FALSE(live_together && share_bytes) << "values " << a << " and " << b;
      }
    }
    EXPECT_LT(plan.workspace_bytes, total / 3) << "batch " << batch << " " << h << "x" << w;
  }
}

TEST(Plan, ARangeOfOpsGetsMemoryForItsValuesAloneStillShapingEveryValue) {
  const Graph graph = fixture_graph("weights/w100_c1000_f16.safetensors");
  const Plan whole = make_plan(graph, 4, 224, 224, sizeof(float));
  const OpRange head{graph.ops.size() - 3, graph.ops.size()};  // conv_head, classifier, output
  const Plan part = make_plan(graph, 4, 224, 224, sizeof(float), head);
  std::vector<bool> touched(graph.values.size(), false);
  for (std::size_t i = head.begin; i < head.end; ++i) {
    for (int v : {graph.ops[i].input, graph.ops[i].output, graph.ops[i].residual, graph.ops[i].gates}) {
      if (v >= 0) touched[std::size_t(v)] = true;
    }
  }
  std::size_t touched_bytes = 0;
  for (std::size_t v = 0; v < graph.values.size(); ++v) {
    EXPECT_EQ(part.values[v].geometry.channels, whole.values[v].geometry.channels) << "value " << v;
    EXPECT_EQ(part.values[v].bytes, touched[v] ? whole.values[v].bytes : 0u) << "value " << v;
    if (touched[v]) touched_bytes += part.values[v].bytes;
  }
  EXPECT_GT(part.workspace_bytes, 0u);
  EXPECT_LE(part.workspace_bytes, touched_bytes + 3 * kValueAlignment);
  EXPECT_LT(part.workspace_bytes, whole.workspace_bytes / 100);
}

TEST(Plan, ShapesFollowUpstreamsStrides) {
  const Graph graph = fixture_graph("weights/w100_c1000_f16.safetensors");
  const Plan plan = make_plan(graph, 2, 224, 224, sizeof(float));
  const ops::Geometry& stem = plan.values[std::size_t(graph.ops[1].output)].geometry;
  EXPECT_EQ(stem.height, 112);
  EXPECT_EQ(stem.stored_channels, 16);
  const ops::Geometry& head = plan.values[std::size_t(graph.ops[graph.ops.size() - 5].output)].geometry;  // blocks.9.0
  EXPECT_EQ(head.height, 7);
  EXPECT_EQ(head.stored_channels, 960);
  const ops::Geometry& pooled = plan.values[std::size_t(graph.ops[graph.ops.size() - 4].output)].geometry;
  EXPECT_EQ(pooled.height, 1);
  EXPECT_EQ(pooled.pixels(), 2) << "one pixel per image";
  EXPECT_EQ(plan.values[std::size_t(graph.ops.back().input)].geometry.stored_channels, 1000);
}

TEST(Plan, InputsBeyondWhatKernelsIndexAreRefused) {
  const Graph graph = fixture_graph("formats/small_f32.safetensors");
  try {
    make_plan(graph, int64_t(1) << 30, 4096, 4096, sizeof(float));
    FAIL() << "an absurd batch was planned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("beyond what the kernels index"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_plan(graph, 0, 224, 224, sizeof(float)), Error);
}

}  // namespace
}  // namespace ghostnet::graph

namespace ghostnet::graph {
namespace {

// Upstream's own widths and class counts, built as its constructor builds them, load back
// with the architecture upstream defines: every key present and every shape as expected.
TEST(RandomWeights, EveryWidthLoadsWithUpstreamsArchitecture) {
  for (double width : {0.1, 0.5, 1.3}) {
    const StateDict weights = random_ghostnet_weights(width, 17, 3);
    const Architecture arch = infer_architecture(weights, "random");
    EXPECT_EQ(arch.stem_channels, upstream::make_divisible(16 * width, 4));
    EXPECT_EQ(arch.classes, 17);
    EXPECT_EQ(arch.blocks.size(), 16u);
    EXPECT_EQ(arch.blocks[3].has_se, true);
    EXPECT_EQ(arch.blocks[3].dw_kernel, 5);
    EXPECT_EQ(arch.head_channels, upstream::make_divisible(960 * width, 4));
  }
}

TEST(RandomWeights, HaveExactlyTheKeysAndShapesOfPyTorchsModel) {
  const StateDict reference = read_checkpoint(testing::fixture("weights/w100_c1000_f16.safetensors")).tensors;
  const StateDict weights = random_ghostnet_weights(1.0, 1000, 0);
  ASSERT_EQ(weights.size(), reference.size());
  for (const auto& [key, tensor] : reference) {
    ASSERT_TRUE(weights.count(key)) << key;
    EXPECT_EQ(weights.at(key).shape, tensor.shape) << key;
  }
}

TEST(RandomWeights, MakeDivisibleIsUpstreams) {
  // Hand-computed from upstream's formula.
  EXPECT_EQ(upstream::make_divisible(16 * 0.5, 4), 8);
  EXPECT_EQ(upstream::make_divisible(16 * 1.3, 4), 20);    // 20.8 -> 20
  EXPECT_EQ(upstream::make_divisible(72 * 1.3, 4), 92);    // 93.6 -> 92
  EXPECT_EQ(upstream::make_divisible(120 * 0.25, 4), 32);  // 30 -> 32
  EXPECT_EQ(upstream::make_divisible(3.0, 4), 4);          // at least the divisor
  EXPECT_EQ(upstream::make_divisible(46, 8), 48);
  EXPECT_EQ(upstream::make_divisible(43, 8), 40);          // within 10% of 43: kept
  EXPECT_EQ(upstream::make_divisible(10, 8), 16);          // 8 is more than 10% below 10 -> 16
}

}  // namespace
}  // namespace ghostnet::graph

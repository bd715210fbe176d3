// The memory plan: values alive at the same op never share bytes, and sharing saves memory.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "graph/plan.h"
#include "graph/topology.h"
#include "graph/upstream.h"

namespace ghostnet::graph {
namespace {

Graph case_graph(const std::string& name) { return testing::case_graph(testing::fixture_case(name)); }

Graph file_graph(const std::string& weights) {
  const Checkpoint checkpoint = read_checkpoint(testing::fixture(weights));
  return build_graph(checkpoint.tensors, infer_topology(checkpoint.tensors, weights), weights);
}

class PlanOfMember : public ::testing::TestWithParam<std::string> {};

TEST_P(PlanOfMember, LiveValuesNeverOverlapAndMemoryIsShared) {
  const Graph graph = case_graph(GetParam());
  for (auto [batch, h, w] : {std::tuple{1, 224, 224}, {8, 320, 256}, {3, 37, 43}}) {
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

INSTANTIATE_TEST_SUITE_P(Family, PlanOfMember, ::testing::Values("v1_w100_c1000_224", "v2_w100_c1000_224"));

TEST(Plan, ARangeOfOpsGetsMemoryForItsValuesAloneStillShapingEveryValue) {
  const Graph graph = case_graph("v1_w100_c1000_224");
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
  const Graph graph = case_graph("v1_w100_c1000_224");
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

// V2's attention at 201x179 (its last stage 7x6, pooled to 3x3): each op's size as PyTorch's
// rules give it, worked out by hand.
TEST(Plan, AttentionPoolsToAQuarterAndItsGatesKeepThatSize) {
  const Graph graph = case_graph("v2_w130_c100_201x179");
  const Plan plan = make_plan(graph, 1, 201, 179, sizeof(float));
  auto size_of = [&](const std::string& name) {
    for (const Op& op : graph.ops) {
      if (op.name == name) return plan.values[std::size_t(op.output)].geometry;
    }
    throw std::runtime_error("no op " + name);
  };
  // After the stem (101x90) and four stride-2 bottlenecks: 51x45, 26x23, 13x12, 7x6, the last
  // stage's (blocks.8) size.
  const ops::Geometry last_stage = size_of("blocks.8.0.ghost1.cheap_operation");
  EXPECT_EQ(last_stage.height, 7);
  EXPECT_EQ(last_stage.width, 6);
  const ops::Geometry pooled = size_of("blocks.8.0.ghost1.short_conv.pool");  // floor(7 / 2) x floor(6 / 2)
  EXPECT_EQ(pooled.height, 3);
  EXPECT_EQ(pooled.width, 3);
  for (const char* conv : {"blocks.8.0.ghost1.short_conv.0", "blocks.8.0.ghost1.short_conv.2",
                           "blocks.8.0.ghost1.short_conv.4"}) {
    EXPECT_EQ(size_of(conv).height, 3) << conv;
    EXPECT_EQ(size_of(conv).width, 3) << conv;
  }
  const ops::Geometry first = size_of("blocks.2.0.ghost1.short_conv.pool");  // 51x45 pooled
  EXPECT_EQ(first.height, 25);
  EXPECT_EQ(first.width, 22);
}

// PyTorch raises for an input whose attention pool gets less than 2x2; ghostnet refuses it
// before any work, naming the op and the smallest input that works (the manifest's, which the
// reference found by running PyTorch).
TEST(Plan, AnInputTooSmallForTheAttentionIsRefusedNamingTheSmallestThatWorks) {
  const json::Value manifest = testing::manifest();
  for (const json::Value& t : manifest.at("too_small").items()) {
    const std::string model = t.at("model").string();
    const testing::FixtureModel m = testing::fixture_model(model);
    const StateDict weights = testing::fixture_weights(m);
    const Graph graph = build_graph(weights, infer_topology(weights, model), model);
    const int h = int(t.at("height").unsigned_integer()), w = int(t.at("width_px").unsigned_integer());
    const auto& smallest = t.at("smallest").items();
    const std::string size =
        std::to_string(smallest[0].unsigned_integer()) + "x" + std::to_string(smallest[1].unsigned_integer());
    try {
      make_plan(graph, 1, h, w, sizeof(float));
      ADD_FAILURE() << model << " planned " << h << "x" << w;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find("short_conv.pool"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("the smallest input it takes is " + size), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(make_plan(graph, 1, int(smallest[0].unsigned_integer()), int(smallest[1].unsigned_integer()),
                              sizeof(float)));
  }
}

TEST(Plan, InputsBeyondWhatKernelsIndexAreRefused) {
  const Graph graph = file_graph("formats/small_f32.safetensors");
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

// Random weights for each member at upstream's widths load back as that member, with the shapes
// upstream's constructor gives.
TEST(RandomWeights, EveryMemberAndWidthLoadsBackAsItself) {
  for (const char* name : {"ghostnet_010", "ghostnet_050", "ghostnet_130", "ghostnetv2_100", "ghostnetv2_160",
                           "ghostnetv3_050", "ghostnetv3_100"}) {
    const Member member = parse_member(name);
    const StateDict weights = random_ghostnet_weights(name, 17, 3);
    const Topology t = infer_topology(weights, name);
    EXPECT_EQ(t.family, member.family) << name;
    EXPECT_EQ(t.width(), member.width) << name;
    EXPECT_EQ(t.shape.stem, upstream::make_divisible(16 * member.width, 4)) << name;
    EXPECT_EQ(t.classes(), 17) << name;
    ASSERT_EQ(t.blocks.size(), 16u) << name;
    EXPECT_TRUE(t.blocks[3].se.has_value()) << name;
    EXPECT_EQ(t.blocks[3].depthwise->window.kernel_h, 5) << name;
    EXPECT_EQ(t.head.out, upstream::make_divisible(960 * member.width, 4)) << name;
    EXPECT_EQ(t.blocks[1].ghost1.attention.has_value(), false) << name;
    EXPECT_EQ(t.blocks[2].ghost1.attention.has_value(), member.family != Family::V1) << name;
  }
}

// Against PyTorch's own keys and shapes: the formats' small models, saved whole by the reference
// (each member, V3 in each form and under each naming), give random weights of their member and
// width the same keys and shapes, or (other forms of V3) load as that form.
TEST(RandomWeights, HaveExactlyTheKeysAndShapesOfPyTorchsModels) {
  for (const auto& [file, name] : {std::pair{"formats/small_f32.safetensors", "ghostnet_025"},
                                   {"formats/v2_official.pth.tar", "ghostnetv2_010"},
                                   {"formats/v3_official.pth.tar", "ghostnetv3_010"}}) {
    const StateDict reference = read_checkpoint(testing::fixture(file)).tensors;
    const StateDict weights = random_ghostnet_weights(name, 10, 0);
    std::size_t compared = 0;
    for (const auto& [key, tensor] : reference) {
      const bool weight_like = tensor.is_floating() && key.find("total_") == std::string::npos;
      if (!weight_like) continue;
      ASSERT_TRUE(weights.count(key)) << file << ": " << key;
      EXPECT_EQ(weights.at(key).shape, tensor.shape) << file << ": " << key;
      ++compared;
    }
    EXPECT_EQ(compared, weights.size()) << file;
  }
  const std::pair<const char*, Form> forms[] = {{"formats/v3_timm.safetensors", Form::TrainingTimm},
                                                {"formats/v3_timm_deployed.bin", Form::Deployed}};
  for (const auto& [file, form] : forms) {
    const Topology t = infer_topology(read_checkpoint(testing::fixture(file)).tensors, file);
    EXPECT_EQ(t.family, Family::V3) << file;
    EXPECT_EQ(t.form, form) << file;
  }
}

// The generator's values, as tests/reference/fixture_weights.py's twin prints them for the same
// key, shape and seed (its __main__): the fixtures' models are these values.
TEST(RandomWeights, AreTheValuesOfTheReferencesTwin) {
  const std::vector<float> stem = random_ghostnet_weights("ghostnet_100", 10, 7).at("conv_stem.weight").to_float();
  ASSERT_EQ(stem.size(), 16u * 3 * 3 * 3);
  EXPECT_EQ(stem[0], 0.08935546875f);
  EXPECT_EQ(stem[1], -0.11962890625f);
  EXPECT_EQ(stem[2], -0.071533203125f);
  EXPECT_EQ(stem[3], -0.172119140625f);
  EXPECT_EQ(stem.back(), -0.188232421875f);
  double sum = 0;
  for (float v : stem) sum += v;
  EXPECT_EQ(sum, 0.912109375);
}

TEST(Topology, MemberNamesAreTimms) {
  EXPECT_EQ(parse_member("ghostnet_100").family, Family::V1);
  EXPECT_EQ(parse_member("ghostnetv2_130").family, Family::V2);
  EXPECT_EQ(parse_member("ghostnetv2_130").width, 1.3);
  EXPECT_EQ(parse_member("ghostnetv3_050").family, Family::V3);
  EXPECT_EQ(parse_member("ghostnetv3_050").width, 0.5);
  for (const char* bad : {"ghostnet", "ghostnetv4_100", "ghostnet_1.0", "resnet50", "ghostnet_000"}) {
    try {
      parse_member(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("ghostnetv2_130"), std::string::npos) << e.what();
    }
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

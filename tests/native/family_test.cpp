// The family's checkpoints as their publishers ship them: each member and form recognised from
// its keys and shapes, a file that matches none named against the nearest, V3's training form
// folded at load and written deployed by convert, what is not a weight ignored and said so.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "comparison.h"
#include "core/verbose.h"
#include "fixtures.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "graph/graph.h"
#include "graph/topology.h"

namespace ghostnet::graph {
namespace {

StateDict file(const std::string& relative) { return read_checkpoint(testing::fixture(relative)).tensors; }

// The error a state_dict gets, which must be a checkpoint error.
std::string checkpoint_error(const StateDict& weights) {
  try {
    Model::from_state_dict(weights, "edited.pth", Device::host());
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Checkpoint) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "the edited checkpoint loaded";
  return "";
}

void set_value(StoredTensor& t, std::size_t index, float value) {
  std::vector<float> values = t.to_float();
  values[index] = value;
  t.type = StoredType::F32;
  t.bytes.resize(values.size() * sizeof(float));
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
}

TEST(Family, EachPublishedFormIsRecognisedFromItsKeys) {
  struct Expected {
    const char* file;
    Family family;
    Form form;
    double width;
  };
  for (const Expected& e : {Expected{"formats/small_f32.safetensors", Family::V1, Form::ConvBn, 0.25},
                            Expected{"formats/v2_official.pth.tar", Family::V2, Form::ConvBn, 0.1},
                            Expected{"formats/v3_official.pth.tar", Family::V3, Form::Training, 0.1},
                            Expected{"formats/v3_timm.safetensors", Family::V3, Form::TrainingTimm, 0.1},
                            Expected{"formats/v3_timm_deployed.bin", Family::V3, Form::Deployed, 0.1}}) {
    const Topology t = infer_topology(file(e.file), e.file);
    EXPECT_EQ(t.family, e.family) << e.file;
    EXPECT_EQ(t.form, e.form) << e.file;
    EXPECT_EQ(t.width(), e.width) << e.file;
    EXPECT_EQ(t.classes(), 10) << e.file;
  }
}

TEST(Family, ThopsProfilingBuffersAreIgnoredAndSaidSo) {
  const StateDict weights = file("formats/v2_official.pth.tar");
  ASSERT_TRUE(weights.count("blocks.3.0.ghost1.short_conv.0.total_ops"));
  std::vector<std::string> ignored;
  infer_topology(weights, "v2", &ignored);
  std::size_t buffers = 0;
  for (const auto& [key, tensor] : weights) buffers += key.find("total_") != std::string::npos;
  EXPECT_EQ(ignored.size(), buffers);
  set_verbose(true);
  ::testing::internal::CaptureStderr();
  Model::from_state_dict(weights, "ck_ghostnetv2.pth.tar", Device::host());
  const std::string notes = ::testing::internal::GetCapturedStderr();
  set_verbose(false);
  EXPECT_NE(notes.find("ck_ghostnetv2.pth.tar: " + std::to_string(buffers) + " profiling buffers of thop"),
            std::string::npos)
      << notes;
}

TEST(Family, AFileOfNoMemberIsNamedAgainstTheNearest) {
  // V2 without one bottleneck's attention: nearest V2, listing what it lacks.
  StateDict weights = file("formats/v2_official.pth.tar");
  for (const char* part : {".0.weight", ".1.weight", ".1.bias", ".1.running_mean", ".1.running_var"}) {
    weights.erase(std::string("blocks.6.0.ghost1.short_conv") + part);
  }
  const std::string v2 = checkpoint_error(weights);
  EXPECT_NE(v2.find("does not match GhostNet, GhostNetV2 or GhostNetV3; the nearest is GhostNetV2 0.1x:"),
            std::string::npos)
      << v2;
  EXPECT_NE(v2.find("missing keys (5):"), std::string::npos) << v2;
  EXPECT_NE(v2.find("blocks.6.0.ghost1.short_conv.0.weight"), std::string::npos) << v2;
}

TEST(Family, AV3MissingABranchOrWithOneMisShapedNamesTheKey) {
  StateDict missing = file("formats/v3_timm.safetensors");
  ASSERT_EQ(missing.erase("blocks.5.0.ghost1.cheap_rpr_conv.1.conv.weight"), 1u);
  const std::string lacks = checkpoint_error(missing);
  EXPECT_NE(lacks.find("the nearest is GhostNetV3 0.1x (training form, timm's names)"), std::string::npos) << lacks;
  EXPECT_NE(lacks.find("missing keys (1):\n    blocks.5.0.ghost1.cheap_rpr_conv.1.conv.weight"), std::string::npos)
      << lacks;

  StateDict shaped = file("formats/v3_timm.safetensors");
  StoredTensor& scale = shaped.at("blocks.5.0.ghost2.cheap_rpr_scale.conv.weight");
  ASSERT_EQ(scale.shape.size(), 4u);
  scale.shape[2] = 3;  // a 1x1 branch stored as 3x1: the same bytes, the wrong shape
  scale.shape[3] = 1;
  scale.bytes.resize(scale.bytes.size() * 3);
  const std::string wrong = checkpoint_error(shaped);
  EXPECT_NE(wrong.find("wrong shapes (1):\n    blocks.5.0.ghost2.cheap_rpr_scale.conv.weight: expected [" +
                       std::to_string(scale.shape[0]) + ", 1, 1, 1], found [" + std::to_string(scale.shape[0]) +
                       ", 1, 3, 1]"),
            std::string::npos)
      << wrong;
}

TEST(Family, NonFiniteOrNegativeBatchNormStatisticsNameTheirKey) {
  for (const auto& [key, value] : {std::pair{"blocks.7.0.ghost1.primary_rpr_conv.2.bn.running_var", NAN},
                                   {"blocks.3.0.dw_rpr_scale.bn.running_mean", INFINITY},
                                   {"blocks.7.0.ghost1.cheap_rpr_skip.running_var", -1.0f}}) {
    StateDict weights = file("formats/v3_official.pth.tar");
    set_value(weights.at(key), 1, value);
    const std::string error = checkpoint_error(weights);
    EXPECT_NE(error.find(std::string("edited.pth: ") + key + " holds "), std::string::npos) << error;
    EXPECT_NE(error.find("at channel 1"), std::string::npos) << error;
  }
}

// The full-size V3 in training form, written deployed: no branch is left, every re-parameterised
// conv has a bias, it loads as the deployed form and gives the reference's logits.
TEST(Family, AV3DeployedByConvertGivesTheTrainingFormsLogits) {
  const testing::FixtureCase c = testing::fixture_case("v3_w100_c1000_224");
  const StateDict training = testing::case_weights(c);
  const Topology trained = infer_topology(training, c.name);
  ASSERT_EQ(trained.form, Form::Training);
  const StateDict deployed_weights = deployed(training, trained, c.name);
  for (const auto& [key, tensor] : deployed_weights) EXPECT_EQ(key.find("_rpr_"), std::string::npos) << key;
  const Topology t = infer_topology(deployed_weights, "deployed");
  EXPECT_EQ(t.form, Form::Deployed);
  EXPECT_EQ(t.member(), "GhostNetV3 1.0x");

  const NpyArray input = read_npy(testing::fixture(c.input));
  Tensor x = Tensor::borrow(const_cast<uint8_t*>(input.bytes.data()), Device::host(), DType::F32, input.shape,
                            Layout::NCHW);
  ExecutionContext context = Model::from_state_dict(deployed_weights, "deployed", Device::host()).create_context();
  const Tensor y = context.forward(x);
  const std::vector<float> logits(static_cast<const float*>(y.data()), static_cast<const float*>(y.data()) + y.numel());
  EXPECT_TRUE(testing::within(logits, testing::floats(read_npy(testing::fixture(c.expected))),
                              1e-4 * c.max_abs_reference + 1e-6));
}

}  // namespace
}  // namespace ghostnet::graph

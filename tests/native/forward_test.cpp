// The host forward pass against the PyTorch reference, for every fixture case.
#include <gtest/gtest.h>

#include <cmath>

#include "fixtures.h"
#include "ghostnet/model.h"
#include "ghostnet/npy.h"

namespace ghostnet {
namespace {

class ForwardFixture : public ::testing::TestWithParam<nlohmann::json> {};

TEST_P(ForwardFixture, HostFp32MatchesTheReference) {
  const nlohmann::json& c = GetParam();
  const Model model = Model::load(testing::fixture(c["weights"]), Device::host());
  ASSERT_EQ(model.num_classes(), c["num_classes"].get<int>());
  NpyArray input = read_npy(testing::fixture(c["input"]));
  const std::vector<float> expected = testing::floats(read_npy(testing::fixture(c["expected"])));

  Tensor x = Tensor::borrow(input.bytes.data(), Device::host(), DType::F32, input.shape, Layout::NCHW);
  ExecutionContext context = model.create_context();
  const Tensor y = context.forward(x);
  ASSERT_EQ(y.numel(), int64_t(expected.size()));
  const std::vector<float> logits(static_cast<const float*>(y.data()), static_cast<const float*>(y.data()) + y.numel());

  const double reference_max = c["max_abs_reference"].get<double>();
  const double error = testing::max_abs_difference(logits, expected);
  RecordProperty("max_abs_error", std::to_string(error));
  EXPECT_LE(error, 1e-4 * reference_max + 1e-6) << c["name"] << ": max |logits - reference| = " << error;
}

std::vector<nlohmann::json> cases() {
  const nlohmann::json manifest = testing::manifest();
  return std::vector<nlohmann::json>(manifest["cases"].begin(), manifest["cases"].end());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ForwardFixture, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<nlohmann::json>& info) {
                           return info.param["name"].get<std::string>();
                         });

}  // namespace
}  // namespace ghostnet

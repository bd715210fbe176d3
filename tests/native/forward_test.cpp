// The host forward pass against the PyTorch reference, for every fixture case.
#include <gtest/gtest.h>

#include <cmath>

#include "comparison.h"
#include "fixtures.h"
#include "ghostnet/model.h"
#include "ghostnet/npy.h"

namespace ghostnet {
namespace {

class ForwardFixture : public ::testing::TestWithParam<testing::FixtureCase> {};

TEST_P(ForwardFixture, HostFp32MatchesTheReference) {
  const testing::FixtureCase& c = GetParam();
  const Model model = Model::load(testing::fixture(c.weights), Device::host());
  ASSERT_EQ(model.num_classes(), c.num_classes);
  NpyArray input = read_npy(testing::fixture(c.input));
  const std::vector<float> expected = testing::floats(read_npy(testing::fixture(c.expected)));

  Tensor x = Tensor::borrow(input.bytes.data(), Device::host(), DType::F32, input.shape, Layout::NCHW);
  ExecutionContext context = model.create_context();
  const Tensor y = context.forward(x);
  const std::vector<float> logits(static_cast<const float*>(y.data()), static_cast<const float*>(y.data()) + y.numel());

  RecordProperty("max_abs_error", std::to_string(testing::worst_element(logits, expected).difference));
  EXPECT_TRUE(testing::within(logits, expected, 1e-4 * c.max_abs_reference + 1e-6)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ForwardFixture, ::testing::ValuesIn(testing::fixture_cases()),
                         [](const auto& info) { return testing::case_name(info.param); });

}  // namespace
}  // namespace ghostnet

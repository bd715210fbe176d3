// The comparison every numeric test uses (comparison.h) fails on NaN, infinity and a wrong
// length, whatever the bound, and passes values within it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "comparison.h"
#include "fixtures.h"

namespace ghostnet::testing {
namespace {

constexpr double kHugeBound = 1e30;

TEST(Comparison, ValuesWithinTheBoundPass) {
  EXPECT_TRUE(within({1.0f, 2.0f}, {1.0f, 2.5f}, 0.5));
  EXPECT_TRUE(within_relative({1.0f, 100.5f}, {1.0f, 100.0f}, 0.01));
  EXPECT_TRUE(within({NAN, INFINITY}, {NAN, INFINITY}, 0.0)) << "the same non-finite values as the reference";
}

TEST(Comparison, AValueBeyondTheBoundFailsAndIsNamed) {
  const ::testing::AssertionResult result = within({1.0f, 2.0f, 3.0f}, {1.0f, 2.0f, 3.5f}, 0.1);
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("element 2 is 3 where the reference is 3.5"), std::string::npos)
      << result.message();
  EXPECT_FALSE(within_relative({1.0f, 2.5f}, {1.0f, 2.0f}, 0.1));
}

TEST(Comparison, NaNOrInfinityWhereTheReferenceIsFiniteFailsWhateverTheBound) {
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(within({1.0f, bad, 3.0f}, {1.0f, 2.0f, 3.0f}, kHugeBound));
    EXPECT_FALSE(within({bad, bad, bad}, {1.0f, 2.0f, 3.0f}, kHugeBound));
    EXPECT_FALSE(within_relative({1.0f, bad}, {1.0f, 2.0f}, kHugeBound));
    EXPECT_FALSE(within({1.0f, 2.0f}, {1.0f, bad}, kHugeBound)) << "a finite value where the reference is not";
  }
  const ::testing::AssertionResult result = within({1.0f, NAN}, {1.0f, 2.0f}, kHugeBound);
  EXPECT_NE(std::string(result.message()).find("element 1 is nan where the reference is 2"), std::string::npos)
      << result.message();
}

TEST(Comparison, AWrongNumberOfValuesFails) {
  EXPECT_FALSE(within({1.0f}, {1.0f, 2.0f}, kHugeBound));
  EXPECT_FALSE(within({1.0f, 2.0f, 3.0f}, {1.0f, 2.0f}, kHugeBound));
  EXPECT_FALSE(within_relative({}, {1.0f}, kHugeBound));
}

// What every fixture test compares: PyTorch's logits with one of them, or all, made NaN.
class NanLogits : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(NanLogits, FailTheFixtureComparison) {
  const FixtureCase& c = GetParam();
  const std::vector<float> expected = floats(read_npy(fixture(c.expected)));
  std::vector<float> one_nan = expected, all_nan(expected.size(), NAN);
  one_nan[expected.size() / 2] = NAN;
  for (double bound : {1e-4 * c.max_abs_reference + 1e-6, logits_bound(c, Precision::F32),
                       logits_bound(c, Precision::F16), logits_bound(c, Precision::BF16), kHugeBound}) {
    EXPECT_TRUE(within(expected, expected, bound));
    EXPECT_FALSE(within(one_nan, expected, bound)) << "bound " << bound;
    EXPECT_FALSE(within(all_nan, expected, bound)) << "bound " << bound;
  }
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NanLogits);  // when FixtureManifest.IsReadable fails
INSTANTIATE_TEST_SUITE_P(Fixtures, NanLogits, ::testing::ValuesIn(fixture_cases()),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
}  // namespace ghostnet::testing

// The pointwise convolution's fast path on the host, the GEMM, against the op's reference
// functor, on shapes its tiling does not divide: output channels that fill no whole panel
// of 16, pixels that fill no whole tile of 6 rows or task of 96, one channel and one pixel.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "op_testing.h"
#include "ops/pointwise_conv.h"
#include "ops/pointwise_conv_gemm.h"

namespace ghostnet::ops {
namespace {

// Within a relative bound of the reference, element by element; NaN or infinity where the
// reference is finite fails, whatever the bound.
void expect_near_reference(const std::vector<float>& actual, const std::vector<float>& reference) {
  ASSERT_EQ(actual.size(), reference.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    ASSERT_TRUE(std::isfinite(actual[i]) || !std::isfinite(reference[i]))
        << "element " << i << " is " << actual[i] << " where the reference is " << reference[i];
    ASSERT_LE(std::abs(actual[i] - reference[i]), 1e-5f * (1.0f + std::abs(reference[i]))) << "element " << i;
  }
}

TEST(PointwiseConvGemm, TheComparisonFailsOnNaNInfinityAndWrongValues) {
  EXPECT_FATAL_FAILURE(expect_near_reference({1.0f, NAN}, {1.0f, 2.0f}), "element 1 is nan");
  EXPECT_FATAL_FAILURE(expect_near_reference({INFINITY}, {3.0f}), "element 0 is inf");
  EXPECT_FATAL_FAILURE(expect_near_reference({1.0f, 2.5f}, {1.0f, 2.0f}), "element 1");
  EXPECT_FATAL_FAILURE(expect_near_reference({1.0f}, {1.0f, 2.0f}), "reference.size()");
}

TEST(PointwiseConvGemm, MatchesTheReferenceFunctorOnOddShapes) {
  unsigned seed = 1;
  for (int pixels : {1, 5, 7, 97, 193}) {
    for (int in_channels : {1, 3, 37}) {
      for (int out_channels : {1, 15, 17, 33, 100}) {
        const std::vector<float> x = testing::random_values(std::size_t(pixels) * in_channels, seed++);
        ConvParams params;
        params.out = out_channels;
        params.in = in_channels;
        params.weight = testing::random_values(std::size_t(out_channels) * in_channels, seed++);
        params.bias = testing::random_values(std::size_t(out_channels), seed++);
        const std::vector<float> functor_weights = PointwiseConvOp::functor_weights(params);
        const PackedPointwise packed = pack_for_gemm(params);
        for (Act act : {Act::None, Act::Relu}) {
          SCOPED_TRACE(::testing::Message() << pixels << " pixels, " << in_channels << " -> " << out_channels
                                            << " channels, act " << int(act));
          std::vector<float> reference(std::size_t(pixels) * out_channels, NAN), gemm(reference.size(), NAN);
          Operands<float> o;
          o.input = {x.data(), testing::nhwc(pixels, 1, 1, in_channels)};
          o.output = {reference.data(), testing::nhwc(pixels, 1, 1, out_channels)};
          o.weight = functor_weights.data();
          o.bias = params.bias.data();
          o.act = act;
          PointwiseConvOp::run(o, [](const auto& f) { testing::run_elements(f); });
          pointwise_conv_gemm(o.input, packed, act, {gemm.data(), o.output.shape});
          expect_near_reference(gemm, reference);
        }
      }
    }
  }
}

}  // namespace
}  // namespace ghostnet::ops

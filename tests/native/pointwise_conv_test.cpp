// The pointwise convolution's fast path on the host, the GEMM, against the op's reference
// functor, on shapes its tiling does not divide: output channels that fill no whole panel
// of 16, pixels that fill no whole tile of 6 rows or task of 96, one channel and one pixel.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "comparison.h"
#include "op_testing.h"
#include "ops/pointwise_conv.h"
#include "ops/pointwise_conv_gemm.h"

namespace ghostnet::ops {
namespace {

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
          EXPECT_TRUE(testing::within_relative(gemm, reference, 1e-5));
        }
      }
    }
  }
}

}  // namespace
}  // namespace ghostnet::ops

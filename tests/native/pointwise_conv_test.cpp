// The pointwise convolution's fast path on the host, the GEMM, against the op's reference
// functor, for every instruction set the CPU has, on shapes its tiling does not divide:
// output channels that fill no whole panel, pixels that fill no whole tile of rows or task
// of 96, one channel and one pixel; every activation, squeeze-excite's hard sigmoid
// included, since its fully connected layers run on the GEMM too. Any thread count gives
// the same bits.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "comparison.h"
#include "ghostnet/dtype.h"
#include "ghostnet/error.h"
#include "host/thread_pool.h"
#include "op_testing.h"
#include "ops/pointwise_conv.h"
#include "ops/pointwise_conv_gemm.h"
#include "ops/pointwise_conv_gemm_bf16.h"

namespace ghostnet::ops {
namespace {

// `values` rounded to bfloat16 and back, as the BF16 GEMM reads them.
std::vector<float> rounded_to_bf16(std::vector<float> values) {
  for (float& v : values) v = bfloat16_to_float(float_to_bfloat16(v));
  return values;
}

void expect_gemm_matches_reference_functor(bool bf16) {
  unsigned seed = 1;
  for (int pixels : {1, 5, 7, 13, 97, 193}) {
    for (int in_channels : {1, 3, 37}) {
      for (int out_channels : {1, 8, 15, 17, 24, 33, 100}) {
        const std::vector<float> x = testing::random_values(std::size_t(pixels) * in_channels, seed++);
        ConvParams params;
        params.out = out_channels;
        params.in = in_channels;
        params.weight = testing::random_values(std::size_t(out_channels) * in_channels, seed++);
        params.bias = testing::random_values(std::size_t(out_channels), seed++);
        const PackedPointwise packed = pack_for_gemm(params, bf16);
        // In BF16 the reference sees the inputs and weights the GEMM sees: products of
        // bfloat16 values are exact in FP32, so only the order of the sums differs.
        if (bf16) params.weight = rounded_to_bf16(params.weight);
        const std::vector<float> reference_x = bf16 ? rounded_to_bf16(x) : x;
        const std::vector<float> functor_weights = PointwiseConvOp::functor_weights(params);
        for (Act act : kActivations) {
          SCOPED_TRACE(::testing::Message() << pixels << " pixels, " << in_channels << " -> " << out_channels
                                            << " channels, " << activation_name(act));
          std::vector<float> reference(std::size_t(pixels) * out_channels, NAN), gemm(reference.size(), NAN),
              gemm_threads(reference.size(), NAN);
          Operands<float> o;
          o.input = {reference_x.data(), testing::nhwc(pixels, 1, 1, in_channels)};
          o.output = {reference.data(), testing::nhwc(pixels, 1, 1, out_channels)};
          o.weight = functor_weights.data();
          o.bias = params.bias.data();
          o.act = act;
          PointwiseConvOp::run(o, [](const auto& f) { testing::run_elements(f); });
          const View<const float> in{x.data(), o.input.shape};
          pointwise_conv_gemm(in, packed, act, {gemm.data(), o.output.shape}, 1);
          ASSERT_TRUE(testing::within_relative(gemm, reference, 1e-5));
          pointwise_conv_gemm(in, packed, act, {gemm_threads.data(), o.output.shape}, host::available_cores());
          ASSERT_EQ(gemm_threads, gemm);
        }
      }
    }
  }
}

TEST(PointwiseConvGemm, MatchesTheReferenceFunctorOnOddShapes) {
  for (host::Isa isa : testing::available_isas()) {
    SCOPED_TRACE(host::isa_name(isa));
    const host::ScopedIsa scoped(isa);
    expect_gemm_matches_reference_functor(false);
  }
}

TEST(PointwiseConvGemm, InBf16MatchesTheReferenceFunctorOnBf16Values) {
  if (!host::cpu_has_avx512_bf16()) {
    // Not a pass: the BF16 GEMM is refused on such CPUs (ModelOptionsTest), and CI machines
    // with AVX512_BF16 run this.
    GTEST_SKIP() << "this CPU lacks AVX512_BF16";
  }
  expect_gemm_matches_reference_functor(true);
}

TEST(PointwiseConvGemm, InBf16RefusesMoreInputChannelsThanItsTileHolds) {
  ConvParams params;
  params.out = 1;
  params.in = kMaxBf16Channels + 1;
  params.weight.assign(std::size_t(params.in), 0.5f);
  params.bias = {0.0f};
  try {
    pack_for_gemm(params, true);
    ADD_FAILURE() << "packed";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(error.what()).find(std::to_string(params.in)), std::string::npos) << error.what();
  }
  params.in = kMaxBf16Channels;
  params.weight.assign(std::size_t(params.in), 0.5f);
  EXPECT_NO_THROW(pack_for_gemm(params, true));
}

}  // namespace
}  // namespace ghostnet::ops

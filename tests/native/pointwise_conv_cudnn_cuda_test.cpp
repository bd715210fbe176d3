// How the pointwise convolution plans its cuDNN calls, against a scripted stand-in cuDNN (no GPU
// needed): the math type each algorithm was measured with is the one it runs with, the fused
// call's workspace is what cuDNN says that call needs, and any refusal of the fused call means
// "not fused", saying why.
#include <gtest/gtest.h>

#include <string>

#include "fake_cudnn.h"
#include "ghostnet/error.h"
#include "op_testing.h"
#include "ops/pointwise_conv_cudnn.h"

namespace ghostnet::cudnn {
namespace {

constexpr std::size_t kLimit = std::size_t(1) << 20;

ConvFwdAlgoPerf result(ConvFwdAlgo algo, MathType math, std::size_t memory, Status status = Status::Success) {
  ConvFwdAlgoPerf r{};
  r.algo = algo;
  r.status = status;
  r.memory = memory;
  r.mathType = math;
  return r;
}

constexpr ConvFwdAlgo kGemm = ConvFwdAlgo::ImplicitGemm;
constexpr ConvFwdAlgo kPrecomp = ConvFwdAlgo::ImplicitPrecompGemm;

struct Planned {
  bool fused;
  std::size_t workspace;
  std::string decision;
};

class PointwiseConvPlanning : public ::testing::Test {
 protected:
  // Plans with a cache of its own, so that every plan searches.
  Planned plan(DataType type, ops::Act act) {
    SearchCache cache;
    return plan(type, act, cache, 0, kLimit);
  }

  Planned plan(DataType type, ops::Act act, SearchCache& cache, int device, std::size_t limit) {
    PointwiseConv conv(cudnn_.api(), nullptr, device, type, false, testing::nhwc(2, 7, 5, 40),
                       testing::nhwc(2, 7, 5, 24), act);
    conv.plan(nullptr, nullptr, nullptr, nullptr, nullptr, limit, cache);
    return {conv.fused(), conv.workspace_bytes(), conv.decision()};
  }

  testing::FakeCudnn cudnn_;
};

TEST_F(PointwiseConvPlanning, TheFusedCallRunsWithTheMathTypeAndWorkspaceOfItsAlgorithm) {
  FakeCudnnScript script;
  script.returned = 1;
  script.results[0] = result(kPrecomp, MathType::TensorOpAllowConversion, 100);
  script.workspace[int(kPrecomp)] = 4096;  // what the fused call needs, not what the search measured
  const FakeCudnnRecord& record = cudnn_.script(script);

  const Planned planned = plan(DataType::Half, ops::Act::None);
  EXPECT_TRUE(planned.fused) << planned.decision;
  EXPECT_EQ(planned.workspace, 4096u);
  EXPECT_EQ(record.fused_calls, 1);
  EXPECT_EQ(record.fused_algo, kPrecomp);
  EXPECT_EQ(record.fused_math, MathType::TensorOpAllowConversion);
  EXPECT_EQ(record.fused_workspace, 4096u);
  EXPECT_EQ(record.math, MathType::TensorOpAllowConversion) << "the math type it runs with";
  EXPECT_EQ(planned.decision, "1x1 convolution of 2x7x5x40 to 24 channels (fp16): IMPLICIT_PRECOMP_GEMM with "
                              "tensor-op math with conversion, 4096 B of workspace, fused");
}

TEST_F(PointwiseConvPlanning, AnyRefusalOfTheFusedCallMeansNotFusedAndIsKept) {
  for (Status refusal : {Status::BadParam, Status::NotSupported, Status::InternalError, Status::ExecutionFailed}) {
    SCOPED_TRACE(int(refusal));
    FakeCudnnScript script;
    script.returned = 2;
    script.results[0] = result(kGemm, MathType::TensorOp, 0);
    script.results[1] = result(kPrecomp, MathType::Default, 0);
    script.workspace[int(kPrecomp)] = 64;
    script.fused = refusal;
    const FakeCudnnRecord& record = cudnn_.script(script);

    const Planned planned = plan(DataType::Half, ops::Act::None);
    EXPECT_FALSE(planned.fused);
    EXPECT_EQ(record.fused_calls, 1);
    EXPECT_EQ(record.fused_algo, kPrecomp) << "an identity fuses only with IMPLICIT_PRECOMP_GEMM";
    EXPECT_EQ(record.math, MathType::TensorOp) << "the fastest, IMPLICIT_GEMM, runs with its own math type";
    EXPECT_EQ(planned.workspace, 0u);
    EXPECT_NE(planned.decision.find("IMPLICIT_GEMM with tensor-op math, 0 B of workspace, not fused: "
                                    "cudnnConvolutionBiasActivationForward gave CUDNN_STATUS_"),
              std::string::npos)
        << planned.decision;
    EXPECT_NE(planned.decision.find(" (" + std::to_string(int(refusal)) + "): fake: refused"), std::string::npos)
        << planned.decision;
  }
}

TEST_F(PointwiseConvPlanning, AnIdentityWithoutImplicitPrecompGemmIsNotProbed) {
  FakeCudnnScript script;
  script.returned = 1;
  script.results[0] = result(kGemm, MathType::TensorOp, 0);
  const FakeCudnnRecord& record = cudnn_.script(script);

  const Planned planned = plan(DataType::BFloat16, ops::Act::None);
  EXPECT_FALSE(planned.fused);
  EXPECT_EQ(record.fused_calls, 0);
  EXPECT_NE(planned.decision.find("not fused: cuDNN fuses an identity activation only with IMPLICIT_PRECOMP_GEMM"),
            std::string::npos)
      << planned.decision;
}

TEST_F(PointwiseConvPlanning, EachActivationFusesOnlyWhereCudnnHasIt) {
  for (ops::Act act : ops::kActivations) {
    SCOPED_TRACE(ops::activation_name(act));
    FakeCudnnScript script;
    script.returned = 1;
    script.results[0] = result(kPrecomp, MathType::TensorOp, 0);
    const FakeCudnnRecord& record = cudnn_.script(script);

    const Planned planned = plan(DataType::Half, act);
    const bool cudnn_has_it = act == ops::Act::None || act == ops::Act::Relu;
    EXPECT_EQ(planned.fused, cudnn_has_it) << planned.decision;
    EXPECT_EQ(record.fused_calls, cudnn_has_it ? 1 : 0);
    if (!cudnn_has_it) {
      EXPECT_NE(planned.decision.find(std::string("not fused: cuDNN's fused call has no ") + ops::activation_name(act) +
                                      " activation"),
                std::string::npos)
          << planned.decision;
    }
  }
}

TEST_F(PointwiseConvPlanning, Fp32WithoutTf32TakesOnlyFmaMath) {
  FakeCudnnScript script;
  script.returned = 2;
  script.results[0] = result(kGemm, MathType::TensorOp, 0);
  script.results[1] = result(kPrecomp, MathType::Fma, 0);
  const FakeCudnnRecord& record = cudnn_.script(script);

  const Planned planned = plan(DataType::Float, ops::Act::Relu);
  EXPECT_TRUE(planned.fused);
  EXPECT_EQ(record.fused_algo, kPrecomp);
  EXPECT_EQ(record.math, MathType::Fma);
}

TEST_F(PointwiseConvPlanning, WithoutAnAlgorithmEachOneTriedIsNamed) {
  FakeCudnnScript script;
  script.returned = 2;
  script.results[0] = result(kGemm, MathType::TensorOp, 0, Status::NotSupported);
  script.results[1] = result(kPrecomp, MathType::TensorOp, kLimit + 1);
  cudnn_.script(script);
  try {
    plan(DataType::Half, ops::Act::Relu);
    FAIL() << "planning succeeded without an algorithm";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal);
    EXPECT_EQ(std::string(e.what()),
              "cuDNN offers no algorithm for a 1x1 convolution of 2x7x5x40 to 24 channels (fp16) within 1048576 B of "
              "workspace. It tried: IMPLICIT_GEMM with tensor-op math: CUDNN_STATUS_NOT_SUPPORTED; "
              "IMPLICIT_PRECOMP_GEMM with tensor-op math: 1048577 B of workspace");
  }
}

TEST_F(PointwiseConvPlanning, AConvolutionPlannedBeforeIsNotSearchedAgain) {
  FakeCudnnScript script;
  script.returned = 1;
  script.results[0] = result(kPrecomp, MathType::TensorOp, 100);
  script.workspace[int(kPrecomp)] = 4096;
  const FakeCudnnRecord& record = cudnn_.script(script);
  SearchCache cache;
  const Planned first = plan(DataType::Half, ops::Act::Relu, cache, 0, kLimit);
  EXPECT_EQ(record.searches, 1);
  EXPECT_EQ(record.fused_calls, 1);

  const Planned again = plan(DataType::Half, ops::Act::Relu, cache, 0, kLimit);
  EXPECT_EQ(record.searches, 1) << "the same convolution";
  EXPECT_EQ(record.fused_calls, 1) << "no second probe of the fused call";
  EXPECT_EQ(record.math, MathType::TensorOp) << "the descriptor takes the math type planned";
  EXPECT_TRUE(again.fused);
  EXPECT_EQ(again.workspace, first.workspace);
  EXPECT_EQ(again.decision, first.decision + " (as planned before in this process)");

  // Anything that decides the plan differently is searched: the precision, the activation,
  // the device, or a workspace limit below what the earlier plan took (where, here, nothing
  // cuDNN offers fits).
  plan(DataType::BFloat16, ops::Act::Relu, cache, 0, kLimit);
  plan(DataType::Half, ops::Act::None, cache, 0, kLimit);
  plan(DataType::Half, ops::Act::Relu, cache, 1, kLimit);
  EXPECT_THROW(plan(DataType::Half, ops::Act::Relu, cache, 0, 4095), Error);
  EXPECT_EQ(record.searches, 5);
}

TEST_F(PointwiseConvPlanning, ATensorBeyondCudnnsStridesIsRefusedSayingWhy) {
  try {
    PointwiseConv conv(cudnn_.api(), nullptr, 0, DataType::Half, false, testing::nhwc(4096, 112, 112, 48),
                       testing::nhwc(4096, 112, 112, 24), ops::Act::Relu);
    FAIL() << "a tensor of 2.5e9 elements was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("4096x112x112x48 = 2466250752 elements is beyond cuDNN's 32-bit strides"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ghostnet::cudnn

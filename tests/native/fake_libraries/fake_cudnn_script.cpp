// The part of the stand-in cuDNN (fake_cudnn.cpp) that a test scripts, for the pointwise
// convolution's planning (pointwise_conv_cudnn_cuda_test.cpp): what the algorithm search
// returns, each algorithm's workspace, what the fused call answers; and what was asked of it.
// These definitions win over fake_cudnn.cpp's weak ones.
#include <cstdio>
#include <cstring>

#include "fake_cudnn_script.h"

using namespace ghostnet::cudnn;

namespace {

FakeCudnnScript g_script;  // zero: the search finds nothing, the fused call succeeds
FakeCudnnRecord g_record;
char g_last_error[256];

}  // namespace

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

FAKE_EXPORT void fake_cudnn_script(const FakeCudnnScript* script, FakeCudnnRecord** record) {
  g_script = *script;
  g_record = FakeCudnnRecord{};
  g_last_error[0] = '\0';
  *record = &g_record;
}

FAKE_EXPORT Status cudnnSetConvolutionMathType(ConvolutionDescriptor, MathType math) {
  g_record.math = math;
  return Status::Success;
}

FAKE_EXPORT Status cudnnFindConvolutionForwardAlgorithmEx(Handle, TensorDescriptor, const void*, FilterDescriptor,
                                                          const void*, ConvolutionDescriptor, TensorDescriptor, void*,
                                                          int requested, int* returned, ConvFwdAlgoPerf* results,
                                                          void*, std::size_t) {
  g_record.searches += 1;
  *returned = g_script.returned < requested ? g_script.returned : requested;
  std::memcpy(results, g_script.results, sizeof(ConvFwdAlgoPerf) * std::size_t(*returned));
  return Status::Success;
}

FAKE_EXPORT Status cudnnGetConvolutionForwardWorkspaceSize(Handle, TensorDescriptor, FilterDescriptor,
                                                           ConvolutionDescriptor, TensorDescriptor, ConvFwdAlgo algo,
                                                           std::size_t* bytes) {
  *bytes = g_script.workspace[int(algo)];
  return Status::Success;
}

FAKE_EXPORT Status cudnnConvolutionBiasActivationForward(Handle, const void*, TensorDescriptor, const void*,
                                                         FilterDescriptor, const void*, ConvolutionDescriptor,
                                                         ConvFwdAlgo algo, void*, std::size_t workspace, const void*,
                                                         TensorDescriptor, const void*, TensorDescriptor, const void*,
                                                         ActivationDescriptor, TensorDescriptor, void*) {
  g_record.fused_calls += 1;
  g_record.fused_algo = algo;
  g_record.fused_math = g_record.math;
  g_record.fused_workspace = workspace;
  if (g_script.fused != Status::Success) std::snprintf(g_last_error, sizeof g_last_error, "fake: refused");
  return g_script.fused;
}

FAKE_EXPORT const char* cudnnGetErrorString(Status status) {
  switch (status) {
    case Status::Success: return "CUDNN_STATUS_SUCCESS";
    case Status::BadParam: return "CUDNN_STATUS_BAD_PARAM";
    case Status::NotSupported: return "CUDNN_STATUS_NOT_SUPPORTED";
    default: return "CUDNN_STATUS_OTHER";
  }
}

FAKE_EXPORT void cudnnGetLastErrorString(char* message, std::size_t size) {
  std::snprintf(message, size, "%s", g_last_error);
}

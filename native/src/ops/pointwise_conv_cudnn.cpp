#include "ops/pointwise_conv_cudnn.h"

#include <string>
#include <utility>

#include "cuda/check.h"
#include "cuda/cudnn_loader.h"
#include "ghostnet/error.h"

namespace ghostnet::cudnn {
namespace {

const Api& cudnn() { return api(); }

void set_nhwc(TensorDescriptor d, DataType type, int n, int c, int h, int w) {
  check(cudnn().cudnnSetTensor4dDescriptorEx(d, type, n, c, h, w, h * w * c, 1, w * c, c),
        "cudnnSetTensor4dDescriptorEx");
}

}  // namespace

void check(Status status, const char* what) {
  if (status == Status::Success) return;
  const bool allocation = status == Status::HostAllocationFailed || status == Status::DeviceAllocationFailed;
  const ErrorCode code = allocation ? ErrorCode::OutOfMemory : ErrorCode::Internal;
  fail(code, std::string(what) + " failed: " + cudnn().cudnnGetErrorString(status) + " (cuDNN status " +
                 std::to_string(int(status)) + ")");
}

StreamHandle::StreamHandle(int device, cudaStream_t stream) {
  gpu::DeviceScope scope(device);
  check(cudnn().cudnnCreate(&handle_), "cudnnCreate");
  check(cudnn().cudnnSetStream(handle_, stream), "cudnnSetStream");
}

StreamHandle::~StreamHandle() {
  if (handle_ != nullptr) cudnn().cudnnDestroy(handle_);
}

PointwiseConv::PointwiseConv(Handle handle, DataType type, bool allow_tf32, const ops::Geometry& in,
                             const ops::Geometry& out, ops::Act act)
    : handle_(handle), type_(type), act_(act) {
  const Api& a = cudnn();
  check(a.cudnnCreateTensorDescriptor(&x_), "cudnnCreateTensorDescriptor");
  check(a.cudnnCreateTensorDescriptor(&y_), "cudnnCreateTensorDescriptor");
  check(a.cudnnCreateTensorDescriptor(&bias_), "cudnnCreateTensorDescriptor");
  check(a.cudnnCreateFilterDescriptor(&w_), "cudnnCreateFilterDescriptor");
  check(a.cudnnCreateConvolutionDescriptor(&conv_), "cudnnCreateConvolutionDescriptor");
  check(a.cudnnCreateActivationDescriptor(&activation_), "cudnnCreateActivationDescriptor");
  set_nhwc(x_, type, int(in.batch), in.stored_channels, in.height, in.width);
  set_nhwc(y_, type, int(out.batch), out.stored_channels, out.height, out.width);
  set_nhwc(bias_, type, 1, out.stored_channels, 1, 1);
  check(a.cudnnSetFilter4dDescriptor(w_, type, TensorFormat::NHWC, out.stored_channels, in.stored_channels, 1, 1),
        "cudnnSetFilter4dDescriptor");
  // FP32, FP16 and BF16 all accumulate in FP32.
  check(a.cudnnSetConvolution2dDescriptor(conv_, 0, 0, 1, 1, 1, 1, ConvolutionMode::CrossCorrelation, DataType::Float),
        "cudnnSetConvolution2dDescriptor");
  // FP32 without TF32 needs FMA math: cuDNN's default allows TF32 on Ampere and later.
  const MathType math = type != DataType::Float ? MathType::TensorOp : allow_tf32 ? MathType::Default : MathType::Fma;
  check(a.cudnnSetConvolutionMathType(conv_, math), "cudnnSetConvolutionMathType");
  const ActivationMode mode = act == ops::Act::Relu ? ActivationMode::Relu : ActivationMode::Identity;
  check(a.cudnnSetActivationDescriptor(activation_, mode, NanPropagation::NotPropagate, 0.0),
        "cudnnSetActivationDescriptor");
}

PointwiseConv::PointwiseConv(PointwiseConv&& o) noexcept
    : handle_(o.handle_), type_(o.type_), act_(o.act_), x_(std::exchange(o.x_, nullptr)),
      y_(std::exchange(o.y_, nullptr)), bias_(std::exchange(o.bias_, nullptr)), w_(std::exchange(o.w_, nullptr)),
      conv_(std::exchange(o.conv_, nullptr)), activation_(std::exchange(o.activation_, nullptr)), algo_(o.algo_),
      workspace_bytes_(o.workspace_bytes_), fused_(o.fused_) {}

PointwiseConv::~PointwiseConv() {
  if (conv_ == nullptr) return;  // moved from
  const Api& a = cudnn();
  a.cudnnDestroyTensorDescriptor(x_);
  a.cudnnDestroyTensorDescriptor(y_);
  a.cudnnDestroyTensorDescriptor(bias_);
  a.cudnnDestroyFilterDescriptor(w_);
  a.cudnnDestroyConvolutionDescriptor(conv_);
  a.cudnnDestroyActivationDescriptor(activation_);
}

bool PointwiseConv::try_fused(const void* x, const void* w, void* y, const void* bias, void* workspace) {
  const float one = 1.0f, zero = 0.0f;
  const Status status = cudnn().cudnnConvolutionBiasActivationForward(handle_, &one, x_, x, w_, w, conv_, algo_,
                                                                      workspace, workspace_bytes_, &zero, y_, y, bias_,
                                                                      bias, activation_, y_, y);
  if (status != Status::Success && !is_not_supported(status)) check(status, "cudnnConvolutionBiasActivationForward");
  return status == Status::Success;
}

void PointwiseConv::plan(const void* x, const void* w, void* y, const void* bias, void* workspace,
                         std::size_t workspace_limit) {
  constexpr int kCandidates = int(ConvFwdAlgo::Count);
  ConvFwdAlgoPerf results[kCandidates];
  int returned = 0;
  check(cudnn().cudnnFindConvolutionForwardAlgorithmEx(handle_, x_, x, w_, w, conv_, y_, y, kCandidates, &returned,
                                                       results, workspace, workspace_limit),
        "cudnnFindConvolutionForwardAlgorithmEx");
  // Results come fastest first. The fused call takes any algorithm with ReLU, but only
  // IMPLICIT_PRECOMP_GEMM with an identity activation; when cuDNN refuses to fuse, the
  // fastest algorithm runs alone and a bias + activation kernel follows.
  const ConvFwdAlgoPerf* fastest = nullptr;
  const ConvFwdAlgoPerf* fusable = nullptr;
  for (int i = 0; i < returned; ++i) {
    if (results[i].status != Status::Success || results[i].memory > workspace_limit) continue;
    if (fastest == nullptr) fastest = &results[i];
    const bool identity_ok = results[i].algo == ConvFwdAlgo::ImplicitPrecompGemm;
    if (fusable == nullptr && (act_ == ops::Act::Relu || identity_ok)) fusable = &results[i];
  }
  if (fastest == nullptr) {
    fail(ErrorCode::Internal, "cuDNN offers no algorithm for a 1x1 convolution that fits " +
                                  std::to_string(workspace_limit) + " bytes of workspace");
  }
  if (fusable != nullptr) {
    algo_ = fusable->algo;
    workspace_bytes_ = fusable->memory;
    fused_ = try_fused(x, w, y, bias, workspace);
    if (fused_) return;
  }
  algo_ = fastest->algo;
  workspace_bytes_ = fastest->memory;
  fused_ = false;
}

void PointwiseConv::run(const void* x, const void* w, const void* bias, void* y, void* workspace) const {
  const Api& a = cudnn();
  const float one = 1.0f, zero = 0.0f;
  if (fused_) {
    check(a.cudnnConvolutionBiasActivationForward(handle_, &one, x_, x, w_, w, conv_, algo_, workspace, workspace_bytes_,
                                                  &zero, y_, y, bias_, bias, activation_, y_, y),
          "cudnnConvolutionBiasActivationForward");
  } else {
    check(a.cudnnConvolutionForward(handle_, &one, x_, x, w_, w, conv_, algo_, workspace, workspace_bytes_, &zero, y_, y),
          "cudnnConvolutionForward");
  }
}

}  // namespace ghostnet::cudnn

#include "ops/pointwise_conv_cudnn.h"

#include <climits>
#include <optional>
#include <string>
#include <utility>

#include "cuda/check.h"
#include "cuda/cudnn_loader.h"
#include "ghostnet/error.h"

namespace ghostnet::cudnn {
namespace {

const char* algo_name(ConvFwdAlgo algo) {
  static const char* const names[] = {"IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT",
                                      "FFT",           "FFT_TILING",            "WINOGRAD", "WINOGRAD_NONFUSED"};
  const int i = int(algo);
  return i >= 0 && i < int(ConvFwdAlgo::Count) ? names[i] : "an unknown algorithm";
}

const char* math_name(MathType math) {
  switch (math) {
    case MathType::Default: return "default math";
    case MathType::TensorOp: return "tensor-op math";
    case MathType::TensorOpAllowConversion: return "tensor-op math with conversion";
    case MathType::Fma: return "FMA math";
  }
  return "an unknown math type";
}

// The activation mode cuDNN's fused call applies for `act`, where it has one: the fused call
// takes RELU, and IDENTITY (cudnnConvolutionBiasActivationForward's documentation); for the
// others the convolution runs alone and the activation's functor follows.
std::optional<ActivationMode> fused_mode(ops::Act act) {
  switch (act) {
    case ops::Act::None: return ActivationMode::Identity;
    case ops::Act::Relu: return ActivationMode::Relu;
    case ops::Act::HardSigmoid:
    case ops::Act::Sigmoid: return std::nullopt;
  }
  return std::nullopt;
}

const char* type_name(DataType type) {
  return type == DataType::Half ? "fp16" : type == DataType::BFloat16 ? "bf16" : "fp32";
}

// cuDNN's words for a status and for the last error of this thread ("" when it has none).
std::string status_text(const Api& cudnn, Status status) {
  std::string text = std::string(cudnn.cudnnGetErrorString(status)) + " (" + std::to_string(int(status)) + ")";
  char last[512] = {};
  cudnn.cudnnGetLastErrorString(last, sizeof last);
  if (last[0] != '\0') text += ": " + std::string(last);
  return text;
}

// An NHWC descriptor, whose int strides must hold the tensor's every offset.
void set_nhwc(const Api& cudnn, TensorDescriptor d, DataType type, int64_t n, int c, int h, int w) {
  const int64_t elements = n * h * w * c;
  if (elements > INT_MAX) {
    fail(ErrorCode::InvalidArgument,
         "a 1x1 convolution over " + std::to_string(n) + "x" + std::to_string(h) + "x" + std::to_string(w) + "x" +
             std::to_string(c) + " = " + std::to_string(elements) +
             " elements is beyond cuDNN's 32-bit strides (at most 2147483647): use a smaller batch");
  }
  check(cudnn, cudnn.cudnnSetTensor4dDescriptorEx(d, type, int(n), c, h, w, h * w * c, 1, w * c, c),
        "cudnnSetTensor4dDescriptorEx");
}

}  // namespace

void check(const Api& cudnn, Status status, const char* what) {
  if (status == Status::Success) return;
  const bool allocation = status == Status::HostAllocationFailed || status == Status::DeviceAllocationFailed;
  fail(allocation ? ErrorCode::OutOfMemory : ErrorCode::Internal,
       std::string(what) + " failed: " + status_text(cudnn, status));
}

StreamHandle::StreamHandle(const Api& cudnn, int device, cudaStream_t stream) : cudnn_(cudnn) {
  gpu::DeviceScope scope(device);
  check(cudnn, cudnn.cudnnCreate(&handle_), "cudnnCreate");
  check(cudnn, cudnn.cudnnSetStream(handle_, stream), "cudnnSetStream");
}

StreamHandle::~StreamHandle() {
  if (handle_ != nullptr) cudnn_.cudnnDestroy(handle_);
}

bool SearchCache::find(const Key& key, PlanDecision& decision) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = decisions_.find(key);
  if (it == decisions_.end()) return false;
  decision = it->second;
  return true;
}

void SearchCache::put(const Key& key, const PlanDecision& decision) {
  std::lock_guard<std::mutex> lock(mutex_);
  decisions_[key] = decision;
}

SearchCache& SearchCache::process() {
  static SearchCache cache;
  return cache;
}

PointwiseConv::PointwiseConv(const Api& cudnn, Handle handle, int device, DataType type, bool allow_tf32,
                             const ops::Geometry& in, const ops::Geometry& out, ops::Act act)
    : cudnn_(&cudnn), handle_(handle), device_(device), type_(type), allow_tf32_(allow_tf32), in_(in), out_(out), act_(act) {
  const Api& a = cudnn;
  check(a, a.cudnnCreateTensorDescriptor(&x_), "cudnnCreateTensorDescriptor");
  check(a, a.cudnnCreateTensorDescriptor(&y_), "cudnnCreateTensorDescriptor");
  check(a, a.cudnnCreateTensorDescriptor(&bias_), "cudnnCreateTensorDescriptor");
  check(a, a.cudnnCreateFilterDescriptor(&w_), "cudnnCreateFilterDescriptor");
  check(a, a.cudnnCreateConvolutionDescriptor(&conv_), "cudnnCreateConvolutionDescriptor");
  check(a, a.cudnnCreateActivationDescriptor(&activation_), "cudnnCreateActivationDescriptor");
  set_nhwc(a, x_, type, in.batch, in.stored_channels, in.height, in.width);
  set_nhwc(a, y_, type, out.batch, out.stored_channels, out.height, out.width);
  set_nhwc(a, bias_, type, 1, out.stored_channels, 1, 1);
  check(a, a.cudnnSetFilter4dDescriptor(w_, type, TensorFormat::NHWC, out.stored_channels, in.stored_channels, 1, 1),
        "cudnnSetFilter4dDescriptor");
  // FP32, FP16 and BF16 all accumulate in FP32.
  check(a,
        a.cudnnSetConvolution2dDescriptor(conv_, 0, 0, 1, 1, 1, 1, ConvolutionMode::CrossCorrelation, DataType::Float),
        "cudnnSetConvolution2dDescriptor");
  // What the algorithm search may use: FP32 without TF32 needs FMA math, since cuDNN's
  // default allows TF32 on Ampere and later. Each result then says which math it ran with.
  math_ = type != DataType::Float ? MathType::TensorOp : allow_tf32 ? MathType::Default : MathType::Fma;
  check(a, a.cudnnSetConvolutionMathType(conv_, math_), "cudnnSetConvolutionMathType");
  const ActivationMode mode = fused_mode(act).value_or(ActivationMode::Identity);  // unused without a fused mode
  check(a, a.cudnnSetActivationDescriptor(activation_, mode, NanPropagation::NotPropagate, 0.0),
        "cudnnSetActivationDescriptor");
}

PointwiseConv::PointwiseConv(PointwiseConv&& o) noexcept
    : cudnn_(o.cudnn_), handle_(o.handle_), device_(o.device_), type_(o.type_), allow_tf32_(o.allow_tf32_), in_(o.in_), out_(o.out_), act_(o.act_),
      x_(std::exchange(o.x_, nullptr)), y_(std::exchange(o.y_, nullptr)), bias_(std::exchange(o.bias_, nullptr)),
      w_(std::exchange(o.w_, nullptr)), conv_(std::exchange(o.conv_, nullptr)),
      activation_(std::exchange(o.activation_, nullptr)), algo_(o.algo_), math_(o.math_),
      workspace_bytes_(o.workspace_bytes_), fused_(o.fused_), cached_(o.cached_), decision_(std::move(o.decision_)) {}

PointwiseConv::~PointwiseConv() {
  if (conv_ == nullptr) return;  // moved from
  const Api& a = *cudnn_;
  a.cudnnDestroyTensorDescriptor(x_);
  a.cudnnDestroyTensorDescriptor(y_);
  a.cudnnDestroyTensorDescriptor(bias_);
  a.cudnnDestroyFilterDescriptor(w_);
  a.cudnnDestroyConvolutionDescriptor(conv_);
  a.cudnnDestroyActivationDescriptor(activation_);
}

bool PointwiseConv::keeps_precision(MathType math) const {
  return type_ != DataType::Float || allow_tf32_ || math == MathType::Fma;
}

std::string PointwiseConv::describe() const {
  return "1x1 convolution of " + std::to_string(in_.batch) + "x" + std::to_string(in_.height) + "x" +
         std::to_string(in_.width) + "x" + std::to_string(in_.stored_channels) + " to " +
         std::to_string(out_.stored_channels) + " channels (" + type_name(type_) + ")";
}

bool PointwiseConv::take(const ConvFwdAlgoPerf& result, std::size_t workspace_limit) {
  // The algorithm runs with the math type it was measured with (as PyTorch's Conv_v7.cpp does):
  // the descriptor's own only said which the search could try.
  check(*cudnn_, cudnn_->cudnnSetConvolutionMathType(conv_, result.mathType), "cudnnSetConvolutionMathType");
  std::size_t bytes = 0;
  check(*cudnn_, cudnn_->cudnnGetConvolutionForwardWorkspaceSize(handle_, x_, w_, conv_, y_, result.algo, &bytes),
        "cudnnGetConvolutionForwardWorkspaceSize");
  if (bytes > workspace_limit) return false;
  algo_ = result.algo;
  math_ = result.mathType;
  workspace_bytes_ = bytes;
  return true;
}

std::string PointwiseConv::try_fused(const void* x, const void* w, void* y, const void* bias, void* workspace) {
  const float one = 1.0f, zero = 0.0f;
  const Status status = cudnn_->cudnnConvolutionBiasActivationForward(handle_, &one, x_, x, w_, w, conv_, algo_,
                                                                      workspace, workspace_bytes_, &zero, y_, y, bias_,
                                                                      bias, activation_, y_, y);
  if (status == Status::Success) return "";
  cudaGetLastError();  // a launch cuDNN refused must not linger for the calls after it
  return "cudnnConvolutionBiasActivationForward gave " + status_text(*cudnn_, status);
}

void PointwiseConv::plan(const void* x, const void* w, void* y, const void* bias, void* workspace,
                         std::size_t workspace_limit, SearchCache& cache) {
  const SearchCache::Key key = SearchCache::key(device_, type_, allow_tf32_, in_, out_, act_);
  PlanDecision earlier;
  cached_ = cache.find(key, earlier) && earlier.workspace_bytes <= workspace_limit;
  if (cached_) {
    check(*cudnn_, cudnn_->cudnnSetConvolutionMathType(conv_, earlier.math), "cudnnSetConvolutionMathType");
    algo_ = earlier.algo;
    math_ = earlier.math;
    workspace_bytes_ = earlier.workspace_bytes;
    fused_ = earlier.fused;
    decision_ = earlier.decision + " (as planned before in this process)";
    return;
  }
  search(x, w, y, bias, workspace, workspace_limit);
  cache.put(key, {algo_, math_, workspace_bytes_, fused_, decision_});
}

void PointwiseConv::search(const void* x, const void* w, void* y, const void* bias, void* workspace,
                           std::size_t workspace_limit) {
  constexpr int kCandidates = int(ConvFwdAlgo::Count);
  ConvFwdAlgoPerf results[kCandidates];
  int returned = 0;
  check(*cudnn_,
        cudnn_->cudnnFindConvolutionForwardAlgorithmEx(handle_, x_, x, w_, w, conv_, y_, y, kCandidates, &returned,
                                                       results, workspace, workspace_limit),
        "cudnnFindConvolutionForwardAlgorithmEx");
  // Results come fastest first. The fused call takes any algorithm with ReLU, but only
  // IMPLICIT_PRECOMP_GEMM with an identity activation (cudnnActivationMode_t's
  // documentation); when it cannot fuse, the fastest algorithm runs alone and a bias +
  // activation kernel follows.
  const ConvFwdAlgoPerf* fastest = nullptr;
  const ConvFwdAlgoPerf* fusable = nullptr;
  std::string results_text;
  for (int i = 0; i < returned; ++i) {
    const ConvFwdAlgoPerf& r = results[i];
    results_text += std::string(i ? "; " : "") + algo_name(r.algo) + " with " + math_name(r.mathType) + ": " +
                    (r.status == Status::Success ? std::to_string(r.memory) + " B of workspace"
                                                 : cudnn_->cudnnGetErrorString(r.status));
    if (r.status != Status::Success || r.memory > workspace_limit || !keeps_precision(r.mathType)) continue;
    if (fastest == nullptr) fastest = &r;
    const bool identity_ok = r.algo == ConvFwdAlgo::ImplicitPrecompGemm;
    if (fusable == nullptr && (act_ == ops::Act::Relu || (act_ == ops::Act::None && identity_ok))) fusable = &r;
  }
  if (fastest == nullptr) {
    fail(ErrorCode::Internal, "cuDNN offers no algorithm for a " + describe() + " within " +
                                  std::to_string(workspace_limit) + " B of workspace" +
                                  (type_ == DataType::Float && !allow_tf32_ ? " and with FMA math" : "") +
                                  ". It tried: " + (results_text.empty() ? "nothing" : results_text));
  }
  std::string not_fused = fused_mode(act_)
                              ? "cuDNN fuses an identity activation only with IMPLICIT_PRECOMP_GEMM, which it did not offer"
                              : std::string("cuDNN's fused call has no ") + ops::activation_name(act_) + " activation";
  if (fusable != nullptr) {
    not_fused = take(*fusable, workspace_limit) ? try_fused(x, w, y, bias, workspace)
                                                : "the fused call's workspace exceeds " + std::to_string(workspace_limit) + " B";
    fused_ = not_fused.empty();
  }
  if (!fused_ && !take(*fastest, workspace_limit)) {
    fail(ErrorCode::Internal, "cuDNN measured " + std::string(algo_name(fastest->algo)) + " for a " + describe() +
                                  " within " + std::to_string(workspace_limit) +
                                  " B of workspace, but then asks for more");
  }
  decision_ = describe() + ": " + algo_name(algo_) + " with " + math_name(math_) + ", " +
              std::to_string(workspace_bytes_) + " B of workspace, " + (fused_ ? "fused" : "not fused: " + not_fused);
}

void PointwiseConv::run(const void* x, const void* w, const void* bias, void* y, void* workspace) const {
  const Api& a = *cudnn_;
  const float one = 1.0f, zero = 0.0f;
  if (fused_) {
    check(a,
          a.cudnnConvolutionBiasActivationForward(handle_, &one, x_, x, w_, w, conv_, algo_, workspace, workspace_bytes_,
                                                  &zero, y_, y, bias_, bias, activation_, y_, y),
          "cudnnConvolutionBiasActivationForward");
  } else {
    check(a, a.cudnnConvolutionForward(handle_, &one, x_, x, w_, w, conv_, algo_, workspace, workspace_bytes_, &zero, y_, y),
          "cudnnConvolutionForward");
  }
}

}  // namespace ghostnet::cudnn

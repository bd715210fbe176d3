// The pointwise convolution's fast path on GPUs: cuDNN's legacy convolution API.
//
// Everything that can be decided ahead is decided when a plan is made: descriptors, the
// algorithm (measured with cudnnFindConvolutionForwardAlgorithmEx), its workspace, and
// whether cuDNN accepts the fused bias + activation call for this case. A forward pass
// then only enqueues calls, so it can be captured in a CUDA graph. Tensors handed to
// cuDNN are packed NHWC.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

#include "cuda/cudnn_api.h"
#include "ops/common.h"

namespace ghostnet::cudnn {

// Throws, with cuDNN's words for the failure: OutOfMemory when memory ran out, else Internal.
void check(const Api& cudnn, Status status, const char* what);

// cuDNN's data type for activations of type T.
template <typename T>
constexpr DataType data_type_of();
template <>
constexpr DataType data_type_of<float>() { return DataType::Float; }
template <>
constexpr DataType data_type_of<__half>() { return DataType::Half; }
template <>
constexpr DataType data_type_of<__nv_bfloat16>() { return DataType::BFloat16; }

// A cuDNN handle bound to one stream. One per execution context: a handle must not be
// used by two threads at once.
class StreamHandle {
 public:
  StreamHandle(const Api& cudnn, int device, cudaStream_t stream);
  ~StreamHandle();
  StreamHandle(const StreamHandle&) = delete;
  StreamHandle& operator=(const StreamHandle&) = delete;
  Handle get() const { return handle_; }

 private:
  const Api& cudnn_;
  Handle handle_ = nullptr;
};

// One planned 1x1 convolution over NHWC tensors, `in` to `out` with their stored channels:
// y = act(conv(x, w) + bias).
class PointwiseConv {
 public:
  PointwiseConv(const Api& cudnn, Handle handle, DataType type, bool allow_tf32, const ops::Geometry& in,
                const ops::Geometry& out, ops::Act act);
  ~PointwiseConv();
  PointwiseConv(PointwiseConv&& other) noexcept;
  PointwiseConv& operator=(PointwiseConv&&) = delete;
  PointwiseConv(const PointwiseConv&) = delete;

  // Chooses the algorithm by timing candidates on the given buffers (their contents are
  // overwritten) and probes the fused call. `workspace` holds `workspace_limit` bytes.
  void plan(const void* x, const void* w, void* y, const void* bias, void* workspace, std::size_t workspace_limit);
  // Enqueues the convolution; when fused() is false the caller still owes bias and activation.
  void run(const void* x, const void* w, const void* bias, void* y, void* workspace) const;
  bool fused() const { return fused_; }
  std::size_t workspace_bytes() const { return workspace_bytes_; }
  // What planning chose, and why it does not fuse when it does not: for notes (core/verbose.h).
  const std::string& decision() const { return decision_; }

 private:
  // Sets a result's math type on the descriptor and asks cuDNN for its workspace; false when
  // that exceeds `workspace_limit`.
  bool take(const ConvFwdAlgoPerf& result, std::size_t workspace_limit);
  // Runs the fused call once with the algorithm taken: "" when cuDNN ran it, else why not.
  std::string try_fused(const void* x, const void* w, void* y, const void* bias, void* workspace);
  // Whether a math type keeps the precision asked for: FP32 without TF32 only with FMA math.
  bool keeps_precision(MathType math) const;
  // "1x1 convolution of 2x7x5x40 to 24 channels (fp16)", for messages.
  std::string describe() const;

  const Api* cudnn_;
  Handle handle_;
  DataType type_;
  bool allow_tf32_;
  ops::Geometry in_, out_;
  ops::Act act_;
  TensorDescriptor x_ = nullptr, y_ = nullptr, bias_ = nullptr;
  FilterDescriptor w_ = nullptr;
  ConvolutionDescriptor conv_ = nullptr;
  ActivationDescriptor activation_ = nullptr;
  ConvFwdAlgo algo_ = ConvFwdAlgo::ImplicitPrecompGemm;
  MathType math_ = MathType::Default;
  std::size_t workspace_bytes_ = 0;
  bool fused_ = false;
  std::string decision_;
};

}  // namespace ghostnet::cudnn

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

#include "cuda/cudnn_api.h"
#include "ops/common.h"

namespace ghostnet::cudnn {

void check(Status status, const char* what);

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
  StreamHandle(int device, cudaStream_t stream);
  ~StreamHandle();
  StreamHandle(const StreamHandle&) = delete;
  StreamHandle& operator=(const StreamHandle&) = delete;
  Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

// One planned 1x1 convolution over NHWC tensors, `in` to `out` with their stored channels:
// y = act(conv(x, w) + bias).
class PointwiseConv {
 public:
  PointwiseConv(Handle handle, DataType type, bool allow_tf32, const ops::Geometry& in, const ops::Geometry& out,
                ops::Act act);
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

 private:
  // Runs the fused call once with the chosen algorithm; false when cuDNN does not support it.
  bool try_fused(const void* x, const void* w, void* y, const void* bias, void* workspace);

  Handle handle_;
  DataType type_;
  ops::Act act_;
  TensorDescriptor x_ = nullptr, y_ = nullptr, bias_ = nullptr;
  FilterDescriptor w_ = nullptr;
  ConvolutionDescriptor conv_ = nullptr;
  ActivationDescriptor activation_ = nullptr;
  ConvFwdAlgo algo_ = ConvFwdAlgo::ImplicitPrecompGemm;
  std::size_t workspace_bytes_ = 0;
  bool fused_ = false;
};

}  // namespace ghostnet::cudnn

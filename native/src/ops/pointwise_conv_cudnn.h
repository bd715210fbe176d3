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
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "cuda/cudnn_api.h"
#include "ops/activation.h"

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

// What planning decided for one convolution.
struct PlanDecision {
  ConvFwdAlgo algo = ConvFwdAlgo::ImplicitPrecompGemm;
  MathType math = MathType::Default;
  std::size_t workspace_bytes = 0;
  bool fused = false;
  std::string decision;
};

// The decisions of earlier plans, by everything that decides them: the device, the data type,
// TF32, the shapes and the activation. cuDNN's algorithm search runs each candidate, and a
// process loading several models (or one model in several shapes) meets the same
// convolutions again: GhostNet repeats its blocks. Safe to share between threads.
class SearchCache {
 public:
  using Key = std::tuple<int, DataType, bool, int64_t, int, int, int, int, ops::Act>;
  static Key key(int device, DataType type, bool allow_tf32, const ops::Geometry& in, const ops::Geometry& out,
                 ops::Act act) {
    return {device, type, allow_tf32, in.batch, in.height, in.width, in.stored_channels, out.stored_channels, act};
  }
  bool find(const Key& key, PlanDecision& decision) const;
  void put(const Key& key, const PlanDecision& decision);
  // The one the executors plan with.
  static SearchCache& process();

 private:
  mutable std::mutex mutex_;
  std::map<Key, PlanDecision> decisions_;
};

// One planned 1x1 convolution over NHWC tensors, `in` to `out` with their stored channels:
// y = act(conv(x, w) + bias), on the handle's device `device`.
class PointwiseConv {
 public:
  PointwiseConv(const Api& cudnn, Handle handle, int device, DataType type, bool allow_tf32, const ops::Geometry& in,
                const ops::Geometry& out, ops::Act act);
  ~PointwiseConv();
  PointwiseConv(PointwiseConv&& other) noexcept;
  PointwiseConv& operator=(PointwiseConv&&) = delete;
  PointwiseConv(const PointwiseConv&) = delete;

  // Chooses the algorithm by timing candidates on the given buffers (their contents are
  // overwritten) and probes the fused call, unless `cache` has the decision already (with
  // a workspace within the limit); the decision goes into `cache`. `workspace` holds
  // `workspace_limit` bytes.
  void plan(const void* x, const void* w, void* y, const void* bias, void* workspace, std::size_t workspace_limit,
            SearchCache& cache);
  // Whether plan() took its decision from the cache.
  bool cached() const { return cached_; }
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
  // Searches and probes, as plan() does without a cached decision.
  void search(const void* x, const void* w, void* y, const void* bias, void* workspace, std::size_t workspace_limit);
  // Runs the fused call once with the algorithm taken: "" when cuDNN ran it, else why not.
  std::string try_fused(const void* x, const void* w, void* y, const void* bias, void* workspace);
  // Whether a math type keeps the precision asked for: FP32 without TF32 only with FMA math.
  bool keeps_precision(MathType math) const;
  // "1x1 convolution of 2x7x5x40 to 24 channels (fp16)", for messages.
  std::string describe() const;

  const Api* cudnn_;
  Handle handle_;
  int device_;
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
  bool cached_ = false;
  std::string decision_;
};

}  // namespace ghostnet::cudnn

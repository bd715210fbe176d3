// A loaded GhostNet and the execution contexts that run it.
//
// As in TensorRT's engine / execution-context split: a Model is immutable weights on one
// device, safe to share between threads; an ExecutionContext owns one stream, its
// workspace, a plan per input shape (and, on GPUs, captured CUDA graphs). Give each
// thread (or each stream) its own context.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "ghostnet/c_api.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/device.h"
#include "ghostnet/export.h"
#include "ghostnet/tensor.h"

namespace ghostnet {

// The numbers are the C API's.
enum class Precision : int32_t { F32 = GN_PRECISION_F32, F16 = GN_PRECISION_F16, BF16 = GN_PRECISION_BF16 };
GHOSTNET_API const char* precision_name(Precision precision);

struct ModelOptions {
  Precision precision = Precision::F32;
  // TF32 tensor-core math for FP32 convolutions on GPUs: faster, about 1e-3 relative error.
  bool allow_tf32 = false;
  // Normalisation of uint8 image input, applied on the device: (x / 255 - mean) / std.
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
  CheckpointLimits limits;
  // The threads a forward pass on the host may use, the caller's included; 0: every core
  // the process may run on. Contexts share one pool of threads, so several contexts
  // running at once never use more threads than there are cores.
  int threads = 0;
};

// Weights for a member of the GhostNet family, named as timm names them ("ghostnet_100",
// "ghostnetv2_130", "ghostnetv3_050": the width multiplier in hundredths), with a class count:
// random but the same on every platform for a `seed` (convolutions scaled by their fan-in,
// BatchNorm statistics near 1), for benchmarks and demos where real weights do not matter.
// The keys are a checkpoint's (GhostNetV3's in its training form, with the official names).
GHOSTNET_API StateDict random_ghostnet_weights(const std::string& model, int num_classes, uint32_t seed);

struct ModelImpl;
struct ContextImpl;
class ExecutionContext;

class GHOSTNET_API Model {
 public:
  // Loads any supported checkpoint (see checkpoint.h) onto `device`.
  static Model load(const std::string& path, Device device, const ModelOptions& options = {});
  // Builds a model from tensors already in memory; `source` names them in errors.
  static Model from_state_dict(const StateDict& weights, const std::string& source, Device device,
                               const ModelOptions& options = {});

  Device device() const;
  Precision precision() const;
  int num_classes() const;
  // The family member, "GhostNet", "GhostNetV2" or "GhostNetV3", and its width multiplier (1.3 for 1.3x).
  std::string family() const;
  double width() const;
  std::string describe() const;  // "GhostNetV2 1.3x, 1000 classes, fp32 on cpu"

  // A new context; with `stream` it runs on that (borrowed) stream, else on its own.
  ExecutionContext create_context(const Stream* stream = nullptr) const;

 private:
  explicit Model(std::shared_ptr<const ModelImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const ModelImpl> impl_;
};

class GHOSTNET_API ExecutionContext {
 public:
  ExecutionContext(ExecutionContext&&) noexcept;
  ExecutionContext& operator=(ExecutionContext&&) noexcept;
  ~ExecutionContext();

  // Runs the network: input is [N, 3, H, W] NCHW or [N, H, W, 3] NHWC, float32 (already
  // normalised) or uint8 (normalised with the model's mean and std); output is float32
  // [N, classes]. Both on the model's device. Returns when the output is ready.
  void forward(const Tensor& input, Tensor& output);
  // The same, ordered on the context's stream without waiting for it.
  void enqueue(const Tensor& input, Tensor& output);
  // A convenience that allocates the output.
  Tensor forward(const Tensor& input);

  const Stream& stream() const;
  void synchronize() const;

 private:
  friend class Model;
  explicit ExecutionContext(std::unique_ptr<ContextImpl> impl);
  std::unique_ptr<ContextImpl> impl_;
};

}  // namespace ghostnet

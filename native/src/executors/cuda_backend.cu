// The CUDA executor: the shared graph on one stream, with our functors as grid-stride
// kernels, 1x1 convolutions through cuDNN, and the body of each plan captured as a CUDA
// graph on first use and replayed after. Channels are padded for tensor cores wherever the
// precision uses them.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "core/gpu_runtime.h"
#include "core/verbose.h"
#include "cuda/check.h"
#include "cuda/cudnn_loader.h"
#include "cuda/launch.cuh"
#include "executors/plan_cache.h"
#include "executors/walk.h"
#include "graph/channel_padding.h"
#include "ops/bias_act.h"
#include "ops/pointwise_conv_cudnn.h"
#include "runtime/backend.h"

namespace ghostnet {
namespace {

using executors::OpWeights;

// cuDNN's algorithm search may use up to this much scratch memory while planning (less
// when the GPU has less free).
constexpr std::size_t kSearchWorkspaceBytes = std::size_t(256) << 20;

std::size_t search_workspace_bytes() {
  std::size_t free = 0, total = 0;
  gpu::check_cuda(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return std::max<std::size_t>(std::min(kSearchWorkspaceBytes, free / 4), 1);
}

// The channel multiple cuDNN needs to run a precision on tensor cores; 1 for FP32 without
// TF32, which does not use them.
int tensor_core_channel_multiple(const ModelOptions& options) {
  if (options.precision == Precision::F16 || options.precision == Precision::BF16) return 8;
  return options.allow_tf32 ? 4 : 1;
}

// Host values to the device type T, as bytes ready to upload.
template <typename T>
std::vector<T> to_device_type(const std::vector<float>& values) {
  std::vector<T> result(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) result[i] = T(values[i]);
  return result;
}

template <typename V>
Tensor upload(Device device, const std::vector<V>& values) {
  Tensor t = Tensor::allocate(device, DType::U8, {int64_t(values.size() * sizeof(V))}, Layout::RowMajor);
  if (!values.empty()) {
    gpu::copy(t.data(), values.data(), t.bytes(), gpu::CopyKind::HostToDevice, device.index, nullptr, true);
  }
  return t;
}

// One op's weights on the device.
struct DeviceOpWeights {
  Tensor weight;      // functors: float, as the op's functor reads them; pointwise: T, [out][in] (cuDNN's KRSC)
  Tensor bias;        // float
  Tensor bias_typed;  // pointwise: T, for cuDNN's fused call
};

// How the device lays out each op kind's weights: as its functor reads them, or, where an
// overload names the op kind's definition, as its fast path does.
template <typename T>
struct DeviceWeights {
  Device device;

  template <typename Kind>
  DeviceOpWeights operator()(Kind, const ops::ConvParams& params) const {
    return {upload(device, Kind::functor_weights(params)), upload(device, params.bias), Tensor()};
  }
  DeviceOpWeights operator()(ops::PointwiseConvOp, const ops::ConvParams& params) const {
    return {upload(device, to_device_type<T>(params.weight)), upload(device, params.bias),
            upload(device, to_device_type<T>(params.bias))};
  }
};

class GraphExec {
 public:
  GraphExec() = default;
  explicit GraphExec(cudaGraphExec_t exec) : exec_(exec) {}
  GraphExec(GraphExec&& o) noexcept : exec_(std::exchange(o.exec_, nullptr)) {}
  GraphExec& operator=(GraphExec&& o) noexcept {
    std::swap(exec_, o.exec_);
    return *this;
  }
  ~GraphExec() {
    if (exec_ != nullptr) cudaGraphExecDestroy(exec_);
  }
  cudaGraphExec_t get() const { return exec_; }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

// A stream capture that is always ended, also when what it records throws: a stream left
// capturing would fail every later call on it.
class StreamCapture {
 public:
  explicit StreamCapture(cudaStream_t stream)
      : stream_(stream), active_(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) == cudaSuccess) {}
  ~StreamCapture() {
    if (cudaGraph_t graph = end()) cudaGraphDestroy(graph);
  }
  StreamCapture(const StreamCapture&) = delete;
  StreamCapture& operator=(const StreamCapture&) = delete;

  bool active() const { return active_; }
  // Ends the capture: the graph recorded (the caller's to destroy), or nullptr when it failed.
  cudaGraph_t end() {
    if (!active_) return nullptr;
    active_ = false;
    cudaGraph_t graph = nullptr;
    if (cudaStreamEndCapture(stream_, &graph) != cudaSuccess && graph != nullptr) {
      cudaGraphDestroy(graph);
      graph = nullptr;
    }
    return graph;
  }

 private:
  cudaStream_t stream_;
  bool active_;
};

struct CudaPlan {
  executors::Workspace workspace;
  Tensor conv_workspace;
  std::vector<std::optional<cudnn::PointwiseConv>> convs;  // by op index
  GraphExec body;  // the ops between input and output; empty when capture is impossible
};

template <typename T>
class CudaBackend;

template <typename T>
class CudaExecutor final : public Executor {
 public:
  CudaExecutor(const CudaBackend<T>& backend, Stream stream)
      : backend_(backend), stream_(std::move(stream)), cudnn_(cudnn::api(), backend.device().index, cuda_stream()) {}

  const Stream& stream() const override { return stream_; }

  void enqueue(const Tensor& input, Tensor& output) override {
    gpu::DeviceScope scope(backend_.device().index);
    const CudaPlan& prepared = plan_for(input, output);
    const ops::Io io = executors::io_of(input, output, backend_.options());
    const std::size_t last = backend_.graph().ops.size() - 1;
    walk_ops(prepared, io, {0, 1});
    if (prepared.body.get() != nullptr) {
      gpu::check_cuda(cudaGraphLaunch(prepared.body.get(), cuda_stream()), "cudaGraphLaunch");
    } else {
      walk_ops(prepared, io, {1, last});
    }
    walk_ops(prepared, io, {last, last + 1});
  }

  void run_ops(const Tensor& input, Tensor& output, graph::OpRange ops) override {
    gpu::DeviceScope scope(backend_.device().index);
    walk_ops(plan_for(input, output), executors::io_of(input, output, backend_.options()), ops);
    gpu::check_cuda(cudaStreamSynchronize(cuda_stream()), "cudaStreamSynchronize");
  }

  ValueReadout read_value(const Tensor& input, int value) override {
    const int device = backend_.device().index;
    const CudaPlan& prepared = plans_.existing(executors::PlanKey::of(input));
    return executors::read_planned_value<T>(prepared.workspace, value, [&](void* to, const void* from, std::size_t bytes) {
      gpu::copy(to, from, bytes, gpu::CopyKind::DeviceToHost, device, cuda_stream(), true);
    });
  }

 private:
  cudaStream_t cuda_stream() const { return static_cast<cudaStream_t>(stream_.handle()); }

  CudaPlan& plan_for(const Tensor& input, Tensor& output) {
    const executors::PlanKey key = executors::PlanKey::of(input);
    return plans_.get(key, [&] { return prepare(key, input, output); });
  }

  CudaPlan prepare(const executors::PlanKey& key, const Tensor& input, Tensor& output) {
    const graph::Graph& g = backend_.graph();
    const auto began = std::chrono::steady_clock::now();
    CudaPlan p;
    p.workspace = executors::Workspace::make(g, key, backend_.device(), sizeof(T));
    const int searched = plan_convolutions(p);
    const auto convolutions_planned = std::chrono::steady_clock::now();
    // Capture everything between the input and output ops. A stream that cannot be
    // captured (the legacy default stream, say), or a call that fails while capturing,
    // leaves the body to run directly; a real error then surfaces there.
    // Any other exception ends the capture on its way out.
    const ops::Io io = executors::io_of(input, output, backend_.options());
    StreamCapture capture(cuda_stream());
    if (capture.active()) {
      bool recorded = true;
      try {
        walk_ops(p, io, {1, g.ops.size() - 1});
      } catch (const Error&) {
        recorded = false;
      }
      if (cudaGraph_t captured = capture.end()) {
        cudaGraphExec_t exec = nullptr;
        if (recorded && cudaGraphInstantiate(&exec, captured, 0) == cudaSuccess) p.body = GraphExec(exec);
        cudaGraphDestroy(captured);
      }
    }
    const cudaError_t refusal = cudaGetLastError();  // a refused capture leaves nothing to report
    if (p.body.get() == nullptr) {
      note(backend_.device().to_string() + ": the forward pass could not be captured as a CUDA graph (" +
           cudaGetErrorName(refusal) + "); its ops are launched one by one");
    }
    note(planning_summary(key, p, searched, began, convolutions_planned));
    return p;
  }

  // "cuda:0: planned batch 8 at 224x224 in 812 ms: 45 convolutions in 790 ms (31 searched, 14 as
  // planned before), the CUDA graph captured in 22 ms": where a first forward pass's time goes.
  std::string planning_summary(const executors::PlanKey& key, const CudaPlan& p, int searched,
                               std::chrono::steady_clock::time_point began,
                               std::chrono::steady_clock::time_point convolutions_planned) const {
    const auto now = std::chrono::steady_clock::now();
    auto ms = [](auto from, auto to) { return std::chrono::duration<double, std::milli>(to - from).count(); };
    int convolutions = 0;
    for (const auto& conv : p.convs) convolutions += conv.has_value() ? 1 : 0;
    char text[256];
    std::snprintf(text, sizeof text,
                  "planned batch %lld at %lldx%lld in %.0f ms: %d convolutions in %.0f ms (%d searched, %d as planned "
                  "before), the CUDA graph %s in %.0f ms",
                  static_cast<long long>(key.batch), static_cast<long long>(key.height),
                  static_cast<long long>(key.width), ms(began, now), convolutions,
                  ms(began, convolutions_planned), searched, convolutions - searched,
                  p.body.get() != nullptr ? "captured" : "not captured", ms(convolutions_planned, now));
    return backend_.device().to_string() + ": " + text;
  }

  // Plans every op kind that decides ahead how it runs: the pointwise convolution chooses
  // its cuDNN algorithm, its workspace and whether it fuses. Returns how many convolutions
  // cuDNN searched algorithms for: the others were planned before in this process.
  int plan_convolutions(CudaPlan& p) {
    const graph::Graph& g = backend_.graph();
    const Device device = backend_.device();
    p.convs.resize(g.ops.size());
    const std::size_t search_bytes = search_workspace_bytes();
    Tensor search = Tensor::allocate(device, DType::U8, {int64_t(search_bytes)}, Layout::RowMajor);
    std::size_t needed = 0;
    for (std::size_t i = 0; i < g.ops.size(); ++i) {
      ops::visit_op(g.ops[i].kind, [&](auto kind) { plan_op(kind, i, p, search, needed); });
    }
    gpu::check_cuda(cudaStreamSynchronize(cuda_stream()), "planning the convolutions");
    p.conv_workspace = Tensor::allocate(device, DType::U8, {int64_t(needed)}, Layout::RowMajor);
    int searched = 0;
    for (const auto& conv : p.convs) searched += conv.has_value() && !conv->cached() ? 1 : 0;
    return searched;
  }

  template <typename Kind>
  void plan_op(Kind, std::size_t, CudaPlan&, const Tensor&, std::size_t&) {}

  void plan_op(ops::PointwiseConvOp, std::size_t index, CudaPlan& p, const Tensor& search, std::size_t& needed) {
    const graph::Op& op = backend_.graph().ops[index];
    const graph::PlannedValue& in = p.workspace.plan.values[std::size_t(op.input)];
    const graph::PlannedValue& out = p.workspace.plan.values[std::size_t(op.output)];
    auto& conv = p.convs[index].emplace(cudnn::api(), cudnn_.get(), backend_.device().index, cudnn::data_type_of<T>(),
                                        backend_.options().allow_tf32, in.geometry, out.geometry, op.act);
    const DeviceOpWeights& w = backend_.weights(op.params);
    char* ws = p.workspace.data();
    conv.plan(ws + in.offset, w.weight.data(), ws + out.offset, w.bias_typed.data(), search.data(), search.bytes(),
              cudnn::SearchCache::process());
    note(backend_.device().to_string() + " " + op.name + ", " + conv.decision());
    needed = std::max(needed, conv.workspace_bytes());
  }

  // How the device runs each op kind: its functor as a grid-stride kernel, or, where an
  // overload names the op kind's definition, its fast path.
  class Ops {
   public:
    Ops(const CudaExecutor& executor, const CudaPlan& plan) : executor_(executor), plan_(plan) {}

    OpWeights weights(int params) const {
      const DeviceOpWeights& w = executor_.backend_.weights(params);
      return {static_cast<const float*>(w.weight.data()), static_cast<const float*>(w.bias.data())};
    }

    template <typename Kind>
    void run(Kind, const graph::Op&, const ops::Operands<T>& o) const {
      Kind::run(o, [this](const auto& functor) { launch(functor); });
    }
    void run(ops::PointwiseConvOp, const graph::Op& op, const ops::Operands<T>& o) const {
      const cudnn::PointwiseConv& conv = *plan_.convs[std::size_t(&op - executor_.backend_.graph().ops.data())];
      const DeviceOpWeights& w = executor_.backend_.weights(op.params);
      conv.run(o.input.data, w.weight.data(), w.bias_typed.data(), o.output.data, plan_.conv_workspace.data());
      if (!conv.fused()) launch(ops::BiasAct<T>{o.output, o.bias, o.act});
    }

   private:
    template <typename F>
    void launch(const F& functor) const {
      gpu::launch(functor, executor_.cuda_stream(), executor_.backend_.max_blocks());
    }

    const CudaExecutor& executor_;
    const CudaPlan& plan_;
  };

  void walk_ops(const CudaPlan& p, const ops::Io& io, graph::OpRange range) {
    Ops ops(*this, p);
    executors::walk<T>(backend_.graph(), p.workspace, range, io, ops);
  }

  const CudaBackend<T>& backend_;
  Stream stream_;
  cudnn::StreamHandle cudnn_;
  executors::PlanCache<CudaPlan> plans_;
};

template <typename T>
class CudaBackend final : public Backend {
 public:
  CudaBackend(std::shared_ptr<const graph::Graph> graph, Device device, const ModelOptions& options)
      : graph_(std::move(graph)), device_(device), options_(options) {
    cudnn::api();  // fails here, at load, when cuDNN is missing
    gpu::DeviceScope scope(device.index);
    int sms = 0;
    gpu::check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device.index),
                    "cudaDeviceGetAttribute");
    max_blocks_ = std::max(1, sms) * 32;
    weights_ = executors::prepare_weights<DeviceOpWeights>(*graph_, DeviceWeights<T>{device});
  }

  std::unique_ptr<Executor> create_executor(const Stream* stream) const override {
    Stream s = stream != nullptr ? Stream::borrow(stream->handle(), device_) : Stream::create(device_);
    return std::make_unique<CudaExecutor<T>>(*this, std::move(s));
  }

  const graph::Graph& graph() const { return *graph_; }
  Device device() const { return device_; }
  const ModelOptions& options() const { return options_; }
  int max_blocks() const { return max_blocks_; }
  const DeviceOpWeights& weights(int params) const { return weights_[std::size_t(params)]; }

 private:
  std::shared_ptr<const graph::Graph> graph_;
  Device device_;
  ModelOptions options_;
  int max_blocks_ = 1;
  std::vector<DeviceOpWeights> weights_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(std::shared_ptr<const graph::Graph> graph, Device device,
                                           const ModelOptions& options) {
  require_device(device);
  const int multiple = tensor_core_channel_multiple(options);
  if (multiple > 1) graph = std::make_shared<const graph::Graph>(graph::pad_channels(*graph, multiple));
  switch (options.precision) {
    case Precision::F16: return std::make_unique<CudaBackend<__half>>(std::move(graph), device, options);
    case Precision::BF16: return std::make_unique<CudaBackend<__nv_bfloat16>>(std::move(graph), device, options);
    default: return std::make_unique<CudaBackend<float>>(std::move(graph), device, options);
  }
}

}  // namespace ghostnet

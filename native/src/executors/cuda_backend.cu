// The CUDA executor: the shared graph on one stream, with our functors as grid-stride
// kernels, 1x1 convolutions through cuDNN, and the body of each plan captured as a CUDA
// graph on first use and replayed after. Channels are padded for tensor cores wherever the
// precision uses them.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <memory>
#include <optional>
#include <vector>

#include "core/gpu_runtime.h"
#include "cuda/check.h"
#include "cuda/cudnn_loader.h"
#include "cuda/launch.cuh"
#include "executors/plan_cache.h"
#include "executors/walk.h"
#include "graph/channel_padding.h"
#include "ops/pointwise_conv_cudnn.h"
#include "ops/weights.h"
#include "runtime/backend.h"

namespace ghostnet {
namespace {

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

template <typename T>
struct Traits;
template <>
struct Traits<float> {
  static constexpr cudnn::DataType kType = cudnn::DataType::Float;
};
template <>
struct Traits<__half> {
  static constexpr cudnn::DataType kType = cudnn::DataType::Half;
};
template <>
struct Traits<__nv_bfloat16> {
  static constexpr cudnn::DataType kType = cudnn::DataType::BFloat16;
};

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
  Tensor weight;      // functors: float, channels-last; pointwise: T, [out][in] (cuDNN's KRSC)
  Tensor bias;        // float
  Tensor bias_typed;  // pointwise: T, for cuDNN's fused call
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

struct CudaPlan {
  graph::Plan plan;
  Tensor workspace;
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
      : backend_(backend), stream_(std::move(stream)), cudnn_(backend.device().index, cuda_stream()) {}

  const Stream& stream() const override { return stream_; }

  void enqueue(const Tensor& input, Tensor& output) override {
    gpu::DeviceScope scope(backend_.device().index);
    const PlanKey key = PlanKey::of(input);
    CudaPlan& prepared = plans_.get(key, [&] { return prepare(key, input, output); });
    const graph::Io io = io_of(input, output);
    const std::size_t last = backend_.graph().ops.size() - 1;
    run_ops(prepared, io, {0, 1});
    if (prepared.body.get() != nullptr) {
      gpu::check_cuda(cudaGraphLaunch(prepared.body.get(), cuda_stream()), "cudaGraphLaunch");
    } else {
      run_ops(prepared, io, {1, last});
    }
    run_ops(prepared, io, {last, last + 1});
  }

 private:
  cudaStream_t cuda_stream() const { return static_cast<cudaStream_t>(stream_.handle()); }

  static graph::Io io_of(const Tensor& input, Tensor& output) {
    return {input.data(), input.dtype(), input.layout() == Layout::NCHW, static_cast<float*>(output.data())};
  }

  CudaPlan prepare(const PlanKey& key, const Tensor& input, Tensor& output) {
    const graph::Graph& g = backend_.graph();
    const Device device = backend_.device();
    CudaPlan p;
    p.plan = graph::make_plan(g, key.batch, key.height, key.width, sizeof(T));
    p.workspace = Tensor::allocate(device, DType::U8, {int64_t(p.plan.workspace_bytes)}, Layout::RowMajor);
    plan_convolutions(p);
    // Capture everything between the input and output ops. A stream that cannot be
    // captured (the legacy default stream, say), or a call that fails while capturing,
    // leaves the body to run directly; a real error then surfaces there.
    const graph::Io io = io_of(input, output);
    if (cudaStreamBeginCapture(cuda_stream(), cudaStreamCaptureModeThreadLocal) == cudaSuccess) {
      bool recorded = true;
      try {
        run_ops(p, io, {1, g.ops.size() - 1});
      } catch (const Error&) {
        recorded = false;
      }
      cudaGraph_t captured = nullptr;
      if (cudaStreamEndCapture(cuda_stream(), &captured) == cudaSuccess && captured != nullptr && recorded) {
        cudaGraphExec_t exec = nullptr;
        if (cudaGraphInstantiate(&exec, captured, 0) == cudaSuccess) p.body = GraphExec(exec);
      }
      if (captured != nullptr) cudaGraphDestroy(captured);
    }
    cudaGetLastError();  // a refused capture leaves nothing to report
    return p;
  }

  // Plans every 1x1 convolution: its algorithm, its workspace, whether it fuses.
  void plan_convolutions(CudaPlan& p) {
    const graph::Graph& g = backend_.graph();
    const Device device = backend_.device();
    p.convs.resize(g.ops.size());
    const std::size_t search_bytes = search_workspace_bytes();
    Tensor search = Tensor::allocate(device, DType::U8, {int64_t(search_bytes)}, Layout::RowMajor);
    std::size_t needed = 0;
    char* ws = static_cast<char*>(p.workspace.data());
    for (std::size_t i = 0; i < g.ops.size(); ++i) {
      const graph::Op& op = g.ops[i];
      if (op.kind != graph::OpKind::Pointwise) continue;
      const graph::ValueShape &in = p.plan.values[std::size_t(op.input)], &out = p.plan.values[std::size_t(op.output)];
      auto& conv = p.convs[i].emplace(cudnn_.get(), Traits<T>::kType, backend_.options().allow_tf32, int(out.batch),
                                      out.height, out.width, in.channels, out.channels, op.act);
      const DeviceOpWeights& w = backend_.weights(op.params);
      conv.plan(ws + in.offset, w.weight.data(), ws + out.offset, w.bias_typed.data(), search.data(), search_bytes);
      needed = std::max(needed, conv.workspace_bytes());
    }
    gpu::check_cuda(cudaStreamSynchronize(cuda_stream()), "planning the convolutions");
    p.conv_workspace = Tensor::allocate(device, DType::U8, {int64_t(needed)}, Layout::RowMajor);
  }

  void run_ops(CudaPlan& p, const graph::Io& io, graph::OpRange range) {
    const graph::Graph& g = backend_.graph();
    const cudaStream_t stream = cuda_stream();
    const int max_blocks = backend_.max_blocks();
    char* ws = static_cast<char*>(p.workspace.data());
    auto weights = [&](int params) {
      const DeviceOpWeights& w = backend_.weights(params);
      return graph::OpWeights{static_cast<const float*>(w.weight.data()), static_cast<const float*>(w.bias.data())};
    };
    auto launch = [&](const auto& functor) { gpu::launch(functor, stream, max_blocks); };
    auto pointwise = [&](const graph::Op& op, const T* in, T* out, int64_t pixels) {
      const cudnn::PointwiseConv& conv = *p.convs[std::size_t(&op - g.ops.data())];
      const DeviceOpWeights& w = backend_.weights(op.params);
      conv.run(in, w.weight.data(), w.bias_typed.data(), out, p.conv_workspace.data());
      if (!conv.fused()) {
        const int channels = p.plan.values[std::size_t(op.output)].channels;
        gpu::launch(ops::BiasAct<T>{out, static_cast<const float*>(w.bias.data()), pixels, channels, op.act}, stream,
                    max_blocks);
      }
    };
    graph::walk<T>(g, p.plan, range, ws, io, backend_.options(), weights, launch, pointwise);
  }

  const CudaBackend<T>& backend_;
  Stream stream_;
  cudnn::StreamHandle cudnn_;
  PlanCache<CudaPlan> plans_;
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
    weights_.resize(graph_->params.size());
    for (const graph::Op& op : graph_->ops) {
      if (op.params < 0) continue;
      const ops::ConvParams& p = graph_->params[std::size_t(op.params)];
      DeviceOpWeights& w = weights_[std::size_t(op.params)];
      w.bias = upload(device, p.bias);
      if (op.kind == graph::OpKind::Pointwise) {
        w.weight = upload(device, to_device_type<T>(p.weight));
        w.bias_typed = upload(device, to_device_type<T>(p.bias));
      } else {
        w.weight = upload(device, ops::channels_last_weights(p));
      }
    }
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

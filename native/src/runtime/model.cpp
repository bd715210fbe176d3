#include "ghostnet/model.h"

#include <atomic>
#include <cstdio>

#include "core/text.h"
#include "core/verbose.h"
#include "ghostnet/error.h"
#include "graph/graph.h"
#include "host/isa.h"
#include "runtime/backend.h"

namespace ghostnet {

struct ModelImpl {
  Device device;
  ModelOptions options;
  std::shared_ptr<const graph::Graph> graph;
  std::unique_ptr<Backend> backend;
};

struct ContextImpl {
  std::shared_ptr<const ModelImpl> model;  // keeps the weights alive as long as the context
  std::unique_ptr<Executor> executor;
  std::atomic<bool> busy{false};
};

namespace {

// The host computes in FP32, and in BF16 (its GEMM) where the CPU has AVX512_BF16.
void check_host_precision(Precision precision) {
  if (precision == Precision::F16) {
    fail(ErrorCode::InvalidArgument, "fp16 runs on CUDA devices; the host computes in fp32, or bf16 on CPUs with "
                                     "AVX512_BF16");
  }
  if (precision == Precision::BF16 && !host::cpu_has_avx512_bf16()) {
    fail(ErrorCode::InvalidArgument,
         std::string("bf16 on the host needs a CPU with AVX512_BF16 (Intel Cooper Lake, Sapphire Rapids or later; "
                     "AMD Zen 4 or later); the host kernels here use ") +
             host::isa_name(host::host_isa()) + ": use fp32 on the host, or bf16 on a CUDA device");
  }
}

void check_options(Device device, const ModelOptions& options) {
  if (int(options.precision) < 0 || int(options.precision) > int(Precision::BF16)) {
    fail(ErrorCode::InvalidArgument, "unknown precision code " + std::to_string(int(options.precision)));
  }
  if (!device.is_cuda()) check_host_precision(options.precision);
  for (float s : options.std) {
    if (!(s > 0.0f)) fail(ErrorCode::InvalidArgument, "normalisation std values must be positive");
  }
  if (options.threads < 0) {
    fail(ErrorCode::InvalidArgument, "threads must be at least 1, or 0 for every core; found " +
                                         std::to_string(options.threads));
  }
}

// What the caller's tensors must be. Their sizes are checked where the kernels' limits are
// known, by graph::make_plan when a plan is made for them.
void check_io(const ModelImpl& model, const Tensor& input, const Tensor& output) {
  const Device device = model.device;
  if (input.device() != device || output.device() != device) {
    fail(ErrorCode::InvalidArgument, "the model is on " + device.to_string() + ", but the input is on " +
                                         input.device().to_string() + " and the output on " +
                                         output.device().to_string());
  }
  if (input.layout() != Layout::NCHW && input.layout() != Layout::NHWC) {
    fail(ErrorCode::InvalidArgument, "the input must be an NCHW or NHWC image batch, found " + input.describe());
  }
  const auto& s = input.shape();
  const int64_t channels = input.layout() == Layout::NCHW ? s[1] : s[3];
  if (channels != 3) {
    fail(ErrorCode::InvalidArgument, "the input must have 3 channels (RGB), found " + std::to_string(channels) +
                                         " in " + input.describe());
  }
  if (input.dtype() != DType::F32 && input.dtype() != DType::U8) {
    fail(ErrorCode::InvalidArgument, "the input must be f32 (normalised) or u8 (images), found " + input.describe());
  }
  const auto& o = output.shape();
  const int64_t classes = model.graph->classes();
  if (output.dtype() != DType::F32 || output.layout() != Layout::RowMajor || o.size() != 2 || o[0] != s[0] ||
      o[1] != classes) {
    fail(ErrorCode::InvalidArgument, "the output must be f32 row-major " + dims_text({s[0], classes}) + ", found " +
                                         output.describe());
  }
}

// Marks a context busy for the scope; a second thread gets a clear error, not a race.
class BusyGuard {
 public:
  explicit BusyGuard(std::atomic<bool>& busy) : busy_(busy) {
    if (busy_.exchange(true)) {
      fail(ErrorCode::Busy, "this execution context is already running a forward pass on another thread; "
                            "create one context per thread");
    }
  }
  ~BusyGuard() { busy_.store(false); }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  std::atomic<bool>& busy_;
};

}  // namespace

const char* precision_name(Precision precision) {
  switch (precision) {
    case Precision::F32: return "fp32";
    case Precision::F16: return "fp16";
    case Precision::BF16: return "bf16";
  }
  return "unknown";
}

Model Model::load(const std::string& path, Device device, const ModelOptions& options) {
  check_options(device, options);
  require_device(device);
  const Checkpoint checkpoint = read_checkpoint(path, options.limits);
  return from_state_dict(checkpoint.tensors, path, device, options);
}

Model Model::from_state_dict(const StateDict& weights, const std::string& source, Device device,
                             const ModelOptions& options) {
  check_options(device, options);
  require_device(device);
  auto impl = std::make_shared<ModelImpl>();
  impl->device = device;
  impl->options = options;
  std::vector<std::string> ignored;
  const graph::Topology topology = graph::infer_topology(weights, source, &ignored);
  if (!ignored.empty()) {
    note(source + ": " + std::to_string(ignored.size()) + " profiling buffers of thop (" + ignored.front() +
         ", ...) are not weights: ignored");
  }
  impl->graph = std::make_shared<const graph::Graph>(graph::build_graph(weights, topology, source));
  impl->backend = device.is_cuda() ? make_cuda_backend(impl->graph, device, options)
                                   : make_host_backend(impl->graph, options);
  return Model(std::move(impl));
}

Device Model::device() const { return impl_->device; }
Precision Model::precision() const { return impl_->options.precision; }
int Model::num_classes() const { return impl_->graph->classes(); }
std::string Model::family() const { return graph::family_name(impl_->graph->topology.family); }
double Model::width() const { return impl_->graph->topology.width(); }

std::string Model::describe() const {
  const graph::Topology& topology = impl_->graph->topology;
  return topology.member() + ", " + std::to_string(topology.classes()) + " classes, " +
         precision_name(precision()) + " on " + device().to_string();
}

ExecutionContext Model::create_context(const Stream* stream) const {
  if (stream != nullptr && stream->device() != impl_->device && stream->device().is_cuda()) {
    fail(ErrorCode::InvalidArgument, "the stream is on " + stream->device().to_string() + " but the model is on " +
                                         impl_->device.to_string());
  }
  auto context = std::make_unique<ContextImpl>();
  context->model = impl_;
  context->executor = impl_->backend->create_executor(stream);
  return ExecutionContext(std::move(context));
}

ExecutionContext::ExecutionContext(std::unique_ptr<ContextImpl> impl) : impl_(std::move(impl)) {}
ExecutionContext::ExecutionContext(ExecutionContext&&) noexcept = default;
ExecutionContext& ExecutionContext::operator=(ExecutionContext&&) noexcept = default;
ExecutionContext::~ExecutionContext() = default;

void ExecutionContext::enqueue(const Tensor& input, Tensor& output) {
  check_io(*impl_->model, input, output);
  BusyGuard guard(impl_->busy);
  impl_->executor->enqueue(input, output);
}

void ExecutionContext::forward(const Tensor& input, Tensor& output) {
  enqueue(input, output);
  synchronize();
}

Tensor ExecutionContext::forward(const Tensor& input) {
  const int64_t batch = input.shape().empty() ? 0 : input.shape()[0];
  Tensor output = Tensor::allocate(impl_->model->device, DType::F32, {batch, impl_->model->graph->classes()},
                                   Layout::RowMajor);
  forward(input, output);
  return output;
}

const Stream& ExecutionContext::stream() const { return impl_->executor->stream(); }
void ExecutionContext::synchronize() const { impl_->executor->stream().synchronize(); }

}  // namespace ghostnet

// The host executor: op functors in parallel loops over pixels, 1x1 convolutions as GEMM,
// FP32 on all cores.
#include <cstring>
#include <memory>

#include "executors/plan_cache.h"
#include "executors/walk.h"
#include "host/isa.h"
#include "host/thread_pool.h"
#include "ops/pointwise_conv_gemm.h"
#include "runtime/backend.h"

namespace ghostnet {
namespace {

using executors::OpWeights;

// Runs a functor over pixels [begin, end), channels innermost (in spans of kSpan where the
// functor offers them) so the compiler vectorises along them.
constexpr int kSpan = 32;

template <typename F>
inline __attribute__((always_inline)) void run_pixels_body(const F& f, int64_t begin, int64_t end) {
  const int channels = f.out.shape.stored_channels;
  for (int64_t p = begin; p < end; ++p) {
    if constexpr (ops::has_spans<F>::value) {
      // Whole spans pass a constant count, so once inlined their loops have fixed trip counts
      // and the accumulators stay in registers; the remainder takes the general path.
      int c = 0;
      for (; c + kSpan <= channels; c += kSpan) f.template span<kSpan>(p, c, kSpan);
      if (c < channels) f.template span<kSpan>(p, c, channels - c);
    } else {
      GN_CHANNEL_LOOP
      for (int c = 0; c < channels; ++c) f(p, c);
    }
  }
}

template <typename F>
GN_TARGET_AVX2 void run_pixels_avx2(const F& f, int64_t begin, int64_t end) {
  run_pixels_body(f, begin, end);
}

template <typename F>
void run_pixels_baseline(const F& f, int64_t begin, int64_t end) {
  run_pixels_body(f, begin, end);
}

template <typename F>
void run_pixels(const F& f, int64_t begin, int64_t end) {
  if (host::host_isa() == host::Isa::Avx2) {
    run_pixels_avx2(f, begin, end);
  } else {
    run_pixels_baseline(f, begin, end);
  }
}

// Runs a functor over all its elements, chunks of pixels to the pool.
template <typename F>
void run_on_host(const F& f) {
  const int64_t per_chunk = std::max<int64_t>(1, 16384 / std::max(f.out.shape.stored_channels, 1));
  host::parallel_for(f.out.shape.pixels(), per_chunk, [&f](int64_t begin, int64_t end) { run_pixels(f, begin, end); });
}

struct HostOpWeights {
  std::vector<float> weight;     // as the op's functor reads them
  std::vector<float> bias;
  ops::PackedPointwise packed;  // the GEMM's, for pointwise convolutions
};

// How the host lays out each op kind's weights: as its functor reads them, or, where an
// overload names the op kind's definition, as its fast path does.
struct HostWeights {
  template <typename Kind>
  HostOpWeights operator()(Kind, const ops::ConvParams& params) const {
    return {Kind::functor_weights(params), params.bias, {}};
  }
  HostOpWeights operator()(ops::PointwiseConvOp, const ops::ConvParams& params) const {
    return {{}, {}, ops::pack_for_gemm(params)};
  }
};

// How the host runs each op kind: its functor in parallel loops, or, where an overload
// names the op kind's definition, its fast path.
class HostOps {
 public:
  explicit HostOps(const std::vector<HostOpWeights>& weights) : weights_(weights) {}

  OpWeights weights(int params) const {
    const HostOpWeights& w = weights_[std::size_t(params)];
    return {w.weight.data(), w.bias.data()};
  }

  template <typename Kind>
  void run(Kind, const graph::Op&, const ops::Operands<float>& o) const {
    Kind::run(o, [](const auto& functor) { run_on_host(functor); });
  }
  void run(ops::PointwiseConvOp, const graph::Op& op, const ops::Operands<float>& o) const {
    ops::pointwise_conv_gemm(o.input, weights_[std::size_t(op.params)].packed, o.act, o.output);
  }

 private:
  const std::vector<HostOpWeights>& weights_;
};

class HostBackend;

class HostExecutor final : public Executor {
 public:
  HostExecutor(const HostBackend& backend, Stream stream) : backend_(backend), stream_(std::move(stream)) {}
  const Stream& stream() const override { return stream_; }
  void enqueue(const Tensor& input, Tensor& output) override;
  void run_ops(const Tensor& input, Tensor& output, graph::OpRange ops) override;
  ValueReadout read_value(const Tensor& input, int value) override;

 private:
  const executors::Workspace& plan_for(const Tensor& input);

  const HostBackend& backend_;
  Stream stream_;
  executors::PlanCache<executors::Workspace> plans_;
};

class HostBackend final : public Backend {
 public:
  HostBackend(std::shared_ptr<const graph::Graph> graph, const ModelOptions& options)
      : graph_(std::move(graph)),
        options_(options),
        weights_(executors::prepare_weights<HostOpWeights>(*graph_, HostWeights{})) {}

  std::unique_ptr<Executor> create_executor(const Stream* stream) const override {
    if (stream != nullptr && stream->device().is_cuda()) {
      fail(ErrorCode::InvalidArgument, "a host model runs on the host: a stream on " + stream->device().to_string() +
                                           " cannot be used");
    }
    return std::make_unique<HostExecutor>(*this, Stream::create(Device::host()));
  }

  executors::Workspace prepare(const executors::PlanKey& key) const {
    return executors::Workspace::make(*graph_, key, Device::host(), sizeof(float));
  }

  void run(const executors::Workspace& workspace, const Tensor& input, Tensor& output, graph::OpRange range) const {
    HostOps ops(weights_);
    executors::walk<float>(*graph_, workspace, range, executors::io_of(input, output, options_), ops);
  }

  std::size_t op_count() const { return graph_->ops.size(); }

 private:
  std::shared_ptr<const graph::Graph> graph_;
  ModelOptions options_;
  std::vector<HostOpWeights> weights_;  // indexed by params id
};

const executors::Workspace& HostExecutor::plan_for(const Tensor& input) {
  const executors::PlanKey key = executors::PlanKey::of(input);
  return plans_.get(key, [&] { return backend_.prepare(key); });
}

void HostExecutor::enqueue(const Tensor& input, Tensor& output) {
  backend_.run(plan_for(input), input, output, {0, backend_.op_count()});
}

void HostExecutor::run_ops(const Tensor& input, Tensor& output, graph::OpRange ops) {
  backend_.run(plan_for(input), input, output, ops);
}

ValueReadout HostExecutor::read_value(const Tensor& input, int value) {
  const executors::Workspace& workspace = plans_.existing(executors::PlanKey::of(input));
  return executors::read_planned_value<float>(workspace, value, [](void* to, const void* from, std::size_t bytes) {
    std::memcpy(to, from, bytes);
  });
}

}  // namespace

std::unique_ptr<Backend> make_host_backend(std::shared_ptr<const graph::Graph> graph, const ModelOptions& options) {
  return std::make_unique<HostBackend>(std::move(graph), options);
}

}  // namespace ghostnet

// The host executor: op functors in parallel loops over pixels, 1x1 convolutions as GEMM,
// FP32 on all cores.
#include <memory>

#include "executors/plan_cache.h"
#include "executors/walk.h"
#include "host/isa.h"
#include "host/thread_pool.h"
#include "ops/pointwise_conv_gemm.h"
#include "ops/weights.h"
#include "runtime/backend.h"

namespace ghostnet {
namespace {

struct HostOpWeights {
  std::vector<float> channels_last;  // the functors' layout
  std::vector<float> bias;
  ops::PackedPointwise packed;      // pointwise ops only
};

// Runs a functor over pixels [begin, end), channels innermost (in spans of kSpan where the
// functor offers them) so the compiler vectorises along them.
constexpr int kSpan = 32;

template <typename F>
inline __attribute__((always_inline)) void run_pixels_body(const F& f, int64_t begin, int64_t end) {
  for (int64_t p = begin; p < end; ++p) {
    if constexpr (ops::has_spans<F>::value) {
      // Whole spans pass a constant count, so once inlined their loops have fixed trip counts
      // and the accumulators stay in registers; the remainder takes the general path.
      int c = 0;
      for (; c + kSpan <= f.channels; c += kSpan) f.template span<kSpan>(p, c, kSpan);
      if (c < f.channels) f.template span<kSpan>(p, c, f.channels - c);
    } else {
      GN_CHANNEL_LOOP
      for (int c = 0; c < f.channels; ++c) f(p, c);
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
  const int64_t per_chunk = std::max<int64_t>(1, 16384 / std::max(f.channels, 1));
  host::parallel_for(f.pixels, per_chunk, [&f](int64_t begin, int64_t end) { run_pixels(f, begin, end); });
}

struct HostPlan {
  graph::Plan plan;
  Tensor workspace;
};

class HostBackend;

class HostExecutor final : public Executor {
 public:
  HostExecutor(const HostBackend& backend, Stream stream) : backend_(backend), stream_(std::move(stream)) {}
  const Stream& stream() const override { return stream_; }
  void enqueue(const Tensor& input, Tensor& output) override;

 private:
  const HostBackend& backend_;
  Stream stream_;
  PlanCache<HostPlan> plans_;
};

class HostBackend final : public Backend {
 public:
  HostBackend(std::shared_ptr<const graph::Graph> graph, const ModelOptions& options)
      : graph_(std::move(graph)), options_(options) {
    for (const graph::Op& op : graph_->ops) {
      if (op.params < 0) continue;
      const ops::ConvParams& p = graph_->params[std::size_t(op.params)];
      weights_.resize(std::max(weights_.size(), std::size_t(op.params) + 1));
      HostOpWeights& w = weights_[std::size_t(op.params)];
      if (op.kind == graph::OpKind::Pointwise) {
        w.packed = ops::pack_for_gemm(p);
      } else {
        w.channels_last = ops::channels_last_weights(p);
        w.bias = p.bias;
      }
    }
  }

  std::unique_ptr<Executor> create_executor(const Stream* stream) const override {
    if (stream != nullptr && stream->device().is_cuda()) {
      fail(ErrorCode::InvalidArgument, "a host model runs on the host: a stream on " + stream->device().to_string() +
                                           " cannot be used");
    }
    return std::make_unique<HostExecutor>(*this, Stream::create(Device::host()));
  }

  void run(HostPlan& prepared, const Tensor& input, Tensor& output) const {
    graph::Io io{input.data(), input.dtype(), input.layout() == Layout::NCHW, static_cast<float*>(output.data())};
    auto weights = [this](int params) {
      const HostOpWeights& w = weights_[std::size_t(params)];
      return graph::OpWeights{w.channels_last.data(), w.bias.data()};
    };
    auto launch = [](const auto& functor) { run_on_host(functor); };
    auto pointwise = [this](const graph::Op& op, const float* in, float* out, int64_t pixels) {
      ops::pointwise_conv_gemm(in, pixels, weights_[std::size_t(op.params)].packed, op.act, out);
    };
    graph::walk<float>(*graph_, prepared.plan, {0, graph_->ops.size()}, static_cast<char*>(prepared.workspace.data()),
                       io, options_, weights, launch, pointwise);
  }

  HostPlan prepare(const PlanKey& key) const {
    HostPlan prepared{graph::make_plan(*graph_, key.batch, key.height, key.width, sizeof(float)), Tensor()};
    prepared.workspace = Tensor::allocate(Device::host(), DType::U8, {int64_t(prepared.plan.workspace_bytes)},
                                          Layout::RowMajor);
    return prepared;
  }

 private:
  std::shared_ptr<const graph::Graph> graph_;
  ModelOptions options_;
  std::vector<HostOpWeights> weights_;  // indexed by params id
};

void HostExecutor::enqueue(const Tensor& input, Tensor& output) {
  const PlanKey key = PlanKey::of(input);
  HostPlan& prepared = plans_.get(key, [&] { return backend_.prepare(key); });
  backend_.run(prepared, input, output);
}

}  // namespace

std::unique_ptr<Backend> make_host_backend(std::shared_ptr<const graph::Graph> graph, const ModelOptions& options) {
  return std::make_unique<HostBackend>(std::move(graph), options);
}

}  // namespace ghostnet

// The host executor: FP32 on the CPU's cores (the GEMM in BF16 where asked and the CPU's
// BF16 engine is AVX512_BF16: host::host_bf16_engine()), each op on its fast path where it has one (ops/*_host.h,
// ops/pointwise_conv_gemm.h), else its functor in parallel loops.
//
// A batch is split across the threads one of two ways. At least one image per thread: the
// images go in passes of kImagesPerPass, and each thread takes passes in turn until none is
// left, running every op of a pass single-threaded in a workspace of its own, which keeps
// the pass's activations in the core's caches and costs no synchronisation between ops. A
// core that runs slower (a busy neighbour, say) then takes fewer passes instead of holding
// up the others. Fewer images: each op is split across the threads.
// Each output element's arithmetic is the same either way, so an image's logits do not
// depend on the batch it came in or on the number of threads. Forward passes running at
// once share the cores (host::CoreLease).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/verbose.h"
#include "executors/host_ops.h"
#include "executors/plan_cache.h"
#include "executors/walk.h"
#include "host/isa.h"
#include "host/thread_pool.h"
#include "runtime/backend.h"

namespace ghostnet {
namespace {

using executors::HostOps;
using executors::HostOpWeights;
using executors::HostWeights;

// How many images a thread computes together when a batch is split across threads: enough
// that each weight read from memory serves several images, few enough that their
// activations stay in the core's caches.
constexpr int64_t kImagesPerPass = 2;

// Whether a model's GEMM runs in BF16: asked for, and the CPU's BF16 engine (chosen when the
// model is made) its AVX512_BF16 kernels. Elsewhere a BF16 model runs FP32's kernels.
bool runs_bf16_kernels(const ModelOptions& options) {
  if (options.precision != Precision::BF16) return false;
  const host::Bf16Engine engine = host::host_bf16_engine();
  note(std::string("bf16 on the host runs on ") + host::bf16_engine_name(engine) +
       (engine == host::Bf16Engine::Fp32 ? ": this CPU's AVX512_BF16 would be slower than FP32 (its logits are FP32's)"
                                         : ""));
  return engine == host::Bf16Engine::Avx512Bf16;
}

// A thread's workspace for passes: kImagesPerPass images in `pass`; the batch's last pass,
// when it has fewer, in `last`, which uses the same memory.
struct PassSlot {
  executors::Workspace pass;
  executors::Workspace last;
};

// What the forward passes of one input shape need. A batch split into passes runs them in
// the slots, one per thread, up to the head (the ops on pooled features, whose weights are
// most of the model's), which then runs on the whole batch, so that each of its weights is
// read once. A batch not split runs in `whole`, a layer at a time on every thread.
struct HostPlan {
  int64_t per_pass = 0;
  int64_t passes = 0;
  std::vector<PassSlot> slots;
  executors::Workspace head;
  executors::Workspace whole;
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
  const HostBackend& backend_;
  Stream stream_;
  executors::PlanCache<HostPlan> plans_;
  // For run_ops: the whole batch a layer at a time, so that every value can be read back.
  executors::PlanCache<executors::Workspace> op_plans_;
};

class HostBackend final : public Backend {
 public:
  HostBackend(std::shared_ptr<const graph::Graph> graph, const ModelOptions& options)
      : graph_(std::move(graph)),
        options_(options),
        threads_(options.threads > 0 ? std::min(options.threads, host::available_cores()) : host::available_cores()),
        weights_(executors::prepare_weights<HostOpWeights>(*graph_, HostWeights{runs_bf16_kernels(options)})),
        head_(head_of(*graph_)) {}

  std::unique_ptr<Executor> create_executor(const Stream* stream) const override {
    if (stream != nullptr && stream->device().is_cuda()) {
      fail(ErrorCode::InvalidArgument, "a host model runs on the host: a stream on " + stream->device().to_string() +
                                           " cannot be used");
    }
    return std::make_unique<HostExecutor>(*this, Stream::create(Device::host()));
  }

  HostPlan prepare(const executors::PlanKey& key) const {
    // Making the whole batch's plan first refuses a batch too large for the kernels.
    graph::make_plan(*graph_, key.batch, key.height, key.width, sizeof(float));
    HostPlan plan;
    // A batch of at least one image per thread is split into passes (with one thread, a
    // batch larger than one pass is too); fewer images run a layer at a time on every thread.
    const bool split = key.batch >= threads_ && (threads_ > 1 || key.batch > kImagesPerPass);
    if (!split) {
      plan.whole = make_workspace(key, key.batch, all());
      return plan;
    }
    plan.per_pass = std::min(kImagesPerPass, key.batch / threads_);
    plan.passes = (key.batch + plan.per_pass - 1) / plan.per_pass;
    const int64_t last = key.batch % plan.per_pass;
    for (int t = 0; t < threads_; ++t) {
      PassSlot slot{make_workspace(key, plan.per_pass, body()), {}};
      if (last > 0) {
        slot.last = executors::Workspace::within(slot.pass, *graph_, batch_of(key, last), sizeof(float), body());
      }
      plan.slots.push_back(std::move(slot));
    }
    if (has_head()) plan.head = make_workspace(key, key.batch, head());
    return plan;
  }

  executors::Workspace prepare_whole(const executors::PlanKey& key) const { return make_workspace(key, key.batch, all()); }

  void run_ops(const executors::Workspace& workspace, const Tensor& input, Tensor& output, graph::OpRange ops) const {
    const host::CoreLease lease(threads_);
    HostOps host_ops(weights_, lease.cores());
    executors::walk<float>(*graph_, workspace, ops, executors::io_of(input, output, options_), host_ops);
  }

  void run(const HostPlan& plan, const Tensor& input, Tensor& output) const {
    // While other contexts' forward passes hold cores, this one runs on fewer threads: the
    // same work, split the same way, and the same bits.
    const host::CoreLease lease(threads_);
    const ops::Io io = executors::io_of(input, output, options_);
    if (plan.passes == 0) {
      walk(plan.whole, io, lease.cores(), all());
      return;
    }
    const int64_t image_bytes = int64_t(input.bytes()) / input.shape()[0];
    const int64_t batch = input.shape()[0];
    const int classes = graph_->classes();
    // The images [first, first + count) of the batch.
    auto images = [&](int64_t first) {
      ops::Io part = io;
      part.input = static_cast<const char*>(io.input) + first * image_bytes;
      part.output = io.output + first * classes;
      return part;
    };
    // Each slot's thread takes the next pass until none is left.
    std::atomic<int64_t> next{0};
    host::parallel_for(int64_t(lease.cores()), 1, lease.cores(), [&](int64_t begin, int64_t end) {
      for (int64_t s = begin; s < end; ++s) {
        const PassSlot& slot = plan.slots[std::size_t(s)];
        for (int64_t p = next.fetch_add(1); p < plan.passes; p = next.fetch_add(1)) {
          const int64_t first = p * plan.per_pass;
          const executors::Workspace& pass = batch - first >= plan.per_pass ? slot.pass : slot.last;
          walk(pass, images(first), 1, body());
          if (has_head()) hand_to_head(pass, plan.head, first);
        }
      }
    });
    if (has_head()) walk(plan.head, io, lease.cores(), head());
  }

 private:
  // The first op of the head: the ops after the last op that pools images, when they read
  // nothing from before it but the pooled features; else the end (each pass then runs
  // every op).
  static std::size_t head_of(const graph::Graph& graph) {
    std::size_t pool = graph.ops.size();
    for (std::size_t i = 0; i < graph.ops.size(); ++i) {
      if (ops::visit_op(graph.ops[i].kind, [](auto kind) { return decltype(kind)::kPoolsImage; })) pool = i;
    }
    if (pool == graph.ops.size()) return pool;
    std::vector<bool> known(graph.values.size(), false);
    known[std::size_t(graph.ops[pool].output)] = true;
    for (std::size_t i = pool + 1; i < graph.ops.size(); ++i) {
      const graph::Op& op = graph.ops[i];
      for (int v : {op.input, op.residual, op.gates}) {
        if (v >= 0 && !known[std::size_t(v)]) return graph.ops.size();
      }
      if (op.output >= 0) known[std::size_t(op.output)] = true;
    }
    return pool + 1;
  }

  bool has_head() const { return head_ < graph_->ops.size(); }
  graph::OpRange all() const { return {0, graph_->ops.size()}; }
  graph::OpRange body() const { return {0, head_}; }
  graph::OpRange head() const { return {head_, graph_->ops.size()}; }

  // Copies the pooled features of a pass's images to their place in the head's workspace,
  // behind the `first` images before them.
  void hand_to_head(const executors::Workspace& pass, const executors::Workspace& head, int64_t first) const {
    const std::size_t features = std::size_t(graph_->ops[head_ - 1].output);
    const graph::PlannedValue& from = pass.plan.values[features];
    const graph::PlannedValue& to = head.plan.values[features];
    const std::size_t per_image = from.bytes / std::size_t(from.geometry.batch);
    std::memcpy(head.data() + to.offset + std::size_t(first) * per_image, pass.data() + from.offset,
                from.bytes);
  }

  executors::Workspace make_workspace(const executors::PlanKey& key, int64_t batch, graph::OpRange ops) const {
    return executors::Workspace::make(*graph_, batch_of(key, batch), Device::host(), sizeof(float), ops);
  }

  static executors::PlanKey batch_of(executors::PlanKey key, int64_t batch) {
    key.batch = batch;
    return key;
  }

  void walk(const executors::Workspace& workspace, const ops::Io& io, int threads, graph::OpRange range) const {
    HostOps ops(weights_, threads);
    executors::walk<float>(*graph_, workspace, range, io, ops);
  }

  std::shared_ptr<const graph::Graph> graph_;
  ModelOptions options_;
  int threads_;
  std::vector<HostOpWeights> weights_;  // indexed by params id
  std::size_t head_;  // see head_of
};

void HostExecutor::enqueue(const Tensor& input, Tensor& output) {
  const executors::PlanKey key = executors::PlanKey::of(input);
  const HostPlan& plan = plans_.get(key, [&] { return backend_.prepare(key); });
  backend_.run(plan, input, output);
}

void HostExecutor::run_ops(const Tensor& input, Tensor& output, graph::OpRange ops) {
  const executors::PlanKey key = executors::PlanKey::of(input);
  backend_.run_ops(op_plans_.get(key, [&] { return backend_.prepare_whole(key); }), input, output, ops);
}

ValueReadout HostExecutor::read_value(const Tensor& input, int value) {
  const executors::Workspace& workspace = op_plans_.existing(executors::PlanKey::of(input));
  return executors::read_planned_value<float>(workspace, value,
                                              [](void* to, const void* from, std::size_t bytes) {
                                                std::memcpy(to, from, bytes);
                                              });
}

}  // namespace

std::unique_ptr<Backend> make_host_backend(std::shared_ptr<const graph::Graph> graph, const ModelOptions& options) {
  return std::make_unique<HostBackend>(std::move(graph), options);
}

}  // namespace ghostnet

// How the host runs each op kind: on its fast path where it has one (ops/*_host.h,
// ops/pointwise_conv_gemm.h), else its functor in parallel loops over pixels; and how it
// lays out each op kind's weights for that.
#pragma once

#include <algorithm>
#include <vector>

#include "executors/walk.h"
#include "host/isa.h"
#include "host/thread_pool.h"
#include "ops/dense_conv_host.h"
#include "ops/depthwise_conv_host.h"
#include "ops/gate_host.h"
#include "ops/ghost_cheap_host.h"
#include "ops/input_host.h"
#include "ops/pointwise_conv_gemm.h"

namespace ghostnet::executors {

// Runs a functor over pixels [begin, end), channels innermost (in spans of kSpan where the
// functor offers them) so the compiler vectorises along them.
constexpr int kSpan = 32;

template <typename F>
GN_ALWAYS_INLINE void run_pixels(const F& f, int64_t begin, int64_t end) {
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

// Runs a functor over all its elements, chunks of pixels on up to `threads` threads.
template <typename F>
void run_on_host(const F& f, int threads) {
  const int64_t per_chunk = std::max<int64_t>(1, 16384 / std::max(f.out.shape.stored_channels, 1));
  host::parallel_for(f.out.shape.pixels(), per_chunk, threads, [&f](int64_t begin, int64_t end) {
    host::with_host_isa([&](auto) GN_INLINED_LAMBDA { run_pixels(f, begin, end); });
  });
}

struct HostOpWeights {
  std::vector<float> weight;     // as the op's functor (or fast path) reads them
  std::vector<float> bias;
  ops::PackedPointwise packed;  // the GEMM's, for pointwise convolutions
};

// How the host lays out each op kind's weights: as its functor reads them, or, where an
// overload names the op kind's definition, as its fast path does. The GEMM's weights are
// BFloat16 when `bf16`: everything else computes in FP32 either way.
struct HostWeights {
  bool bf16 = false;

  template <typename Kind>
  HostOpWeights operator()(Kind, const ops::ConvParams& params) const {
    return {Kind::functor_weights(params), params.bias, {}};
  }
  HostOpWeights operator()(ops::PointwiseConvOp, const ops::ConvParams& params) const {
    return {{}, {}, ops::pack_for_gemm(params, bf16)};
  }
  HostOpWeights operator()(ops::DenseOp, const ops::ConvParams& params) const {
    return {{}, {}, ops::pack_for_gemm(params, bf16)};
  }
};

// How the host runs each op kind on up to `threads` threads: its functor in parallel
// loops, or, where an overload names the op kind's definition, its fast path.
class HostOps {
 public:
  HostOps(const std::vector<HostOpWeights>& weights, int threads) : weights_(weights), threads_(threads) {}

  OpWeights weights(int params) const {
    const HostOpWeights& w = weights_[std::size_t(params)];
    return {w.weight.data(), w.bias.data()};
  }

  template <typename Kind>
  void run(Kind, const graph::Op&, const ops::Operands<float>& o) const {
    const int threads = threads_for(double(o.output.shape.pixels()) * o.output.shape.stored_channels);
    Kind::run(o, [threads](const auto& functor) { run_on_host(functor, threads); });
  }
  void run(ops::PointwiseConvOp, const graph::Op& op, const ops::Operands<float>& o) const { gemm(op, o); }
  // Squeeze-excite's fully connected layers are a GEMM too: one row per image.
  void run(ops::DenseOp, const graph::Op& op, const ops::Operands<float>& o) const { gemm(op, o); }
  void run(ops::InputOp, const graph::Op&, const ops::Operands<float>& o) const {
    ops::input_host(o, threads_for(double(o.output.shape.pixels()) * o.output.shape.stored_channels));
  }
  void run(ops::DepthwiseConvOp, const graph::Op&, const ops::Operands<float>& o) const {
    const int taps = o.window.kernel_h * o.window.kernel_w;
    ops::depthwise_conv_host(o, threads_for(double(o.output.shape.pixels()) * o.output.shape.stored_channels * taps));
  }
  void run(ops::GhostCheapOp, const graph::Op&, const ops::Operands<float>& o) const {
    const int taps = o.window.kernel_h * o.window.kernel_w;
    ops::ghost_cheap_host(o, threads_for(double(o.output.shape.pixels()) * o.output.shape.stored_channels * taps));
  }
  void run(ops::DenseConvOp, const graph::Op&, const ops::Operands<float>& o) const {
    const int taps = o.window.kernel_h * o.window.kernel_w;
    ops::dense_conv_host(o, threads_for(double(o.output.shape.pixels()) * o.output.shape.stored_channels *
                                        o.input.shape.stored_channels * taps));
  }
  void run(ops::GateOp, const graph::Op&, const ops::Operands<float>& o) const {
    ops::gate_host(o, threads_for(double(o.output.shape.pixels()) * o.output.shape.stored_channels));
  }

 private:
  // An op of less work than this (multiply-adds, or elements moved) runs on one thread: split,
  // it would gain less than the threads' meeting costs, above all where a virtual machine
  // pauses a thread now and then and every op waits for the slowest.
  static constexpr double kWorkWorthSplitting = 1 << 20;

  int threads_for(double work) const { return work < kWorkWorthSplitting ? 1 : threads_; }

  void gemm(const graph::Op& op, const ops::Operands<float>& o) const {
    const ops::PackedPointwise& packed = weights_[std::size_t(op.params)].packed;
    const double work = double(o.output.shape.pixels()) * packed.in_channels * packed.out_channels;
    ops::pointwise_conv_gemm(o.input, packed, o.act, o.output, threads_for(work));
  }

  const std::vector<HostOpWeights>& weights_;
  int threads_;
};

}  // namespace ghostnet::executors

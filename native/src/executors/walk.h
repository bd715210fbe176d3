// Running the graph, shared by every executor: for each op, the functor it becomes with
// the plan's buffers. An executor supplies only how to launch a functor (parallel loops
// on the host, a grid-stride kernel on a GPU), how to run a pointwise convolution (its
// engine), and where each op's weights live on its device.
#pragma once

#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "graph/graph.h"
#include "graph/plan.h"
#include "ops/bias_act.h"
#include "ops/channel_scale.h"
#include "ops/dense.h"
#include "ops/dense_conv.h"
#include "ops/depthwise_conv.h"
#include "ops/ghost_cheap.h"
#include "ops/global_pool.h"
#include "ops/input_layout.h"
#include "ops/to_float.h"

namespace ghostnet::graph {

// An op's weights on the executor's device: channels-last float for the functors.
struct OpWeights {
  const float* weight = nullptr;
  const float* bias = nullptr;
};

// What the caller handed in for one forward pass.
struct Io {
  const void* input = nullptr;
  DType input_dtype = DType::F32;
  bool input_nchw = true;
  float* output = nullptr;
};

// The per-channel affine map of the input op: uint8 images are normalised, float input
// is taken as already normalised.
inline void input_affine(DType dtype, const ModelOptions& options, float scale[4], float shift[4]) {
  for (int c = 0; c < 4; ++c) {
    const bool image = dtype == DType::U8 && c < 3;
    scale[c] = image ? 1.0f / (255.0f * options.std[std::size_t(c)]) : 1.0f;
    shift[c] = image ? -options.mean[std::size_t(c)] / options.std[std::size_t(c)] : 0.0f;
  }
}

// A range of op indices: the GPU executor runs the input and output ops around a captured
// CUDA graph of the ones between.
struct OpRange {
  std::size_t begin;
  std::size_t end;
};

// Runs the ops of `graph` in `range`, in order. T is the activation type;
// `weights(params_id)` gives OpWeights; `launch(functor)` runs a functor over all its
// elements; `pointwise(op, in, out, pixels)` runs a 1x1 convolution.
template <typename T, typename Weights, typename Launch, typename Pointwise>
void walk(const Graph& graph, const Plan& plan, OpRange range, char* workspace, const Io& io,
          const ModelOptions& options, Weights&& weights, Launch&& launch, Pointwise&& pointwise) {
  auto at = [&](int value) { return reinterpret_cast<T*>(workspace + plan.values[std::size_t(value)].offset); };
  auto shape = [&](int value) -> const ValueShape& { return plan.values[std::size_t(value)]; };
  for (std::size_t i = range.begin; i < range.end; ++i) {
    const Op& op = graph.ops[i];
    const OpWeights w = op.params >= 0 ? weights(op.params) : OpWeights{};
    const int kernel = op.params >= 0 ? graph.params[std::size_t(op.params)].kernel : 1;
    const ops::Window window{kernel, op.stride, kernel / 2};
    switch (op.kind) {
      case OpKind::Input: {
        const ValueShape& out = shape(op.output);
        auto make = [&](auto* in) {
          using In = std::remove_const_t<std::remove_pointer_t<decltype(in)>>;
          ops::InputLayout<In, T> f{in, at(op.output), out.pixels(), out.channels, int64_t(out.height) * out.width,
                                    io.input_nchw, {}, {}};
          input_affine(io.input_dtype, options, f.scale, f.shift);
          launch(f);
        };
        if (io.input_dtype == DType::U8) {
          make(static_cast<const uint8_t*>(io.input));
        } else {
          make(static_cast<const float*>(io.input));
        }
        break;
      }
      case OpKind::DenseConv: {
        const ValueShape &in = shape(op.input), &out = shape(op.output);
        launch(ops::DenseConv<T>{at(op.input), w.weight, w.bias, at(op.output), out.pixels(), out.channels,
                                 in.channels, in.height, in.width, out.height, out.width, window, op.act});
        break;
      }
      case OpKind::Pointwise:
        pointwise(op, at(op.input), at(op.output), shape(op.output).pixels());
        break;
      case OpKind::GhostCheap: {
        const ValueShape &in = shape(op.input), &out = shape(op.output);
        const T* residual = op.residual >= 0 ? at(op.residual) : nullptr;
        launch(ops::GhostCheap<T>{at(op.input), w.weight, w.bias, residual, at(op.output), out.pixels(),
                                  out.channels, graph.values[std::size_t(op.output)].channels,
                                  graph.values[std::size_t(op.input)].channels, in.channels, out.height, out.width,
                                  window, op.act});
        break;
      }
      case OpKind::Depthwise: {
        const ValueShape &in = shape(op.input), &out = shape(op.output);
        launch(ops::DepthwiseConv<T>{at(op.input), w.weight, w.bias, at(op.output), out.pixels(), out.channels,
                                     in.height, in.width, out.height, out.width, window, op.act});
        break;
      }
      case OpKind::GlobalPool: {
        const ValueShape& in = shape(op.input);
        launch(ops::GlobalAveragePool<T>{at(op.input), at(op.output), in.batch, in.channels,
                                         int64_t(in.height) * in.width});
        break;
      }
      case OpKind::Dense: {
        const ValueShape &in = shape(op.input), &out = shape(op.output);
        launch(ops::Dense<T>{at(op.input), w.weight, w.bias, at(op.output), out.batch, out.channels, in.channels,
                             op.act});
        break;
      }
      case OpKind::ChannelScale: {
        const ValueShape& x = shape(op.input);
        launch(ops::ChannelScale<T>{at(op.input), at(op.gates), x.pixels(), x.channels,
                                    int64_t(x.height) * x.width});
        break;
      }
      case OpKind::Output: {
        const ValueShape& in = shape(op.input);
        launch(ops::ToFloat<T>{at(op.input), io.output, in.pixels(), graph.classes(), in.channels});
        break;
      }
    }
  }
}

}  // namespace ghostnet::graph

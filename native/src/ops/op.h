// What an op kind is: a functor and the rules the graph, the plan and the executors ask of
// it. Each op kind is one definition beside its functor (ops/depthwise_conv.h, say):
//
//   struct DepthwiseConvOp : OpDefaults {
//     static constexpr const char* kName = "depthwise_conv";        // for reports
//     static Size output_size(const Window&, Size input);            // the shape rule
//     static std::vector<float> functor_weights(const ConvParams&);  // the weight layout
//     template <typename T, typename Launch>                         // the binding
//     static void run(const Operands<T>&, Launch&& launch);
//   };
//
// What a definition does not say, it takes from OpDefaults. ops/registry.h lists them all.
// `run` binds the functor from the op's Operands and hands it to `launch`, the executor's
// way of running a functor over its elements; an executor with a fast path for an op kind
// (ops/pointwise_conv_gemm.h, say) runs that instead, and tests hold it to the functor.
#pragma once

#include <array>
#include <vector>

#include "ghostnet/dtype.h"
#include "ops/activation.h"
#include "ops/common.h"
#include "ops/weights.h"

namespace ghostnet::ops {

// What the caller handed in for one forward pass: the input op reads it, the output op
// writes it.
struct Io {
  const void* input = nullptr;  // [N, 3, H, W] or [N, H, W, 3]
  DType input_dtype = DType::F32;
  bool input_nchw = true;
  std::array<float, 3> mean{};  // what normalises uint8 input
  std::array<float, 3> std{};
  float* output = nullptr;      // [N, classes]
};

// Everything one op runs with: its tensors in the workspace, its weights on the executor's
// device, its attributes.
template <typename T>
struct Operands {
  View<const T> input;            // none for the input op, which reads Io::input
  View<T> output;                 // none for the output op, which writes Io::output
  View<const T> residual;         // added to the output; data is null when there is none
  View<const T> gates;            // per image and channel, for squeeze-excite's scaling
  const float* weight = nullptr;  // as the op's functor_weights lays them out
  const float* bias = nullptr;    // one per stored output channel
  Window window;                  // the kernel and stride, "same" padding
  Act act = Act::None;
  const Io* io = nullptr;
};

// The output and input channel counts of an op's weights.
struct WeightChannels {
  int out = 0;
  int in = 0;
};

// The rules an op kind follows unless its definition says otherwise.
struct OpDefaults {
  // The shape rule: the output's height and width are the input's.
  static Size output_size(const Window&, Size input) { return input; }

  // The channel padding rule (graph/channel_padding.h): the output stores its channels
  // rounded up to the multiple...
  static int stored_channels(int channels, int multiple) { return (channels + multiple - 1) / multiple * multiple; }
  // ...and the weights grow to the stored channels of the output and the input.
  static WeightChannels padded_weights(int stored_out, int stored_in) { return {stored_out, stored_in}; }

  // The weight layout the functor reads: it has no weights.
  static std::vector<float> functor_weights(const ConvParams&) { return {}; }

  // Whether the op pools each image to one pixel: what comes after works on features.
  static constexpr bool kPoolsImage = false;
};

}  // namespace ghostnet::ops

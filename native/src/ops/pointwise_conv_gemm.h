// The pointwise convolution's fast path on the host: a GEMM over NHWC activations,
// out[pixel][o] = act(bias[o] + sum_k in[pixel][k] * weight[o][k]).
#pragma once

#include <cstdint>
#include <vector>

#include "ops/common.h"
#include "ops/weights.h"

namespace ghostnet::ops {

// Weights packed once at load into panels of kPanel output channels, [panel][k][kPanel],
// zero-padded, so the inner loop reads them contiguously.
constexpr int kPanel = 16;

struct PackedPointwise {
  int in_channels = 0;
  int out_channels = 0;
  std::vector<float> panels;  // [ceil(out / kPanel)][in_channels][kPanel]
  std::vector<float> bias;    // padded to a whole panel
};

PackedPointwise pack_for_gemm(const ConvParams& params);

// The operands of PointwiseConv<float>, with the weights packed: `in` stores
// weights.in_channels per pixel and `out` weights.out_channels. Runs on all cores.
void pointwise_conv_gemm(View<const float> in, const PackedPointwise& weights, Act act, View<float> out);

}  // namespace ghostnet::ops

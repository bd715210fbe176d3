// The pointwise convolution's fast path on the host: a GEMM over NHWC activations,
// out[pixel][o] = act(bias[o] + sum_k in[pixel][k] * weight[o][k]).
#pragma once

#include <cstdint>
#include <vector>

#include "host/isa.h"
#include "ops/common.h"
#include "ops/weights.h"

namespace ghostnet::ops {

// Weights packed once at load into panels of `panel` output channels, [panel][k][panel
// width], zero-padded, so that the inner loop reads them contiguously. The panel is two
// vectors wide for the instruction set packed for.
struct PackedPointwise {
  host::Isa isa = host::Isa::Baseline;
  int panel = 0;
  int in_channels = 0;
  int out_channels = 0;
  std::vector<float> panels;  // [ceil(out / panel)][in_channels][panel]
  std::vector<float> bias;    // padded to a whole panel
};

// Packs for the instruction set the host kernels run with (host::host_isa()).
PackedPointwise pack_for_gemm(const ConvParams& params);

// The operands of PointwiseConv<float>, with the weights packed: `in` stores
// weights.in_channels per pixel and `out` weights.out_channels. Runs on up to `threads`
// threads; each output element's arithmetic is the same whatever the thread count.
void pointwise_conv_gemm(View<const float> in, const PackedPointwise& weights, Act act, View<float> out, int threads);

}  // namespace ghostnet::ops

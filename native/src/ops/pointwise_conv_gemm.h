// The pointwise convolution's fast path on the host: a GEMM over NHWC activations,
// out[pixel][o] = act(bias[o] + sum_k in[pixel][k] * weight[o][k]).
//
// In FP32 (pointwise_conv_gemm.cpp) for every instruction set; in BF16
// (pointwise_conv_gemm_bf16.cpp) on CPUs with AVX512_BF16, where the weights are stored as
// bfloat16, each tile of input rows is rounded to bfloat16 once, and products of bfloat16
// pairs are summed in FP32.
#pragma once

#include <cstdint>
#include <vector>

#include "host/isa.h"
#include "ops/activation.h"
#include "ops/common.h"
#include "ops/weights.h"

namespace ghostnet::ops {

// Weights packed once at load into panels of `panel` output channels, zero-padded, so that
// the inner loop reads them contiguously: two vectors wide for the instruction set packed
// for. FP32 panels are [k][panel]; BF16 panels are [k / 2][panel][2], each pair of
// neighbouring k side by side as the bfloat16 dot product reads them.
struct PackedPointwise {
  host::Isa isa = host::Isa::Baseline;
  bool bf16 = false;
  int panel = 0;
  int in_channels = 0;
  int out_channels = 0;
  std::vector<float> panels;          // FP32: [ceil(out / panel)][in_channels][panel]
  std::vector<uint16_t> bf16_panels;  // BF16: [ceil(out / panel)][ceil(in_channels / 2)][panel][2]
  std::vector<float> bias;            // padded to a whole panel
};

// Packs for the instruction set the host kernels run with (host::host_isa()), in BF16 when
// `bf16` (which needs host::cpu_has_avx512_bf16(), and at most kMaxBf16Channels inputs).
PackedPointwise pack_for_gemm(const ConvParams& params, bool bf16);

// The operands of PointwiseConv<float>, with the weights packed: `in` holds
// weights.in_channels of every pixel and `out` weights.out_channels. Runs on up to `threads`
// threads; each output element's arithmetic is the same whatever the thread count.
void pointwise_conv_gemm(View<const float> in, const PackedPointwise& weights, Act act, View<float> out, int threads);

}  // namespace ghostnet::ops

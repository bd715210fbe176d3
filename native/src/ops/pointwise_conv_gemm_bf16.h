// The BF16 half of the host GEMM (pointwise_conv_gemm.h), for CPUs with AVX512_BF16.
#pragma once

#include <cstdint>

#include "ops/pointwise_conv_gemm.h"

namespace ghostnet::ops {

// Input channels rounded up to even: a bfloat16 dot product takes k in pairs.
inline int even_channels(int k) { return (k + 1) / 2 * 2; }

// The most input channels the BF16 GEMM takes: a tile of rows rounded to bfloat16 lives on
// the stack (GhostNet up to width 2.1 needs at most 2048).
constexpr int kMaxBf16Channels = 2048;

// Rows [0, rows) of `in` (in_stride floats from one row to the next) times panels
// [first, last) of the weights, into `out` (out_stride floats apart). Each tile of rows is
// rounded to bfloat16 once, then multiplied by every panel.
void gemm_bf16_rows(const float* in, int64_t in_stride, int64_t rows, const PackedPointwise& weights, int first,
                    int last, Act act, float* out, int64_t out_stride);

}  // namespace ghostnet::ops

// The BF16 half of the host GEMM (pointwise_conv_gemm.h), for CPUs with AVX512_BF16.
#pragma once

#include <cstdint>

#include "ops/pointwise_conv_gemm.h"

namespace ghostnet::ops {

// Input channels rounded up to even: a bfloat16 dot product takes k in pairs.
inline int even_channels(int k) { return (k + 1) / 2 * 2; }

// Rounds rows [0, rows) of `in` (in_stride floats apart) to bfloat16, nearest even, each
// row padded with a zero to even_channels(k).
void round_rows_to_bf16(const float* in, int64_t rows, int64_t in_stride, int k, uint16_t* out);

// Rows [0, rows) of `in` (rounded by round_rows_to_bf16) times panels [first, last) of the
// weights, into `out` (out_stride floats from one row to the next).
void gemm_bf16_rows(const uint16_t* in, int64_t rows, const PackedPointwise& weights, int first, int last, Act act,
                    float* out, int64_t out_stride);

}  // namespace ghostnet::ops

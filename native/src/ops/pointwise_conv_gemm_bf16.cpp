#include "ops/pointwise_conv_gemm_bf16.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "ops/activation_host.h"

namespace ghostnet::ops {
namespace {

#define GN_BF16_INLINE GN_TARGET_AVX512_BF16 inline __attribute__((always_inline))

// Rows of a micro-tile: 12 rows x 2 vectors of 16 sums fill 24 of AVX-512's 32 registers,
// beside a panel's two vectors and a broadcast input pair.
constexpr int kTileRows = 12;
constexpr int kPanel = 32;  // two vectors of 16 output channels

// A pair of neighbouring bfloat16 inputs, repeated across a vector.
GN_BF16_INLINE __m512bh broadcast_pair(const uint16_t* pair) {
  int32_t bits;
  std::memcpy(&bits, pair, sizeof bits);
  return (__m512bh)_mm512_set1_epi32(bits);
}

struct Tile {
  const uint16_t* in;  // the tile's first row
  int64_t in_stride;   // bfloat16 values from one row to the next: even_channels(k)
  const uint16_t* panel;  // [k / 2][kPanel][2]
  const float* bias;      // [kPanel]
  int pairs;              // k / 2, rounded up
  float* out;             // the tile's first row, at the panel's first column
  int64_t out_stride;
  int columns;            // of the panel's kPanel that exist
};

// R rows times the panel's first 16 * Z + 8 * Y columns (Z whole vectors of 16, then Y of 8):
// out = A(bias + in . panel). A panel's last 8 columns or fewer take a half-width vector,
// which costs AMD's Zen 4 half a full one (it splits 512-bit work in two) and others no more,
// so narrow layers (8, 24, 36 outputs) do not spend their time on columns that do not exist.
//
// The accumulators are set up and written out by folds over their indices rather than by loops
// (host/simd.h's `unrolled` says why: GCC 10 would keep them in memory too).
template <int Z, int R, int... W, int... H>
GN_BF16_INLINE void start(__m512 (&whole)[R][Z > 0 ? Z : 1], __m256 (&half)[R], const float* bias,
                          std::integer_sequence<int, W...>, std::integer_sequence<int, H...>) {
  ((whole[W / Z][W % Z] = _mm512_loadu_ps(bias + 16 * (W % Z))), ...);
  ((half[H] = _mm256_loadu_ps(bias + 16 * Z)), ...);
}

template <Act A, int Z, int R, int... W, int... H>
GN_BF16_INLINE void finish(const __m512 (&whole)[R][Z > 0 ? Z : 1], const __m256 (&half)[R], const Tile& t,
                           std::integer_sequence<int, W...>, std::integer_sequence<int, H...>) {
  ((_mm512_mask_storeu_ps(t.out + (W / Z) * t.out_stride + 16 * (W % Z),
                          __mmask16((1u << std::min(16, t.columns - 16 * (W % Z))) - 1),
                          __m512(activate<A, 16>(whole[W / Z][W % Z])))),
   ...);
  ((_mm512_mask_storeu_ps(t.out + H * t.out_stride + 16 * Z, __mmask16((1u << (t.columns - 16 * Z)) - 1),
                          __m512(activate<A, 16>(_mm512_castps256_ps512(half[H]))))),
   ...);
}

template <Act A, int R, int Z, int Y>
GN_BF16_INLINE void tile(const Tile& t) {
  __m512 whole[R][Z > 0 ? Z : 1];
  __m256 half[R];
  // Indices of the whole vectors' accumulators, and of the half-width ones.
  using Whole = std::make_integer_sequence<int, R * Z>;
  using Halves = std::make_integer_sequence<int, Y == 1 ? R : 0>;
  start<Z>(whole, half, t.bias, Whole{}, Halves{});
  for (int pair = 0; pair < t.pairs; ++pair) {
    const uint16_t* panel_pair = t.panel + int64_t(pair) * kPanel * 2;
    __m512bh panel[Z + 1];
    for (int z = 0; z < Z; ++z) panel[z] = (__m512bh)_mm512_loadu_si512(panel_pair + 32 * z);
    __m256bh panel_half{};
    if constexpr (Y == 1) {
      panel_half = (__m256bh)_mm256_loadu_si256(reinterpret_cast<const __m256i*>(panel_pair + 32 * Z));
    }
    for (int r = 0; r < R; ++r) {
      const __m512bh x = broadcast_pair(t.in + r * t.in_stride + 2 * pair);
      for (int z = 0; z < Z; ++z) whole[r][z] = _mm512_dpbf16_ps(whole[r][z], x, panel[z]);
      if constexpr (Y == 1) {
        // The lower half of x (extracted, as GCC 12 warns about its own casts to narrower vectors).
        const __m256bh x_half = (__m256bh)_mm512_extracti32x8_epi32((__m512i)x, 0);
        half[r] = _mm256_dpbf16_ps(half[r], x_half, panel_half);
      }
    }
  }
  finish<A, Z>(whole, half, t, Whole{}, Halves{});
}

// A tile of `rows` rows (at most kTileRows), choosing R at compile time.
template <Act A, int Z, int Y, int R = kTileRows>
GN_BF16_INLINE void tile_of(const Tile& t, int rows) {
  if constexpr (R > 1) {
    if (rows < R) {
      tile_of<A, Z, Y, R - 1>(t, rows);
      return;
    }
  }
  tile<A, R, Z, Y>(t);
}

// tile_of in a function of its own: inlined into one function, every specialisation makes a
// function so large that GCC takes minutes to compile it, and far longer under the sanitizers.
template <Act A, int Z, int Y>
GN_TARGET_AVX512_BF16 __attribute__((noinline)) void outlined_tile_of(const Tile& t, int rows) {
  tile_of<A, Z, Y>(t, rows);
}

// A tile of the panel's t.columns columns: whole vectors, and a half one for the last 8 or fewer.
template <Act A>
GN_BF16_INLINE void tile_of_columns(const Tile& t, int rows) {
  if (t.columns <= 8) {
    outlined_tile_of<A, 0, 1>(t, rows);
  } else if (t.columns <= 16) {
    outlined_tile_of<A, 1, 0>(t, rows);
  } else if (t.columns <= 24) {
    outlined_tile_of<A, 1, 1>(t, rows);
  } else {
    outlined_tile_of<A, 2, 0>(t, rows);
  }
}

// Rounds rows [0, rows) of `in` to bfloat16, nearest even, each padded with a zero to
// even_channels(k).
GN_BF16_INLINE void round_rows_to_bf16(const float* in, int64_t rows, int64_t in_stride, int k, uint16_t* out) {
  const int padded = even_channels(k);
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in + r * in_stride;
    uint16_t* y = out + r * padded;
    for (int c = 0; c < padded; c += 32) {
      // The last block reads only the row's k values and writes only up to the padding.
      const int lo = std::clamp(k - c, 0, 16), hi = std::clamp(k - c - 16, 0, 16);
      const __m512 low = _mm512_maskz_loadu_ps(__mmask16((1u << lo) - 1), x + c);
      const __m512 high = _mm512_maskz_loadu_ps(__mmask16((1u << hi) - 1), x + c + 16);
      const int count = std::min(32, padded - c);
      const __mmask32 store = count == 32 ? ~__mmask32(0) : __mmask32((1u << count) - 1);
      _mm512_mask_storeu_epi16(y + c, store, (__m512i)_mm512_cvtne2ps_pbh(high, low));
    }
  }
}

// gemm_bf16_rows with its activation known at compile time (ops/activation_host.h's
// with_activation says why; it cannot dispatch here, where a lambda would lack this file's
// instruction set).
template <Act A>
GN_BF16_INLINE void rows_times_panels(const float* in, int64_t in_stride, int64_t rows, const PackedPointwise& w,
                                      int first, int last, float* out, int64_t out_stride) {
  uint16_t rounded[kTileRows * kMaxBf16Channels];
  Tile t;
  t.in = rounded;
  t.pairs = even_channels(w.in_channels) / 2;
  t.in_stride = 2 * t.pairs;
  t.out_stride = out_stride;
  for (int64_t row = 0; row < rows; row += kTileRows) {
    const int n = int(std::min<int64_t>(kTileRows, rows - row));
    round_rows_to_bf16(in + row * in_stride, n, in_stride, w.in_channels, rounded);
    for (int p = first; p < last; ++p) {
      t.panel = w.bf16_panels.data() + int64_t(p) * t.pairs * kPanel * 2;
      t.bias = w.bias.data() + p * kPanel;
      t.columns = std::min(kPanel, w.out_channels - p * kPanel);
      t.out = out + row * out_stride + p * kPanel;
      tile_of_columns<A>(t, n);
    }
  }
}

}  // namespace

GN_TARGET_AVX512_BF16 void gemm_bf16_rows(const float* in, int64_t in_stride, int64_t rows, const PackedPointwise& w,
                                          int first, int last, Act act, float* out, int64_t out_stride) {
  switch (act) {
    case Act::None: return rows_times_panels<Act::None>(in, in_stride, rows, w, first, last, out, out_stride);
    case Act::Relu: return rows_times_panels<Act::Relu>(in, in_stride, rows, w, first, last, out, out_stride);
    case Act::HardSigmoid:
      return rows_times_panels<Act::HardSigmoid>(in, in_stride, rows, w, first, last, out, out_stride);
    case Act::Sigmoid: return rows_times_panels<Act::Sigmoid>(in, in_stride, rows, w, first, last, out, out_stride);
  }
}

}  // namespace ghostnet::ops

#include "ops/pointwise_conv_gemm.h"

#include <algorithm>

#include "ghostnet/dtype.h"
#include "ghostnet/error.h"
#include "host/simd.h"
#include "host/thread_pool.h"
#include "ops/activation_host.h"
#include "ops/pointwise_conv_gemm_bf16.h"

namespace ghostnet::ops {
namespace {

using host::Vec;

// Rows of a micro-tile: its accumulators (rows x two vectors), a panel's two vectors and a
// broadcast input fill the registers without spilling: 16 of AVX-512's 32, 16 of AVX2's.
template <int W>
constexpr int kTileRows = W == 16 ? 12 : 6;
constexpr int64_t kRowBlock = 96;  // rows per task at most: their input stays in L2 across panels
constexpr int kPanelsPerTask = 4;

// Rows per task: kRowBlock, or fewer (whole tiles of 12) where the GEMM is too small to give
// every thread a few tasks, as the late layers of one image are.
int64_t rows_per_task(int64_t pixels, int panel_groups, int threads) {
  const int64_t wanted_row_blocks = (4 * int64_t(threads) + panel_groups - 1) / panel_groups;
  const int64_t rows = (pixels + wanted_row_blocks - 1) / wanted_row_blocks;
  return std::clamp<int64_t>((rows + 11) / 12 * 12, 12, kRowBlock);
}

struct Tile {
  const float* in;    // the tile's first row
  int64_t in_stride;  // floats from one row to the next: the input channels
  const float* panel; // [k][2 * W]
  const float* bias;  // [2 * W]
  int k;
  float* out;         // the tile's first row, at the panel's first column
  int64_t out_stride;
  int columns;        // of the panel's 2 * W that exist
};

// R rows times the first V * L columns (V vectors of L lanes) of a panel of 2 * W columns,
// packed for vectors of W lanes: out = A(bias + in . panel). L is W, or W / 2 for a last panel
// of W / 2 columns or fewer, which then costs a half-width vector (half a full one on AMD's
// Zen 4, which splits 512-bit work in two) instead of computing columns that do not exist.
// The accumulators are set up and written out at indices known at compile time (host::unrolled
// says why). Only the last vector can be partial: a panel of more than V - 1 vectors' columns
// takes V.
template <Act A, int W, int V, int R, int L = W>
GN_ALWAYS_INLINE void tile(const Tile& t) {
  static_assert(V * L <= 2 * W, "a tile's columns lie within its panel");
  Vec<L> acc[R][V];
  host::unrolled<R * V>([&](auto i) GN_INLINED_LAMBDA { acc[i / V][i % V] = host::load<L>(t.bias + i % V * L); });
  const float* b = t.panel;
  for (int k = 0; k < t.k; ++k, b += 2 * W) {
    Vec<L> panel[V];
    for (int v = 0; v < V; ++v) panel[v] = host::load<L>(b + v * L);
    for (int r = 0; r < R; ++r) {
      const float x = t.in[r * t.in_stride + k];  // broadcast
      for (int v = 0; v < V; ++v) acc[r][v] += x * panel[v];
    }
  }
  host::unrolled<R * V>([&](auto i) GN_INLINED_LAMBDA {
    constexpr int r = i / V, v = i % V;
    float* c = t.out + r * t.out_stride + v * L;
    const Vec<L> y = activate<A, L>(acc[r][v]);
    const int lanes = v + 1 < V ? L : std::min(L, t.columns - v * L);
    if (v + 1 < V || lanes == L) {
      host::store<L>(c, y);
    } else {
      host::store_first<L>(c, y, lanes);
    }
  });
}

// The next R rows of a tile, where R is a bit of the `rows` it has left, moving the tile past them.
template <Act A, int W, int V, int L, int R>
GN_ALWAYS_INLINE void rows_of_tail(Tile& t, int rows) {
  if constexpr (R < kTileRows<W>) {
    if (rows & R) {
      tile<A, W, V, R, L>(t);
      t.in += R * t.in_stride;
      t.out += R * t.out_stride;
    }
  }
}

// A tile of `rows` rows (at most kTileRows<W>): one tile of kTileRows<W>, else tiles of 8, 4,
// 2 and 1 rows, so that five row counts are compiled rather than every one below it.
template <Act A, int W, int V, int L = W>
GN_ALWAYS_INLINE void tile_of(Tile t, int rows) {
  if (rows == kTileRows<W>) {
    tile<A, W, V, kTileRows<W>, L>(t);
    return;
  }
  rows_of_tail<A, W, V, L, 8>(t, rows);
  rows_of_tail<A, W, V, L, 4>(t, rows);
  rows_of_tail<A, W, V, L, 2>(t, rows);
  rows_of_tail<A, W, V, L, 1>(t, rows);
}

// tile_of in a function of its own, for the instruction set of W lanes (host::outlined).
template <Act A, int W, int V, int L = W>
GN_ALWAYS_INLINE void outlined_tile_of(const Tile& t, int rows) {
  host::outlined<W>([&]() GN_INLINED_LAMBDA { tile_of<A, W, V, L>(t, rows); });
}

// Rows [0, rows) of `in` times panels [first, last) of the weights.
template <Act A, int W>
GN_ALWAYS_INLINE void rows_times_panels(const float* in, int64_t in_stride, int64_t rows, const PackedPointwise& w,
                                        int first, int last, float* out, int64_t out_stride) {
  for (int p = first; p < last; ++p) {
    Tile t;
    t.in_stride = in_stride;
    t.panel = w.panels.data() + int64_t(p) * w.in_channels * w.panel;
    t.bias = w.bias.data() + p * w.panel;
    t.k = w.in_channels;
    t.out_stride = out_stride;
    t.columns = std::min(w.panel, w.out_channels - p * w.panel);
    for (int64_t row = 0; row < rows; row += kTileRows<W>) {
      t.in = in + row * in_stride;
      t.out = out + row * out_stride + p * w.panel;
      const int n = int(std::min<int64_t>(kTileRows<W>, rows - row));
      // A last panel one vector wide or less computes one vector, half a vector wide or
      // less a half-width one.
      if (t.columns <= W / 2 && W > 4) {
        outlined_tile_of<A, W, 1, W / 2>(t, n);
      } else if (t.columns <= W) {
        outlined_tile_of<A, W, 1>(t, n);
      } else {
        outlined_tile_of<A, W, 2>(t, n);
      }
    }
  }
}

}  // namespace

PackedPointwise pack_for_gemm(const ConvParams& params, bool bf16) {
  if (bf16 && params.in > kMaxBf16Channels) {
    fail(ErrorCode::InvalidArgument, "bf16 on the host takes pointwise convolutions of at most " +
                                         std::to_string(kMaxBf16Channels) + " input channels; this model has one of " +
                                         std::to_string(params.in) + ": use fp32");
  }
  PackedPointwise packed;
  packed.isa = host::host_isa();
  packed.bf16 = bf16;
  packed.panel = 2 * host::vector_width(bf16 ? host::Isa::Avx512 : packed.isa);
  packed.in_channels = params.in;
  packed.out_channels = params.out;
  const int panels = (params.out + packed.panel - 1) / packed.panel;
  const int k_padded = bf16 ? even_channels(params.in) : params.in;
  if (bf16) {
    packed.bf16_panels.assign(std::size_t(panels) * k_padded * packed.panel, 0);
  } else {
    packed.panels.assign(std::size_t(panels) * k_padded * packed.panel, 0.0f);
  }
  packed.bias.assign(std::size_t(panels) * packed.panel, 0.0f);
  for (int o = 0; o < params.out; ++o) {
    const std::size_t panel_start = std::size_t(o / packed.panel) * k_padded * packed.panel;
    for (int k = 0; k < params.in; ++k) {
      const float weight = params.weight[std::size_t(o) * params.in + k];
      if (bf16) {
        packed.bf16_panels[panel_start + (std::size_t(k / 2) * packed.panel + o % packed.panel) * 2 + k % 2] =
            float_to_bfloat16(weight);
      } else {
        packed.panels[panel_start + std::size_t(k) * packed.panel + o % packed.panel] = weight;
      }
    }
    packed.bias[std::size_t(o)] = params.bias.empty() ? 0.0f : params.bias[std::size_t(o)];
  }
  return packed;
}

void pointwise_conv_gemm(View<const float> in, const PackedPointwise& w, Act act, View<float> out, int threads) {
  const int64_t pixels = out.shape.pixels();
  const int64_t in_stride = in.shape.stored_channels, out_stride = out.shape.stored_channels;
  const int panels = (w.out_channels + w.panel - 1) / w.panel;
  const int panel_groups = (panels + kPanelsPerTask - 1) / kPanelsPerTask;
  const int64_t row_block = threads > 1 ? rows_per_task(pixels, panel_groups, threads) : kRowBlock;
  const int64_t row_blocks = (pixels + row_block - 1) / row_block;
  host::parallel_for(row_blocks * panel_groups, 1, threads, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t row = task / panel_groups * row_block, rows = std::min(row_block, pixels - row);
      const int group = int(task % panel_groups);
      const int first = group * kPanelsPerTask, last = std::min(panels, (group + 1) * kPanelsPerTask);
      if (w.bf16) {
        gemm_bf16_rows(in.data + row * in_stride, in_stride, rows, w, first, last, act, out.data + row * out_stride,
                       out_stride);
        continue;
      }
      // The weights were packed for w.isa's vector width; run that instruction set's kernel.
      host::with_isa(w.isa, [&](auto width) GN_INLINED_LAMBDA {
        with_activation(act, [&](auto a) GN_INLINED_LAMBDA {
          rows_times_panels<decltype(a)::value, decltype(width)::value>(in.data + row * in_stride, in_stride, rows, w,
                                                                        first, last, out.data + row * out_stride,
                                                                        out_stride);
        });
      });
    }
  });
}

}  // namespace ghostnet::ops

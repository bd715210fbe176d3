#include "ops/pointwise_conv_gemm.h"

#include <algorithm>

#include "host/isa.h"
#include "host/thread_pool.h"

namespace ghostnet::ops {
namespace {

// Eight floats; unaligned and allowed to alias float data. Compiled twice (see run_task
// below): with AVX2+FMA it is one register, in the baseline build two SSE ones.
typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));

constexpr int kRows = 6;             // rows of the micro-tile: 6 x 16 accumulators fill 12 AVX registers
constexpr int64_t kRowBlock = 96;    // rows per task: their input stays in L2 across panels
constexpr int kPanelsPerTask = 4;

struct Task {
  const float* in;
  int64_t rows;          // rows in this task
  const PackedPointwise* w;
  int panel_begin, panel_end;
  Act act;
  float* out;
};

// One task: its rows times its panels, 6 x 16 at a time.
inline __attribute__((always_inline)) void run_task_body(const Task& t) {
  const int k_total = t.w->in_channels;
  const int n_total = t.w->out_channels;
  for (int panel = t.panel_begin; panel < t.panel_end; ++panel) {
    const float* b = t.w->panels.data() + int64_t(panel) * k_total * kPanel;
    const float* bias = t.w->bias.data() + panel * kPanel;
    const int columns = std::min(kPanel, n_total - panel * kPanel);
    for (int64_t row = 0; row < t.rows; row += kRows) {
      const float* a[kRows];
      for (int r = 0; r < kRows; ++r) a[r] = t.in + std::min(row + r, t.rows - 1) * k_total;
      v8 acc[kRows][2];
      for (int r = 0; r < kRows; ++r) {
        acc[r][0] = *reinterpret_cast<const v8*>(bias);
        acc[r][1] = *reinterpret_cast<const v8*>(bias + 8);
      }
      for (int k = 0; k < k_total; ++k) {
        const v8 b0 = *reinterpret_cast<const v8*>(b + k * kPanel);
        const v8 b1 = *reinterpret_cast<const v8*>(b + k * kPanel + 8);
        for (int r = 0; r < kRows; ++r) {
          acc[r][0] += a[r][k] * b0;  // the scalar is broadcast
          acc[r][1] += a[r][k] * b1;
        }
      }
      const int rows = int(std::min<int64_t>(kRows, t.rows - row));
      const v8 zero = {};
      for (int r = 0; r < rows; ++r) {
        float* c = t.out + (row + r) * n_total + panel * kPanel;
        v8 lo = acc[r][0], hi = acc[r][1];
        if (t.act == Act::Relu) {
          lo = lo > zero ? lo : zero;
          hi = hi > zero ? hi : zero;
        }
        if (columns == kPanel) {
          *reinterpret_cast<v8*>(c) = lo;
          *reinterpret_cast<v8*>(c + 8) = hi;
        } else {
          for (int j = 0; j < columns; ++j) c[j] = j < 8 ? lo[j] : hi[j - 8];
        }
      }
    }
  }
}

GN_TARGET_AVX2 void run_task_avx2(const Task& t) { run_task_body(t); }
void run_task_baseline(const Task& t) { run_task_body(t); }

// Compiled for AVX2+FMA and for the baseline x86-64, chosen by the CPU.
void run_task(const Task& t) {
  if (host::host_isa() == host::Isa::Avx2) {
    run_task_avx2(t);
  } else {
    run_task_baseline(t);
  }
}

}  // namespace

PackedPointwise pack_for_gemm(const ConvParams& params) {
  PackedPointwise packed;
  packed.in_channels = params.in;
  packed.out_channels = params.out;
  const int panels = (params.out + kPanel - 1) / kPanel;
  packed.panels.assign(std::size_t(panels) * params.in * kPanel, 0.0f);
  packed.bias.assign(std::size_t(panels) * kPanel, 0.0f);
  for (int o = 0; o < params.out; ++o) {
    for (int k = 0; k < params.in; ++k) {
      packed.panels[(std::size_t(o / kPanel) * params.in + k) * kPanel + o % kPanel] =
          params.weight[std::size_t(o) * params.in + k];
    }
    packed.bias[std::size_t(o)] = params.bias.empty() ? 0.0f : params.bias[std::size_t(o)];
  }
  return packed;
}

void pointwise_conv_gemm(View<const float> in, const PackedPointwise& w, Act act, View<float> out) {
  const int64_t pixels = out.shape.pixels();
  const int panels = (w.out_channels + kPanel - 1) / kPanel;
  const int panel_groups = (panels + kPanelsPerTask - 1) / kPanelsPerTask;
  const int64_t row_blocks = (pixels + kRowBlock - 1) / kRowBlock;
  host::parallel_for(row_blocks * panel_groups, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t row = task / panel_groups * kRowBlock;
      const int group = int(task % panel_groups);
      Task t{in.data + row * w.in_channels, std::min(kRowBlock, pixels - row), &w, group * kPanelsPerTask,
             std::min(panels, (group + 1) * kPanelsPerTask), act, out.data + row * w.out_channels};
      run_task(t);
    }
  });
}

}  // namespace ghostnet::ops

// Where a host forward pass spends its time: each op of GhostNet run on its own, timed,
// and summed per op kind, in ms per image. A developer's benchmark: it prints numbers and
// asserts nothing (its options: kUsage below, or --help).
//
// --threads 1 shows the single-threaded kernels each thread runs when a batch's images are
// split across threads; more threads show how an op splits across them at batch 1. The
// core's peak is printed first, what each op kind's GFLOP/s can be held against.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "executors/host_ops.h"
#include "executors/plan_cache.h"
#include "executors/walk.h"
#include "ghostnet/model.h"
#include "graph/graph.h"
#include "host/isa.h"
#include "host/simd.h"

using namespace ghostnet;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
  int64_t batch = 1;
  int size = 224;
  int threads = 1;
  std::string model = "ghostnet_100";  // a member and width, as timm names them
  double seconds = 5;
  int top = 0;  // also list the slowest ops, one by one
  bool bf16 = false;
};

constexpr const char* kUsage =
    "usage: ghostnet_host_profile [--batch 1] [--size 224] [--threads 1] [--model ghostnet_100]\n"
    "                             [--seconds 5] [--top N] [--precision fp32|bf16]\n";

[[noreturn]] void refuse(const std::string& problem) {
  std::fprintf(stderr, "%s\n%s", problem.c_str(), kUsage);
  std::exit(2);
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    }
    if (i + 1 == argc) refuse(flag + " needs a value");
    const char* value = argv[i + 1];
    if (flag == "--batch") s.batch = std::atoll(value);
    else if (flag == "--size") s.size = std::atoi(value);
    else if (flag == "--threads") s.threads = std::atoi(value);
    else if (flag == "--model") s.model = value;
    else if (flag == "--seconds") s.seconds = std::atof(value);
    else if (flag == "--top") s.top = std::atoi(value);
    else if (flag == "--precision" && (std::strcmp(value, "fp32") == 0 || std::strcmp(value, "bf16") == 0))
      s.bf16 = std::strcmp(value, "bf16") == 0;
    else if (flag == "--precision") refuse(std::string("--precision takes fp32 or bf16, not ") + value);
    else refuse("unknown option " + flag);
  }
  return s;
}

// The core's peak in GFLOP/s, measured: kChains independent chains of multiply-adds on
// registers alone, enough to hide each one's latency, for kPeakRounds rounds. In FP32 on the
// host kernels' vectors (fused where the instruction set has FMA); in BF16 as AVX-512
// bfloat16 dot products, two multiply-adds a lane.
constexpr int kChains = 12;
constexpr int64_t kPeakRounds = 50'000'000;

// Where the peak loops leave a sum of their chains, so that the compiler keeps them.
volatile float peak_sink = 0;

double gflops(double flops_per_round, Clock::time_point start) {
  return flops_per_round * kPeakRounds / std::chrono::duration<double>(Clock::now() - start).count() / 1e9;
}

double fp32_peak() {
  double result = 0;
  host::with_host_isa([&](auto width) GN_INLINED_LAMBDA {
    constexpr int W = decltype(width)::value;
    host::Vec<W> acc[kChains];
    for (int j = 0; j < kChains; ++j) acc[j] = host::broadcast<W>(1.0f + 1e-3f * float(j));
    const host::Vec<W> scale = host::broadcast<W>(0.999999f), shift = host::broadcast<W>(1e-7f);
    const auto start = Clock::now();
    for (int64_t i = 0; i < kPeakRounds; ++i) {
      for (int j = 0; j < kChains; ++j) acc[j] = acc[j] * scale + shift;
    }
    result = gflops(2.0 * W * kChains, start);
    for (int j = 0; j < kChains; ++j) peak_sink = peak_sink + acc[j][0];
  });
  return result;
}

GN_TARGET_AVX512_BF16 double bf16_peak() {
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_setzero_ps();
  const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80), y = (__m512bh)_mm512_set1_epi32(0x3a803a80);
  const auto start = Clock::now();
  for (int64_t i = 0; i < kPeakRounds; ++i) {
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_dpbf16_ps(acc[j], x, y);
  }
  const double result = gflops(64.0 * kChains, start);
  for (int j = 0; j < kChains; ++j) peak_sink = peak_sink + acc[j][0];
  return result;
}

// Multiply-adds of one op, per image.
double macs(const graph::Graph& graph, const graph::Op& op, const graph::Plan& plan) {
  if (op.params < 0) return 0;
  const ops::ConvParams& p = graph.params[std::size_t(op.params)];
  const ops::Geometry& out = plan.values[std::size_t(op.output)].geometry;
  const double pixels = double(out.image_pixels());
  return pixels * p.out * (p.in / p.groups) * p.kernel_h * p.kernel_w;
}

}  // namespace

int main(int argc, char** argv) {
  const Settings s = parse(argc, argv);
  std::printf("peak of one core: FP32 %.1f GFLOP/s (%s)", fp32_peak(), host::isa_name(host::host_isa()));
  if (host::cpu_has_avx512_bf16()) std::printf(", BF16 %.1f GFLOP/s", bf16_peak());
  std::printf("\n");
  const StateDict weights = random_ghostnet_weights(s.model, 1000, 1);
  const graph::Graph graph = graph::build_graph(weights, graph::infer_topology(weights, s.model), s.model);
  const auto prepared = executors::prepare_weights<executors::HostOpWeights>(graph, executors::HostWeights{s.bf16});
  const executors::PlanKey key{s.batch, s.size, s.size, DType::F32, Layout::NCHW};
  const executors::Workspace workspace = executors::Workspace::make(graph, key, Device::host(), sizeof(float));
  std::vector<float> input(std::size_t(s.batch) * 3 * s.size * s.size, 0.5f), logits(std::size_t(s.batch) * 1000);
  ops::Io io;
  io.input = input.data();
  io.output = logits.data();
  const executors::HostOps host_ops(prepared, s.threads);

  std::vector<double> seconds(graph.ops.size(), 0.0);
  int passes = 0;
  const auto start = Clock::now();
  for (bool warm = false;; warm = true) {
    for (std::size_t i = 0; i < graph.ops.size(); ++i) {
      const auto t0 = Clock::now();
      executors::walk<float>(graph, workspace, {i, i + 1}, io, host_ops);
      if (warm) seconds[i] += std::chrono::duration<double>(Clock::now() - t0).count();
    }
    if (warm) ++passes;
    if (std::chrono::duration<double>(Clock::now() - start).count() > s.seconds) break;
  }

  std::map<std::string, std::pair<double, double>> by_kind;  // seconds, MACs
  double total = 0;
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    const graph::Op& op = graph.ops[i];
    const char* name = ops::visit_op(op.kind, [](auto kind) { return decltype(kind)::kName; });
    by_kind[name].first += seconds[i];
    by_kind[name].second += macs(graph, op, workspace.plan);
    total += seconds[i];
  }
  const double per_image = 1e3 / passes / double(s.batch);
  std::printf("%s, %dx%d, batch %lld, %d thread(s), %s kernels, %s, %d passes\n", graph.topology.member().c_str(),
              s.size, s.size, (long long)s.batch, s.threads, host::isa_name(host::host_isa()), s.bf16 ? "bf16" : "fp32",
              passes);
  std::printf("%-16s %10s %7s %10s %9s\n", "op kind", "ms/image", "share", "MMAC/img", "GFLOP/s");
  for (const auto& [name, v] : by_kind) {
    const double ms = v.first * per_image;
    std::printf("%-16s %10.3f %6.1f%% %10.2f %9.1f\n", name.c_str(), ms, 100 * v.first / total, v.second / 1e6,
                ms > 0 ? 2 * v.second / ms / 1e6 : 0.0);
  }
  std::printf("%-16s %10.3f  -> %.1f images/s\n", "total", total * per_image, 1e3 / (total * per_image));

  std::vector<std::size_t> order(graph.ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return seconds[a] > seconds[b]; });
  for (int rank = 0; rank < s.top && rank < int(order.size()); ++rank) {
    const std::size_t i = order[std::size_t(rank)];
    const graph::Op& op = graph.ops[i];
    const ops::Geometry& in = workspace.plan.values[std::size_t(op.input >= 0 ? op.input : op.output)].geometry;
    const ops::Geometry& out = workspace.plan.values[std::size_t(op.output >= 0 ? op.output : op.input)].geometry;
    const double ms = seconds[i] * per_image, m = macs(graph, op, workspace.plan);
    std::printf("op %3zu %-15s %4dx%-4d %4d -> %-4d %8.3f ms %9.1f GFLOP/s\n", i,
                ops::visit_op(op.kind, [](auto kind) { return decltype(kind)::kName; }), out.height, out.width,
                in.channels, out.channels, ms, ms > 0 ? 2 * m / ms / 1e6 : 0.0);
  }
  return 0;
}

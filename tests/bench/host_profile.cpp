// Where a host forward pass spends its time: each op of GhostNet run on its own, timed,
// and summed per op kind, in ms per image. A developer's benchmark: it prints numbers and
// asserts nothing.
//
//   ghostnet_host_profile [--batch 1] [--size 224] [--threads 1] [--width 1.0] [--seconds 5] [--top N]
//                         [--precision fp32|bf16]
//
// --threads 1 shows the single-threaded kernels each thread runs when a batch's images are
// split across threads; more threads show how an op splits across them at batch 1.
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
#include "graph/architecture.h"
#include "graph/graph.h"
#include "host/isa.h"

using namespace ghostnet;
using Clock = std::chrono::steady_clock;

namespace {

struct Settings {
  int64_t batch = 1;
  int size = 224;
  int threads = 1;
  double width = 1.0;
  double seconds = 5;
  int top = 0;  // also list the slowest ops, one by one
  bool bf16 = false;
};

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--batch") s.batch = std::atoll(value);
    else if (flag == "--size") s.size = std::atoi(value);
    else if (flag == "--threads") s.threads = std::atoi(value);
    else if (flag == "--width") s.width = std::atof(value);
    else if (flag == "--seconds") s.seconds = std::atof(value);
    else if (flag == "--top") s.top = std::atoi(value);
    else if (flag == "--precision") s.bf16 = std::strcmp(value, "bf16") == 0;
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return s;
}

// Multiply-adds of one op, per image.
double macs(const graph::Graph& graph, const graph::Op& op, const graph::Plan& plan) {
  if (op.params < 0) return 0;
  const ops::ConvParams& p = graph.params[std::size_t(op.params)];
  const ops::Geometry& out = plan.values[std::size_t(op.output)].geometry;
  const double pixels = double(out.image_pixels());
  return pixels * p.out * (p.in / p.groups) * p.kernel * p.kernel;
}

}  // namespace

int main(int argc, char** argv) {
  const Settings s = parse(argc, argv);
  const StateDict weights = random_ghostnet_weights(s.width, 1000, 1);
  const graph::Graph graph = graph::build_graph(weights, graph::infer_architecture(weights, "random"));
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
  std::printf("GhostNet %.2fx, %dx%d, batch %lld, %d thread(s), %s kernels, %s, %d passes\n", s.width, s.size,
              s.size, (long long)s.batch, s.threads, host::isa_name(host::host_isa()), s.bf16 ? "bf16" : "fp32",
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

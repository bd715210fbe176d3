// The op-by-op comparison (op_by_op.h). On the host it runs the host executor against itself
// with a fault injected into one op's weights, and must name that op; on a GPU it runs the CUDA
// executor against the host in FP32, FP16 and BF16, and every op must stay within its bound.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <iostream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include "comparison.h"
#include "fixtures.h"
#include "ghostnet/checkpoint.h"
#include "ghostnet/npy.h"
#include "gpu_support.h"
#include "op_by_op.h"
#include "runtime/backend.h"

namespace ghostnet::testing {
namespace {

// One executor of a graph with the case's input and an output for it, on `device`.
struct Side {
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Executor> executor;
  Tensor input;
  Tensor output;

  Side(std::shared_ptr<const graph::Graph> graph, const NpyArray& x, Device device, Precision precision) {
    ModelOptions options;
    options.precision = precision;
    backend = device.is_cuda() ? make_cuda_backend(graph, device, options) : make_host_backend(graph, options);
    executor = backend->create_executor(nullptr);
    const Tensor host = Tensor::borrow(const_cast<uint8_t*>(x.bytes.data()), Device::host(), x.dtype, x.shape,
                                       Layout::NCHW);
    input = Tensor::allocate(device, x.dtype, x.shape, Layout::NCHW);
    copy(host, input);
    output = Tensor::allocate(device, DType::F32, {x.shape[0], graph->classes()}, Layout::RowMajor);
  }
  ExecutorRun run() { return {*executor, input, output}; }
};

std::size_t op_named(const graph::Graph& graph, const std::string& name) {
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    if (graph.ops[i].name == name) return i;
  }
  throw std::runtime_error("no op named " + name);
}

class HostOpByOp : public ::testing::Test {
 protected:
  // GhostNetV2: every op kind of the family.
  const FixtureCase c = fixture_case("v2_w160_c10_97x131");
  const graph::Graph graph = case_graph(c);
  const NpyArray input = read_npy(fixture(c.input));

  // The report of the host against the host with `faulty`'s weights.
  OpByOpReport compare_with(const graph::Graph& faulty) {
    Side reference(std::make_shared<const graph::Graph>(graph), input, Device::host(), Precision::F32);
    Side candidate(std::make_shared<const graph::Graph>(faulty), input, Device::host(), Precision::F32);
    return compare_op_by_op(graph, reference.run(), candidate.run(), 1e-3);
  }
};

TEST_F(HostOpByOp, EveryOpIsNamedOnceAfterUpstreamsModules) {
  std::set<std::string> names;
  for (const graph::Op& op : graph.ops) EXPECT_TRUE(names.insert(op.name).second) << op.name << " twice";
  EXPECT_EQ(graph.ops.front().name, "input");
  EXPECT_EQ(graph.ops[1].name, "conv_stem");
  EXPECT_EQ(graph.ops.back().name, "output");
  for (const char* name : {"blocks.0.0.ghost1.primary_conv", "blocks.0.0.ghost1.cheap_operation", "blocks.1.0.conv_dw",
                           "blocks.1.0.shortcut.0", "blocks.1.0.shortcut.2", "blocks.3.0.se.avg_pool",
                           "blocks.3.0.se.conv_reduce", "blocks.3.0.se.conv_expand", "blocks.3.0.se",
                           "blocks.2.0.ghost1.short_conv.pool", "blocks.2.0.ghost1.short_conv.0",
                           "blocks.2.0.ghost1.short_conv.2", "blocks.2.0.ghost1.short_conv.4",
                           "blocks.2.0.ghost1.short_conv", "blocks.9.0.conv", "global_pool", "conv_head",
                           "classifier"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  for (const char* name : {"blocks.1.0.ghost1.short_conv", "blocks.2.0.ghost2.short_conv"}) {
    EXPECT_FALSE(names.count(name)) << name << ": attention is on ghost1 from the third bottleneck on";
  }
}

TEST_F(HostOpByOp, OpAfterOpTheHostGivesPyTorchsLogits) {
  Side host(std::make_shared<const graph::Graph>(graph), input, Device::host(), Precision::F32);
  for (std::size_t i = 0; i < graph.ops.size(); ++i) host.executor->run_ops(host.input, host.output, {i, i + 1});
  const float* logits = static_cast<const float*>(host.output.data());
  EXPECT_TRUE(within(std::vector<float>(logits, logits + host.output.numel()), floats(read_npy(fixture(c.expected))),
                     1e-4 * c.max_abs_reference + 1e-6));
  const ValueReadout stem = host.executor->read_value(host.input, graph.ops[1].output);
  EXPECT_EQ(stem.shape.batch, 3);
  EXPECT_EQ(stem.shape.height, 49);  // 97x131 after the stride-2 stem
  EXPECT_EQ(stem.shape.width, 66);
  EXPECT_EQ(stem.values.size(), std::size_t(3 * 49 * 66 * stem.shape.stored_channels));
}

TEST_F(HostOpByOp, TheSameGraphAgreesOnEveryOp) {
  const OpByOpReport report = compare_with(graph);
  EXPECT_FALSE(report.first_beyond) << report.describe();
  EXPECT_EQ(report.ops_compared, graph.ops.size());
  EXPECT_EQ(report.closest.difference, 0.0) << report.describe();
}

// A fault in one op's bias, on each kind of op that has weights (the pointwise convolution on
// the host's GEMM path): the report names that op and none before it.
class InjectedFault : public HostOpByOp, public ::testing::WithParamInterface<const char*> {};

TEST_P(InjectedFault, IsNamedAsTheFirstOpBeyondItsBound) {
  graph::Graph faulty = graph;
  const std::size_t op = op_named(graph, GetParam());
  faulty.params[std::size_t(faulty.ops[op].params)].bias[1] += 1.0f;
  const OpByOpReport report = compare_with(faulty);
  ASSERT_TRUE(report.first_beyond) << report.describe();
  EXPECT_EQ(report.first_beyond->op, op) << report.describe();
  EXPECT_EQ(report.first_beyond->name, GetParam());
  EXPECT_EQ(report.ops_compared, op + 1);
}

INSTANTIATE_TEST_SUITE_P(Ops, InjectedFault,
                         ::testing::Values("conv_stem", "blocks.2.0.ghost1.short_conv.0",
                                           "blocks.2.0.ghost1.short_conv.2", "blocks.2.0.ghost1.short_conv.4",
                                           "blocks.2.0.ghost1.primary_conv",
                                           "blocks.2.0.ghost1.cheap_operation", "blocks.3.0.conv_dw",
                                           "blocks.3.0.se.conv_reduce", "blocks.5.0.shortcut.2", "classifier"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name;
                         });

TEST_F(HostOpByOp, AnOpThatWritesNaNIsNamedWithTheElement) {
  graph::Graph faulty = graph;
  const std::size_t op = op_named(graph, "blocks.4.0.ghost2.primary_conv");  // no activation to hide NaN
  faulty.params[std::size_t(faulty.ops[op].params)].bias[2] = NAN;
  const OpByOpReport report = compare_with(faulty);
  ASSERT_TRUE(report.first_beyond) << report.describe();
  const OpDifference& d = *report.first_beyond;
  EXPECT_EQ(d.op, op);
  EXPECT_TRUE(std::isnan(d.actual));
  const std::string text = report.describe();
  EXPECT_NE(text.find("the first op beyond its bound, after " + std::to_string(op) + " that agree: op " +
                      std::to_string(op) + " blocks.4.0.ghost2.primary_conv, 3x"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(", channel 2, nan where the reference has "), std::string::npos) << text;
  EXPECT_NE(text.find(": |difference| inf, beyond the bound "), std::string::npos) << text;
}

// The CUDA executor against the host, op by op, in each precision: every op within the bound
// the rounded reference gives for that precision (fixtures.h).
class GpuOpByOp : public ::testing::TestWithParam<std::tuple<std::string, Precision>> {};

TEST_P(GpuOpByOp, EveryOpAgreesWithTheHost) {
  GHOSTNET_REQUIRE_GPU();
  const auto& [name, precision] = GetParam();
  const FixtureCase c = fixture_case(name);
  const auto graph = std::make_shared<const graph::Graph>(case_graph(c));
  const NpyArray input = read_npy(fixture(c.input));
  Side host(graph, input, Device::host(), Precision::F32);
  Side gpu(graph, input, Device::cuda(0), precision);
  const OpByOpReport report = compare_op_by_op(*graph, host.run(), gpu.run(), gpu_relative_bound(c, precision));
  std::cout << name << " " << precision_name(precision) << ": " << report.describe() << "\n";
  EXPECT_FALSE(report.first_beyond) << report.describe();
  EXPECT_EQ(report.ops_compared, graph->ops.size());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GpuOpByOp,
                         ::testing::Combine(::testing::Values("v1_w100_c1000_224", "v2_w160_c10_97x131",
                                                              "v3_w050_c10_201x179"),
                                            ::testing::Values(Precision::F32, Precision::F16, Precision::BF16)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + precision_name(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace ghostnet::testing

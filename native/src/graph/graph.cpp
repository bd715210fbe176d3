#include "graph/graph.h"

#include <cmath>

#include "ghostnet/error.h"

namespace ghostnet::graph {
namespace {

using ops::OpKind;

constexpr double kBatchNormEpsilon = 1e-5;

std::vector<float> floats(const StateDict& weights, const std::string& key) {
  return weights.at(key).to_float();
}

class Builder {
 public:
  Builder(const StateDict& weights, const Architecture& arch) : w_(weights) { graph_.arch = arch; }

  Graph build() {
    const Architecture& arch = graph_.arch;
    int x = value(3);
    add({OpKind::Input, -1, x}, "input");
    x = conv_op("conv_stem", OpKind::DenseConv, x, folded("conv_stem", "bn1", 1), 2, ops::Act::Relu);
    for (const auto& block : arch.blocks) x = bottleneck(block, x);
    x = conv_op("blocks.9.0.conv", OpKind::PointwiseConv, x, folded("blocks.9.0.conv", "blocks.9.0.bn1", 1), 1,
                ops::Act::Relu);
    x = pool("global_pool", x);
    x = conv_op("conv_head", OpKind::PointwiseConv, x, with_bias("conv_head.weight", "conv_head.bias", 1), 1,
                ops::Act::Relu);
    x = conv_op("classifier", OpKind::PointwiseConv, x, classifier(), 1, ops::Act::None);
    add({OpKind::Output, x, -1}, "output");
    return std::move(graph_);
  }

 private:
  int bottleneck(const BottleneckSpec& b, int x) {
    const std::string& p = b.prefix;
    int y = ghost(p + "ghost1", b.ghost1, x, -1);
    if (b.stride > 1) {
      y = conv_op(p + "conv_dw", OpKind::DepthwiseConv, y, folded(p + "conv_dw", p + "bn_dw", b.mid), b.stride,
                  ops::Act::None);
    }
    if (b.has_se) squeeze_excite(p + "se", y);
    int residual = x;
    if (!b.identity_shortcut) {
      residual = conv_op(p + "shortcut.0", OpKind::DepthwiseConv, x, folded(p + "shortcut.0", p + "shortcut.1", b.in),
                         b.stride, ops::Act::None);
      residual = conv_op(p + "shortcut.2", OpKind::PointwiseConv, residual,
                         folded(p + "shortcut.2", p + "shortcut.3", 1), 1, ops::Act::None);
    }
    return ghost(p + "ghost2", b.ghost2, y, residual);
  }

  int ghost(const std::string& key, const GhostModuleSpec& g, int x, int residual) {
    const ops::Act act = g.relu ? ops::Act::Relu : ops::Act::None;
    const int primary = conv_op(key + ".primary_conv", OpKind::PointwiseConv, x,
                                folded(key + ".primary_conv.0", key + ".primary_conv.1", 1), 1, act);
    const int out = value(g.out);
    Op op{OpKind::GhostCheap, primary, out};
    op.residual = residual;
    op.params = add_params(folded(key + ".cheap_operation.0", key + ".cheap_operation.1", g.primary));
    op.act = act;
    add(op, key + ".cheap_operation");
    return out;
  }

  void squeeze_excite(const std::string& key, int x) {
    const int pooled = pool(key + ".avg_pool", x);
    const int reduced = conv_op(key + ".conv_reduce", OpKind::Dense, pooled,
                                with_bias(key + ".conv_reduce.weight", key + ".conv_reduce.bias", 1), 1, ops::Act::Relu);
    const int gates = conv_op(key + ".conv_expand", OpKind::Dense, reduced,
                              with_bias(key + ".conv_expand.weight", key + ".conv_expand.bias", 1), 1,
                              ops::Act::HardSigmoid);
    Op op{OpKind::ChannelScale, x, x};
    op.gates = gates;
    add(op, key);
  }

  int pool(const std::string& name, int x) {
    const int out = value(graph_.values[x].channels);
    add({OpKind::GlobalPool, x, out}, name);
    return out;
  }

  int conv_op(const std::string& name, OpKind kind, int x, ops::ConvParams params, int stride, ops::Act act) {
    const int out = value(params.out);
    Op op{kind, x, out};
    op.params = add_params(std::move(params));
    op.stride = stride;
    op.act = act;
    add(op, name);
    return out;
  }

  // conv `key` followed by BatchNorm `bn`, folded.
  ops::ConvParams folded(const std::string& key, const std::string& bn, int groups) {
    ops::ConvParams p = shaped(key + ".weight", groups);
    const auto gamma = floats(w_, bn + ".weight"), beta = floats(w_, bn + ".bias");
    const auto mean = floats(w_, bn + ".running_mean"), var = floats(w_, bn + ".running_var");
    const std::size_t per_output = p.weight.size() / std::size_t(p.out);
    p.bias.resize(std::size_t(p.out));
    for (std::size_t o = 0; o < std::size_t(p.out); ++o) {
      const double scale = double(gamma[o]) / std::sqrt(double(var[o]) + kBatchNormEpsilon);
      for (std::size_t i = 0; i < per_output; ++i) {
        float& v = p.weight[o * per_output + i];
        v = float(double(v) * scale);
      }
      p.bias[o] = float(double(beta[o]) - double(mean[o]) * scale);
    }
    return p;
  }

  ops::ConvParams with_bias(const std::string& weight, const std::string& bias, int groups) {
    ops::ConvParams p = shaped(weight, groups);
    p.bias = floats(w_, bias);
    return p;
  }

  // The classifier is a Linear layer: a 1x1 convolution on the pooled features.
  ops::ConvParams classifier() { return with_bias("classifier.weight", "classifier.bias", 1); }

  ops::ConvParams shaped(const std::string& key, int groups) {
    const StoredTensor& t = w_.at(key);
    ops::ConvParams p;
    p.out = int(t.shape[0]);
    p.in = int(t.shape[1]) * groups;
    p.kernel = t.shape.size() == 4 ? int(t.shape[2]) : 1;
    p.groups = groups;
    p.weight = t.to_float();
    return p;
  }

  int value(int channels) {
    graph_.values.push_back({channels, channels});
    return int(graph_.values.size()) - 1;
  }

  int add_params(ops::ConvParams p) {
    graph_.params.push_back(std::move(p));
    return int(graph_.params.size()) - 1;
  }

  void add(Op op, const std::string& name) {
    op.name = name;
    graph_.ops.push_back(std::move(op));
  }

  const StateDict& w_;
  Graph graph_;
};

}  // namespace

Graph build_graph(const StateDict& weights, const Architecture& arch) { return Builder(weights, arch).build(); }

}  // namespace ghostnet::graph

#include "graph/graph.h"

#include <cmath>
#include <cstring>

#include "ghostnet/error.h"

namespace ghostnet::graph {
namespace {

using ops::OpKind;

constexpr double kBatchNormEpsilon = 1e-5;

std::vector<double> doubles(const StateDict& weights, const std::string& key) {
  const std::vector<float> values = weights.at(key).to_float();
  return {values.begin(), values.end()};
}

// BatchNorm `key` as scale and shift: y = x * scale + shift.
void batch_norm(const StateDict& w, const std::string& key, const std::string& source, std::vector<double>& scale,
                std::vector<double>& shift) {
  const auto gamma = doubles(w, key + ".weight"), beta = doubles(w, key + ".bias");
  const auto mean = doubles(w, key + ".running_mean"), var = doubles(w, key + ".running_var");
  for (std::size_t o = 0; o < scale.size(); ++o) {
    for (const auto& [part, v] : {std::pair<const char*, double>{".weight", gamma[o]}, {".bias", beta[o]},
                                  {".running_mean", mean[o]}, {".running_var", var[o]}}) {
      if (!std::isfinite(v)) {
        fail(ErrorCode::Checkpoint, source + ": " + key + part + " holds " + std::to_string(v) + " at channel " +
                                        std::to_string(o) + "; a BatchNorm's values must be finite");
      }
    }
    if (var[o] < 0) {
      fail(ErrorCode::Checkpoint, source + ": " + key + ".running_var holds " + std::to_string(var[o]) +
                                      " at channel " + std::to_string(o) + "; a variance cannot be negative");
    }
    scale[o] = gamma[o] / std::sqrt(var[o] + kBatchNormEpsilon);
    shift[o] = beta[o] - mean[o] * scale[o];
  }
}

Op op_of(OpKind kind, int input, int output) {
  Op op;
  op.kind = kind;
  op.input = input;
  op.output = output;
  return op;
}

class Builder {
 public:
  Builder(const StateDict& weights, const Topology& topology, const std::string& source)
      : w_(weights), source_(source) {
    graph_.topology = topology;
  }

  Graph build() {
    const Topology& t = graph_.topology;
    int x = value(3);
    add(op_of(OpKind::Input, -1, x), "input");
    x = conv(t.stem, OpKind::DenseConv, x, ops::Act::Relu);
    for (const Bottleneck& block : t.blocks) x = bottleneck(block, x);
    x = conv(t.head, OpKind::PointwiseConv, x, ops::Act::Relu);
    x = pool("global_pool", x);
    x = conv(t.conv_head, OpKind::PointwiseConv, x, ops::Act::Relu);
    x = conv(t.classifier, OpKind::PointwiseConv, x, ops::Act::None);
    add(op_of(OpKind::Output, x, -1), "output");
    return std::move(graph_);
  }

 private:
  int bottleneck(const Bottleneck& b, int x) {
    int y = ghost(b.ghost1, x, -1);
    // No activation after the strided depthwise convolution: upstream's design.
    if (b.depthwise) y = conv(*b.depthwise, OpKind::DepthwiseConv, y, ops::Act::None);
    if (b.se) squeeze_excite(*b.se, y);
    int residual = x;
    if (b.shortcut_depthwise) {
      residual = conv(*b.shortcut_depthwise, OpKind::DepthwiseConv, x, ops::Act::None);
      residual = conv(*b.shortcut_pointwise, OpKind::PointwiseConv, residual, ops::Act::None);
    }
    return ghost(b.ghost2, y, residual);
  }

  int ghost(const GhostModule& g, int x, int residual) {
    if (g.attention && residual >= 0) {
      fail(ErrorCode::Internal, g.name + ": a ghost module with attention adds no residual");
    }
    const int gates = g.attention ? attention(*g.attention, x) : -1;
    const ops::Act act = g.relu ? ops::Act::Relu : ops::Act::None;
    const int primary = conv(g.primary, OpKind::PointwiseConv, x, act);
    const int out = value(g.out);
    Op op = op_of(OpKind::GhostCheap, primary, out);
    op.residual = residual;
    op.params = add_params(fold_conv(g.cheap, w_, source_));
    op.window = g.cheap.window;
    op.act = act;
    add(op, g.cheap.name);
    if (gates >= 0) gate(g.attention->name, out, gates);
    return out;
  }

  // V2's DFC attention on x: its gates, at a quarter of x's pixels.
  int attention(const Attention& a, int x) {
    const int pooled = value(graph_.values[std::size_t(x)].channels);
    Op op = op_of(OpKind::AvgPool, x, pooled);
    op.window = a.pool;
    add(op, a.name + ".pool");
    const int reduced = conv(a.reduce, OpKind::PointwiseConv, pooled, ops::Act::None);
    const int horizontal = conv(a.horizontal, OpKind::DepthwiseConv, reduced, ops::Act::None);
    return conv(a.vertical, OpKind::DepthwiseConv, horizontal, ops::Act::Sigmoid);
  }

  void squeeze_excite(const SqueezeExcite& se, int x) {
    const int pooled = pool(se.name + ".avg_pool", x);
    const int reduced = conv(se.reduce, OpKind::Dense, pooled, ops::Act::Relu);
    const int gates = conv(se.expand, OpKind::Dense, reduced, ops::Act::HardSigmoid);
    gate(se.name, x, gates);
  }

  // x times its gates, in place.
  void gate(const std::string& name, int x, int gates) {
    Op op = op_of(OpKind::Gate, x, x);
    op.gates = gates;
    add(op, name);
  }

  int pool(const std::string& name, int x) {
    const int out = value(graph_.values[std::size_t(x)].channels);
    add(op_of(OpKind::GlobalPool, x, out), name);
    return out;
  }

  int conv(const Conv& c, OpKind kind, int x, ops::Act act) {
    const int out = value(c.out);
    Op op = op_of(kind, x, out);
    op.params = add_params(fold_conv(c, w_, source_));
    op.window = c.window;
    op.act = act;
    add(op, c.name);
    return out;
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
  const std::string& source_;
  Graph graph_;
};

}  // namespace

ops::ConvParams fold_conv(const Conv& c, const StateDict& w, const std::string& source) {
  const int kh = c.window.kernel_h, kw = c.window.kernel_w, per_group = c.in / c.groups;
  const std::size_t per_output = std::size_t(per_group) * std::size_t(kh) * std::size_t(kw);
  std::vector<double> weight(std::size_t(c.out) * per_output, 0.0), bias(std::size_t(c.out), 0.0);
  for (const Branch& b : c.branches) {
    std::vector<double> scale(std::size_t(c.out), 1.0), shift(std::size_t(c.out), 0.0);
    if (!b.batch_norm.empty()) batch_norm(w, b.batch_norm, source, scale, shift);
    if (!b.bias.empty()) shift = doubles(w, b.bias);
    const int dy = (kh - b.kernel_h) / 2, dx = (kw - b.kernel_w) / 2;
    const std::vector<double> values = b.weight.empty() ? std::vector<double>() : doubles(w, b.weight);
    for (std::size_t o = 0; o < std::size_t(c.out); ++o) {
      if (b.weight.empty()) {  // an identity: the input channel a group's output sits on
        weight[o * per_output + (o % std::size_t(per_group)) * kh * kw + (kh / 2) * kw + kw / 2] += scale[o];
      } else {
        for (std::size_t i = 0; i < std::size_t(per_group); ++i) {
          for (int y = 0; y < b.kernel_h; ++y) {
            for (int x = 0; x < b.kernel_w; ++x) {
              const double v = values[((o * per_group + i) * b.kernel_h + y) * b.kernel_w + x];
              weight[o * per_output + (i * kh + y + dy) * kw + x + dx] += v * scale[o];
            }
          }
        }
      }
      bias[o] += shift[o];
    }
  }
  ops::ConvParams p;
  p.out = c.out;
  p.in = c.in;
  p.kernel_h = kh;
  p.kernel_w = kw;
  p.groups = c.groups;
  p.weight.assign(weight.begin(), weight.end());
  p.bias.assign(bias.begin(), bias.end());
  return p;
}

Graph build_graph(const StateDict& weights, const Topology& topology, const std::string& source) {
  return Builder(weights, topology, source).build();
}

StateDict deployed(const StateDict& weights, const Topology& topology, const std::string& source) {
  if (topology.form != Form::Training && topology.form != Form::TrainingTimm) return weights;
  const Topology target = make_topology(topology.family, Form::Deployed, topology.shape);
  const std::vector<const Conv*> from = topology.convs(), to = target.convs();
  StateDict out = weights;
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (from[i]->branches.size() == 1) continue;  // not re-parameterised: kept as it is
    for (const Branch& b : from[i]->branches) {
      for (const std::string& key : {b.weight, b.bias}) out.erase(key);
      if (b.batch_norm.empty()) continue;
      for (const char* part : {".weight", ".bias", ".running_mean", ".running_var", ".num_batches_tracked"}) {
        out.erase(b.batch_norm + part);
      }
    }
    const ops::ConvParams folded = fold_conv(*from[i], weights, source);
    auto tensor = [](std::vector<int64_t> shape, const std::vector<float>& values) {
      StoredTensor t;
      t.type = StoredType::F32;
      t.shape = std::move(shape);
      t.bytes.resize(values.size() * sizeof(float));
      std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
      return t;
    };
    const Branch& d = to[i]->branches[0];
    out[d.weight] = tensor({folded.out, folded.in / folded.groups, folded.kernel_h, folded.kernel_w}, folded.weight);
    out[d.bias] = tensor({folded.out}, folded.bias);
  }
  return out;
}

}  // namespace ghostnet::graph

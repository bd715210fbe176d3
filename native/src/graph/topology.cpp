#include "graph/topology.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <sstream>

#include "core/text.h"
#include "ghostnet/error.h"
#include "graph/upstream.h"

namespace ghostnet::graph {
namespace {

using Dims = std::vector<int64_t>;

// How a member stores a convolution that is not re-parameterised: a conv and its BatchNorm.
Conv conv_bn(const std::string& name, const std::string& weight, const std::string& batch_norm, int out, int in,
             int groups, ops::Window window) {
  Branch b{weight, batch_norm, "", window.kernel_h, window.kernel_w};
  return {name, out, in, groups, false, window, {b}};
}

Conv conv_bias(const std::string& name, const std::string& weight, const std::string& bias, int out, int in,
               int groups, ops::Window window) {
  Branch b{weight, "", bias, window.kernel_h, window.kernel_w};
  return {name, out, in, groups, false, window, {b}};
}

// V3's re-parameterisable convolution `prefix` ("blocks.3.0.ghost1.primary") in training form:
// three conv+BN branches of its kernel, a 1x1 conv+BN "scale" branch at the kernel's centre for
// kernels larger than 1, and where `skip`, an identity BatchNorm branch.
Conv reparameterisable(const std::string& name, const std::string& prefix, Form form, int out, int in, int groups,
                       ops::Window window, bool skip) {
  const std::string bn = form == Form::TrainingTimm ? ".bn1" : ".bn";
  Conv conv{name, out, in, groups, false, window, {}};
  constexpr int kConvBranches = 3;
  for (int i = 0; i < kConvBranches; ++i) {
    const std::string branch = prefix + "_rpr_conv." + std::to_string(i);
    conv.branches.push_back({branch + ".conv.weight", branch + bn, "", window.kernel_h, window.kernel_w});
  }
  if (window.kernel_h > 1 || window.kernel_w > 1) {
    conv.branches.push_back({prefix + "_rpr_scale.conv.weight", prefix + "_rpr_scale" + bn, "", 1, 1});
  }
  if (skip) conv.branches.push_back({"", prefix + "_rpr_skip", "", 1, 1});
  return conv;
}

// A convolution V3 re-parameterises, as `form` stores it. `module` is the Sequential of the
// other forms ("X.primary_conv"), `prefix` V3's branches' ("X.primary").
Conv stored_conv(Form form, const std::string& name, const std::string& module, const std::string& prefix, int out,
                 int in, int groups, ops::Window window, bool skip) {
  switch (form) {
    case Form::ConvBn: return conv_bn(name, module + ".0.weight", module + ".1", out, in, groups, window);
    case Form::Deployed: return conv_bias(name, module + ".0.weight", module + ".0.bias", out, in, groups, window);
    case Form::Training:
    case Form::TrainingTimm: return reparameterisable(name, prefix, form, out, in, groups, window, skip);
  }
  fail(ErrorCode::Internal, "unknown form " + std::to_string(int(form)));
}

Attention attention(const std::string& module, int in, int out) {
  const std::string p = module + ".short_conv";
  Attention a;
  a.name = p;
  a.pool = {2, 2, 2, 2, 0, 0};
  a.reduce = conv_bn(p + ".0", p + ".0.weight", p + ".1", out, in, 1, ops::Window::same(1, 1));
  a.horizontal = conv_bn(p + ".2", p + ".2.weight", p + ".3", out, out, out, {1, 5, 1, 1, 0, 2});
  a.vertical = conv_bn(p + ".4", p + ".4.weight", p + ".5", out, out, out, {5, 1, 1, 1, 2, 0});
  return a;
}

GhostModule ghost_module(Family family, Form form, const std::string& name, int in, int out, bool relu,
                         int cheap_kernel, bool with_attention) {
  GhostModule g;
  g.name = name;
  g.out = out;
  g.relu = relu;
  const int primary = (out + 1) / 2;
  // The official V3 gives a primary convolution whose input has its output's channels an
  // identity branch; timm's gives none. The cheap operation (ratio 2) always has one.
  g.primary = stored_conv(form, name + ".primary_conv", name + ".primary_conv", name + ".primary", primary, in, 1,
                          ops::Window::same(1, 1), form == Form::Training && in == primary);
  g.cheap = stored_conv(form, name + ".cheap_operation", name + ".cheap_operation", name + ".cheap", primary, primary,
                        primary, ops::Window::same(cheap_kernel, 1), true);
  if (with_attention && family != Family::V1) g.attention = attention(name, in, out);
  return g;
}

Bottleneck bottleneck(Family family, Form form, const std::string& prefix, const BlockShape& s, bool with_attention) {
  Bottleneck b;
  b.prefix = prefix;
  b.in = s.in;
  b.mid = s.mid;
  b.out = s.out;
  b.stride = s.stride;
  b.ghost1 = ghost_module(family, form, prefix + "ghost1", s.in, s.mid, true, s.cheap_kernel[0], with_attention);
  const ops::Window dw = ops::Window::same(s.dw_kernel, s.stride);
  if (s.stride > 1) {
    const std::string name = prefix + "conv_dw";
    switch (form) {
      case Form::ConvBn: b.depthwise = conv_bn(name, name + ".weight", prefix + "bn_dw", s.mid, s.mid, s.mid, dw); break;
      case Form::Deployed: b.depthwise = conv_bias(name, name + ".weight", name + ".bias", s.mid, s.mid, s.mid, dw); break;
      case Form::Training:
      case Form::TrainingTimm:
        b.depthwise = reparameterisable(name, prefix + "dw", form, s.mid, s.mid, s.mid, dw, false);
        break;
    }
  }
  if (s.se) {
    const std::string p = prefix + "se";
    b.se = SqueezeExcite{p, conv_bias(p + ".conv_reduce", p + ".conv_reduce.weight", p + ".conv_reduce.bias",
                                      s.se_reduced, s.mid, 1, ops::Window::same(1, 1)),
                         conv_bias(p + ".conv_expand", p + ".conv_expand.weight", p + ".conv_expand.bias", s.mid,
                                   s.se_reduced, 1, ops::Window::same(1, 1))};
  }
  b.ghost2 = ghost_module(family, form, prefix + "ghost2", s.mid, s.out, false, s.cheap_kernel[1], false);
  if (!(s.in == s.out && s.stride == 1)) {
    const std::string p = prefix + "shortcut";
    b.shortcut_depthwise = conv_bn(p + ".0", p + ".0.weight", p + ".1", s.in, s.in, s.in, dw);
    b.shortcut_pointwise = conv_bn(p + ".2", p + ".2.weight", p + ".3", s.out, s.in, 1, ops::Window::same(1, 1));
  }
  return b;
}

// "blocks.S.I." for every bottleneck, in order.
std::vector<std::string> block_prefixes() {
  std::vector<std::string> prefixes;
  for (int s = 0; s < upstream::kStages; ++s) {
    for (int i = 0; i < upstream::kBlocksPerStage[s]; ++i) {
      prefixes.push_back("blocks." + std::to_string(s) + "." + std::to_string(i) + ".");
    }
  }
  return prefixes;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has_prefix(const StateDict& weights, const std::string& prefix) {
  auto it = weights.lower_bound(prefix);
  return it != weights.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// One dimension of a key's shape, or `otherwise` when the key is absent or too short; the key
// check reports the missing key.
int dim(const StateDict& weights, const std::string& key, std::size_t axis, int otherwise = 0) {
  auto it = weights.find(key);
  if (it == weights.end() || it->second.shape.size() <= axis) return otherwise;
  return int(it->second.shape[axis]);
}

// thop's profiling buffers, which the official V2 checkpoints carry on every module.
bool is_profiling_buffer(const std::string& key) {
  for (const char* name : {"total_ops", "total_params"}) {
    if (key == name || ends_with(key, std::string(".") + name)) return true;
  }
  return false;
}

bool is_ignored(const std::string& key) { return ends_with(key, "num_batches_tracked") || is_profiling_buffer(key); }

// The member's shape as a checkpoint's tensors give it, reading each count from the key that
// `family` and `form` store it under. Every bottleneck of `names` has each optional part, so
// that every key a checkpoint might hold has its name; what a block has is read from the keys.
Shape read_shape(const StateDict& w, Family family, Form form) {
  Shape probe = shape_of_width(1.0, 1);
  for (BlockShape& b : probe.blocks) {
    b.se = true;
    b.se_reduced = 4;
    b.in = b.out + 4;  // a shortcut on every block
  }
  const Topology names = make_topology(family, form, probe);
  Shape s = shape_of_width(1.0, 1);
  s.stem = dim(w, names.stem.branches[0].weight, 0);
  int in = s.stem;
  for (std::size_t i = 0; i < s.blocks.size(); ++i) {
    const Bottleneck& n = names.blocks[i];
    BlockShape& b = s.blocks[i];
    b.in = in;
    b.mid = dim(w, n.ghost2.primary.branches[0].weight, 1);
    b.out = i + 1 < s.blocks.size() ? dim(w, names.blocks[i + 1].ghost1.primary.branches[0].weight, 1)
                                    : dim(w, names.head.branches[0].weight, 1);
    b.se = has_prefix(w, n.se->name + ".");
    b.se_reduced = dim(w, n.se->reduce.branches[0].weight, 0);
    const std::string& dw = b.stride > 1 ? n.depthwise->branches[0].weight : n.shortcut_depthwise->branches[0].weight;
    b.dw_kernel = dim(w, dw, 2, 3);
    b.cheap_kernel[0] = dim(w, n.ghost1.cheap.branches[0].weight, 2, 3);
    b.cheap_kernel[1] = dim(w, n.ghost2.cheap.branches[0].weight, 2, 3);
    in = b.out;
  }
  s.head = dim(w, names.head.branches[0].weight, 0);
  s.hidden = dim(w, names.conv_head.branches[0].weight, 0);
  s.classes = dim(w, names.classifier.branches[0].weight, 0);
  return s;
}

// The keys and shapes a topology's convolutions are stored under; a 0 in a shape means "not
// known" (its source is missing).
class Expected {
 public:
  explicit Expected(const Topology& topology) {
    for (const Conv* conv : topology.convs()) {
      for (const Branch& b : conv->branches) {
        // A count read from a key that is missing is 0, "not known"; so may be its groups.
        const int out = conv->out, per_group = conv->groups > 0 ? conv->in / conv->groups : 0;
        if (!b.weight.empty()) {
          shapes_[b.weight] = conv->linear ? Dims{out, conv->in} : Dims{out, per_group, b.kernel_h, b.kernel_w};
        }
        if (!b.bias.empty()) shapes_[b.bias] = {out};
        if (!b.batch_norm.empty()) {
          for (const char* p : {".weight", ".bias", ".running_mean", ".running_var"}) shapes_[b.batch_norm + p] = {out};
        }
      }
    }
  }

  struct Problems {
    std::vector<std::string> missing, unexpected, wrong;
    std::size_t count() const { return missing.size() + unexpected.size() + wrong.size(); }
  };

  Problems compare(const StateDict& weights) const {
    Problems p;
    for (const auto& [key, shape] : shapes_) {
      auto it = weights.find(key);
      if (it == weights.end()) {
        p.missing.push_back(key);
      } else if (!it->second.is_floating()) {
        p.wrong.push_back(key + ": expected floating point, found " + stored_type_name(it->second.type));
      } else if (!matches(shape, it->second.shape)) {
        p.wrong.push_back(key + ": expected " + dims_text(shape) + ", found " + dims_text(it->second.shape));
      }
    }
    for (const auto& [key, tensor] : weights) {
      if (!shapes_.count(key) && !is_ignored(key)) p.unexpected.push_back(key);
    }
    return p;
  }

 private:
  static bool matches(const Dims& expected, const Dims& found) {
    if (expected.size() != found.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (expected[i] != 0 && expected[i] != found[i]) return false;
    }
    return true;
  }

  std::map<std::string, Dims> shapes_;
};

void list(std::ostringstream& out, const char* what, const std::vector<std::string>& items) {
  if (items.empty()) return;
  constexpr std::size_t kShown = 20;
  out << "\n  " << what << " (" << items.size() << "):";
  for (std::size_t i = 0; i < items.size() && i < kShown; ++i) out << "\n    " << items[i];
  if (items.size() > kShown) out << "\n    ... and " << items.size() - kShown << " more";
}

const char* form_text(Form form) {
  switch (form) {
    case Form::ConvBn: return "";
    case Form::Deployed: return " (deployed form)";
    case Form::Training: return " (training form, the official names)";
    case Form::TrainingTimm: return " (training form, timm's names)";
  }
  return "";
}

void require_odd_kernel(int kernel, const std::string& key, const std::string& source) {
  if (kernel % 2 == 0) {
    fail(ErrorCode::Checkpoint, source + ": " + key + " has an even kernel size " + std::to_string(kernel) +
                                    "; GhostNet's convolutions use odd ones");
  }
}

}  // namespace

const char* family_name(Family family) {
  switch (family) {
    case Family::V1: return "GhostNet";
    case Family::V2: return "GhostNetV2";
    case Family::V3: return "GhostNetV3";
  }
  return "GhostNet";
}

std::vector<const Conv*> Topology::convs() const {
  std::vector<const Conv*> all{&stem};
  auto module = [&](const GhostModule& g) {
    if (g.attention) {
      for (const Conv* c : {&g.attention->reduce, &g.attention->horizontal, &g.attention->vertical}) all.push_back(c);
    }
    all.push_back(&g.primary);
    all.push_back(&g.cheap);
  };
  for (const Bottleneck& b : blocks) {
    module(b.ghost1);
    if (b.depthwise) all.push_back(&*b.depthwise);
    if (b.se) {
      all.push_back(&b.se->reduce);
      all.push_back(&b.se->expand);
    }
    module(b.ghost2);
    if (b.shortcut_depthwise) {
      all.push_back(&*b.shortcut_depthwise);
      all.push_back(&*b.shortcut_pointwise);
    }
  }
  for (const Conv* c : {&head, &conv_head, &classifier}) all.push_back(c);
  return all;
}

double Topology::width() const { return std::round(100.0 * head.out / upstream::kHeadChannels) / 100.0; }

std::string Topology::member() const {
  const std::string name = family_name(family);
  if (head.out <= 0) return name;
  // As GhostNet's names give it: "1.0x", "0.5x", "1.3x".
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", width());
  std::string width_text = text;
  if (width_text.back() == '0') width_text.pop_back();
  return name + " " + width_text + "x";
}

Shape shape_of_width(double width, int classes) {
  using namespace upstream;
  Shape s;
  s.stem = make_divisible(kStemChannels * width, 4);
  int in = s.stem;
  for (const BlockConfig& cfg : kBlocks) {
    BlockShape b;
    b.in = in;
    b.mid = make_divisible(cfg.expansion * width, 4);
    b.out = make_divisible(cfg.channels * width, 4);
    b.stride = cfg.stride;
    b.dw_kernel = cfg.kernel;
    b.se = cfg.se;
    b.se_reduced = make_divisible(b.mid * 0.25, 4);
    s.blocks.push_back(b);
    in = b.out;
  }
  s.head = make_divisible(kHeadChannels * width, 4);
  s.hidden = kHiddenChannels;
  s.classes = classes;
  return s;
}

Topology make_topology(Family family, Form form, const Shape& shape) {
  if ((family == Family::V3) == (form == Form::ConvBn)) {
    fail(ErrorCode::Internal, std::string(family_name(family)) + " is not stored in that form");
  }
  Topology t;
  t.family = family;
  t.form = form;
  t.shape = shape;
  t.stem = conv_bn("conv_stem", "conv_stem.weight", "bn1", shape.stem, 3, 1, ops::Window::same(3, 2));
  const std::vector<std::string> prefixes = block_prefixes();
  for (std::size_t i = 0; i < shape.blocks.size(); ++i) {
    t.blocks.push_back(bottleneck(family, form, prefixes[i], shape.blocks[i], int(i) >= upstream::kFirstAttentionBlock));
  }
  const int last = shape.blocks.empty() ? shape.stem : shape.blocks.back().out;
  t.head = conv_bn("blocks.9.0.conv", "blocks.9.0.conv.weight", "blocks.9.0.bn1", shape.head, last, 1,
                   ops::Window::same(1, 1));
  t.conv_head = conv_bias("conv_head", "conv_head.weight", "conv_head.bias", shape.hidden, shape.head, 1,
                          ops::Window::same(1, 1));
  t.classifier = conv_bias("classifier", "classifier.weight", "classifier.bias", shape.classes, shape.hidden, 1,
                           ops::Window::same(1, 1));
  t.classifier.linear = true;
  return t;
}

Topology infer_topology(const StateDict& weights, const std::string& source, std::vector<std::string>* ignored) {
  struct Candidate {
    Family family;
    Form form;
  };
  constexpr Candidate kCandidates[] = {{Family::V1, Form::ConvBn},
                                       {Family::V2, Form::ConvBn},
                                       {Family::V3, Form::Deployed},
                                       {Family::V3, Form::Training},
                                       {Family::V3, Form::TrainingTimm}};
  std::optional<Topology> nearest;
  Expected::Problems fewest;
  for (const Candidate& c : kCandidates) {
    Topology t = make_topology(c.family, c.form, read_shape(weights, c.family, c.form));
    Expected::Problems problems = Expected(t).compare(weights);
    if (!nearest || problems.count() < fewest.count()) {
      nearest = std::move(t);
      fewest = std::move(problems);
    }
  }
  const Topology& t = *nearest;
  if (fewest.count() > 0) {
    std::ostringstream message;
    message << source << " does not match GhostNet, GhostNetV2 or GhostNetV3; the nearest is " << t.member()
            << form_text(t.form) << ":";
    list(message, "missing keys", fewest.missing);
    list(message, "unexpected keys", fewest.unexpected);
    list(message, "wrong shapes", fewest.wrong);
    fail(ErrorCode::Checkpoint, message.str());
  }
  for (const Conv* conv : t.convs()) {
    if (conv->out <= 0 || conv->in <= 0) fail(ErrorCode::Checkpoint, source + ": " + conv->name + " has no channels");
  }
  for (const Bottleneck& b : t.blocks) {
    require_odd_kernel(b.ghost1.cheap.window.kernel_h, b.ghost1.cheap.name, source);
    require_odd_kernel(b.ghost2.cheap.window.kernel_h, b.ghost2.cheap.name, source);
    if (b.shortcut_depthwise) require_odd_kernel(b.shortcut_depthwise->window.kernel_h, b.shortcut_depthwise->name, source);
    if (b.depthwise) require_odd_kernel(b.depthwise->window.kernel_h, b.depthwise->name, source);
  }
  if (ignored != nullptr) {
    for (const auto& [key, tensor] : weights) {
      if (is_profiling_buffer(key)) ignored->push_back(key);
    }
  }
  return t;
}

Member parse_member(const std::string& name) {
  static const std::regex pattern("ghostnet(v2|v3)?_([0-9]{3})");
  std::smatch m;
  if (!std::regex_match(name, m, pattern) || std::stoi(m[2].str()) == 0) {
    fail(ErrorCode::InvalidArgument, "unknown model '" + name +
                                         "': expected ghostnet_WWW, ghostnetv2_WWW or ghostnetv3_WWW with the width "
                                         "multiplier in hundredths, as timm names them (ghostnet_100, ghostnetv2_130)");
  }
  const Family family = m[1] == "v2" ? Family::V2 : m[1] == "v3" ? Family::V3 : Family::V1;
  return {family, std::stoi(m[2].str()) / 100.0};
}

}  // namespace ghostnet::graph

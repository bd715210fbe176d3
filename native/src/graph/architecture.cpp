#include "graph/architecture.h"

#include <map>
#include <set>
#include <sstream>

#include "core/text.h"
#include "ghostnet/error.h"
#include "graph/upstream.h"

namespace ghostnet::graph {
namespace {

using Dims = std::vector<int64_t>;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has_prefix(const StateDict& weights, const std::string& prefix) {
  auto it = weights.lower_bound(prefix);
  return it != weights.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// One dimension of a key's shape, or 0 when the key is absent or too short; the missing
// key is reported by the key check.
int dim(const StateDict& weights, const std::string& key, std::size_t axis) {
  auto it = weights.find(key);
  if (it == weights.end() || it->second.shape.size() <= axis) return 0;
  return int(it->second.shape[axis]);
}

// The expected keys and shapes; a 0 in a shape means "not known" (its source is missing).
class Expected {
 public:
  void add(const std::string& key, Dims shape) { shapes_[key] = std::move(shape); }

  void conv(const std::string& key, int out, int in_per_group, int kernel) {
    add(key + ".weight", {out, in_per_group, kernel, kernel});
  }

  void batch_norm(const std::string& key, int channels) {
    for (const char* p : {".weight", ".bias", ".running_mean", ".running_var"}) add(key + p, {channels});
  }

  void ghost(const std::string& key, const GhostModuleSpec& g) {
    conv(key + ".primary_conv.0", g.primary, g.in, 1);
    batch_norm(key + ".primary_conv.1", g.primary);
    conv(key + ".cheap_operation.0", g.primary, 1, g.cheap_kernel);
    batch_norm(key + ".cheap_operation.1", g.primary);
  }

  // Compares with the checkpoint and throws one error listing every problem.
  void check(const StateDict& weights, const std::string& source) const {
    std::vector<std::string> missing, unexpected, wrong;
    for (const auto& [key, shape] : shapes_) {
      auto it = weights.find(key);
      if (it == weights.end()) {
        missing.push_back(key);
      } else if (!it->second.is_floating()) {
        wrong.push_back(key + ": expected floating point, found " + stored_type_name(it->second.type));
      } else if (!matches(shape, it->second.shape)) {
        wrong.push_back(key + ": expected " + dims_text(shape) + ", found " + dims_text(it->second.shape));
      }
    }
    for (const auto& [key, tensor] : weights) {
      if (!shapes_.count(key) && !ends_with(key, "num_batches_tracked")) unexpected.push_back(key);
    }
    if (missing.empty() && unexpected.empty() && wrong.empty()) return;
    std::ostringstream message;
    message << source << " does not match GhostNet:";
    list(message, "missing keys", missing);
    list(message, "unexpected keys", unexpected);
    list(message, "wrong shapes", wrong);
    fail(ErrorCode::Checkpoint, message.str());
  }

 private:
  static bool matches(const Dims& expected, const Dims& found) {
    if (expected.size() != found.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (expected[i] != 0 && expected[i] != found[i]) return false;
    }
    return true;
  }

  static void list(std::ostringstream& out, const char* what, const std::vector<std::string>& items) {
    if (items.empty()) return;
    constexpr std::size_t kShown = 20;
    out << "\n  " << what << " (" << items.size() << "):";
    for (std::size_t i = 0; i < items.size() && i < kShown; ++i) out << "\n    " << items[i];
    if (items.size() > kShown) out << "\n    ... and " << items.size() - kShown << " more";
  }

  std::map<std::string, Dims> shapes_;
};

GhostModuleSpec ghost_module(const StateDict& w, const std::string& key, int in, int out, bool relu) {
  GhostModuleSpec g;
  g.in = in;
  g.out = out;
  g.primary = (out + 1) / 2;
  g.cheap_kernel = dim(w, key + ".cheap_operation.0.weight", 2);
  if (g.cheap_kernel == 0) g.cheap_kernel = 3;
  g.relu = relu;
  return g;
}

void require_odd_kernel(int kernel, const std::string& key, const std::string& source) {
  if (kernel % 2 == 0) {
    fail(ErrorCode::Checkpoint, source + ": " + key + " has an even kernel size " + std::to_string(kernel) +
                                    "; GhostNet's convolutions use odd ones");
  }
}

}  // namespace

Architecture infer_architecture(const StateDict& w, const std::string& source) {
  Architecture arch;
  Expected expected;
  arch.stem_channels = dim(w, "conv_stem.weight", 0);
  expected.add("conv_stem.weight", {arch.stem_channels, 3, 3, 3});
  expected.batch_norm("bn1", arch.stem_channels);

  // Block prefixes in order, so each block can read its output width from the next one.
  std::vector<std::pair<std::string, int>> prefixes;
  for (int s = 0, b = 0; s < upstream::kStages; ++s) {
    for (int i = 0; i < upstream::kBlocksPerStage[s]; ++i, ++b) {
      prefixes.emplace_back("blocks." + std::to_string(s) + "." + std::to_string(i) + ".", upstream::kBlocks[b].stride);
    }
  }
  int in = arch.stem_channels;
  for (std::size_t b = 0; b < prefixes.size(); ++b) {
    BottleneckSpec block;
    block.prefix = prefixes[b].first;
    block.stride = prefixes[b].second;
    block.in = in;
    block.mid = dim(w, block.prefix + "ghost2.primary_conv.0.weight", 1);
    block.out = b + 1 < prefixes.size() ? dim(w, prefixes[b + 1].first + "ghost1.primary_conv.0.weight", 1)
                                        : dim(w, "blocks.9.0.conv.weight", 1);
    block.identity_shortcut = block.in == block.out && block.stride == 1;
    block.has_se = has_prefix(w, block.prefix + "se.");
    block.se_reduced = dim(w, block.prefix + "se.conv_reduce.weight", 0);
    const std::string dw_key = block.stride > 1 ? "conv_dw.weight" : "shortcut.0.weight";
    block.dw_kernel = dim(w, block.prefix + dw_key, 2);
    if (block.dw_kernel == 0) block.dw_kernel = 3;
    block.ghost1 = ghost_module(w, block.prefix + "ghost1", block.in, block.mid, true);
    block.ghost2 = ghost_module(w, block.prefix + "ghost2", block.mid, block.out, false);

    const std::string& p = block.prefix;
    expected.ghost(p + "ghost1", block.ghost1);
    if (block.stride > 1) {
      expected.conv(p + "conv_dw", block.mid, 1, block.dw_kernel);
      expected.batch_norm(p + "bn_dw", block.mid);
    }
    if (block.has_se) {
      expected.conv(p + "se.conv_reduce", block.se_reduced, block.mid, 1);
      expected.add(p + "se.conv_reduce.bias", {block.se_reduced});
      expected.conv(p + "se.conv_expand", block.mid, block.se_reduced, 1);
      expected.add(p + "se.conv_expand.bias", {block.mid});
    }
    expected.ghost(p + "ghost2", block.ghost2);
    if (!block.identity_shortcut) {
      expected.conv(p + "shortcut.0", block.in, 1, block.dw_kernel);
      expected.batch_norm(p + "shortcut.1", block.in);
      expected.conv(p + "shortcut.2", block.out, block.in, 1);
      expected.batch_norm(p + "shortcut.3", block.out);
    }
    in = block.out;
    arch.blocks.push_back(block);
  }

  arch.head_in = in;
  arch.head_channels = dim(w, "blocks.9.0.conv.weight", 0);
  expected.conv("blocks.9.0.conv", arch.head_channels, arch.head_in, 1);
  expected.batch_norm("blocks.9.0.bn1", arch.head_channels);
  arch.hidden = dim(w, "conv_head.weight", 0);
  expected.conv("conv_head", arch.hidden, arch.head_channels, 1);
  expected.add("conv_head.bias", {arch.hidden});
  arch.classes = dim(w, "classifier.weight", 0);
  expected.add("classifier.weight", {arch.classes, arch.hidden});
  expected.add("classifier.bias", {arch.classes});
  expected.check(w, source);

  for (const auto& block : arch.blocks) {
    require_odd_kernel(block.dw_kernel, block.prefix + "conv_dw/shortcut.0", source);
    require_odd_kernel(block.ghost1.cheap_kernel, block.prefix + "ghost1.cheap_operation.0", source);
    require_odd_kernel(block.ghost2.cheap_kernel, block.prefix + "ghost2.cheap_operation.0", source);
  }
  for (int channels : {arch.stem_channels, arch.head_channels, arch.hidden, arch.classes}) {
    if (channels <= 0) fail(ErrorCode::Checkpoint, source + ": a layer has no channels");
  }
  return arch;
}

}  // namespace ghostnet::graph

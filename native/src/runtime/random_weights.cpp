// Random weights with upstream's keys, built the way upstream's constructor builds the
// model (width multiplier, _make_divisible), so every key and shape is a real checkpoint's.
#include <cmath>
#include <cstring>
#include <random>

#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "graph/upstream.h"

namespace ghostnet {
namespace {

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  void conv(const std::string& key, int out, int in_per_group, int kernel) {
    const double scale = std::sqrt(2.0 / (double(in_per_group) * kernel * kernel));
    add(key + ".weight", {out, in_per_group, kernel, kernel}, [&] { return normal() * scale; });
  }

  void conv_bias(const std::string& key, int out, int in, int kernel) {
    conv(key, out, in, kernel);
    add(key + ".bias", {out}, [&] { return normal() * 0.05; });
  }

  void batch_norm(const std::string& key, int channels) {
    add(key + ".weight", {channels}, [&] { return uniform(0.5, 1.5); });
    add(key + ".bias", {channels}, [&] { return normal() * 0.1; });
    add(key + ".running_mean", {channels}, [&] { return normal() * 0.1; });
    add(key + ".running_var", {channels}, [&] { return uniform(0.5, 1.5); });
  }

  void ghost(const std::string& key, int in, int out) {
    const int primary = (out + 1) / 2;
    conv(key + ".primary_conv.0", primary, in, 1);
    batch_norm(key + ".primary_conv.1", primary);
    conv(key + ".cheap_operation.0", primary, 1, 3);
    batch_norm(key + ".cheap_operation.1", primary);
  }

  StateDict take() { return std::move(weights_); }

 private:
  template <typename Draw>
  void add(const std::string& key, std::vector<int64_t> shape, Draw draw) {
    StoredTensor t;
    t.type = StoredType::F32;
    t.shape = std::move(shape);
    std::vector<float> values(std::size_t(t.numel()));
    for (float& v : values) v = float(draw());
    t.bytes.resize(values.size() * sizeof(float));
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    weights_[key] = std::move(t);
  }

  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(rng_); }
  // Box-Muller from the 32-bit generator, so the values are the same on every platform.
  double normal() { return std::sqrt(-2.0 * std::log(1.0 - unit(rng_))) * std::cos(6.283185307179586 * unit(rng_)); }
  static double unit(std::mt19937& rng) { return double(rng()) / 4294967296.0; }

  std::mt19937 rng_;
  StateDict weights_;
};

}  // namespace

StateDict random_ghostnet_weights(double width, int num_classes, uint32_t seed_value) {
  if (!(width > 0.0 && width <= 10.0)) {
    fail(ErrorCode::InvalidArgument, "width multiplier must be in (0, 10], found " + std::to_string(width));
  }
  if (num_classes < 1) fail(ErrorCode::InvalidArgument, "num_classes must be positive, found " + std::to_string(num_classes));
  using namespace graph::upstream;
  Generator g(seed_value);
  const int stem = make_divisible(kStemChannels * width, 4);
  g.conv("conv_stem", stem, 3, 3);
  g.batch_norm("bn1", stem);
  int in = stem;
  for (int s = 0, b = 0; s < kStages; ++s) {
    for (int i = 0; i < kBlocksPerStage[s]; ++i, ++b) {
      const BlockConfig& cfg = kBlocks[b];
      const std::string p = "blocks." + std::to_string(s) + "." + std::to_string(i) + ".";
      const int mid = make_divisible(cfg.expansion * width, 4), out = make_divisible(cfg.channels * width, 4);
      g.ghost(p + "ghost1", in, mid);
      if (cfg.stride > 1) {
        g.conv(p + "conv_dw", mid, 1, cfg.kernel);
        g.batch_norm(p + "bn_dw", mid);
      }
      if (cfg.se) {
        const int reduced = make_divisible(mid * 0.25, 4);
        g.conv_bias(p + "se.conv_reduce", reduced, mid, 1);
        g.conv_bias(p + "se.conv_expand", mid, reduced, 1);
      }
      g.ghost(p + "ghost2", mid, out);
      if (!(in == out && cfg.stride == 1)) {
        g.conv(p + "shortcut.0", in, 1, cfg.kernel);
        g.batch_norm(p + "shortcut.1", in);
        g.conv(p + "shortcut.2", out, in, 1);
        g.batch_norm(p + "shortcut.3", out);
      }
      in = out;
    }
  }
  const int head = make_divisible(kHeadChannels * width, 4);
  g.conv("blocks.9.0.conv", head, in, 1);
  g.batch_norm("blocks.9.0.bn1", head);
  g.conv_bias("conv_head", kHiddenChannels, head, 1);
  StateDict weights = g.take();
  Generator classifier(seed_value + 1);
  // The classifier is a Linear layer: [classes, 1280], no kernel dimensions.
  classifier.conv_bias("classifier", num_classes, kHiddenChannels, 1);
  for (auto& [key, tensor] : classifier.take()) {
    if (key == "classifier.weight") tensor.shape = {num_classes, kHiddenChannels};
    weights[key] = std::move(tensor);
  }
  return weights;
}

}  // namespace ghostnet

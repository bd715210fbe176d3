// Random weights for any member of the family, with the keys and shapes of a real checkpoint
// (graph/topology.h names them), made by integer arithmetic alone so that every platform, and
// the tests' Python reference (tests/reference/fixture_weights.py), gets the same values.
//
// Every value of a key is drawn from splitmix64: the key's stream starts at
// splitmix64(seed ^ fnv1a64(key)), and element i of it is splitmix64(start + i). A
// convolution's or linear layer's weight takes k * 2^-m from draw d, k = d mod 2047 - 1023, with
// m the least m >= 0 for which 1023^2 * fan_in <= 3 * 4^m: uniform within at most
// +-sqrt(3 / fan_in), exact in float16. BatchNorms get their parameters and statistics, and
// biases their values, from the same streams, in ranges that keep a forward pass near its
// input's scale.
#include <cmath>
#include <cstring>

#include "ghostnet/error.h"
#include "ghostnet/model.h"
#include "graph/topology.h"
#include "graph/upstream.h"

namespace ghostnet {
namespace {

constexpr int64_t kRange = 1023;

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t fnv1a64(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : seed_(seed) {}

  // A weight: k * 2^-m, as the file's comment says.
  void weight(const std::string& key, std::vector<int64_t> shape) {
    int64_t fan_in = 1;
    for (std::size_t d = 1; d < shape.size(); ++d) fan_in *= shape[d];
    int m = 0;
    while (kRange * kRange * fan_in > 3 * (int64_t(1) << (2 * m))) ++m;
    add(key, std::move(shape), [m](uint64_t d) { return std::ldexp(double(int64_t(d % (2 * kRange + 1)) - kRange), -m); });
  }

  void bias(const std::string& key, int channels) {
    add(key, {channels}, [](uint64_t d) { return 0.1 * (unit(d) - 0.5); });
  }

  void batch_norm(const std::string& key, int channels) {
    add(key + ".weight", {channels}, [](uint64_t d) { return 0.5 + unit(d); });
    add(key + ".bias", {channels}, [](uint64_t d) { return 0.2 * (unit(d) - 0.5); });
    add(key + ".running_mean", {channels}, [](uint64_t d) { return 0.2 * (unit(d) - 0.5); });
    add(key + ".running_var", {channels}, [](uint64_t d) { return 0.5 + unit(d); });
  }

  StateDict take() { return std::move(weights_); }

 private:
  // The top 53 bits of a draw as a double in [0, 1).
  static double unit(uint64_t d) { return std::ldexp(double(d >> 11), -53); }

  template <typename Value>
  void add(const std::string& key, std::vector<int64_t> shape, Value value) {
    StoredTensor t;
    t.type = StoredType::F32;
    t.shape = std::move(shape);
    std::vector<float> values(std::size_t(t.numel()));
    const uint64_t start = splitmix64(uint64_t(seed_) ^ fnv1a64(key));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = float(value(splitmix64(start + i)));
    t.bytes.resize(values.size() * sizeof(float));
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    weights_[key] = std::move(t);
  }

  uint32_t seed_;
  StateDict weights_;
};

}  // namespace

StateDict random_ghostnet_weights(const std::string& model, int num_classes, uint32_t seed) {
  const graph::Member member = graph::parse_member(model);
  if (!(member.width > 0.0 && member.width <= 10.0)) {
    fail(ErrorCode::InvalidArgument, "width multiplier must be in (0, 10], found " + std::to_string(member.width));
  }
  if (num_classes < 1) fail(ErrorCode::InvalidArgument, "num_classes must be positive, found " + std::to_string(num_classes));
  // V3 as it is trained and published: branches, under the official names.
  const graph::Form form = member.family == graph::Family::V3 ? graph::Form::Training : graph::Form::ConvBn;
  const graph::Topology topology =
      graph::make_topology(member.family, form, graph::shape_of_width(member.width, num_classes));
  Generator g(seed);
  for (const graph::Conv* conv : topology.convs()) {
    for (const graph::Branch& b : conv->branches) {
      if (!b.weight.empty()) {
        g.weight(b.weight, conv->linear ? std::vector<int64_t>{conv->out, conv->in}
                                        : std::vector<int64_t>{conv->out, conv->in / conv->groups, b.kernel_h, b.kernel_w});
      }
      if (!b.bias.empty()) g.bias(b.bias, conv->out);
      if (!b.batch_norm.empty()) g.batch_norm(b.batch_norm, conv->out);
    }
  }
  return g.take();
}

}  // namespace ghostnet

#include "ops/weights.h"

namespace ghostnet::ops {

std::vector<float> channels_last_weights(const ConvParams& p) {
  const std::size_t k = std::size_t(p.kernel), in = std::size_t(p.in / p.groups), out = std::size_t(p.out);
  std::vector<float> result(p.weight.size());
  for (std::size_t o = 0; o < out; ++o) {
    for (std::size_t i = 0; i < in; ++i) {
      for (std::size_t tap = 0; tap < k * k; ++tap) {
        result[(tap * in + i) * out + o] = p.weight[(o * in + i) * k * k + tap];
      }
    }
  }
  return result;
}

}  // namespace ghostnet::ops

#include "ops/weights.h"

namespace ghostnet::ops {

std::vector<float> channels_last_weights(const ConvParams& p) {
  const std::size_t taps = std::size_t(p.kernel_h) * std::size_t(p.kernel_w);
  const std::size_t in = std::size_t(p.in / p.groups), out = std::size_t(p.out);
  std::vector<float> result(p.weight.size());
  for (std::size_t o = 0; o < out; ++o) {
    for (std::size_t i = 0; i < in; ++i) {
      for (std::size_t tap = 0; tap < taps; ++tap) {
        result[(tap * in + i) * out + o] = p.weight[(o * in + i) * taps + tap];
      }
    }
  }
  return result;
}

}  // namespace ghostnet::ops

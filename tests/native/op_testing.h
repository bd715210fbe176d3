// What the op tests share: random values, unpadded geometry, and running a functor over
// its elements one by one, the form GPUs run.
#pragma once

#include <random>
#include <vector>

#include "ops/common.h"

namespace ghostnet::testing {

inline std::vector<float> random_values(std::size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// An unpadded NHWC tensor.
inline ops::Geometry nhwc(ops::index_t batch, int height, int width, int channels) {
  ops::Geometry g;
  g.batch = batch;
  g.height = height;
  g.width = width;
  g.channels = g.stored_channels = channels;
  return g;
}

template <typename F>
void run_elements(const F& f) {
  for (ops::index_t p = 0; p < f.out.shape.pixels(); ++p) {
    for (int c = 0; c < f.out.shape.stored_channels; ++c) f(p, c);
  }
}

}  // namespace ghostnet::testing

// What the op tests share: random values, unpadded geometry, and running a functor over
// its elements one by one, the form GPUs run.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "host/isa.h"
#include "ops/activation.h"
#include "ops/common.h"
#include "ops/weights.h"

namespace ghostnet::testing {

inline std::vector<float> random_values(std::size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Random weights in PyTorch's layout, [out][in / groups][kernel_h][kernel_w], and biases.
inline ops::ConvParams random_params(int out, int in, int kernel_h, int kernel_w, int groups, unsigned seed) {
  ops::ConvParams p;
  p.out = out;
  p.in = in;
  p.kernel_h = kernel_h;
  p.kernel_w = kernel_w;
  p.groups = groups;
  p.weight = random_values(std::size_t(out) * (in / groups) * kernel_h * kernel_w, seed);
  p.bias = random_values(std::size_t(out), seed + 1);
  return p;
}

// The same with a square kernel.
inline ops::ConvParams random_params(int out, int in, int kernel, int groups, unsigned seed) {
  return random_params(out, in, kernel, kernel, groups, seed);
}

// Each activation as its textbook (and PyTorch's) formula, in double: what the ops' own
// (ops/activation.h) are held to.
inline double textbook_activation(ops::Act act, double x) {
  switch (act) {
    case ops::Act::None: return x;
    case ops::Act::Relu: return std::max(0.0, x);
    case ops::Act::HardSigmoid: return std::min(6.0, std::max(0.0, x + 3.0)) / 6.0;  // relu6(x + 3) / 6
    case ops::Act::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
  }
  return x;
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

// Every instruction set this CPU has kernels for, the baseline first.
inline std::vector<host::Isa> available_isas() {
  std::vector<host::Isa> isas;
  for (host::Isa isa : {host::Isa::Baseline, host::Isa::Avx2, host::Isa::Avx512}) {
    if (isa <= host::cpu_isa()) isas.push_back(isa);
  }
  return isas;
}

}  // namespace ghostnet::testing

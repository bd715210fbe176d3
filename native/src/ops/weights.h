// An op's weights: as the graph holds them, and as the functors read them.
#pragma once

#include <vector>

namespace ghostnet::ops {

// A convolution with BatchNorm folded in: weight in PyTorch's order
// [out][in / groups][kernel_h][kernel_w], one bias per output channel.
struct ConvParams {
  int out = 0;
  int in = 0;
  int kernel_h = 1;
  int kernel_w = 1;
  int groups = 1;
  std::vector<float> weight;
  std::vector<float> bias;
};

// [out][in / groups][KH][KW] -> [KH][KW][in / groups][out]: the output channel fastest, so a
// functor reads the weights of neighbouring output channels contiguously (the layout the
// convolution functors' functor_weights give).
std::vector<float> channels_last_weights(const ConvParams& params);

}  // namespace ghostnet::ops

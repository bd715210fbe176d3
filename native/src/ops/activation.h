// The activations ops fuse, written once for the functors (here, for both executors) and once
// for the host's fast paths (activation_host.h); cuDNN's fused call takes those it has
// (pointwise_conv_cudnn.cpp). Every switch over Act lists each one without a default, and the
// build makes a missing case an error (-Werror=switch): a kernel cannot leave one out unseen.
#pragma once

#include <cmath>
#include <cstdint>

#include "ops/common.h"

namespace ghostnet::ops {

enum class Act : int32_t {
  None = 0,
  Relu = 1,
  HardSigmoid = 2,  // PyTorch's relu6(x + 3) / 6: upstream's gate for squeeze-excite
  Sigmoid = 3,      // 1 / (1 + exp(-x)): GhostNetV2's gate for its attention
};

// Every activation, for the tests that hold each kernel to each.
constexpr Act kActivations[] = {Act::None, Act::Relu, Act::HardSigmoid, Act::Sigmoid};

inline const char* activation_name(Act act) {
  switch (act) {
    case Act::None: return "none";
    case Act::Relu: return "relu";
    case Act::HardSigmoid: return "hard_sigmoid";
    case Act::Sigmoid: return "sigmoid";
  }
  return "an unknown activation";
}

GN_HD float activate(Act act, float x) {
  switch (act) {
    case Act::None: return x;
    case Act::Relu: return x > 0.0f ? x : 0.0f;
    case Act::HardSigmoid: return (x + 3.0f <= 0.0f ? 0.0f : x + 3.0f >= 6.0f ? 6.0f : x + 3.0f) / 6.0f;
    case Act::Sigmoid: return 1.0f / (1.0f + expf(-x));
  }
  return x;
}

}  // namespace ghostnet::ops

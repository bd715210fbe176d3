// GhostNet's architecture as a checkpoint describes it.
//
// The topology is upstream's (graph/upstream.h): a stem, nine stages of ghost bottlenecks
// with fixed strides, a 1x1 ConvBnAct, then the head. Channel counts, kernel
// sizes, squeeze-excite presence and the class count are read from the checkpoint's
// shapes, so every width multiplier and class count loads; every key is then checked.
#pragma once

#include <string>
#include <vector>

#include "ghostnet/checkpoint.h"

namespace ghostnet::graph {

struct GhostModuleSpec {
  int in = 0;
  int out = 0;      // channels kept from concat(primary, cheap)
  int primary = 0;  // ceil(out / 2): the 1x1 convolution's output channels
  int cheap_kernel = 3;
  bool relu = true;
};

struct BottleneckSpec {
  std::string prefix;  // "blocks.S.I."
  int in = 0;
  int mid = 0;
  int out = 0;
  int stride = 1;
  int dw_kernel = 3;   // conv_dw's and the shortcut's depthwise kernel
  bool has_se = false;
  int se_reduced = 0;
  bool identity_shortcut = true;
  GhostModuleSpec ghost1, ghost2;
};

struct Architecture {
  int stem_channels = 0;
  std::vector<BottleneckSpec> blocks;
  int head_in = 0;       // blocks.9.0.conv input channels
  int head_channels = 0; // its output (960 at width 1.0)
  int hidden = 0;        // conv_head's output (1280)
  int classes = 0;
};

// Reads the architecture from `weights` and checks every key against it: missing keys,
// unexpected keys, wrong shapes and non-float parameters are all listed in one
// Error(Checkpoint) that names `source`. BatchNorm's num_batches_tracked is ignored.
Architecture infer_architecture(const StateDict& weights, const std::string& source);

}  // namespace ghostnet::graph

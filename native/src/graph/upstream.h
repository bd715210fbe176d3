// GhostNet's configuration as the upstream model defines it (huawei-noah's
// ghostnet_pytorch/ghostnet.py: its `cfgs` table and `_make_divisible`; GhostNetV2 and V3 share
// them), the one place it is written here. graph/topology.h builds every member from it.
#pragma once

#include <cmath>

namespace ghostnet::graph::upstream {

struct BlockConfig {
  int kernel;     // k: conv_dw / shortcut kernel
  int expansion;  // t: hidden channels before the width multiplier
  int channels;   // c: output channels before the width multiplier
  bool se;        // squeeze-excite (ratio 0.25)
  int stride;     // s
};

constexpr int kStages = 9;
constexpr int kBlocksPerStage[kStages] = {1, 1, 1, 1, 1, 1, 5, 1, 4};
constexpr BlockConfig kBlocks[16] = {
    {3, 16, 16, false, 1},                                                                    // stage 1
    {3, 48, 24, false, 2},  {3, 72, 24, false, 1},                                            // stage 2
    {5, 72, 40, true, 2},   {5, 120, 40, true, 1},                                            // stage 3
    {3, 240, 80, false, 2}, {3, 200, 80, false, 1}, {3, 184, 80, false, 1},                   // stage 4
    {3, 184, 80, false, 1}, {3, 480, 112, true, 1}, {3, 672, 112, true, 1},
    {5, 672, 160, true, 2}, {5, 960, 160, false, 1}, {5, 960, 160, true, 1},                  // stage 5
    {5, 960, 160, false, 1}, {5, 960, 160, true, 1}};
// GhostNetV2's DFC attention (and V3's) is on ghost1 of every bottleneck from this one on,
// counted over the whole network (upstream's `layer_id > 1`).
constexpr int kFirstAttentionBlock = 2;
constexpr int kStemChannels = 16;
constexpr int kHeadChannels = 960;   // blocks.9: the last stage's expansion
constexpr int kHiddenChannels = 1280;  // conv_head, not scaled by the width

// Upstream's _make_divisible: round to the nearest multiple of `divisor`, at least
// `divisor`, and never more than 10% below v.
inline int make_divisible(double v, int divisor) {
  int rounded = int(v + divisor / 2.0) / divisor * divisor;
  if (rounded < divisor) rounded = divisor;
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

}  // namespace ghostnet::graph::upstream

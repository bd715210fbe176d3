// The GhostNet family as one description: which modules a member has, the checkpoint keys
// that hold each of its convolutions, their shapes and windows, and how its blocks wire them.
// The key check (infer_topology), the graph builder (graph.h) and random weights all read
// this description, and nothing else knows a key's name.
//
// The members share a stem, nine stages of ghost bottlenecks and a head (huawei-noah's
// ghostnet_pytorch/ghostnet.py, its `cfgs`, which graph/upstream.h holds):
//   v1   GhostNet (CVPR 2020);
//   V2   GhostNetV2 (NeurIPS 2022): ghost1 of every bottleneck after the first two gates its
//        output by a DFC attention branch on its input (Efficient-AI-Backbones'
//        ghostnetv2_torch.py);
//   V3   GhostNetV3 (2024): V2's structure, trained with re-parameterisable branches that fold
//        into one convolution at load (Efficient-AI-Backbones' ghostnetv3.py; timm's
//        ghostnet.py names them differently).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ghostnet/checkpoint.h"
#include "ops/activation.h"
#include "ops/common.h"

namespace ghostnet::graph {

enum class Family { V1, V2, V3 };

// How a checkpoint stores the convolutions V3 re-parameterises (each ghost module's primary
// and cheap ones, the strided depthwise one). The family's other convolutions are always a
// conv and its BatchNorm.
enum class Form {
  ConvBn,        // a conv and its BatchNorm: v1 and V2
  Deployed,      // V3 re-parameterised: a conv with a bias, no BatchNorm
  Training,      // V3 as trained: summed branches, with the official repository's names (".bn.")
  TrainingTimm,  // the same with timm's names (".bn1.")
};

// One stored term of a convolution: a conv (with its BatchNorm, or a bias) or, for an identity
// branch, a BatchNorm alone. Branches are summed before the activation.
struct Branch {
  std::string weight;      // the key of [out, in / groups, kh, kw] ([out, in] when linear); "" for an identity
  std::string batch_norm;  // the prefix of its BatchNorm's keys, or ""
  std::string bias;        // the key of its bias, or ""
  int kernel_h = 1, kernel_w = 1;  // the branch's own; a smaller one sits at the centre of the conv's
};

// One convolution of the inference graph, summed from its branches.
struct Conv {
  std::string name;  // the module, for reports: "blocks.3.0.ghost1.primary_conv"
  int out = 0;
  int in = 0;
  int groups = 1;
  bool linear = false;  // a Linear layer's weight, [out, in]
  ops::Window window;
  std::vector<Branch> branches;
};

// V2's DFC attention: the module's input pooled 2x2, a 1x1 conv, depthwise (1,5) and (5,1)
// convs (each with its BatchNorm, no activation), a sigmoid, and the ghost output multiplied by
// it, upsampled nearest.
struct Attention {
  std::string name;  // "blocks.S.I.ghost1.short_conv"
  ops::Window pool;
  Conv reduce, horizontal, vertical;
};

struct GhostModule {
  std::string name;  // "blocks.S.I.ghost1"
  int out = 0;       // channels kept of concat(primary, cheap)
  bool relu = true;
  Conv primary;      // 1x1, ceil(out / 2) channels
  Conv cheap;        // depthwise on the primary's output
  std::optional<Attention> attention;
};

struct SqueezeExcite {
  std::string name;  // "blocks.S.I.se"
  Conv reduce, expand;
};

struct Bottleneck {
  std::string prefix;  // "blocks.S.I."
  int in = 0, mid = 0, out = 0, stride = 1;
  GhostModule ghost1;
  std::optional<Conv> depthwise;  // stride > 1: conv_dw, with no activation after it
  std::optional<SqueezeExcite> se;
  GhostModule ghost2;
  std::optional<Conv> shortcut_depthwise, shortcut_pointwise;  // absent: the identity
};

// The channel counts, kernels and choices a member is built with: from a width multiplier
// (shape_of_width, as upstream's constructor builds it) or from a checkpoint's tensors.
struct BlockShape {
  int in = 0, mid = 0, out = 0, stride = 1;
  int dw_kernel = 3;  // conv_dw's and the shortcut's depthwise kernel
  int cheap_kernel[2] = {3, 3};  // ghost1's and ghost2's cheap operation
  bool se = false;
  int se_reduced = 0;
};

struct Shape {
  int stem = 0;
  std::vector<BlockShape> blocks;
  int head = 0;    // blocks.9.0's output: 960 at width 1.0
  int hidden = 0;  // conv_head's output: 1280
  int classes = 0;
};

struct Topology {
  Family family = Family::V1;
  Form form = Form::ConvBn;
  Shape shape;  // what it was built from
  Conv stem;
  std::vector<Bottleneck> blocks;
  Conv head;        // blocks.9.0: 1x1 ConvBnAct
  Conv conv_head;   // 1x1 with a bias, 1280 outputs whatever the width
  Conv classifier;  // Linear

  int classes() const { return classifier.out; }
  // Every convolution, in the order the forward pass runs them.
  std::vector<const Conv*> convs() const;
  // The width multiplier, from the head's channels: _make_divisible(960 * width, 4) stays
  // within 4 channels of 960 * width, so two decimals recover it (the stem's 16 * width cannot
  // tell 1.3x from 1.25x).
  double width() const;
  // "GhostNetV2 1.3x".
  std::string member() const;
};

Shape shape_of_width(double width, int classes);

Topology make_topology(Family family, Form form, const Shape& shape);

// The member a checkpoint holds, read from its keys and shapes, every key checked: the
// family and form whose keys it matches (with its widths, kernels and class count read from
// the shapes), or an Error(Checkpoint) naming `source` and the nearest member, listing the keys
// missing, unexpected and of the wrong shape. BatchNorm's num_batches_tracked and thop's
// profiling buffers (total_ops, total_params) are not weights: `ignored`, when given, gets the
// latter.
Topology infer_topology(const StateDict& weights, const std::string& source, std::vector<std::string>* ignored = nullptr);

// The family member a name such as "ghostnetv2_130" (timm's names) or "ghostnet_100" means, at
// its width; fails with Error(InvalidArgument) naming those it knows.
struct Member {
  Family family = Family::V1;
  double width = 1.0;
};
Member parse_member(const std::string& name);

const char* family_name(Family family);  // "GhostNet", "GhostNetV2", "GhostNetV3"

}  // namespace ghostnet::graph

"""The GhostNet family in PyTorch: the numerical oracle for libghostnet.

Written from the publishers' models: GhostNet (huawei-noah's ghostnet_pytorch/ghostnet.py), GhostNetV2
(huawei-noah's Efficient-AI-Backbones, ghostnetv2_pytorch/model/ghostnetv2_torch.py) and GhostNetV3
(the same repository's ghostnetv3_pytorch/ghostnetv3.py). Module and attribute names follow theirs,
so state_dict keys are those of the official checkpoints (and, v1 and V2, of timm's); timm_keys()
gives timm's names for a V3 training-form state_dict.

    ghostnet(width=1.0, num_classes=1000)                      # v1
    ghostnet(width, num_classes, version='v2')                 # DFC attention on ghost1 after block 1
    ghostnet(width, num_classes, version='v3')                 # V3 as trained: re-parameterisable branches
    ghostnet(width, num_classes, version='v3', deployed=True)  # V3 re-parameterised: convs with a bias
    model.reparameterize()                                     # V3's training form to its deployed one
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# k, exp_size, c, se_ratio, stride; one inner list per stage (= one blocks.S Sequential).
CFGS = [
    [[3, 16, 16, 0, 1]],
    [[3, 48, 24, 0, 2]],
    [[3, 72, 24, 0, 1]],
    [[5, 72, 40, 0.25, 2]],
    [[5, 120, 40, 0.25, 1]],
    [[3, 240, 80, 0, 2]],
    [[3, 200, 80, 0, 1],
     [3, 184, 80, 0, 1],
     [3, 184, 80, 0, 1],
     [3, 480, 112, 0.25, 1],
     [3, 672, 112, 0.25, 1]],
    [[5, 672, 160, 0.25, 2]],
    [[5, 960, 160, 0, 1],
     [5, 960, 160, 0.25, 1],
     [5, 960, 160, 0, 1],
     [5, 960, 160, 0.25, 1]],
]
# V2's DFC attention (and V3's) is on ghost1 of every bottleneck after the first two, counted over
# the whole network.
FIRST_ATTENTION_BLOCK = 2
# V3's re-parameterisable convolutions sum this many conv+BN branches.
CONV_BRANCHES = 3


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    # Rounding must not lose more than 10% of the channels.
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def hard_sigmoid(x):
    return F.relu6(x + 3.) / 6.


class SqueezeExcite(nn.Module):
    def __init__(self, in_chs, se_ratio=0.25, divisor=4):
        super().__init__()
        reduced_chs = _make_divisible(in_chs * se_ratio, divisor)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.conv_reduce = nn.Conv2d(in_chs, reduced_chs, 1, bias=True)
        self.act1 = nn.ReLU(inplace=True)
        self.conv_expand = nn.Conv2d(reduced_chs, in_chs, 1, bias=True)

    def forward(self, x):
        s = self.conv_expand(self.act1(self.conv_reduce(self.avg_pool(x))))
        return x * hard_sigmoid(s)


class ConvBnAct(nn.Module):
    def __init__(self, in_chs, out_chs, kernel_size, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_chs, out_chs, kernel_size, stride, kernel_size // 2, bias=False)
        self.bn1 = nn.BatchNorm2d(out_chs)
        self.act1 = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act1(self.bn1(self.conv(x)))


def conv_bn(in_chs, out_chs, kernel_size, stride=1, padding=0, groups=1):
    """A conv and its BatchNorm, as V3's branches name them: .conv and .bn."""
    m = nn.Sequential()
    m.add_module('conv', nn.Conv2d(in_chs, out_chs, kernel_size, stride, padding, groups=groups, bias=False))
    m.add_module('bn', nn.BatchNorm2d(out_chs))
    return m


class RepConv:
    """V3's re-parameterisable convolution, in training form: CONV_BRANCHES conv+BN branches of the
    full kernel, a 1x1 conv+BN "scale" branch (for kernels larger than 1) and, where input and output
    match (stride 1, equal channels), an identity BatchNorm "skip" branch, summed. `prefix` names its
    modules as V3's do: prefix_rpr_conv.{i}, prefix_rpr_scale, prefix_rpr_skip."""

    def __init__(self, owner, prefix, in_chs, out_chs, kernel_size, stride, groups, skip):
        # Not a module of its own: its branches are the owner's, under the owner's names.
        self.owner, self.prefix = owner, prefix
        self.kernel_size, self.stride, self.groups = kernel_size, stride, groups
        self.in_chs, self.out_chs = in_chs, out_chs
        pad = (kernel_size - 1) // 2
        setattr(owner, prefix + '_rpr_skip', nn.BatchNorm2d(in_chs) if skip else None)
        setattr(owner, prefix + '_rpr_conv', nn.ModuleList(
            conv_bn(in_chs, out_chs, kernel_size, stride, pad, groups) for _ in range(CONV_BRANCHES)))
        setattr(owner, prefix + '_rpr_scale',
                conv_bn(in_chs, out_chs, 1, stride, 0, groups) if kernel_size > 1 else None)

    def branches(self):
        o, p = self.owner, self.prefix
        return getattr(o, p + '_rpr_skip'), getattr(o, p + '_rpr_conv'), getattr(o, p + '_rpr_scale')

    def __call__(self, x):
        skip, convs, scale = self.branches()
        y = sum(c(x) for c in convs)
        if scale is not None:
            y = y + scale(x)
        if skip is not None:
            y = y + skip(x)
        return y

    def fused(self):
        """The one conv (weight, bias) the branches sum to, in the weights' dtype."""
        skip, convs, scale = self.branches()
        k = self.kernel_size
        weight, bias = 0, 0
        for c in convs:
            w, b = fuse_bn(c.conv.weight, c.bn)
            weight, bias = weight + w, bias + b
        if scale is not None:
            w, b = fuse_bn(scale.conv.weight, scale.bn)
            weight, bias = weight + F.pad(w, [k // 2] * 4), bias + b
        if skip is not None:
            per_group = self.in_chs // self.groups
            identity = torch.zeros(self.out_chs, per_group, k, k, dtype=skip.weight.dtype)
            for i in range(self.out_chs):
                identity[i, i % per_group, k // 2, k // 2] = 1
            w, b = fuse_bn(identity, skip)
            weight, bias = weight + w, bias + b
        return weight, bias

    def deployed_conv(self):
        w, b = self.fused()
        conv = nn.Conv2d(self.in_chs, self.out_chs, self.kernel_size, self.stride, (self.kernel_size - 1) // 2,
                         groups=self.groups, bias=True).to(w.dtype)
        with torch.no_grad():
            conv.weight.copy_(w)
            conv.bias.copy_(b)
        return conv


def fuse_bn(weight, bn):
    std = (bn.running_var + bn.eps).sqrt()
    t = bn.weight / std
    return weight * t.reshape(-1, 1, 1, 1), bn.bias - bn.running_mean * t


def dfc_branch(inp, oup, kernel_size=1, stride=1):
    """V2's DFC attention, as `short_conv`: 1x1 conv+BN, then depthwise (1,5) and (5,1) convs+BN."""
    return nn.Sequential(
        nn.Conv2d(inp, oup, kernel_size, stride, kernel_size // 2, bias=False),
        nn.BatchNorm2d(oup),
        nn.Conv2d(oup, oup, kernel_size=(1, 5), stride=1, padding=(0, 2), groups=oup, bias=False),
        nn.BatchNorm2d(oup),
        nn.Conv2d(oup, oup, kernel_size=(5, 1), stride=1, padding=(2, 0), groups=oup, bias=False),
        nn.BatchNorm2d(oup),
    )


def attention_gate(short_conv, x, out):
    """V2's gate on a ghost module's output: the DFC branch on x pooled 2x2, sigmoid, nearest-upsampled."""
    res = short_conv(F.avg_pool2d(x, kernel_size=2, stride=2))
    return out * F.interpolate(torch.sigmoid(res), size=(out.shape[-2], out.shape[-1]), mode='nearest')


def maybe_relu(relu):
    # An empty Sequential (not Identity) where there is no ReLU: it keeps upstream's indices
    # (primary_conv.0 = conv, .1 = bn) and adds no state_dict keys.
    return nn.ReLU(inplace=True) if relu else nn.Sequential()


class GhostModule(nn.Module):
    """v1's and V2's ghost module (V2's with `attention`), and V3's in deployed form (`deployed`:
    its primary and cheap convs carry a bias and no BatchNorm)."""

    def __init__(self, inp, oup, kernel_size=1, ratio=2, dw_size=3, stride=1, relu=True, attention=False,
                 deployed=False):
        super().__init__()
        self.oup = oup
        init_channels = math.ceil(oup / ratio)
        new_channels = init_channels * (ratio - 1)
        if deployed:
            self.primary_conv = nn.Sequential(
                nn.Conv2d(inp, init_channels, kernel_size, stride, kernel_size // 2, bias=True), maybe_relu(relu))
            self.cheap_operation = nn.Sequential(
                nn.Conv2d(init_channels, new_channels, dw_size, 1, dw_size // 2, groups=init_channels, bias=True),
                maybe_relu(relu))
        else:
            self.primary_conv = nn.Sequential(
                nn.Conv2d(inp, init_channels, kernel_size, stride, kernel_size // 2, bias=False),
                nn.BatchNorm2d(init_channels), maybe_relu(relu))
            self.cheap_operation = nn.Sequential(
                nn.Conv2d(init_channels, new_channels, dw_size, 1, dw_size // 2, groups=init_channels, bias=False),
                nn.BatchNorm2d(new_channels), maybe_relu(relu))
        self.short_conv = dfc_branch(inp, oup, kernel_size, stride) if attention else None

    def forward(self, x):
        x1 = self.primary_conv(x)
        x2 = self.cheap_operation(x1)
        # With an odd oup, the last cheap channel is computed and dropped.
        out = torch.cat([x1, x2], dim=1)[:, :self.oup]
        return attention_gate(self.short_conv, x, out) if self.short_conv is not None else out


class GhostModuleV3(nn.Module):
    """V3's ghost module as trained: its primary and cheap convs are RepConvs, each followed by the
    module's ReLU (if any). The primary's skip branch exists where its input has its output's
    channels; the cheap operation (ratio 2) always has one."""

    def __init__(self, inp, oup, kernel_size=1, ratio=2, dw_size=3, stride=1, relu=True, attention=False):
        super().__init__()
        self.oup = oup
        init_channels = math.ceil(oup / ratio)
        new_channels = init_channels * (ratio - 1)
        self.primary = RepConv(self, 'primary', inp, init_channels, kernel_size, stride, 1,
                               skip=inp == init_channels and stride == 1)
        self.cheap = RepConv(self, 'cheap', init_channels, new_channels, dw_size, 1, init_channels,
                             skip=init_channels == new_channels)
        self.relu = relu
        self.short_conv = dfc_branch(inp, oup, kernel_size, stride) if attention else None

    def forward(self, x):
        act = F.relu if self.relu else (lambda t: t)
        x1 = act(self.primary(x))
        x2 = act(self.cheap(x1))
        out = torch.cat([x1, x2], dim=1)[:, :self.oup]
        return attention_gate(self.short_conv, x, out) if self.short_conv is not None else out

    def deployed(self):
        """This module re-parameterised: a GhostModule(deployed=True) holding the fused convs."""
        m = GhostModule.__new__(GhostModule)
        nn.Module.__init__(m)
        m.oup = self.oup
        m.primary_conv = nn.Sequential(self.primary.deployed_conv(), maybe_relu(self.relu))
        m.cheap_operation = nn.Sequential(self.cheap.deployed_conv(), maybe_relu(self.relu))
        m.short_conv = self.short_conv
        return m


class GhostBottleneck(nn.Module):
    def __init__(self, in_chs, mid_chs, out_chs, dw_kernel_size=3, stride=1, se_ratio=0., version='v1',
                 attention=False, deployed=False):
        super().__init__()
        self.stride = stride
        training_v3 = version == 'v3' and not deployed
        if training_v3:
            self.ghost1 = GhostModuleV3(in_chs, mid_chs, relu=True, attention=attention)
        else:
            self.ghost1 = GhostModule(in_chs, mid_chs, relu=True, attention=attention, deployed=deployed)
        self.dw = None
        if stride > 1:
            # No activation after the strided depthwise conv: that is upstream's (and timm's) design.
            if training_v3:
                self.dw = RepConv(self, 'dw', mid_chs, mid_chs, dw_kernel_size, stride, mid_chs, skip=False)
            else:
                self.conv_dw = nn.Conv2d(mid_chs, mid_chs, dw_kernel_size, stride=stride,
                                         padding=(dw_kernel_size - 1) // 2, groups=mid_chs, bias=deployed)
                self.bn_dw = nn.Identity() if deployed else nn.BatchNorm2d(mid_chs)
        self.se = SqueezeExcite(mid_chs, se_ratio=se_ratio) if se_ratio else None
        if training_v3:
            self.ghost2 = GhostModuleV3(mid_chs, out_chs, relu=False)
        else:
            self.ghost2 = GhostModule(mid_chs, out_chs, relu=False, deployed=deployed)
        if in_chs == out_chs and stride == 1:
            self.shortcut = nn.Sequential()
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_chs, in_chs, dw_kernel_size, stride=stride,
                          padding=(dw_kernel_size - 1) // 2, groups=in_chs, bias=False),
                nn.BatchNorm2d(in_chs),
                nn.Conv2d(in_chs, out_chs, 1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(out_chs),
            )

    def forward(self, x):
        residual = x
        x = self.ghost1(x)
        if self.stride > 1:
            x = self.dw(x) if self.dw is not None else self.bn_dw(self.conv_dw(x))
        if self.se is not None:
            x = self.se(x)
        x = self.ghost2(x)
        return x + self.shortcut(residual)

    def reparameterize(self):
        if isinstance(self.ghost1, GhostModuleV3):
            self.ghost1 = self.ghost1.deployed()
            self.ghost2 = self.ghost2.deployed()
        if self.dw is not None:
            self.conv_dw = self.dw.deployed_conv()
            self.bn_dw = nn.Identity()
            for name in ('dw_rpr_skip', 'dw_rpr_conv', 'dw_rpr_scale'):
                delattr(self, name)
            self.dw = None


class GhostNet(nn.Module):
    def __init__(self, cfgs, num_classes=1000, width=1.0, dropout=0.2, version='v1', deployed=False):
        super().__init__()
        assert version in ('v1', 'v2', 'v3') and (not deployed or version == 'v3')
        self.dropout = dropout
        output_channel = _make_divisible(16 * width, 4)
        self.conv_stem = nn.Conv2d(3, output_channel, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(output_channel)
        self.act1 = nn.ReLU(inplace=True)
        input_channel = output_channel
        stages = []
        block = 0
        for cfg in cfgs:
            layers = []
            for k, exp_size, c, se_ratio, s in cfg:
                output_channel = _make_divisible(c * width, 4)
                hidden_channel = _make_divisible(exp_size * width, 4)
                attention = version != 'v1' and block >= FIRST_ATTENTION_BLOCK
                layers.append(GhostBottleneck(input_channel, hidden_channel, output_channel, k, s, se_ratio=se_ratio,
                                              version=version, attention=attention, deployed=deployed))
                input_channel = output_channel
                block += 1
            stages.append(nn.Sequential(*layers))
        # exp_size is that of the last block (960), as upstream has it.
        output_channel = _make_divisible(exp_size * width, 4)
        stages.append(nn.Sequential(ConvBnAct(input_channel, output_channel, 1)))
        input_channel = output_channel
        self.blocks = nn.Sequential(*stages)
        # The head width is 1280 whatever the width multiplier.
        self.global_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.conv_head = nn.Conv2d(input_channel, 1280, 1, 1, 0, bias=True)
        self.act2 = nn.ReLU(inplace=True)
        self.classifier = nn.Linear(1280, num_classes)

    def forward(self, x):
        x = self.act1(self.bn1(self.conv_stem(x)))
        x = self.blocks(x)
        x = self.act2(self.conv_head(self.global_pool(x)))
        x = x.view(x.size(0), -1)
        if self.dropout > 0.:
            x = F.dropout(x, p=self.dropout, training=self.training)
        return self.classifier(x)

    def reparameterize(self):
        """V3's training form to its deployed form, in place (in the weights' dtype)."""
        for m in self.modules():
            if isinstance(m, GhostBottleneck):
                m.reparameterize()


def ghostnet(width=1.0, num_classes=1000, version='v1', deployed=False, **kwargs):
    return GhostNet(CFGS, num_classes=num_classes, width=width, version=version, deployed=deployed, **kwargs)


def timm_keys(state_dict):
    """A V3 training-form state_dict under timm's names: its branches' BatchNorms are .bn1, not .bn
    (the inverse of timm's checkpoint_filter_fn)."""
    out = type(state_dict)()
    for k, v in state_dict.items():
        if '_rpr_' in k and '.bn.' in k:
            k = k.replace('.bn.', '.bn1.')
        out[k] = v
    if hasattr(state_dict, '_metadata'):
        out._metadata = state_dict._metadata
    return out


if __name__ == '__main__':
    for version, deployed in (('v1', False), ('v2', False), ('v3', False), ('v3', True)):
        model = ghostnet(version=version, deployed=deployed).eval()
        with torch.no_grad():
            print(version, 'deployed' if deployed else '', model(torch.randn(2, 3, 320, 256)).shape,
                  sum(p.numel() for p in model.parameters()), 'parameters')

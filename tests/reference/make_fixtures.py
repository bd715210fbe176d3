#!/usr/bin/env python3
"""Regenerates every file under tests/fixtures/ from the PyTorch reference (ghostnet_reference.py).

Run from the repository root with Debian's torch:

    /usr/bin/python3 tests/reference/make_fixtures.py

Two runs give byte-identical files: every random number comes from numpy generators with fixed
seeds, the model is built, calibrated and evaluated in float64, torch zip archives carry fixed
dates, and the storage keys of the legacy format (memory addresses when torch writes them) are
renamed to "0", "1", ...

The forward cases' models are not committed whole: their convolution and linear weights are made
from the model's seed by fixture_weights.py's rule, which libghostnet's tests share, and only the
rest of each model (what calibration sets: BatchNorm parameters and statistics, biases) is
committed, in models/NAME.safetensors. A model is its committed rest plus its generated weights.

Why the weights are not simply default-initialised: such a net maps every input to nearly the same
logits, so a broken layer would hardly show. Here each BatchNorm gets a random affine and then
running statistics measured on random inputs (so each normalises its real input), the SE convs get
random biases, and the head is calibrated (conv_head's outputs centred with random offsets, the
classifier scaled by a power of two and centred) so that the logits depend on the image, not on a
shared offset. The script asserts that they do, and that each model's float32 logits are within
FP32_AGREEMENT of its float64 ones (a model whose BatchNorms cancel catastrophically is refused).

manifest.json (paths are relative to tests/fixtures):
{
  "bn_eps": 1e-05,                       # eps of every BatchNorm2d; checkpoints do not store it
  "models": [{                           # the forward cases' models
    "name": str,
    "family": "v1" | "v2" | "v3",        # ghostnet(width, num_classes, version=family)
    "form": "trained" | "training",      # V3: "training" (re-parameterisable branches)
    "width": float, "num_classes": int,
    "seed": int,                         # of the generated weights
    "shifts": {key: int},                # generated weights scaled by 2**-shift (fixture_weights.py)
    "rest": path                         # safetensors F16: every tensor but the generated weights
  }],
  "cases": [{                            # forward passes to reproduce
    "name": str,
    "model": str | null,                 # the model in "models", or null for a formats model
    "weights": path | null,              # for a formats model: one of its files
    "family": str, "width": float, "num_classes": int,
    "input": path,                       # .npy float32 [batch, 3, height, width_px], already normalised
    "expected": path,                    # .npy float32 [batch, num_classes], computed in float64
    "batch": int, "height": int, "width_px": int,
    "top1_margin": float,                # min over the batch of (largest - second largest logit)
    "max_abs_reference": float,          # max |expected logit|
    "logits_deviation": {"fp16": float, "bf16": float},    # max |logit - expected| with every stored
                                         # value rounded to that precision (low_precision_deviations)
    "relative_deviation": {"fp16": float, "bf16": float}   # max over modules of max |output - exact| /
                                         # max |exact output|, likewise
  }],
  "too_small": [{                        # inputs a member refuses: PyTorch raises for them
    "model": str, "height": int, "width_px": int, "smallest": [int, int]
  }],
  "formats": [{                          # small models saved in many checkpoint formats
    "file": path,
    "format": "safetensors" | "torch-zip" | "torch-legacy",
    "dtype": "F32" | "F16" | "BF16",     # of the floating tensors (num_batches_tracked is int64)
    "wrapper": null | "state_dict" | "model" | "state_dict_ema",  # dict key holding the weights
    "prefix": "" | "module.",            # prefix of every weight key
    "case": str,                         # name of the case in "cases" whose logits the file must give
    "notes": str
  }],
  "hostile": [{                          # files the loader must refuse, with a clear error
    "file": path,
    "expect_error_contains": [str, ...], # substrings the error message must contain
    "notes": str,
    ...                                  # optional detail: expected_shape / found_shape, missing / unexpected
  }]
}
"""
import collections
import copy
import hashlib
import io
import json
import pickle
import pickletools
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixture_weights  # noqa: E402
from ghostnet_reference import GhostBottleneck, ghostnet, timm_keys  # noqa: E402

FIX = Path(__file__).resolve().parents[2] / 'tests' / 'fixtures'
BN_EPS = 1e-5
SIZE_LIMIT = 24_000_000  # "24 MB", read strictly: a device run carries them with the GPU bundle, within 64 MiB
FP32_AGREEMENT = 2e-5  # max |float32 logit - float64 logit| / max |logit| of every model
LOGIT_STD = 2.0  # spread of each logit across images after head calibration
PROBE = 16  # images per signal check
# Calibration is at 224x224, the size GhostNet is made for. Mixing in tiny inputs (whose statistics,
# mostly padding, differ) only moves every size off centre.
CALIB_SIZES = [(224, 224)] * 4
# A default-initialised net scores about 0.001 on the signal ratio; calibrated ones score about 1 at
# 224 and stay above 0.15 at 17x23, where a size-dependent shared offset dominates.
MIN_SIGNAL = 0.1
MIN_DISTINCT_TOP1 = 3

torch.set_grad_enabled(False)


def rng(seed):
    return np.random.default_rng(seed)


def randn(seed, *shape):
    return rng(seed).standard_normal(shape).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Model: initialisation and calibration


def generated_keys(model):
    """The keys fixture_weights.py makes: every convolution's and linear layer's weight."""
    return [name + '.weight' for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def set_generated(model, seed, shifts):
    sd = model.state_dict()
    for key in generated_keys(model):
        w = fixture_weights.weight(seed, key, tuple(sd[key].shape), shifts.get(key, 0))
        sd[key].copy_(torch.from_numpy(w))


def closes_residual_branch(name):
    """V3's BatchNorms that end a bottleneck's residual branch: those of ghost2's branches, which
    are summed five at a time, and the shortcut's last. Kept small, they keep the residual stream
    near its scale; left as large as the others, the stream's mean grows block by block until eval
    BatchNorm cancels it catastrophically (float32 then loses the logits)."""
    return '.ghost2.' in name or name.endswith('shortcut.3')


def init_and_calibrate(version, width, num_classes, seed, generated=True):
    """A reference model (float64, eval), calibrated, and the shifts of its generated weights.
    With `generated`, its convolution and linear weights are fixture_weights.py's (and so is the
    classifier's scale, a power of two); without, they are drawn from the seed's generator too and
    conv_head's rows are scaled to unit spread, which small models (the formats', committed
    whole) need for their top-1 to depend on the input."""
    model = ghostnet(width=width, num_classes=num_classes, version=version).double()
    r = rng(seed)

    def normal(t, std):
        t.copy_(torch.from_numpy(r.normal(0.0, std, tuple(t.shape))))

    shifts = {}
    if generated:
        set_generated(model, seed, shifts)
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and not generated:
            bound = (3.0 / m.weight[0].numel()) ** 0.5
            m.weight.copy_(torch.from_numpy(r.uniform(-bound, bound, tuple(m.weight.shape))))
        if isinstance(m, nn.Conv2d) and m.bias is not None:  # SE convs (and conv_head, calibrated below)
            normal(m.bias, 1.0 if name.endswith('conv_expand') else 0.5)
        elif isinstance(m, nn.BatchNorm2d):
            small = version == 'v3' and closes_residual_branch(name)
            m.weight.copy_(torch.from_numpy(r.uniform(0.05, 0.2, m.num_features) if small
                                            else r.uniform(0.5, 1.5, m.num_features)))
            normal(m.bias, 0.05 if small else 0.5)
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
        elif isinstance(m, nn.Linear):
            m.bias.zero_()

    # Statistics measured after the affine parameters are drawn, so each BatchNorm normalises
    # what it really receives.
    model.train()
    for size in CALIB_SIZES:
        model(torch.from_numpy(r.standard_normal((8, 3) + size)))
    model.eval()

    # The head: conv_head's outputs centred across images (with random offsets; without generated
    # weights, its rows also scaled to unit spread), then the logits scaled to a spread near
    # LOGIT_STD (by a power of two with generated weights) and centred.
    feats = []
    hook = model.conv_head.register_forward_hook(lambda mod, inp, out: feats.append(inp[0]))
    for size in CALIB_SIZES:
        model(torch.from_numpy(r.standard_normal((8, 3) + size)))
    hook.remove()
    pooled = torch.cat(feats)
    head = model.conv_head
    z = pooled.flatten(1) @ head.weight.flatten(1).t()
    if generated:
        head.bias.copy_(-z.mean(0) + torch.from_numpy(r.normal(0, 0.5 * float(z.std(0).mean()), z.shape[1])))
    else:
        scale = 1.0 / z.std(0)
        head.weight.mul_(scale.view(-1, 1, 1, 1))
        head.bias.copy_(-z.mean(0) * scale + torch.from_numpy(r.normal(0, 0.5, z.shape[1])))
    logits = model.classifier(F.relu(head(pooled)).flatten(1))
    if generated:
        shifts['classifier.weight'] = -round(float(np.log2(LOGIT_STD / float(logits.std(0).mean()))))
        set_generated(model, seed, shifts)
    else:
        model.classifier.weight.mul_(LOGIT_STD / logits.std(0).mean())
    logits = model.classifier(F.relu(head(pooled)).flatten(1))
    model.classifier.bias.copy_(-logits.mean(0) + torch.from_numpy(r.normal(0, 1.0, num_classes)))
    return model, shifts


def round_fp16(t, key):
    out = t.half().double()
    assert torch.isfinite(out).all()
    return out


def round_bf16_and_fp16(t, key):
    """Rounds to values that BF16 and FP16 both hold exactly (8 significant bits, FP16 normal range)."""
    if key.endswith('running_var'):
        t = t.clamp(min=2.0 ** -14)
    out = t.float().bfloat16().double()
    out[out.abs() < 2.0 ** -14] = 0.0
    assert (out.abs() <= 65504).all()
    assert torch.equal(out.half().double(), out) and torch.equal(out.bfloat16().double(), out)
    return out


def rounded_state_dict(model, rounder, keep=()):
    """Rounds every floating tensor but those in `keep` (exact already) in the model itself."""
    sd = model.state_dict()
    for k, v in sd.items():
        if v.is_floating_point() and k not in keep:
            sd[k] = rounder(v, k)
    model.load_state_dict(sd)
    return model.state_dict()  # keeps _metadata, as a real checkpoint does


def check_fp32(name, model, x, logits):
    """The model's float32 logits against its float64 ones: a fixture no float32 implementation
    could meet is refused here."""
    low = model.float()(torch.from_numpy(x)).double()
    model.double()
    gap = float((low - logits).abs().max() / logits.abs().max())
    assert gap < FP32_AGREEMENT, f'{name}: float32 logits are {gap:.2e} of the largest away from float64 ones'
    return gap


def run(model, x):
    return model(torch.from_numpy(x).double())


LOW_PRECISIONS = {'fp16': torch.float16, 'bf16': torch.bfloat16}


def low_precision_deviations(model, x, logits):
    """How far this case's numbers move when every stored value is rounded to FP16 or BF16, as a
    GPU computing in that precision stores them: the input, each convolution's weights and every
    module's output rounded (more often than libghostnet's fused ops round). Returns, per
    precision, the largest |logit - reference logit|, and the largest difference of any module's
    output relative to that output's largest magnitude. The GPU tests' bounds are derived from
    these (tests/native/fixtures.h)."""
    logits_deviation, relative_deviation = {}, {}
    for name, dtype in LOW_PRECISIONS.items():
        def rounded(t):
            return t.to(dtype).double()
        exact, low = {}, {}
        leaves = [m for m in model.modules() if not list(m.children())]
        hooks = [m.register_forward_hook(lambda m, i, o, store=exact: store.__setitem__(m, o.clone()))
                 for m in leaves]
        run(model, x)
        for h in hooks:
            h.remove()
        saved = {m: m.weight.detach().clone() for m in leaves if isinstance(m, nn.Conv2d)}
        with torch.no_grad():
            for m, w in saved.items():
                m.weight.copy_(rounded(w))
        hooks = [m.register_forward_hook(lambda m, i, o, store=low: store.__setitem__(m, o.clone()) or rounded(o))
                 for m in leaves]
        try:
            low_logits = model(rounded(torch.from_numpy(x).double()))
        finally:
            for h in hooks:
                h.remove()
            with torch.no_grad():
                for m, w in saved.items():
                    m.weight.copy_(w)
        logits_deviation[name] = float((low_logits - logits).abs().max())
        relative_deviation[name] = max(float((rounded(low[m]) - exact[m]).abs().max() / exact[m].abs().max().clamp(min=1e-30))
                                       for m in exact)
    return logits_deviation, relative_deviation


def signal(logits):
    """(mean over classes of the std across images) / mean |logit|, and the number of distinct top-1."""
    ratio = float(logits.std(0).mean() / logits.abs().mean())
    return ratio, len(set(logits.argmax(1).tolist()))


def top1_margin(logits):
    top2 = logits.topk(2, dim=1).values
    return float((top2[:, 0] - top2[:, 1]).min())


# ----------------------------------------------------------------------------------------------
# Writers

ST_DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype('<i2').tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder('<')).tobytes()


def safetensors_bytes(tensors, dtype):
    """tensors: [(name, tensor)], stored in this order as `dtype` ('F32', 'F16', 'BF16')."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        b = tensor_bytes(t.to(ST_DTYPES[dtype]))
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


def write_safetensors(path, tensors, dtype):
    write_bytes(path, safetensors_bytes(tensors, dtype))


def weights_only(sd):
    return [(k, v) for k, v in sd.items() if v.is_floating_point()]


def write_bytes(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_npy(path, a):
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a, dtype='<f4'))
    write_bytes(path, buf.getvalue())


def storage_key(t):
    return str(t.storage()._storage._cdata)


def legacy_bytes(obj, tensors):
    """torch.save(obj, _use_new_zipfile_serialization=False), with storage keys renamed.

    Torch names legacy storages by their memory address; they are renamed "0", "1", ... in order of
    first use, and the raw storage records re-sorted to match, as torch sorts them by key.
    Layout: pickle(magic) pickle(1001) pickle(sys_info) pickle(obj) pickle(sorted keys), then per key
    one record: int64 little-endian element count + the storage's raw bytes.
    """
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    elsize = {storage_key(t): t.element_size() for t in tensors}
    f = io.BytesIO(data)
    spans = []
    for _ in range(5):
        start = f.tell()
        ops = list(pickletools.genops(f))
        spans.append((start, f.tell(), ops))
    start, end, ops = spans[3]
    rename, main = {}, bytearray()
    for i, (op, arg, pos) in enumerate(ops):
        nxt = ops[i + 1][2] if i + 1 < len(ops) else end
        if op.name == 'BINUNICODE' and arg in elsize:
            new = rename.setdefault(arg, str(len(rename))).encode()
            main += b'X' + struct.pack('<I', len(new)) + new
        else:
            main += data[pos:nxt]
    assert sorted(rename) == pickle.loads(data[spans[4][0]:spans[4][1]])
    records, pos = {}, spans[4][1]
    for old in sorted(rename):
        numel, = struct.unpack_from('<q', data, pos)
        n = 8 + numel * elsize[old]
        records[rename[old]] = data[pos:pos + n]
        pos += n
    assert pos == len(data)
    keys = sorted(records)
    return (data[:spans[3][0]] + bytes(main) + pickle.dumps(keys, protocol=2)
            + b''.join(records[k] for k in keys))


# ----------------------------------------------------------------------------------------------
# Hand-written hostile pickles (never unpickled here)


def binunicode(s):
    b = s.encode()
    return b'X' + struct.pack('<I', len(b)) + b


def short_binunicode(s):
    b = s.encode()
    return b'\x8c' + bytes([len(b)]) + b


def zip_record_file(path, pickle_bytes):
    """A torch zip checkpoint (same writer as torch.save) whose data.pkl is `pickle_bytes`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w = torch._C.PyTorchFileWriter(str(path))
    w.write_record('data.pkl', pickle_bytes, len(pickle_bytes))
    w.write_end_of_file()


# A state_dict whose first value is os.system("echo pwned"), built by GLOBAL + REDUCE.
OS_SYSTEM_PKL = (b'\x80\x02' + b'}' + b'(' + binunicode('conv_stem.weight')
                 + b'cos\nsystem\n' + binunicode('echo pwned') + b'\x85' + b'R' + b'u' + b'.')
# builtins.eval("print('pwned')") through protocol 4's STACK_GLOBAL.
EVAL_PKL = (b'\x80\x04' + short_binunicode('builtins') + b'\x94' + short_binunicode('eval') + b'\x94'
            + b'\x93' + b'\x94' + short_binunicode("print('pwned')") + b'\x94' + b'\x85' + b'R' + b'.')
# subprocess.Popen(["echo", "pwned"]) as the main pickle of a legacy file.
POPEN_PKL = (b'\x80\x02' + b'csubprocess\nPopen\n' + b'(' + binunicode('echo') + binunicode('pwned')
             + b'l' + b'\x85' + b'R' + b'.')


def legacy_header():
    sys_info = {'protocol_version': 1001, 'little_endian': True,
                'type_sizes': {'short': 2, 'int': 4, 'long': 4}}
    return b''.join(pickle.dumps(o, protocol=2) for o in (0x1950a86a20f9469cfc6c, 1001, sys_info))


# ----------------------------------------------------------------------------------------------


# Input seeds a case tries, from its own, until its probe images show that top-1 depends on the
# input: a calibrated random model may favour one class enough that a few images agree.
SEED_TRIES = 8
SEED_STEP = 100


def make_case(name, model, description, h, w, batch, seed):
    """A forward case of `model` (float64, eval): its input and logits written, and its manifest
    entry, which `description` (model or weights, family, width, num_classes) starts."""
    for attempt in range(SEED_TRIES):
        probe = randn(seed, PROBE, 3, h, w)
        x = probe[:batch]
        logits = run(model, x)
        ratio, distinct = signal(run(model, probe))
        distinct_batch = len(set(logits.argmax(1).tolist()))
        if distinct >= MIN_DISTINCT_TOP1 and (batch == 1 or distinct_batch > 1):
            break
        assert attempt + 1 < SEED_TRIES, f'{name}: top-1 hardly depends on the input'
        seed += SEED_STEP
    gap = check_fp32(name, model, x, logits)
    print(f'  {name}: input seed {seed}, signal {ratio:.3f}, {distinct} distinct top-1 in {PROBE} probe images, '
          f'{distinct_batch} in the batch of {batch}, margin {top1_margin(logits):.4f}, '
          f'max|logit| {float(logits.abs().max()):.3f}, float32 {gap:.1e} off')
    assert ratio > MIN_SIGNAL, f'{name}: logits hardly depend on the input'
    input_file = f'inputs/input_{h}x{w}_b{batch}_s{seed}.npy'  # cases with one seed share it
    write_npy(FIX / input_file, x)
    expected = f'expected/{name}.npy'
    write_npy(FIX / expected, logits.numpy())
    logits_deviation, relative_deviation = low_precision_deviations(model, x, logits)
    return dict(description, name=name, input=input_file, expected=expected, batch=batch, height=h, width_px=w,
                top1_margin=top1_margin(logits), max_abs_reference=float(logits.abs().max()),
                logits_deviation=logits_deviation, relative_deviation=relative_deviation)


# The forward cases' models: (name, family, width, classes, seed, [(case, h, w, batch, input seed)]).
# Cases of one size share one input: 224x224 batch 1 (seed 11) above all.
MODELS = [
    ('v1_w100_c1000', 'v1', 1.0, 1000, 1, [('v1_w100_c1000_224', 224, 224, 1, 11),
                                           ('v1_w100_c1000_320x256', 320, 256, 1, 12),
                                           ('v1_w100_c1000_17x23', 17, 23, 2, 13)]),
    ('v1_w050_c10', 'v1', 0.5, 10, 2, [('v1_w050_c10_224', 224, 224, 1, 11),
                                       ('v1_w050_c10_97x131', 97, 131, 3, 22)]),
    ('v1_w130_c100', 'v1', 1.3, 100, 3, [('v1_w130_c100_224', 224, 224, 1, 11)]),
    # V2 at its three published widths; 201x179 pools its last stage to 3x3 (then upsampled to
    # 7x6), 97x131 to 2x2 (to 4x5), 224x224 to 3x3 (to 7x7).
    ('v2_w100_c1000', 'v2', 1.0, 1000, 5, [('v2_w100_c1000_224', 224, 224, 1, 11)]),
    ('v2_w130_c100', 'v2', 1.3, 100, 6, [('v2_w130_c100_201x179', 201, 179, 1, 23)]),
    ('v2_w160_c10', 'v2', 1.6, 10, 7, [('v2_w160_c10_97x131', 97, 131, 3, 22)]),
    # V3 as trained (re-parameterisable branches; official names; see the formats for timm's).
    ('v3_w100_c1000', 'v3', 1.0, 1000, 8, [('v3_w100_c1000_224', 224, 224, 1, 11)]),
    ('v3_w050_c10', 'v3', 0.5, 10, 9, [('v3_w050_c10_201x179', 201, 179, 1, 23)]),
]
# An input each attention member refuses, with the smallest that works: its last stage's 2x2 pool
# needs that stage at 2x2 at least.
TOO_SMALL = [('v2_w100_c1000', 17, 23), ('v3_w050_c10', 40, 31)]
SMALLEST_ATTENTION_INPUT = 33


def main_cases():
    models, cases = [], []
    for name, family, width, classes, seed, runs in MODELS:
        print(f'{name}: GhostNet {family} width {width}, {classes} classes')
        model, shifts = init_and_calibrate(family, width, classes, seed)
        generated = generated_keys(model)
        sd = rounded_state_dict(model, round_fp16, keep=generated)
        rest = f'models/{name}.safetensors'
        write_safetensors(FIX / rest, [(k, v) for k, v in weights_only(sd) if k not in generated], 'F16')
        models.append({'name': name, 'family': family, 'form': 'training' if family == 'v3' else 'trained',
                       'width': width, 'num_classes': classes, 'seed': seed, 'shifts': shifts, 'rest': rest})
        for case, h, w, batch, in_seed in runs:
            description = {'model': name, 'weights': None, 'family': family, 'width': width, 'num_classes': classes}
            cases.append(make_case(case, model, description, h, w, batch, in_seed))
    too_small = []
    for name, h, w in TOO_SMALL:
        family = next(m for m in models if m['name'] == name)['family']
        model = ghostnet(0.1, 10, version=family).eval()
        try:
            model(torch.zeros(1, 3, h, w))
            raise AssertionError(f'{family} accepted {h}x{w}')
        except RuntimeError:
            pass
        smallest = SMALLEST_ATTENTION_INPUT
        model(torch.zeros(1, 3, smallest, smallest))
        for side in ((smallest - 1, smallest), (smallest, smallest - 1)):
            try:
                model(torch.zeros(1, 3, *side))
                raise AssertionError(f'{family} accepted {side}')
            except RuntimeError:
                pass
        too_small.append({'model': name, 'height': h, 'width_px': w, 'smallest': [smallest, smallest]})
    return models, cases, too_small


def strided_copy(sd, prefix=''):
    """The same values, with storage layouts a loader must honour: a transposed-storage matrix,
    a channels-last conv weight, and four keys that are views into one storage at offsets."""
    out = collections.OrderedDict(sd)
    out._metadata = sd._metadata
    cls, stem = prefix + 'classifier.weight', prefix + 'conv_stem.weight'
    out[cls] = sd[cls].t().contiguous().t()
    out[stem] = sd[stem].contiguous(memory_format=torch.channels_last)
    names = [prefix + 'bn1.' + n for n in ('weight', 'bias', 'running_mean', 'running_var')]
    flat = torch.cat([sd[n] for n in names])
    c = sd[names[0]].numel()
    for i, n in enumerate(names):
        out[n] = flat[i * c:(i + 1) * c]
    assert out[cls].stride() == (1, out[cls].shape[0]) and out[stem].stride() == (27, 1, 9, 3)
    return out


def converted(sd, dtype):
    out = collections.OrderedDict(
        (k, v.to(ST_DTYPES[dtype]) if v.is_floating_point() else v.clone()) for k, v in sd.items())
    out._metadata = sd._metadata
    return out


def check_torch_file(path, sd, unwrap):
    loaded = torch.load(path)
    loaded = unwrap(loaded)
    assert list(loaded) == list(sd), path
    for k, v in sd.items():
        assert loaded[k].dtype == v.dtype and torch.equal(loaded[k], v), (path, k)
        assert loaded[k].stride() == v.stride() and loaded[k].storage_offset() == v.storage_offset()
    return loaded


def formats_case():
    print('small model for the checkpoint formats: v1, width 0.25, 10 classes')
    model, _ = init_and_calibrate('v1', 0.25, 10, 4, generated=False)
    sd = rounded_state_dict(model, round_bf16_and_fp16)
    case = make_case('v1_w025_c10_64x48', model, {'model': None, 'weights': 'formats/small_f32.safetensors',
                                                  'family': 'v1', 'width': 0.25, 'num_classes': 10}, 64, 48, 2, 41)
    formats = []

    def entry(file, fmt, dtype, wrapper=None, prefix='', notes=''):
        formats.append({'file': file, 'format': fmt, 'dtype': dtype, 'wrapper': wrapper,
                        'prefix': prefix, 'case': case['name'], 'notes': notes})

    # F32 and BF16 safetensors (the forward cases use F16 ones, made from their models).
    for dtype in ('F32', 'BF16'):
        file = f'formats/small_{dtype.lower()}.safetensors'
        write_safetensors(FIX / file, weights_only(sd), dtype)
        entry(file, 'safetensors', dtype, notes='no num_batches_tracked entries')

    def torch_file(file, obj, flat, unwrap, **kw):
        torch.save(obj, FIX / file)
        check_torch_file(FIX / file, flat, unwrap)
        entry(file, 'torch-zip', **kw)

    strided_notes = ('classifier.weight has stride (1, 10) (transposed storage); conv_stem.weight is '
                     'channels-last, stride (27, 1, 9, 3); bn1.weight, bn1.bias, bn1.running_mean, '
                     'bn1.running_var are views of one storage at element offsets 0, 4, 8, 12')
    # F16 rather than F32 for space: the F32 path is small_f32.safetensors.
    plain = converted(sd, 'F16')
    torch_file('formats/small_plain.pt', plain, plain, lambda o: o, dtype='F16',
               notes='plain state_dict (OrderedDict with _metadata), contiguous tensors')
    # A DataParallel training checkpoint: 'module.' keys (and _metadata) as DataParallel makes them.
    dp = strided_copy(converted(nn.DataParallel(model).state_dict(), 'F16'), 'module.')
    torch_file('formats/small_train_checkpoint.pth', {'state_dict': dp, 'epoch': 3}, dp,
               lambda o: o['state_dict'], dtype='F16', wrapper='state_dict', prefix='module.',
               notes='saved from nn.DataParallel(model); {"state_dict": ..., "epoch": 3}; '
                     + strided_notes)
    f16, bf16 = converted(sd, 'F16'), converted(sd, 'BF16')
    torch_file('formats/small_ema_wrapper.pth.tar', {'state_dict_ema': bf16}, bf16,
               lambda o: o['state_dict_ema'], dtype='BF16', wrapper='state_dict_ema',
               notes='BFloat16Storage')

    # The legacy file also carries the {"model": ...} wrapper, for space.
    legacy = strided_copy(f16)
    file = 'formats/small_legacy.pt'
    write_bytes(FIX / file, legacy_bytes({'model': legacy}, list(legacy.values())))
    check_torch_file(FIX / file, legacy, lambda o: o['model'])
    entry(file, 'torch-legacy', 'F16', wrapper='model',
          notes='torch.save({"model": sd}, _use_new_zipfile_serialization=False), storage keys renamed '
                'from addresses to "0", "1", ...; HalfStorage; ' + strided_notes)
    return sd, case, formats


def with_thop_buffers(model, sd):
    """The state_dict as thop's profile leaves it in the official V2 checkpoints: float64
    total_ops and total_params buffers of one element on every module, the model's own included."""
    out = collections.OrderedDict(sd)
    out._metadata = sd._metadata
    for name, m in model.named_modules():
        prefix = name + '.' if name else ''
        params = sum(p.numel() for p in m.parameters())
        out[prefix + 'total_ops'] = torch.tensor([float(3 * params)], dtype=torch.float64)
        out[prefix + 'total_params'] = torch.tensor([float(params)], dtype=torch.float64)
    return out


def family_formats():
    """Small V2 and V3 models (width 0.1, 10 classes) as their publishers ship them: the official
    V2 .pth.tar, the official V3 .pth.tar in training form, timm's V3 in training form (safetensors)
    and deployed (pytorch_model.bin). At width 0.1 one V3 primary convolution has its input's
    channels, so its identity branch exists (the official names only; timm's model has none)."""
    cases, formats = [], []

    def entry(file, fmt, dtype, case, wrapper=None, notes=''):
        formats.append({'file': file, 'format': fmt, 'dtype': dtype, 'wrapper': wrapper, 'prefix': '',
                        'case': case['name'], 'notes': notes})

    def describe(family, weights):
        return {'model': None, 'weights': weights, 'family': family, 'width': 0.1, 'num_classes': 10}

    print('small V2 for the checkpoint formats: width 0.1, 10 classes')
    v2, _ = init_and_calibrate('v2', 0.1, 10, 14, generated=False)
    sd = rounded_state_dict(v2, round_fp16)
    file = 'formats/v2_official.pth.tar'
    cases.append(make_case('v2_w010_c10_64x48', v2, describe('v2', file), 64, 48, 2, 41))
    official = with_thop_buffers(v2, converted(sd, 'F16'))
    torch.save(official, FIX / file)
    check_torch_file(FIX / file, official, lambda o: o)
    entry(file, 'torch-zip', 'F16', cases[-1], notes="flat state_dict with thop's float64 total_ops and "
          'total_params on every module, as the official ck_ghostnetv2_*.pth.tar')

    print('small V3 for the checkpoint formats: width 0.1, 10 classes, training form')
    v3, _ = init_and_calibrate('v3', 0.1, 10, 17, generated=False)
    sd = rounded_state_dict(v3, round_fp16)
    assert any('primary_rpr_skip' in k for k in sd), 'width 0.1 was to have a primary identity branch'
    file = 'formats/v3_official.pth.tar'
    cases.append(make_case('v3_w010_c10_64x48', v3, describe('v3', file), 64, 48, 2, 41))
    ema = converted(sd, 'F16')
    trained = collections.OrderedDict((k, v * 1.5 if v.is_floating_point() else v) for k, v in ema.items())
    trained._metadata = ema._metadata
    torch.save({'state_dict': trained, 'state_dict_ema': ema}, FIX / file)
    check_torch_file(FIX / file, ema, lambda o: o['state_dict_ema'])
    entry(file, 'torch-zip', 'F16', cases[-1], wrapper='state_dict_ema',
          notes='{"state_dict": other values, "state_dict_ema": ...} as the official ghostnetv3-1.0.pth.tar; '
                'training form with the official names (.bn. in the branches), a primary identity branch')

    print('small V3 as timm names it: width 0.1, 10 classes, no primary identity branch')
    timm_model, _ = init_and_calibrate('v3', 0.1, 10, 18, generated=False)
    for name, m in timm_model.named_modules():
        if hasattr(m, 'primary_rpr_skip') and m.primary_rpr_skip is not None:
            m.primary_rpr_skip = None  # timm's GhostModuleV3 has none
    sd = rounded_state_dict(timm_model, round_fp16)
    file = 'formats/v3_timm.safetensors'
    cases.append(make_case('v3_timm_w010_c10_64x48', timm_model, describe('v3', file), 64, 48, 2, 41))
    write_safetensors(FIX / file, weights_only(timm_keys(sd)), 'F16')
    entry(file, 'safetensors', 'F16', cases[-1], notes="training form with timm's names (.bn1. in the branches)")
    deployed = copy.deepcopy(timm_model)
    deployed.reparameterize()
    file = 'formats/v3_timm_deployed.bin'
    flat = deployed.float().state_dict()
    torch.save(flat, FIX / file)
    check_torch_file(FIX / file, flat, lambda o: o)
    entry(file, 'torch-zip', 'F32', cases[-1], notes="timm's pytorch_model.bin after reparameterize_model: "
          'primary, cheap and strided depthwise convs with a bias, no BatchNorm; logits as the training form')
    return cases, formats


def hostile_files(sd):
    hostile = []
    zip_record_file(FIX / 'hostile/os_system.pt', OS_SYSTEM_PKL)
    hostile.append({'file': 'hostile/os_system.pt', 'expect_error_contains': ['os.system'],
                    'notes': "torch zip; data.pkl: GLOBAL 'os system' + REDUCE('echo pwned')"})
    zip_record_file(FIX / 'hostile/builtins_eval.pt', EVAL_PKL)
    hostile.append({'file': 'hostile/builtins_eval.pt', 'expect_error_contains': ['builtins.eval'],
                    'notes': "torch zip; data.pkl protocol 4: STACK_GLOBAL builtins.eval + REDUCE"})
    write_bytes(FIX / 'hostile/subprocess_popen_legacy.pt',
                legacy_header() + POPEN_PKL + pickle.dumps([], protocol=2))
    hostile.append({'file': 'hostile/subprocess_popen_legacy.pt',
                    'expect_error_contains': ['subprocess.Popen'],
                    'notes': "legacy format; main pickle: GLOBAL 'subprocess Popen' + REDUCE"})

    tensors = weights_only(sd)
    wrong = [(k, v.t() if k == 'classifier.weight' else v) for k, v in tensors]
    write_safetensors(FIX / 'hostile/wrong_shape.safetensors', wrong, 'F16')
    hostile.append({'file': 'hostile/wrong_shape.safetensors',
                    'expect_error_contains': ['classifier.weight'],
                    'expected_shape': [10, 1280], 'found_shape': [1280, 10],
                    'notes': 'small model (width 0.25, 10 classes); same byte size, transposed shape'})
    dropped = ['blocks.3.0.se.conv_reduce.bias', 'conv_head.weight']
    partial = [(k, v) for k, v in tensors if k not in dropped]
    partial.append(('extra.weight', torch.ones(4, dtype=torch.float64)))
    write_safetensors(FIX / 'hostile/missing_and_unexpected.safetensors', partial, 'F16')
    hostile.append({'file': 'hostile/missing_and_unexpected.safetensors',
                    'expect_error_contains': dropped + ['extra.weight'],
                    'missing': dropped, 'unexpected': ['extra.weight'],
                    'notes': 'small model (width 0.25, 10 classes)'})
    full = safetensors_bytes(tensors, 'F16')
    n, = struct.unpack_from('<Q', full)
    write_bytes(FIX / 'hostile/truncated.safetensors', full[:8 + n + 4096])
    hostile.append({'file': 'hostile/truncated.safetensors', 'expect_error_contains': ['truncated'],
                    'notes': 'small model F16, cut 4096 bytes into the data section'})
    return hostile


def main():
    models, cases, too_small = main_cases()
    sd, case, formats = formats_case()
    cases.append(case)
    family_cases, family_files = family_formats()
    cases += family_cases
    formats += family_files
    hostile = hostile_files(sd)
    manifest = {'bn_eps': BN_EPS, 'models': models, 'cases': cases, 'too_small': too_small, 'formats': formats,
                'hostile': hostile}
    write_bytes(FIX / 'manifest.json', (json.dumps(manifest, indent=1) + '\n').encode())

    total = 0
    print('files:')
    for p in sorted(q for q in FIX.rglob('*') if q.is_file()):
        size = p.stat().st_size
        total += size
        digest = hashlib.sha256(p.read_bytes()).hexdigest()[:12]
        print(f'  {size:>10}  {digest}  {p.relative_to(FIX)}')
    print(f'total {total} bytes ({total / 1e6:.2f} MB; limit {SIZE_LIMIT / 1e6:.0f} MB)')
    assert total < SIZE_LIMIT


if __name__ == '__main__':
    main()

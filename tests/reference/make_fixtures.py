#!/usr/bin/env python3
"""Regenerates every file under tests/fixtures/ from the PyTorch reference (ghostnet_reference.py).

Run from the repository root with Debian's torch:

    /usr/bin/python3 tests/reference/make_fixtures.py

Two runs give byte-identical files: every random number comes from numpy generators with fixed
seeds, the model is built, calibrated and evaluated in float64, torch zip archives carry fixed
dates, and the storage keys of the legacy format (memory addresses when torch writes them) are
renamed to "0", "1", ...

Why the weights are not simply default-initialised: such a net maps every input to nearly the same
logits, so a broken layer would hardly show. Here each BatchNorm gets a random affine and then
running statistics measured on random inputs (so each normalises its real input), the SE convs get
random biases, and the head is calibrated like a BatchNorm (conv_head rows scaled to unit variance
and centred with random offsets, the classifier scaled and centred) so that the logits depend on the
image, not on a shared offset. The script asserts that they do.

manifest.json (paths are relative to tests/fixtures):
{
  "bn_eps": 1e-05,                       # eps of every BatchNorm2d; checkpoints do not store it
  "cases": [{                            # forward passes to reproduce
    "name": str,
    "weights": path,                     # a safetensors file holding the full state_dict
    "width": float, "num_classes": int,  # ghostnet(width=..., num_classes=...)
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
  "formats": [{                          # one small model saved in many checkpoint formats
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
from ghostnet_reference import ghostnet  # noqa: E402

FIX = Path(__file__).resolve().parents[2] / 'tests' / 'fixtures'
BN_EPS = 1e-5
SIZE_LIMIT = 40_000_000  # "40 MB", read strictly
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


def init_and_calibrate(width, num_classes, seed):
    model = ghostnet(width=width, num_classes=num_classes).double()
    r = rng(seed)

    def uniform(t, bound):
        t.copy_(torch.from_numpy(r.uniform(-bound, bound, tuple(t.shape))))

    def normal(t, std):
        t.copy_(torch.from_numpy(r.normal(0.0, std, tuple(t.shape))))

    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.weight[0].numel()
            uniform(m.weight, (3.0 / fan_in) ** 0.5)
            if m.bias is not None:  # SE convs (and conv_head, recalibrated below)
                normal(m.bias, 1.0 if name.endswith('conv_expand') else 0.5)
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.copy_(torch.from_numpy(r.uniform(0.5, 1.5, m.num_features)))
            normal(m.bias, 0.5)
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
        elif isinstance(m, nn.Linear):
            uniform(m.weight, (3.0 / m.in_features) ** 0.5)
            m.bias.zero_()

    model.train()
    for size in CALIB_SIZES:
        model(torch.from_numpy(r.standard_normal((8, 3) + size)))
    model.eval()

    # The head is calibrated like a BatchNorm: each conv_head output gets unit spread across images
    # and a random centre, then the logits get spread LOGIT_STD and random centres.
    feats = []
    hook = model.conv_head.register_forward_hook(lambda mod, inp, out: feats.append(inp[0]))
    for size in CALIB_SIZES:
        model(torch.from_numpy(r.standard_normal((8, 3) + size)))
    hook.remove()
    pooled = torch.cat(feats)
    head = model.conv_head
    z = pooled.flatten(1) @ head.weight.flatten(1).t()
    scale = 1.0 / z.std(0)
    head.weight.mul_(scale.view(-1, 1, 1, 1))
    head.bias.copy_(-z.mean(0) * scale + torch.from_numpy(r.normal(0, 0.5, z.shape[1])))
    logits = model.classifier(F.relu(head(pooled)).flatten(1))
    s = LOGIT_STD / logits.std(0).mean()
    model.classifier.weight.mul_(s)
    model.classifier.bias.copy_(-logits.mean(0) * s + torch.from_numpy(r.normal(0, 1.0, num_classes)))
    return model


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


def rounded_state_dict(model, rounder):
    sd = model.state_dict()
    for k, v in sd.items():
        if v.is_floating_point():
            sd[k] = rounder(v, k)
    model.load_state_dict(sd)
    return model.state_dict()  # keeps _metadata, as a real checkpoint does


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


def make_case(name, model, weights, width, num_classes, h, w, batch, seed):
    probe = randn(seed, PROBE, 3, h, w)
    x = probe[:batch]
    logits = run(model, x)
    probe_logits = run(model, probe)
    ratio, distinct = signal(probe_logits)
    distinct_batch = len(set(logits.argmax(1).tolist()))
    print(f'  {name}: signal {ratio:.3f}, {distinct} distinct top-1 in {PROBE} probe images, '
          f'{distinct_batch} in the batch of {batch}, margin {top1_margin(logits):.4f}, '
          f'max|logit| {float(logits.abs().max()):.3f}')
    assert ratio > MIN_SIGNAL, f'{name}: logits hardly depend on the input'
    assert distinct >= MIN_DISTINCT_TOP1, f'{name}: top-1 hardly depends on the input'
    assert batch == 1 or distinct_batch > 1, f'{name}: same top-1 for the whole batch'
    input_file = f'inputs/input_{h}x{w}_b{batch}_s{seed}.npy'  # cases with one seed share it
    write_npy(FIX / input_file, x)
    expected = f'expected/{name}.npy'
    write_npy(FIX / expected, logits.numpy())
    logits_deviation, relative_deviation = low_precision_deviations(model, x, logits)
    return {'name': name, 'weights': weights, 'width': width, 'num_classes': num_classes,
            'input': input_file, 'expected': expected, 'batch': batch, 'height': h, 'width_px': w,
            'top1_margin': top1_margin(logits), 'max_abs_reference': float(logits.abs().max()),
            'logits_deviation': logits_deviation, 'relative_deviation': relative_deviation}


def main_cases():
    cases = []
    specs = [  # (weights name, width, classes, seed, [(case name, h, w, batch, input seed)])
        # The three 224x224 cases share one input to keep the fixtures under 40 MB.
        ('w100_c1000', 1.0, 1000, 1, [('w100_c1000_224', 224, 224, 1, 11),
                                       ('w100_c1000_320x256', 320, 256, 1, 12),
                                       ('w100_c1000_17x23', 17, 23, 2, 13)]),
        ('w050_c10', 0.5, 10, 2, [('w050_c10_224', 224, 224, 1, 11),
                                  ('w050_c10_97x131', 97, 131, 3, 22)]),
        ('w130_c100', 1.3, 100, 3, [('w130_c100_224', 224, 224, 1, 11)]),
    ]
    for wname, width, classes, seed, runs in specs:
        print(f'model width {width}, {classes} classes')
        model = init_and_calibrate(width, classes, seed)
        sd = rounded_state_dict(model, round_fp16)
        weights = f'weights/{wname}_f16.safetensors'
        write_safetensors(FIX / weights, weights_only(sd), 'F16')
        for name, h, w, batch, in_seed in runs:
            cases.append(make_case(name, model, weights, width, classes, h, w, batch, in_seed))
    return cases


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
    print('small model for the checkpoint formats: width 0.25, 10 classes')
    model = init_and_calibrate(0.25, 10, 4)
    sd = rounded_state_dict(model, round_bf16_and_fp16)
    case = make_case('w025_c10_64x48', model, 'formats/small_f32.safetensors', 0.25, 10, 64, 48, 2, 41)
    formats = []

    def entry(file, fmt, dtype, wrapper=None, prefix='', notes=''):
        formats.append({'file': file, 'format': fmt, 'dtype': dtype, 'wrapper': wrapper,
                        'prefix': prefix, 'case': case['name'], 'notes': notes})

    # F16 safetensors are what every case in "cases" loads; the small model skips them for space.
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

    # The legacy file also carries the {"model": ...} wrapper, which keeps the fixtures under 40 MB.
    legacy = strided_copy(f16)
    file = 'formats/small_legacy.pt'
    write_bytes(FIX / file, legacy_bytes({'model': legacy}, list(legacy.values())))
    check_torch_file(FIX / file, legacy, lambda o: o['model'])
    entry(file, 'torch-legacy', 'F16', wrapper='model',
          notes='torch.save({"model": sd}, _use_new_zipfile_serialization=False), storage keys renamed '
                'from addresses to "0", "1", ...; HalfStorage; ' + strided_notes)
    return sd, case, formats


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
    cases = main_cases()
    sd, case, formats = formats_case()
    cases.append(case)
    hostile = hostile_files(sd)
    manifest = {'bn_eps': BN_EPS, 'cases': cases, 'formats': formats, 'hostile': hostile}
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

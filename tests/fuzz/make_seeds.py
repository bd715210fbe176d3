#!/usr/bin/python3
"""Writes the fuzz targets' small seed inputs into tests/fuzz/seeds/<target>/.

Each seed is a miniature of one of the committed fixtures (tests/fixtures/formats): the same
format, wrapper, storage types and tensor layouts (transposed, channels-last, views of one
storage), with a handful of tiny tensors, so that the fuzzers start from every structure the
readers accept while each input stays a few hundred bytes; the JPEG decoder's are tiny JPEGs of
each structure it takes. tests/fuzz/run.sh adds the small fixture files themselves (hostile/*.pt,
the .npy inputs and expected logits, the sample and refused JPEGs) at run time.

Run with Debian's python3-torch and python3-pil: /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import collections
import io
import json
import pathlib
import struct
import zipfile

import numpy as np
import torch

HERE = pathlib.Path(__file__).resolve().parent
SEEDS = HERE / 'seeds'
# fuzz_torch_zip_pickle's input: data.pkl, then each storage "0", "1", ... after this marker.
STORAGE_MARKER = b'\xfeST\xfe'


def write(target, name, data):
    path = SEEDS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def tiny_state_dict(dtype=torch.float32):
    """A conv + BatchNorm state_dict (OrderedDict with _metadata, an I64 num_batches_tracked)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1, bias=False), torch.nn.BatchNorm2d(2), torch.nn.Linear(2, 2))
    return model.to(dtype).state_dict()


def layouts_state_dict(dtype=torch.float32):
    """The fixtures' unusual layouts: transposed, channels-last, views of one shared storage."""
    base = torch.arange(16, dtype=torch.float32).to(dtype)
    sd = collections.OrderedDict()
    sd['classifier.weight'] = torch.arange(6, dtype=torch.float32).to(dtype).reshape(3, 2).t()
    sd['conv_stem.weight'] = torch.arange(12, dtype=torch.float32).to(dtype).reshape(2, 2, 3, 1).to(
        memory_format=torch.channels_last)
    for i, name in enumerate(['weight', 'bias', 'running_mean', 'running_var']):
        sd['bn1.' + name] = base[4 * i:4 * i + 4]
    sd['bn1.num_batches_tracked'] = torch.tensor(3)
    sd['expanded'] = torch.tensor([1.0, 2.0]).to(dtype).expand(3, 2)
    return sd


def torch_zip(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    return buf.getvalue()


def torch_legacy(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False, **kwargs)
    return buf.getvalue()


def pickle_and_storages(zip_bytes):
    """fuzz_torch_zip_pickle's form of a torch zip: data.pkl + marker-separated storages."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        names = archive.namelist()
        prefix = next(n for n in names if n.endswith('/data.pkl'))[:-len('data.pkl')]
        out = archive.read(prefix + 'data.pkl')
        keys = sorted((n[len(prefix + 'data/'):] for n in names if n.startswith(prefix + 'data/')), key=int)
        assert keys == [str(i) for i in range(len(keys))], keys
        for key in keys:
            out += STORAGE_MARKER + archive.read(prefix + 'data/' + key)
    return out


def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, dtype, shape, data in tensors:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata is not None:
        header['__metadata__'] = metadata
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(blobs)


def safetensors_seeds():
    f32 = struct.pack('<4f', 1.0, -2.0, 0.5, 3.0)
    write('fuzz_safetensors', 'f32_with_metadata', safetensors(
        [('conv.weight', 'F32', [2, 2], f32), ('bn.bias', 'F32', [1], struct.pack('<f', 7.0))], {'format': 'pt'}))
    write('fuzz_safetensors', 'bf16', safetensors([('w', 'BF16', [2], b'\x80\x3f\x40\xc0')]))
    every_type = [('f64', 'F64', [1], struct.pack('<d', 1.5)), ('f32', 'F32', [1], struct.pack('<f', 1.5)),
                  ('f16', 'F16', [1], b'\x00\x3c'), ('bf16', 'BF16', [1], b'\x80\x3f'),
                  ('i64', 'I64', [1], struct.pack('<q', -5)), ('i32', 'I32', [1], struct.pack('<i', 7)),
                  ('i16', 'I16', [1], struct.pack('<h', -3)), ('i8', 'I8', [1], b'\xff'),
                  ('u8', 'U8', [1], b'\x07'), ('b', 'BOOL', [1], b'\x01')]
    write('fuzz_safetensors', 'every_type', safetensors(every_type))
    write('fuzz_safetensors', 'scalar_and_empty', safetensors(
        [('scalar', 'F32', [], struct.pack('<f', 2.0)), ('empty', 'F16', [0, 5], b'')]))
    write('fuzz_safetensors', 'module_prefix', safetensors(
        [('module.a', 'U8', [2], b'ab'), ('module.b', 'U8', [1, 1], b'c')], {}))
    write('fuzz_safetensors', 'empty_header', safetensors([]))
    # The fixture's own header (its first 64 tensors, by name and type), each tensor cut to
    # one element: the key names and header layout of a real GhostNet checkpoint in 6 KB.
    fixture = (HERE.parent / 'fixtures' / 'formats' / 'small_f32.safetensors').read_bytes()
    header = json.loads(fixture[8:8 + struct.unpack_from('<Q', fixture)[0]])
    metadata = header.pop('__metadata__', None)
    sizes = {'F32': 4, 'F16': 2, 'BF16': 2}
    tensors = [(name, info['dtype'], [1] * len(info['shape']), b'\x01' * sizes[info['dtype']])
               for name, info in sorted(header.items())[:64]]
    write('fuzz_safetensors', 'fixture_keys', safetensors(tensors, metadata))


def torch_seeds():
    plain = tiny_state_dict()
    layouts16 = layouts_state_dict(torch.float16)
    dp = collections.OrderedDict(('module.' + k, v) for k, v in layouts_state_dict().items())
    bf16 = tiny_state_dict(torch.bfloat16)
    params = {'p': torch.nn.Parameter(torch.tensor([1.0, 2.0])), 'mask': torch.tensor([True, False]),
              'idx': torch.tensor([1, 2], dtype=torch.int32), 'd': torch.tensor(0.5, dtype=torch.float64),
              'u': torch.tensor([255], dtype=torch.uint8), 'c': torch.tensor([-1], dtype=torch.int8),
              's': torch.tensor([-2], dtype=torch.int16)}
    zips = {
        'plain': torch_zip(plain),                                             # small_plain.pt
        'train_checkpoint': torch_zip({'state_dict': dp, 'epoch': 3}),         # small_train_checkpoint.pth
        'ema_wrapper_bf16': torch_zip({'state_dict_ema': bf16, 'model': bf16}),  # small_ema_wrapper.pth.tar
        'protocol4': torch_zip(layouts16, pickle_protocol=4),
        'parameters_and_types': torch_zip(params),
    }
    for name, data in zips.items():
        write('fuzz_torch_zip', name, data)
        write('fuzz_torch_zip_pickle', name, pickle_and_storages(data))
    legacy = {
        'model_wrapper_f16': torch_legacy({'model': layouts16}),              # small_legacy.pt
        'plain': torch_legacy(plain),
        'parameters_and_types': torch_legacy(params),
    }
    for name, data in legacy.items():
        write('fuzz_torch_legacy', name, data)


def npy_seeds():
    def save(name, array, version=None):
        buf = io.BytesIO()
        if version is None:
            np.save(buf, array)
        else:
            np.lib.format.write_array(buf, array, version=version)
        write('fuzz_npy', name, buf.getvalue())

    save('f32_nchw', np.arange(12, dtype='<f4').reshape(1, 3, 2, 2))
    save('f16_vector', np.array([1.0, -2.0, 0.5], dtype='<f2'))
    save('u8_nhwc', np.arange(12, dtype='u1').reshape(1, 2, 2, 3))
    save('scalar', np.array(3.0, dtype='<f4'))
    save('empty', np.zeros((0, 3), dtype='<f4'))
    save('version2', np.ones((2, 2), dtype='<f4'), version=(2, 0))
    save('version3', np.ones((2,), dtype='u1'), version=(3, 0))


def jpeg_seeds():
    """Tiny JPEGs of every structure the decoder takes: chroma subsamplings, gray, progressive,
    optimised Huffman tables, and a restart interval."""
    from PIL import Image
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (16, 24, 3), dtype=np.uint8), 'RGB')

    def save(name, image, **options):
        buf = io.BytesIO()
        image.save(buf, 'JPEG', quality=80, **options)
        write('fuzz_jpeg', name, buf.getvalue())

    save('rgb_420', rgb, subsampling='4:2:0')
    save('rgb_444', rgb, subsampling='4:4:4')
    save('rgb_422_optimized', rgb, subsampling='4:2:2', optimize=True)
    save('rgb_progressive', rgb, progressive=True)
    save('rgb_restarts', rgb, restart_marker_blocks=1)
    save('gray', rgb.convert('L'))


if __name__ == '__main__':
    safetensors_seeds()
    torch_seeds()
    npy_seeds()
    jpeg_seeds()
    for target in sorted(SEEDS.iterdir()):
        sizes = [p.stat().st_size for p in target.iterdir()]
        print(f'{target.name}: {len(sizes)} seeds, {sum(sizes)} bytes')

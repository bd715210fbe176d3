#!/usr/bin/env python3
"""Regenerates the image-preprocessing fixtures under tests/fixtures/images/ and the bundled
ImageNet-1k class names (java-resources/dev/ghostnet/image/imagenet-1k.txt).

Run from the repository root with Debian's PIL, torchvision and numpy (the `python3` first on PATH
has none of them):

    /usr/bin/python3 tests/reference/make_images.py

Two runs give byte-identical files: the pictures are drawn from numpy generators with fixed seeds,
encoded by PIL's JPEG and PNG encoders (deterministic for one libjpeg and zlib) or by the small PNG
writer below (16-bit images, which PIL cannot write). The script prints every file with its size and
SHA-256 prefix and asserts that the folder stays under SIZE_LIMIT.

What the fixtures pin down is torchvision's ImageNet preprocessing of a PIL image:

    img = PIL.Image.open(path).convert("RGB")
    img = transforms.Resize(256, interpolation)(img)   # shorter side to 256, PIL's resample
    img = transforms.CenterCrop(224)(img)
    expected = np.asarray(img)                          # uint8 HWC RGB

for interpolation BILINEAR (torchvision's default) and BICUBIC (timm's ghostnet_100).

Files (paths relative to tests/fixtures/images):
    samples/<name>.jpg | .png         the sample image (only these: a folder to classify)
    expected/<name>.<interp>.png      the 224x224 result above, lossless (mode L where R == G == B)
    decoded/<name>.png                PIL's decoded RGB (convert("RGB")) of the sample, lossless, for
                                      the sources small enough to keep (mode L where R == G == B);
                                      every source has its decoded_sha256 in the manifest
    refuse/*                          files a decoder must refuse with a typed error

manifest.json:
{
  "resize": 256, "crop": 224,
  "labels": {"resource": path from the repository root, "count": 1000, "sha256": str},
  "images": [{
    "name": str, "file": path, "format": "jpeg" | "png",
    "width": int, "height": int,
    "pil_mode": str,                 # Image.open(path).mode
    "notes": str,                    # what the sample exercises
    "decoded": path | null,          # decoded/<name>.png or null when only the hash is kept
    "decoded_sha256": str,           # SHA-256 of PIL's RGB bytes, HWC, row-major
    "resized": [width, height],      # torchvision's Resize output size
    "crop_offset": [left, top],      # torchvision's CenterCrop offsets into the resized image
    "expected": {"bilinear": {"file": path, "sha256": str}, "bicubic": {...}}  # sha256 of HWC RGB
  }],
  "refuse": [{"file": path, "expect_error_contains": [str, ...], "notes": str}]
}
"""
import hashlib
import io
import json
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import torchvision
from PIL import Image, ImageDraw, PngImagePlugin
from torchvision import transforms
from torchvision.transforms import InterpolationMode

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / 'tests' / 'fixtures' / 'images'
LABELS = ROOT / 'java-resources' / 'dev' / 'ghostnet' / 'image' / 'imagenet-1k.txt'
RESIZE, CROP = 256, 224
SIZE_LIMIT = 2_000_000  # bytes for everything under tests/fixtures/images
DECODED_MAX_PIXELS = 80_000  # keep PIL's decoded pixels as a file only for sources this small
INTERPOLATIONS = {'bilinear': InterpolationMode.BILINEAR, 'bicubic': InterpolationMode.BICUBIC}


# ----------------------------------------------------------------------------------------------
# Pictures: smooth gradients, flat and outlined shapes, thin lines, a fine checkerboard and a
# noisy patch, so that every resampling tap and rounding step shows.

def picture(w, h, seed):
    """float64 RGB [h, w, 3] in 0..255."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / w, y / h
    phase = rng.uniform(0, 2 * np.pi, 3)
    r = 30 + 190 * u + 12 * np.sin(2 * np.pi * 1.5 * v + phase[0])
    g = 40 + 160 * v + 12 * np.sin(2 * np.pi * 2.0 * u + phase[1])
    b = 130 + 70 * (u - v) + 10 * np.sin(2 * np.pi * (u + v) + phase[2])
    im = Image.fromarray(np.clip(np.stack([r, g, b], -1), 0, 255).round().astype(np.uint8), 'RGB')
    draw = ImageDraw.Draw(im)
    s = min(w, h)
    for i in range(7):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rr = rng.uniform(0.06, 0.25) * s
        color = tuple(int(c) for c in rng.randint(0, 256, 3))
        if i % 3 == 0:
            draw.ellipse([cx - rr, cy - 0.7 * rr, cx + rr, cy + 0.7 * rr], fill=color)
        elif i % 3 == 1:
            draw.rectangle([cx - rr, cy - rr / 2, cx + rr, cy + rr / 2], fill=color,
                           outline=(255, 255, 255), width=max(1, s // 100))
        else:
            draw.polygon([(cx, cy - rr), (cx + rr, cy + rr), (cx - rr, cy + 0.5 * rr)], fill=color)
    for i in range(4):
        draw.line([(rng.uniform(0, w), rng.uniform(0, h)), (rng.uniform(0, w), rng.uniform(0, h))],
                  fill=(250, 245, 20), width=1 + i % 3)
    a = np.asarray(im).astype(np.float64)
    # a fine checkerboard (2-pixel cells) around the centre, where the crop sees it
    pw, ph = max(4, w // 6), max(4, h // 6)
    x0, y0 = w // 2 - pw, h // 2 - ph // 2
    yy, xx = np.mgrid[0:ph, 0:pw]
    a[y0:y0 + ph, x0:x0 + pw, :] = ((((xx // 2) + (yy // 2)) % 2) * 200 + 25)[..., None]
    # a noisy patch beside it
    x1 = w // 2 + 1
    a[y0:y0 + ph, x1:x1 + pw, :] += rng.normal(0, 12, (ph, min(pw, w - x1), 3))
    return np.clip(a, 0, 255)


def rgb_picture(w, h, seed):
    return Image.fromarray(picture(w, h, seed).round().astype(np.uint8), 'RGB')


# ----------------------------------------------------------------------------------------------
# Encoders

def jpeg_bytes(im, **options):
    buf = io.BytesIO()
    im.save(buf, 'JPEG', **options)
    return buf.getvalue()


def png_bytes(im, **options):
    buf = io.BytesIO()
    im.save(buf, 'PNG', optimize=True, **options)
    return buf.getvalue()


def png_raw(array, color_type, bit_depth, plte=None):
    """A PNG written here, for what PIL does not write: 16-bit RGB and RGBA, 16-bit and 2- or
    4-bit grayscale, a PLTE chunk shorter than the indices used. array is HW or HWC of samples."""
    h, w = array.shape[:2]
    if bit_depth < 8:  # pack the samples of each row, most significant bits first
        per_byte = 8 // bit_depth
        padded = np.zeros((h, -(-w // per_byte) * per_byte), np.uint8)
        padded[:, :w] = array
        groups = padded.reshape(h, -1, per_byte).astype(np.uint16)
        shifts = (8 - bit_depth * (np.arange(per_byte) + 1)).astype(np.uint16)
        packed = (groups << shifts).sum(-1).astype(np.uint8)
        rows = packed.astype(np.int32)
    else:
        dtype = '>u2' if bit_depth == 16 else 'u1'
        rows = np.frombuffer(array.astype(dtype).tobytes(), np.uint8).reshape(h, -1).astype(np.int32)
    bpp = max(1, (array.shape[2] if array.ndim == 3 else 1) * bit_depth // 8)
    raw = bytearray()
    prior = np.zeros_like(rows[0])
    for row in rows:  # each row with the filter of smallest absolute residual, as libpng does
        left = np.concatenate([np.zeros(bpp, np.int32), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int32), prior[:-bpp]])
        p = left + prior - upleft
        pa, pb, pc = np.abs(p - left), np.abs(p - prior), np.abs(p - upleft)
        paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prior, upleft))
        candidates = [row, row - left, row - prior, row - (left + prior) // 2, row - paeth]
        residuals = [(c % 256).astype(np.uint8) for c in candidates]
        cost = [np.abs(r.astype(np.int8).astype(np.int32)).sum() for r in residuals]
        best = int(np.argmin(cost))
        raw += bytes([best]) + residuals[best].tobytes()
        prior = row
    raw = bytes(raw)

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

    ihdr = struct.pack('>IIBBBBB', w, h, bit_depth, color_type, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + (chunk(b'PLTE', plte) if plte else b'')
            + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def jpeg_segments(data):
    """(marker, start, end) of each marker segment before the scan data."""
    out, i = [], 2
    while True:
        marker = data[i + 1]
        length = struct.unpack('>H', data[i + 2:i + 4])[0]
        out.append((marker, i, i + 2 + length))
        if marker == 0xDA:
            return out
        i += 2 + length


def srgb_icc():
    """lcms's sRGB profile with a fixed creation date (lcms writes the current time)."""
    from PIL import ImageCms
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes())
    data[24:36] = struct.pack('>6H', 2020, 1, 1, 0, 0, 0)
    return bytes(data)


def camera_jpeg(im, **options):
    """A JPEG with an Exif segment (orientation 6: rotate 90 degrees to view) and no JFIF segment."""
    exif = Image.Exif()
    exif[0x0112] = 6
    data = jpeg_bytes(im, exif=exif.tobytes(), **options)
    jfif = [s for s in jpeg_segments(data) if s[0] == 0xE0 and data[s[1] + 4:s[1] + 9] == b'JFIF\x00']
    assert len(jfif) == 1
    return data[:jfif[0][1]] + data[jfif[0][2]:]


def jpeg_440(w, h, seed, quality):
    """A 4:4:0 JPEG (chroma halved vertically), which PIL does not write: a 4:2:2 JPEG whose luma
    sampling factors are patched from 2x1 to 1x2. The MCUs keep their four blocks, so for sides
    that are multiples of 16 the file stays valid; the picture comes out as a patchwork of its
    blocks, which is all a decoder test needs."""
    assert w % 16 == 0 and h % 16 == 0
    data = bytearray(jpeg_bytes(rgb_picture(w, h, seed), quality=quality, subsampling=1, icc_profile=srgb_icc()))
    _, start, _ = [s for s in jpeg_segments(bytes(data)) if s[0] == 0xC0][0]
    assert data[start + 4 + 5] == 3 and data[start + 4 + 7] == 0x21
    data[start + 4 + 7] = 0x12
    return bytes(data)


def cmyk_picture(w, h, seed):
    """uint8 CMYK [h, w, 4] with real black (K) content: grey component replacement of the picture."""
    rgb = picture(w, h, seed) / 255.0
    k = 1.0 - rgb.max(-1)
    y, x = np.mgrid[0:h, 0:w]
    k = np.clip(0.6 * k + 0.25 * (x / w) * (y / h), 0, 1)  # some K everywhere, more to the corner
    cmy = np.clip((1.0 - rgb - k[..., None]) / np.maximum(1.0 - k[..., None], 1e-6), 0, 1)
    return (np.concatenate([cmy, k[..., None]], -1) * 255).round().astype(np.uint8)


def ycck_jpeg(w, h, seed, quality):
    """A YCCK JPEG (Adobe transform 2). PIL writes only CMYK, inverted (rawmode CMYK;I); libjpeg
    decodes YCCK as C,M,Y = YCbCr->RGB of the first three stored components and K = the fourth, and
    PIL inverts all four. So store, through PIL's inversion, the YCbCr of the wanted C,M,Y and
    255 - K, then set the Adobe marker's transform byte from 0 (CMYK) to 2 (YCCK)."""
    cmyk = cmyk_picture(w, h, seed).astype(np.float64)
    c, m, yy, k = (cmyk[..., i] for i in range(4))
    luma = 0.299 * c + 0.587 * m + 0.114 * yy
    cb = -0.168736 * c - 0.331264 * m + 0.5 * yy + 128
    cr = 0.5 * c - 0.418688 * m - 0.081312 * yy + 128
    stored = np.stack([luma, cb, cr, 255 - k], -1)
    given = np.clip(255 - stored, 0, 255).round().astype(np.uint8)
    data = bytearray(jpeg_bytes(Image.fromarray(given, 'CMYK'), quality=quality))
    adobe = [s for s in jpeg_segments(data) if s[0] == 0xEE]
    assert len(adobe) == 1 and data[adobe[0][1] + 4:adobe[0][1] + 9] == b'Adobe'
    assert data[adobe[0][1] + 15] == 0
    data[adobe[0][1] + 15] = 2
    return bytes(data)


def adobe_rgb_jpeg(w, h, seed, quality):
    """A 3-component JPEG whose components are R, G, B (no JFIF marker, Adobe transform 0), as
    Photoshop writes them. PIL only encodes YCbCr, with a JFIF marker: give it the colours whose
    YCbCr is the picture's RGB, then swap the JFIF segment for an Adobe one with transform 0, so
    that decoders take the stored components (about the picture's RGB) as RGB."""
    rgb = picture(w, h, seed)
    # PIL's encoder stores M @ rgb + (0, 128, 128) with JPEG's RGB->YCbCr matrix M: give it the
    # inverse transform of the picture (clipped where it leaves the RGB cube)
    matrix = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
    src = (rgb - np.array([0.0, 128.0, 128.0])) @ np.linalg.inv(matrix).T
    given = Image.fromarray(np.clip(src, 0, 255).round().astype(np.uint8), 'RGB')
    data = jpeg_bytes(given, quality=quality, subsampling=0)
    segments = jpeg_segments(data)
    jfif = [s for s in segments if s[0] == 0xE0 and data[s[1] + 4:s[1] + 9] == b'JFIF\x00']
    assert len(jfif) == 1
    _, start, end = jfif[0]
    adobe = (b'\xff\xee\x00\x0e' + b'Adobe' + struct.pack('>HHHB', 100, 0, 0, 0))
    return data[:start] + adobe + data[end:]


# ----------------------------------------------------------------------------------------------
# The samples. Sizes cover landscape and portrait 4:3, square at the resize size (no resample)
# and at the crop size (upscale), very wide, odd sizes, a tiny upscale and a large downscale.
# 4:3 sizes resize to 341 wide: CenterCrop's offset is round(58.5) = 58 (Python rounds halves to
# even), where rounding half up would give 59.

def samples():
    out = []

    def add(name, ext, data, notes):
        out.append((name, f'samples/{name}.{ext}', data, notes))

    add('rgb_500x375', 'jpg', jpeg_bytes(rgb_picture(500, 375, 1), quality=90),
        'baseline RGB JPEG, 4:2:0, ImageNet-like 4:3 landscape; crop left 58 (round half to even)')
    add('rgb_375x500_progressive', 'jpg',
        jpeg_bytes(rgb_picture(375, 500, 2), quality=85, progressive=True, subsampling=1),
        'progressive RGB JPEG, 4:2:2, portrait')
    add('rgb_1000x200_444', 'jpg', camera_jpeg(rgb_picture(1000, 200, 3), quality=92, subsampling=0),
        'RGB JPEG 4:4:4 as cameras write it (Exif, no JFIF marker) with Exif orientation 6 (ignored, '
        'as PIL ignores it), 5:1 wide: resized to 1280x256')
    add('rgb_2000x1500', 'jpg', jpeg_bytes(rgb_picture(2000, 1500, 4), quality=75),
        'large RGB JPEG, 4:2:0: a 5.9x antialiased downscale')
    add('rgb_440_256x256', 'jpg', jpeg_440(256, 256, 17, quality=90),
        'RGB JPEG 4:4:0 (chroma halved vertically) with an sRGB ICC profile (ignored, as PIL ignores '
        'it), at the resize size. libjpeg-turbo upsamples 4:4:0 chroma smoothly ("fancy"); the IJG '
        'libjpeg 6b that most JDK builds bundle (Debian\'s links the system libjpeg-turbo) repeats '
        'rows, and its decode differs by up to 77 levels')
    gray = Image.fromarray(picture(256, 256, 5).round().astype(np.uint8), 'RGB').convert('L')
    add('gray_256x256', 'jpg', jpeg_bytes(gray, quality=90),
        'grayscale JPEG at the resize size: no resample, crop only')
    add('cmyk_224x224', 'jpg', jpeg_bytes(Image.fromarray(cmyk_picture(224, 224, 6), 'CMYK'), quality=90),
        'CMYK JPEG (Adobe marker, inverted as Photoshop writes it), at the crop size: upscaled to 256')
    add('ycck_131x97', 'jpg', ycck_jpeg(131, 97, 7, quality=90),
        'YCCK JPEG (Adobe transform 2), upscaled')
    add('adobe_rgb_160x120', 'jpg', adobe_rgb_jpeg(160, 120, 8, quality=90),
        'JPEG with RGB components (Adobe transform 0, no JFIF), as Photoshop writes it')

    add('rgb_333x251', 'png', png_bytes(rgb_picture(333, 251, 9)),
        'RGB PNG, odd sizes: resized to 339x256')
    rgba = np.dstack([np.asarray(rgb_picture(97, 131, 10)),
                      (np.arange(97)[None, :] * 255 // 96 * np.ones((131, 1))).astype(np.uint8)])
    rgba[:20, :20, 3] = 0  # fully transparent pixels keep their colour in PIL's convert("RGB")
    add('rgba_97x131', 'png', png_bytes(Image.fromarray(rgba, 'RGBA')),
        'RGBA PNG (alpha dropped, as PIL convert("RGB") does), odd size, upscaled')
    la = Image.fromarray(np.asarray(rgb_picture(180, 240, 11).convert('L')), 'L')
    la.putalpha(Image.fromarray((np.arange(240)[:, None] * np.ones((1, 180))).astype(np.uint8), 'L'))
    add('la_180x240', 'png', png_bytes(la), 'grayscale + alpha PNG (alpha dropped)')
    add('gray_300x200', 'png', png_bytes(rgb_picture(300, 200, 12).convert('L')), 'grayscale PNG, 8-bit')
    pal = rgb_picture(40, 30, 13).quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    trns = bytes([255, 0, 128] + [255] * 5)
    add('palette_40x30', 'png', png_bytes(pal, transparency=trns),
        'palette PNG, 8-bit, with tRNS alpha (ignored): a 8.5x upscale')
    pal4 = rgb_picture(200, 150, 14).quantize(colors=16, method=Image.Quantize.MEDIANCUT,
                                               dither=Image.Dither.NONE)
    add('palette4_200x150', 'png', png_bytes(pal4, bits=4), 'palette PNG, 4 bits per pixel')
    strip = (np.arange(2000)[:, None] * 7 % 256 + np.array([0, 40, 90])[None, :]).astype(np.uint8)
    add('gray_strip_3x2000', 'png', png_bytes(Image.fromarray(strip, 'L')),
        'a 3x2000 grayscale strip: resized to 256x170666 (only the crop is computed), crop top 85221')
    levels = np.asarray(rgb_picture(90, 60, 18).convert('L')) >> 4
    add('gray4_90x60', 'png', png_raw(levels, 0, 4), 'grayscale PNG, 4 bits per pixel (levels x17)')
    yy, xx = np.mgrid[0:12, 0:16]
    indices = ((xx + 3 * yy) % 11 + (xx // 4) * 60).astype(np.uint8)  # 0..10 and 60..250
    plte = bytes([200, 30, 40, 20, 180, 60, 30, 60, 220, 250, 240, 10])  # four entries
    add('palette_short_plte_16x12', 'png', png_raw(indices, 3, 8, plte=plte),
        'palette PNG using indices beyond its 4-entry PLTE: PIL gives (i, i, i) for them, the JDK '
        'reader repeats the last entry')
    bilevel = rgb_picture(120, 90, 15).convert('L').point(lambda p: 255 if p > 120 else 0).convert(
        '1', dither=Image.Dither.NONE)
    add('bilevel_120x90', 'png', png_bytes(bilevel), '1-bit grayscale PNG')
    hi = np.asarray(rgb_picture(150, 113, 16)).astype(np.uint16)
    yy, xx = np.mgrid[0:113, 0:150]
    low = ((xx * 7 + yy * 13)[..., None] + np.array([0, 85, 170])) % 256  # structured: compresses
    rgb16 = (hi << 8) | low.astype(np.uint16)  # PIL keeps the high byte, it does not round
    add('rgb16_150x113', 'png', png_raw(rgb16, 2, 16), '16-bit RGB PNG (PIL keeps the high byte)')
    rgba16 = np.dstack([rgb16[:, :100], (np.arange(100)[None, :] * 650 * np.ones((113, 1))).astype(np.uint16)])
    add('rgba16_100x113', 'png', png_raw(rgba16, 6, 16), '16-bit RGBA PNG')
    gray = np.asarray(rgb_picture(256, 256, 19).convert('L')).astype(np.uint16)
    yy, xx = np.mgrid[0:256, 0:256]
    la16 = np.dstack([(gray << 8) | ((xx * 5 + yy) % 256).astype(np.uint16), (yy * 257).astype(np.uint16)])
    add('la16_256x256', 'png', png_raw(la16, 4, 16),
        '16-bit grayscale + alpha PNG (PIL reads it as RGBA from the high bytes), at the resize size')
    return out


# Other Resize/CenterCrop sizes, small to keep the files small: a crop larger than the resized
# image on one or both sides (CenterCrop pads with black), odd sizes, a 47x downscale.
OPTION_CASES = [
    ('rgb_500x375', 100, 120, 'bilinear'),   # 133x100: crop wider than tall side -> pad top/bottom
    ('palette_40x30', 20, 32, 'bicubic'),    # 26x20: padded on both sides
    ('rgb_2000x1500', 32, 32, 'bicubic'),    # 42x32, a 47x antialiased downscale
    ('gray_300x200', 37, 17, 'bilinear'),    # 55x37, odd offsets
    ('ycck_131x97', 300, 59, 'bicubic'),     # upscale 3.1x
    ('rgba_97x131', 97, 80, 'bilinear'),     # resize to the image's own size: no resample
]


def with_bad_crc(png, chunk_type):
    """The PNG with the checksum of its first chunk of chunk_type broken."""
    data, i = bytearray(png), 8
    while data[i + 4:i + 8] != chunk_type:
        i += 12 + struct.unpack('>I', data[i:i + 4])[0]
    data[i + 8 + struct.unpack('>I', data[i:i + 4])[0]] ^= 0xFF
    return bytes(data)


def refused_by_pil(data, message):
    """data, after checking that PIL refuses it, its PNG reader with an error that says message
    (Image.open says only that it cannot identify the file)."""
    try:
        PngImagePlugin.PngImageFile(io.BytesIO(data)).convert('RGB')
    except SyntaxError as e:
        assert message in str(e), e
        try:
            Image.open(io.BytesIO(data))
        except Image.UnidentifiedImageError:
            return data
    raise AssertionError(f'PIL decoded a file it should refuse ({message})')


def refusals():
    """Files a decoder must refuse: (file, bytes, substrings of the error, notes)."""
    out = []
    gray16 = (np.arange(24 * 16).reshape(16, 24) * 170).astype(np.uint16)
    out.append(('refuse/gray16_24x16.png', png_raw(gray16, 0, 16), ['16-bit grayscale'],
                'PIL opens it as mode I and convert("RGB") clips every value above 255 to 255'))
    jpeg = jpeg_bytes(rgb_picture(64, 48, 20), quality=90)
    out.append(('refuse/truncated.jpg', jpeg[:len(jpeg) // 2], ['truncated'],
                'a JPEG cut in the middle of its scan data: PIL raises "image file is truncated"'))
    png = png_bytes(rgb_picture(64, 48, 21))
    out.append(('refuse/truncated.png', png[:len(png) // 2], ['truncated.png'], 'a PNG cut in its IDAT'))
    out.append(('refuse/not_an_image.jpg', b'GIF? no: this is plain text, named .jpg\n',
                ['not a JPEG or PNG'], 'text with an image extension'))
    out.append(('refuse/empty.png', b'', ['empty'], 'an empty file'))
    gif = io.BytesIO()
    rgb_picture(16, 16, 22).convert('P').save(gif, 'GIF')
    out.append(('refuse/image.gif', gif.getvalue(), ['GIF'], 'a GIF: only JPEG and PNG are decoded'))
    bad = bytearray(jpeg)
    sof = [s for s in jpeg_segments(bytes(bad)) if s[0] == 0xC0][0]
    bad[sof[1] + 5:sof[1] + 9] = b'\x00\x00\x00\x00'  # height and width 0
    out.append(('refuse/zero_size.jpg', bytes(bad), ['zero_size.jpg'], 'a JPEG whose frame header says 0x0'))
    small = rgb_picture(32, 24, 23)
    out.append(('refuse/bad_crc_ihdr.png',
                refused_by_pil(with_bad_crc(png_bytes(small), b'IHDR'), "bad header checksum in b'IHDR'"),
                ['checksum', 'IHDR'], 'a PNG whose IHDR checksum is wrong'))
    text = PngImagePlugin.PngInfo()
    text.add_text('Comment', 'a chunk before the image data')
    out.append(('refuse/bad_crc_text.png',
                refused_by_pil(with_bad_crc(png_bytes(small, pnginfo=text), b'tEXt'), "bad header checksum in b'tEXt'"),
                ['checksum', 'tEXt'], 'a text chunk before the image data with a wrong checksum: PIL checks every '
                'chunk before the first IDAT (and none after it)'))
    return out


# ----------------------------------------------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).hexdigest()


def torchvision_preprocess(rgb, interpolation, resize=RESIZE, crop=CROP):
    img = transforms.Resize(resize, interpolation=interpolation)(rgb)
    resized = img.size
    img = transforms.CenterCrop(crop)(img)
    return np.asarray(img), resized


def lossless(array):
    """PNG of an HWC uint8 RGB array; mode L when the three channels are equal."""
    if (array[..., 0] == array[..., 1]).all() and (array[..., 0] == array[..., 2]).all():
        return png_bytes(Image.fromarray(np.ascontiguousarray(array[..., 0]), 'L'))
    return png_bytes(Image.fromarray(array, 'RGB'))


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def labels():
    categories = torchvision.models._meta._IMAGENET_CATEGORIES
    assert len(categories) == 1000 and all(c == c.strip() and '\n' not in c for c in categories)
    data = ''.join(c + '\n' for c in categories).encode('utf-8')
    write(LABELS, data)
    return {'resource': str(LABELS.relative_to(ROOT)), 'count': len(categories), 'sha256': sha256(data)}


def main():
    warnings.simplefilter('ignore')  # PIL warns about palette transparency given as bytes
    images = []
    for name, file, data, notes in samples():
        write(OUT / file, data)
        with Image.open(OUT / file) as im:
            pil_mode = im.mode
            rgb = im.convert('RGB')
        decoded = np.asarray(rgb)
        h, w = decoded.shape[:2]
        entry = {'name': name, 'file': file, 'format': 'jpeg' if file.endswith('.jpg') else 'png',
                 'width': w, 'height': h, 'pil_mode': pil_mode, 'notes': notes,
                 'decoded': None, 'decoded_sha256': sha256(decoded.tobytes())}
        if w * h <= DECODED_MAX_PIXELS:
            entry['decoded'] = f'decoded/{name}.png'
            write(OUT / entry['decoded'], lossless(decoded))
        entry['expected'] = {}
        crops = {}
        for key, interpolation in INTERPOLATIONS.items():
            crop, resized = torchvision_preprocess(rgb, interpolation)
            assert crop.shape == (CROP, CROP, 3) and crop.dtype == np.uint8
            crops[key] = crop
            rel = f'expected/{name}.{key}.png'
            if key == 'bicubic' and np.array_equal(crop, crops['bilinear']):
                rel = entry['expected']['bilinear']['file']  # no resample: one file for both
            else:
                write(OUT / rel, lossless(crop))
            entry['expected'][key] = {'file': rel, 'sha256': sha256(np.ascontiguousarray(crop).tobytes())}
        rw, rh = resized
        entry['resized'] = [rw, rh]
        entry['crop_offset'] = [int(round((rw - CROP) / 2.0)), int(round((rh - CROP) / 2.0))]
        images.append(entry)
        print(f'{name:28} {pil_mode:5} {w:5}x{h:<5} -> {rw}x{rh}, crop at {entry["crop_offset"]}')

    options = []
    by_name = {e['name']: e for e in images}
    for name, resize, crop_size, key in OPTION_CASES:
        with Image.open(OUT / by_name[name]['file']) as im:
            rgb = im.convert('RGB')
        crop, resized = torchvision_preprocess(rgb, INTERPOLATIONS[key], resize, crop_size)
        assert crop.shape == (crop_size, crop_size, 3)
        rel = f'options/{name}.r{resize}_c{crop_size}.{key}.png'
        write(OUT / rel, lossless(crop))
        options.append({'image': name, 'resize': resize, 'crop': crop_size, 'interpolation': key,
                         'resized': list(resized), 'expected': rel,
                         'sha256': sha256(np.ascontiguousarray(crop).tobytes())})

    refuse = []
    for file, data, contains, notes in refusals():
        write(OUT / file, data)
        refuse.append({'file': file, 'expect_error_contains': contains, 'notes': notes})

    manifest = {'resize': RESIZE, 'crop': CROP, 'labels': labels(), 'images': images, 'options': options,
                'refuse': refuse}
    write(OUT / 'manifest.json', (json.dumps(manifest, indent=1) + '\n').encode())

    total = 0
    print('files:')
    for p in sorted(q for q in OUT.rglob('*') if q.is_file()):
        size = p.stat().st_size
        total += size
        print(f'  {size:>9}  {sha256(p.read_bytes())[:12]}  {p.relative_to(OUT)}')
    print(f'total {total} bytes ({total / 1e6:.2f} MB; limit {SIZE_LIMIT / 1e6:.2f} MB)')
    print(f'labels: {LABELS.relative_to(ROOT)} ({LABELS.stat().st_size} bytes)')
    assert total < SIZE_LIMIT


if __name__ == '__main__':
    main()

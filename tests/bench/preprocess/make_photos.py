#!/usr/bin/env python3
"""Writes the photos the preprocessing benchmark decodes: JPEGs drawn from fixed seeds, so that
two runs with one libjpeg give the same files and nothing is downloaded.

    /usr/bin/python3 tests/bench/preprocess/make_photos.py OUT_DIR

OUT_DIR/imagenet holds 24 photos of ImageNet's sizes (0.1 to 0.9 megapixels, landscape and
portrait, quality 85 to 95), OUT_DIR/12mp 4 of a phone camera's 4000x3000 (quality 90). A JPEG's
decoding cost follows its entropy, so each picture is built like a photo's: smooth shading at
five scales, hard-edged shapes over it and a little sensor noise, in 4:2:0 chroma as cameras
and PIL's encoder write it (ImageNet's photos are mostly 4:2:0 too).
"""
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

IMAGENET_SIZES = [(500, 375), (500, 333), (375, 500), (500, 500), (640, 480), (800, 600), (333, 500), (1024, 768)]
IMAGENET_QUALITIES = [85, 90, 95]
CAMERA_SIZES = [(4000, 3000), (3000, 4000)]


def shading(rng, width, height):
    """Smooth colour fields at four scales, each a small random image enlarged bicubically."""
    picture = np.zeros((height, width, 3), np.float32)
    for cells, weight in ((3, 90.0), (9, 50.0), (27, 25.0), (81, 14.0), (243, 10.0)):
        small = rng.uniform(-1, 1, (cells, cells, 3)).astype(np.float32)
        small[..., 1:] = 0.6 * small[..., :1] + 0.4 * small[..., 1:]  # channels correlate, as in photos
        for channel in range(3):
            layer = Image.fromarray(small[..., channel], mode="F").resize((width, height), Image.BICUBIC)
            picture[..., channel] += weight * np.asarray(layer)
    return picture + rng.uniform(60, 190, 3).astype(np.float32)


def photo(seed, width, height):
    rng = np.random.default_rng(seed)
    base = np.clip(shading(rng, width, height), 0, 255).astype(np.uint8)
    image = Image.fromarray(base, "RGB")
    draw = ImageDraw.Draw(image)
    scale = max(width, height)
    for _ in range(12):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.02, 0.2) * scale
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.uniform() < 0.5:
            draw.ellipse((x - r, y - r * rng.uniform(0.3, 1), x + r, y + r), fill=colour)
        else:
            draw.polygon([(x + rng.uniform(-r, r), y + rng.uniform(-r, r)) for _ in range(4)], fill=colour)
    pixels = np.asarray(image).astype(np.int16)
    noise = rng.normal(0, 6, pixels.shape).astype(np.int16)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), "RGB")


def write(image, path, quality):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, subsampling="4:2:0")
    path.write_bytes(buffer.getvalue())
    print(f"{path}: {image.width}x{image.height}, quality {quality}, {len(buffer.getvalue()) // 1024} KiB")


def main():
    out = Path(sys.argv[1])
    (out / "imagenet").mkdir(parents=True, exist_ok=True)
    (out / "12mp").mkdir(parents=True, exist_ok=True)
    for i in range(24):
        width, height = IMAGENET_SIZES[i % len(IMAGENET_SIZES)]
        write(photo(i, width, height), out / "imagenet" / f"photo_{i:02d}.jpg", IMAGENET_QUALITIES[i % 3])
    for i in range(4):
        width, height = CAMERA_SIZES[i % len(CAMERA_SIZES)]
        write(photo(1000 + i, width, height), out / "12mp" / f"camera_{i}.jpg", 90)


if __name__ == "__main__":
    main()

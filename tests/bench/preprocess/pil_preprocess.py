#!/usr/bin/env python3
"""torchvision's ImageNet evaluation transform on PIL images, timed as PreprocessBench.java times
ghostnet's: every JPEG of a folder read into memory first, then decoded, resized and cropped one
after another on one thread for a while after a warm-up pass; prints images per second as JSON.

    /usr/bin/python3 tests/bench/preprocess/pil_preprocess.py FOLDER SECONDS [full|decode|resize]

`decode` times Image.open(...).convert("RGB") alone, `resize` Resize(256) and CenterCrop(224) alone
on the decoded images.
"""
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from torchvision import transforms

RESIZE_CROP = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)])


def decode(encoded):
    return Image.open(io.BytesIO(encoded)).convert("RGB")


def main():
    folder, seconds = Path(sys.argv[1]), float(sys.argv[2])
    part = sys.argv[3] if len(sys.argv) > 3 else "full"
    encoded = [path.read_bytes() for path in sorted(folder.glob("*.jpg"))]
    if part == "resize":
        inputs, step = [decode(e) for e in encoded], lambda image: np.asarray(RESIZE_CROP(image))
    elif part == "decode":
        inputs, step = encoded, lambda e: decode(e).load()
    else:
        inputs, step = encoded, lambda e: np.asarray(RESIZE_CROP(decode(e)))
    for item in inputs:
        step(item)
    images, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in inputs:
            step(item)
        images += len(inputs)
    print(json.dumps({"part": part, "images": images, "images_per_second": images / (time.perf_counter() - start)}))


if __name__ == "__main__":
    main()

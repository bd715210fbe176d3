"""Writes a member of the GhostNet family at 1.0x (tests/reference's PyTorch model, seeded random
weights) as ONNX, opset 13, with a dynamic batch, for ONNX Runtime to run beside ghostnet. Speed does
not depend on the weights.

    /usr/bin/python3 tests/bench/onnxruntime/export_onnx.py OUT.onnx [v1|v2]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'reference'))
from ghostnet_reference import ghostnet  # noqa: E402

torch.manual_seed(0)
version = sys.argv[2] if len(sys.argv) > 2 else 'v1'
model = ghostnet(width=1.0, num_classes=1000, version=version).eval()
with torch.no_grad():
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), sys.argv[1], opset_version=13,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})

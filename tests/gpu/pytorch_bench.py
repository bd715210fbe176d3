"""PyTorch's best on this GPU for the summary of tests/gpu/check.sh: GhostNet 1.0x (the reference
model, tests/reference) at 224x224, batch 1/32/256, FP32 and FP16 (or those --batch and --precision
name), eager channels-last and CUDA-graph replay. Prints one JSON object per line, in the fields
`ghostnet bench --json` prints."""
import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'reference'))
from ghostnet_reference import ghostnet  # noqa: E402


def measure(step, seconds, warmup):
    """Calls step() back to back (synchronising each time) and returns per-call latencies in s."""
    deadline = time.perf_counter() + warmup
    while time.perf_counter() < deadline:
        step()
    torch.cuda.synchronize()
    latencies, start = [], time.perf_counter()
    while not latencies or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        latencies.append(time.perf_counter() - t0)
    return latencies


def record(engine, precision, batch, latencies):
    ordered = sorted(latencies)
    pick = lambda p: ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))] * 1e3
    print(json.dumps({'engine': engine, 'device': 'cuda:0', 'precision': precision, 'batch': batch, 'size': 224,
                      'images_per_second': batch * len(latencies) / sum(latencies),
                      'latency_ms_p50': pick(50), 'latency_ms_p90': pick(90), 'latency_ms_p99': pick(99),
                      'iterations': len(latencies), 'torch': torch.__version__}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seconds', type=float, default=3)
    parser.add_argument('--warmup', type=float, default=1)
    parser.add_argument('--precision', default='fp32,fp16', help='comma-separated: fp32, fp16')
    parser.add_argument('--batch', default='1,32,256', help='comma-separated batch sizes')
    args = parser.parse_args()
    dtypes = {'fp32': torch.float32, 'fp16': torch.float16}
    precisions = args.precision.split(',')
    batches = [int(b) for b in args.batch.split(',')]
    torch.backends.cudnn.benchmark = True
    # FP32 without TF32, as ghostnet's default.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    for precision in precisions:
        dtype = dtypes[precision]
        model = ghostnet(1.0, 1000).cuda().eval().to(dtype=dtype, memory_format=torch.channels_last)
        for batch in batches:
            x = torch.randn(batch, 3, 224, 224, device='cuda', dtype=dtype).contiguous(
                memory_format=torch.channels_last)
            with torch.inference_mode():
                record('pytorch-eager', precision, batch, measure(lambda: model(x), args.seconds, args.warmup))
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    for _ in range(3):
                        model(x)
                torch.cuda.current_stream().wait_stream(side)
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph):
                    model(x)
                record('pytorch-graph', precision, batch, measure(graph.replay, args.seconds, args.warmup))


if __name__ == '__main__':
    main()

"""The results of tests/gpu/check.sh, whole, in one JSON file, and as tables.

    summary.py step WORK NAME STATUS SECONDS DETAIL   # records a step's outcome
    summary.py write WORK JSON [--print]              # writes every result to JSON; --print: the tables

WORK holds steps.jsonl (one object per step) and bench.jsonl (the benchmark's rows, as
`ghostnet bench --json` and pytorch_bench.py print them). The tables are the steps, then ghostnet
beside PyTorch's best per precision and batch, and the goals of the GPU work.
"""
import json
import sys
import time
from pathlib import Path


def read_lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip().startswith('{')]


def step(work, name, status, seconds, detail):
    with open(Path(work) / 'steps.jsonl', 'a') as f:
        f.write(json.dumps({'name': name, 'status': status, 'seconds': int(seconds), 'detail': detail}) + '\n')


def best_pytorch(rows):
    best = {}
    for r in rows:
        if r['engine'].startswith('pytorch'):
            key = (r['precision'], r['batch'])
            if key not in best or r['images_per_second'] > best[key]['images_per_second']:
                best[key] = r
    return best


def print_steps(steps):
    print(f"{'step':<24} {'result':<10} {'s':>4}  detail")
    for s in steps:
        print(f"{s['name']:<24} {s['status']:<10} {s['seconds']:>4}  {s['detail']}")


def print_benchmark(rows):
    ours = {(r['precision'], r['batch']): r for r in rows if r['engine'] == 'ghostnet'}
    torch = best_pytorch(rows)
    if not ours and not torch:
        return
    nan = float('nan')
    print(f"{'precision':>9} {'batch':>5} | {'ghostnet img/s':>14} {'p50 ms':>8} | "
          f"{'PyTorch best img/s':>18} {'mode':>14} {'p50 ms':>8} | {'ratio':>6}")
    for key in sorted(set(ours) | set(torch)):
        g, t = ours.get(key), torch.get(key)
        ratio = g['images_per_second'] / t['images_per_second'] if g and t else nan
        print(f"{key[0]:>9} {key[1]:>5} | "
              f"{g['images_per_second'] if g else nan:>14.1f} {g['latency_ms_p50'] if g else nan:>8.3f} | "
              f"{t['images_per_second'] if t else nan:>18.1f} {t['engine'] if t else '-':>14} "
              f"{t['latency_ms_p50'] if t else nan:>8.3f} | {ratio:>6.2f}")
    g256, t256, g1 = ours.get(('fp16', 256)), torch.get(('fp16', 256)), ours.get(('fp16', 1))
    if g256:
        print(f"goal: FP16 batch 256 >= 100000 images/s: {g256['images_per_second']:.0f} "
              f"({'met' if g256['images_per_second'] >= 100000 else 'not met'})")
    if g256 and t256:
        ratio = g256['images_per_second'] / t256['images_per_second']
        print(f"goal: >= 1.5x PyTorch's best at FP16 batch 256: {ratio:.2f}x ({'met' if ratio >= 1.5 else 'not met'})")
    if g1:
        print(f"goal: FP16 batch-1 latency < 0.3 ms: {g1['latency_ms_p50']:.3f} ms p50 "
              f"({'met' if g1['latency_ms_p50'] < 0.3 else 'not met'})")


def write(work, target, show):
    work = Path(work)
    steps = read_lines(work / 'steps.jsonl')
    rows = read_lines(work / 'bench.jsonl')
    meta = json.loads((work / 'meta.json').read_text()) if (work / 'meta.json').exists() else {}
    result = dict(meta, written=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), steps=steps, benchmark=rows,
                  failed=[s['name'] for s in steps if s['status'] != 'passed'])
    Path(target).write_text(json.dumps(result, indent=1) + '\n')
    if show:
        print_steps(steps)
        print()
        print_benchmark(rows)


def main(args):
    if args[:1] == ['step'] and len(args) == 6:
        step(*args[1:])
    elif args[:1] == ['write'] and len(args) in (3, 4):
        write(args[1], args[2], args[3:] == ['--print'])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])

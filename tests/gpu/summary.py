"""The summary table of tests/gpu/check.sh: ghostnet beside PyTorch's best, per precision and batch,
and the goals of the GPU issue."""
import json
import sys


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip().startswith('{')]
    ours = {(r['precision'], r['batch']): r for r in rows if r['engine'] == 'ghostnet'}
    torch = {}
    for r in rows:
        if r['engine'].startswith('pytorch'):
            key = (r['precision'], r['batch'])
            if key not in torch or r['images_per_second'] > torch[key]['images_per_second']:
                torch[key] = r
    print(f"{'precision':>9} {'batch':>5} | {'ghostnet img/s':>14} {'p50 ms':>8} | "
          f"{'PyTorch best img/s':>18} {'mode':>14} {'p50 ms':>8} | {'ratio':>6}")
    for key in sorted(set(ours) | set(torch), key=lambda k: (k[0], k[1])):
        g, t = ours.get(key), torch.get(key)
        ratio = g['images_per_second'] / t['images_per_second'] if g and t else float('nan')
        print(f"{key[0]:>9} {key[1]:>5} | "
              f"{g['images_per_second'] if g else float('nan'):>14.1f} {g['latency_ms_p50'] if g else float('nan'):>8.3f} | "
              f"{t['images_per_second'] if t else float('nan'):>18.1f} {t['engine'] if t else '-':>14} "
              f"{t['latency_ms_p50'] if t else float('nan'):>8.3f} | {ratio:>6.2f}")
    g256, t256, g1 = ours.get(('fp16', 256)), torch.get(('fp16', 256)), ours.get(('fp16', 1))
    print()
    if g256:
        print(f"goal: FP16 batch 256 >= 100000 images/s: {g256['images_per_second']:.0f} "
              f"({'met' if g256['images_per_second'] >= 100000 else 'not met'})")
    if g256 and t256:
        ratio = g256['images_per_second'] / t256['images_per_second']
        print(f"goal: >= 1.5x PyTorch's best at FP16 batch 256: {ratio:.2f}x ({'met' if ratio >= 1.5 else 'not met'})")
    if g1:
        print(f"goal: FP16 batch-1 latency < 0.3 ms: {g1['latency_ms_p50']:.3f} ms p50 "
              f"({'met' if g1['latency_ms_p50'] < 0.3 else 'not met'})")


if __name__ == '__main__':
    main(sys.argv[1])

#!/usr/bin/env bash
# GPU verification, on a machine with an NVIDIA GPU (CUDA 13 driver, nvcc, CMake, Python with
# PyTorch and pip's nvidia-cudnn-cu13; no Java, no Maven, no network needed):
#   1. checks native/src/cuda/cudnn_api.h against the real cudnn.h,
#   2. runs every native test (kernels against their host twins, every fixture in FP32/FP16/BF16,
#      CUDA graph replay, concurrent contexts, external streams),
#   3. runs every Java test on the GPU (JavaCPP presets interop included),
#   4. benchmarks GhostNet 1.0x at 224x224, batch 1/32/256, FP32 and FP16, beside PyTorch on the
#      same GPU, and prints one summary table.
# Needs target/gpu-bundle.tar.xz from tests/gpu/prepare.sh. Without a GPU it says so and exits 1.
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)

if ! nvidia-smi -L > /dev/null 2>&1; then
  echo "check: no NVIDIA GPU here (nvidia-smi finds none): the GPU checks need one" >&2
  exit 1
fi
if [ ! -f target/gpu-bundle.tar.xz ]; then
  echo "check: target/gpu-bundle.tar.xz is missing: run tests/gpu/prepare.sh on a machine with a JDK first" >&2
  exit 1
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python=$(command -v python3 || command -v python)
work=$(mktemp -d)
"$python" -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" target/gpu-bundle.tar.xz "$work"
bundle="$work/gpu-bundle"
cudnn_root=$("$python" -c "import nvidia.cudnn as c, os; print(list(c.__path__)[0])")
export GHOSTNET_CUDNN_PATH="$cudnn_root/lib"
export LD_LIBRARY_PATH="$cudnn_root/lib:${CUDA_HOME:-/usr/local/cuda}/lib64:${LD_LIBRARY_PATH:-}"
failures=0
step() { echo; echo "=== $1 ($(( $(date +%s) - start )) s)"; }

step "cuDNN declarations against $cudnn_root/include/cudnn.h"
if g++ -std=c++17 -fsyntax-only -Wno-deprecated-declarations -I"$cudnn_root/include" \
     -I"${CUDA_HOME:-/usr/local/cuda}/include" -Inative/src native/src/cuda/cudnn_api_check.cpp; then
  echo "cudnn_api.h matches cudnn.h"
else
  echo "FAILED: cudnn_api.h differs from cudnn.h"; failures=$((failures + 1))
fi

step "native tests"
GHOSTNET_FIXTURES="$PWD/tests/fixtures" "$bundle/ghostnet_native_tests" --gtest_brief=1 || failures=$((failures + 1))

step "Java tests"
"$bundle/jre/bin/java" -Dghostnet.fixtures=tests/fixtures -Dghostnet.leaks.captureStacks=true \
  -jar "$bundle/lib/junit-platform-console-standalone-1.14.1.jar" execute --disable-banner --details=summary \
  --class-path "$bundle/test-classes:$bundle/ghostnet.jar:$bundle/lib/gson-2.11.0.jar:$bundle/lib/cuda-13.1-9.19-1.5.13-linux-x86_64.jar" \
  --scan-class-path "$bundle/test-classes" --exclude-classname '.*IT$' || failures=$((failures + 1))

step "benchmark: ghostnet"
results="$work/bench.jsonl"
for precision in fp32 fp16; do
  for batch in 1 32 256; do
    "$bundle/jre/bin/java" -jar "$bundle/ghostnet.jar" bench --device cuda:0 --precision "$precision" \
      --batch "$batch" --seconds 3 --warmup 1 --json >> "$results" || failures=$((failures + 1))
  done
done

step "benchmark: PyTorch"
"$python" tests/gpu/pytorch_bench.py --seconds 3 >> "$results" || failures=$((failures + 1))

step "summary"
"$python" tests/gpu/summary.py "$results"
echo
echo "check: $failures failed step(s), $(( $(date +%s) - start )) s"
rm -rf "$work"
[ "$failures" -eq 0 ]

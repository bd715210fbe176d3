#!/usr/bin/env bash
# The GPU check: on a machine with an NVIDIA GPU (a driver, Python with PyTorch and pip's cuDNN;
# no Java, Maven or network needed), one run says what works and where the first failure is.
#
#   bash tests/gpu/check.sh            # at most 8 minutes, the bundle's extraction included:
#     preflight (info: driver, GPU, cuDNN, cuBLASLt; it stops the run within 20 s if the GPU
#     cannot be used, saying why), cuda/cudnn_api.h against the real cudnn.h, the native GPU tests
#     (kernels against their host twins, CUDA graph replay, contexts, streams), the op-by-op
#     comparison with the host in FP32, FP16 and BF16, every fixture in FP32, FP16 and BF16 (each
#     saying how long its model took to load and to plan), the sample images classified, the Java
#     GPU tests, the benchmark (every configuration in one JVM) beside PyTorch, a summary
#   bash tests/gpu/check.sh --quick    # at most 3 minutes, for a second run after a fix: preflight,
#     every fixture in FP32 and FP16, the benchmark at FP16 batch 256 beside PyTorch
#   bash tests/gpu/check.sh --rehearse # without a GPU (tests/gpu/rehearse.sh runs it in a minimal
#     root): the full run's steps, started as the GPU machine starts them, with the host in the
#     GPU's place: the bundle unpacked, info saying there is no GPU, the native test binary and the
#     Java launcher running their GPU tests (which skip, saying why), the sample images classified
#
# It needs target/gpu-bundle.tar.xz (tests/gpu/prepare.sh makes it). Every step has a timeout,
# and the whole run a budget that later steps get what is left of; the steps' own limits add up
# to less than the budget. GPU tests that cannot run fail (GHOSTNET_REQUIRE_GPU=1). Without a GPU
# it says so and exits 2 at once, unless rehearsing. With $OUT set, everything it prints also goes
# whole to $OUT/check.log; $OUT/check.json holds each step's result and the benchmark's numbers
# (rewritten after every step), $OUT/gtest-*.json the native tests' reports, and $OUT/plans.log
# how each convolution was planned.
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
mode=full
budget=480
device=cuda:0
case "${1:-}" in
  --quick) mode=quick budget=180 ;;
  --rehearse) mode=rehearse device=cpu ;;
esac

if [ "$mode" = rehearse ]; then
  gpus="no GPU: a rehearsal, with the host in the GPU's place"
elif ! command -v nvidia-smi > /dev/null; then
  echo "check: no NVIDIA GPU here: nvidia-smi is not installed (no NVIDIA driver); the GPU check needs one" >&2
  exit 2
elif ! gpus=$(timeout 5 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1) ||
   [ -z "$gpus" ]; then
  echo "check: no usable NVIDIA GPU here: nvidia-smi says: ${gpus:-nothing}" >&2
  exit 2
fi
if [ ! -f target/gpu-bundle.tar.xz ]; then
  echo "check: target/gpu-bundle.tar.xz is missing: make it with tests/gpu/prepare.sh on a machine with a JDK" >&2
  exit 2
fi

work=$(mktemp -d)
results=${OUT:-$work/results}
mkdir -p "$results"
if [ -n "${OUT:-}" ]; then
  exec > >(tee "$OUT/check.log") 2>&1
  tee_pid=$!
fi
finish() {
  echo
  python3 tests/gpu/summary.py write "$work" "$results/check.json" --print
  echo
  echo "check ($mode): $failures step(s) not passed in $((SECONDS - start)) s; results in $results"
  rm -rf "$work"
  if [ -n "${tee_pid:-}" ]; then
    exec >&- 2>&-
    wait "$tee_pid"
  fi
  [ "$failures" -eq 0 ]
  exit
}
failures=0
python3 -c 'import json, sys; print(json.dumps({"mode": sys.argv[1], "gpu": sys.argv[2]}))' "$mode" "$gpus" \
  > "$work/meta.json"
echo "check ($mode, at most $budget s) on $gpus"

# step NAME LIMIT CODE: runs the shell code CODE with a timeout of LIMIT seconds, or of what is left
# of the budget, and records the outcome.
step() {
  local name=$1 limit=$2 code=$3
  local left=$((budget - (SECONDS - start)))
  if ((left < 10)); then
    echo "=== $name: skipped, the run's $budget s are spent"
    python3 tests/gpu/summary.py step "$work" "$name" skipped 0 "out of time"
    failures=$((failures + 1))
    return 1
  fi
  ((limit > left)) && limit=$left
  echo
  echo "=== $name (at most $limit s; $((SECONDS - start)) s into the run)"
  local began=$SECONDS status
  timeout --kill-after=5 "$limit" bash -c "set -o pipefail; $code"
  local rc=$?
  case $rc in
    0) status=passed ;;
    124 | 137) status="timed out" ;;
    *) status=failed ;;
  esac
  python3 tests/gpu/summary.py step "$work" "$name" "$status" $((SECONDS - began)) "exit status $rc"
  python3 tests/gpu/summary.py write "$work" "$results/check.json"
  [ "$status" = passed ] || failures=$((failures + 1))
  return $rc
}

# What every program below reads when it starts: the native test binary reads the fixture
# manifest while GoogleTest registers its tests, before any flag is parsed.
export bundle="$work/gpu-bundle" fixtures="$PWD/tests/fixtures" device mode
export GHOSTNET_FIXTURES="$fixtures"
export java="$bundle/jre/bin/java"

step "bundle" 20 "python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
  target/gpu-bundle.tar.xz '$work' && \"\$bundle/ghostnet_fixture_weights\" \"\$bundle/fixture-weights\" > /dev/null" || finish

# cuDNN as pip installed it for this Python: where the preflight may point the loader if its own
# search misses it, and the header the declarations are checked against.
cudnn_root=$(python3 -c 'import nvidia.cudnn as c; print(list(c.__path__)[0])' 2> /dev/null || true)
export cudnn_root
# The CUDA runtime JavaCPP's presets load for the Java interop tests, and for nothing else:
# PyTorch and the native tests keep the library path they had.
cudart_dir=
for dir in $(python3 -c 'import nvidia; print(" ".join(nvidia.__path__))' 2> /dev/null) /usr/local/cuda/lib64; do
  found=$(ls -d "$dir"/*/lib/libcudart.so.* "$dir"/libcudart.so.* 2> /dev/null | head -1)
  if [ -n "$found" ]; then
    cudart_dir=$(dirname "$found")
    break
  fi
done

# Preflight: the GPU as ghostnet sees it. The loader's own search comes first; if it misses pip's
# cuDNN, the run goes on with GHOSTNET_CUDNN_PATH pointing there, and the miss is reported. A
# rehearsal expects info to say that no GPU is usable.
preflight='
  "$java" -jar "$bundle/ghostnet.jar" info | tee "$bundle/info.txt" || exit 1
  if [ "$mode" = rehearse ]; then
    grep -q "^  GPU *not usable" "$bundle/info.txt" || { echo "preflight: info does not say why no GPU is usable"; exit 1; }
  else
    if ! grep -q "^  GPU *usable" "$bundle/info.txt" && [ -n "$cudnn_root" ]; then
      echo "preflight: the loader did not find a usable cuDNN itself; again with GHOSTNET_CUDNN_PATH=$cudnn_root/lib"
      GHOSTNET_CUDNN_PATH="$cudnn_root/lib" "$java" -jar "$bundle/ghostnet.jar" info | tee "$bundle/info.txt"
      echo "$cudnn_root/lib" > "$bundle/cudnn_path"
    fi
    grep -q "^  GPU *usable" "$bundle/info.txt" || { echo "preflight: no usable GPU (above: why)"; exit 1; }
  fi
  "$bundle/ghostnet_native_tests" --gtest_list_tests > "$bundle/native-tests.txt" ||
    { echo "preflight: the native tests do not start"; exit 1; }
  echo "preflight: the native test binary lists $(grep -c "^  " "$bundle/native-tests.txt") tests"'
step "preflight" 20 "$preflight" || finish
if [ -f "$bundle/cudnn_path" ]; then
  GHOSTNET_CUDNN_PATH=$(cat "$bundle/cudnn_path")
  export GHOSTNET_CUDNN_PATH
fi
[ "$mode" = rehearse ] || export GHOSTNET_REQUIRE_GPU=1
export results

# The native GPU tests FILTER selects, with a report in $results/REPORT.
native_tests() {  # native_tests NAME LIMIT REPORT FILTER [FLAGS]
  step "$1" "$2" "\"\$bundle/ghostnet_native_tests\" --gtest_filter='$4' --gtest_output=json:\"\$results/$3\" ${5:-}"
}

# The sample images (every JPEG and PNG kind the fixtures have) through the bundle's Java runtime
# and the Predictor, on the device checked, by GhostNetV2.
classify='"$java" -jar "$bundle/ghostnet.jar" classify --device "$device" \
  --weights "$bundle/fixture-weights/v2_w100_c1000.safetensors" --top 1 "$fixtures/images/samples"'

if [ "$mode" != quick ]; then
  if [ -n "$cudnn_root" ] && command -v g++ > /dev/null; then
    step "cudnn.h" 15 'g++ -std=c++17 -fsyntax-only -Wno-deprecated-declarations -I"$cudnn_root/include" \
      -I/usr/local/cuda/include -Inative/src native/src/cuda/cudnn_api_check.cpp && echo "cudnn_api.h matches cudnn.h"'
  fi
  native_tests "native GPU tests" 45 gtest-gpu.json 'GpuOps*:GpuExecutor*' --gtest_brief=1
  # Each op's report is printed; how each convolution was planned goes to plans.log.
  export GHOSTNET_VERBOSE=1
  native_tests "op by op" 60 gtest-op-by-op.json '*GpuOpByOp*' '2> "$results/plans.log"'
  unset GHOSTNET_VERBOSE
  native_tests "fixtures" 110 gtest-fixtures.json '*GpuFixture*'
  step "classify" 20 "$classify"
  step "Java GPU tests" 45 'LD_LIBRARY_PATH="'"$cudart_dir"'" "$java" -Dghostnet.fixtures="$fixtures" \
    -Dghostnet.fixtureWeights="$bundle/fixture-weights" \
    -jar "$bundle/lib/junit-platform-console-standalone.jar" execute --disable-banner --details=tree \
    --class-path "$bundle/test-classes:$bundle/ghostnet.jar:$bundle/lib/cudart-jni.jar" \
    --scan-class-path "$bundle/test-classes" --include-tag gpu --fail-if-no-tests'
  if [ "$mode" = rehearse ]; then
    step "benchmark: ghostnet" 35 '"$java" -jar "$bundle/ghostnet.jar" bench --device cpu --precision fp32 \
      --batch 1 --seconds 1 --warmup 0 --json'
  else
    step "benchmark: ghostnet" 35 '"$java" -jar "$bundle/ghostnet.jar" bench --device cuda:0 --precision fp32,fp16 \
      --batch 1,32,256 --seconds 2 --warmup 1 --json | tee -a "'"$work"'/bench.jsonl"'
    step "benchmark: PyTorch" 50 'PYTHONUNBUFFERED=1 python3 tests/gpu/pytorch_bench.py --seconds 2 \
      | tee -a "'"$work"'/bench.jsonl"'
  fi
else
  native_tests "fixtures" 60 gtest-fixtures.json '*GpuFixture*_fp32:*GpuFixture*_fp16'
  step "benchmark: ghostnet" 25 '"$java" -jar "$bundle/ghostnet.jar" bench --device cuda:0 --precision fp16 \
    --batch 256 --seconds 3 --warmup 1 --json | tee -a "'"$work"'/bench.jsonl"'
  step "benchmark: PyTorch" 40 'PYTHONUNBUFFERED=1 python3 tests/gpu/pytorch_bench.py --seconds 3 --precision fp16 \
    --batch 256 | tee -a "'"$work"'/bench.jsonl"'
fi
finish

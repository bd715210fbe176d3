#!/usr/bin/env bash
# GhostNet 1.0x and GhostNetV2 1.0x at 224x224 on the host: ghostnet's bench beside ONNX Runtime's
# Java API (all graph optimisations) running the same model (exported from tests/reference), each
# on the same number of threads, batches 1, 8 and 32, interleaved and repeated so that the
# machine's noise falls on both alike; prints, per model, the median images/s of each and their
# ratio, FP32 and ghostnet's BF16 where the CPU has AVX512_BF16, after how the jar's natives were
# built (the release natives are built against glibc 2.31).
#
#   tests/bench/side_by_side.sh JAR [ROUNDS=2] [SECONDS=8] [THREADS=2]
#
# Needs Debian's python3-torch for /usr/bin/python3 (to export the models) and Maven (for the
# onnxruntime jar); writes under target/bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=$(realpath "${1:?usage: side_by_side.sh JAR [ROUNDS] [SECONDS] [THREADS]}")
rounds=${2:-2}
seconds=${3:-8}
threads=${4:-2}
ort_version=1.23.2
work=target/bench
mkdir -p "$work"
for version in v1 v2; do
  [ -f "$work/ghostnet_${version}_1x.onnx" ] ||
    /usr/bin/python3 tests/bench/onnxruntime/export_onnx.py "$work/ghostnet_${version}_1x.onnx" "$version"
done
[ -f "$work/onnxruntime-$ort_version.jar" ] ||
  mvn -q -B dependency:copy -Dartifact=com.microsoft.onnxruntime:onnxruntime:$ort_version -DoutputDirectory="$work"

images_per_second() { grep -oE '"images_per_second": *[0-9.]+' | grep -oE '[0-9.]+$'; }
ghostnet() {  # ghostnet MODEL BATCH PRECISION
  java -jar "$jar" bench --device cpu --random-weights --model "$1" --batch "$2" --precision "$3" \
    --threads "$threads" --seconds "$seconds" --warmup 2 --json 2>/dev/null | images_per_second
}
bf16=$(java -jar "$jar" info 2>/dev/null | grep -q "AVX-512" && grep -q avx512_bf16 /proc/cpuinfo && echo yes || echo no)

results=$(mktemp)
# The models: ghostnet's name for each, and its version for the export.
models="ghostnet_100:v1 ghostnetv2_100:v2"
for round in $(seq 1 "$rounds"); do
  for model in $models; do
    name=${model%%:*} version=${model##*:}
    for batch in 1 8 32; do
      ort=$(java -cp "$work/onnxruntime-$ort_version.jar" tests/bench/onnxruntime/OrtBench.java \
        "$work/ghostnet_${version}_1x.onnx" "$batch" "$threads" "$seconds" | images_per_second)
      fp32=$(ghostnet "$name" "$batch" fp32)
      bf=$([ "$bf16" = yes ] && ghostnet "$name" "$batch" bf16 || echo 0)
      echo "round $round, $name, batch $batch: ONNX Runtime $ort, ghostnet fp32 $fp32, bf16 $bf images/s" >&2
      echo "$name $batch $ort $fp32 $bf" >> "$results"
    done
  done
done

# The median of column $3 over the rows of model $1 at batch $2.
median() {
  awk -v m="$1" -v b="$2" -v c="$3" '$1 == m && $2 == b {print $c}' "$results" | sort -g |
    awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

natives=$(java -jar "$jar" info 2>/dev/null | sed -n 's/^  natives *//p')
echo "ghostnet's natives: $natives ($(case "$natives" in *"glibc 2.31") echo "the release build" ;;
  *) echo "not the release build: mvn -Pportable package builds that" ;; esac))"
echo "$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs) (family $(grep -m1 "cpu family" /proc/cpuinfo | cut -d: -f2 | xargs), model $(grep -m1 "^model\s" /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads, median of $rounds rounds"
for model in $models; do
  name=${model%%:*}
  echo
  echo "$name:"
  echo "| batch | ONNX Runtime FP32 | ghostnet FP32 | ratio | ghostnet BF16 | ratio |"
  echo "|---|---|---|---|---|---|"
  for batch in 1 8 32; do
    ort=$(median "$name" "$batch" 3) fp32=$(median "$name" "$batch" 4) bf=$(median "$name" "$batch" 5)
    bf_cells=$(awk -v g="$bf" -v o="$ort" 'BEGIN { if (g > 0) printf "%.1f | %.2fx", g, g / o; else printf "refused | -" }')
    awk -v b="$batch" -v o="$ort" -v f="$fp32" -v rest="$bf_cells" \
      'BEGIN { printf "| %d | %.1f | %.1f | %.2fx | %s |\n", b, o, f, f / o, rest }'
  done
done
rm -f "$results"

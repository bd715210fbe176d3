#!/usr/bin/env bash
# Builds the libFuzzer targets (cmake/GhostnetFuzz.cmake: clang, ASan + UBSan, host-only) and
# runs each one for a while from its seeds. Exits non-zero on any finding (a crash, a
# sanitizer report, a leak, an exception other than ghostnet::Error, a slow input or an
# out-of-memory), leaving the input that shows it under <build>/findings/.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]     (default: 45 s, every target)
#
# Environment: GHOSTNET_FUZZ_BUILD (build folder, default target/fuzz), GHOSTNET_FUZZ_JOBS
# (build parallelism, default 2), GHOSTNET_FUZZ_ARGS (extra libFuzzer flags, e.g. -runs=1000000).
# The working corpus stays in <build>/corpus/<target>, so later runs on one machine go on from
# where earlier ones stopped; CI starts from the seeds every time.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${GHOSTNET_FUZZ_BUILD:-$root/target/fuzz}"
seconds="${1:-45}"
shift || true
all_targets=(fuzz_safetensors fuzz_torch_zip fuzz_torch_zip_pickle fuzz_torch_legacy fuzz_npy fuzz_jpeg)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

clangxx="$(command -v clang++ || command -v clang++-14 || true)"
clangc="$(command -v clang || command -v clang-14 || true)"
if [[ -z "$clangxx" || -z "$clangc" ]]; then
  echo "fuzz: clang is not installed (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

echo "fuzz: building the targets in $build"
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$clangxx" -DCMAKE_C_COMPILER="$clangc" \
  -DCMAKE_BUILD_TYPE=Debug -DGHOSTNET_CUDA=OFF -DGHOSTNET_BUILD_TESTS=OFF -DGHOSTNET_FUZZ=ON >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 2; }
cmake --build "$build" --target ghostnet_fuzz --parallel "${GHOSTNET_FUZZ_JOBS:-2}" >"$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log" >&2; exit 2; }

fixtures="$root/tests/fixtures"
# Seeds: the committed miniatures (tests/fuzz/seeds, made by make_seeds.py) plus the fixture
# files of each format, referenced where they are. Inputs longer than -max_len (16 KB, which
# keeps each target above 1,000 executions a second) are cut to it.
seed_files() {
  case "$1" in
    fuzz_safetensors) ls "$fixtures"/formats/*.safetensors "$fixtures"/hostile/*.safetensors ;;
    fuzz_torch_zip) ls "$fixtures"/hostile/os_system.pt "$fixtures"/hostile/builtins_eval.pt ;;
    fuzz_torch_legacy) ls "$fixtures"/hostile/subprocess_popen_legacy.pt ;;
    fuzz_npy) ls "$fixtures"/inputs/*.npy "$fixtures"/expected/*.npy ;;
    fuzz_jpeg) ls "$fixtures"/images/samples/*.jpg "$fixtures"/images/refuse/*.jpg ;;
  esac
}
settings() {  # dictionary and longest input of each target
  case "$1" in
    fuzz_safetensors) echo "safetensors 16384" ;;
    fuzz_torch_zip) echo "zip 16384" ;;
    fuzz_torch_zip_pickle | fuzz_torch_legacy) echo "pickle 16384" ;;
    fuzz_npy) echo "npy 16384" ;;
    fuzz_jpeg) echo "jpeg 16384" ;;
    *) echo "unknown target $1" >&2; exit 2 ;;
  esac
}

for target in "${targets[@]}"; do
  [[ -x "$build/$target" ]] || { echo "fuzz: no target $target (targets: ${all_targets[*]})" >&2; exit 2; }
done
mkdir -p "$build/logs" "$build/findings"
failed=()
summary=()
for target in "${targets[@]}"; do
  read -r dict max_len < <(settings "$target")
  seeds="$build/seeds/$target"
  corpus="$build/corpus/$target"
  rm -rf "$seeds"
  mkdir -p "$seeds" "$corpus"
  cp "$root/tests/fuzz/seeds/$target"/* "$seeds/"
  for file in $(seed_files "$target"); do ln -s "$file" "$seeds/fixture_$(basename "$file")"; done
  log="$build/logs/$target.log"
  echo "fuzz: $target for ${seconds}s (log: $log)"
  start=$(date +%s)
  status=0
  # -timeout: an input slower than 10 s is a finding (a hang); -rss_limit_mb and
  # -malloc_limit_mb: so is using 2 GB, or asking for 1 GB at once, for an input of <= 16 KB.
  # shellcheck disable=SC2086
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -max_len="$max_len" -dict="$root/tests/fuzz/dict/$dict.dict" -print_final_stats=1 \
      -artifact_prefix="$build/findings/$target-" ${GHOSTNET_FUZZ_ARGS:-} "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$done_line")
  summary+=("$(printf '%-22s %10s %8s %6s %6s %14s %5ss  %s' "$target" "${runs:-?}" "${speed:-?}" "${cov:-?}" \
    "${ft:-?}" "${corp:-?}" "$elapsed" "$([[ $status == 0 ]] && echo ok || echo "FINDING (exit $status)")")")
  if [[ $status != 0 ]]; then
    failed+=("$target")
    echo "fuzz: $target FOUND A PROBLEM (exit $status); the end of its log:" >&2
    tail -60 "$log" >&2
    ls -l "$build/findings" >&2 || true
  fi
done

echo
printf '%-22s %10s %8s %6s %6s %14s %6s  %s\n' target executions exec/s cov ft corpus time result
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}: reproduce with <build>/<target> <input> (inputs in $build/findings)" >&2
  exit 1
fi

#!/usr/bin/env bash
# Runs a jar on Debian 11 (glibc 2.31) with that system's own JDK 17: `info`, then a fixture's
# forward pass on the host (GhostNetV3 as the official repository ships it: its training form,
# re-parameterised at load), compared with PyTorch's logits. Needs root (see cmake/debian11).
#
#   tests/portability/debian11_smoke.sh JAR      # JAR inside this repository
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
jar=$(realpath "${1:?usage: debian11_smoke.sh JAR}")
case "$jar" in "$repo"/*) ;; *) echo "debian11 smoke: $jar must lie inside $repo, which is what the root sees" >&2; exit 1 ;; esac
in_root() { "$repo/cmake/debian11/run-in-root.sh" "$@"; }
out=$repo/target/portability
mkdir -p "$out"
cd "$repo"

in_root sh -c 'echo "debian11 smoke: $(. /etc/os-release && echo "$PRETTY_NAME"), $(ldd --version | head -1)"'
in_root java -jar "$jar" info
in_root java -jar "$jar" run --device cpu --weights tests/fixtures/formats/v3_official.pth.tar \
  --input tests/fixtures/inputs/input_64x48_b2_s41.npy --output "$out/v3_w010_c10_64x48.npy"
in_root java -cp "$jar" tests/portability/LogitsMatch.java "$out/v3_w010_c10_64x48.npy" \
  tests/fixtures/expected/v3_w010_c10_64x48.npy
echo "debian11 smoke: the jar runs on Debian 11"

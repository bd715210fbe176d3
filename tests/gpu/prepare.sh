#!/usr/bin/env bash
# Prepares, on a development machine, everything tests/gpu/check.sh needs on a GPU machine that
# has no JDK, no Maven, no GoogleTest and no network: target/gpu-bundle.tar.xz with a jlink'ed
# Java runtime, the jar, the Java tests and their launcher, and the native test binary built for
# the GPU's architecture. Carry that one file to the GPU machine (it stays well under 64 MiB).
#
#   bash tests/gpu/prepare.sh [CUDA_ARCHITECTURE]   # default 90 (Hopper)
set -euo pipefail
cd "$(dirname "$0")/../.."
arch="${1:-90}"
bundle=target/gpu-bundle
rm -rf "$bundle" && mkdir -p "$bundle/lib"

echo "prepare: jar and Java tests"
mvn -q -B package -DskipTests
mvn -q -B test-compile
cp target/ghostnet.jar "$bundle/"
cp -r target/test-classes "$bundle/test-classes"
mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
  -DoutputDirectory="$bundle/lib"
mvn -q -B dependency:copy -Dartifact=com.google.code.gson:gson:2.11.0 -DoutputDirectory="$bundle/lib"
# JavaCPP's CUDA presets with their JNI libraries, for the interop tests (libcudart comes from the GPU machine).
mvn -q -B dependency:copy -Dartifact=org.bytedeco:cuda:13.1-9.19-1.5.13:jar:linux-x86_64 -DoutputDirectory="$bundle/lib"

echo "prepare: native tests for sm_${arch}"
cmake -S . -B target/gpu-native -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch" > /dev/null
cmake --build target/gpu-native --target ghostnet_native_tests --parallel "$(nproc)"
cp target/gpu-native/tests/native/ghostnet_native_tests "$bundle/"

echo "prepare: Java runtime"
# Uncompressed modules: xz compresses them far better than jlink's own zip.
jlink --add-modules java.base,java.compiler,java.desktop,java.logging,java.management,java.sql,java.xml,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=0 --output "$bundle/jre"

tar -C target -cJf target/gpu-bundle.tar.xz gpu-bundle
ls -la target/gpu-bundle.tar.xz

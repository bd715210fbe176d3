#!/usr/bin/env bash
# Prepares here what tests/gpu/check.sh needs on a GPU machine that has no JDK, no Maven, no
# GoogleTest and no network: target/gpu-bundle.tar.xz, holding a jlink'ed Java runtime, the jar,
# the Java tests and their launcher, and the native test binary, built for the GPU's architecture.
# The jar's natives and the test binary are built in the Debian 11 root of the portable build
# (glibc 2.31, their C++ runtime linked in), so they run on the GPU machine's Linux whatever its
# libstdc++. Needs root (the Debian 11 root) and Maven's network on first use.
#
#   bash tests/gpu/prepare.sh [CUDA_ARCHITECTURE]   # default 90 (Hopper: H100, H200)
#
# The bundle travels beside the repository's tracked files, which it must leave room for within
# the 64 MiB a device run carries: it says how much it leaves.
set -euo pipefail
cd "$(dirname "$0")/../.."
arch="${1:-90}"
bundle=target/gpu-bundle
rm -rf "$bundle" && mkdir -p "$bundle/lib"

echo "prepare: the Java tests"
mvn -q -B test-compile
cp -r target/test-classes "$bundle/test-classes"

echo "prepare: the jar, its natives built in the Debian 11 root for sm_$arch"
mvn -q -B -Pportable -DskipTests -Dnative.build.dir=target/gpu-natives \
  "-Dcmake.args=-DCMAKE_CUDA_ARCHITECTURES=$arch" package
cp target/ghostnet.jar "$bundle/"

echo "prepare: the native tests, built in the Debian 11 root for sm_$arch"
cmake/debian11/run-in-root.sh sh -c 'test -f /usr/include/gtest/gtest.h ||
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libgtest-dev; }'
cmake/debian11/cmake.sh -S . -B target/gpu-native-tests -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CUDA_ARCHITECTURES=$arch" > /dev/null
cmake/debian11/cmake.sh --build target/gpu-native-tests --target ghostnet_native_tests --parallel "$(nproc)"
strip -o "$bundle/ghostnet_native_tests" target/gpu-native-tests/tests/native/ghostnet_native_tests

echo "prepare: the JUnit launcher, and JavaCPP's CUDA runtime bindings for the interop tests"
mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
  -DoutputDirectory="$bundle/lib" -Dmdep.stripVersion=true
# Of JavaCPP's CUDA presets for Linux, only the runtime's JNI library (the interop tests use no other).
mvn -q -B dependency:copy -Dartifact=org.bytedeco:cuda:13.1-9.19-1.5.13:jar:linux-x86_64 -DoutputDirectory=target/gpu-presets
presets=$(ls target/gpu-presets/cuda-*-linux-x86_64.jar)
rm -rf target/gpu-presets/cudart && mkdir -p target/gpu-presets/cudart
(cd target/gpu-presets/cudart && unzip -q "../$(basename "$presets")" 'org/bytedeco/cuda/linux-x86_64/libjnicudart.so')
jar --create --file "$bundle/lib/cudart-jni.jar" -C target/gpu-presets/cudart .

echo "prepare: the Java runtime"
# What the jar and the tests use: ImageIO (java.desktop) decodes images, JavaCPP needs
# jdk.unsupported; none of java.desktop's windows, fonts or sound. Uncompressed modules: xz
# compresses them far better than jlink's own zip.
jlink --add-modules java.base,java.desktop,java.logging,jdk.unsupported --strip-debug --no-header-files \
  --no-man-pages --compress=0 --output "$bundle/jre" \
  --exclude-files='**libfontmanager.so,**libawt_xawt.so,**libsplashscreen.so,**libjsound.so,**libjawt.so'
strip --strip-unneeded "$bundle/jre/lib/server/libjvm.so"

tar -C target -cf - gpu-bundle | xz -T0 -9 > target/gpu-bundle.tar.xz
tracked=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
size=$(stat -c %s target/gpu-bundle.tar.xz)
limit=$((64 * 1024 * 1024))
echo "prepare: target/gpu-bundle.tar.xz is $((size / 1048576)) MiB; with the tracked files ($((tracked / 1048576)) MiB)" \
  "a device run carries $(((size + tracked) * 100 / limit))% of its 64 MiB"
if ((size + tracked > limit)); then
  echo "prepare: that is more than a device run carries" >&2
  exit 1
fi

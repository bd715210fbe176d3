#!/usr/bin/env bash
# Prepares here what tests/gpu/check.sh needs on a GPU machine that has no JDK, no Maven, no
# GoogleTest and no network: target/gpu-bundle.tar.xz, holding a jlink'ed Java runtime, the jar,
# the Java tests and their launcher, the native test binary, built for the GPU's architecture, and
# the program that writes the fixtures' generated models as files.
# The jar's natives and the test binary are built in the Debian 11 root of the portable build
# (glibc 2.31, their C++ runtime linked in), so they run on the GPU machine's Linux whatever its
# libstdc++; the native tests also run here, which is CI's check of the release natives. Needs
# root (the Debian 11 root) and Maven's network on first use.
#
#   bash tests/gpu/prepare.sh [CUDA_ARCHITECTURE]   # default 90 (Hopper: H100, H200)
#
# The bundle travels beside the repository's tracked files, which it must leave room for within
# the 64 MiB a device run carries: it says how much it leaves.
set -euo pipefail
cd "$(dirname "$0")/../.."
arch="${1:-90}"
bundle=target/gpu-bundle

# Prints "NAME PATH" for each library that an ELF file under the folders given needs and ldd
# finds outside them, and "NAME not-found" for one it finds nowhere (unless a file of that name
# is in them: libjvm.so, which the JVM has loaded before its libraries). glibc's libraries and
# GCC's C++ runtime are left out: every Linux with a C++ program on it has them, and a carried
# copy older than the system's would shadow it for cuDNN, which is loaded later.
outside_libraries() {
  local file name arrow path
  while IFS= read -r -d '' file; do
    [ "$(head -c 4 "$file" | tr -d '\0')" = $'\x7fELF' ] || continue
    while read -r name arrow path _; do
      [ "$arrow" = "=>" ] || continue
      case $name in
        libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | libutil.so.* | libresolv.so.* | \
          ld-linux*.so.* | libstdc++.so.* | libgcc_s.so.*) continue ;;
      esac
      if [ "$path" = not ]; then
        [ -n "$(find "$@" -name "$name" -print -quit)" ] || echo "$name not-found"
        continue
      fi
      local inside=0 folder
      for folder in "$@"; do
        case $(readlink -f "$path") in "$(readlink -f "$folder")"/*) inside=1 ;; esac
      done
      ((inside)) || echo "$name $path"
    done < <(ldd "$file" 2> /dev/null)
  done < <(find "$@" -type f -print0)
}
rm -rf "$bundle" && mkdir -p "$bundle/lib"

echo "prepare: the jar, its natives and the native tests built in the Debian 11 root for sm_$arch"
cmake/debian11/run-in-root.sh sh -c 'test -f /usr/include/gtest/gtest.h ||
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libgtest-dev; }'
# The native tests run here as they will run there (their GPU tests skip); the Java tests are
# compiled, not run.
mvn -q -B -Pportable -Dmaven.test.skip.exec=true -Dnative.build.dir=target/gpu-natives \
  "-Dcmake.args=-DCMAKE_CUDA_ARCHITECTURES=$arch" package
cp target/ghostnet.jar "$bundle/"
cp -r target/test-classes "$bundle/test-classes"
strip -o "$bundle/ghostnet_native_tests" target/gpu-natives/tests/native/ghostnet_native_tests
# What writes the forward cases' models as files there (their weights are generated, not carried).
strip -o "$bundle/ghostnet_fixture_weights" target/gpu-natives/tests/native/ghostnet_fixture_weights

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

echo "prepare: the libraries the Java runtime needs beyond glibc"
# This JDK's libraries link the system's (libjpeg.so.62 for ImageIO's JPEG reader, liblcms2 for
# its colour conversion, zlib), which the GPU machine may lack: Ubuntu 24.04 has libjpeg.so.8, not
# .62. They go beside the libraries that need them, whose run path ($ORIGIN) finds them there.
carry_into_jre() {
  local carried=1 name path
  while ((carried)); do
    carried=0
    while read -r name path; do
      [ "$path" != not-found ] || continue
      cp -L "$path" "$bundle/jre/lib/$name"
      echo "  $name from $path"
      carried=1
    done < <(outside_libraries "$bundle/jre" | sort -u)
  done
}
carry_into_jre

echo "prepare: checking with ldd that the bundle needs nothing beyond glibc and GCC's C++ runtime"
rm -rf target/gpu-bundle-natives && mkdir -p target/gpu-bundle-natives
(cd target/gpu-bundle-natives && unzip -q ../../"$bundle/ghostnet.jar" '*.so')
if outside=$(outside_libraries "$bundle" target/gpu-bundle-natives) && [ -n "$outside" ]; then
  echo "prepare: the bundle needs libraries a GPU machine may lack:" >&2
  echo "$outside" >&2
  exit 1
fi

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

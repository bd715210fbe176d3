#!/usr/bin/env bash
# Creates the Debian 11 root that release natives are built in: glibc 2.31, GCC 10,
# CMake 3.18, GoogleTest for the native tests built there, and a JDK 17 to try the jar on. Natives linked against the oldest glibc we
# support load on every newer one (Debian 11+, Ubuntu 20.04+, RHEL 9), which natives
# built on a current distribution do not: they bind symbols to its newer glibc versions.
#
#   cmake/debian11/make-root.sh ROOT      # needs root and debootstrap; about a minute
#
# GHOSTNET_DEBIAN_MIRROR chooses the Debian mirror (default: deb.debian.org).
set -euo pipefail
root=${1:?usage: make-root.sh ROOT}
[ -f "$root/.ready" ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "ghostnet: making a Debian 11 root needs root (debootstrap, chroot)" >&2; exit 1; }
if ! command -v debootstrap >/dev/null; then
  echo "ghostnet: installing debootstrap to make the Debian 11 root"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
fi
mirror=${GHOSTNET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "ghostnet: making a Debian 11 root in $root from $mirror"
rm -rf "$root" && mkdir -p "$root"
debootstrap --variant=minbase --include=g++,make,cmake,libgtest-dev,openjdk-17-jdk-headless bullseye "$root" "$mirror" \
  >"$root.log" 2>&1 || { tail -20 "$root.log"; echo "ghostnet: debootstrap failed (log: $root.log)" >&2; exit 1; }
touch "$root/.ready"

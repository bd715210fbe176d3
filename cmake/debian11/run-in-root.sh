#!/usr/bin/env bash
# Runs a command inside the Debian 11 root (made on first use), with this repository and the
# host's CUDA toolkit mounted at the same paths as outside, in the current folder when it is
# inside the repository (else the repository's top). The mounts live in a private mount
# namespace, so they vanish when the command ends.
#
#   cmake/debian11/run-in-root.sh COMMAND [ARGS...]    # needs root
#
# GHOSTNET_DEBIAN11_ROOT chooses where the root lives (default: ~/.cache/ghostnet/debian11).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
root=${GHOSTNET_DEBIAN11_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/ghostnet/debian11}

if [ "${1:-}" != --in-namespace ]; then
  "$here/make-root.sh" "$root"
  exec unshare --mount --propagation private "$0" --in-namespace "$@"
fi
shift

mkdir -p "$root$repo"
mount --bind "$repo" "$root$repo"
mount -t proc proc "$root/proc"
cuda=$(readlink -f /usr/local/cuda 2>/dev/null || true)
if [ -n "$cuda" ] && [ -d "$cuda" ]; then
  mkdir -p "$root$cuda"
  mount --bind "$cuda" "$root$cuda"
  ln -sfn "$cuda" "$root/usr/local/cuda"
fi
case "$PWD/" in "$repo"/*) folder=$PWD ;; *) folder=$repo ;; esac
exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$folder" "$@"

#!/usr/bin/env bash
# The GPU check's rehearsal, here, without a GPU: tests/gpu/check.sh --rehearse, run from a copy
# of the repository at another path with the bundle unpacked there, inside a minimal Debian root
# (debootstrap's minbase with python3 and nothing else: no JDK, no libjpeg, no lcms, no compiler),
# which has nothing a GPU machine lacks. What fails here would fail in a GPU run's first minute.
#
#   bash tests/gpu/prepare.sh && bash tests/gpu/rehearse.sh    # needs root (debootstrap, chroot)
#
# The root is made once, in ~/.cache/ghostnet/gpu-rehearsal (GHOSTNET_REHEARSAL_ROOT), from
# GHOSTNET_DEBIAN_MIRROR (default deb.debian.org). check.sh's log and results are copied to
# target/gpu-rehearsal/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
root=${GHOSTNET_REHEARSAL_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/ghostnet/gpu-rehearsal}

if [ "${1:-}" = --in-namespace ]; then
  mount --bind /dev "$root/dev"
  mount -t proc proc "$root/proc"
  exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 OUT=/gpu-check/out bash /gpu-check/repo/tests/gpu/check.sh --rehearse
fi

cd "$repo"
[ -f target/gpu-bundle.tar.xz ] || { echo "rehearse: target/gpu-bundle.tar.xz is missing: run tests/gpu/prepare.sh" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "rehearse: the minimal root needs root (debootstrap, chroot)" >&2; exit 2; }
if [ ! -f "$root/.ready" ]; then
  command -v debootstrap > /dev/null ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap; }
  mirror=${GHOSTNET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  echo "rehearse: making a minimal Debian root with python3 in $root from $mirror"
  rm -rf "$root" && mkdir -p "$root"
  debootstrap --variant=minbase --include=python3 bookworm "$root" "$mirror" > "$root.log" 2>&1 ||
    { tail -20 "$root.log"; echo "rehearse: debootstrap failed (log: $root.log)" >&2; exit 1; }
  touch "$root/.ready"
fi

# The repository as a device run copies it: tracked files and those git does not ignore, then the
# bundle; at a path of its own, so that nothing finds this checkout's folders.
rm -rf "$root/gpu-check" && mkdir -p "$root/gpu-check/repo/target" "$root/gpu-check/out"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
  tar --null -T - -cf - | tar -C "$root/gpu-check/repo" -xf -
cp target/gpu-bundle.tar.xz "$root/gpu-check/repo/target/"

began=$SECONDS
status=0
unshare --mount --propagation private "$0" --in-namespace || status=$?
rm -rf target/gpu-rehearsal && cp -r "$root/gpu-check/out" target/gpu-rehearsal
echo "rehearse: check.sh --rehearse took $((SECONDS - began)) s and exited $status; its log: target/gpu-rehearsal/check.log"
exit "$status"

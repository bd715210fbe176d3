#!/usr/bin/env bash
# Fails when a Linux x86-64 native library in the jar would not load on the oldest Linux we
# support: when it needs a glibc symbol version newer than the floor (GLIBC_2.31: Debian 11,
# Ubuntu 20.04), or anything of libstdc++ (ours link their C++ runtime in statically), or a
# shared library beyond glibc's own, libgcc_s and libghostnet.
#
#   tests/portability/glibc_floor.sh JAR [FLOOR=2.31]
set -euo pipefail
jar=$(realpath "${1:?usage: glibc_floor.sh JAR [FLOOR]}")
floor=${2:-2.31}
allowed_needed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-x86-64\.so\.2|libgcc_s\.so\.1|libghostnet\.so)$'

newer_than_floor() { [ "$(printf '%s\n%s\n' "$floor" "$1" | sort -V | tail -1)" != "$floor" ]; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && jar xf "$jar" $(jar tf "$jar" | grep -i 'linux.*\.so$'))
libraries=()
while IFS= read -r library; do
  objdump -f "$library" 2>/dev/null | grep -q 'file format elf64-x86-64' && libraries+=("$library")
done < <(find "$work" -name '*.so' | sort)
[ ${#libraries[@]} -gt 0 ] || { echo "glibc floor: no Linux x86-64 native library in $jar" >&2; exit 1; }

status=0
for library in "${libraries[@]}"; do
  name=${library#"$work"/}
  versions=$(objdump -p "$library" | awk '/^Version References:/ {on = 1; next} on && /^[^ ]/ {on = 0} on && $4 != "" {print $4}' | sort -uV)
  newest=$( (grep '^GLIBC_' <<<"$versions" || true) | sed 's/^GLIBC_//' | sort -V | tail -1)
  if [ -n "$newest" ] && newer_than_floor "$newest"; then
    echo "glibc floor: $name needs GLIBC_$newest, newer than GLIBC_$floor, for:"
    objdump -T "$library" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\(?GLIBC_/) print $i, $NF}' | tr -d '()' |
      sed 's/^GLIBC_//' | while read -r version symbol; do
        if newer_than_floor "$version"; then echo "    $symbol (GLIBC_$version)"; fi
      done
    status=1
  fi
  cxx=$(grep -E '^(GLIBCXX|CXXABI)_' <<<"$versions" || true)
  if [ -n "$cxx" ]; then
    echo "glibc floor: $name needs libstdc++ versions the target may lack: $(echo $cxx)"
    status=1
  fi
  needed=$(objdump -p "$library" | awk '$1 == "NEEDED" {print $2}')
  unexpected=$(grep -vE "$allowed_needed" <<<"$needed" || true)
  if [ -n "$unexpected" ]; then
    echo "glibc floor: $name needs libraries beyond glibc's: $(echo $unexpected)"
    status=1
  fi
  echo "glibc floor: $name: newest GLIBC_${newest:-none}; needs $(echo $needed)"
done
if [ $status -eq 0 ]; then echo "glibc floor: every Linux x86-64 native library in $jar loads on glibc $floor"; fi
exit $status

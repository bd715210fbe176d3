#!/usr/bin/env bash
# Preprocessing alone (decode, Resize(256), CenterCrop(224), bilinear) on one thread: ghostnet's
# ImagePreprocessor on each JDK given, its JPEGs decoded by the system's libjpeg-turbo and by
# ImageIO, beside PIL + torchvision, on the same photos (made by
# preprocess/make_photos.py from fixed seeds: ImageNet-sized ones and 12-megapixel ones),
# interleaved and repeated so that the machine's noise falls on all alike; prints the median
# images/s of each and ghostnet's ratio to PIL's.
#
#   tests/bench/preprocess.sh JAR [ROUNDS=3] [SECONDS=5]
#
# JDKS (default: Debian's OpenJDK 17 and Temurin 25 where installed) lists the JDKs' homes.
# Needs Debian's python3-pil, python3-torchvision and numpy for /usr/bin/python3; writes the
# photos under target/bench/photos.
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=$(realpath "${1:?usage: preprocess.sh JAR [ROUNDS] [SECONDS]}")
rounds=${2:-3}
seconds=${3:-5}
jdks=()
for home in ${JDKS:-/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64}; do
  [ -x "$home/bin/java" ] && jdks+=("$home")
done
((${#jdks[@]})) || { echo "preprocess.sh: none of the JDKs is installed: ${JDKS:-}" >&2; exit 1; }
# What decodes the JPEGs: the system's libjpeg-turbo where ghostnet finds it, and ImageIO.
decoders=(libjpeg-turbo imageio)
java -jar "$jar" info 2>/dev/null | grep -q "jpeg decoder *libjpeg-turbo at" ||
  { echo "preprocess.sh: ghostnet finds no libjpeg-turbo here (install libturbojpeg0): measuring ImageIO only" >&2
    decoders=(imageio); }
photos=target/bench/photos
[ -d "$photos/12mp" ] || /usr/bin/python3 tests/bench/preprocess/make_photos.py "$photos" > /dev/null

images_per_second() { grep -oE '"images_per_second": *[0-9.]+' | grep -oE '[0-9.]+$'; }
results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  for set in imagenet 12mp; do
    pil=$(/usr/bin/python3 tests/bench/preprocess/pil_preprocess.py "$photos/$set" "$seconds" | images_per_second)
    echo "round $round, $set: PIL + torchvision $pil images/s" >&2
    echo "$set pil $pil" >> "$results"
    for home in "${jdks[@]}"; do
      for decoder in "${decoders[@]}"; do
        ours=$("$home/bin/java" --enable-native-access=ALL-UNNAMED "-Dghostnet.jpeg.decoder=$decoder" -cp "$jar" tests/bench/preprocess/PreprocessBench.java \
          "$photos/$set" "$seconds" | images_per_second)
        echo "round $round, $set: ghostnet on $(basename "$home"), $decoder, $ours images/s" >&2
        echo "$set $(basename "$home"):$decoder $ours" >> "$results"
      done
    done
  done
done

# The median images/s of runner $2 on photo set $1.
median() {
  awk -v s="$1" -v r="$2" '$1 == s && $2 == r {print $3}' "$results" | sort -g |
    awk '{v[NR] = $1} END {printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
echo "one thread, medians of $rounds rounds of $seconds s, on $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)"
echo "| photos | PIL + torchvision | JPEG decoder |$(for home in "${jdks[@]}"; do printf ' ghostnet, %s | ratio |' "$(basename "$home")"; done)"
echo "|---|---|---|$(for _ in "${jdks[@]}"; do printf -- '---|---|'; done)"
for set in imagenet 12mp; do
  pil=$(median "$set" pil)
  label=$([ "$set" = imagenet ] && echo "ImageNet-sized (24, 0.17-0.79 MP)" || echo "12 MP (4)")
  for decoder in "${decoders[@]}"; do
    row="| $label | $pil | $decoder |"
    for home in "${jdks[@]}"; do
      ours=$(median "$set" "$(basename "$home"):$decoder")
      row+=" $ours | $(awk -v a="$ours" -v b="$pil" 'BEGIN {printf "%.2fx", a / b}') |"
    done
    echo "$row"
    label=""
  done
done
rm -f "$results"

#!/usr/bin/env bash
# Seconds per image: one `nst batch` process (network, style images and style features reused
# across rows) against a fresh `nst style` process per image, over the same rows. Prints each
# row's seconds and the medians (docs/BATCH.md).
# Usage: bench/batch_vs_style.sh NST_BINARY [SIZE] [ITERATIONS] [THREADS]
set -euo pipefail
NST="$1"; SIZE="${2:-128}"; ITERATIONS="${3:-20}"; THREADS="${4:-2}"
IMAGES="$(cd "$(dirname "$0")/.." && pwd)/examples"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir "$W/in"
cp "$IMAGES/chelsea.png" "$IMAGES/building.jpg" "$W/in/"
cp "$IMAGES/starry_night.jpg" "$W/in/starry_copy.jpg"  # a third content image
STYLES=("$IMAGES/starry_night.jpg" "$IMAGES/building.jpg")
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# Batch: the whole process's wall time per row (start-up included), and the runner's own per-row seconds.
start=$(date +%s.%N)
"$NST" batch --content-dir "$W/in" $(printf -- '-s %s ' "${STYLES[@]}") --output-dir "$W/batch" --threads "$THREADS" \
  --set size="$SIZE" --set iterations="$ITERATIONS" 2>"$W/batch.log"
end=$(date +%s.%N)
rows=$(grep -c " done: " "$W/batch.log")
batch_total=$(echo "$end - $start" | bc -l)
grep " done: " "$W/batch.log" | sed -E 's/.* ([0-9.]+)s$/\1/' >"$W/batch_rows"
echo "batch: $rows rows in $(printf %.1f "$batch_total") s = $(echo "$batch_total / $rows" | bc -l | xargs printf %.2f) s/row;" \
  "runner per row: median $(median <"$W/batch_rows") s ($(tr '\n' ' ' <"$W/batch_rows"))"
grep "features reused" "$W/batch.log"

# Fresh process per image: the same rows, the same options.
mkdir "$W/style"
: >"$W/style_rows"
for content in $(ls "$W/in" | sort); do
  for style in "${STYLES[@]}"; do
    s=$(date +%s.%N)
    "$NST" style -c "$W/in/$content" -s "$style" -o "$W/style/x.png" --size "$SIZE" --iterations "$ITERATIONS" \
      --threads "$THREADS" 2>/dev/null
    echo "$(date +%s.%N) - $s" | bc -l >>"$W/style_rows"
  done
done
echo "nst style per image: median $(median <"$W/style_rows" | xargs printf %.2f) s ($(xargs printf '%.2f ' <"$W/style_rows"))"

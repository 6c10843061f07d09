#!/usr/bin/env bash
# The panel: 4 content photos (portrait, object, scene, architecture) x 3 styles (two paintings
# with different brushwork and a texture), each run with every VARIANT, every result scored by
# the independent judge (`nst score`: another seed, max pooling) and put into one gallery per
# variant. Regenerates the README gallery and docs/QUALITY.md's panel table.
#
# Usage: studies/panel.sh OUT_DIR [SIZE (192)] [ITERATIONS (200)] [VARIANT=FLAGS ...]
#   VARIANT=FLAGS: a name and the extra `nst style` flags, e.g. 'clamp=--bounds clamp'.
#   Default variants: the default run only ('default=').
# Env: NST (default ./build/nst), PLOT (default ./build/studies/nst_plot_traces),
#      IMAGES (default ../shared/images), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: studies/panel.sh OUT_DIR [SIZE] [ITERATIONS] [VARIANT=FLAGS ...]}
SIZE=${2:-192}
ITERATIONS=${3:-200}
shift $(( $# < 3 ? $# : 3 ))
VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=("default=")
NST=${NST:-./build/nst}
PLOT=${PLOT:-./build/studies/nst_plot_traces}
IMAGES=${IMAGES:-../shared/images}
THREADS=${THREADS:-2}
CONTENTS=(astronaut.png chelsea.png rocket.jpg building.jpg)
STYLES=(starry_night.jpg shipwreck.jpg gravel.png)
mkdir -p "$OUT"
TABLE="$OUT/panel.csv"
echo "variant,content,style,judge_style,judge_content,judge_style_sliced,loss,seconds" > "$TABLE"

for variant in "${VARIANTS[@]}"; do
  name=${variant%%=*}
  flags=${variant#*=}
  tiles=()
  for style in "${STYLES[@]}"; do
    for content in "${CONTENTS[@]}"; do
      pair="${content%.*}+${style%.*}"
      out="$OUT/$name/$pair.png"
      mkdir -p "$OUT/$name"
      # shellcheck disable=SC2086  # flags are words on purpose
      log=$("$NST" style -c "$IMAGES/$content" -s "$IMAGES/$style" --size "$SIZE" --iterations "$ITERATIONS" \
        --threads "$THREADS" --print-every 0 -o "$out" $flags 2>&1 | tail -1)
      loss=$(sed -n 's/.*loss \([0-9.e+-]*\) .*/\1/p' <<<"$log")
      seconds=$(sed -n 's/.* iterations, \([0-9.]*\)s:.*/\1/p' <<<"$log")
      score=$("$NST" score --threads "$THREADS" -c "$IMAGES/$content" -s "$IMAGES/$style" "$out")
      judge_style=$(sed -n 's/.* style=\([0-9.e+-]*\).*/\1/p' <<<"$score")
      judge_content=$(sed -n 's/.* content=\([0-9.e+-]*\).*/\1/p' <<<"$score")
      judge_sliced=$(sed -n 's/.* style_sliced=\([0-9.e+-]*\).*/\1/p' <<<"$score")
      echo "$name,${content%.*},${style%.*},$judge_style,$judge_content,$judge_sliced,$loss,$seconds" >> "$TABLE"
      echo "$name $pair: judge style $judge_style content $judge_content sliced $judge_sliced, loss $loss, ${seconds}s" >&2
      tiles+=("$pair=$out")
    done
  done
  "$PLOT" montage --out "$OUT/gallery_$name.png" --columns ${#CONTENTS[@]} --fit 192 "${tiles[@]}"
done

# Medians per variant.
python3 - "$TABLE" > "$OUT/panel.md" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| variant | pair | judge style | judge content | judge style (sliced) | loss | s |\n|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['variant']} | {r['content']}+{r['style']} | {r['judge_style']} | {r['judge_content']} | {r['judge_style_sliced']} | {r['loss']} | {r['seconds']} |")
print("\n| variant | median judge style | median judge content | median judge style (sliced) | median s |\n|---|---:|---:|---:|---:|")
for v in dict.fromkeys(r["variant"] for r in rows):
    sel = [r for r in rows if r["variant"] == v]
    med = lambda k: statistics.median(float(r[k]) for r in sel if r[k])
    print(f"| {v} | {med('judge_style'):.4f} | {med('judge_content'):.4f} | {med('judge_style_sliced'):.4f} | {med('seconds'):.1f} |")
EOF
cat "$OUT/panel.md"

#!/usr/bin/env bash
# Time to a good picture (issue 17, part 8): one default `nst style` run, its image saved every 50
# iterations; at each checkpoint the loss and seconds (from --trace), the independent judge's
# scores (`nst score`: another seed, max pooling), the grid-mark figure (studies/grid_marks.py) and
# how much the picture still changes (mean |difference| to the previous checkpoint, 0-255), plus a
# strip of the pictures. Writes OUT/time_to_picture.md and OUT/strip.png.
#
# Usage: studies/time_to_picture.sh OUT [CONTENT] [STYLE] [SIZE (512)] [ITERATIONS (500)] [FLAGS...]
# Env: NST (./build/nst), PLOT (./build/studies/nst_plot_traces), THREADS (2), AT ("50 100 200 500"),
#      TABLE_ONLY=1 (no run: table and strip from the files an earlier, maybe interrupted, run left).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: studies/time_to_picture.sh OUT [CONTENT] [STYLE] [SIZE] [ITERATIONS] [FLAGS...]}
CONTENT=${2:-../shared/images/astronaut.png}
STYLE=${3:-../shared/images/starry_night.jpg}
SIZE=${4:-512}
ITERATIONS=${5:-500}
shift $(( $# < 5 ? $# : 5 ))
NST=${NST:-./build/nst}
PLOT=${PLOT:-./build/studies/nst_plot_traces}
THREADS=${THREADS:-2}
AT=${AT:-50 100 200 500}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
mkdir -p "$OUT"
name=$(basename "${CONTENT%.*}")+$(basename "${STYLE%.*}")
[ -n "${TABLE_ONLY:-}" ] || "$NST" style -c "$CONTENT" -s "$STYLE" --size "$SIZE" --iterations "$ITERATIONS" --threads "$THREADS" \
  --save-every 50 --print-every 50 --trace "$OUT/$name.jsonl" -o "$OUT/$name.png" "$@" 2> "$OUT/$name.log"

tiles=()
{
  echo "| iterations | seconds | loss | judge style | judge content | grid marks s8/s16 (cols/rows, %) | change from previous (0-255) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  previous=""
  for n in $AT; do
    image="$OUT/${name}_$n.png"
    [ "$n" = "$ITERATIONS" ] && image="$OUT/$name.png"
    [ -s "$image" ] || continue
    score=$("$NST" score --threads "$THREADS" -c "$CONTENT" -s "$STYLE" "$image")
    judge_style=$(sed -n 's/.* style=\([0-9.e+-]*\).*/\1/p' <<<"$score")
    judge_content=$(sed -n 's/.* content=\([0-9.e+-]*\).*/\1/p' <<<"$score")
    "$PY" - "$OUT/$name.jsonl" "$n" "$CONTENT" "$image" "$previous" "$judge_style" "$judge_content" <<'PY'
import json, sys
sys.path.insert(0, "studies")
import numpy as np
from PIL import Image
from grid_marks import grid_excess
trace, n, content, image, previous, js, jc = sys.argv[1:8]
row = [json.loads(l) for l in open(trace) if json.loads(l).get("iteration") == int(n)][-1]
g = grid_excess(image, content)
change = "–"
if previous:
    a = np.asarray(Image.open(image).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(previous).convert("RGB"), dtype=float)
    change = f"{np.abs(a - b).mean():.2f}"
print(f"| {n} | {row['seconds']:.0f} | {row['loss']:.4g} | {js} | {jc} | "
      f"{g[8][0]:.0f}/{g[8][1]:.0f}, {g[16][0]:.0f}/{g[16][1]:.0f} | {change} |")
PY
    previous=$image
    tiles+=("$n it=$image")
  done
} > "$OUT/time_to_picture.md"
"$PLOT" montage --out "$OUT/strip.png" --fit 384 "${tiles[@]}"
cat "$OUT/time_to_picture.md"

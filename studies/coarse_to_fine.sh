#!/usr/bin/env bash
# Coarse-to-fine vs single-scale style transfer at equal cost (issue 6, part 1).
# Runs coarse-to-fine first (--start-size, --coarse-iterations, --iterations at the full size),
# then single-scale at the full size until it has spent the same work: objective evaluations
# weighted by their pixel count relative to the full size (a machine-independent stand-in for
# equal time; seconds on a shared machine are reported too). Compares the loss of the full-size
# objective there, plots both (x = total_evaluations), and puts both images side by side.
# Usage: studies/coarse_to_fine.sh [--size 1024] [--start-size 256] [--coarse-iterations 100]
#          [--iterations 50] [--threads 2] [--out studies/results/coarse_to_fine] [--build build]
#          [--reuse-c2f]   (keep an existing c2f.jsonl/c2f.png in --out)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=1024 START=256 COARSE=100 ITERS=50 THREADS=2 OUT=studies/results/coarse_to_fine BUILD=build REUSE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE=$2; shift 2 ;; --start-size) START=$2; shift 2 ;;
    --coarse-iterations) COARSE=$2; shift 2 ;; --iterations) ITERS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;; --out) OUT=$2; shift 2 ;; --build) BUILD=$2; shift 2 ;;
    --reuse-c2f) REUSE=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
NST="$BUILD/nst" PLOT="$BUILD/studies/nst_plot_traces"
mkdir -p "$OUT"
C=examples/chelsea.png S=examples/starry_night.jpg
common=(-c "$C" -s "$S" --size "$SIZE" --threads "$THREADS" --print-every 10)

if [ "$REUSE" -eq 0 ] || [ ! -s "$OUT/c2f.jsonl" ]; then
  "$NST" style "${common[@]}" --start-size "$START" --coarse-iterations "$COARSE" --iterations "$ITERS" \
    --trace "$OUT/c2f.jsonl" -o "$OUT/c2f.png" 2> "$OUT/c2f.log"
fi
# The coarse-to-fine run's work in full-size evaluations: each evaluation times its scale's
# pixel share (the first iteration of each scale names its size in the event).
budget=$(python3 "$(dirname "$0")/trace_work.py" "$OUT/c2f.jsonl")
echo "coarse-to-fine work: $budget full-size evaluations"
# Single scale: stopped with SIGINT (which saves the image) once its evaluations reach the budget.
# Job control on, so that the background job does not start with SIGINT ignored.
set -m
"$NST" style "${common[@]}" --iterations 100000 --trace "$OUT/single.jsonl" -o "$OUT/single.png" \
  2> "$OUT/single.log" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  done_evals=$( (tail -n 1 "$OUT/single.jsonl" 2>/dev/null || true) | sed -n 's/.*"total_evaluations":\([0-9]*\).*/\1/p')
  if [ -n "$done_evals" ] && python3 -c "import sys; sys.exit(0 if $done_evals >= $budget else 1)"; then
    kill -INT "$pid"; break
  fi
done
wait "$pid" || true  # exits 130 after saving

python3 - "$OUT" "$budget" "$SIZE" "$START" "$COARSE" "$ITERS" <<'PY'
import json, sys
out, budget, size, start, coarse, iters = sys.argv[1], float(sys.argv[2]), *sys.argv[3:]
def rows(name): return [json.loads(l) for l in open(f"{out}/{name}.jsonl") if l.strip()]
c2f, single = rows("c2f"), rows("single")
at_budget = next((r for r in single if r["total_evaluations"] >= budget), single[-1])
table = ["| run | iterations | full-size evaluations | seconds (shared machine) | full-size loss | content | style | tv |",
         "|---|---|---|---|---|---|---|---|"]
def line(name, r, work):
    p = r["parts"]; part = lambda k: sum(v for n, v in p.items() if n.startswith(k))
    table.append(f"| {name} | {r['iteration']} | {work:.1f} | {r['seconds']:.0f} | {r['loss']:.4g} | "
                 f"{part('content'):.3g} | {part('style'):.3g} | {part('tv'):.3g} |")
line(f"coarse-to-fine {start}→{size} px ({coarse} its per coarser scale, {iters} at {size})", c2f[-1], budget)
line(f"single scale {size} px, same work", at_budget, at_budget["total_evaluations"])
md = "\n".join(table) + "\n"
open(f"{out}/coarse_to_fine.md", "w").write(md)
json.dump({"budget_full_size_evaluations": budget, "coarse_to_fine": c2f[-1], "single_scale": at_budget},
          open(f"{out}/coarse_to_fine.json", "w"), indent=1)
print(md)
PY
"$PLOT" plot --out "$OUT/coarse_to_fine_loss.png" --x iteration --y loss \
  --title "Style ${SIZE} px: coarse-to-fine vs single scale (loss vs iteration)" \
  "coarse-to-fine=$OUT/c2f.jsonl" "single scale=$OUT/single.jsonl"
"$PLOT" montage --out "$OUT/coarse_to_fine_images.png" --fit 512 "coarse-to-fine=$OUT/c2f.png" "single scale=$OUT/single.png"

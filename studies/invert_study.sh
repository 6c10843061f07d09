#!/usr/bin/env bash
# The feature-inversion study of issue 4, regenerated from scratch: conv5_1 of the embedded
# network, examples/chelsea.png, several sizes and seeds, one `nst invert` run per method with
# --trace; then studies/summarize_study.py writes the table (CSV, JSON, Markdown), a loss plot per
# size (median seed) and the reconstructions side by side, with nst's plot library.
#
# Usage: studies/invert_study.sh [--sizes 224,512] [--seeds 0,1,2] [--iterations 1000]
#          [--methods plain,blur,default,adam-jitter,coarse-to-fine,fourier] [--threads 1]
#          [--build build] [--out studies/results] [--image examples/chelsea.png] [--layer conv5_1]
#          [--style [--style-size 512] [--style-iterations 300] [--style-setups LIST]]
#
# Methods (all L-BFGS with strong-Wolfe line search unless named otherwise):
#   plain           no TV, --on-stall stop: where the seed's plain L-BFGS stalls (iteration, loss)
#   blur            no TV, --on-stall blur: the seed's blur-on-stall (loss at the end, blurs)
#   default         `nst invert` with its defaults
#   adam-jitter     Adam, lr 0.02, jitter 2 px, no stall handling (jitter makes the loss noisy,
#                   so the stall rule would fire at random)
#   coarse-to-fine  --scales 3; where the coarsest scale would be too small for the layer (conv5_1
#                   needs 32 px, so under ~190 px) it runs with --scales 2 and the table says so
#   fourier         --parametrization fourier, only when `nst invert --help` lists it
# --style adds part 3: `nst compare --problem style` at --style-size px (content chelsea, style
# Starry Night), which writes its own table and plots under OUT/style_<size>/.
# The full default study takes hours on 2 cores; `--sizes 64 --seeds 0 --iterations 20` takes seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=224,512; SEEDS=0,1,2; ITERATIONS=1000; METHODS=plain,blur,default,adam-jitter,coarse-to-fine,fourier
THREADS=1; BUILD="$ROOT/build"; OUT="$ROOT/studies/results"; IMAGE="$ROOT/examples/chelsea.png"; LAYER=conv5_1
STYLE=0; STYLE_SIZE=512; STYLE_ITERATIONS=300; STYLE_SETUPS=""; NST=""; PLOTTER=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "invert_study: error: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --methods) METHODS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    --nst) NST="$2"; shift 2 ;;
    --plotter) PLOTTER="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --image) IMAGE="$2"; shift 2 ;;
    --layer) LAYER="$2"; shift 2 ;;
    --style) STYLE=1; shift ;;
    --style-size) STYLE_SIZE="$2"; shift 2 ;;
    --style-iterations) STYLE_ITERATIONS="$2"; shift 2 ;;
    --style-setups) STYLE_SETUPS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
NST=${NST:-$BUILD/nst}
PLOTTER=${PLOTTER:-$BUILD/studies/nst_plot_traces}
[ -x "$NST" ] || die "no nst binary at $NST (build first, or pass --build DIR / --nst PATH)"
[ -x "$PLOTTER" ] || die "no nst_plot_traces at $PLOTTER (cmake --build $BUILD --target nst_plot_traces)"
[ -f "$IMAGE" ] || die "image not found: $IMAGE"
for list in "$SIZES" "$SEEDS" "$ITERATIONS" "$THREADS"; do
  [[ "$list" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "expected numbers separated by commas, got '$list'"
done

# The Fourier parametrization is being added to `nst invert`; use it only when this build has it.
HAS_FOURIER=0
if "$NST" invert --help 2>&1 | grep -q -- "--parametrization"; then HAS_FOURIER=1; fi

method_flags() {
  case "$1" in
    plain) echo "--tv-weight 0 --on-stall stop" ;;
    blur) echo "--tv-weight 0 --on-stall blur" ;;
    default) echo "" ;;
    adam-jitter) echo "--optimizer adam --learning-rate 0.02 --jitter 2 --on-stall none" ;;
    # The same total as the others, split evenly over sizes 2x apart (the finest takes the remainder).
    coarse-to-fine) echo "--scales 3 --scale-factor 2 --coarse-iterations $((ITERATIONS / 3))" ;;
    fourier) echo "--parametrization fourier" ;;
    *) return 1 ;;
  esac
}

IFS=, read -r -a size_list <<< "$SIZES"
IFS=, read -r -a seed_list <<< "$SEEDS"
IFS=, read -r -a method_list <<< "$METHODS"
run_methods=()
for m in "${method_list[@]}"; do
  method_flags "$m" > /dev/null || die "unknown method '$m' (plain, blur, default, adam-jitter, coarse-to-fine, fourier)"
  if [ "$m" = fourier ] && [ "$HAS_FOURIER" -eq 0 ]; then
    echo "invert_study: note: this nst has no --parametrization; skipping fourier" >&2
    continue
  fi
  run_methods+=("$m")
done
[ ${#run_methods[@]} -gt 0 ] || die "no method to run"

# run_invert BASE SIZE SEED FLAGS...: one `nst invert` run; BASE.{jsonl,png,log,exit}, sets $code.
run_invert() {
  local base="$1" size="$2" seed="$3"; shift 3
  set +e
  "$NST" invert --image "$IMAGE" --layer "$LAYER" --size "$size" --iterations "${FULL_ITERATIONS:-$ITERATIONS}" --seed "$seed" \
    --threads "$THREADS" --print-every 0 --trace "$base.jsonl" --output "$base.png" "$@" > /dev/null 2> "$base.log"
  code=$?
  set -e
  echo "$code" > "$base.exit"
}

mkdir -p "$OUT"
rm -rf "$OUT/runs"  # from scratch: no stale trace may enter the table
total=$(( ${#size_list[@]} * ${#seed_list[@]} * ${#run_methods[@]} ))
n=0
for size in "${size_list[@]}"; do
  for m in "${run_methods[@]}"; do
    dir="$OUT/runs/$size/$m"; mkdir -p "$dir"
    for seed in "${seed_list[@]}"; do
      n=$((n + 1))
      flags=$(method_flags "$m")
      FULL_ITERATIONS=$ITERATIONS
      [ "$m" = coarse-to-fine ] && FULL_ITERATIONS=$((ITERATIONS - 2 * (ITERATIONS / 3)))
      run_invert "$dir/seed$seed" "$size" "$seed" $flags
      if [ "$m" = coarse-to-fine ] && [ "$code" -eq 2 ] && grep -q "too small" "$dir/seed$seed.log"; then
        echo "ran with --scales 2: $(sed 's/^nst: error: --scales 3: //' "$dir/seed$seed.log" | head -1)" \
          > "$dir/seed$seed.note"
        FULL_ITERATIONS=$((ITERATIONS - ITERATIONS / 2))
        run_invert "$dir/seed$seed" "$size" "$seed" --scales 2 --scale-factor 2 --coarse-iterations $((ITERATIONS / 2))
      fi
      last=$(grep -E "^nst: .* after [0-9]+ iterations|^nst: error" "$dir/seed$seed.log" | head -1 || true)
      printf 'invert_study: [%d/%d] %s px, %s, seed %s: %s\n' "$n" "$total" "$size" "$m" "$seed" \
        "${last:-exit $code}" >&2
    done
  done
done

python3 "$ROOT/studies/summarize_study.py" --out "$OUT" --sizes "$SIZES" --seeds "$SEEDS" \
  --methods "$(IFS=,; echo "${run_methods[*]}")" --iterations "$ITERATIONS" --layer "$LAYER" \
  --image "$IMAGE" --plotter "$PLOTTER"

if [ "$STYLE" -eq 1 ]; then
  sdir="$OUT/style_$STYLE_SIZE"; mkdir -p "$sdir"
  setups=()
  [ -n "$STYLE_SETUPS" ] && setups=(--setups "$STYLE_SETUPS")
  echo "invert_study: part 3, style transfer at $STYLE_SIZE px, $STYLE_ITERATIONS iterations per set-up" >&2
  "$NST" compare --problem style --content "$IMAGE" --style "$ROOT/examples/starry_night.jpg" \
    --size "$STYLE_SIZE" --iterations "$STYLE_ITERATIONS" --threads "$THREADS" --outdir "$sdir" "${setups[@]}" \
    > "$sdir/table.md"
  cat "$sdir/table.md"
fi

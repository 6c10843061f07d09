#!/usr/bin/env bash
# Inversion quality against the original (issue 17 part 7): does `nst invert` at 100 iterations
# reach what plain L-BFGS reaches at 1000? One `nst invert` run (embedded network, default
# weights, --threads 1) per image x layer x size x method, one at a time; then
# studies/invert_psnr_table.py writes OUT/table.md (plain PSNR of the saved PNG against the
# original, nst's blurred PSNR, feature loss, seconds); `invert_psnr_table.py strip` draws the
# pictures side by side.
#
# Usage: studies/invert_psnr.sh [--images astronaut,chelsea,rocket] [--layers conv5_1,relu4_1]
#          [--sizes 128] [--methods plain,default,fourier] [--iterations 100] [--plain-iterations 1000]
#          [--images-dir ../shared/images] [--build build | --nst PATH] [--out studies/results/invert_psnr]
#
# Each image is centre-cropped to a square and resized (PIL, Lanczos) to SIZE px once, as a PNG
# under OUT/targets/; nst reads that file at its own size, so the PSNR compares the very pixels
# that were inverted. --nst runs a copy of the binary, so that a rebuild with other defaults
# cannot change a study under way (every method but default names its flags). A run whose .log ends with nst's summary line is not run again: call the
# script repeatedly (the 128 px grid first, then 224 px) and the table grows.
#
# Methods (L-BFGS unless named; every one but plain runs --iterations, plain --plain-iterations):
#   plain         --tv-weight 0 --on-stall none --bounds clamp (the issue's "plain L-BFGS")
#   default       no flags: this binary's defaults
#   pixel         --parametrization pixel: the defaults before auto (TV 0.1, blur-on-stall, box)
#   fourier       --parametrization fourier          fourier-d1   ... --fourier-decay 1
#   fourier-tv0   ... --tv-weight 0                  fourier-tv1  ... --tv-weight 1
#   fourier-none  ... --on-stall none                fourier-mean ... --init mean
#   tv0 / tv0.01 / tv1   pixel, that --tv-weight     none   pixel, --on-stall none
#   mean          pixel, --init mean                 scales2   pixel, --scales 2
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGES=astronaut,chelsea,rocket; LAYERS=conv5_1,relu4_1; SIZES=128; METHODS=plain,default,fourier
ITERATIONS=100; PLAIN_ITERATIONS=1000; IMAGES_DIR="$ROOT/../shared/images"; BUILD="$ROOT/build"
NST=""; OUT="$ROOT/studies/results/invert_psnr"; PYTHON=${PYTHON:-/usr/bin/python3}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "invert_psnr: error: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --images) IMAGES="$2"; shift 2 ;;
    --layers) LAYERS="$2"; shift 2 ;;
    --sizes) SIZES="$2"; shift 2 ;;
    --methods) METHODS="$2"; shift 2 ;;
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --plain-iterations) PLAIN_ITERATIONS="$2"; shift 2 ;;
    --images-dir) IMAGES_DIR="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    --nst) NST="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
NST=${NST:-$BUILD/nst}
[ -x "$NST" ] || die "no nst binary at $NST (build first, or pass --build DIR / --nst PATH)"
for list in "$SIZES" "$ITERATIONS" "$PLAIN_ITERATIONS"; do
  [[ "$list" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "expected numbers separated by commas, got '$list'"
done

method_flags() {
  case "$1" in
    plain) echo "--tv-weight 0 --on-stall none --bounds clamp" ;;
    default) echo "" ;;
    pixel) echo "--parametrization pixel" ;;
    fourier) echo "--parametrization fourier" ;;
    fourier-d1) echo "--parametrization fourier --fourier-decay 1" ;;
    fourier-tv0) echo "--parametrization fourier --tv-weight 0" ;;
    fourier-tv1) echo "--parametrization fourier --tv-weight 1" ;;
    fourier-none) echo "--parametrization fourier --on-stall none" ;;
    fourier-mean) echo "--parametrization fourier --init mean" ;;
    tv0) echo "--parametrization pixel --tv-weight 0" ;;
    tv0.01) echo "--parametrization pixel --tv-weight 0.01" ;;
    tv1) echo "--parametrization pixel --tv-weight 1" ;;
    none) echo "--parametrization pixel --on-stall none" ;;
    mean) echo "--parametrization pixel --init mean" ;;
    scales2) echo "--parametrization pixel --scales 2" ;;
    *) return 1 ;;
  esac
}

IFS=, read -r -a image_list <<< "$IMAGES"
IFS=, read -r -a layer_list <<< "$LAYERS"
IFS=, read -r -a size_list <<< "$SIZES"
IFS=, read -r -a method_list <<< "$METHODS"
for m in "${method_list[@]}"; do method_flags "$m" > /dev/null || die "unknown method '$m' (see --help)"; done

mkdir -p "$OUT/targets" "$OUT/runs"
for image in "${image_list[@]}"; do
  src=$(ls "$IMAGES_DIR/$image".* 2> /dev/null | head -1 || true)
  [ -n "$src" ] || die "no image $image.* in $IMAGES_DIR"
  for size in "${size_list[@]}"; do
    target="$OUT/targets/${image}_$size.png"
    [ -f "$target" ] || "$PYTHON" "$ROOT/studies/invert_psnr_table.py" target "$src" "$size" "$target"
  done
done

# The iteration count goes into the run's name, so changing it never reuses an old run.
total=$(( ${#image_list[@]} * ${#layer_list[@]} * ${#size_list[@]} * ${#method_list[@]} ))
n=0
for size in "${size_list[@]}"; do
  for layer in "${layer_list[@]}"; do
    for image in "${image_list[@]}"; do
      for m in "${method_list[@]}"; do
        n=$((n + 1))
        iterations=$ITERATIONS
        [ "$m" = plain ] && iterations=$PLAIN_ITERATIONS
        base="$OUT/runs/${image}_${layer}_${size}_${m}_$iterations"
        if ! grep -q "^nst: feature loss" "$base.log" 2> /dev/null; then
          set +e
          # shellcheck disable=SC2046  # the method's flags are words
          "$NST" invert --image "$OUT/targets/${image}_$size.png" --layer "$layer" --size "$size" \
            --iterations "$iterations" --seed 0 --threads 1 --print-every 0 --output "$base.png" \
            $(method_flags "$m") > /dev/null 2> "$base.log"
          code=$?
          set -e
          [ "$code" -eq 0 ] || echo "invert_psnr: $base failed (exit $code): $(tail -1 "$base.log")" >&2
        fi
        printf 'invert_psnr: [%d/%d] %s %s %s px %s @%s: %s\n' "$n" "$total" "$image" "$layer" "$size" "$m" \
          "$iterations" "$(grep -E '^nst: feature loss' "$base.log" | cut -c6-60 || true)" >&2
      done
    done
  done
done

"$PYTHON" "$ROOT/studies/invert_psnr_table.py" table "$OUT" > "$OUT/table.md"
cat "$OUT/table.md"

#!/usr/bin/env bash
# `nst invert`: a tiny run writes the image and one trace line per iteration; bad input gets one
# clear line and exit 2 before any work.
# Usage: invert.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

# --threads 1: on a shared 2-core machine two OpenMP threads can run 50x slower.
# A small run: exit 0, output written, 20 trace lines with the feature part.
"$NST" invert --image "$C" --layer relu3_1 --size 48 --iterations 20 --trace "$TMP/t.jsonl" -o "$TMP/out.png" \
  --print-every 5 --threads 1 >"$TMP/out" 2>"$TMP/err"
code=$?
[ "$code" -eq 0 ] || { fail "invert exit $code"; cat "$TMP/err"; }
[ -s "$TMP/out.png" ] || fail "no output image"
[ -f "$TMP/t.jsonl" ] && [ "$(wc -l < "$TMP/t.jsonl")" -ge 10 ] || fail "trace has too few lines"
grep -q '"feature:relu3_1"' "$TMP/t.jsonl" || fail "trace lacks the feature part"
grep -q "PSNR" "$TMP/err" || fail "no PSNR in the summary"
# The default parametrization, auto, is pixel for a block-3 layer and fourier for conv5_1.
grep -q "over pixel" "$TMP/err" || fail "auto did not pick pixel for relu3_1"
"$NST" invert --image "$C" --layer conv5_1 --size 48 --iterations 1 --threads 1 -o "$TMP/a.png" >/dev/null \
  2>"$TMP/err" || { fail "conv5_1 run"; cat "$TMP/err"; }
grep -q "over fourier" "$TMP/err" || fail "auto did not pick fourier for conv5_1"

# Blur-on-stall shows up as an event in the trace (tolerance 1: every 3rd iteration stalls).
"$NST" invert --image "$C" --layer relu2_1 --size 32 --iterations 6 --stall-window 2 --stall-tol 1 --threads 1 \
  --trace "$TMP/b.jsonl" -o "$TMP/b.png" >/dev/null 2>"$TMP/err" || { fail "blur run"; cat "$TMP/err"; }
grep -q '"event":"blur"' "$TMP/b.jsonl" || fail "no blur event in the trace"

# The Fourier parametrization: exit 0, output written, named in the start line.
"$NST" invert --image "$C" --layer relu2_1 --size 32 --iterations 5 --parametrization fourier --threads 1 \
  -o "$TMP/f.png" >/dev/null 2>"$TMP/err" || { fail "fourier run"; cat "$TMP/err"; }
[ -s "$TMP/f.png" ] || fail "no output image from the fourier run"
grep -q "over fourier" "$TMP/err" || fail "start line does not name the parametrization"

cp "$C" "$TMP/in.png"
expect 2 "unknown layer 'relu9_1'" -- invert --image "$C" --layer relu9_1 -o "$TMP/x.png"
expect 2 "unknown stall action"    -- invert --image "$C" --on-stall explode -o "$TMP/x.png"
expect 2 "unknown parametrization 'wavelet'" -- invert --image "$C" --parametrization wavelet -o "$TMP/x.png"
expect 2 "fourier-decay"           -- invert --image "$C" --fourier-decay -1 -o "$TMP/x.png"
expect 2 "tv-weight"               -- invert --image "$C" --tv-weight -1 -o "$TMP/x.png"
expect 2 "layer-weights"           -- invert --image "$C" --layer relu1_1,relu2_1 --layer-weights 1 -o "$TMP/x.png"
expect 2 "scales"                  -- invert --image "$C" --size 32 --scales 3 --iterations 1 -o "$TMP/x.png"
expect 2 "refusing to overwrite"   -- invert --image "$TMP/in.png" -o "$TMP/in.png"
expect 1 "image not found"         -- invert --image "$TMP/missing.png" -o "$TMP/x.png"
expect 2 "required"                -- invert --layer relu1_1
[ ! -e "$TMP/x.png" ] || fail "a failing run wrote an output"
"$NST" invert --help > "$TMP/help" 2>&1 && grep -q -- "--on-stall" "$TMP/help" || fail "help"

[ "$failures" -eq 0 ] && echo "all invert CLI checks passed"
exit "$failures"

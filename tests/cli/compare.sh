#!/usr/bin/env bash
# `nst compare`: a tiny style run with two set-ups writes a CSV (one row per set-up and iteration),
# a JSON that parses, one image per set-up, the loss plots and the montage; bad input gets one
# clear line and the right exit code.
# Usage: compare.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

# --threads 1: on a shared 2-core machine two OpenMP threads can run 50x slower.
"$NST" compare --problem style --content "$C" --style "$S" --size 32 --iterations 5 --setups lbfgs,adam-0.01 \
  --outdir "$TMP" --threads 1 >"$TMP/out" 2>"$TMP/err"
code=$?
[ "$code" -eq 0 ] || { fail "compare exit $code"; cat "$TMP/err"; }
[ -f "$TMP/compare.csv" ] && [ "$(wc -l < "$TMP/compare.csv")" -eq 11 ] || fail "CSV should have header + 10 rows"
head -1 "$TMP/compare.csv" | grep -qx "setup,iteration,seconds,loss,evaluations" || fail "CSV header"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [s["setup"] for s in d["setups"]]==["lbfgs","adam-0.01"]; assert all(len(s["rows"])==5 for s in d["setups"])' \
  "$TMP/compare.json" || fail "JSON does not parse or lacks the set-ups"
[ -s "$TMP/lbfgs.png" ] || fail "no lbfgs.png"
[ -s "$TMP/adam-0.01.png" ] || fail "no adam-0.01.png"
grep -q "^| lbfgs |" "$TMP/out" || fail "no summary table row for lbfgs"
# Plots (PLplot) and the montage (libvips): valid PNGs of the expected size, not blank. A blank
# 960x600 PNG compresses to ~3 KB; axes, labels, legend and two curves take well over 15 KB.
python3 - "$TMP" <<'PY' || fail "plots missing, not PNG, or blank"
import struct, sys
d = sys.argv[1]
for name, (min_w, min_h, min_bytes) in {"compare_iterations.png": (960, 600, 15000),
                                        "compare_seconds.png": (960, 600, 15000),
                                        "compare_images.png": (2 * 32, 32, 1000)}.items():
    data = open(d + "/" + name, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", name + ": not a PNG"
    w, h = struct.unpack(">II", data[16:24])
    assert w >= min_w and h >= min_h and len(data) >= min_bytes, (name, w, h, len(data))
    assert w == min_w or name == "compare_images.png", (name, w)
PY

expect 2 "unknown set-up 'rmsprop'"       -- compare --content "$C" --style "$S" --setups lbfgs,rmsprop --outdir "$TMP"
expect 2 "learning rate"                  -- compare --content "$C" --style "$S" --setups adam-x --outdir "$TMP"
expect 2 "needs --image"                  -- compare --problem invert --outdir "$TMP"
expect 1 "output folder does not exist"   -- compare --content "$C" --style "$S" --outdir "$TMP/missing"
# A machine without plplot-driver-cairo: one clear line before any optimization (PLplot's own
# message would be several lines and end the process).
mkdir -p "$TMP/no_drivers"
PLPLOT_DRV_DIR="$TMP/no_drivers" expect 1 "pngcairo driver is missing: install plplot-driver-cairo" \
  -- compare --content "$C" --style "$S" --outdir "$TMP"
"$NST" compare --help > "$TMP/help" 2>&1 && grep -q -- "--setups" "$TMP/help" || fail "help"

[ "$failures" -eq 0 ] && echo "all compare CLI checks passed"
exit "$failures"

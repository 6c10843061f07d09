#!/usr/bin/env bash
# `nst weights info/convert` on .pth fixtures, and `nst style` running on the converted file.
# Usage: weights.sh NST_BINARY SOURCE_DIR
set -u
NST="$1"; SRC="$2"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
F="$SRC/tests/fixtures"; C="$SRC/examples/chelsea.png"; S="$SRC/examples/starry_night.jpg"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures+1)); }

# check NAME PATTERN FILE: FILE contains PATTERN.
check() { if grep -q -- "$2" "$3"; then echo "ok: $1"; else fail "$1 (no '$2' in:)"; cat "$3"; fi; }

"$NST" weights info "$F/vgg19_narrow_legacy.pth" >"$TMP/info" 2>"$TMP/err" || fail "info legacy exit $?"
check "legacy format"   "format: *pytorch-legacy" "$TMP/info"
check "architecture"    "architecture: vgg19, 16 conv layers" "$TMP/info"
check "layer shape"     "conv5_4 *weight 8x8x3x3" "$TMP/info"
check "torchvision"     "preprocess: *torchvision" "$TMP/info"
check "sha256"          "sha256: *[0-9a-f]\{64\}" "$TMP/info"

"$NST" weights info "$F/gatys_narrow.pth" >"$TMP/info" 2>"$TMP/err" || fail "info gatys exit $?"
check "zip format"      "format: *pytorch-zip" "$TMP/info"
check "gatys is caffe"  "preprocess: *caffe" "$TMP/info"

# Refusals: exit code and one line naming the problem.
"$NST" weights info "$F/malicious_os_system.pth" >"$TMP/out" 2>"$TMP/err"; code=$?
[ "$code" -eq 1 ] || fail "malicious file exit $code (want 1)"
check "malicious refused" "refusing pickle global 'os.system'" "$TMP/err"
"$NST" weights convert "$F/gatys_narrow.pth" "$TMP/out.bin" >"$TMP/out" 2>"$TMP/err"; code=$?
[ "$code" -eq 2 ] || fail "convert to non-safetensors exit $code (want 2)"
cp "$F/vgg19_narrow_reference.safetensors" "$TMP/in.safetensors"
"$NST" weights convert "$TMP/in.safetensors" "$TMP/in.safetensors" >"$TMP/out" 2>"$TMP/err"; code=$?
[ "$code" -eq 2 ] || fail "convert onto its input exit $code (want 2)"
check "refuses OUT == IN" "refusing to overwrite" "$TMP/err"
cmp -s "$F/vgg19_narrow_reference.safetensors" "$TMP/in.safetensors" || fail "input was modified"
"$NST" weights >"$TMP/out" 2>"$TMP/err"; code=$?
[ "$code" -eq 2 ] || fail "bare 'nst weights' exit $code (want 2)"

# Convert, inspect the result, then use it.
"$NST" weights convert "$F/vgg19_narrow_zip_ordered.pth" "$TMP/narrow.safetensors" 2>"$TMP/err" || fail "convert exit $?"
"$NST" weights info "$TMP/narrow.safetensors" >"$TMP/info" 2>&1 || fail "info converted exit $?"
check "converted format"     "format: *safetensors" "$TMP/info"
check "converted keeps convention" "preprocess: *torchvision (file metadata)" "$TMP/info"
"$NST" weights convert "$F/vgg19_narrow_legacy.pth" "$TMP/caffe.safetensors" --preprocess caffe 2>"$TMP/err" || fail "convert --preprocess exit $?"
"$NST" weights info "$TMP/caffe.safetensors" >"$TMP/info" 2>&1
check "override recorded" "preprocess: *caffe (file metadata)" "$TMP/info"
ls -A "$TMP" | grep -q '\.tmp' && fail "temp file left behind"

"$NST" style --content "$C" --style "$S" -o "$TMP/o.png" --weights "$TMP/narrow.safetensors" --size 32 --iterations 2 \
  >"$TMP/out" 2>"$TMP/err" || { fail "style with converted weights exit $?"; cat "$TMP/err"; }
[ -s "$TMP/o.png" ] || fail "style wrote no image"
"$NST" style --content "$C" --style "$S" -o "$TMP/p.png" --weights "$F/vgg19_narrow_legacy.pth" --size 32 --iterations 2 \
  >"$TMP/out" 2>"$TMP/err" || { fail "style with a legacy .pth exit $?"; cat "$TMP/err"; }
check "style reports torchvision" "torchvision" "$TMP/err"

[ "$failures" -eq 0 ] && echo "all weights CLI checks passed"
exit "$failures"

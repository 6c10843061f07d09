#!/usr/bin/env bash
# `nst texture`: a tiny non-square run writes an image of exactly that size, --tileable runs, and
# bad input gets one line and exit 2 (nothing written).
# Usage: texture.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
RUN=(-s "$S" --iterations 3 --threads 1 --style-layers relu1_1,relu2_1,relu3_1)

size_of() { "$PY" -c "from PIL import Image; import sys; print('%dx%d' % Image.open(sys.argv[1]).size)" "$1"; }

"$NST" texture "${RUN[@]}" --size 48x32 -o "$TMP/t.png" >/dev/null 2>"$TMP/err" || { fail "texture run"; cat "$TMP/err"; }
[ "$(size_of "$TMP/t.png")" = 48x32 ] || fail "texture is $(size_of "$TMP/t.png"), not 48x32"
grep -q "texture 48x32 px," "$TMP/err" || { fail "no start line"; cat "$TMP/err"; }

"$NST" texture "${RUN[@]}" -s "$C" --style-blend 0.7,0.3 --size 40 --tileable --scales 2 -o "$TMP/tile.png" \
  >/dev/null 2>"$TMP/err" || { fail "tileable run"; cat "$TMP/err"; }
[ "$(size_of "$TMP/tile.png")" = 40x40 ] || fail "tileable texture is not 40x40"
grep -q "texture 40x40 px tileable" "$TMP/err" || { fail "no tileable start line"; cat "$TMP/err"; }

expect 2 "--size must be W or WxH" -- texture "${RUN[@]}" --size 64x -o "$TMP/bad.png"
expect 2 "--size must be W or WxH" -- texture "${RUN[@]}" --size 8x64 -o "$TMP/bad.png"
expect 2 "too small for the style layers" -- texture -s "$S" --size 16 --scales 3 -o "$TMP/bad.png"
expect 2 "--tileable pads circularly" -- texture "${RUN[@]}" --tileable --padding reflect -o "$TMP/bad.png"
expect 2 "--style-blend has 2 weights for 1" -- texture "${RUN[@]}" --size 32 --style-blend 1,2 -o "$TMP/bad.png"
expect 2 "required" -- texture --size 32 -o "$TMP/bad.png"
[ ! -e "$TMP/bad.png" ] || fail "a refused run wrote an image"

exit $((failures > 0))

#!/usr/bin/env bash
# `nst score`: one line per image (the content scores style=1 content=0 style_sliced=1, the
# style style~0 content=1), --json lines parse, exit codes 2 (usage) and 1 (runtime) with one-line errors,
# and no file is ever written. Usage: score.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

B="$SRC/examples/building.jpg"
echo "not an image" > "$TMP/corrupt.png"
mkdir "$TMP/cwd"
before=$(cd "$SRC/examples" && ls -l --time-style=full-iso; sha256sum ./*)

# Text: content and style images scored at 64 px (the style is resized to the content's shape).
(cd "$TMP/cwd" && "$NST" score --content "$C" --style "$S" --size 64 --threads 1 "$C" "$S") >"$TMP/out" 2>"$TMP/err" \
  || { fail "score text: exit $?"; cat "$TMP/err"; }
cat "$TMP/out"
[ "$(grep -c . "$TMP/out")" -eq 2 ] || fail "want 2 lines"
grep -qx "$C style=1.0000 content=0.0000 style_sliced=1.0000" "$TMP/out" || fail "content line"
grep -q "^$S style=0\.[0-2][0-9]* content=1.0000 style_sliced=0\.[0-4][0-9]*\$" "$TMP/out" \
  || fail "style line (style below 0.3, content 1, sliced style below 0.5)"
[ ! -s "$TMP/err" ] || { fail "stderr not empty"; cat "$TMP/err"; }

# JSON lines; two styles (repeated --style, then the images: one value per --style).
(cd "$TMP/cwd" && "$NST" score -c "$C" -s "$S" -s "$B" --style-blend 0.5,0.5 --size 64 --threads 1 --json "$C" "$B") \
  >"$TMP/out" 2>"$TMP/err" || { fail "score --json: exit $?"; cat "$TMP/err"; }
python3 -c '
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) == 2, rows
c, b = rows
assert c["image"].endswith("chelsea.png") and c["style"] == 1.0 and c["content"] == 0.0, c
assert c["style_sliced"] == 1.0 and c["style_sliced_baseline"] > 0, c
assert 0 < b["style"] < 1 and b["content"] > 0, b
for r in rows:
    assert set(r["style_layers"]) == {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"}, r
    assert set(r["content_layers"]) == {"relu2_2", "relu4_2"}, r
    assert "seed=7" in r["judge"] and "max pooling" in r["judge"], r
print("json ok:", b["style"], b["content"])
' "$TMP/out" || { fail "json"; cat "$TMP/out"; }

# Without --size, the first image's own longest side: a 56x48 image scores at 56 px wide.
python3 -c "
import struct, zlib, sys
w, h = 56, 48
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
rows = b''.join(b'\0' + bytes(v for x in range(w) for v in (x * 4 % 256, y * 5 % 256, (x + y) * 2 % 256))
               for y in range(h))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))" "$TMP/small.png"
"$NST" score -c "$C" -s "$S" --threads 1 --json "$TMP/small.png" >"$TMP/out" 2>"$TMP/err" \
  && python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["width"] == 56, r' "$TMP/out" \
  || { fail "default size"; cat "$TMP/out" "$TMP/err"; }

expect 2 "required"                 -- score --style "$S" "$C"
expect 2 "required"                 -- score --content "$C" "$C"
expect 2 "images is required"       -- score --content "$C" --style "$S"
expect 2 "unknown layer 'relu9_1'"  -- score -c "$C" -s "$S" --style-layers relu1_1,relu9_1 "$C"
expect 2 "unknown pooling 'mean'"   -- score -c "$C" -s "$S" --pooling mean "$C"
expect 2 "--style-blend has 2 weights for 1" -- score -c "$C" -s "$S" --style-blend 1,2 "$C"
expect 2 "--judge-seed applies to the embedded judge only" -- score -c "$C" -s "$S" --weights "$TMP/w.pth" --judge-seed 3 "$C"
expect 2 "--size must be"           -- score -c "$C" -s "$S" --size 5 "$C"
expect 2 "too small for the judge's layers" -- score -c "$C" -s "$S" --size 24 "$C"
expect 2 "cannot tell the content image from the style image" -- score -c "$C" -s "$C" --size 48 "$C"
expect 1 "image not found"          -- score -c "$C" -s "$S" --size 48 "$TMP/missing.png"
expect 1 "image not found"          -- score -c "$TMP/missing.png" -s "$S" --size 48 "$C"
expect 1 "cannot"                   -- score -c "$C" -s "$S" --size 48 "$TMP/corrupt.png"

# Nothing written: the working folder stays empty, the inputs unchanged.
[ -z "$(ls -A "$TMP/cwd")" ] || fail "score wrote files: $(ls -A "$TMP/cwd")"
after=$(cd "$SRC/examples" && ls -l --time-style=full-iso; sha256sum ./*)
[ "$before" = "$after" ] || fail "inputs changed"

exit $((failures > 0))

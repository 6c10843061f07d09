#!/usr/bin/env bash
# Bad input gets one clear line on stderr and the right exit code; inputs are never overwritten.
# Usage: errors.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

: > "$TMP/empty.png"
echo "not an image" > "$TMP/corrupt.png"
head -c 2000 "$C" > "$TMP/truncated.png"
cp "$C" "$TMP/content.png"
# A valid PNG header claiming 100000x100000 px (the pixel data is a stub).
python3 -c "
import struct, zlib, sys
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 100000, 100000, 8, 2, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(b'\0' * 64)) + chunk(b'IEND', b''))" "$TMP/huge.png"
printf 'junk weights' > "$TMP/w.bin"

expect 2 "not expected: --bogus-option" -- style --content "$C" --style "$S" --bogus-option
expect 2 "required"             -- style --style "$S"
expect 2 "error"                -- frobnicate
expect 1 "image not found"      -- style --content "$TMP/missing.png" --style "$S" -o "$TMP/o.png" --iterations 1
expect 1 "empty"                -- style --content "$TMP/empty.png" --style "$S" -o "$TMP/o.png" --iterations 1
expect 1 "cannot"               -- style --content "$TMP/corrupt.png" --style "$S" -o "$TMP/o.png" --iterations 1
expect 1 "image"                -- style --content "$TMP/truncated.png" --style "$S" -o "$TMP/o.png" --iterations 1
expect 1 "beyond the limit"     -- style --content "$TMP/huge.png" --style "$S" -o "$TMP/o.png" --iterations 1
expect 2 "too small for the requested layers" -- style --content "$C" --style "$S" -o "$TMP/o.png" --size 24 --iterations 1
expect 2 "unknown layer 'relu9_1'" -- style --content "$C" --style "$S" -o "$TMP/o.png" --style-layers relu1_1,relu9_1
expect 2 "size"                 -- style --content "$C" --style "$S" -o "$TMP/o.png" --size -5
expect 2 "size"                 -- style --content "$C" --style "$S" -o "$TMP/o.png" --size 999999999
expect 2 "style-weight"         -- style --content "$C" --style "$S" -o "$TMP/o.png" --style-weight -1
expect 2 "unknown optimizer"    -- style --content "$C" --style "$S" -o "$TMP/o.png" --optimizer newton
expect 1 "output folder does not exist" -- style --content "$C" --style "$S" -o "$TMP/nope/o.png"
expect 2 "refusing to overwrite" -- style --content "$TMP/content.png" --style "$S" -o "$TMP/content.png"
expect 1 "not in a known format" -- style --content "$C" --style "$S" -o "$TMP/o.png" --weights "$TMP/w.bin"
expect 2 "float16 needs a CUDA device" -- style --content "$C" --style "$S" -o "$TMP/o.png" --precision float16
expect 2 "unknown precision 'int8'" -- style --content "$C" --style "$S" -o "$TMP/o.png" --precision int8
expect 2 "unknown history precision" -- style --content "$C" --style "$S" -o "$TMP/o.png" --history-precision x
expect 2 "style-blend"          -- style --content "$C" --style "$S" -o "$TMP/o.png" --style-blend 1,2 --iterations 1 --size 32

cmp -s "$C" "$TMP/content.png" || fail "input was modified"
[ ! -e "$TMP/o.png" ] || fail "an output was written by a failing run"
ls -A "$TMP" | grep -q '\.tmp' && fail "temp file left behind"

# --help lists options and exits 0.
"$NST" style --help > "$TMP/help" 2>&1 && grep -q -- "--style-weight" "$TMP/help" || fail "help"

[ "$failures" -eq 0 ] && echo "all CLI error checks passed"
exit "$failures"

#!/usr/bin/env bash
# nst style --style-mask: one mask per style (count checked), unreadable masks refused with one
# line, unsupported combinations refused, and a tiny two-style masked run (also tiled) writes its image.
# Usage: style_mask.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

# Left-half and right-half masks, 40x30 (another size than the content: nst resizes them).
python3 -c "
import struct, zlib, sys
def png(path, w, h, left):
    rows = b''.join(b'\0' + bytes(255 if (x < w // 2) == left else 0 for x in range(w)) for _ in range(h))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
png(sys.argv[1], 40, 30, True); png(sys.argv[2], 40, 30, False)" "$TMP/left.png" "$TMP/right.png"
echo "not an image" > "$TMP/corrupt.png"
cp "$TMP/left.png" "$TMP/left_copy.png"
RUN=(--size 32 --iterations 2 --style-layers relu1_1,relu2_1 --threads 1)

expect 2 "one mask per style" -- style -c "$C" -s "$S" -s "$C" --style-mask "$TMP/left.png" -o "$TMP/o.png" "${RUN[@]}"
expect 1 "image not found" -- style -c "$C" -s "$S" --style-mask "$TMP/missing.png" -o "$TMP/o.png" "${RUN[@]}"
expect 1 "cannot" -- style -c "$C" -s "$S" --style-mask "$TMP/corrupt.png" -o "$TMP/o.png" "${RUN[@]}"
expect 2 "not sliced-wasserstein" -- style -c "$C" -s "$S" --style-mask "$TMP/left.png" --style-loss sliced-wasserstein -o "$TMP/o.png" "${RUN[@]}"
expect 2 "refusing to overwrite" -- style -c "$C" -s "$S" --style-mask "$TMP/left.png" -o "$TMP/left.png" "${RUN[@]}"
[ ! -e "$TMP/o.png" ] || fail "an output was written by a failing run"
cmp -s "$TMP/left.png" "$TMP/left_copy.png" || fail "a mask was modified"

# A two-style masked run (and one with mean-cov) writes its image.
"$NST" style -c "$C" -s "$S" -s "$C" --style-mask "$TMP/left.png" --style-mask "$TMP/right.png" \
  -o "$TMP/masked.png" "${RUN[@]}" 2>"$TMP/err" || { fail "masked run"; cat "$TMP/err"; }
[ -s "$TMP/masked.png" ] || fail "masked run wrote no image"
"$NST" style -c "$C" -s "$S" -s "$C" --style-mask "$TMP/left.png" --style-mask "$TMP/right.png" --style-loss mean-cov \
  -o "$TMP/masked_w2.png" "${RUN[@]}" 2>"$TMP/err" || { fail "masked mean-cov run"; cat "$TMP/err"; }
[ -s "$TMP/masked_w2.png" ] || fail "masked mean-cov run wrote no image"
"$NST" style -c "$C" -s "$S" -s "$C" --style-mask "$TMP/left.png" --style-mask "$TMP/right.png" --tile-size 16 \
  -o "$TMP/masked_tiled.png" "${RUN[@]}" 2>"$TMP/err" || { fail "masked tiled run"; cat "$TMP/err"; }
[ -s "$TMP/masked_tiled.png" ] || fail "masked tiled run wrote no image"
"$NST" style --help | grep -q -- "--style-mask" || fail "--help lacks --style-mask"

[ "$failures" -eq 0 ] && echo "all --style-mask checks passed"
exit "$failures"

#!/usr/bin/env bash
# The embedded network's cache: the first run writes it into $NST_CACHE_DIR, the next reads it,
# and the picture is the same bit for bit cold, warm, with a damaged file and with
# --no-network-cache (which writes nothing); no cache folder known (no HOME) is no error.
# Usage: network_cache.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

export NST_CACHE_DIR="$TMP/cache"
unset XDG_CACHE_HOME
run() {  # run NAME [FLAGS...]: a tiny style run into $TMP/NAME.png
  local name="$1"; shift
  "$NST" style -c "$C" -s "$S" --size 48 --iterations 3 --threads 1 -o "$TMP/$name.png" "$@" 2>"$TMP/err" \
    || { fail "$name: exit $?"; cat "$TMP/err"; }
}
files() { ls -A "$NST_CACHE_DIR" 2>/dev/null; }

run off --no-network-cache
[ -z "$(files)" ] && echo "ok: --no-network-cache writes nothing" || fail "--no-network-cache wrote: $(files)"

run cold
[ "$(files)" = "embedded-vgg19-seed20170101-threads1-v1.bin" ] && echo "ok: written" || fail "cache folder holds: $(files)"
file="$NST_CACHE_DIR/$(files)"
size=$(stat -c %s "$file")
[ "$size" -gt 80000000 ] && echo "ok: $size bytes" || fail "cache file of $size bytes"
inode=$(stat -c %i "$file")

run warm
[ "$(stat -c %i "$file")" = "$inode" ] && echo "ok: read, not rewritten" || fail "the warm run rewrote the file"

# One byte flipped in the middle of the payload: ignored, the network generated and the file rewritten.
printf '\x55' | dd of="$file" bs=1 seek=$((size / 2)) conv=notrunc status=none
run damaged
[ "$(stat -c %i "$file")" != "$inode" ] && echo "ok: damaged file rewritten" || fail "damaged file kept"
[ "$(stat -c %s "$file")" = "$size" ] || fail "rewritten file of another size"

# No HOME, no NST_CACHE_DIR: generated, no error, nothing written anywhere we can see.
(unset NST_CACHE_DIR HOME; run nohome)

for name in cold warm damaged nohome; do
  cmp -s "$TMP/off.png" "$TMP/$name.png" && echo "ok: $name == off" || fail "$name.png differs from off.png"
done
[ "$(ls -A "$NST_CACHE_DIR" | grep -c tmp)" -eq 0 ] || fail "temp files left: $(files)"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all ok"

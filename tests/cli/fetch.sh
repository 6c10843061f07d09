#!/usr/bin/env bash
# `nst weights fetch/list` and `--weights NAME` against a local HTTP server on 127.0.0.1 (nothing
# else is contacted): a good fetch, a corrupt one, a truncated one resumed, a server that ignores
# Range, a 404, Ctrl-C, unknown names and names that are not cached.
# Usage: fetch.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"
FIX="$SRC/tests/fixtures/vgg19_narrow_zip_dict.pth"
HASH=$(sha256sum "$FIX" | cut -d' ' -f1)
SIZE=$(stat -c %s "$FIX")
export NST_CACHE_DIR="$TMP/cache"
CACHE="$NST_CACHE_DIR"
unset NST_WEIGHTS_BASE_URL XDG_CACHE_HOME http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

python3 "$SRC/tests/cli/http_server.py" "$FIX" "$TMP/port" "$TMP/requests.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 200); do [ -s "$TMP/port" ] && break; sleep 0.05; done
[ -s "$TMP/port" ] || { echo "FAIL: test server did not start"; exit 1; }
BASE="http://127.0.0.1:$(cat "$TMP/port")"
mode() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' "$BASE/_mode/$1"; }
check() { if grep -q -- "$2" "$3"; then echo "ok: $1"; else fail "$1 (no '$2' in:)"; cat "$3"; fi; }
# run CODE LABEL -- ARGS...: nst exits with CODE (stderr in $TMP/err, stdout in $TMP/out).
run() {
  local code="$1" label="$2"; shift 3
  "$NST" "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?
  if [ "$got" -ne "$code" ]; then fail "$label: exit $got (want $code)"; cat "$TMP/err"; else echo "ok: $label exit $code"; fi
}
absent() { if [ -e "$1" ]; then fail "$2: $1 exists"; else echo "ok: $2"; fi; }

# Usage errors: unknown name lists the known ones; custom options need their partners.
expect 2 "unknown weights name 'nope' (known: vgg19, vgg16, vgg19-caffe, vgg16-caffe, vgg19-keras" -- weights fetch nope
expect 2 "which weights" -- weights fetch
expect 2 "needs --sha256" -- weights fetch --name mine --url "$BASE/x.pth"
expect 2 "is not a SHA-256" -- weights fetch --name mine --url "$BASE/x.pth" --sha256 xyz
expect 2 "are for custom names" -- weights fetch vgg19 --sha256 "$HASH"
absent "$CACHE" "usage errors create no cache"

# A registry name that is not cached: one line naming the fetch command.
expect 1 "not in the cache.*nst weights fetch vgg19" -- weights info vgg19
expect 1 "nst weights fetch vgg19-caffe" -- style --content "$C" --style "$S" -o "$TMP/x.png" --weights vgg19-caffe --size 32 --iterations 2

# A good fetch of a custom entry, then list, info, style and a second (cached) fetch.
run 0 "good fetch" -- weights fetch --url "$BASE/files/narrow.pth" --sha256 "$HASH" --name narrow --preprocess torchvision
[ "$(sha256sum < "$CACHE/narrow.pth" | cut -d' ' -f1)" = "$HASH" ] && echo "ok: cached file hash" || fail "cached file hash"
absent "$CACHE/narrow.pth.part" "no .part after a good fetch"
check "fetch reports the hash check" "SHA-256 matches --sha256 hash" "$TMP/err"
run 0 "list" -- weights list
check "list shows the entry" "^narrow *narrow.pth .*torchvision *$HASH" "$TMP/out"
check "list shows available names" "vgg19-caffe" "$TMP/out"
run 0 "info NAME" -- weights info narrow
check "info uses the cache" "name: *narrow (cached" "$TMP/out"
check "info reads the file" "architecture: vgg19" "$TMP/out"
run 0 "style --weights NAME" -- style --content "$C" --style "$S" -o "$TMP/o.png" --weights narrow --size 32 --iterations 2
[ -s "$TMP/o.png" ] && echo "ok: style wrote an image" || fail "style wrote no image"
check "style names the cached file" "narrow ($CACHE/narrow.pth)" "$TMP/err"
requests=$(grep -c "GET /files" "$TMP/requests.log")
run 0 "second fetch" -- weights fetch --url "$BASE/files/narrow.pth" --sha256 "$HASH" --name narrow
check "second fetch finds it cached" "already cached narrow" "$TMP/err"
[ "$(grep -c "GET /files" "$TMP/requests.log")" -eq "$requests" ] && echo "ok: no download when cached" || fail "downloaded again"
run 0 "--cache-dir" -- weights fetch --url "$BASE/files/other.pth" --sha256 "${HASH:0:8}" --name other --cache-dir "$TMP/elsewhere"
[ -f "$TMP/elsewhere/other.pth" ] && echo "ok: --cache-dir used" || fail "--cache-dir not used"
check "prefix check noted" "prefix ${HASH:0:8}; full hash recorded" "$TMP/err"
grep -q "$HASH" "$TMP/elsewhere/other.json" && echo "ok: full hash recorded" || fail "full hash not recorded"

# Corrupt download: hash mismatch, nothing left in the cache.
mode corrupt
run 1 "corrupt fetch" -- weights fetch --url "$BASE/files/bad.pth" --sha256 "$HASH" --name bad
check "mismatch message" "SHA-256 mismatch for $BASE/files/bad.pth" "$TMP/err"
absent "$CACHE/bad.pth" "no file after a mismatch"
absent "$CACHE/bad.pth.part" "no .part after a mismatch"
absent "$CACHE/bad.json" "no record after a mismatch"

# A registry name through NST_WEIGHTS_BASE_URL: the fixture is not vgg19, so the published
# prefix refuses it.
mode normal
NST_WEIGHTS_BASE_URL="$BASE/mirror/" run 1 "registry name, wrong bytes" -- weights fetch vgg19
check "base URL keeps the path" "GET /mirror/models/vgg19-dcbb9e9d.pth" "$TMP/requests.log"
check "prefix mismatch" "expected dcbb9e9d\.\.\." "$TMP/err"
absent "$CACHE/vgg19-dcbb9e9d.pth" "no registry file after a mismatch"

# Truncated answers: 3 attempts (each resuming), then failure with the .part kept; a second
# run resumes with a Range request and completes.
mode truncate
: >"$TMP/requests.log"
run 1 "truncated fetch" -- weights fetch --url "$BASE/files/trunc.pth" --sha256 "$HASH" --name trunc
check "gives up after 3 attempts" "failed after 3 attempts" "$TMP/err"
[ "$(grep -c "GET /files/trunc.pth" "$TMP/requests.log")" -eq 3 ] && echo "ok: 3 requests" || fail "not 3 requests"
check "retries resume" "GET /files/trunc.pth range=bytes=" "$TMP/requests.log"
[ -s "$CACHE/trunc.pth.part" ] && echo "ok: .part kept" || fail ".part not kept"
absent "$CACHE/trunc.pth" "no file after a failed fetch"
kept=$(stat -c %s "$CACHE/trunc.pth.part")
mode normal
: >"$TMP/requests.log"
run 0 "resumed fetch" -- weights fetch --url "$BASE/files/trunc.pth" --sha256 "$HASH" --name trunc
check "server saw a Range request" "GET /files/trunc.pth range=bytes=$kept-" "$TMP/requests.log"
check "resume reported" "resume at byte $kept" "$TMP/err"
[ "$(sha256sum < "$CACHE/trunc.pth" | cut -d' ' -f1)" = "$HASH" ] && echo "ok: resumed file hash" || fail "resumed file hash"

# A server that ignores Range: the stale .part is dropped and the download starts over.
head -c 1000 /dev/zero >"$CACHE/norange.pth.part"
mode norange
run 0 "fetch from a server without Range" -- weights fetch --url "$BASE/files/norange.pth" --sha256 "$HASH" --name norange
check "restart reported" "restart from zero" "$TMP/err"
[ "$(stat -c %s "$CACHE/norange.pth")" -eq "$SIZE" ] && echo "ok: restarted file size" || fail "restarted file size"

# Not found: no retry, no debris.
mode missing
: >"$TMP/requests.log"
run 1 "404" -- weights fetch --url "$BASE/files/gone.pth" --sha256 "$HASH" --name gone
check "404 reported" "failed: HTTP 404" "$TMP/err"
[ "$(grep -c "GET /files/gone.pth" "$TMP/requests.log")" -eq 1 ] && echo "ok: no retry on 404" || fail "retried a 404"
absent "$CACHE/gone.pth.part" "no empty .part after a 404"

# Ctrl-C during a slow download: exit 130, .part kept for the next run.
mode slow
"$NST" weights fetch --url "$BASE/files/slow.pth" --sha256 "$HASH" --name slow >"$TMP/out" 2>"$TMP/err" &
pid=$!
for _ in $(seq 1 100); do [ -s "$CACHE/slow.pth.part" ] && break; sleep 0.05; done
kill -INT "$pid"; wait "$pid"; code=$?
[ "$code" -eq 130 ] && echo "ok: Ctrl-C exit 130" || { fail "Ctrl-C exit $code (want 130)"; cat "$TMP/err"; }
check "interrupt message" "interrupted.*bytes kept in $CACHE/slow.pth.part" "$TMP/err"
[ -s "$CACHE/slow.pth.part" ] && echo "ok: .part kept after Ctrl-C" || fail ".part removed by Ctrl-C"

run 0 "list after all" -- weights list
check "list shows the resumed entry" "^trunc " "$TMP/out"
if grep -q "^bad \|^gone " "$TMP/out"; then fail "failed fetches listed"; cat "$TMP/out"; else echo "ok: failed fetches not listed"; fi

[ "$failures" -eq 0 ] && echo "all fetch CLI checks passed"
exit "$failures"

#!/usr/bin/env bash
# Ctrl-C (SIGINT) stops after the current iteration, saves the latest image and exits 130.
set -u
NST="$1"; SRC="$2"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
"$NST" style --content "$SRC/examples/chelsea.png" --style "$SRC/examples/starry_night.jpg" \
  -o "$TMP/out.png" --size 48 --iterations 100000 --print-every 1 --trace "$TMP/trace.jsonl" 2>"$TMP/err" &
pid=$!
for _ in $(seq 1 600); do  # wait (up to 60 s) until two iterations are done
  [ -s "$TMP/trace.jsonl" ] && [ "$(wc -l < "$TMP/trace.jsonl")" -ge 2 ] && break
  sleep 0.1
done
kill -INT "$pid"
wait "$pid"; code=$?
[ "$code" -eq 130 ] || { echo "FAIL: exit code $code, want 130"; cat "$TMP/err"; exit 1; }
[ -s "$TMP/out.png" ] || { echo "FAIL: no image saved"; exit 1; }
grep -q "stopped by request" "$TMP/err" || { echo "FAIL: no stop message"; cat "$TMP/err"; exit 1; }
# The trace is one JSON object per line with the documented keys.
python3 - "$TMP/trace.jsonl" <<'PY' || exit 1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for k in ("iteration", "seconds", "loss", "parts", "evaluations", "step_size"):
    assert k in rows[0], k
assert [r["iteration"] for r in rows] == list(range(1, len(rows) + 1))
PY
echo "interrupt ok: exit 130, image saved after $(wc -l < "$TMP/trace.jsonl") iterations"

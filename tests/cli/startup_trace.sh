#!/usr/bin/env bash
# --trace's first line says when start-up milestones passed (what bench/bench_startup reads):
# all of them, in the order a run passes them, none after the first line.
# Usage: startup_trace.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

"$NST" style -c "$C" -s "$S" --size 48 --iterations 3 --threads 1 --trace "$TMP/t.jsonl" -o "$TMP/out.png" \
  >/dev/null 2>"$TMP/err" || { fail "style run"; cat "$TMP/err"; }
python3 - "$TMP/t.jsonl" <<'PY' || fail "startup milestones"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3, len(rows)
order = ["main entered", "network ready", "images read", "optimization started", "first evaluation",
         "first iteration"]
s = rows[0]["startup"]
assert list(s) == order or sorted(s, key=s.get) == order, s
times = [s[k] for k in order]
assert times == sorted(times), s
assert times[-1] - times[0] < 600, s
assert all("startup" not in r for r in rows[1:])
PY
[ "$failures" -eq 0 ] && echo "ok: startup milestones in order"
exit $((failures > 0))

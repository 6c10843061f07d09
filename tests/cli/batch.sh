#!/usr/bin/env bash
# nst batch: a 3-row manifest runs, a row's output equals nst style's, Ctrl-C saves the current
# row and stops, a rerun skips the finished rows and redoes the rest, --status counts them, bad
# manifests are refused in one line, and the option keys are nst style's flag names.
# Usage: batch.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"
B="$SRC/examples/building.jpg"
mkdir "$TMP/w" && cd "$TMP/w"

sidecar_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
# The status of a run is asked with the same options (they decide each row's hash).
status_line() { "$NST" batch m.csv --status --set size=48 "$@" 2>&1; }

# Rows 1 and 3 give their own iterations; row 2 takes --set's.
cat >m.csv <<EOF
content,style,output,iterations,style_weight
$C,$S,out/r1.png,4,
$B,$S,out/r2.png,,
$C,"$S;$B",out/r3.png,3,5e6
EOF

# 1. Row 2 runs "forever": Ctrl-C once it has started stops it with its image and sidecar saved.
"$NST" batch m.csv --set size=48 --set iterations=100000 2>err1 &
pid=$!
for _ in $(seq 1 600); do [ -s out/r1.png.json ] && break; sleep 0.1; done
sleep 2
kill -INT "$pid"
wait "$pid"; code=$?
[ "$code" -eq 130 ] || { fail "interrupted batch: exit $code, want 130"; cat err1; }
[ "$(sidecar_field out/r1.png.json status)" = done ] || fail "row 1 not done"
[ "$(sidecar_field out/r2.png.json status)" = interrupted ] || { fail "row 2 not recorded interrupted"; cat err1; }
[ -s out/r2.png ] || fail "row 2's latest image not saved"
[ ! -e out/r3.png ] || fail "row 3 ran after Ctrl-C"
grep -q "shard 0/1: 1 done, 0 skipped, 0 failed, interrupted" err1 || { fail "no summary"; cat err1; }
[ "$(status_line --set iterations=100000)" = "3 rows: 1 done, 0 failed, 2 pending" ] || fail "status after Ctrl-C"

# 2. Rerun: row 1 is skipped (untouched), rows 2 and 3 run.
cp out/r1.png.json r1.before
"$NST" batch m.csv --set size=48 --set iterations=3 2>err2 || { fail "rerun exit $?"; cat err2; }
grep -q "row 1 skipped" err2 || fail "row 1 not skipped"
grep -q "row 2 done" err2 && grep -q "row 3 done" err2 || { fail "rows 2, 3 not run"; cat err2; }
cmp -s r1.before out/r1.png.json || fail "row 1's sidecar rewritten"
[ "$(sidecar_field out/r2.png.json iterations)" = 3 ] || fail "row 2 not redone with 3 iterations"
[ "$(status_line --set iterations=3)" = "3 rows: 3 done, 0 failed, 0 pending" ] || fail "status after rerun"
[ "$(status_line --set iterations=7)" = "3 rows: 2 done, 0 failed, 1 pending" ] || fail "status, other options"
"$NST" batch m.csv --status --set size=48 --set iterations=3 --json | python3 -c "
import json, sys; s = json.load(sys.stdin); assert [r['state'] for r in s['rows']] == ['done'] * 3, s" ||
  fail "status --json"

# 3. A changed option redoes only that row.
sed -i 's/out\/r3.png,3,5e6/out\/r3.png,2,5e6/' m.csv
"$NST" batch m.csv --set size=48 --set iterations=3 2>err4 || fail "changed run exit $?"
[ "$(grep -c "skipped:" err4)" -eq 2 ] && grep -q "row 3 done: .*2 iterations" err4 || { fail "changed row"; cat err4; }

# 4. A batch row is the same image as nst style with the same options.
"$NST" style -c "$C" -s "$S" -o style.png --size 48 --iterations 4 2>/dev/null || fail "nst style"
cmp -s style.png out/r1.png || fail "row 1 differs from nst style's image"

# 5. A failed row is reported, the others run; the exit code says so.
printf 'content,style,output\n%s,%s,f/ok.png\nmissing.png,%s,f/bad.png\n' "$C" "$S" "$S" >f.csv
"$NST" batch f.csv --set size=48 --set iterations=1 2>errf; code=$?
[ "$code" -eq 1 ] && [ -s f/ok.png ] && grep -q "row 2 failed: image not found" errf &&
  grep -q "1 done, 0 skipped, 1 failed" errf || { fail "failed row: exit $code"; cat errf; }

# 6. Folder x styles; sharding by flag.
mkdir -p in && cp "$C" "$B" in/
"$NST" batch --content-dir in -s "$S" -s "$B" --output-dir cross --shard 1/2 --set size=48 --set iterations=1 \
  2>errc || { fail "cross product exit $?"; cat errc; }
[ "$(ls cross/*.png | wc -l)" -eq 2 ] && [ -s cross/chelsea-building.png ] || { fail "cross product"; ls cross; }

# 7. Bad input: one line, exit 2, nothing run.
printf 'content,style,output,stlye_weight\na.png,b.png,c.png,1\n' >bad.csv
expect 2 "bad.csv line 2: unknown key 'stlye_weight'" -- batch bad.csv
printf 'content,style\na.png,b.png\n' >bad2.csv
expect 2 "missing column 'output'" -- batch bad2.csv
: >empty.csv
expect 2 "empty manifest" -- batch empty.csv
printf 'content,style,output,iterations\na.png,b.png,c.png,many\n' >bad3.csv
expect 2 "row 1: iterations must be an integer" -- batch bad3.csv
expect 2 "--set must be KEY=VALUE" -- batch m.csv --set size
expect 2 "--shard must be I/N" -- batch m.csv --shard 2
expect 1 "cannot read manifest" -- batch none.csv
[ ! -e c.png ] || fail "a refused batch wrote an image"

# 8. Every option key is one of nst style's flags (its long name, '_' for '-').
"$NST" style --help >style_help
"$NST" batch --help | sed -n '/^Row options/,/^\[Defaults\]/p' | grep -E '^  [a-z_]+:' | while read -r key _; do
  flag="--$(echo "${key%:}" | tr _ -)"
  grep -q -- "$flag[ ,=]" style_help || echo "key ${key%:} is not a flag of nst style ($flag)"
done >key_problems
[ ! -s key_problems ] || { fail "option keys"; cat key_problems; }

echo "batch: $failures failures"
exit $((failures > 0))

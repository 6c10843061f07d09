#!/usr/bin/env bash
# nst batch as a real Slurm job array, on a one-node cluster this script starts for itself
# (tests/slurm/cluster.bash: its own munged, slurmctld and slurmd, config, ports and key; all
# stopped on exit). 1) sbatch --array=0-1 over a 4-row manifest: every output and sidecar, each
# task its own rows. 2) Three more rows; task 0 is cancelled (scancel) in the middle of a long
# row. 3) The same array resubmitted runs only the unfinished rows: the finished rows' sidecars
# are untouched. Needs root and the packages slurm-wlm and munge; fails (never skips) without them.
# Usage: slurm_array.sh NST_BINARY SOURCE_DIR
set -u
NST="$1"; SRC="$2"
source "$(dirname "$0")/cluster.bash"
W=$(mktemp -d)
cleanup() {
  if [ -n "${SLURM_CONF:-}" ]; then
    scancel --quiet --partition=nsttest 2>/dev/null  # no job outlives the test
    for _ in $(seq 1 100); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  cluster_stop
  rm -rf "$W"
}
trap cleanup EXIT
trap "exit 1" INT TERM  # a CTest timeout still stops the daemons
failures=0
fail() { echo "FAIL: $*"; failures=$((failures+1)); }
C="$SRC/examples/chelsea.png"; S="$SRC/examples/starry_night.jpg"; B="$SRC/examples/building.jpg"
started=$(date +%s)

cluster_start "$W/cluster"
echo "cluster up after $(( $(date +%s) - started )) s: $(sinfo -h -o '%P %D nodes, %c cpus, %T')"

# The job script: one task per shard, the shard from SLURM_ARRAY_TASK_ID/COUNT.
cat >"$W/job.sh" <<EOF
#!/bin/bash
#SBATCH --cpus-per-task=1
#SBATCH --output=$W/log_%a_%j.txt
exec "$NST" batch "$W/m.csv" --set size=48 --threads 1
EOF
cat >"$W/m.csv" <<EOF
content,style,output,iterations
$C,$S,out/r1.png,2
$B,$S,out/r2.png,2
$B,$B,out/r3.png,2
$C,"$S;$B",out/r4.png,2
EOF
state() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['status'])" "$1" 2>/dev/null || echo none; }
task_log() { cat "$W"/log_"$1"_*.txt 2>/dev/null; }

# 1. The whole manifest as a 2-task array.
sbatch --wait --array=0-1 "$W/job.sh" >/dev/null || fail "first array did not succeed: $(cat "$W"/log_*)"
for r in 1 2 3 4; do
  [ -s "$W/out/r$r.png" ] && [ "$(state "$W/out/r$r.png.json")" = done ] || fail "row $r: no output or sidecar not done"
done
task_log 0 | grep -q "shard 0/2: 2 done" && task_log 1 | grep -q "shard 1/2: 2 done" || fail "shards: $(cat "$W"/log_*)"
task_log 0 | grep -q "row 1 done" && task_log 0 | grep -q "row 3 done" && task_log 1 | grep -q "row 4 done" ||
  fail "rows not in their shard (row i in task (i-1) mod 2)"
echo "array 1 done after $(( $(date +%s) - started )) s"
rm -f "$W"/log_*

# 2. Rows 5 (long) and 7 go to task 0, row 6 to task 1. Task 0 is cancelled during row 5, whose
# iteration count no machine finishes in the 2 s before the cancel (40 did, on a quiet one).
cat >>"$W/m.csv" <<EOF
$C,$B,out/r5.png,100000
$B,$S,out/r6.png,2
$C,$S,out/r7.png,2
EOF
job=$(sbatch --parsable --array=0-1 "$W/job.sh") || fail "sbatch"
for _ in $(seq 1 600); do task_log 0 | grep -q "row 3 skipped" && break; sleep 0.1; done
sleep 2  # row 5 is under way
scancel "${job}_0"
for _ in $(seq 1 600); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.2; done
[ "$(state "$W/out/r6.png.json")" = done ] || fail "row 6 (task 1, not cancelled) not done: $(task_log 1)"
[ "$(state "$W/out/r5.png.json")" != done ] || fail "row 5 finished before the cancel: the test did not cancel mid-run"
[ ! -e "$W/out/r7.png" ] || fail "row 7 ran after the cancel"
echo "row 5 after scancel: sidecar $(state "$W/out/r5.png.json"); task 0 log: $(task_log 0 | tail -n 2 | tr '\n' ' ')"
mkdir "$W/before" && cp "$W"/out/*.json "$W/before/"

# 3. The same array again, row 5 made short: only rows 5 and 7 run; the finished rows are skipped,
# their sidecars untouched.
sed -i 's|out/r5.png,100000$|out/r5.png,3|' "$W/m.csv"
rm -f "$W"/log_*
sbatch --wait --array=0-1 "$W/job.sh" >/dev/null || fail "resubmitted array did not succeed: $(cat "$W"/log_*)"
for r in 5 7; do
  [ "$(state "$W/out/r$r.png.json")" = done ] || fail "row $r not done after the resubmission"
  task_log 0 | grep -q "row $r done" || fail "row $r not run by task 0"
done
for r in 1 2 3 4 6; do
  cmp -s "$W/before/r$r.png.json" "$W/out/r$r.png.json" || fail "row $r ran again (sidecar changed)"
done
[ "$(task_log 0 | grep -c 'skipped:')" -eq 2 ] && [ "$(task_log 1 | grep -c 'skipped:')" -eq 3 ] ||
  fail "skips: $(cat "$W"/log_*)"
"$NST" batch "$W/m.csv" --set size=48 --status | tee "$W/status"
grep -q "7 rows: 7 done, 0 failed, 0 pending" "$W/status" || fail "status"
echo "slurm_array: $failures failures, $(( $(date +%s) - started )) s"
exit $((failures > 0))

#!/usr/bin/env bash
# nst style --checkpoint / --resume: a run stopped (by Ctrl-C, or by a shorter --iterations) and
# resumed writes the same PNG, byte for byte, as an uninterrupted run (--threads 1: CPU sums in
# a fixed order); a checkpoint of another configuration or a damaged one is refused with one line.
source "$(dirname "$0")/common.bash"
RUN=(style -c "$C" -s "$S" --size 32 --threads 1 --style-layers relu1_1,relu2_1,relu3_1)

# 1. Uninterrupted reference runs.
"$NST" "${RUN[@]}" --iterations 30 -o "$TMP/full.png" 2>"$TMP/err" || { fail "reference run"; cat "$TMP/err"; }
"$NST" "${RUN[@]}" --iterations 30 --scales 2 --coarse-iterations 10 -o "$TMP/full2.png" 2>"$TMP/err" \
  || { fail "reference coarse-to-fine run"; cat "$TMP/err"; }

# 2. A shorter run's final checkpoint, resumed with --iterations counting the whole run.
"$NST" "${RUN[@]}" --iterations 12 --checkpoint "$TMP/a.ckpt" -o "$TMP/part.png" 2>"$TMP/err" \
  || { fail "first half"; cat "$TMP/err"; }
"$NST" "${RUN[@]}" --iterations 30 --resume "$TMP/a.ckpt" -o "$TMP/resumed.png" 2>"$TMP/err" \
  || { fail "resume"; cat "$TMP/err"; }
cmp -s "$TMP/full.png" "$TMP/resumed.png" && echo "ok: 12 + 18 iterations == 30" \
  || fail "resumed image differs from the uninterrupted run's"

# 3. Coarse-to-fine: 10 coarse + 6 fine iterations, resumed to 10 + 30 (stops inside the coarse
# scale are the unit tests', test_resume.cpp: the coarse scale's length is fixed by the checkpoint).
"$NST" "${RUN[@]}" --iterations 6 --scales 2 --coarse-iterations 10 --checkpoint "$TMP/b.ckpt" -o "$TMP/p2.png" 2>"$TMP/err"
"$NST" "${RUN[@]}" --iterations 30 --scales 2 --coarse-iterations 10 --resume "$TMP/b.ckpt" -o "$TMP/r2.png" 2>"$TMP/err" \
  || { fail "resume coarse-to-fine"; cat "$TMP/err"; }
cmp -s "$TMP/full2.png" "$TMP/r2.png" && echo "ok: coarse-to-fine 16 + 24 iterations == 40" \
  || fail "coarse-to-fine resumed image differs"

# 4. Ctrl-C: the checkpoint written on the way out resumes to the same image.
"$NST" "${RUN[@]}" --iterations 30 --checkpoint "$TMP/c.ckpt" --trace "$TMP/trace.jsonl" -o "$TMP/int.png" 2>"$TMP/err" &
pid=$!
for _ in $(seq 1 600); do  # wait (up to 60 s) until three iterations are done
  [ -s "$TMP/trace.jsonl" ] && [ "$(wc -l < "$TMP/trace.jsonl")" -ge 3 ] && break
  sleep 0.1
done
kill -INT "$pid" 2>/dev/null
wait "$pid"; code=$?
done_before=$(wc -l < "$TMP/trace.jsonl")
[ "$code" -eq 130 ] || [ "$code" -eq 0 ] || { fail "interrupted run exit $code"; cat "$TMP/err"; }
[ -s "$TMP/c.ckpt" ] || fail "no checkpoint written on Ctrl-C"
"$NST" "${RUN[@]}" --iterations 30 --resume "$TMP/c.ckpt" -o "$TMP/r3.png" 2>"$TMP/err" \
  || { fail "resume after Ctrl-C"; cat "$TMP/err"; }
cmp -s "$TMP/full.png" "$TMP/r3.png" && echo "ok: Ctrl-C after $done_before iterations (exit $code), resumed: same image" \
  || fail "image resumed after Ctrl-C (at $done_before, exit $code) differs"

# 5. Refusals, one line each: another configuration (exit 2), damaged or foreign files (exit 1).
expect 2 "another configuration: --style-weight" -- "${RUN[@]}" --iterations 30 --style-weight 5 --resume "$TMP/a.ckpt" -o "$TMP/x.png"
expect 2 "another configuration: content size" -- "${RUN[@]/32/40}" --iterations 30 --resume "$TMP/a.ckpt" -o "$TMP/x.png"
expect 2 "done 12 iterations" -- "${RUN[@]}" --iterations 5 --resume "$TMP/a.ckpt" -o "$TMP/x.png"
head -c 3000 "$TMP/a.ckpt" > "$TMP/cut.ckpt"
expect 1 "not an nst checkpoint" -- "${RUN[@]}" --iterations 30 --resume "$TMP/cut.ckpt" -o "$TMP/x.png"
cp "$TMP/a.ckpt" "$TMP/flip.ckpt"
size=$(stat -c %s "$TMP/flip.ckpt")
printf '\x55' | dd of="$TMP/flip.ckpt" bs=1 seek=$((size - 5)) conv=notrunc status=none
expect 1 "damaged" -- "${RUN[@]}" --iterations 30 --resume "$TMP/flip.ckpt" -o "$TMP/x.png"
expect 1 "not an nst style checkpoint" -- "${RUN[@]}" --iterations 30 --resume "$SRC/tests/fixtures/misc_reference.safetensors" -o "$TMP/x.png"
expect 2 "is an input" -- "${RUN[@]}" --iterations 3 --checkpoint "$C" -o "$TMP/x.png"
[ -s "$TMP/x.png" ] && fail "a refused resume wrote an image"
exit $((failures > 0))

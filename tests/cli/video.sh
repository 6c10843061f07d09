#!/usr/bin/env bash
# `nst video`: a 5-frame 48x40 clip end to end (frames in, H.264 out, and back), resume after
# Ctrl-C at the first frame without an output, a chunk with --frames/--init-from, and bad input
# getting one line and exit 2 (1 for a missing file).
# Usage: video.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3

# The clip: a textured pattern panning 2 px per frame, as binary PPM frames (no image library needed).
mkdir -p "$TMP/in"
"$PY" - "$TMP/in" <<'PY' || { echo "FAIL: cannot make the clip"; exit 1; }
import sys, numpy as np
y, x = np.mgrid[0:40, 0:80].astype(float)
world = 0.5 + 0.25 * np.sin(x / 3.0) * np.cos(y / 4.0) + 0.2 * np.sin((x + 2 * y) / 7.0)
rgb = np.stack([world, world[:, ::-1], 1 - world], -1)
for t in range(5):
    frame = (np.clip(rgb[:, 2 * t:2 * t + 48], 0, 1) * 255).astype(np.uint8)
    with open(f"{sys.argv[1]}/f{t:02d}.ppm", "wb") as f:
        f.write(b"P6 48 40 255\n" + frame.tobytes())
PY
RUN=(-s "$S" --size 48 --iterations 3 --first-iterations 4 --threads 1)

# End to end: five stylized frames, an mp4, and the warping error reported from frame 2 on.
"$NST" video -i "$TMP/in" -o "$TMP/out.mp4" "${RUN[@]}" >/dev/null 2>"$TMP/err" || { fail "video run"; cat "$TMP/err"; }
[ -s "$TMP/out.mp4" ] || fail "no out.mp4"
[ "$(ls "$TMP/out.mp4.work/frames" | grep -c '^frame_0000[0-9][0-9].png$')" -eq 5 ] || fail "not 5 stylized frames"
[ "$(ls "$TMP/out.mp4.work/flow/48x40" | grep -c '\.flo$')" -eq 8 ] || fail "not 8 cached flows"
grep -q "frame 2/5:.*warping error" "$TMP/err" || { fail "no warping error for frame 2"; cat "$TMP/err"; }

# The mp4 reads back as input: 5 frames, a folder of frames out.
"$NST" video -i "$TMP/out.mp4" -o "$TMP/back" "${RUN[@]}" --frames 4: >/dev/null 2>"$TMP/err" || { fail "mp4 input"; cat "$TMP/err"; }
[ -s "$TMP/back/frame_000005.png" ] && [ ! -e "$TMP/back/frame_000003.png" ] || fail "--frames 4: on the mp4"

# Ctrl-C during a long frame 2: exit 130, frame 1 kept, frame 2 not written (it was not finished).
"$NST" video -i "$TMP/in" -o "$TMP/int" -s "$S" --size 48 --iterations 100000 --first-iterations 2 --threads 1 \
  >/dev/null 2>"$TMP/err" &
pid=$!
for _ in $(seq 1 600); do [ -e "$TMP/int/frame_000001.png" ] && break; sleep 0.1; done
sleep 0.3
kill -INT "$pid"; wait "$pid"; code=$?
[ "$code" -eq 130 ] || { fail "interrupted video exit $code, want 130"; cat "$TMP/err"; }
[ -e "$TMP/int/frame_000001.png" ] && [ ! -e "$TMP/int/frame_000002.png" ] || fail "frames after Ctrl-C"
# The rerun resumes at frame 2: frame 1 skipped (not rewritten), 2-5 stylized from it.
touch -d '2000-01-01' "$TMP/int/frame_000001.png"
"$NST" video -i "$TMP/in" -o "$TMP/int" "${RUN[@]}" >/dev/null 2>"$TMP/err" || { fail "resume"; cat "$TMP/err"; }
grep -q "frame 1/5 exists, skipped" "$TMP/err" && grep -q "frame 2/5: .*warping error" "$TMP/err" || { fail "resume log"; cat "$TMP/err"; }
[ "$(grep -c 'skipped (' "$TMP/err")" -eq 1 ] || fail "resume skipped other than 1 frame"
[ "$(stat -c %Y "$TMP/int/frame_000001.png")" = "$(date -d '2000-01-01' +%s)" ] || fail "resume rewrote frame 1"
[ -s "$TMP/int/frame_000005.png" ] || fail "resume did not finish"

# A chunk continues from a given stylized frame: frames 4-5 only, into a new folder.
"$NST" video -i "$TMP/in" -o "$TMP/chunk" "${RUN[@]}" --frames 4:5 --init-from "$TMP/int/frame_000003.png" \
  >/dev/null 2>"$TMP/err" || { fail "chunk"; cat "$TMP/err"; }
[ -s "$TMP/chunk/frame_000004.png" ] && [ ! -e "$TMP/chunk/frame_000003.png" ] || fail "chunk frames"
grep -q "frame 4/5:.*warping error" "$TMP/err" || fail "chunk's first frame did not continue from --init-from"

# Long-term consistency: frame 3 is also pulled toward frame 1 (a second temporal term in the trace).
"$NST" video -i "$TMP/in" -o "$TMP/long" "${RUN[@]}" --frames 1:3 --long-term 2 --trace "$TMP/long.jsonl" \
  >/dev/null 2>"$TMP/err" || { fail "long-term run"; cat "$TMP/err"; }
grep -q '"temporal:1"' "$TMP/long.jsonl" || fail "no long-term temporal term in the trace"
[ -s "$TMP/long/.nst-video/flow/48x40/backward_000003_2.flo" ] || fail "no cached long-term flow"

expect 2 "--frames must be A:B" -- video -i "$TMP/in" -s "$S" -o "$TMP/x" --frames 3:1
expect 2 "has 5 frames"         -- video -i "$TMP/in" -s "$S" -o "$TMP/x" --size 48 --frames 2:9
expect 2 "temporal-weight"      -- video -i "$TMP/in" -s "$S" -o "$TMP/x" --temporal-weight -1
expect 2 "save-every"           -- video -i "$TMP/in" -s "$S" -o "$TMP/x" --save-every 5
expect 2 "long-term"            -- video -i "$TMP/in" -s "$S" -o "$TMP/x" --long-term 1.5
expect 2 "long-term"            -- video -i "$TMP/in" -s "$S" -o "$TMP/x" --long-term 1e12
expect 2 "required"             -- video -s "$S" -o "$TMP/x"
expect 2 "refusing to overwrite" -- video -i "$TMP/out.mp4" -s "$S" -o "$TMP/out.mp4"
expect 1 "input not found"      -- video -i "$TMP/missing.mp4" -s "$S" -o "$TMP/x.mp4"
expect 1 "no image files"       -- video -i "$SRC/tests" -s "$S" -o "$TMP/x"
printf 'not a video' > "$TMP/bad.mp4"
expect 1 "cannot open video"    -- video -i "$TMP/bad.mp4" -s "$S" -o "$TMP/x"
[ "$failures" -eq 0 ] || exit 1
echo "video ok"

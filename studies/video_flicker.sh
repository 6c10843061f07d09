#!/usr/bin/env bash
# Flicker of `nst video` against per-frame stylization (docs/VIDEO.md): both clips of
# studies/make_video_clips.py, each stylized per frame (--temporal-weight 0 --no-warp-init) and
# with the temporal loss and warped start (the defaults), the same iterations for every frame
# (--first-iterations = --iterations). Per stylized frame: seconds, flow seconds, the style loss and
# the warping error against the previous output (nst video prints them). A third run with 0
# iterations measures the per-frame overhead (network, style targets, flow, files) and, its output
# being the input, the input clip's own warping error (the flow's floor); on the parallax
# clip a fourth run adds the long-term terms (--long-term 2,4).
# Writes OUT/video_flicker.csv, OUT/summary.md and OUT/strip_CLIP.png (content / per-frame /
# temporal rows).
# Usage: studies/video_flicker.sh OUT_DIR [SIZE (128)] [ITERATIONS (80)] [STYLE (starry_night.jpg)]
# The warping error is also measured under an independent flow (Farnebäck, studies/warping_error.cpp):
# the temporal loss was fitted to the DIS flow, so DIS alone would flatter it.
# Env: NST (./build/nst), WARP (./build/studies/nst_warping_error), IMAGES (../shared/images),
#      THREADS (1), FRAMES (10), EXTRA (more flags).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: studies/video_flicker.sh OUT_DIR [SIZE] [ITERATIONS] [STYLE]}
SIZE=${2:-128}; ITERATIONS=${3:-80}; STYLE=${4:-starry_night.jpg}
NST=${NST:-./build/nst}; WARP=${WARP:-./build/studies/nst_warping_error}; IMAGES=${IMAGES:-../shared/images}; THREADS=${THREADS:-1}; FRAMES=${FRAMES:-10}
EXTRA=${EXTRA:-}
PY=/usr/bin/python3
mkdir -p "$OUT"
"$PY" studies/make_video_clips.py "$IMAGES" "$OUT/clips" "$FRAMES" "$SIZE"
declare -A METHOD=([perframe]="--temporal-weight 0 --no-warp-init" [temporal]="" [longterm]="--long-term 2,4"
                   [overhead]="--temporal-weight 0 --no-warp-init")  # 0 iterations: the output is the input
for clip in pan parallax; do
  for method in perframe temporal longterm overhead; do
    [ "$method" = longterm ] && [ "$clip" = pan ] && continue  # long-term matters where things occlude
    its=$ITERATIONS; [ "$method" = overhead ] && its=0
    # A finished run is kept (rerun the study into a new OUT_DIR to redo it).
    grep -q "frames stylized, 0 skipped" "$OUT/$clip-$method.log" 2>/dev/null && continue
    rm -rf "$OUT/$clip-$method"
    # shellcheck disable=SC2086
    "$NST" video -i "$OUT/clips/$clip" -s "$IMAGES/$STYLE" -o "$OUT/$clip-$method" --size "$SIZE" \
      --iterations "$its" --first-iterations "$its" --threads "$THREADS" --print-every 0 ${METHOD[$method]} $EXTRA \
      2> "$OUT/$clip-$method.log"
    echo "$clip $method: $(tail -1 "$OUT/$clip-$method.log")"
  done
  for method in perframe temporal longterm overhead; do
    [ -d "$OUT/$clip-$method" ] && "$WARP" "$OUT/clips/$clip" "$OUT/$clip-$method" farneback > "$OUT/$clip-$method.farneback"
  done
done
"$PY" - "$OUT" <<'PY'
import csv, re, sys, statistics as st
from PIL import Image
out = sys.argv[1]
line = re.compile(r"frame (\d+)/\d+: ([\d.]+)s \(flow ([\d.]+)s\), loss \S+ \((.*?)\)(?:, warping error (\S+))?; wrote")
rows = []
for clip in ("pan", "parallax"):
    for method in ("perframe", "temporal", "longterm", "overhead"):
        if clip == "pan" and method == "longterm":
            continue
        for m in line.finditer(open(f"{out}/{clip}-{method}.log").read()):
            parts = dict(zip(m.group(4).split()[::2], map(float, m.group(4).split()[1::2])))
            rows.append(dict(clip=clip, method=method, frame=int(m.group(1)), seconds=float(m.group(2)),
                             flow_seconds=float(m.group(3)), style=parts.get("style", 0.0),
                             warping_error=float(m.group(5)) if m.group(5) else ""))
with open(f"{out}/video_flicker.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
with open(f"{out}/summary.md", "w") as f:
    f.write("| clip | method | warping error (DIS) | warping error (Farnebäck) | style loss (mean) | s/frame (median) | flow s/frame |\n|---|---|---|---|---|---|---|\n")
    for clip in ("pan", "parallax"):
        for method in ("perframe", "temporal", "longterm", "overhead"):
            r = [x for x in rows if x["clip"] == clip and x["method"] == method]
            if not r:
                continue
            e = [x["warping_error"] for x in r if x["warping_error"] != ""]
            farneback = open(f"{out}/{clip}-{method}.farneback").read().split("mean,")[1].strip()
            f.write(f"| {clip} | {method} | {st.mean(e):.3e} | {float(farneback):.3e} | {st.mean(x['style'] for x in r):.3f} | "
                    f"{st.median(x['seconds'] for x in r):.2f} | {st.mean(x['flow_seconds'] for x in r[1:]):.3f} |\n")
    f.write("\nPer pair (frame t vs t-1) warping error:\n\n| clip | method | " +
            " | ".join(f"{t}" for t in range(2, 1 + max(x['frame'] for x in rows))) + " |\n|---|---|" +
            "---|" * (max(x['frame'] for x in rows) - 1) + "\n")
    for clip in ("pan", "parallax"):
        for method in ("perframe", "temporal", "longterm"):
            if clip == "pan" and method == "longterm":
                continue
            e = [x["warping_error"] for x in rows if x["clip"] == clip and x["method"] == method and x["warping_error"] != ""]
            f.write(f"| {clip} | {method} | " + " | ".join(f"{v:.2e}" for v in e) + " |\n")
    for clip in ("pan", "parallax"):  # the strip: frames 4-7, content / per-frame / temporal
        picks = [4, 5, 6, 7]
        srcs = [[f"{out}/clips/{clip}/{t:04d}.png" for t in picks]] + \
               [[f"{out}/{clip}-{m}/frame_{t:06d}.png" for t in picks] for m in ("perframe", "temporal")]
        ims = [[Image.open(p).convert("RGB") for p in row] for row in srcs]
        w, h = ims[0][0].size
        strip = Image.new("RGB", (len(picks) * w, 3 * h))
        for i, row in enumerate(ims):
            for j, im in enumerate(row):
                strip.paste(im, (j * w, i * h))
        strip.save(f"{out}/strip_{clip}.png")
print(open(f"{out}/summary.md").read())
PY

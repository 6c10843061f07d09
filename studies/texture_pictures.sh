#!/usr/bin/env bash
# The README's texture pictures: one style synthesized plain and --tileable (same seed, size,
# iterations), each shown tiled 2x2, with the wrap-seam statistic of each: the mean |difference|
# of neighbouring pixels across the wrap seam over the mean across interior boundaries (1 = the
# seam is an ordinary boundary). Usage: studies/texture_pictures.sh [STYLE] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
STYLE=${1:-/work/shared/images/brick.png} OUT=${OUT:-studies/results/texture}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
mkdir -p "$OUT"
run=(-s "$STYLE" --size 256x192 --scales 2 --iterations 150 --threads 1 --seed 1 --print-every 25)
[ -s "$OUT/tileable.png" ] || build/nst texture "${run[@]}" --tileable -o "$OUT/tileable.png" 2> "$OUT/tileable.log"
[ -s "$OUT/plain.png" ] || build/nst texture "${run[@]}" -o "$OUT/plain.png" 2> "$OUT/plain.log"
"$PY" - "$OUT" <<'PY'
import sys
import numpy as np
from PIL import Image
out = sys.argv[1]
for name in ("plain", "tileable"):
    x = np.asarray(Image.open(f"{out}/{name}.png").convert("RGB"), dtype=np.float64) / 255
    for axis, what in ((1, "columns"), (0, "rows")):
        d = np.abs(np.roll(x, -1, axis) - x).mean(axis=(2, 1 - axis))  # per boundary; the last is the seam
        print(f"{name} {what}: seam {d[-1]:.4f}, interior {d[:-1].mean():.4f} +- {d[:-1].std():.4f}, "
              f"ratio {d[-1] / d[:-1].mean():.2f}")
    Image.fromarray((np.tile(x, (2, 2, 1)) * 255).round().astype(np.uint8)).save(f"{out}/{name}_2x2.png")
PY

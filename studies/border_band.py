#!/usr/bin/python3
"""Edge band study (docs/QUALITY.md, section 2): stylizes photos set inside a flat grey border and
measures, per side, the mean luminance of the output's outer 3 rows/columns minus the next 3
(0-255). Where the content is flat there, any difference is painted by the method itself.

usage: studies/border_band.py NST OUTDIR SIZE ITERATIONS [VARIANT=FLAGS ...]
  e.g. studies/border_band.py build/nst /tmp/band 128 100 default= zeros="--keep-style-border"
"""
import os
import shlex
import subprocess
import sys

import numpy as np
from PIL import Image

IMAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "images")
CONTENTS = ["chelsea.png", "astronaut.png", "rocket.jpg"]
STYLES = ["starry_night.jpg", "shipwreck.jpg", "gravel.png"]
GREY = 128  # the flat border's value
BORDER = 0.15  # its width, as a share of the side


def framed_content(path, size, out):
    """The photo shrunk into the middle of a size x size flat grey square."""
    inner = int(round(size * (1 - 2 * BORDER)))
    photo = Image.open(path).convert("RGB").resize((inner, inner), Image.LANCZOS)
    canvas = Image.new("RGB", (size, size), (GREY, GREY, GREY))
    offset = (size - inner) // 2
    canvas.paste(photo, (offset, offset))
    canvas.save(out)


def band(path):
    """Per side (top, bottom, left, right): mean luminance of the outer 3 lines minus the next 3,
    over the middle half of each side (inside the flat border, away from the corners)."""
    y = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
    h, w = y.shape
    rows, cols = slice(h // 4, 3 * h // 4), slice(w // 4, 3 * w // 4)
    return [
        y[0:3, cols].mean() - y[3:6, cols].mean(),
        y[h - 3:h, cols].mean() - y[h - 6:h - 3, cols].mean(),
        y[rows, 0:3].mean() - y[rows, 3:6].mean(),
        y[rows, w - 3:w].mean() - y[rows, w - 6:w - 3].mean(),
    ]


def main():
    nst, outdir, size, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    variants = [v.split("=", 1) for v in sys.argv[5:]] or [["default", ""]]
    os.makedirs(outdir, exist_ok=True)
    print("| variant | pairs | mean abs band | max abs band | worst pair |")
    print("|---|---:|---:|---:|---|")
    for name, flags in variants:
        bands = []
        for c in CONTENTS:
            content = os.path.join(outdir, "framed_" + c.split(".")[0] + ".png")
            if not os.path.exists(content):
                framed_content(os.path.join(IMAGES, c), size, content)
            for s in STYLES:
                out = os.path.join(outdir, f"{name}_{c.split('.')[0]}_{s.split('.')[0]}.png")
                if not os.path.exists(out):
                    cmd = [nst, "style", "-c", content, "-s", os.path.join(IMAGES, s), "-o", out,
                           "--size", str(size), "--iterations", str(iterations), "--print-every", "0"]
                    subprocess.run(cmd + shlex.split(flags), check=True, stderr=subprocess.DEVNULL)
                b = band(out)
                bands.append((max(abs(v) for v in b), np.mean(np.abs(b)), f"{c}+{s}", b))
        worst = max(bands)
        print(f"| {name} | {len(bands)} | {np.mean([b[1] for b in bands]):.2f} | {worst[0]:.2f} | "
              f"{worst[2]} ({', '.join(f'{v:+.1f}' for v in worst[3])}) |", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Helpers of studies/invert_psnr.sh (needs numpy and PIL).

  target SRC SIZE DST      centre-crop SRC to a square, resize to SIZE px (Lanczos), save DST (PNG)
  table OUT                 Markdown tables of OUT/runs/*.log + *.png on stdout: per run, and the mean
                            over images per size, layer and method
  strip OUT LAYER SIZE DST METHOD... one row per image: original | METHOD... (each NAME_ITERATIONS,
                            e.g. plain_1000); a run not made is a grey tile
"""
import math
import pathlib
import re
import sys
from collections import defaultdict

import numpy as np
from PIL import Image

SUMMARY = re.compile(r"^nst: (.+?) after (\d+) iterations, ([0-9.]+)s: loss")
QUALITY = re.compile(r"^nst: feature loss ([0-9.e+-]+), PSNR ([0-9.inf-]+) dB")
RUN = re.compile(r"^(?P<image>[^_]+)_(?P<layer>[a-z]+[0-9]_[0-9])_(?P<size>\d+)_(?P<method>.+)_(?P<iterations>\d+)$")


def make_target(src, size, dst):
    image = Image.open(src).convert("RGB")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS)
    image.save(dst)


def load(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255.0


def psnr(a, b):
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else -10.0 * math.log10(mse)


def runs(out):
    """Every finished run under OUT/runs as a dict."""
    out = pathlib.Path(out)
    result = []
    for log in sorted((out / "runs").glob("*.log")):
        m = RUN.match(log.stem)
        if not m:
            continue
        summary = quality = None
        for line in log.read_text().splitlines():
            summary = summary or SUMMARY.match(line)
            quality = quality or QUALITY.match(line)
        png = log.with_suffix(".png")
        if not (summary and quality and png.exists()):
            continue
        run = m.groupdict()
        run["size"] = int(run["size"])
        run["iterations"] = int(run["iterations"])
        target = out / "targets" / f"{run['image']}_{run['size']}.png"
        run.update(stop=summary.group(1), done=int(summary.group(2)), seconds=float(summary.group(3)),
                   feature_loss=float(quality.group(1)), blurred=float(quality.group(2)),
                   psnr=psnr(load(png), load(target)), png=png)
        result.append(run)
    return result


def table(out):
    rows = runs(out)
    order = lambda r: (r["size"], r["layer"], r["image"], r["method"] != "plain", r["method"])
    print("Per run (PSNR: the saved PNG against the original, dB; blurred: nst's sigma-1 blurred PSNR)\n")
    print("| size | layer | image | method | iterations | PSNR | blurred PSNR | feature loss | seconds | stop |")
    print("|---:|---|---|---|---:|---:|---:|---:|---:|---|")
    for r in sorted(rows, key=order):
        print(f"| {r['size']} | {r['layer']} | {r['image']} | {r['method']} | {r['done']} | {r['psnr']:.2f} | "
              f"{r['blurred']:.2f} | {r['feature_loss']:.2e} | {r['seconds']:.1f} | {r['stop']} |")
    groups = defaultdict(list)
    for r in rows:
        groups[(r["size"], r["layer"], r["method"], r["iterations"])].append(r)
    plain = {(k[0], k[1]): {r["image"]: r for r in v} for k, v in groups.items() if k[2] == "plain"}
    print("\nMean over the images (gap: method PSNR minus plain L-BFGS PSNR on the same images, worst image)\n")
    print("| size | layer | method | iterations | images | PSNR | blurred PSNR | feature loss (geo. mean) "
          "| seconds | gap mean | gap worst |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2] != "plain", k[2])):
        v = groups[key]
        ref = plain.get((key[0], key[1]), {})
        gaps = [r["psnr"] - ref[r["image"]]["psnr"] for r in v if r["image"] in ref and key[2] != "plain"]
        gap = f"{np.mean(gaps):+.2f} | {min(gaps):+.2f}" if gaps else " | "
        loss = math.exp(np.mean([math.log(max(r["feature_loss"], 1e-30)) for r in v]))
        print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {len(v)} | {np.mean([r['psnr'] for r in v]):.2f} | "
              f"{np.mean([r['blurred'] for r in v]):.2f} | {loss:.2e} | {np.mean([r['seconds'] for r in v]):.1f} | "
              f"{gap} |")


def strip(out, layer, size, dst, methods):
    """Rows: images with a run of at least one method; columns: the original, then the methods
    (each NAME_ITERATIONS); a run that was not made is a grey tile."""
    out = pathlib.Path(out)
    found = defaultdict(dict)
    for r in runs(out):
        if r["layer"] == layer and r["size"] == int(size):
            found[r["image"]][f"{r['method']}_{r['iterations']}"] = r["png"]
    images = [i for i in sorted(found) if any(m in found[i] for m in methods)]
    if not images:
        sys.exit(f"invert_psnr_table: no run of {methods} at {layer}, {size} px")
    gap, s = 4, int(size)
    canvas = Image.new("RGB", ((len(methods) + 1) * (s + gap) - gap, len(images) * (s + gap) - gap), "white")
    for row, image in enumerate(images):
        tiles = [out / "targets" / f"{image}_{size}.png"] + [found[image].get(m) for m in methods]
        for col, path in enumerate(tiles):
            tile = Image.open(path).convert("RGB") if path else Image.new("RGB", (s, s), (200, 200, 200))
            canvas.paste(tile, (col * (s + gap), row * (s + gap)))
    # 256 colours: the noisy tiles do not compress, and the strip is meant for the docs (< 300 KB).
    canvas.quantize(256, dither=Image.Dither.NONE).save(dst, optimize=True)
    missing = [f"{i} {m}" for i in images for m in methods if m not in found[i]]
    print(f"rows: {', '.join(images)}; columns: original, {', '.join(methods)}"
          + (f"; grey (not run): {', '.join(missing)}" if missing else ""))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "target" and len(sys.argv) == 5:
        make_target(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif command == "table" and len(sys.argv) == 3:
        table(sys.argv[2])
    elif command == "strip" and len(sys.argv) >= 7:
        strip(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    else:
        sys.exit(__doc__)

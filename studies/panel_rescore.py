#!/usr/bin/env python3
"""Rescore a panel (studies/panel.sh OUT_DIR) with the current judge, without re-running it.

Reads OUT_DIR/panel.csv, scores every variant's picture of a pair in one `nst score` call (the
judge is built once per pair), writes OUT_DIR/panel_rescored.csv (the judge's three numbers
replaced, loss and seconds kept) and prints the per-variant medians.

Usage: studies/panel_rescore.py OUT_DIR [OUT_DIR ...]   (env NST, IMAGES, THREADS as panel.sh)
Several OUT_DIRs are merged into the first one's panel_rescored.csv.
"""
import csv
import glob
import os
import statistics
import subprocess
import sys

NST = os.environ.get("NST", "./build/nst")
IMAGES = os.environ.get("IMAGES", "../shared/images")
THREADS = os.environ.get("THREADS", "2")


def image_path(stem):
    """The panel image whose name without extension is `stem` (panel.csv keeps only the stem)."""
    found = sorted(glob.glob(os.path.join(glob.escape(IMAGES), stem + ".*")))
    if not found:
        sys.exit(f"panel_rescore: no {stem}.* in {IMAGES}")
    return found[0]


def main(dirs):
    rows = []
    for d in dirs:
        for r in csv.DictReader(open(os.path.join(d, "panel.csv"))):
            r["path"] = os.path.join(d, r["variant"], f"{r['content']}+{r['style']}.png")
            rows.append(r)
    pairs = dict.fromkeys((r["content"], r["style"]) for r in rows)
    for content, style in pairs:
        sel = [r for r in rows if (r["content"], r["style"]) == (content, style)]
        out = subprocess.run([NST, "score", "--threads", THREADS, "-c", image_path(content),
                              "-s", image_path(style)] + [r["path"] for r in sel],
                             check=True, capture_output=True, text=True).stdout.splitlines()
        for r, line in zip(sel, out):
            fields = dict(f.split("=") for f in line.split()[1:])
            r["judge_style"], r["judge_content"] = fields["style"], fields["content"]
            r["judge_style_sliced"] = fields["style_sliced"]
        print(f"scored {content}+{style}: {len(sel)} pictures", file=sys.stderr)
    keys = ["variant", "content", "style", "judge_style", "judge_content", "judge_style_sliced", "loss", "seconds"]
    with open(os.path.join(dirs[0], "panel_rescored.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print("| variant | median judge style | median judge content | median judge style (sliced) | median s |")
    print("|---|---:|---:|---:|---:|")
    for v in dict.fromkeys(r["variant"] for r in rows):
        sel = [r for r in rows if r["variant"] == v]
        med = lambda k: statistics.median(float(r[k]) for r in sel if r.get(k))
        print(f"| {v} | {med('judge_style'):.4f} | {med('judge_content'):.4f} | {med('judge_style_sliced'):.4f} |"
              f" {med('seconds'):.1f} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Turns the runs of studies/invert_study.sh into the study's table and figures (stdlib only).

Reads OUT/runs/<size>/<method>/seed<k>.{jsonl,log,exit,png}; writes OUT/invert_study.csv (one row
per run), OUT/invert_study.json (runs and summary), OUT/invert_study.md (method x size: feature
loss at 15/100/N iterations as median over seeds with min-max, seconds, blurs, PSNR, where plain
L-BFGS stopped), and per size OUT/invert_study_loss_<size>.png (loss vs iteration, median seed),
OUT/invert_study_seconds_<size>.png and OUT/invert_study_images_<size>.png (nst_plot_traces).

The loss is the feature loss (the trace's summed "feature:*" parts): the methods use different
priors (TV or none), so the total loss would not compare them fairly.
"""
import argparse
import csv
import json
import math
import os
import re
import statistics
import subprocess
import sys

STOP_LINE = re.compile(r"^nst: (.+?) after (\d+) iterations, ([\d.]+)s: loss (\S+)")
PSNR_LINE = re.compile(r"feature loss (\S+), PSNR (\S+) dB .*?(\d+) stalls, (\d+) blurs")


def read_trace(path):
    """Rows (iteration, seconds, feature loss, event) of one --trace file; [] when missing."""
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            j = json.loads(line)
            parts = j.get("parts") or {}
            feature = [v for k, v in parts.items() if k.startswith("feature:") and v is not None]
            loss = sum(feature) if feature else j.get("loss")
            rows.append((j["iteration"], j["seconds"], loss if loss is not None else math.nan, j.get("event", "")))
    return rows


def loss_at(rows, k, iterations):
    """Feature loss at the last iteration <= k; a run that stopped early keeps its last loss.
    None when k is beyond the planned iterations (the column is not part of this study)."""
    if k > iterations or not rows:
        return None
    value = None
    for it, _, loss, _ in rows:
        if it > k:
            break
        value = loss
    return value


def read_run(out, size, method, seed, iterations, checkpoints):
    base = os.path.join(out, "runs", str(size), method, "seed%d" % seed)
    rows = read_trace(base + ".jsonl")
    log = open(base + ".log").read() if os.path.exists(base + ".log") else ""
    code = int(open(base + ".exit").read().strip()) if os.path.exists(base + ".exit") else -1
    note = open(base + ".note").read().strip() if os.path.exists(base + ".note") else None
    run = {"size": size, "method": method, "seed": seed, "exit": code, "stop": None, "iterations_run": 0,
           "seconds": None, "psnr": None, "blurs": None, "stalls": None, "error": None, "note": note,
           "image": base + ".png" if code == 0 and os.path.exists(base + ".png") else None,
           "trace": base + ".jsonl"}
    for line in log.splitlines():
        m = STOP_LINE.match(line)
        if m:
            run["stop"] = m.group(1)
            run["iterations_run"] = int(m.group(2))
            run["seconds"] = float(m.group(3))
        m = PSNR_LINE.search(line)
        if m:
            run["psnr"] = float(m.group(2))
            run["stalls"] = int(m.group(3))
            run["blurs"] = int(m.group(4))
        if line.startswith("nst: error:"):
            run["error"] = line[len("nst: error: "):]
    if rows:
        run["iterations_run"] = rows[-1][0]
        run["seconds"] = rows[-1][1]
        run["final_loss"] = rows[-1][2]
        if run["blurs"] is None:
            run["blurs"] = sum(1 for r in rows if r[3] == "blur")
    else:
        run["final_loss"] = None
    for k in checkpoints:
        run["loss@%d" % k] = loss_at(rows, k, iterations)
    return run, rows


def finite(values):
    return [v for v in values if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]


def summarize(values):
    """(median, min, max) of the finite values, or None."""
    v = finite(values)
    if not v:
        return None
    return (statistics.median(v), min(v), max(v))


def fmt_loss(s):
    if s is None:
        return "-"
    med, lo, hi = s
    if lo == hi:
        return "%.3g" % med
    return "%.3g (%.3g–%.3g)" % (med, lo, hi)


def fmt_num(s, spec):
    return "-" if s is None else spec % s[0]


def no_nan(value):
    """JSON has no NaN: a diverged loss becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [no_nan(v) for v in value]
    return value


def median_seed_run(runs):
    """The run whose final loss is the (lower) median of the finite ones, or None."""
    ok = sorted((r for r in runs if r["final_loss"] is not None and math.isfinite(r["final_loss"])),
                key=lambda r: r["final_loss"])
    return ok[(len(ok) - 1) // 2] if ok else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--sizes", required=True)
    p.add_argument("--seeds", required=True)
    p.add_argument("--methods", required=True)
    p.add_argument("--iterations", type=int, required=True)
    p.add_argument("--layer", default="conv5_1")
    p.add_argument("--image", required=True)
    p.add_argument("--plotter", required=True)
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    seeds = [int(s) for s in a.seeds.split(",")]
    methods = a.methods.split(",")
    checkpoints = sorted({k for k in (15, 100, a.iterations) if k <= a.iterations})

    runs, summary = [], []
    for size in sizes:
        for method in methods:
            group = [read_run(a.out, size, method, seed, a.iterations, checkpoints)[0] for seed in seeds]
            runs.extend(group)
            row = {"method": method, "size": size, "seeds": len(seeds),
                   "failed": sum(1 for r in group if r["exit"] != 0),
                   "errors": sorted({r["error"] for r in group if r["error"]}),
                   "notes": sorted({r["note"] for r in group if r["note"]})}
            for k in checkpoints:
                row["loss@%d" % k] = summarize([r["loss@%d" % k] for r in group])
            row["seconds"] = summarize([r["seconds"] for r in group])
            row["blurs"] = summarize([r["blurs"] for r in group])
            row["psnr"] = summarize([r["psnr"] for r in group])
            # Where a run stopped before its budget (plain L-BFGS with --on-stall stop): iteration, loss.
            stopped = [r for r in group if r["stop"] and r["stop"] != "iterations done"]
            row["stopped"] = len(stopped)
            row["stop_iteration"] = summarize([r["iterations_run"] for r in stopped])
            row["stop_loss"] = summarize([r["final_loss"] for r in stopped])
            median = median_seed_run(group)
            row["median_seed"] = median["seed"] if median else None
            summary.append(row)

    fields = ["size", "method", "seed", "exit", "stop", "iterations_run", "seconds", "final_loss"] + \
             ["loss@%d" % k for k in checkpoints] + ["psnr", "blurs", "stalls", "error", "note"]
    with open(os.path.join(a.out, "invert_study.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in runs:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fields})
    with open(os.path.join(a.out, "invert_study.json"), "w") as f:
        json.dump(no_nan({"layer": a.layer, "image": os.path.basename(a.image), "iterations": a.iterations,
                          "sizes": sizes, "seeds": seeds, "methods": methods, "checkpoints": checkpoints,
                          "loss": "feature loss (sum of the trace's feature:* parts)",
                          "summary": summary, "runs": runs}), f, indent=1, allow_nan=False)
        f.write("\n")

    head = ["method", "px"] + ["loss @%d" % k for k in checkpoints] + \
           ["seconds", "blurs", "PSNR dB", "stopped early (iteration, loss) / notes"]
    lines = ["Feature inversion of %s, %s, %d iteration(s), seeds %s: feature loss median over seeds "
             "(min–max); seconds, blurs and PSNR are medians." % (a.layer, os.path.basename(a.image),
                                                                  a.iterations, a.seeds),
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summary:
        stop = "-"
        if row["stopped"]:
            stop = "%d/%d runs: it %s, loss %s" % (row["stopped"], row["seeds"], fmt_num(row["stop_iteration"], "%.0f"),
                                                   fmt_loss(row["stop_loss"]))
        if row["notes"]:
            stop = "; ".join(row["notes"]) if stop == "-" else stop + "; " + "; ".join(row["notes"])
        if row["failed"]:
            stop = "%d/%d failed: %s" % (row["failed"], row["seeds"], "; ".join(row["errors"]) or "see log")
        cells = [row["method"], str(row["size"])] + [fmt_loss(row["loss@%d" % k]) for k in checkpoints] + \
                [fmt_num(row["seconds"], "%.1f"), fmt_num(row["blurs"], "%.0f"), fmt_num(row["psnr"], "%.2f"), stop]
        lines.append("| " + " | ".join(cells) + " |")
    if "coarse-to-fine" in methods:
        lines += ["", "coarse-to-fine: losses before its last scale are measured on the smaller image "
                  "(iterations are split evenly over the scales)."]
    md = "\n".join(lines) + "\n"

    # Figures per size: the median seed of each method.
    figures = []
    for size in sizes:
        traces, images = [], ["original=%s" % a.image]
        for row in summary:
            if row["size"] != size or row["median_seed"] is None:
                continue
            base = os.path.join(a.out, "runs", str(size), row["method"], "seed%d" % row["median_seed"])
            traces.append("%s=%s.jsonl" % (row["method"], base))
            if os.path.exists(base + ".png"):
                images.append("%s=%s.png" % (row["method"], base))
        if not traces:
            continue
        title = "inversion of %s, %d px, median of %d seed(s)" % (a.layer, size, len(seeds))
        for x, name in (("iteration", "loss"), ("seconds", "seconds")):
            out = os.path.join(a.out, "invert_study_%s_%d.png" % (name, size))
            subprocess.run([a.plotter, "plot", "--out", out, "--x", x, "--title", title + ": feature loss vs " + x] +
                           traces, check=True)
            figures.append(out)
        out = os.path.join(a.out, "invert_study_images_%d.png" % size)
        subprocess.run([a.plotter, "montage", "--out", out, "--fit", str(size)] + images, check=True)
        figures.append(out)
    md += "\n" + "\n".join("![%s](%s)" % (os.path.basename(f), os.path.basename(f)) for f in figures) + "\n"
    with open(os.path.join(a.out, "invert_study.md"), "w") as f:
        f.write(md)
    sys.stdout.write(md)


if __name__ == "__main__":
    main()

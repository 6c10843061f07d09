#!/usr/bin/env python3
"""Compare panel variants at matched content: each variant's median judge content and style
against the reference curve (a style-weight sweep of the default), read at the same content.

A variant that only moves along the style/content trade-off (more style, less content) shows
the reference's style distance at its content; one that is truly better sits below the curve.

Usage: studies/panel_frontier.py CSV [CSV ...] --reference NAME,NAME,NAME
  CSVs from studies/panel.sh or panel_rescore.py (columns variant, judge_style, judge_content,
  judge_style_sliced, loss, seconds); the reference names are variants of one sweep, in any order.
Prints a markdown table: per variant, the medians, the reference's style and sliced style at the
variant's content (linear in content between the reference points; '-' outside them), and their
ratios (variant / reference: below 1 = better than the reference at that content).
"""
import csv
import statistics
import sys


def medians(rows):
    out = {}
    for v in dict.fromkeys(r["variant"] for r in rows):
        sel = [r for r in rows if r["variant"] == v]
        med = lambda k: statistics.median(float(r[k]) for r in sel)
        out[v] = {k: med(k) for k in ("judge_style", "judge_content", "judge_style_sliced", "loss", "seconds")}
        out[v]["pairs"] = len(sel)
    return out


def at_content(curve, content, key):
    for a, b in zip(curve, curve[1:]):
        if a["judge_content"] <= content <= b["judge_content"]:
            f = (content - a["judge_content"]) / (b["judge_content"] - a["judge_content"])
            return a[key] + f * (b[key] - a[key])
    return None


def main(argv):
    if "--reference" not in argv:
        sys.exit(__doc__)
    i = argv.index("--reference")
    names, files = argv[i + 1].split(","), argv[:i] + argv[i + 2:]
    rows = [r for f in files for r in csv.DictReader(open(f))]
    m = medians(rows)
    curve = sorted((m[n] for n in names), key=lambda x: x["judge_content"])
    print("| variant | pairs | judge content | judge style | reference style at that content | ratio |"
          " judge style (sliced) | reference at that content | ratio | loss | s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for v, x in m.items():
        ref = at_content(curve, x["judge_content"], "judge_style")
        ref_sw = at_content(curve, x["judge_content"], "judge_style_sliced")
        fmt = lambda r, val: ("-", "-") if r is None else (f"{r:.4f}", f"{val / r:.2f}")
        rs, ratio = fmt(ref, x["judge_style"])
        rsw, ratio_sw = fmt(ref_sw, x["judge_style_sliced"])
        print(f"| {v} | {x['pairs']} | {x['judge_content']:.3f} | {x['judge_style']:.4f} | {rs} | {ratio} |"
              f" {x['judge_style_sliced']:.4f} | {rsw} | {ratio_sw} | {x['loss']:.3g} | {x['seconds']:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])

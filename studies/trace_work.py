#!/usr/bin/env python3
"""Work of a (coarse-to-fine) style trace in full-size objective evaluations: each iteration's
evaluations times the pixel share of the scale it ran at. Scale changes are the trace events
"scale k/n: WxH"; a trace without them is all at the full size."""
import json
import re
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
scale = re.compile(r"(\d+)x(\d+)$")
sizes = [int(m.group(1)) * int(m.group(2)) for r in rows for m in [scale.search(r.get("event", ""))] if m]
full = sizes[-1] if sizes else 1
work, share = 0.0, 1.0
for r in rows:
    m = scale.search(r.get("event", ""))
    if m:
        share = int(m.group(1)) * int(m.group(2)) / full
    work += r["evaluations"] * share
print(f"{work:.2f}")

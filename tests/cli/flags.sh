#!/usr/bin/env bash
# Flags declared once (cli/options.h): walks the --help of every verb and sub-verb, and fails when
# one flag name reads differently in two verbs (other aliases, other help text, or another default
# unless listed below as intentional), when a flag's help names a default other than the printed
# one, and when a verb that takes --size accepts a size outside 16..65536 px.
# Usage: flags.sh NST_BINARY SOURCE_DIR
source "$(dirname "$0")/common.bash"

python3 - "$NST" <<'PYTHON' || fail "flag table"
import re
import subprocess
import sys

nst = sys.argv[1]
WIDTH = 30  # CLI11's help column

# Per-verb defaults that differ on purpose: flag -> {verb: reason}. Every other flag taken by two
# or more verbs must print the same default everywhere. An entry whose default no longer differs
# fails too, so that the list stays true.
INTENTIONAL = {
    "--size": {
        "invert": "224 px, VGG's input size: an inversion costs about 0.76 s per iteration there",
        "compare": "128 px: compare runs every set-up in turn",
        "score": "0 = the first IMAGE's own size: a result is judged at the size it was made",
    },
    "--iterations": {"compare": "100 per set-up: compare runs every set-up in turn"},
    "--pooling": {
        "invert": "InvertOptions::pooling: avg whatever the network (style: auto, by the weights)",
        "score": "ScoreOptions::pooling: the judge differs from the optimized network in its pooling too",
    },
    "--tv-weight": {"invert": "InvertOptions::tv_weight weighs another prior (TV^beta, mean over pixels)"},
    "--content-layers": {"score": "ScoreOptions::content_layers: the judge reads other layers than the optimizer"},
    "--init": {"invert": "InvertOptions::init: noise (style's auto starts from the content for the embedded network)"},
    "--output": {"video": "out.mp4: the result is a video"},
}
# Short flags that mean another thing in one verb, on purpose: flag -> {verb: reason}.
OTHER_MEANING = {"-i": {"video": "-i,--input: the input video or frames, as ffmpeg's -i (invert, compare: the image)"}}
EXPECTED_VERBS = {"style", "invert", "compare", "plan", "score", "batch", "video", "texture", "weights", "weights info", "weights convert",
                  "weights fetch", "weights list"}

failures = []


def help_of(verb):
    out = subprocess.run([nst] + verb.split() + ["--help"], capture_output=True, text=True)
    if out.returncode != 0:
        failures.append(f"nst {verb} --help: exit {out.returncode}")
    return out.stdout


def parse(text):
    """-> (options, subcommands); options: list of dicts names/default/help."""
    options, subcommands, section = [], [], None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line and not line.startswith(" "):
            section = line.rstrip(":").strip() if line.rstrip().endswith(":") else None
            continue
        if section == "Subcommands" and line.startswith("  ") and line[2:3] != " ":
            subcommands.append(line.split()[0])
            continue
        if section != "Options" or not line.startswith("  -"):
            continue
        continuation = i < len(lines) and lines[i].startswith(" " * WIDTH) and lines[i][WIDTH:WIDTH + 1] != " "
        if continuation:  # a long name field: the help is on the next line
            field, desc = line.strip(), lines[i][WIDTH:]
            i += 1
        else:
            field, desc = line[:WIDTH].strip(), line[WIDTH:]
        names, _, rest = field.partition(" ")
        m = re.match(r"^(?:[A-Z]+(?:=(?P<default>.*?))?)?(?: \.\.\.)?(?: x \d+)?(?: REQUIRED)?$", rest.strip())
        if not m:
            failures.append(f"cannot parse help line: {line!r}")
            continue
        options.append({"names": tuple(names.split(",")), "default": m.group("default"), "help": desc.strip()})
    return options, subcommands


verbs, todo = {}, [""]
while todo:
    verb = todo.pop()
    options, subs = parse(help_of(verb))
    if verb:
        verbs[verb] = options
    todo += [f"{verb} {s}".strip() for s in subs]
if set(verbs) != EXPECTED_VERBS:
    failures.append(f"verbs found {sorted(verbs)}, expected {sorted(EXPECTED_VERBS)}")
for verb, options in verbs.items():
    if verb != "weights" and not options:
        failures.append(f"nst {verb}: no options parsed")

# 1. The same flag reads the same in every verb that takes it.
by_name = {}
for verb, options in verbs.items():
    for o in options:
        for name in o["names"]:
            if name not in ("-h", "--help"):
                by_name.setdefault(name, {})[verb] = o
shared = {name: uses for name, uses in by_name.items() if len(uses) > 1}
for name, uses in sorted(shared.items()):
    uses = {v: o for v, o in uses.items() if v not in OTHER_MEANING.get(name, {})}
    ref_verb = next(iter(uses))
    ref = uses[ref_verb]
    for verb, o in uses.items():
        if o["names"] != ref["names"]:
            failures.append(f"{name}: names {','.join(o['names'])} in {verb}, {','.join(ref['names'])} in {ref_verb}")
        if o["help"] != ref["help"]:
            failures.append(f"{name}: help differs between {ref_verb} and {verb}:\n    {ref['help']}\n    {o['help']}")
    allowed = {}
    for n in ref["names"]:
        allowed.update(INTENTIONAL.get(n, {}))
    common = [v for v in uses if v not in allowed]
    defaults = {uses[v]["default"] for v in common}
    if len(defaults) > 1:
        failures.append(f"{name}: defaults differ: " + ", ".join(f"{v} {uses[v]['default']}" for v in common))
    if common:
        base = uses[common[0]]["default"]
        for verb in allowed:
            if verb in uses and uses[verb]["default"] == base:
                failures.append(f"{name}: listed as an intentional default in {verb}, but it is the same ({base})")
    print(f"ok: {name} in {', '.join(uses)}: " + "; ".join(f"{v} {uses[v]['default']}" for v in uses))

# 2. A default named in the help is the printed one.
for verb, options in verbs.items():
    for o in options:
        m = re.search(r"\bdefault:? ([^ ,;)]+)", o["help"])
        if m and o["default"] is not None:
            said, printed = m.group(1), o["default"].split(" ")[0].rstrip(",")
            same = said == printed
            try:
                same = same or float(said) == float(printed)
            except ValueError:
                pass
            if not same:
                failures.append(f"nst {verb} {o['names'][-1]}: help says default {said}, --help prints {printed}")

for f in failures:
    print("FAIL:", f)
print(f"{len(shared)} flags shared by two or more verbs; {len(failures)} problems")
sys.exit(1 if failures else 0)
PYTHON

# One image-size check (16..65536 px) for every verb that takes --size.
for size in 8 70000; do
  expect 2 "--size must be" -- style -c "$C" -s "$S" --size "$size" -o "$TMP/o.png"
  expect 2 "--size must be" -- invert -i "$C" --size "$size" -o "$TMP/o.png"
  expect 2 "--size must be" -- compare -c "$C" -s "$S" --size "$size" --outdir "$TMP"
  expect 2 "--size must be" -- plan --size "$size"
  expect 2 "--size must be" -- score -c "$C" -s "$S" --size "$size" "$C"
  expect 2 "--size must be" -- video -i "$C" -s "$S" --size "$size" -o "$TMP/o.mp4"
  expect 2 "--size must be" -- texture -s "$S" --size "$size" -o "$TMP/o.png"
  expect 2 "--size must be" -- texture -s "$S" --size "64x$size" -o "$TMP/o.png"
done
expect 2 "--style-size must be" -- plan --style-size 8x8
[ ! -e "$TMP/o.png" ] || fail "a refused run wrote an image"

exit $((failures > 0))

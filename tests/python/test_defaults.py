"""The keywords' defaults are the library's: checked against what the CLI prints in --help (the
CLI reads them from the same option structs), so that a default changed in C++ shows up here."""

import inspect
import re
import subprocess

import pytest

import nst


def cli_defaults(cli, verb):
    """{flag name with underscores: default text} from `nst VERB --help` ("--name[,alias] TYPE=DEFAULT")."""
    text = subprocess.run([cli, verb, "--help"], capture_output=True, text=True, check=True).stdout
    defaults = {}
    for line in text.splitlines():
        # A default is one token, or "X embedded, Y trained"; CLI11 leaves one space before the help
        # when the name column is one short of its width, so the help is not looked for.
        match = re.match(r"\s+(?:-\w,)?--([\w-]+)(?:,[-\w]+)*\s+[A-Z]+=(\S+(?: embedded, \S+ trained)?)", line)
        if match:
            defaults[match.group(1).replace("-", "_")] = match.group(2)
    return defaults


def show(value):
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def compare(cli_text, embedded, trained=None):
    """The CLI prints 'X' or 'X embedded, Y trained' (or 'auto' for a per-network choice)."""
    if trained is None or embedded == trained:
        assert re.sub(r"e\+0?", "e", cli_text) == re.sub(r"e\+0?", "e", show(embedded))
    elif cli_text != "auto":
        assert cli_text == f"{show(embedded)} embedded, {show(trained)} trained"


@pytest.mark.parametrize("verb, task", [("style", "stylize"), ("invert", "invert"), ("score", "score")])
def test_defaults_match_the_cli_help(cli, verb, task):
    printed = cli_defaults(cli, verb)
    embedded = nst.defaults(task)
    trained = nst.defaults(task, trained=True) if task == "stylize" else None
    checked = [name for name in embedded if name in printed]
    for name in checked:
        compare(printed[name], embedded[name], trained[name] if trained else None)
    assert len(checked) >= {"style": 15, "invert": 20, "score": 4}[verb], checked


def test_signature_shows_the_defaults_and_none_for_per_network_ones():
    params = inspect.signature(nst.stylize).parameters
    embedded, trained = nst.defaults("stylize"), nst.defaults("stylize", trained=True)
    assert params["iterations"].default == embedded["iterations"]
    assert params["bounds"].default == embedded["bounds"]
    for name in ("content_weight", "tv_weight", "content_layers", "init", "pooling"):
        assert embedded[name] != trained[name] and params[name].default is None
    assert params["style_weight"].default is None and params["learning_rate"].default is None


def test_help_teaches_like_the_cli():
    doc = nst.stylize.__doc__
    for text in ("content_weight: float = 1 embedded, 5 trained", "iterations: int = 500", "bounds: str = 'box'",
                 "gram 1e+07 embedded, 100 trained", "Ctrl-C"):
        assert text in doc, text
    assert "layers" in inspect.signature(nst.invert).parameters and "conv5_1" in nst.invert.__doc__


def test_unknown_option_is_a_usage_error_naming_the_valid_ones(content, style):
    with pytest.raises(nst.UsageError, match="unknown option 'style_wieght'.*style_weight"):
        nst.stylize(content, style, style_wieght=1)


def test_plan_matches_nst_plan_json(cli):
    import json

    out = subprocess.run([cli, "plan", "--size", "320x200", "--iterations", "50", "--memory-limit", "4", "--json"],
                         capture_output=True, text=True)
    expected = json.loads(out.stdout)
    got = nst.plan((320, 200), iterations=50, memory_limit=4)
    for key in ("peak_bytes", "parts", "fits", "largest_fitting_side", "budget_bytes", "width", "height"):
        assert got[key] == expected[key], key


@pytest.mark.parametrize("verb, task", [("style", "stylize"), ("invert", "invert"), ("score", "score")])
def test_every_keyword_is_a_cli_flag(cli, verb, task):
    text = subprocess.run([cli, verb, "--help"], capture_output=True, text=True, check=True).stdout
    flags = set(re.findall(r"--([\w-]+)", text))
    for name in nst.defaults(task):
        assert name.replace("_", "-") in flags, name

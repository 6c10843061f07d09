"""Signatures and docstrings of the API functions, built at import time from the library's option
structs (via the native keyword tables), so that help(nst.stylize) shows the library's defaults
and no default is written twice."""

import inspect

from . import _nst


def _show(value):
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ",".join(v if isinstance(v, str) else _show(v) for v in value) if value else "[]"
    return repr(value) if isinstance(value, str) else str(value)


class Keywords:
    """The keyword options of one task: name -> (type, help, default, default text)."""

    def __init__(self, table, defaults, trained_defaults=None, notes=None):
        self.entries = {}
        notes = notes or {}
        for name, type_, help_ in table:
            default = defaults[name]
            text = _show(default)
            if trained_defaults is not None and trained_defaults[name] != default:
                # Depends on the network, as in the CLI: None = the network's own default.
                text = f"{_show(default)} embedded, {_show(trained_defaults[name])} trained"
                default = None
            if name in notes:
                default, text = None, notes[name]
            self.entries[name] = (type_, help_, default, text)

    def only(self, names):
        subset = Keywords([], {})
        subset.entries = {n: self.entries[n] for n in names}
        return subset

    def parameters(self):
        return [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=e[2]) for n, e in self.entries.items()]

    def doc(self):
        lines = []
        for name, (type_, help_, _, text) in self.entries.items():
            lines.append(f"    {name}: {type_} = {text}")
            lines.append(f"        {help_}")
        return "\n".join(lines)

    def check(self, options, task):
        from ._errors import UsageError

        for name in options:
            if name not in self.entries:
                raise UsageError(f"unknown option '{name}' for {task}; valid: {', '.join(self.entries)}")


def _rates():
    return ", ".join(f"{v:g} {k}" for k, v in _nst.default_learning_rates().items())


def _style_weights():
    embedded, trained = _nst.default_style_weights(False), _nst.default_style_weights(True)
    return "; ".join(f"{k} {embedded[k]:g} embedded, {trained[k]:g} trained" for k in embedded)


def style_keywords():
    notes = {
        "style_weight": f"per style_loss and network ({_style_weights()})",
        "learning_rate": f"per optimizer ({_rates()})",
        "device": f"the content tensor's device, else {_nst.style_defaults(False)['device']!r}",
    }
    return Keywords(_nst.style_keywords(), _nst.style_defaults(False), _nst.style_defaults(True), notes)


def invert_keywords():
    notes = {
        "learning_rate": f"per optimizer ({_rates()})",
        "device": f"the image tensor's device, else {_nst.invert_defaults()['device']!r}",
    }
    return Keywords(_nst.invert_keywords(), _nst.invert_defaults(), notes=notes)


def score_keywords():
    return Keywords(_nst.score_keywords(), _nst.score_defaults())


def plan_keywords():
    return style_keywords().only(_nst.plan_keywords())


def document(function, keywords, intro):
    """Gives `function` (which takes **options) a signature listing every keyword and a docstring."""
    signature = inspect.signature(function)
    params = [p for p in signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    named = {p.name for p in params}  # invert's layers is also positional
    extra = [p for p in keywords.parameters() if p.name not in named]
    function.__signature__ = signature.replace(parameters=params + extra)
    function.__doc__ = inspect.cleandoc(intro) + "\n\nOptions (as the CLI's flags; defaults from the library):\n" + keywords.doc()
    return function

"""Per-iteration progress: the user's callback, a tqdm bar, and the report they see."""

import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from ._images import from_tensor


@dataclass(frozen=True)
class Report:
    """State after one optimizer iteration (the library's IterationReport)."""

    iteration: int  #: 1-based, over all scales
    total_iterations: int  #: planned iterations
    seconds: float  #: wall time since the optimization started
    loss: float  #: total weighted loss
    parts: Dict[str, float] = field(default_factory=dict)  #: weighted loss per term, e.g. "style:relu1_1", "tv"
    evaluations: int = 0  #: objective evaluations in this iteration
    total_evaluations: int = 0  #: since the start
    step_size: float = 0.0  #: accepted step length
    event: str = ""  #: non-empty when something happened ("blur", "reset")
    image: Any = None  #: the current image, as the input's kind; only with callback_image=True


class _Bar:
    """tqdm when importable; otherwise a line on stderr every tenth of the run."""

    def __init__(self):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self._tqdm_class = tqdm
        self._tqdm = None  # made at the first report, when the total is known
        self._next = 0

    def update(self, report):
        if self._tqdm_class is not None:
            if self._tqdm is None:
                self._tqdm = self._tqdm_class(total=report["total_iterations"], unit="it", leave=True)
            self._tqdm.update(report["iteration"] - self._tqdm.n)
            self._tqdm.set_postfix(loss=f"{report['loss']:.4g}", refresh=False)
        elif report["iteration"] >= self._next or report["iteration"] == report["total_iterations"]:
            print(f"nst: iteration {report['iteration']}/{report['total_iterations']}, loss {report['loss']:.6g}, "
                  f"{report['seconds']:.1f}s", file=sys.stderr)
            self._next = report["iteration"] + max(1, report["total_iterations"] // 10)

    def close(self):
        if self._tqdm is not None:
            self._tqdm.close()


class Progress:
    """The callable handed to the native run (called with the GIL held, once per iteration)."""

    def __init__(self, callback, progress: bool, kind):
        if callback is not None and not callable(callback):
            from ._errors import UsageError

            raise UsageError(f"callback must be callable, got {type(callback).__name__}")
        self._callback = callback
        self._kind = kind
        self._bar: Optional[_Bar] = _Bar() if progress else None

    def native(self):
        """What the native run calls: None when nothing listens (it still checks for Ctrl-C)."""
        return self if (self._callback is not None or self._bar is not None) else None

    def __call__(self, report: dict, image) -> bool:
        if self._bar is not None:
            self._bar.update(report)
        if self._callback is None:
            return True
        image = from_tensor(image, self._kind) if image is not None else None
        keep_going = self._callback(Report(image=image, **report))
        return keep_going is None or bool(keep_going)

    def close(self):
        if self._bar is not None:
            self._bar.close()

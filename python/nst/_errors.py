"""Exceptions of nst: one class per library ErrorKind, each also the matching builtin.

The native module raises these (python/src/errors.cpp) with the library's one-line message.
"""


class Error(Exception):
    """Base of every error the nst library reports; `kind` names the library's ErrorKind."""

    kind = ""


class UsageError(Error, ValueError):
    """A bad option or argument (CLI exit code 2)."""

    kind = "usage"


class IoError(Error, OSError):
    """A file could not be read or written (missing image, weights not fetched, ...)."""

    kind = "io"


class FormatError(Error, RuntimeError):
    """A file's content is not what it claims (corrupt image, bad weight file, hash mismatch)."""

    kind = "format"


class ModelError(Error, RuntimeError):
    """Weights that do not form a VGG network."""

    kind = "model"


class NumericError(Error, RuntimeError):
    """A computation went non-finite where it must not."""

    kind = "numeric"


class ResourceError(Error, MemoryError):
    """Out of memory (also libtorch's out-of-memory errors), or a missing system resource."""

    kind = "resource"


class AbortedError(Error, RuntimeError):
    """An operation aborted on request (e.g. a weight download)."""

    kind = "interrupted"


class TorchError(Error, RuntimeError):
    """An error libtorch raised inside nst (c10::Error), with its first line."""

    kind = "torch"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: the run stopped after the current iteration.

    A KeyboardInterrupt (so a script or a loop over many images stops), carrying the latest
    image, of the kind the input was, in `image`, and the run's last report in `result`.
    """

    def __init__(self, message, image=None, result=None):
        super().__init__(message)
        self.image = image
        self.result = result

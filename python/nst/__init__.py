"""nst: neural style transfer and feature inversion on libtorch, from Python.

The same library as the `nst` command line; one function per task, with keyword options named
and defaulted like the CLI's flags:

    import nst
    from PIL import Image
    out = nst.stylize(Image.open("photo.jpg"), Image.open("painting.jpg"), size=256, iterations=200)
    out.save("out.png")

stylize, invert, score (Judge), plan; Network / load_weights / fetch_weights; read_image / write_image.
Images are torch tensors, numpy arrays or PIL images and come back as the kind given.
help(nst.stylize) lists every option with the library's default. (nst texture is not in the
library yet, so there is no nst.texture.)
"""

import torch  # noqa: F401  (first: loads libtorch and torch's tensor type for the native module)

from . import _nst
from ._api import Judge, Network, Result, fetch_weights, invert, load_weights, plan, score, stylize
from ._errors import (AbortedError, Error, FormatError, Interrupted, IoError, ModelError, NumericError,
                      ResourceError, TorchError, UsageError)
from ._progress import Report

__all__ = [
    "stylize", "invert", "score", "plan", "Judge", "Network", "load_weights", "fetch_weights", "read_image",
    "write_image", "Result", "Report", "Error", "UsageError", "IoError", "FormatError", "ModelError",
    "NumericError", "ResourceError", "AbortedError", "TorchError", "Interrupted", "defaults",
]


def read_image(path: str, size: int = 0) -> torch.Tensor:
    """Reads a PNG/JPEG/TIFF/WebP file as a 3xHxW float tensor in [0,1], as the CLI reads its
    inputs (EXIF orientation applied, Lanczos resize so that the longer side is `size`; 0: as is)."""
    return _nst.read_image(str(path), size)[0]


def write_image(image, path: str) -> None:
    """Writes an image (tensor, array or PIL) as the CLI writes its output: the format from the
    extension (.png, .jpg, .tif 16-bit, .webp), atomically (temp file + rename)."""
    from ._images import to_tensor

    _nst.write_image(to_tensor(image, "image")[0].cpu(), str(path))


def defaults(task: str, trained: bool = False) -> dict:
    """The library's defaults of a task's options ("stylize" for embedded or trained weights,
    "invert", "score"), as the signatures show them; None-valued entries are decided per run."""
    if task == "stylize":
        return _nst.style_defaults(trained)
    if task == "invert":
        return _nst.invert_defaults()
    if task == "score":
        return _nst.score_defaults()
    raise UsageError(f"unknown task '{task}' (expected stylize, invert or score)")

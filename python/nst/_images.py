"""Images in and out: torch tensors (CHW or 1xCxHxW float in [0,1], any device), numpy arrays
(HxWx3 uint8, or float in [0,1]) and PIL images. The library takes 1x3xHxW float32 tensors; a
result goes back as the kind (and tensor device, dtype and rank) it came as."""

from dataclasses import dataclass
from typing import Any, Optional

import torch

from ._errors import UsageError


@dataclass(frozen=True)
class Kind:
    """How an image came in, so that the result goes out the same way."""

    name: str  # "torch" | "numpy" | "pil"
    ndim: int = 3
    device: Optional[torch.device] = None
    dtype: Any = None


def _is_pil(image):
    return type(image).__module__.startswith("PIL.") and hasattr(image, "convert")


def _check_range(t, what):
    if t.numel() and (bool(t.min() < 0) or bool(t.max() > 1)):
        raise UsageError(f"{what}: values must be in [0, 1], got [{float(t.min()):g}, {float(t.max()):g}]")


def _from_hwc(array, what):
    import numpy as np

    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3):
        raise UsageError(f"{what}: expected an HxWx3 (or HxW) array, got shape {tuple(array.shape)}")
    if not array.flags.writeable:
        array = array.copy()  # torch.from_numpy warns about read-only arrays (PIL's np.asarray)
    if array.dtype == np.uint8:
        t = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1).float().div_(255)
    elif array.dtype in (np.float32, np.float64, np.float16):
        t = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1).float()
        _check_range(t, what)
    else:
        raise UsageError(f"{what}: expected a uint8 or float array, got {array.dtype}")
    return t.expand(3, -1, -1).unsqueeze(0)


def to_tensor(image, what="image"):
    """(1x3xHxW float32 tensor on the image's device, Kind). No copy for a float32 tensor."""
    if isinstance(image, torch.Tensor):
        t = image.detach()
        if not t.is_floating_point():
            raise UsageError(f"{what}: expected a float tensor in [0, 1], got {t.dtype}")
        if t.dim() == 3:
            t = t.unsqueeze(0)
        if t.dim() != 4 or t.size(0) != 1 or t.size(1) not in (1, 3):
            raise UsageError(f"{what}: expected a 3xHxW or 1x3xHxW tensor, got shape {tuple(image.shape)}")
        t = t.float().expand(1, 3, -1, -1)
        _check_range(t, what)
        return t, Kind("torch", image.dim(), image.device, image.dtype)
    if type(image).__module__ == "numpy":
        return _from_hwc(image, what), Kind("numpy", image.ndim, dtype=image.dtype)
    if _is_pil(image):
        import numpy as np

        rgb = image if image.mode == "RGB" else image.convert("RGB")
        return _from_hwc(np.asarray(rgb), what), Kind("pil")
    raise UsageError(f"{what}: expected a torch.Tensor, a numpy array or a PIL image, got {type(image).__name__}")


def quantize(t):
    """[0,1] float -> uint8 levels, as the library's write_image rounds (clamp, *255, round)."""
    return (t.clamp(0.0, 1.0) * 255.0).round_().to(torch.uint8)


def from_tensor(t, kind):
    """A 1x3xHxW float tensor (the library's result) as `kind`."""
    if kind.name == "torch":
        out = t if kind.ndim == 4 else t[0]
        return out.to(device=kind.device, dtype=kind.dtype)
    import numpy as np

    hwc = t[0].detach().cpu().permute(1, 2, 0)
    if kind.name == "pil" or kind.dtype == np.uint8:
        array = quantize(hwc).numpy()
    else:
        array = hwc.contiguous().numpy().astype(kind.dtype, copy=False)
    if kind.name == "numpy":
        return array  # HxWx3, also for a grey HxW input: the result has colour
    from PIL import Image

    return Image.fromarray(array, "RGB")


def fit_longest(t, size, what="size"):
    """t resized (bicubic, antialiased) so that its longer side is `size` px (unchanged when it is)."""
    from . import _nst

    if not isinstance(size, int) or isinstance(size, bool) or not 16 <= size <= _nst.max_image_side:
        raise UsageError(f"{what} must be an int between 16 and {_nst.max_image_side} px, got {size!r}")
    height, width = _nst.fit_longest_side(t.size(2), t.size(3), size)
    if (height, width) == (t.size(2), t.size(3)):
        return t
    return _nst.resize_image(t, height, width)

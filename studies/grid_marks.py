#!/usr/bin/python3
"""Grid marks (docs/QUALITY.md, section 5), two figures over the content's flat regions.

1. Pooling grid: how strongly an output's edges sit on a grid locked to VGG's pooling (strides 2,
4, 8, 16 px; the windows are anchored at the image's top-left corner, so marks they cause repeat at
fixed phases).

For each stride s, the absolute luminance differences between horizontal neighbours are averaged
per column phase (x mod s), and those between vertical neighbours per row phase (y mod s), over
the content's flat regions only (where the marks show: the cat's forehead; the FLAT share of pixels
with the lowest local standard deviation of the content image resized to the output's size).
Without a grid every phase gets the same mean edge strength; marks on the grid put more of it at
one phase. The figure per stride is the strongest phase's mean over the mean of all phases, minus
1, in percent, for columns and rows; a photo (the content itself, printed first) gives the level
that sampling noise alone reaches.

2. Bars: the share of flat-region pixels on a short straight line (BAR px long) whose luminance
differs from its BAR px neighbourhood across the line by more than BAR_CONTRAST (0-255), for
vertical and horizontal lines: the short dark strokes the issue saw on the cat's forehead. A photo
gives about 0; a stylized image some, from the style's own strokes.

Usage: studies/grid_marks.py CONTENT IMAGE [IMAGE ...]    (numpy and PIL: python3-numpy python3-pil)
"""
import sys

import numpy as np
from PIL import Image

STRIDES = (2, 4, 8, 16)
FLAT = 0.4  # share of the pixels counted as flat
WINDOW = 16  # px, of the local standard deviation that decides flatness
BAR = 9  # px, length of a bar and width of the neighbourhood it is compared with
BAR_CONTRAST = 25  # 0-255
MARGIN = 16  # px left out along every edge: strokes parallel to the border (section 2) sit at
#              fixed rows and columns there and would read as a grid


def luminance(path, size=None):
    image = Image.open(path).convert("RGB")
    if size is not None and image.size != size:
        image = image.resize(size, Image.LANCZOS)
    return np.asarray(image).astype(float) @ np.array([0.299, 0.587, 0.114])


def box_mean(y, s):
    """Mean over the s x s window around each pixel (clipped at the edges)."""
    c = np.pad(y, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    h, w = y.shape
    r0, r1 = np.clip(np.arange(h) - s // 2, 0, h), np.clip(np.arange(h) - s // 2 + s, 0, h)
    c0, c1 = np.clip(np.arange(w) - s // 2, 0, w), np.clip(np.arange(w) - s // 2 + s, 0, w)
    total = c[r1][:, c1] - c[r0][:, c1] - c[r1][:, c0] + c[r0][:, c0]
    return total / np.outer(r1 - r0, c1 - c0)


def flat_mask(content):
    mean = box_mean(content, WINDOW)
    var = np.maximum(box_mean(content**2, WINDOW) - mean**2, 0)
    mask = var <= np.quantile(var, FLAT)
    mask[:MARGIN, :] = mask[-MARGIN:, :] = False
    mask[:, :MARGIN] = mask[:, -MARGIN:] = False
    return mask


def phase_excess(edges, mask, phase, s):
    """Strongest phase's mean edge over the mean of all phases, minus 1 (a fraction)."""
    means = np.array([edges[(phase == k) & mask].mean() for k in range(s)])
    return means.max() / means.mean() - 1


def box_1d(y, n, axis):
    """Mean over n neighbours along one axis (centred, clipped at the edges)."""
    c = np.cumsum(np.pad(y, [(1, 0) if a == axis else (0, 0) for a in range(2)]), axis=axis)
    size = y.shape[axis]
    lo = np.clip(np.arange(size) - n // 2, 0, size)
    hi = np.clip(np.arange(size) - n // 2 + n, 0, size)
    take = lambda i: np.take(c, i, axis=axis)
    count = (hi - lo).reshape([-1 if a == axis else 1 for a in range(2)])
    return (take(hi) - take(lo)) / count


def bars(image_path, content_path):
    """(vertical, horizontal) bar pixels in percent of the flat region."""
    y = luminance(image_path)
    mask = flat_mask(luminance(content_path, Image.open(image_path).size))
    vertical = box_1d(y - box_1d(y, BAR, 1), BAR, 0)  # off its row neighbours, all along a column
    horizontal = box_1d(y - box_1d(y, BAR, 0), BAR, 1)
    share = lambda r: 100 * ((np.abs(r) > BAR_CONTRAST) & mask).sum() / mask.sum()
    return share(vertical), share(horizontal)


def grid_excess(image_path, content_path):
    """{stride: (columns, rows)} excess in percent."""
    y = luminance(image_path)
    mask = flat_mask(luminance(content_path, Image.open(image_path).size))
    dx, mx = np.abs(np.diff(y, axis=1)), mask[:, 1:] & mask[:, :-1]
    dy, my = np.abs(np.diff(y, axis=0)), mask[1:, :] & mask[:-1, :]
    out = {}
    for s in STRIDES:
        px = np.broadcast_to(np.arange(dx.shape[1]) % s, dx.shape)
        py = np.broadcast_to((np.arange(dy.shape[0]) % s)[:, None], dy.shape)
        out[s] = (100 * phase_excess(dx, mx, px, s), 100 * phase_excess(dy, my, py, s))
    return out


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    content = sys.argv[1]
    for path in [content] + sys.argv[2:]:
        cells = grid_excess(path, content)
        vertical, horizontal = bars(path, content)
        print(path, "grid (columns/rows):", " ".join(f"s{s}={c:.0f}/{r:.0f}%" for s, (c, r) in cells.items()),
              f"| bars (vertical/horizontal): {vertical:.1f}/{horizontal:.1f}%")

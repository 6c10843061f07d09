#!/usr/bin/env python3
"""Grid marks: power of an image's luminance spectrum on the lines |fx| = 1/s or |fy| = 1/s
(s = 2, 4, 8, 16 px: the pooling strides of VGG), divided by the power on the neighbouring lines at
0.9/s. A regular grid at stride s puts a peak there (ratio >> 1); a photo gives about 1.
Needs numpy and PIL (Debian: python3-numpy python3-pil).
Usage: studies/grid_spectrum.py IMAGE [IMAGE ...]"""
import sys

import numpy as np
from PIL import Image


def stride_ratios(path):
    a = np.asarray(Image.open(path).convert("RGB")).astype(float) / 255
    y = a @ np.array([0.299, 0.587, 0.114])
    y = y - y.mean()
    power = np.abs(np.fft.fft2(y)) ** 2
    h, w = y.shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    out = {}
    for s in (2, 4, 8, 16):
        def on_lines(f):
            return (np.abs(np.abs(fx) - f) < 0.6 / w) | (np.abs(np.abs(fy) - f) < 0.6 / h)
        out[s] = power[on_lines(1.0 / s)].mean() / power[on_lines(0.9 / s)].mean()
    return out


for path in sys.argv[1:]:
    print(path, " ".join(f"stride{s}={v:.2f}" for s, v in stride_ratios(path).items()))

"""numpy arrays as images: shape and dtype checks, integer ranges, never aliasing the caller's data."""

from __future__ import annotations

import numpy as np

from ..errors import ImageLoadError
from ..image import Image
from .samples import expand_channels, float_samples

__all__ = ["load_array"]


def load_array(arr: np.ndarray, name: str) -> Image:
    notes: list[str] = []
    dtype = arr.dtype
    if dtype.kind not in "biuf":
        raise ImageLoadError(
            name, f"unsupported array dtype {dtype} (use uint8, uint16, bool or float in [0, 1])"
        )
    if arr.ndim == 2:
        arr = arr[..., None]
    elif arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise ImageLoadError(
            name,
            f"array shape {arr.shape} is not (H, W) or (H, W, C) with C = 1, 2, 3 or 4",
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageLoadError(name, f"zero-size image (array shape {arr.shape})")

    samples: np.ndarray
    if dtype.kind == "b":
        samples = arr.astype(np.uint8) * np.uint8(255)
    elif dtype == np.uint8:
        samples = arr
    elif dtype.kind == "u" and dtype.itemsize == 2:
        samples = arr.astype(np.uint16, copy=False)
    elif dtype.kind in "ui":
        low, high = int(arr.min()), int(arr.max())
        if low < 0:
            raise ImageLoadError(name, f"negative sample values in {dtype} array (min {low})")
        if high <= 255:
            samples = arr.astype(np.uint8)
            notes.append(f"{dtype} array read as 8-bit data (values 0..{high})")
        elif high <= 65535:
            samples = arr.astype(np.uint16)
            notes.append(f"{dtype} array read as 16-bit data (values 0..{high})")
        else:
            raise ImageLoadError(
                name,
                f"{dtype} samples up to {high} exceed 16 bits "
                "(use uint8, uint16 or float in [0, 1])",
            )
    else:
        samples = float_samples(arr, name, notes)
    pixels = expand_channels(samples)
    if pixels is arr or np.shares_memory(pixels, arr):
        pixels = pixels.copy()  # never freeze or alias the caller's array
    return Image.from_pixels(pixels, name, tuple(notes))

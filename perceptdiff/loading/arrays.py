"""numpy arrays as images: shape and dtype checks, integer scales, never aliasing the caller's data.

The scale of integer samples follows the dtype (uint8: 255, uint16: 65535)
or an explicit ``bit_depth`` -- never the values, which would read one array
of 200s as 8-bit and the same array with one 256 as 16-bit.  The pixel count
is checked from the shape before the data is touched (an array made with
``np.broadcast_to`` may claim far more than memory holds).
"""

from __future__ import annotations

import numpy as np

from ..errors import ImageLoadError
from ..image import Image
from .limits import check_pixels
from .samples import expand_channels, float_samples

__all__ = ["load_array", "MAX_BIT_DEPTH"]

#: Widest integer scale ``bit_depth`` may name (32-bit integer data).
MAX_BIT_DEPTH = 32


def load_array(arr: np.ndarray, name: str, *, bit_depth: int | None = None) -> Image:
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
    check_pixels(name, arr.shape[1], arr.shape[0], what="array")
    if bit_depth is not None and dtype.kind not in "ui":
        raise ImageLoadError(name, f"bit_depth applies to integer arrays, not {dtype}")

    samples: np.ndarray
    if dtype.kind == "b":
        samples = arr.astype(np.uint8) * np.uint8(255)
    elif dtype.kind in "ui":
        samples = _integer_samples(arr, name, _bit_depth(dtype, bit_depth, name), notes)
    else:
        samples = float_samples(arr, name, notes)
    pixels = expand_channels(samples)
    if pixels is arr or np.shares_memory(pixels, arr):
        pixels = pixels.copy()  # never freeze or alias the caller's array
    return Image.from_pixels(pixels, name, tuple(notes))


def _bit_depth(dtype: np.dtype, bit_depth: int | None, name: str) -> int:
    """The scale of integer samples: ``bit_depth`` if given, else the dtype's (uint8, uint16 only)."""
    if bit_depth is None:
        if dtype.kind == "u" and dtype.itemsize in (1, 2):
            return 8 * dtype.itemsize  # uint8, uint16 in either byte order
        raise ImageLoadError(
            name, f"{dtype} array: its scale is not known from the dtype; use uint8 (0..255) or "
                  "uint16 (0..65535), or load_image(array, bit_depth=8 or 16 ...)")
    if isinstance(bit_depth, bool) or not isinstance(bit_depth, (int, np.integer)) \
            or not 1 <= int(bit_depth) <= MAX_BIT_DEPTH:
        raise ImageLoadError(name, f"bit_depth must be a whole number 1..{MAX_BIT_DEPTH}, got {bit_depth!r}")
    return int(bit_depth)


def _integer_samples(arr: np.ndarray, name: str, bits: int, notes: list[str]) -> np.ndarray:
    """uint8 / uint16 samples as they are; any other depth scaled to float32 in [0, 1]."""
    dtype = arr.dtype
    top = (1 << bits) - 1
    if dtype.kind == "u" and bits == 8 * dtype.itemsize and bits in (8, 16):
        return arr.astype(np.uint8 if bits == 8 else np.uint16, copy=False)
    low, high = int(arr.min()), int(arr.max())
    if low < 0:
        raise ImageLoadError(name, f"negative sample values in {dtype} array (min {low})")
    if high > top:
        raise ImageLoadError(name, f"{dtype} samples up to {high} exceed bit_depth {bits} (max {top})")
    if bits == 8:
        return arr.astype(np.uint8)
    if bits == 16:
        return arr.astype(np.uint16)
    notes.append(f"{bits}-bit integer samples scaled to [0, 1] by 1/{top}")
    return (arr.astype(np.float64) / top).astype(np.float32)

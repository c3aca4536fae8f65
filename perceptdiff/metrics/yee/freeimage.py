"""Down-sampling as perceptualdiff's image library does it (``--down-sample``, ``--scale``).

``FreeImage_Rescale(FILTER_BICUBIC)`` (FreeImage 3.17+): a Mitchell-Netravali
bicubic on the straight-alpha codes, each pass rounded to the pixel type.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ...image import full_scale

__all__ = ["mitchell_netravali", "rescale_bicubic", "down_sample"]



def mitchell_netravali(x: ArrayLike, b: float = 1.0 / 3.0, c: float = 1.0 / 3.0) -> NDArray[np.float64]:
    """The Mitchell-Netravali cubic (SIGGRAPH 1988), support [-2, 2].

    FreeImage's ``FILTER_BICUBIC`` is this filter with B = C = 1/3.  The
    polynomials are evaluated in nested form with coefficients
    ``p0 = (6-2B)/6, p2 = (-18+12B+6C)/6, p3 = (12-9B-6C)/6`` (|x| < 1) and
    ``q0 = (8B+24C)/6, q1 = (-12B-48C)/6, q2 = (6B+30C)/6, q3 = (-B-6C)/6``
    (1 <= |x| < 2), the order of operations FreeImage uses, which decides
    rounding ties of the 8-bit results.
    """
    t = np.abs(np.asarray(x, dtype=np.float64))
    p0 = (6 - 2 * b) / 6
    p2 = (-18 + 12 * b + 6 * c) / 6
    p3 = (12 - 9 * b - 6 * c) / 6
    q0 = (8 * b + 24 * c) / 6
    q1 = (-12 * b - 48 * c) / 6
    q2 = (6 * b + 30 * c) / 6
    q3 = (-b - 6 * c) / 6
    near = p0 + t * t * (p2 + t * p3)
    far = q0 + t * (q1 + t * (q2 + t * q3))
    return np.where(t < 1.0, near, np.where(t < 2.0, far, 0.0))


def _rescale_weights(src: int, dst: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Per output sample: source indices (dst, K) and normalised weights (dst, K).

    FreeImage's resampling table (Schumacher, *General Filtered Image
    Rescaling*, Graphics Gems III, 1992): output u is centred at
    ``(u + 0.5) / scale`` in source pixels; when shrinking, the filter is
    stretched by ``1/scale``; the taps between ``int(centre - width + 0.5)``
    and ``int(centre + width + 0.5)`` (clamped to the image) are normalised to
    sum to 1.
    """
    scale = dst / src
    fscale = scale if scale < 1.0 else 1.0
    width = 2.0 / fscale
    u = np.arange(dst, dtype=np.float64)
    centre = u / scale + 0.5 / scale
    left = np.maximum(0, np.trunc(centre - width + 0.5).astype(np.intp))
    right = np.minimum(np.trunc(centre + width + 0.5).astype(np.intp), src)
    taps = int(np.max(right - left)) if dst else 0
    idx = left[:, None] + np.arange(max(taps, 1))[None, :]
    valid = idx < right[:, None]
    w = fscale * mitchell_netravali(fscale * (idx + 0.5 - centre[:, None]))
    w = np.where(valid, w, 0.0)
    total = np.zeros((dst, 1))
    for k in range(w.shape[1]):  # left to right, as FreeImage adds them up
        total[:, 0] += w[:, k]
    w = np.where(total > 0, w / np.where(total > 0, total, 1.0), w)
    return np.minimum(idx, src - 1), w


def _store(values: NDArray[np.float64], dtype: np.dtype[Any]) -> NDArray[Any]:
    if dtype == np.uint8 or dtype == np.uint16:
        # C's (int)(v + 0.5) truncates toward zero, then the value is clamped.
        return np.clip(np.trunc(values + 0.5), 0, full_scale(dtype)).astype(dtype)
    return np.clip(values, 0.0, 1.0).astype(dtype)


def rescale_bicubic(pixels: NDArray[Any], width: int, height: int) -> NDArray[Any]:
    """Resize RGBA codes as ``FreeImage_Rescale(..., FILTER_BICUBIC)`` (3.17+).

    Mitchell-Netravali B = C = 1/3 on the straight (not premultiplied) codes,
    each channel on its own; horizontal pass first when the width shrinks
    (vertical first otherwise), each pass rounded to the pixel type
    (``(int)(v + 0.5)`` clamped) as FreeImage stores its intermediate image at
    the source bit depth.  float32 images are not rounded.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(H, W, C)`` codes, uint8, uint16 or float32.
    width, height : int
        Output size (>= 1).

    Returns
    -------
    numpy.ndarray
        ``(height, width, C)`` array of the input dtype.
    """
    h, w = pixels.shape[:2]
    dtype = pixels.dtype

    def horizontal(img: NDArray[Any]) -> NDArray[Any]:
        if img.shape[1] == width:
            return img
        idx, wt = _rescale_weights(img.shape[1], width)
        acc = np.zeros((img.shape[0], width) + img.shape[2:], dtype=np.float64)
        src = img.astype(np.float64)
        for k in range(idx.shape[1]):
            acc += src[:, idx[:, k]] * wt[:, k][None, :, None]
        return _store(acc, dtype)

    def vertical(img: NDArray[Any]) -> NDArray[Any]:
        if img.shape[0] == height:
            return img
        # FreeImage bitmaps are stored bottom-up: its rows, weights and
        # summation run from the bottom, which decides rounding ties.
        idx, wt = _rescale_weights(img.shape[0], height)
        acc = np.zeros((height,) + img.shape[1:], dtype=np.float64)
        src = img[::-1].astype(np.float64)
        for k in range(idx.shape[1]):
            acc += src[idx[:, k]] * wt[:, k][:, None, None]
        return _store(acc, dtype)[::-1]

    if (w, h) == (width, height):
        return pixels.copy()
    if width <= w:
        return vertical(horizontal(pixels))
    return horizontal(vertical(pixels))


def down_sample(a: NDArray[Any], b: NDArray[Any], times: int) -> tuple[NDArray[Any], NDArray[Any], int]:
    """Halve both images ``times`` times as perceptualdiff's ``--down-sample``.

    Each step resizes to ``(w // 2, h // 2)`` with :func:`rescale_bicubic`; it
    stops early once a side is 1 px or less.

    Returns
    -------
    (a, b, steps)
        The down-sampled codes and the number of halvings done.
    """
    steps = 0
    for _ in range(times):
        h, w = a.shape[:2]
        if w <= 1 or h <= 1:
            break
        a = rescale_bicubic(a, w // 2, h // 2)
        b = rescale_bicubic(b, w // 2, h // 2)
        steps += 1
    return a, b, steps


"""Yee's per-pixel test: linear values, the full-resolution pyramid, the two tests.

Steps 2-5 of :mod:`perceptdiff.metrics.yee` (``docs/science.md`` §4.5-4.11),
in float64: in float32 the asymmetric borders of the pyramid decide single
pixels (§4.6).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ...color import lab_f
from ...image import full_scale
from ...csf import barten_ab
from .vision import (LEVELS, _csf_single, adaptation_level, band_frequencies, daly_mask,
                     frequency_weights, tvi)

__all__ = ["PYRAMID_KERNEL", "PYRAMID_REACH", "ADOBE_RGB_TO_XYZ", "pyramid_step", "linearize",
           "yee_model", "YeeMaps"]

#: Binomial-like 5-tap kernel of every pyramid step (variance 0.9 px²).
PYRAMID_KERNEL = np.array([0.05, 0.25, 0.4, 0.25, 0.05], dtype=np.float64)
#: Pixels a level-7 value depends on, either side: 2 px per step.
PYRAMID_REACH = 2 * (LEVELS - 1)
#: Below this adaptation luminance (cd/m²) the colour test is skipped
#: (perceptualdiff: colour is not seen in scotopic vision).
SCOTOPIC_LIMIT = 10.0

#: Adobe RGB (1998), D65, linear RGB -> XYZ (Lindbloom), rows X, Y, Z.
ADOBE_RGB_TO_XYZ = np.array(
    [[0.576700, 0.185556, 0.188212],
     [0.297361, 0.627355, 0.0752847],
     [0.0270328, 0.0706879, 0.991248]],
    dtype=np.float64,
)
#: The white point: XYZ of RGB (1, 1, 1), so that white has a* = b* = 0.
ADOBE_WHITE = ADOBE_RGB_TO_XYZ.sum(axis=1)


def _pdiff_index(n: int, pad: int) -> NDArray[np.intp]:
    """Source index for positions -pad .. n-1+pad under perceptualdiff's borders.

    Left/top: -k -> k (mirror without repeating the edge); right/bottom:
    n -> n-1, n+1 -> n-2 (mirror repeating it).  Clipped for images too small
    for the mirror (perceptualdiff reads out of bounds there).
    """
    idx = np.arange(-pad, n + pad)
    idx = np.where(idx < 0, -idx, idx)
    idx = np.where(idx >= n, 2 * n - idx - 1, idx)
    return np.clip(idx, 0, n - 1)


def _blur_axis(x: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    k = PYRAMID_KERNEL
    n = x.shape[axis]
    if n < 3:
        xp = np.take(x, _pdiff_index(n, 2), axis=axis)
        out = np.zeros_like(x)
        for j in range(5):
            out += k[j] * np.take(xp, np.arange(j, j + n), axis=axis)
        return out
    # scipy's "mirror" is perceptualdiff's left border; on the right it maps
    # n -> n-2 where perceptualdiff maps n -> n-1 (and n+1 -> n-3 vs n-2), so
    # the last two outputs get the difference of those taps.
    from scipy import ndimage  # only when a pair is actually compared (its import costs ~0.25 s)

    out = ndimage.correlate1d(x, k, axis=axis, mode="mirror")
    xm = np.moveaxis(x, axis, 0)
    om = np.moveaxis(out, axis, 0)  # a view: writing to it updates out
    d1 = xm[n - 1] - xm[n - 2]
    om[n - 2] += k[4] * d1
    om[n - 1] += k[3] * d1 + k[4] * (xm[n - 2] - xm[n - 3])
    return out


def pyramid_step(level: ArrayLike) -> NDArray[np.float64]:
    """One level of perceptualdiff's full-resolution pyramid.

    Convolves with [0.05, 0.25, 0.4, 0.25, 0.05] along both axes (the 25-tap
    separable 2-D kernel of Yee's ``LPyramid``), without decimation, with the
    program's asymmetric borders: left and top mirror without repeating the
    edge pixel, right and bottom repeat it.

    Parameters
    ----------
    level : array_like
        2-D float array.

    Returns
    -------
    numpy.ndarray
        float64 array of the same shape.
    """
    x = np.asarray(level, dtype=np.float64)
    if x.size <= 1:
        return x.copy()
    return _blur_axis(_blur_axis(x, 1), 0)


def _gamma_lut(gamma: float) -> NDArray[np.float64]:
    """``(p / 65025) ** gamma`` for every product ``p = c·alpha`` of two 8-bit codes."""
    return np.power(np.arange(255 * 255 + 1, dtype=np.float64) / 65025.0, gamma)


def linearize(pixels: NDArray[Any], gamma: float, *, bgr: bool = False,
              lut: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Linear RGB ``((c / full) · (alpha / full)) ** gamma`` of RGBA codes.

    The colour is composited over black *in gamma space* (so a change of
    alpha over black is invisible), as perceptualdiff does.

    Parameters
    ----------
    pixels : numpy.ndarray
        ``(H, W, 4)`` straight-alpha codes: uint8, uint16 or float32 in [0, 1].
    gamma : float
        Display gamma (2.2 by default in perceptualdiff).
    bgr : bool
        Read the first and third channels swapped (perceptualdiff's binary on
        little-endian machines).
    lut : numpy.ndarray, optional
        Table from :func:`_gamma_lut` for uint8 input (built if omitted).

    Returns
    -------
    numpy.ndarray
        ``(3, H, W)`` float64 planes R, G, B.
    """
    order = (2, 1, 0) if bgr else (0, 1, 2)
    if pixels.dtype == np.uint8:
        table = _gamma_lut(gamma) if lut is None else lut
        alpha = pixels[..., 3].astype(np.int32)
        return np.stack([table[pixels[..., c].astype(np.int32) * alpha] for c in order])
    full = full_scale(pixels.dtype)
    alpha = pixels[..., 3].astype(np.float64) / full
    return np.stack([np.power(pixels[..., c].astype(np.float64) / full * alpha, gamma)
                     for c in order])


def _opponent(lin: NDArray[np.float64], luminance: float
              ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Luminance (cd/m²), a* and b* of linear Adobe RGB planes."""
    m = ADOBE_RGB_TO_XYZ
    r, g, b = lin[0], lin[1], lin[2]
    x = m[0, 0] * r + m[0, 1] * g + m[0, 2] * b
    y = m[1, 0] * r + m[1, 1] * g + m[1, 2] * b
    z = m[2, 0] * r + m[2, 1] * g + m[2, 2] * b
    fx = lab_f(x / ADOBE_WHITE[0], dtype=np.float64)
    fy = lab_f(y / ADOBE_WHITE[1], dtype=np.float64)
    fz = lab_f(z / ADOBE_WHITE[2], dtype=np.float64)
    return y * luminance, 500.0 * (fx - fy), 200.0 * (fy - fz)


class YeeMaps:
    """Per-pixel outcome of :func:`yee_model` over a block of rows.

    Attributes
    ----------
    jnd : numpy.ndarray
        float32 visibility (> 1 exactly where the pixel fails).
    failed : numpy.ndarray
        bool: perceptualdiff's failing pixels.
    error_sum : float
        Σ|ΔL| (+ Σ colour error unless luminance-only), perceptualdiff's
        ``--sum-errors`` figure over the block.
    """

    __slots__ = ("jnd", "failed", "error_sum")

    def __init__(self, jnd: NDArray[np.float32], failed: NDArray[np.bool_], error_sum: float) -> None:
        self.jnd = jnd
        self.failed = failed
        self.error_sum = error_sum


def yee_model(lin_a: NDArray[np.float64], lin_b: NDArray[np.float64], *, ppd: float,
              n: float, luminance: float = 100.0, luminance_only: bool = False,
              color_factor: float = 1.0, rows: tuple[int, int] | None = None) -> YeeMaps:
    """Yee's per-pixel test on two linear-RGB images (one block, borders as the image's).

    Parameters
    ----------
    lin_a, lin_b : numpy.ndarray
        ``(3, H, W)`` float64 linear Adobe RGB planes (:func:`linearize`).
    ppd : float
        Pixels per degree of the image the model sees (its width / ``n``).
    n : float
        :func:`degree_pixels` of the field of view (picks the adaptation level).
    luminance : float
        Luminance of white, cd/m².
    luminance_only : bool
        Skip the colour test.
    color_factor : float
        Weight of the colour test, 0..1.
    rows : (int, int), optional
        Only return rows ``rows[0]:rows[1]`` (the pyramid still uses all rows).

    Returns
    -------
    YeeMaps
    """
    la, a_a, b_a = _opponent(lin_a, luminance)
    lb, a_b, b_b = _opponent(lin_b, luminance)

    pyr_a = [la]
    pyr_b = [lb]
    for _ in range(LEVELS - 1):
        pyr_a.append(pyramid_step(pyr_a[-1]))
        pyr_b.append(pyramid_step(pyr_b[-1]))
    if rows is not None:
        keep = slice(*rows)
        pyr_a = [p[keep] for p in pyr_a]
        pyr_b = [p[keep] for p in pyr_b]
        a_a, b_a, a_b, b_b = a_a[keep], b_a[keep], a_b[keep], b_b[keep]

    lvl = adaptation_level(n)
    adapt = np.maximum(0.5 * (pyr_a[lvl] + pyr_b[lvl]), 1e-5)

    cpd = band_frequencies(ppd)
    f_freq = frequency_weights(ppd)
    csf_a, csf_b = barten_ab(adapt)
    num = np.zeros_like(adapt)
    sum_contrast = np.zeros_like(adapt)
    # inf and NaN from perceptualdiff's float32 overflow propagate as in C.
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(LEVELS - 2):
            top = np.maximum(np.abs(pyr_a[i] - pyr_a[i + 1]), np.abs(pyr_b[i] - pyr_b[i + 1]))
            # Luminances are >= 0 (positive matrix, positive kernel): no abs needed.
            bottom = np.maximum(np.maximum(pyr_a[i + 2], pyr_b[i + 2]), 1e-5)
            contrast = top / bottom
            sens = _csf_single(cpd[i], csf_a, csf_b)
            num += contrast * f_freq[i] * daly_mask(contrast * sens)
            sum_contrast += contrast
        factor = np.clip(num / np.maximum(sum_contrast, 1e-5), 1.0, 10.0)

    delta = np.abs(pyr_a[0] - pyr_b[0])
    threshold = factor * tvi(adapt)
    failed = delta > threshold  # False where the factor is NaN, as in C
    with np.errstate(invalid="ignore"):
        ratio = delta / threshold
    error_sum = float(delta.sum())

    if not luminance_only:
        scale = np.where(adapt < SCOTOPIC_LIMIT, 0.0, color_factor)
        da = a_a - a_b
        db = b_a - b_b
        delta_e = (da * da + db * db) * scale
        error_sum += float(delta_e.sum())
        failed |= delta_e > factor
        with np.errstate(invalid="ignore"):
            np.fmax(ratio, delta_e / factor, out=ratio)

    # A NaN factor (float32 overflow, see _csf_single) cannot fail: J = 0.
    jnd = np.nan_to_num(ratio, nan=0.0, posinf=np.finfo(np.float32).max).astype(np.float32)
    # One float32 step at most: make "J > 1" agree with the exact tests.
    above = np.nextafter(np.float32(1.0), np.float32(2.0))
    jnd[failed & (jnd <= 1.0)] = above
    jnd[~failed & (jnd > 1.0)] = np.float32(1.0)
    return YeeMaps(jnd, failed, error_sum)

"""Spatial filters: CSF Gaussians, the Gaussian pyramid, local moments.

Borders follow the science brief §7: CSF filters clamp (``nearest``), the
pyramid and SSIM windows mirror (``reflect``); nothing ever zero-pads, which
would invent edges at the image border.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

__all__ = [
    "gaussian", "sum_of_gaussians", "pyramid_down", "gaussian_pyramid",
    "upsample_to", "local_mean",
]

#: Lobes wider than this (std in px) are filtered on a decimated image.
WIDE_SIGMA = 8.0
_BINOMIAL5 = np.array([1, 4, 6, 4, 1], dtype=np.float32) / 16


def gaussian(plane: np.ndarray, sigma: float, mode: str = "nearest") -> np.ndarray:
    """Gaussian blur of a 2-D float32 plane (truncated at 3σ).

    Lobes wider than :data:`WIDE_SIGMA` px are computed on a block-averaged
    copy (factor k so that σ/k ≈ 4 px) and upsampled bilinearly: a smooth,
    wide lobe loses nothing visible that way and costs ~30× less.
    """
    plane = np.asarray(plane, dtype=np.float32)
    if sigma <= 0:
        return plane.copy()
    h, w = plane.shape
    k = int(sigma // 4.0) if sigma > WIDE_SIGMA else 1
    k = min(k, max(1, min(h, w) // 4))
    if k <= 1:
        return ndimage.gaussian_filter(plane, sigma, mode=mode, truncate=3.0)
    hp, wp = -(-h // k) * k, -(-w // k) * k
    padded = np.pad(plane, ((0, hp - h), (0, wp - w)), mode="edge") if (hp, wp) != (h, w) else plane
    small = padded.reshape(hp // k, k, wp // k, k).mean(axis=(1, 3), dtype=np.float32)
    # A k×k box average already blurs by variance (k²−1)/12 per axis.
    s_small = math.sqrt(max(sigma * sigma - (k * k - 1) / 12.0, 0.25)) / k
    small = ndimage.gaussian_filter(small, s_small, mode=mode, truncate=3.0)
    return upsample_to(small, (hp, wp), factor=k)[:h, :w]


def sum_of_gaussians(plane: np.ndarray, lobes: list[tuple[float, float]]) -> np.ndarray:
    """``Σ wᵢ·G(σᵢ) * plane`` for (weight, σ in px) lobes."""
    out: np.ndarray | None = None
    for weight, sigma in lobes:
        term = gaussian(plane, sigma)
        term *= np.float32(weight)
        if out is None:
            out = term
        else:
            out += term
    assert out is not None
    return out


def pyramid_down(plane: np.ndarray) -> np.ndarray:
    """One level of a Gaussian pyramid (Burt & Adelson 1983): binomial blur, keep every 2nd px."""
    blurred = ndimage.correlate1d(plane, _BINOMIAL5, axis=0, mode="reflect")
    blurred = ndimage.correlate1d(blurred[:, :], _BINOMIAL5, axis=1, mode="reflect")
    return np.ascontiguousarray(blurred[::2, ::2])


def gaussian_pyramid(plane: np.ndarray, levels: int, min_size: int = 8) -> list[np.ndarray]:
    """Up to ``levels`` levels (level 0 = ``plane``), stopping before a side drops below ``min_size``."""
    out = [np.asarray(plane, dtype=np.float32)]
    while len(out) < levels:
        h, w = out[-1].shape
        if (h + 1) // 2 < min_size or (w + 1) // 2 < min_size:
            break
        out.append(pyramid_down(out[-1]))
    return out


def upsample_to(plane: np.ndarray, shape: tuple[int, int], factor: int,
                align: str = "block") -> np.ndarray:
    """Bilinear upsampling by an integer ``factor`` to ``shape``; edges clamped.

    ``align="block"``: small pixel ``i`` is the average of big pixels
    ``[i·k, (i+1)·k)`` (block decimation).  ``align="sample"``: small pixel
    ``i`` sits on big pixel ``i·k`` (pyramid decimation keeping every k-th pixel).
    """
    out = plane
    for axis, n_out in ((0, shape[0]), (1, shape[1])):
        n_in = out.shape[axis]
        x = np.arange(n_out, dtype=np.float32)
        pos = (x + 0.5) / factor - 0.5 if align == "block" else x / factor
        pos = np.clip(pos, 0.0, n_in - 1)
        i0 = np.floor(pos).astype(np.intp)
        i1 = np.minimum(i0 + 1, n_in - 1)
        t = (pos - i0).astype(np.float32)
        a = np.take(out, i0, axis=axis)
        b = np.take(out, i1, axis=axis)
        shape_t = [1, 1]
        shape_t[axis] = n_out
        t = t.reshape(shape_t)
        out = a + (b - a) * t
    return np.ascontiguousarray(out, dtype=np.float32)


def local_mean(plane: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Gaussian-weighted local mean for SSIM moments (Wang et al. 2004: σ = 1.5, 11 taps), mirrored borders."""
    return ndimage.gaussian_filter(plane, sigma, mode="reflect", truncate=3.5)

"""Spatial filters: CSF Gaussians, the Gaussian pyramid, local moments.

Borders follow ``docs/science.md`` §7: CSF filters clamp (``nearest``), the
pyramid and SSIM windows mirror (``reflect``: ``d c b | a b c d | c b a``,
scipy's ``mirror``).  An *image* is never zero-padded, which would invent
edges at the image border; the *difference* of two images is (``zero``):
clamping or mirroring it would copy a change at the border into the padding
and make it count two to four times at a corner (``docs/science.md``,
"Borders").

The filters are separable and written with numpy slicing (symmetric taps are
paired, so a 2r+1-tap pass costs r+1 multiplies): as fast as
``scipy.ndimage.correlate1d`` for the narrow kernels used here, and it keeps
scipy's import (~0.25 s) off the path of every comparison.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = [
    "gaussian_kernel", "correlate_symmetric", "gaussian", "sum_of_gaussians", "pyramid_down",
    "gaussian_pyramid", "upsample_to", "local_mean", "max3x3",
    "taps_radius", "support", "block_factor", "band_halo", "pyramid_reach", "support_box",
    "SSIM_SIGMA", "SSIM_TRUNCATE", "SSIM_RADIUS",
]

#: Lobes wider than this (std in px) are filtered on a block-averaged image.
WIDE_SIGMA = 3.0
#: Block size of the wide-lobe path, in units of the lobe's std: a k×k block
#: average for σ >= 2k keeps the block small next to the lobe.
_BLOCK_PER_SIGMA = 2.0
#: Border modes: clamp, mirror, and zero (only for differences, see the module docstring).
BORDER_MODES = ("nearest", "reflect", "zero")
_BINOMIAL5 = np.array([6, 4, 1], dtype=np.float32) / 16  # centre tap first
#: Taps either side of the pyramid's [1 4 6 4 1]/16 kernel.
PYRAMID_RADIUS = len(_BINOMIAL5) - 1
#: The pyramid stops before a side drops below this many pixels (as dssim):
#: smaller levels hold too few SSIM windows to say anything.
PYRAMID_MIN_SIZE = 8
#: SSIM window: Gaussian σ = 1.5 px (Wang et al. 2004) ...
SSIM_SIGMA = 1.5
#: ... truncated at 3.5σ, 11 taps.
SSIM_TRUNCATE = 3.5


# -- supports: how far each filter reaches ----------------------------------

def taps_radius(sigma: float, truncate: float = 3.0) -> int:
    """Taps either side of :func:`gaussian_kernel`: ``round(truncate·σ)``, at least 1."""
    return max(1, int(truncate * sigma + 0.5))


#: Taps either side of the SSIM window (5).
SSIM_RADIUS = taps_radius(SSIM_SIGMA, SSIM_TRUNCATE)


def support(sigma: float, truncate: float = 3.0) -> int:
    """``ceil(truncate·σ)``: distance (px) beyond which a Gaussian cut at ``truncate·σ`` has no weight."""
    return math.ceil(truncate * sigma)


def block_factor(sigma: float) -> int:
    """Block size k of :func:`gaussian`'s wide-lobe path for a lobe of std ``sigma`` (1: full resolution).

    Before the clamp to a quarter of the image's shorter side.
    """
    return max(1, int(sigma // _BLOCK_PER_SIGMA)) if sigma > WIDE_SIGMA else 1


def band_halo(sigma: float, align: int = 8) -> int:
    """Rows a band needs beyond its edges for :func:`gaussian` inside it to match the whole frame.

    3σ of taps, up to three blocks of the wide-lobe path (its grid, the
    blurred block image's taps, the bilinear upsampling) and 4 px of slack,
    rounded up to a multiple of ``align``.
    """
    k = block_factor(sigma)
    return int(math.ceil((3 * sigma + 3 * k + 4) / float(align)) * align)


def pyramid_reach(level: int) -> int:
    """Full-resolution pixels, either side, that a :func:`gaussian_pyramid` level depends on."""
    return PYRAMID_RADIUS * (2 ** level - 1)


def support_box(mask: np.ndarray, margin: int, align: int = 1) -> tuple[int, int, int, int] | None:
    """``(y0, y1, x0, x1)`` of ``mask``'s True pixels grown by ``margin``, clipped to the frame.

    ``y0`` and ``x0`` are rounded down to multiples of ``align`` (so that a
    pyramid built on the box decimates on the frame's grid).  None when
    ``mask`` has no True pixel.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    y0 = max(0, (int(rows[0]) - margin) // align * align)
    x0 = max(0, (int(cols[0]) - margin) // align * align)
    return (y0, min(h, int(rows[-1]) + margin + 1), x0, min(w, int(cols[-1]) + margin + 1))


# -- filters ---------------------------------------------------------------

@lru_cache(maxsize=64)
def gaussian_kernel(sigma: float, truncate: float = 3.0) -> np.ndarray:
    """Half of a unit-sum sampled Gaussian: taps ``w[0]`` (centre) .. ``w[r]``, ``r`` = :func:`taps_radius`."""
    r = taps_radius(sigma, truncate)
    k = np.arange(0, r + 1, dtype=np.float64)
    w = np.exp(-0.5 * (k / sigma) ** 2)
    w /= w[0] + 2 * w[1:].sum()
    out = w.astype(np.float32)
    out.setflags(write=False)
    return out


def _pad(x: np.ndarray, r: int, axis: int, mode: str) -> np.ndarray:
    """``x`` extended by ``r`` lines at both ends of ``axis`` (``nearest``, ``reflect`` or ``zero``)."""
    if mode not in BORDER_MODES:
        raise ValueError(f"unknown border mode {mode!r}")
    n = x.shape[axis]
    if mode == "zero":
        widths = [(0, 0)] * x.ndim
        widths[axis] = (r, r)
        return np.pad(x, widths)
    return np.take(x, _border_index(np.arange(-r, n + r), n, mode), axis=axis)


def correlate_symmetric(x: np.ndarray, half: np.ndarray, axis: int, mode: str = "nearest") -> np.ndarray:
    """Correlate ``x`` along ``axis`` with the symmetric kernel whose half is ``half``.

    The interior is computed from slices of ``x`` itself; only the ``r``
    lines at each end go through a small padded copy.
    """
    if mode not in BORDER_MODES:
        raise ValueError(f"unknown border mode {mode!r}")
    r = len(half) - 1
    n = x.shape[axis]
    if n <= 4 * r + 2:
        return _correlate_padded(x, half, axis, mode)
    def sl(arr: np.ndarray, start: int, stop: int) -> np.ndarray:
        return arr[start:stop] if axis == 0 else arr[:, start:stop]

    out = np.empty(x.shape, dtype=np.float32)
    inner = sl(out, r, n - r)
    np.multiply(sl(x, r, n - r), half[0], out=inner)
    tmp = np.empty(inner.shape, dtype=np.float32)
    for k in range(1, r + 1):
        np.add(sl(x, r - k, n - r - k), sl(x, r + k, n - r + k), out=tmp)
        tmp *= half[k]
        inner += tmp
    xt = x if axis == 0 else x.T
    head = _correlate_padded(np.ascontiguousarray(xt[:3 * r]), half, 0, mode, n_total=n, end="head")
    tail = _correlate_padded(np.ascontiguousarray(xt[n - 3 * r:]), half, 0, mode, n_total=n, end="tail")
    if axis == 0:
        out[:r] = head
        out[n - r:] = tail
    else:
        out[:, :r] = head.T
        out[:, n - r:] = tail.T
    return out


def _correlate_padded(x: np.ndarray, half: np.ndarray, axis: int, mode: str,
                      n_total: int | None = None, end: str | None = None) -> np.ndarray:
    """Reference path: pad, then correlate (whole array, or one end of a long one).

    With ``end`` set, ``x`` holds the first (``head``) or last (``tail``)
    3r lines of an array of length ``n_total``; the r output lines of that
    end are returned.
    """
    r = len(half) - 1
    if end is None:
        p = _pad(x, r, axis, mode)
        n = x.shape[axis]
        out = np.take(p, np.arange(r, r + n), axis=axis) * half[0]
        for k in range(1, r + 1):
            out += (np.take(p, np.arange(r - k, r - k + n), axis=axis)
                    + np.take(p, np.arange(r + k, r + k + n), axis=axis)) * half[k]
        return out.astype(np.float32, copy=False)
    assert n_total is not None
    idx, weights = _end_taps(tuple(float(v) for v in half), n_total, x.shape[0], end, mode)
    # out[i] = Σ_k weights[i, k] · x[idx[i, k]]: one gather of (r, 2r+1) lines instead of a
    # Python loop over the taps (the ends of the many small planes of a screened box).
    gathered = x[idx]
    return np.einsum("ik,ik...->i...", weights, gathered, dtype=np.float32)


@lru_cache(maxsize=256)
def _end_taps(half: tuple[float, ...], n_total: int, m: int, end: str,
              mode: str) -> tuple[np.ndarray, np.ndarray]:
    """For the ``r`` lines at one end of a line of ``n_total``: the indices (into that end's
    ``m`` lines) and weights of each tap, the border ``mode`` applied (``zero``: weight 0)."""
    r = len(half) - 1
    lines = np.arange(r) if end == "head" else np.arange(n_total - r, n_total)
    base = 0 if end == "head" else n_total - m
    offsets = np.arange(-r, r + 1)
    taps = lines[:, None] + offsets[None, :]
    weights = np.asarray(half, np.float32)[np.abs(offsets)][None, :].repeat(r, axis=0)
    if mode == "zero":
        inside = (taps >= 0) & (taps < n_total)
        weights = np.where(inside, weights, np.float32(0)).astype(np.float32)
        taps = np.clip(taps, 0, n_total - 1)
    else:
        taps = _border_index(taps, n_total, mode)
    idx = taps - base
    idx.setflags(write=False)
    weights.setflags(write=False)
    return idx, weights


def _border_index(i: np.ndarray, n: int, mode: str) -> np.ndarray:
    if mode == "nearest":
        return np.clip(i, 0, n - 1)
    if n == 1:
        return np.zeros_like(i)
    period = 2 * (n - 1)
    j = np.abs((i + period) % period)
    return np.where(j >= n, period - j, j)


def _blur(plane: np.ndarray, sigma: float, mode: str, truncate: float = 3.0) -> np.ndarray:
    half = gaussian_kernel(float(sigma), truncate)
    return correlate_symmetric(correlate_symmetric(plane, half, 0, mode), half, 1, mode)


def gaussian(plane: np.ndarray, sigma: float, mode: str = "nearest",
             origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Gaussian blur of a 2-D float32 plane (truncated at 3σ, borders clamped as CSF filters are).

    ``mode="zero"`` treats the plane as zero outside the frame (for a
    difference of two images).

    Lobes wider than :data:`WIDE_SIGMA` px are computed on a k×k block-averaged
    copy and upsampled bilinearly; the variance the block average and the
    interpolation add (``(k²−1)/12`` and ``k²/6`` px²) is taken off the
    Gaussian's, so the overall spread is kept.  The blocks lie on the grid of
    the whole frame: ``origin`` is the ``(y, x)`` of the plane's first pixel in
    the frame (a crop or a band of it), so a crop's interior gets the values
    the whole frame would (the block grid would otherwise move with the crop).
    """
    plane = np.asarray(plane, dtype=np.float32)
    if sigma <= 0:
        return plane.copy()
    h, w = plane.shape
    k = min(block_factor(sigma), max(1, min(h, w) // 4))
    if k <= 1:
        return _blur(plane, sigma, mode)
    py, px = int(origin[0]) % k, int(origin[1]) % k
    hp, wp = -(-(h + py) // k) * k, -(-(w + px) // k) * k
    padded = plane
    if (hp, wp) != (h, w):
        padded = np.pad(plane, ((py, hp - h - py), (px, wp - w - px)),
                        mode="constant" if mode == "zero" else "edge")
    small = padded.reshape(hp // k, k, wp // k, k).mean(axis=(1, 3), dtype=np.float32)
    var = sigma * sigma - (k * k - 1) / 12.0 - k * k / 6.0
    s_small = math.sqrt(max(var, 0.09 * k * k)) / k
    small = _blur(small, s_small, mode)
    return upsample_to(small, (hp, wp), factor=k)[py:py + h, px:px + w]


def sum_of_gaussians(plane: np.ndarray, lobes: list[tuple[float, float]],
                     mode: str = "nearest", origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """``Σ wᵢ·G(σᵢ) * plane`` for (weight, σ in px) lobes (border ``mode`` and ``origin`` as :func:`gaussian`)."""
    out: np.ndarray | None = None
    for weight, sigma in lobes:
        term = gaussian(plane, sigma, mode, origin)
        term *= np.float32(weight)
        if out is None:
            out = term
        else:
            out += term
    assert out is not None
    return out


def pyramid_down(plane: np.ndarray, mode: str = "reflect") -> np.ndarray:
    """One level of a Gaussian pyramid (Burt & Adelson 1983): [1 4 6 4 1]/16 blur, mirrored, keep every 2nd px.

    ``mode="zero"`` for a difference of two images (zero outside the frame).
    """
    rows = correlate_symmetric(plane, _BINOMIAL5, 0, mode)[::2]
    return np.ascontiguousarray(correlate_symmetric(rows, _BINOMIAL5, 1, mode)[:, ::2])


def gaussian_pyramid(plane: np.ndarray, levels: int, mode: str = "reflect") -> list[np.ndarray]:
    """Up to ``levels`` levels (level 0 = ``plane``), stopping before a side drops below :data:`PYRAMID_MIN_SIZE`.

    ``mode`` is the border mode of every :func:`pyramid_down` step.
    """
    out = [np.asarray(plane, dtype=np.float32)]
    while len(out) < levels:
        h, w = out[-1].shape
        if (h + 1) // 2 < PYRAMID_MIN_SIZE or (w + 1) // 2 < PYRAMID_MIN_SIZE:
            break
        out.append(pyramid_down(out[-1], mode))
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
        b -= a
        b *= t.reshape(shape_t)
        a += b
        out = a
    return np.ascontiguousarray(out, dtype=np.float32)


def local_mean(plane: np.ndarray, mode: str = "reflect") -> np.ndarray:
    """Gaussian-weighted local mean for SSIM moments (Wang et al. 2004: σ = 1.5, 11 taps), mirrored borders.

    ``mode="zero"`` for planes made from the difference of two images.
    """
    return _blur(plane, SSIM_SIGMA, mode, truncate=SSIM_TRUNCATE)


def max3x3(mask: np.ndarray, radius: int = 1) -> np.ndarray:
    """Boolean dilation by a (2·radius+1)² square (``False`` outside the frame)."""
    out = mask.copy()
    for axis in (0, 1):
        src = out.copy()
        n = src.shape[axis]
        for k in range(1, radius + 1):
            if k >= n:
                break
            if axis == 0:
                out[k:] |= src[:-k]
                out[:-k] |= src[k:]
            else:
                out[:, k:] |= src[:, :-k]
                out[:, :-k] |= src[:, k:]
    return out

"""The default metric's structure term: CSF-calibrated SSIM-style moments on a luminance pyramid.

Per level ``s`` of a Gaussian pyramid of display luminance, the local standard
deviation of the difference as a Weber contrast, divided by Barten's CSF
threshold at the level's frequency, with mutual contrast masking
(``docs/science.md`` §7, step 5).  The difference is zero outside the frame
while each image is mirrored, so a change at the border counts once.

References
----------
Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality
assessment: from error visibility to structural similarity", IEEE TIP 13(4), 2004.
P. G. J. Barten, "The square root integral (SQRI)", Proc. SPIE 1077, 1989.
G. E. Legge, J. M. Foley, "Contrast masking in human vision", JOSA 70(12), 1980.
P. J. Burt, E. H. Adelson, "The Laplacian pyramid as a compact image code",
IEEE Trans. Commun. 31(4), 1983.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import csf, filters
from .bands import BAND_PIXELS, bands
from .pool import parallel

__all__ = ["structure_terms", "STRUCTURE_HALO"]

#: Masking exponent ε of the threshold elevation ``(1 + x²)^(ε/2)``: the
#: slope of the dipper's masking limb (Legge & Foley 1980; Daly 1993; pdiff).
_MASK_SLOPE = 0.7
#: Cap of the threshold elevation, as pdiff's masking factor (Yee 2004).
_MASK_CAP = 10.0
#: A level's frequency in units of ppd/2^s: the centre (geometric mean of
#: 0.25 and 0.5 cycles/px) of the top octave a decimated level holds.
_FREQ_FACTOR = 0.354
#: Floor of the local mean luminance (cd/m²) in the Weber contrast, far below
#: the display's black level: guards a division, never decides a value.
_MEAN_FLOOR = 1e-3
#: Rows above and below a band of a pyramid level: the SSIM window's radius
#: and 3 px of slack, so every kept row is an interior row of the band's filters.
STRUCTURE_HALO = filters.SSIM_RADIUS + 3


def _moments(la: np.ndarray, lb: np.ndarray, ld: np.ndarray,
             ca: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local variance of the difference, of each image, and the local mean (SSIM window).

    Each image's own moments (its masking) mirror it at the border, as an
    image; the difference ``ld = B − A`` is taken as zero outside the frame,
    so a change at the border counts once, as inside (``docs/science.md``,
    "Borders").  ``ca`` is subtracted before squaring (float32
    ``E[x²] − E[x]²`` cancels when the mean is large, §7 pitfalls).
    """
    a0, b0 = la - ca, lb - ca
    mu_a, e_a2, mu_b, e_b2 = parallel(filters.local_mean, (a0, a0 * a0, b0, b0 * b0))
    # Window sums with zero weight outside the frame (never renormalised, so a
    # change at the border is not weighted up) of d, d² and of the frame itself.
    s1, s2 = parallel(lambda x: filters.local_mean(x, "zero"), (ld, ld * ld))
    inside = _window_mass(int(ld.shape[0]), int(ld.shape[1]))
    # Σ w·(d − d̄)² about the in-frame local mean d̄ = s1/inside: a change
    # that is uniform up to the border has no variance there (it is the
    # colour term's), and an isolated change counts with its own weight.
    var_d = s2 - _divide_by_mass(s1 * s1, inside)
    var_a = e_a2 - mu_a * mu_a
    var_b = e_b2 - mu_b * mu_b
    mu = np.float32(0.5) * (mu_a + mu_b) + ca
    return var_d, var_a, var_b, mu


@lru_cache(maxsize=16)
def _window_mass(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Weight of the SSIM window that lies inside an ``h×w`` frame (1 in the interior), as its
    ``(column, row)`` profiles: the window is separable, so the weight is their outer product."""
    half = filters.gaussian_kernel(filters.SSIM_SIGMA, filters.SSIM_TRUNCATE)
    col = filters.correlate_symmetric(np.ones((h, 1), np.float32), half, 0, "zero")[:, 0]
    row = filters.correlate_symmetric(np.ones((1, w), np.float32), half, 1, "zero")[0]
    col.setflags(write=False)
    row.setflags(write=False)
    return col, row


#: Std (px) of the wide blur that finds the part of a difference that is smooth
#: up to the frame's border (see :func:`_border_neutral_pyramid`): wider than
#: the pyramid's first kernels, so an isolated change near the border hardly
#: enters it (a 2×2 patch: < 5 %), narrow enough to follow a uniform change
#: that stops a few pixels from the border.
_SMOOTH_SIGMA = 6.0


#: Mass profiles of a few frame sizes and block-grid phases are kept (two vectors a level):
#: a run compares frames of one size, screened comparisons a few boxes.
@lru_cache(maxsize=16)
def _border_masses(h: int, w: int, levels: int, phase: tuple[int, int] = (0, 0)
                   ) -> tuple[tuple[np.ndarray, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    """The border term's masses ``G * 1`` and ``P_s(1)`` as ``(column, row)`` profiles.

    Every filter involved (block average, Gaussian, bilinear upsampling,
    pyramid step) acts on one axis at a time, so applied to the all-ones
    frame it gives an outer product ``m(y, x) = c(y)·r(x)``: the frame's mass
    planes are two vectors each, never a full-frame plane (at 8K the planes
    and their cache held 300 MB).  The vectors come from thin strips that
    keep each axis's length, block factor and block phase:
    ``m(y, x) = T₁(y, j)·T₂(i, x) / T₃(i, j)`` for an ``h×n`` strip ``T₁``,
    an ``n×w`` strip ``T₂`` and their ``n×n`` corner ``T₃``.
    """
    bf = filters.block_factor(_SMOOTH_SIGMA)
    # Thick enough that the strips take the frame's block factor (a quarter of the
    # shorter side caps it) and keep every pyramid level (a side below the minimum stops it).
    n_h = min(h, max(4 * bf, filters.PYRAMID_MIN_SIZE * 2 ** levels))
    n_w = min(w, max(4 * bf, filters.PYRAMID_MIN_SIZE * 2 ** levels))

    def masses(shape: tuple[int, int]) -> list[np.ndarray]:
        ones = np.ones(shape, np.float32)
        pyr = filters.gaussian_pyramid(ones, levels, "zero")
        return [filters.gaussian(ones, _SMOOTH_SIGMA, "zero", phase), *pyr]

    t1, t2, t3 = masses((h, n_w)), masses((n_h, w)), masses((n_h, n_w))
    profiles = []
    for a, b, c in zip(t1, t2, t3):
        i, j = c.shape[0] // 2, c.shape[1] // 2
        col = (a[:, j] / c[i, j]).astype(np.float32)
        row = np.ascontiguousarray(b[i, :], dtype=np.float32)
        col.setflags(write=False)
        row.setflags(write=False)
        profiles.append((col, row))
    return profiles[0], profiles[1:]


def _divide_by_mass(x: np.ndarray, mass: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``x / (c ⊗ r)`` in place, for a mass given as its profiles."""
    col, row = mass
    x /= col[:, None]
    x /= row[None, :]
    return x


def _border_neutral_pyramid(d: np.ndarray, pyr_d: list[np.ndarray],
                            origin: tuple[int, int] = (0, 0)) -> list[np.ndarray]:
    """The difference's pyramid, zero outside the frame except for its smooth part.

    ``pyr_d`` is the pyramid of ``d`` with zero outside the frame: a change at
    the border is counted once, but a difference uniform up to the border
    would fall off there and look like an edge.  So the smooth part
    ``c = G * d / G * 1`` (normalised convolution, Knutsson & Westin 1993)
    is extended by normalised convolution at every level instead:
    ``P_s(d) + P_s(c)·(1/P_s(1) − 1)``.  Interior values are unchanged
    (``P_s(1) = 1`` there).

    References
    ----------
    H. Knutsson, C.-F. Westin, "Normalized and differential convolution",
    CVPR 1993.
    """
    if len(pyr_d) < 2:
        return pyr_d
    k = filters.block_factor(_SMOOTH_SIGMA)
    phase = (int(origin[0]) % k, int(origin[1]) % k)
    blur_mass, pyr_mass = _border_masses(d.shape[0], d.shape[1], len(pyr_d), phase)
    smooth = _divide_by_mass(filters.gaussian(d, _SMOOTH_SIGMA, "zero", phase), blur_mass)
    pyr_c = filters.gaussian_pyramid(smooth, len(pyr_d), "zero")
    del smooth
    out = [pyr_d[0]]
    for pd, pc, pm in zip(pyr_d[1:], pyr_c[1:], pyr_mass[1:]):
        # P_s(d) + P_s(c)·(1/P_s(1) − 1), one level-sized temporary
        extended = _divide_by_mass(pc.copy(), pm)
        extended -= pc
        extended += pd
        out.append(extended)
    return out


def _level_visibility(la: np.ndarray, lb: np.ndarray, ld: np.ndarray, f_s: float, k_s: float,
                      ca: np.float32) -> np.ndarray:
    """``J_s`` of one pyramid level: Weber contrast of the difference over the CSF threshold, masked."""
    var_d, var_a, var_b, mu = _moments(la, lb, ld, ca)
    np.maximum(mu, np.float32(_MEAN_FLOOR), out=mu)
    # Threshold units: r/T = r·k_S·S(f_s, μ).
    gain = (np.float32(k_s) * csf.barten_pdiff(f_s, mu, dtype=np.float32)) / mu
    r_d = np.sqrt(np.maximum(var_d, 0)) * gain
    r_m = np.sqrt(np.maximum(np.minimum(var_a, var_b), 0)) * gain
    elevation = np.minimum(np.float32(_MASK_CAP), (1 + r_m * r_m) ** np.float32(_MASK_SLOPE / 2))
    return (r_d / elevation).astype(np.float32)


def structure_terms(lum_a: np.ndarray, lum_b: np.ndarray, ppd: float, levels: int,
                    k_s: float, band_pixels: int | None = None,
                    origin: tuple[int, int] = (0, 0),
                    centre: float | None = None,
                    differ_box: tuple[int, int, int, int] | None = None) -> list[tuple[int, np.ndarray]]:
    """Per-level structure visibility ``J_s`` (at each level's resolution).

    ``origin``: the planes' first pixel in the frame, a multiple of ``2^(levels−1)``.
    ``centre``: the luminance subtracted before the moments' squares (float32
    ``E[x²] − E[x]²`` cancels when values are far from it); the display's
    mid-luminance keeps every box of a frame, and the frame, on the same
    rounding, where the plane's own mean (the default) would change with the box.
    ``differ_box``: ``(y0, y1, x0, x1)`` holding every pixel where the planes
    differ; each level's moments are then computed only where its ``J_s`` can
    be non-zero (:func:`_level_keep`), the rest of the level being exactly 0.

    Levels larger than ``band_pixels`` are computed in horizontal bands with a
    halo wider than the SSIM window, which bounds the memory of the moments.
    """
    band_pixels = BAND_PIXELS if band_pixels is None else band_pixels
    # Each image mirrored at the border (its own content masks); the difference
    # zero outside the frame (a change at the border counts once, see _moments).
    diff = lum_b - lum_a
    pyr_a, pyr_b, pyr_d = parallel(lambda job: filters.gaussian_pyramid(job[0], levels, job[1]),
                                   ((lum_a, "reflect"), (lum_b, "reflect"), (diff, "zero")))
    pyr_d = _border_neutral_pyramid(diff, pyr_d, origin)
    out = []
    for s, (la, lb, ld) in enumerate(zip(pyr_a, pyr_b, pyr_d)):
        if not np.any(ld != 0):
            continue
        f_s = _FREQ_FACTOR * ppd / 2 ** s
        ca = np.float32(la.mean() if centre is None else centre)
        h, w = la.shape
        keep = _level_keep(differ_box, s, (h, w)) if differ_box is not None else None
        if keep is not None and (keep[1] - keep[0]) * (keep[3] - keep[2]) <= band_pixels:
            ky0, ky1, kx0, kx1 = keep
            ry0, ry1 = max(0, ky0 - STRUCTURE_HALO), min(h, ky1 + STRUCTURE_HALO)
            rx0, rx1 = max(0, kx0 - STRUCTURE_HALO), min(w, kx1 + STRUCTURE_HALO)
            js = np.zeros((h, w), np.float32)
            part = _level_visibility(la[ry0:ry1, rx0:rx1], lb[ry0:ry1, rx0:rx1], ld[ry0:ry1, rx0:rx1],
                                     f_s, k_s, ca)
            js[ky0:ky1, kx0:kx1] = part[ky0 - ry0:ky1 - ry0, kx0 - rx0:kx1 - rx0]
            out.append((s, js))
            continue
        js = np.empty((h, w), np.float32)
        for y0, y1, h0, h1 in bands(h, w, STRUCTURE_HALO, band_pixels):
            js[y0:y1] = _level_visibility(la[h0:h1], lb[h0:h1], ld[h0:h1], f_s, k_s, ca)[y0 - h0:y1 - h0]
        out.append((s, js))
    return out


def _level_keep(differ_box: tuple[int, int, int, int], s: int,
                shape: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """Where level ``s`` of the structure term can be non-zero, in the level's pixels.

    The level's difference reaches :func:`filters.pyramid_reach` beyond the
    differing pixels, and as far as the border term's smooth part
    (:data:`_SMOOTH_SIGMA`, its block path included); ``J_s`` then one SSIM
    window further, plus one level pixel for rounding.
    """
    y0, y1, x0, x1 = differ_box
    f = 2 ** s
    reach = filters.pyramid_reach(s) + filters.band_halo(_SMOOTH_SIGMA, align=1)
    pad = filters.SSIM_RADIUS + 2
    h, w = shape
    ky0, kx0 = max(0, (y0 - reach) // f - pad), max(0, (x0 - reach) // f - pad)
    ky1, kx1 = min(h, -(-(y1 + reach) // f) + pad), min(w, -(-(x1 + reach) // f) + pad)
    if ky0 >= ky1 or kx0 >= kx1:
        return None
    return ky0, ky1, kx0, kx1

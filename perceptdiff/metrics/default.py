"""perceptdiff's default metric: a visibility map in JND units.

The model (``docs/science.md`` §7; each step's source in brackets):

1. **Forgiveness** of anti-aliasing and 1-px jitter on premultiplied integer
   RGBA (:mod:`perceptdiff.forgiveness`).
2. **Crop** to the bounding box of the remaining differences, grown by the
   support of every filter below: outside it the map is exactly zero.
3. **Alpha**: opaque pairs are compared as they are; otherwise both images are
   composited in linear light over white *and* over black (or over the
   user's background) and the larger visibility wins, so an alpha-only
   change is seen over any page.
4. **Colour term** [S-CIELAB, Zhang & Wandell 1996]: linear RGB → XYZ →
   Poirson–Wandell opponent channels, each blurred by its contrast-sensitivity
   kernel (luminance sharp, chroma blurrier), back to RGB (clamped), CIELAB,
   then CIEDE2000 [Luo et al. 2001] in units of the colour JND (ΔE00 = 1).
5. **Structure term** [Wang et al. 2004 SSIM moments, calibrated by the CSF]:
   on display luminance ``L = L_black + (L_white − L_black)·Y`` a Gaussian
   pyramid [Burt & Adelson 1983]; per level ``s`` the local standard deviation
   of the difference ``σ_d`` as a Weber contrast ``r_d = σ_d/μ``, divided by
   the threshold ``T_s = 1/(k_S·S(f_s, μ))`` of Barten's CSF [Barten 1989, as
   in Yee 2004] at the level's frequency ``f_s = 0.354·ppd/2^s``, with mutual
   contrast masking ``min(10, (1 + (r_m/T_s)²)^0.35)``, ``r_m = min(σA, σB)/μ``
   [Legge & Foley 1980; Daly 1993; Mantiuk et al. 2011].
6. **Pooling** by Minkowski summation with β = 4 [Quick 1974]:
   ``J = (J_c⁴ + Σ_s J_s⁴)^(1/4)``.

**Borders** (``docs/science.md`` §7 pitfalls): each image is mirrored, the
difference of the two is zero outside the frame (its smooth part extended by
normalised convolution [Knutsson & Westin 1993]), so a change touching the
frame's edge counts once, as it would inside.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from types import MappingProxyType
from dataclasses import replace
from typing import Any, Callable, Mapping

import numpy as np

from .. import csf, filters
from ..color import (SRGB_TO_XYZ, WHITE_XYZ, XYZ_TO_OPP, bounded_delta_e2000, lab_f, lab_from_f,
                     linear_lut, srgb_to_linear)
from ..errors import OptionError
from ..forgiveness import forgive, pixels_differ
from ..image import Image, full_scale
from ..options import Options, parse_number
from ..resample import match_dtypes
from ..screening import plan_boxes
from ..verdict import MIN_AREA_DEG2, STRONG_JND, VerdictRule
from .registry import OPTION_NAMES, MetricOutput

__all__ = ["METRIC", "PerceptdiffMetric", "DEFAULTS", "visibility_map", "support_radius"]

#: Defaults of the metric's own options (``docs/science.md`` §7, table "Defaults and why").
DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "csf": "scielab",        # opponent-channel filters: "scielab" or "flip"
    "k_s": 0.5,              # structure sensitivity: half Barten's lab sensitivity (free viewing)
    "color_jnd": 1.0,        # ΔE00 of one just-noticeable colour difference
    "white_luminance": 100.0,  # cd/m² of display white (as pdiff)
    "black_luminance": 0.5,  # cd/m² of display black + reflections (keeps Weber contrast finite)
    "levels": 6,             # pyramid levels
    "strong_jnd": STRONG_JND,  # verdict: a region this far above threshold fails at any size
    "min_area_deg2": MIN_AREA_DEG2,  # verdict: a region this large fails at any strength
})
#: Largest number of pyramid levels (the coarsest of 8 is 1/128 of the frame).
MAX_LEVELS = 8

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
#: Extra pixels of slack around the colour filters' and the pyramid's supports.
_SUPPORT_SLACK = 2

_M_OPP = (XYZ_TO_OPP @ SRGB_TO_XYZ).astype(np.float32)          # linear RGB -> O1O2O3
_M_OPP_INV = np.linalg.inv(XYZ_TO_OPP @ SRGB_TO_XYZ).astype(np.float32)
_M_XYZ_N = (SRGB_TO_XYZ / WHITE_XYZ[:, None]).astype(np.float32)   # linear RGB -> XYZ/white
_Y_ROW = SRGB_TO_XYZ[1].astype(np.float32)


class PerceptdiffMetric:
    """The default metric (see the module docstring)."""

    name = "perceptdiff"
    version = "1.2"
    #: Embedded ICC profiles are converted to sRGB before comparing.
    color_managed = True
    #: Every common option: viewing geometry, budget, background and forgiveness included.
    supported_options = OPTION_NAMES

    def validate(self, metric_options: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(metric_options) - set(DEFAULTS)
        if unknown:
            raise OptionError(
                f"unknown option(s) for metric perceptdiff: {', '.join(sorted(unknown))}")
        out = dict(DEFAULTS)
        out.update(metric_options)
        if out["csf"] not in ("scielab", "flip"):
            raise OptionError(f"csf: {out['csf']!r} is not one of scielab, flip")
        for key in ("k_s", "color_jnd", "white_luminance", "strong_jnd", "min_area_deg2"):
            v = parse_number(key, out[key])
            if not v > 0:
                raise OptionError(f"{key}: must be > 0, got {out[key]!r}")
            out[key] = v
        out["black_luminance"] = parse_number("black_luminance", out["black_luminance"])
        if not 0 < out["black_luminance"] < out["white_luminance"]:
            raise OptionError("black_luminance: must be > 0 and below white_luminance")
        lv = out["levels"]
        if isinstance(lv, bool) or not isinstance(lv, (int, np.integer)) or not 1 <= lv <= MAX_LEVELS:
            raise OptionError(f"levels: expected a whole number 1..{MAX_LEVELS}, got {lv!r}")
        out["levels"] = int(lv)
        return out

    def pixels_per_degree(self, options: Options, metric_options: Mapping[str, Any],
                          width: int, height: int) -> float:
        return options.pixels_per_degree

    def verdict_rule(self, options: Options, metric_options: Mapping[str, Any]) -> VerdictRule:
        if options.has_budget:
            return VerdictRule(kind="pixels", max_pixels=options.max_pixels, max_ratio=options.max_ratio)
        return VerdictRule(kind="regions", strong_jnd=metric_options["strong_jnd"],
                           min_area_deg2=metric_options["min_area_deg2"])

    #: The engine may pass ``screening`` and ``stop`` to :meth:`compute` (:mod:`perceptdiff.screening`).
    screens = True

    def compute(self, expected: Image, actual: Image, options: Options,
                metric_options: Mapping[str, Any], ppd: float, *, screening: bool = True,
                stop: Callable[[MetricOutput], bool] | None = None) -> MetricOutput:
        """The map over the box of every difference's support (see the module docstring).

        ``screening``: model only boxes around groups of differences
        (:mod:`perceptdiff.screening`); False runs the reference path, one box
        around every difference.  ``stop``: called with the output so far after
        each box (strongest first); when it returns True the rest is skipped and
        the output is marked incomplete.
        """
        a, b = match_dtypes(expected, actual)
        pa, pb = a.pixels, b.pixels
        opaque = a.opaque and b.opaque
        touched = pixels_differ(pa, pb)
        pb, forgiven = forgive(pa, pb, options.antialiasing, a.full_scale, differ=touched, opaque=opaque)
        h, w = pa.shape[:2]
        differ = touched & ~forgiven
        if not touched.any():
            return MetricOutput(jnd=np.zeros((0, 0), np.float32), offset=(0, 0))
        levels = _level_count(h, w, metric_options["levels"])
        csf_name = metric_options["csf"]
        (y0, y1, x0, x1) = _support_box(touched, ppd, levels, csf_name)
        fg = forgiven[y0:y1, x0:x1]
        if not differ.any():
            return MetricOutput(jnd=np.zeros(fg.shape, np.float32), offset=(y0, x0), forgiven=fg)

        def model(box: tuple[slice, slice], origin: tuple[int, int]) -> np.ndarray:
            return visibility_map(pa[box], pb[box], ppd, metric_options, background=options.background,
                                  levels=levels, opaque=opaque, origin=origin, differ=differ[box])

        boxes = None
        if screening:
            boxes = plan_boxes(differ, support_radius(ppd, levels, csf_name), 2 ** (levels - 1))
        if boxes is not None and stop is not None:
            # Strongest box first: the one with the largest code difference is likeliest to fail.
            boxes = sorted(boxes, key=lambda bx: -_largest_difference(pa[bx.slices], pb[bx.slices],
                                                                      differ[bx.slices]))
        if boxes is None:
            jnd = model((slice(y0, y1), slice(x0, x1)), (y0, x0))
            return MetricOutput(jnd=jnd, offset=(y0, x0), forgiven=fg, changed=differ[y0:y1, x0:x1])
        # The boxes lie inside the reference box (each is a group's differences grown by
        # more than the support radius, the reference box all of them grown by it, both
        # clipped to the frame), so the map keeps the reference's box and offset.
        jnd = np.zeros((y1 - y0, x1 - x0), np.float32)
        out = MetricOutput(jnd=jnd, offset=(y0, x0), forgiven=fg, changed=differ[y0:y1, x0:x1])
        for i, box in enumerate(boxes):
            by0, by1 = max(box.y0, y0), min(box.y1, y1)
            bx0, bx1 = max(box.x0, x0), min(box.x1, x1)
            part = model(box.slices, box.origin)
            jnd[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0] = part[by0 - box.y0:by1 - box.y0,
                                                           bx0 - box.x0:bx1 - box.x0]
            if stop is not None and i + 1 < len(boxes) and stop(out):
                return replace(out, complete=False)
        return out


def _largest_difference(pa: np.ndarray, pb: np.ndarray, differ: np.ndarray) -> float:
    """The largest code difference of a pixel that differs (after forgiveness)."""
    if not differ.any():
        return 0.0
    return float((np.maximum(pa[differ], pb[differ]) - np.minimum(pa[differ], pb[differ])).max())


def _level_count(h: int, w: int, wanted: int) -> int:
    """Pyramid levels a frame holds: up to ``wanted``, the coarsest at least PYRAMID_MIN_SIZE px."""
    n = 1
    while n < wanted and min(h, w) / 2 ** n >= filters.PYRAMID_MIN_SIZE:
        n += 1
    return n


def _kernels(csf_name: str) -> Mapping[str, Any]:
    """The opponent-channel CSF lobes of ``csf`` ("scielab" or "flip")."""
    return csf.SCIELAB_KERNELS if csf_name == "scielab" else csf.FLIP_KERNELS


def _widest_sigma(ppd: float, csf_name: str) -> float:
    """Standard deviation (px) of the widest colour lobe at ``ppd``."""
    return max(s for lobes in _kernels(csf_name).values() for _, s in csf.kernel_sigmas_px(lobes, ppd))


def support_radius(ppd: float, levels: int, csf_name: str) -> int:
    """How far (px) a difference can influence the map: the colour filters' or the pyramid's reach."""
    colour = filters.support(_widest_sigma(ppd, csf_name)) + _SUPPORT_SLACK
    top = 2 ** (levels - 1)
    window = filters.support(filters.SSIM_SIGMA, filters.SSIM_TRUNCATE)
    structure = filters.pyramid_reach(levels - 1) + (window + 1) * top + _SUPPORT_SLACK
    return max(colour, structure)


def _support_box(mask: np.ndarray, ppd: float, levels: int, csf_name: str) -> tuple[int, int, int, int]:
    """The box outside which the map of ``mask``'s changes is exactly zero.

    Its origin is aligned to the coarsest pyramid level's grid, so decimation
    inside the box matches the full frame's.
    """
    box = filters.support_box(mask, support_radius(ppd, levels, csf_name), align=2 ** (levels - 1))
    assert box is not None
    return box


def _linear_planes(pixels: np.ndarray, bg: np.ndarray | None) -> np.ndarray:
    """``(3, H, W)`` linear RGB planes, composited over ``bg`` (linear RGB) if given."""
    h, w = pixels.shape[:2]
    planes = np.empty((3, h, w), dtype=np.float32)
    if pixels.dtype != np.float32:
        lut = linear_lut(pixels.dtype)
        for c in range(3):
            # Indexing is 3x faster here than np.take(..., out=) with uint8/uint16 indices.
            planes[c] = lut[pixels[..., c]]
    else:
        for c in range(3):
            planes[c] = srgb_to_linear(np.clip(pixels[..., c], 0.0, 1.0))
    if bg is not None:
        a = pixels[..., 3].astype(np.float32) * np.float32(1.0 / full_scale(pixels.dtype))
        for c in range(3):
            planes[c] *= a
            planes[c] += np.float32(bg[c]) * (1 - a)
    return planes


def _mix(m: np.ndarray, planes: np.ndarray) -> np.ndarray:
    """Apply a 3×3 matrix to ``(3, H, W)`` planes."""
    return (m @ planes.reshape(3, -1)).reshape(planes.shape)


def _filtered_opponents(rgb: np.ndarray, ppd: float, kernels: Mapping[str, Any],
                        mode: str, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """``(3, H, W)`` linear RGB → O1O2O3, each blurred by its CSF lobes (border ``mode``).

    ``origin``: the planes' first pixel in the frame (:func:`perceptdiff.filters.gaussian`).
    """
    opp = _mix(_M_OPP, rgb)
    for i, ch in enumerate(("O1", "O2", "O3")):
        opp[i] = filters.sum_of_gaussians(opp[i], csf.kernel_sigmas_px(kernels[ch], ppd), mode, origin)
    return opp


def _lab_f_of_opponents(opp: np.ndarray) -> np.ndarray:
    """Filtered O1O2O3 → CIELAB ``f(X/Xn), f(Y/Yn), f(Z/Zn)`` planes (RGB clamped to [0, 1])."""
    lin = _mix(_M_OPP_INV, opp)
    np.clip(lin, 0.0, 1.0, out=lin)
    xyz = _mix(_M_XYZ_N, lin)
    return lab_f(xyz)


def _lab_f_pair(rgb_a: np.ndarray, rgb_b: np.ndarray, ppd: float,
                kernels: Mapping[str, Any], origin: tuple[int, int] = (0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """Both images CSF-filtered (S-CIELAB) as CIELAB ``f`` planes.

    The filters are linear, so A and B are filtered as their mean ``M`` (clamped
    at the border, as an image) and their difference ``D = B − A`` (zero outside
    the frame): ``A' = M' − D'/2``, ``B' = M' + D'/2``.  A change at the border
    then counts once, as inside the frame, instead of being copied into the
    padding (``docs/science.md``, "Borders").
    """
    mean = (rgb_a + rgb_b) * np.float32(0.5)
    diff = rgb_b - rgb_a
    fm, fd = _parallel(lambda job: _filtered_opponents(job[0], ppd, kernels, job[1], origin),
                       ((mean, "reflect"), (diff, "zero")))
    fd *= np.float32(0.5)
    return _parallel(_lab_f_of_opponents, (fm - fd, fm + fd))


def _lab_from_f(f: np.ndarray, idx: tuple[np.ndarray, ...]) -> np.ndarray:
    return lab_from_f(f[0][idx], f[1][idx], f[2][idx])


def colour_term(rgb_a: np.ndarray, rgb_b: np.ndarray, ppd: float, csf_name: str,
                color_jnd: float, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """S-CIELAB colour difference in JND units (ΔE00 / ``color_jnd``).

    ``rgb_a``, ``rgb_b``: ``(3, H, W)`` linear RGB planes whose first pixel is
    ``origin`` in the frame.  ΔE00 is evaluated
    where ΔE76 ≥ 0.3; elsewhere ``1.5·ΔE76`` bounds it
    (:func:`perceptdiff.color.bounded_delta_e2000`), in two halves on the two threads.
    """
    fa, fb = _lab_f_pair(rgb_a, rgb_b, ppd, _kernels(csf_name), origin)
    df = fa - fb
    dy = df[1]
    dl = 116 * dy
    da = 500 * (df[0] - dy)
    db = 200 * (dy - df[2])
    de = np.sqrt(dl * dl + da * da + db * db)
    out = bounded_delta_e2000(de, lambda sel: (_lab_from_f(fa, sel), _lab_from_f(fb, sel)),
                              run=_parallel)
    if color_jnd != 1.0:
        out /= np.float32(color_jnd)
    return out


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
    mu_a, e_a2, mu_b, e_b2 = _parallel(filters.local_mean, (a0, a0 * a0, b0, b0 * b0))
    # Window sums with zero weight outside the frame (never renormalised, so a
    # change at the border is not weighted up) of d, d² and of the frame itself.
    s1, s2 = _parallel(lambda x: filters.local_mean(x, "zero"), (ld, ld * ld))
    inside = _window_mass(ld.shape)
    # Σ w·(d − d̄)² about the in-frame local mean d̄ = s1/inside: a change
    # that is uniform up to the border has no variance there (it is the
    # colour term's), and an isolated change counts with its own weight.
    var_d = s2 - s1 * s1 / inside
    var_a = e_a2 - mu_a * mu_a
    var_b = e_b2 - mu_b * mu_b
    mu = np.float32(0.5) * (mu_a + mu_b) + ca
    return var_d, var_a, var_b, mu


@lru_cache(maxsize=8)
def _window_mass_cached(h: int, w: int) -> np.ndarray:
    half = filters.gaussian_kernel(filters.SSIM_SIGMA, filters.SSIM_TRUNCATE)
    rows = filters.correlate_symmetric(np.ones((h, 1), np.float32), half, 0, "zero")
    cols = filters.correlate_symmetric(np.ones((1, w), np.float32), half, 1, "zero")
    out = (rows * cols).astype(np.float32)
    out.setflags(write=False)
    return out


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


def _window_mass(shape: tuple[int, ...]) -> np.ndarray:
    """Weight of the SSIM window that lies inside a frame of ``shape`` (1 in the interior)."""
    return _window_mass_cached(int(shape[0]), int(shape[1]))


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
    pyr_a, pyr_b, pyr_d = _parallel(lambda job: filters.gaussian_pyramid(job[0], levels, job[1]),
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
            ry0, ry1 = max(0, ky0 - _WINDOW_HALO), min(h, ky1 + _WINDOW_HALO)
            rx0, rx1 = max(0, kx0 - _WINDOW_HALO), min(w, kx1 + _WINDOW_HALO)
            js = np.zeros((h, w), np.float32)
            part = _level_visibility(la[ry0:ry1, rx0:rx1], lb[ry0:ry1, rx0:rx1], ld[ry0:ry1, rx0:rx1],
                                     f_s, k_s, ca)
            js[ky0:ky1, kx0:kx1] = part[ky0 - ry0:ky1 - ry0, kx0 - rx0:kx1 - rx0]
            out.append((s, js))
            continue
        js = np.empty((h, w), np.float32)
        for y0, y1, h0, h1 in _bands(h, w, _WINDOW_HALO, band_pixels):
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


#: Frames with more pixels than this are processed in horizontal bands
#: (bounds the working memory to about 15 float32 planes of 2.5 MP, ``docs/science.md`` §8).
BAND_PIXELS = 2_500_000
#: Rows above and below a band of a pyramid level: the SSIM window's radius
#: and 3 px of slack, so every kept row is an interior row of the band's filters.
_WINDOW_HALO = filters.SSIM_RADIUS + 3
#: Band heights are multiples of this (keeps the bands on the pyramid's grid).
_BAND_ALIGN = 8


def _bands(h: int, w: int, halo: int, band_pixels: int, align: int = _BAND_ALIGN):  # type: ignore[no-untyped-def]
    """``(y0, y1, h0, h1)``: output rows ``y0:y1`` computed from rows ``h0:h1``."""
    rows = max(align, (band_pixels // max(w, 1)) // align * align)
    if rows >= h:
        yield (0, h, 0, h)
        return
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        yield (y0, y1, max(0, y0 - halo), min(h, y1 + halo))


def _colour_halo(ppd: float, csf_name: str) -> int:
    """Rows above and below a band that its colour filters need."""
    return filters.band_halo(_widest_sigma(ppd, csf_name), align=_BAND_ALIGN)


_POOL: Any = None


def _reset_pool_after_fork() -> None:
    # A forked child inherits the executor object but not its threads: work
    # sent to it would never run.  Start a fresh pool on first use instead.
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool_after_fork)


def _parallel(fn: Any, items: tuple[Any, ...]) -> list[Any]:
    """``[fn(x) for x in items]`` on a two-thread pool (numpy releases the GIL in its loops)."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="perceptdiff")
    return list(_POOL.map(fn, items))


def visibility_map(pa: np.ndarray, pb: np.ndarray, ppd: float, metric_options: Mapping[str, Any],
                   background: tuple[int, int, int] | None = None, levels: int | None = None,
                   opaque: bool | None = None, band_pixels: int | None = None,
                   origin: tuple[int, int] = (0, 0),
                   differ: np.ndarray | None = None) -> np.ndarray:
    """JND map of two same-shape encoded RGBA arrays (no forgiveness, no cropping).

    ``differ``: the boolean map of the pixels that differ, when known.  The
    colour term and each structure level are then computed only in the boxes
    where they can be non-zero (around the differences, with room for their
    filters' own reach), the rest being exactly zero: the same map for less
    work when the arrays are a support box much larger than its differences.

    ``origin``: ``(y, x)`` of the arrays' first pixel when they are a box of a
    larger frame, its coordinates multiples of ``2^(levels−1)``: the map's
    interior is then the one the whole frame would give (the filters' block
    grids and the pyramid's decimation stay on the frame's grid).

    See the module docstring for the model.  ``metric_options`` as returned
    by ``PerceptdiffMetric.validate``.  Frames above ``band_pixels`` (default
    :data:`BAND_PIXELS`) are processed in horizontal bands with halos wider
    than every filter's support, which bounds the working memory
    (``docs/science.md`` §8).
    """
    h, w = pa.shape[:2]
    if levels is None:
        levels = _level_count(h, w, metric_options["levels"])
    full = full_scale(pa.dtype)
    if opaque is None:
        opaque = bool(np.all(pa[..., 3] == full) and np.all(pb[..., 3] == full))
    if opaque:
        bgs: list[np.ndarray | None] = [None]
    elif background is not None:
        bgs = [srgb_to_linear(np.asarray(background, np.float32) / full_scale(np.uint8))]
    else:
        bgs = [np.ones(3, np.float32), np.zeros(3, np.float32)]
    l_white = metric_options["white_luminance"]
    l_black = metric_options["black_luminance"]
    y_row = np.float32(l_white - l_black) * _Y_ROW
    csf_name, color_jnd = metric_options["csf"], metric_options["color_jnd"]
    band_pixels = BAND_PIXELS if band_pixels is None else band_pixels
    halo = _colour_halo(ppd, csf_name)
    dbox = filters.support_box(differ, 0) if differ is not None else None
    # The colour term of a pixel uses the pair's mean within one halo and the
    # difference within one halo: two halos around the differences hold all of it.
    cbox = (filters.support_box(differ, 2 * halo)
            if differ is not None and dbox is not None and h * w <= band_pixels else None)
    best: np.ndarray | None = None
    for bg in bgs:
        if cbox is not None:
            j = np.zeros((h, w), np.float32)
            ra, rb = _parallel(lambda p: _linear_planes(p, bg), (pa, pb))
            cy0, cy1, cx0, cx1 = cbox
            jc = colour_term(ra[:, cy0:cy1, cx0:cx1], rb[:, cy0:cy1, cx0:cx1], ppd, csf_name, color_jnd,
                             (origin[0] + cy0, origin[1] + cx0))
            jc *= jc
            np.multiply(jc, jc, out=j[cy0:cy1, cx0:cx1])
            lum_a = np.float32(l_black) + np.tensordot(y_row, ra, axes=1)
            lum_b = np.float32(l_black) + np.tensordot(y_row, rb, axes=1)
            del ra, rb, jc
            bands: Any = ()
        else:
            j = np.empty((h, w), np.float32)
            lum_a = np.empty((h, w), np.float32)
            lum_b = np.empty((h, w), np.float32)
            bands = _bands(h, w, halo, band_pixels)
        for y0, y1, h0, h1 in bands:
            ra, rb = _parallel(lambda p: _linear_planes(p, bg), (pa[h0:h1], pb[h0:h1]))
            keep = slice(y0 - h0, y1 - h0)
            jc = colour_term(ra, rb, ppd, csf_name, color_jnd, (origin[0] + h0, origin[1]))[keep]
            jc *= jc
            np.multiply(jc, jc, out=j[y0:y1])
            lum_a[y0:y1] = np.float32(l_black) + np.tensordot(y_row, ra[:, keep], axes=1)
            lum_b[y0:y1] = np.float32(l_black) + np.tensordot(y_row, rb[:, keep], axes=1)
            del ra, rb, jc
        for s, js in structure_terms(lum_a, lum_b, ppd, levels, metric_options["k_s"], band_pixels,
                                       origin, centre=0.5 * (l_white + l_black), differ_box=dbox):
            up = js if s == 0 else filters.upsample_to(js, (h, w), 2 ** s, align="sample")
            up *= up
            up *= up
            j += up
            del up
        del lum_a, lum_b
        np.sqrt(j, out=j)
        np.sqrt(j, out=j)
        best = j if best is None else np.maximum(best, j)
    assert best is not None
    return best.astype(np.float32, copy=False)


METRIC = PerceptdiffMetric()

"""perceptdiff's default metric: a visibility map in JND units.

The model (science brief §7; each step's source in brackets):

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
"""

from __future__ import annotations

import math
import os
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from . import csf, filters
from .color import (DE00_FLOOR, DE76_UPPER_BOUND, SRGB_TO_XYZ, WHITE_XYZ, XYZ_TO_OPP,
                    delta_e2000, lab_f, srgb_to_linear)
from .errors import OptionError
from .forgiveness import forgive, pixels_differ
from .image import Image
from .metrics import MetricOutput, VerdictRule
from .options import Options, parse_number
from .resample import match_dtypes

__all__ = ["METRIC", "PerceptdiffMetric", "DEFAULTS", "visibility_map"]

#: Defaults of the metric's own options, with the reasons in the README.
DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "csf": "scielab",        # opponent-channel filters: "scielab" or "flip"
    "k_s": 0.5,              # structure sensitivity: half Barten's lab sensitivity (free viewing)
    "color_jnd": 1.0,        # ΔE00 of one just-noticeable colour difference
    "white_luminance": 100.0,  # cd/m² of display white (as pdiff)
    "black_luminance": 0.5,  # cd/m² of display black + reflections (keeps Weber contrast finite)
    "levels": 6,             # pyramid levels
    "strong_jnd": 4.0,       # verdict: a region this far above threshold fails at any size
    "min_area_deg2": 0.025,  # verdict: a region this large (deg²) fails at any strength above threshold
})

_MASK_SLOPE = 0.7   # Legge–Foley / Daly masking exponent ε; (1 + x²)^(ε/2)
_MASK_CAP = 10.0    # threshold elevation cap, as pdiff
_FREQ_FACTOR = 0.354  # centre of a pyramid level's top octave, in units of ppd/2^s
_WINDOW_SIGMA = 1.5   # SSIM window (Wang et al. 2004)

_M_OPP = (XYZ_TO_OPP @ SRGB_TO_XYZ).astype(np.float32)          # linear RGB -> O1O2O3
_M_OPP_INV = np.linalg.inv(XYZ_TO_OPP @ SRGB_TO_XYZ).astype(np.float32)
_M_XYZ_N = (SRGB_TO_XYZ / WHITE_XYZ[:, None]).astype(np.float32)   # linear RGB -> XYZ/white
_Y_ROW = SRGB_TO_XYZ[1].astype(np.float32)


class PerceptdiffMetric:
    """The default metric (see the module docstring)."""

    name = "perceptdiff"
    version = "1.0"
    #: Every field of :class:`~perceptdiff.options.Options` is honoured.
    supported_options = frozenset({
        "metric", "viewing", "ppd", "jnd_threshold", "max_pixels", "max_ratio", "ignore",
        "resize", "pad", "background", "antialiasing"})

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
        if isinstance(lv, bool) or not isinstance(lv, (int, np.integer)) or not 1 <= lv <= 8:
            raise OptionError(f"levels: expected a whole number 1..8, got {lv!r}")
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

    def compute(self, expected: Image, actual: Image, options: Options,
                metric_options: Mapping[str, Any], ppd: float) -> MetricOutput:
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
        (y0, y1, x0, x1) = _support_box(touched, ppd, levels, metric_options["csf"])
        fg = forgiven[y0:y1, x0:x1]
        if not differ.any():
            return MetricOutput(jnd=np.zeros(fg.shape, np.float32), offset=(y0, x0), forgiven=fg)
        jnd = visibility_map(pa[y0:y1, x0:x1], pb[y0:y1, x0:x1], ppd, metric_options,
                             background=options.background, levels=levels, opaque=opaque)
        return MetricOutput(jnd=jnd, offset=(y0, x0), forgiven=fg, changed=differ[y0:y1, x0:x1])


def _level_count(h: int, w: int, wanted: int) -> int:
    n = 1
    while n < wanted and min(h, w) / 2 ** n >= 8:
        n += 1
    return n


def _kernels(csf_name: str) -> Mapping[str, Any]:
    """The opponent-channel CSF lobes of ``csf`` ("scielab" or "flip")."""
    return csf.SCIELAB_KERNELS if csf_name == "scielab" else csf.FLIP_KERNELS


def _widest_sigma(ppd: float, csf_name: str) -> float:
    """Standard deviation (px) of the widest colour lobe at ``ppd``."""
    return max(s for lobes in _kernels(csf_name).values() for _, s in csf.kernel_sigmas_px(lobes, ppd))


def _support_radius(ppd: float, levels: int, csf_name: str) -> int:
    """How far (px) a difference can influence the map."""
    colour = math.ceil(3 * _widest_sigma(ppd, csf_name)) + 2
    top = 2 ** (levels - 1)
    window = math.ceil(3.5 * _WINDOW_SIGMA)
    structure = 2 * (top - 1) + (window + 1) * top + 2
    return max(colour, structure)


def _support_box(mask: np.ndarray, ppd: float, levels: int, csf_name: str) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    r = _support_radius(ppd, levels, csf_name)
    step = 2 ** (levels - 1)  # align to the coarsest grid so decimation matches the full frame
    y0 = max(0, (rows[0] - r) // step * step)
    x0 = max(0, (cols[0] - r) // step * step)
    return (int(y0), int(min(h, rows[-1] + r + 1)), int(x0), int(min(w, cols[-1] + r + 1)))


def _linear_planes(pixels: np.ndarray, bg: np.ndarray | None) -> np.ndarray:
    """``(3, H, W)`` linear RGB planes, composited over ``bg`` (linear RGB) if given."""
    lut_px = pixels if pixels.dtype != np.float32 else None
    h, w = pixels.shape[:2]
    planes = np.empty((3, h, w), dtype=np.float32)
    if lut_px is not None:
        from .color import _lut
        lut = _lut(256 if pixels.dtype == np.uint8 else 65536)
        for c in range(3):
            np.take(lut, pixels[..., c], out=planes[c])
    else:
        for c in range(3):
            planes[c] = srgb_to_linear(np.clip(pixels[..., c], 0.0, 1.0))
    if bg is not None:
        full = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(pixels.dtype, 1.0)
        a = pixels[..., 3].astype(np.float32) * np.float32(1.0 / full)
        for c in range(3):
            planes[c] *= a
            planes[c] += np.float32(bg[c]) * (1 - a)
    return planes


def _mix(m: np.ndarray, planes: np.ndarray) -> np.ndarray:
    """Apply a 3×3 matrix to ``(3, H, W)`` planes."""
    return (m @ planes.reshape(3, -1)).reshape(planes.shape)


def _lab_f_planes(rgb: np.ndarray, ppd: float, kernels: Mapping[str, Any]) -> np.ndarray:
    """CSF-filtered image as CIELAB ``f(X/Xn), f(Y/Yn), f(Z/Zn)`` planes (S-CIELAB)."""
    opp = _mix(_M_OPP, rgb)
    for i, ch in enumerate(("O1", "O2", "O3")):
        opp[i] = filters.sum_of_gaussians(opp[i], csf.kernel_sigmas_px(kernels[ch], ppd))
    lin = _mix(_M_OPP_INV, opp)
    np.clip(lin, 0.0, 1.0, out=lin)
    xyz = _mix(_M_XYZ_N, lin)
    return lab_f(xyz)


def _lab_from_f(f: np.ndarray, idx: tuple[np.ndarray, ...]) -> np.ndarray:
    fx, fy, fz = f[0][idx], f[1][idx], f[2][idx]
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


def colour_term(rgb_a: np.ndarray, rgb_b: np.ndarray, ppd: float, csf_name: str,
                color_jnd: float) -> np.ndarray:
    """S-CIELAB colour difference in JND units (ΔE00 / ``color_jnd``).

    ``rgb_a``, ``rgb_b``: ``(3, H, W)`` linear RGB planes.  ΔE00 is evaluated
    where ΔE76 ≥ 0.3; elsewhere ``1.5·ΔE76`` bounds it (:func:`color_difference`).
    """
    kernels = _kernels(csf_name)
    fa, fb = _parallel(lambda rgb: _lab_f_planes(rgb, ppd, kernels), (rgb_a, rgb_b))
    df = fa - fb
    dy = df[1]
    dl = 116 * dy
    da = 500 * (df[0] - dy)
    db = 200 * (dy - df[2])
    de = np.sqrt(dl * dl + da * da + db * db)
    out = np.float32(DE76_UPPER_BOUND) * de
    idx = np.nonzero(de >= np.float32(DE00_FLOOR))
    n = idx[0].size
    if n:
        # ΔE00 is evaluated per pixel; two halves run on the two threads.
        halves = ((0, n // 2), (n // 2, n)) if n > 65536 else ((0, n),)

        def part(bounds: tuple[int, int]) -> np.ndarray:
            sel = (idx[0][bounds[0]:bounds[1]], idx[1][bounds[0]:bounds[1]])
            return delta_e2000(_lab_from_f(fa, sel), _lab_from_f(fb, sel), dtype=np.float32)

        out[idx] = np.concatenate(_parallel(part, halves))
    if color_jnd != 1.0:
        out /= np.float32(color_jnd)
    return out


def _moments(la: np.ndarray, lb: np.ndarray, ca: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local variance of the difference, of each image, and the local mean (SSIM window).

    ``ca`` is subtracted before squaring (float32 ``E[x²] − E[x]²`` cancels
    when the mean is large, brief §7 pitfalls).
    """
    d = la - lb
    a0, b0 = la - ca, lb - ca
    # Five windowed sums: E[d], E[d²], E[a], E[a²], E[b²]; E[b] = E[a] − E[d].
    mu_d, e_d2, mu_a, e_a2, e_b2 = _parallel(filters.local_mean, (d, d * d, a0, a0 * a0, b0 * b0))
    var_d = e_d2 - mu_d * mu_d
    var_a = e_a2 - mu_a * mu_a
    mu_b = mu_a - mu_d
    var_b = e_b2 - mu_b * mu_b
    mu = mu_a - np.float32(0.5) * mu_d + ca
    return var_d, var_a, var_b, mu


def _level_visibility(la: np.ndarray, lb: np.ndarray, f_s: float, k_s: float, ca: np.float32) -> np.ndarray:
    """``J_s`` of one pyramid level: Weber contrast of the difference over the CSF threshold, masked."""
    var_d, var_a, var_b, mu = _moments(la, lb, ca)
    np.maximum(mu, np.float32(1e-3), out=mu)
    # Threshold units: r/T = r·k_S·S(f_s, μ).
    gain = (np.float32(k_s) * csf.barten_pdiff(f_s, mu, dtype=np.float32)) / mu
    r_d = np.sqrt(np.maximum(var_d, 0)) * gain
    r_m = np.sqrt(np.maximum(np.minimum(var_a, var_b), 0)) * gain
    elevation = np.minimum(np.float32(_MASK_CAP), (1 + r_m * r_m) ** np.float32(_MASK_SLOPE / 2))
    return (r_d / elevation).astype(np.float32)


def structure_terms(lum_a: np.ndarray, lum_b: np.ndarray, ppd: float, levels: int,
                    k_s: float, band_pixels: int | None = None) -> list[tuple[int, np.ndarray]]:
    """Per-level structure visibility ``J_s`` (at each level's resolution).

    Levels larger than ``band_pixels`` are computed in horizontal bands with a
    halo wider than the SSIM window, which bounds the memory of the moments.
    """
    band_pixels = BAND_PIXELS if band_pixels is None else band_pixels
    pyr_a, pyr_b = _parallel(lambda x: filters.gaussian_pyramid(x, levels), (lum_a, lum_b))
    out = []
    for s, (la, lb) in enumerate(zip(pyr_a, pyr_b)):
        if not np.any(la != lb):
            continue
        f_s = _FREQ_FACTOR * ppd / 2 ** s
        ca = np.float32(la.mean())
        h, w = la.shape
        js = np.empty((h, w), np.float32)
        for y0, y1, h0, h1 in _bands(h, w, _WINDOW_HALO, band_pixels):
            js[y0:y1] = _level_visibility(la[h0:h1], lb[h0:h1], f_s, k_s, ca)[y0 - h0:y1 - h0]
        out.append((s, js))
    return out


#: Frames with more pixels than this are processed in horizontal bands.
BAND_PIXELS = 2_500_000
_WINDOW_HALO = 8  # > the SSIM window's radius (5 px)


def _bands(h: int, w: int, halo: int, band_pixels: int, align: int = 8):  # type: ignore[no-untyped-def]
    """``(y0, y1, h0, h1)``: output rows ``y0:y1`` computed from rows ``h0:h1``."""
    rows = max(align, (band_pixels // max(w, 1)) // align * align)
    if rows >= h:
        yield (0, h, 0, h)
        return
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        yield (y0, y1, max(0, y0 - halo), min(h, y1 + halo))


def _colour_halo(ppd: float, csf_name: str) -> int:
    sigma = _widest_sigma(ppd, csf_name)
    k = max(1, int(sigma // 2.0))
    return int(math.ceil((3 * sigma + 3 * k + 4) / 8.0) * 8)


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
                   opaque: bool | None = None, band_pixels: int | None = None) -> np.ndarray:
    """JND map of two same-shape encoded RGBA arrays (no forgiveness, no cropping).

    See the module docstring for the model.  ``metric_options`` as returned
    by ``PerceptdiffMetric.validate``.  Frames above ``band_pixels`` (default
    :data:`BAND_PIXELS`) are processed in horizontal bands with halos wider
    than every filter's support, which bounds the working memory (science
    brief §8).
    """
    h, w = pa.shape[:2]
    if levels is None:
        levels = _level_count(h, w, metric_options["levels"])
    full = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}.get(pa.dtype, 1.0)
    if opaque is None:
        opaque = bool(np.all(pa[..., 3] == full) and np.all(pb[..., 3] == full))
    if opaque:
        bgs: list[np.ndarray | None] = [None]
    elif background is not None:
        bgs = [srgb_to_linear(np.asarray(background, np.float32) / 255)]
    else:
        bgs = [np.ones(3, np.float32), np.zeros(3, np.float32)]
    l_white = metric_options["white_luminance"]
    l_black = metric_options["black_luminance"]
    y_row = np.float32(l_white - l_black) * _Y_ROW
    csf_name, color_jnd = metric_options["csf"], metric_options["color_jnd"]
    band_pixels = BAND_PIXELS if band_pixels is None else band_pixels
    halo = _colour_halo(ppd, csf_name)
    best: np.ndarray | None = None
    for bg in bgs:
        j = np.empty((h, w), np.float32)
        lum_a = np.empty((h, w), np.float32)
        lum_b = np.empty((h, w), np.float32)
        for y0, y1, h0, h1 in _bands(h, w, halo, band_pixels):
            ra, rb = _parallel(lambda p: _linear_planes(p, bg), (pa[h0:h1], pb[h0:h1]))
            keep = slice(y0 - h0, y1 - h0)
            jc = colour_term(ra, rb, ppd, csf_name, color_jnd)[keep]
            jc *= jc
            np.multiply(jc, jc, out=j[y0:y1])
            lum_a[y0:y1] = np.float32(l_black) + np.tensordot(y_row, ra[:, keep], axes=1)
            lum_b[y0:y1] = np.float32(l_black) + np.tensordot(y_row, rb[:, keep], axes=1)
            del ra, rb, jc
        for s, js in structure_terms(lum_a, lum_b, ppd, levels, metric_options["k_s"], band_pixels):
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

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

from types import MappingProxyType
from dataclasses import replace
from typing import Any, Callable, Mapping

import numpy as np

from .. import filters
from ..color import srgb_to_linear
from ..errors import OptionError
from ..forgiveness import forgive, pixels_differ
from ..image import Image, full_scale
from ..options import Options, parse_number
from ..resample import match_dtypes
from ..screening import plan_boxes
from ..verdict import MIN_AREA_DEG2, STRONG_JND, VerdictRule
from .bands import BAND_PIXELS, bands
from .colour import colour_halo, colour_term, linear_planes, luminance_row, widest_sigma
from .pool import parallel
from .registry import OPTION_NAMES, MetricOutput
from .structure import structure_terms

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

#: Extra pixels of slack around the colour filters' and the pyramid's supports.
_SUPPORT_SLACK = 2



class PerceptdiffMetric:
    """The default metric (see the module docstring)."""

    name = "perceptdiff"
    version = "1.3"
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


def support_radius(ppd: float, levels: int, csf_name: str) -> int:
    """How far (px) a difference can influence the map: the colour filters' or the pyramid's reach."""
    colour = filters.support(widest_sigma(ppd, csf_name)) + _SUPPORT_SLACK
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
    y_row = np.float32(l_white - l_black) * luminance_row
    csf_name, color_jnd = metric_options["csf"], metric_options["color_jnd"]
    band_pixels = BAND_PIXELS if band_pixels is None else band_pixels
    halo = colour_halo(ppd, csf_name)
    dbox = filters.support_box(differ, 0) if differ is not None else None
    # The colour term of a pixel uses the pair's mean within one halo and the
    # difference within one halo: two halos around the differences hold all of it.
    cbox = (filters.support_box(differ, 2 * halo)
            if differ is not None and dbox is not None and h * w <= band_pixels else None)
    best: np.ndarray | None = None
    for bg in bgs:
        if cbox is not None:
            j = np.zeros((h, w), np.float32)
            ra, rb = parallel(lambda p: linear_planes(p, bg), (pa, pb))
            cy0, cy1, cx0, cx1 = cbox
            jc = colour_term(ra[:, cy0:cy1, cx0:cx1], rb[:, cy0:cy1, cx0:cx1], ppd, csf_name, color_jnd,
                             (origin[0] + cy0, origin[1] + cx0))
            jc *= jc
            np.multiply(jc, jc, out=j[cy0:cy1, cx0:cx1])
            lum_a = np.float32(l_black) + np.tensordot(y_row, ra, axes=1)
            lum_b = np.float32(l_black) + np.tensordot(y_row, rb, axes=1)
            del ra, rb, jc
            rows: Any = ()
        else:
            j = np.empty((h, w), np.float32)
            lum_a = np.empty((h, w), np.float32)
            lum_b = np.empty((h, w), np.float32)
            rows = bands(h, w, halo, band_pixels)
        for y0, y1, h0, h1 in rows:
            ra, rb = parallel(lambda p: linear_planes(p, bg), (pa[h0:h1], pb[h0:h1]))
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

"""Ink against paper: the measurements behind the sub-pixel text rule.

Pure functions on sRGB-encoded RGB planes in [0, 1] (float32) of two aligned
crops.  :mod:`perceptdiff.subpixel_text` turns them into its decision; the
reasons for each constant are in ``docs/science.md`` §7 step 9 and
``calibration/crossmachine/README.md`` ("Rule C with an LCD-blind shape
residual"), where they were measured.

* **Paper**: one estimate for both sides, the median over a
  :data:`PAPER_PX` window of the two sides' mean (an estimate per side is
  biased by that side's own ink: LCD tails darken a dense line's median by
  3–5 %).
* **Ink**: ``|blur(v) − paper|`` with a σ :data:`BLUR_PX` blur, for the
  sRGB-encoded luminance (rasterisers blend coverage in encoded values, so
  that is where a glyph's ink is conserved), for each channel, and for the
  LCD-blind coverage of :func:`lcd_coverage`.
* **Components**: 8-connected parts of "ink above :data:`INK_T` on either
  side"; labelling the union pairs each glyph of one side with its redrawn
  self on the other without a matching step.
* **Shape residual**: ``Σ|a − b'| / Σ(a + b')`` after moving ``b`` by a
  given shift and scaling it to ``a``'s total, both blurred by
  :data:`SHAPE_SIGMA`.
* **Area terms**: CIELAB of both sides blurred by a σ, each side's L* and
  a*b* against the other's range within :data:`TOLERANCE_PX` (a displaced
  edge leaves nothing, a recoloured area everything); the sign-coherent line
  residual of :func:`line_residual`.

References
----------
.. [1] FreeType 2 documentation, "LCD filtering" (``FT_Library_SetLcdFilter``):
   in LCD mode each colour channel carries the coverage of its own sub-pixel,
   a third of a pixel apart, filtered so that each channel keeps its total.
.. [2] Zhang, X. and Wandell, B. A. (1997). A spatial extension of CIELAB for
   digital color-image reproduction. *Journal of the SID* 5(1), 61–63 (colour
   compared after blurring, where the eye does not resolve fringes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from .color import linear_to_srgb, rgb_to_xyz, srgb_to_linear, xyz_to_lab

__all__ = ["InkPlanes", "Components", "ink_planes", "components", "shape_residual", "lcd_coverage",
           "blurred_lab", "tolerant_lab_diff", "line_residual", "paper_of", "encoded_luminance",
           "ink_centroid_shift", "log_ratio",
           "PAPER_PX", "BLUR_PX", "INK_T", "SHAPE_SIGMA", "LOCAL_PX", "TOLERANCE_PX",
           "LINE_ACROSS_SIGMA", "LINE_PX", "LCD_SHIFT_PX", "LCD_ORDERS"]

#: Paper window (px): wider than a glyph and a line of text, so the median is the paper under text.
PAPER_PX = 31
#: Blur (px) before thresholding ink: one LCD sub-pixel triplet or hinted stem edge becomes one blob.
BLUR_PX = 0.7
#: Ink threshold (fraction of full contrast, sRGB-encoded): below a #f0f0f0 rule on white, above
#: the halo LCD fringes leave and JPEG-like noise.
INK_T = 0.03
#: Blur (px) of the shape comparison after alignment.
SHAPE_SIGMA = 1.0
#: Side (px) of the square over which the aligned shape residual's mass is summed: about one glyph.
LOCAL_PX = 7
#: Displacement the area terms forgive (px): rasterisers place edges within 1–2 px.
TOLERANCE_PX = 2
#: Line residual: blur across a line (px) ...
LINE_ACROSS_SIGMA = 1.5
#: ... and the length along it (px) over which B − A is averaged.
LINE_PX = 21
#: FreeType's LCD mode samples R a third of a pixel left of the centre and B a third right
#: (RGB order; BGR mirrors it) [1]_.
LCD_SHIFT_PX = 1.0 / 3.0
#: Channel orders the LCD-blind coverage tries: plain mean, RGB stripes, BGR stripes.
LCD_ORDERS = ("none", "rgb", "bgr")
#: Rec. 709 / sRGB luminance weights of linear R, G, B (IEC 61966-2-1).
_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def paper_of(v: np.ndarray) -> np.ndarray:
    """Median of ``v`` over about :data:`PAPER_PX` px, at half resolution (the paper is smooth).

    The half-resolution blocks start at the crop's (0, 0): callers give crops
    at even coordinates of the frame so the estimate does not depend on the crop.
    A coarser grid (the median of every other block, on a 4-px grid) was
    measured and rejected: under dense text it lets ink into the paper, and
    it forgave 7 of the 24 LCD pairs fewer.
    """
    h, w = v.shape
    hh, ww = (h + 1) // 2, (w + 1) // 2
    pad = np.pad(v, ((0, 2 * hh - h), (0, 2 * ww - w)), mode="edge")
    half = pad.reshape(hh, 2, ww, 2).mean(axis=(1, 3), dtype=np.float32)
    med = ndimage.median_filter(half, size=PAPER_PX // 2 + 1, mode="nearest")
    return np.repeat(np.repeat(med, 2, 0), 2, 1)[:h, :w]


def _ink(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each side's ink against one paper estimated from both."""
    paper = paper_of(0.5 * (a + b))
    return (np.abs(ndimage.gaussian_filter(a, BLUR_PX) - paper),
            np.abs(ndimage.gaussian_filter(b, BLUR_PX) - paper))


def _sample_x(c: np.ndarray, dx: float) -> np.ndarray:
    """``c`` sampled at x + dx (|dx| < 1, linear interpolation, edge values held)."""
    if dx == 0:
        return c
    nb = np.concatenate([c[:, 1:], c[:, -1:]], 1) if dx > 0 else np.concatenate([c[:, :1], c[:, :-1]], 1)
    f = np.float32(abs(dx))
    return (np.float32(1.0) - f) * c + f * nb


def lcd_coverage(rgb: np.ndarray, order: str) -> np.ndarray:
    """Mean of the three channels after moving each sub-pixel's sample back to the pixel centre.

    ``rgb`` is sRGB-encoded in [0, 1].  Order ``"rgb"``: R was sampled
    :data:`LCD_SHIFT_PX` left of the centre, so the centre's value is R at
    x + ⅓ and B at x − ⅓; ``"bgr"`` mirrors it; ``"none"`` is the plain mean.
    Equal weights: each sub-pixel carries the same coverage [1]_.
    """
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if order == "rgb":
        r, b = _sample_x(r, LCD_SHIFT_PX), _sample_x(b, -LCD_SHIFT_PX)
    elif order == "bgr":
        r, b = _sample_x(r, -LCD_SHIFT_PX), _sample_x(b, LCD_SHIFT_PX)
    return ((r + g + b) / np.float32(3.0)).astype(np.float32)


def encoded_luminance(rgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded luminance of sRGB-encoded RGB in [0, 1]."""
    return linear_to_srgb(srgb_to_linear(rgb) @ _LUMA)


@dataclass(frozen=True)
class InkPlanes:
    """Both sides' ink over a crop, as :func:`ink_planes` measures it."""

    #: Luminance ink of each side (sRGB-encoded).
    a: np.ndarray
    b: np.ndarray
    #: Per channel ink of each side, ``(H, W, 3)``.
    channels_a: np.ndarray
    channels_b: np.ndarray
    #: LCD-blind ink of each side per order of :data:`LCD_ORDERS`.
    lcd: tuple[tuple[np.ndarray, np.ndarray], ...]


def ink_planes(rgb_a: np.ndarray, rgb_b: np.ndarray, luma_a: np.ndarray, luma_b: np.ndarray) -> InkPlanes:
    """Ink of both sides (see the module documentation): luminance, channels, LCD-blind.

    ``luma_a`` and ``luma_b`` are :func:`encoded_luminance` of the two crops.
    """
    ink_a, ink_b = _ink(luma_a, luma_b)
    chans = [_ink(rgb_a[..., k], rgb_b[..., k]) for k in range(3)]
    lcd = tuple(_ink(lcd_coverage(rgb_a, o), lcd_coverage(rgb_b, o)) for o in LCD_ORDERS)
    return InkPlanes(ink_a, ink_b, np.stack([c[0] for c in chans], -1), np.stack([c[1] for c in chans], -1),
                     lcd)


@dataclass(frozen=True)
class Components:
    """8-connected ink components of both sides and their per-component sums."""

    labels: np.ndarray
    count: int
    #: Total ink of each side per component (index 0 is component 1).
    total_a: np.ndarray
    total_b: np.ndarray
    #: Ink-weighted centroids ``(y, x)`` of each side per component.
    centroid_a: np.ndarray
    centroid_b: np.ndarray
    #: Angle (degrees) between the two sides' per-channel ink vectors per component.
    angle_deg: np.ndarray
    slices: list[tuple[slice, slice] | None]


def components(ink: InkPlanes) -> Components:
    """Label the union of both sides' ink above :data:`INK_T` and sum each component."""
    union = (ink.a > INK_T) | (ink.b > INK_T)
    labels, n = ndimage.label(union, structure=np.ones((3, 3), int))
    idx = np.arange(1, n + 1)
    tot_a = ndimage.sum_labels(ink.a, labels, idx)
    tot_b = ndimage.sum_labels(ink.b, labels, idx)
    yy, xx = np.mgrid[0:labels.shape[0], 0:labels.shape[1]].astype(np.float32)

    def centroid(w: np.ndarray, tot: np.ndarray) -> np.ndarray:
        t = np.maximum(tot, 1e-9)
        return np.stack([ndimage.sum_labels(w * yy, labels, idx) / t,
                         ndimage.sum_labels(w * xx, labels, idx) / t], -1)

    va = np.stack([ndimage.sum_labels(ink.channels_a[..., k], labels, idx) for k in range(3)], 1)
    vb = np.stack([ndimage.sum_labels(ink.channels_b[..., k], labels, idx) for k in range(3)], 1)
    norms = np.maximum(np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1), 1e-12)
    cos = (va * vb).sum(1) / norms
    angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return Components(labels, int(n), tot_a, tot_b, centroid(ink.a, tot_a), centroid(ink.b, tot_b),
                      angle, ndimage.find_objects(labels))


def shape_residual(a: np.ndarray, b: np.ndarray, shift: tuple[float, float]) -> tuple[float, float]:
    """``(Σ|a − b'| / Σ(a + b'), the largest residual mass in a LOCAL_PX square)``.

    ``b'`` is ``b`` moved by ``shift`` ``(dy, dx)`` (bilinear) and scaled to
    ``a``'s total ink, both blurred by :data:`SHAPE_SIGMA`.  ``(1, larger
    total)`` when one side has no ink.
    """
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0 or sb <= 0:
        return 1.0, max(sa, sb)
    bs = ndimage.shift(b, shift, order=1, mode="constant", cval=0.0) * np.float32(sa / sb)
    fa = ndimage.gaussian_filter(a, SHAPE_SIGMA, mode="constant")
    fb = ndimage.gaussian_filter(bs, SHAPE_SIGMA, mode="constant")
    r = np.abs(fa - fb)
    local = ndimage.uniform_filter(r, LOCAL_PX, mode="constant") * (LOCAL_PX * LOCAL_PX)
    return float(r.sum() / max(float((fa + fb).sum()), 1e-9)), float(local.max())


def ink_centroid_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float] | None:
    """``(dy, dx)`` moving ``b``'s ink centroid onto ``a``'s; None when a side has no ink."""
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0 or sb <= 0:
        return None
    gy, gx = np.mgrid[0:a.shape[0], 0:a.shape[1]]
    return (float((a * gy).sum() / sa - (b * gy).sum() / sb),
            float((a * gx).sum() / sa - (b * gx).sum() / sb))


def blurred_lab(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """CIELAB of sRGB-encoded RGB whose channels are blurred by ``sigma`` px in encoded values.

    Encoded values, because a rasteriser that blends coverage there (Agg,
    Cairo, FreeType's usual path) keeps the encoded mean of a line, not its
    light [2]_.
    """
    blur = np.stack([ndimage.gaussian_filter(rgb[..., k], sigma, mode="nearest") for k in range(3)], -1)
    return xyz_to_lab(rgb_to_xyz(srgb_to_linear(np.clip(blur, 0.0, 1.0))))


def _outside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """How far ``x`` lies outside the range of ``y`` within a :data:`TOLERANCE_PX` square."""
    size = 2 * TOLERANCE_PX + 1
    hi = ndimage.maximum_filter(y, size, mode="nearest")
    lo = ndimage.minimum_filter(y, size, mode="nearest")
    return np.maximum(np.maximum(x - hi, lo - x), 0.0)


def tolerant_lab_diff(la: np.ndarray, lb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(Δa*b*, ΔL*)`` of each side against the other's range within :data:`TOLERANCE_PX`, both ways."""
    def one(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.hypot(_outside(x[..., 1], y[..., 1]), _outside(x[..., 2], y[..., 2])),
                _outside(x[..., 0], y[..., 0]))

    ab1, l1 = one(la, lb)
    ab2, l2 = one(lb, la)
    return np.maximum(ab1, ab2), np.maximum(l1, l2)


def line_residual(ya: np.ndarray, yb: np.ndarray) -> np.ndarray:
    """Sign-coherent luminance residual along horizontal and vertical lines.

    ``B − A`` blurred by :data:`LINE_ACROSS_SIGMA` (ink moved across a line by
    rasterisation cancels) and averaged over :data:`LINE_PX` along each axis;
    the larger magnitude of the two.  A removed rule keeps its contrast over
    its length; glyph edges alternate in sign and cancel.
    """
    d = ndimage.gaussian_filter(yb - ya, LINE_ACROSS_SIGMA, mode="nearest")
    h = ndimage.uniform_filter1d(d, LINE_PX, axis=1, mode="constant")
    v = ndimage.uniform_filter1d(d, LINE_PX, axis=0, mode="constant")
    return np.maximum(np.abs(h), np.abs(v))


#: Ink totals are floored at this (px of full contrast) before their ratio: one side without ink stays finite.
INK_FLOOR = 1e-3


def log_ratio(b: Any, a: Any) -> Any:
    """``ln(b / a)`` with both floored at :data:`INK_FLOOR`; scalars give a float, arrays an array."""
    r = np.log(np.maximum(b, INK_FLOOR) / np.maximum(a, INK_FLOOR))
    return float(r) if np.ndim(r) == 0 else r

"""What changed in each region: lightness, colour, structure or transparency.

A region's kind is decided from the two aligned images and the visibility
map restricted to the region, never from a metric's internal terms, so it
means the same for every metric (and survives changes of the model).  For a
listed region, over the pixels that changed inside its box (``P``; the
visible pixels of the box when the metric reports no changed pixels):

* **lightness**: both images composited in linear light over the page (the
  ``background`` option, else white) and converted to CIELAB (CIE 15:2004);
  the mean ΔL* over ``P`` is at least :data:`LIGHTNESS_MIN` and at least
  :data:`LIGHTNESS_AGREEMENT` of the pixels of ``P`` that changed in
  lightness changed it the same way (``direction``: ``lighter``/``darker``);
* **colour**: the mean chroma-plane distance ``√(Δa*² + Δb*²)`` over ``P``
  (the part of ΔE*ab that is chroma or hue at equal lightness) is at least
  :data:`COLOUR_MIN`;
* **structure**: edges or shapes appeared, vanished or changed.  Measured by
  the contrast-structure term of SSIM (Wang et al. 2004) on L*,
  ``cs = (2σ_AB + C)/(σ_A² + σ_B² + C)`` in Gaussian windows of σ =
  :data:`STRUCTURE_SIGMA_PX` and ``C`` = 25 L*² (:data:`_STRUCTURE_C`).
  ``1 − cs`` is 0 where one image is the other shifted in level or
  slightly rescaled in contrast (a restyle of the same shapes) and near 1
  where a pattern appears on a flat area or is replaced.  Structure changed
  when at least :data:`STRUCTURE_MIN` of the region's visibility (the map
  summed over its box) lies on pixels where ``1 − cs`` is at least
  :data:`STRONGLY_DISSIMILAR`: a share, so that one edited glyph of a
  recoloured word is not averaged away;
* **alpha**: the alpha channel changed on at least half of ``P``.

Which wins, when a region shows several (``kinds`` lists them all, the
winner first):

1. ``alpha``, when the stored colour is the same (ΔE*ab of the straight
   colours at most :data:`ALPHA_COLOUR_TOLERANCE` on
   :data:`ALPHA_UNCHANGED_SHARE` of ``P``): the lightness or structure seen on
   the page then follow from the transparency alone, and naming the cause is
   exact;
2. ``structure``: when shapes changed, the ΔL* and Δab measured on the
   changed pixels are those of new ink, not a restyle of the old shapes, and
   an edited word must be read by the reviewer whatever colour it is drawn
   in (a recoloured, edited label is first an edited label);
3. ``colour`` or ``lightness``, whichever accounts for more of ΔE*ab (whose
   square is ``ΔL*² + Δa*² + Δb*²``): the larger of the mean chroma-plane
   distance and the absolute mean ΔL*.

A region none of the tests claims (a faint change just above threshold) gets
the kind with the largest share of its test's limit.  With ``max_shift``,
:mod:`perceptdiff.moves` then puts ``moved`` first in front of all of these
when a displacement explains the change (the shapes are the old ones, in a
new place).

Forgiven anti-aliasing is listed apart (:func:`forgiven_regions`), as
regions of kind ``antialiasing``.

Work and memory are bounded: a box is analysed in bands of about
:data:`_BAND_PIXELS` pixels, and regions are analysed, most severe first,
until :data:`ANALYSIS_BUDGET_FRAMES` frames' worth of pixels were looked at;
a region whose box no longer fits keeps ``kind`` None.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from . import filters, regions as region_labels
from .color import SRGB_TO_XYZ, decode, delta_e76, lab_f, rgb_to_xyz, srgb_to_linear, xyz_to_lab
from .image import Image, full_scale
from .resample import match_dtypes
from .result import Region, RegionKind

__all__ = ["classify", "classify_regions", "forgiven_regions", "KindFigures", "LIGHTNESS_MIN",
           "COLOUR_MIN", "STRUCTURE_MIN", "STRONGLY_DISSIMILAR", "LIGHTNESS_AGREEMENT", "STRUCTURE_SIGMA_PX"]

#: Mean |ΔL*| a lightness change must reach: one unit of CIELAB, the order of
#: a just-noticeable lightness step between large flat patches.
LIGHTNESS_MIN = 1.0
#: Share of the pixels that changed in lightness (by :data:`_LIGHTNESS_STEP` or
#: more) that must agree on its sign for the region to be lighter or darker:
#: a restyle moves them one way, a replaced pattern (noise, a glyph swapped
#: for one of another shape on a mid-grey field) both ways.
LIGHTNESS_AGREEMENT = 0.8
#: A pixel's lightness counts as changed from this |ΔL*| (half a unit: below it,
#: 8-bit rounding).
_LIGHTNESS_STEP = 0.5
#: Mean chroma-plane distance √(Δa*² + Δb*²) a colour change must reach (one
#: CIELAB unit, as :data:`LIGHTNESS_MIN`).
COLOUR_MIN = 1.0
#: ``1 − cs`` from which a pixel's local pattern counts as replaced (cs 0.5: half
#: the pattern's variance unexplained by the other image's).
STRONGLY_DISSIMILAR = 0.5
#: Share of a region's visibility on strongly dissimilar pixels from which its
#: structure changed.  Measured on generated cases (tests/test_region_kinds.py):
#: a recoloured word or a lighter fill 0.0, one edited glyph of a recoloured
#: three-glyph word 0.75, an edited glyph alone 1.0, a new word 0.78, a
#: light-grey glyph appearing 0.69; one edited letter of a recoloured
#: five-letter word in Pillow's font 0.11, the case that keeps the limit low.
STRUCTURE_MIN = 0.05
#: σ (px) of the windows of the structure term: SSIM's 1.5 px (Wang et al. 2004).
STRUCTURE_SIGMA_PX = 1.5
#: The stabiliser of ``cs`` in L*²: a local pattern whose standard deviation is
#: well below √C = 5 L* (an edge of about 10 L*) counts as next to flat.  SSIM's
#: ``(0.03·100)² = 9`` called the barely visible edge of a table stripe (ΔL* 2)
#: flat and its darkened version (ΔL* 13) a new edge, so a darker stripe read as
#: structure; 25 reads it as lightness and still calls a light-grey glyph
#: (L* 80 on white) that appears structure (tests/test_region_kinds.py).
_STRUCTURE_C = 25.0
#: Pixels of context around a box for the structure windows (3σ, rounded up).
_MARGIN = 5
#: Straight colours this close (ΔE*ab) count as the same stored colour.
ALPHA_COLOUR_TOLERANCE = 1.0
#: Share of ``P`` whose stored colour must be unchanged for ``alpha`` to win.
ALPHA_UNCHANGED_SHARE = 0.95
#: Share of ``P`` whose alpha must differ for ``alpha`` to be among the kinds.
ALPHA_SHARE = 0.5
#: Pixels of a box analysed at once (bounds the float temporaries, ~100 B/px).
_BAND_PIXELS = 1 << 20
#: Regions are analysed until this many frames' worth of box pixels were looked
#: at (boxes of nested regions overlap; the budget keeps the work linear).
ANALYSIS_BUDGET_FRAMES = 4
#: Linear RGB -> relative luminance Y (the Y row of the sRGB matrix).
_Y_ROW = SRGB_TO_XYZ[1].astype(np.float32)
#: Regions of forgiven pixels listed (largest first).
MAX_FORGIVEN_LISTED = 100


@dataclass(frozen=True)
class KindFigures:
    """The figures a region's kind is decided from.

    Attributes
    ----------
    pixels : int
        Pixels of ``P`` (changed pixels in the box).
    mean_dl : float
        Mean ΔL* (actual − expected) over ``P``, composited over the page.
    lightness_agreement : float
        Share of the pixels of ``P`` that changed in lightness which changed
        it in the direction of the mean (1 when none did).
    mean_dab : float
        Mean chroma-plane distance √(Δa*² + Δb*²) over ``P``.
    structure : float
        Share of the box's visibility on pixels whose ``1 − cs`` is at least
        :data:`STRONGLY_DISSIMILAR`.
    alpha_share : float
        Share of ``P`` whose alpha differs.
    same_colour_share : float
        Share of ``P`` whose stored (straight) colour is unchanged.
    """

    pixels: int
    mean_dl: float
    lightness_agreement: float
    mean_dab: float
    structure: float
    alpha_share: float
    same_colour_share: float


def classify(f: KindFigures) -> tuple[tuple[RegionKind, ...], str | None]:
    """The kinds a region shows, the winner first, and its lightness direction.

    See the module documentation for the tests and the order.
    """
    lightness = abs(f.mean_dl) >= LIGHTNESS_MIN and f.lightness_agreement >= LIGHTNESS_AGREEMENT
    colour = f.mean_dab >= COLOUR_MIN
    structure = f.structure >= STRUCTURE_MIN
    alpha = f.alpha_share >= ALPHA_SHARE
    alpha_only = alpha and f.same_colour_share >= ALPHA_UNCHANGED_SHARE
    appearance = [(f.mean_dab, RegionKind.COLOUR, colour), (abs(f.mean_dl), RegionKind.LIGHTNESS, lightness)]
    appearance.sort(key=lambda t: -t[0])  # stable: colour first on a tie
    ordered = ([RegionKind.ALPHA] if alpha_only else []) + ([RegionKind.STRUCTURE] if structure else [])
    ordered += [k for _, k, on in appearance if on]
    if alpha and not alpha_only:
        ordered.append(RegionKind.ALPHA)
    if not ordered:
        shares = [(f.structure / STRUCTURE_MIN, RegionKind.STRUCTURE),
                  (f.mean_dab / COLOUR_MIN, RegionKind.COLOUR),
                  (abs(f.mean_dl) / LIGHTNESS_MIN * f.lightness_agreement, RegionKind.LIGHTNESS)]
        ordered = [max(shares, key=lambda t: t[0])[1]]
    direction = None
    if RegionKind.LIGHTNESS in ordered:
        direction = "lighter" if f.mean_dl > 0 else "darker"
    return tuple(ordered), direction


class _Window:
    """Pixels of the frame from a map held over a box (zero outside it)."""

    def __init__(self, crop: np.ndarray | None, offset: tuple[int, int]) -> None:
        self.crop, self.offset = crop, offset

    def get(self, y0: int, y1: int, x0: int, x1: int, dtype: type) -> np.ndarray:
        out = np.zeros((y1 - y0, x1 - x0), dtype)
        if self.crop is None:
            return out
        oy, ox = self.offset
        h, w = self.crop.shape
        sy0, sy1 = max(y0, oy), min(y1, oy + h)
        sx0, sx1 = max(x0, ox), min(x1, ox + w)
        if sy0 < sy1 and sx0 < sx1:
            out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = self.crop[sy0 - oy:sy1 - oy, sx0 - ox:sx1 - ox]
        return out


def _composited(pixels: np.ndarray, page: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear RGB over ``page``, the straight linear RGB, and alpha, of ``(..., 4)`` codes."""
    rgb, alpha = decode(pixels)
    a = alpha[..., None]
    return rgb * a + page * (np.float32(1.0) - a), rgb, alpha


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB ``(..., 3)`` of linear RGB."""
    return xyz_to_lab(rgb_to_xyz(rgb))


def _lightness(rgb: np.ndarray) -> np.ndarray:
    """L* of linear RGB."""
    y = _Y_ROW[0] * rgb[..., 0] + _Y_ROW[1] * rgb[..., 1] + _Y_ROW[2] * rgb[..., 2]
    return (np.float32(116) * lab_f(y) - np.float32(16)).astype(np.float32)


def _dissimilarity(la: np.ndarray, lb: np.ndarray) -> np.ndarray:
    """``1 − cs`` of SSIM on two L* planes (0: same local pattern)."""
    s = STRUCTURE_SIGMA_PX
    ma, mb = filters.gaussian(la, s), filters.gaussian(lb, s)
    va = filters.gaussian(la * la, s) - ma * ma
    vb = filters.gaussian(lb * lb, s) - mb * mb
    cov = filters.gaussian(la * lb, s) - ma * mb
    c = np.float32(_STRUCTURE_C)
    cs = (2 * cov + c) / (np.maximum(va, 0) + np.maximum(vb, 0) + c)
    return np.clip(1.0 - cs, 0.0, 2.0).astype(np.float32)


def _figures(pa: np.ndarray, pb: np.ndarray, box: tuple[int, int, int, int], page: np.ndarray,
             changed: _Window | None, jnd: _Window, threshold: float) -> KindFigures:
    """:class:`KindFigures` of one box ``(x, y, w, h)``, in bands of rows."""
    x, y, w, h = box
    fh, fw = pa.shape[:2]
    rows = max(1, _BAND_PIXELS // max(w + 2 * _MARGIN, 1))
    n_p = sum_dl = sum_dab = 0.0
    n_up = n_down = n_alpha = n_same = 0
    sum_wd = sum_w = 0.0
    for r0 in range(y, y + h, rows):
        r1 = min(y + h, r0 + rows)
        cy0, cy1 = max(0, r0 - _MARGIN), min(fh, r1 + _MARGIN)
        cx0, cx1 = max(0, x - _MARGIN), min(fw, x + w + _MARGIN)
        over_a, straight_a, alpha_a = _composited(pa[cy0:cy1, cx0:cx1], page)
        over_b, straight_b, alpha_b = _composited(pb[cy0:cy1, cx0:cx1], page)
        d = _dissimilarity(_lightness(over_a), _lightness(over_b))
        inner = (slice(r0 - cy0, r1 - cy0), slice(x - cx0, x + w - cx0))
        vis = jnd.get(r0, r1, x, x + w, np.float32)
        if changed is not None:
            p = changed.get(r0, r1, x, x + w, bool)
        else:
            p = vis > threshold
        sum_wd += float(np.sum(vis * (d[inner] >= STRONGLY_DISSIMILAR), dtype=np.float64))
        sum_w += float(np.sum(vis, dtype=np.float64))
        if not p.any():
            continue
        # Colour figures on the changed pixels alone.
        da = _lab(over_b[inner][p]) - _lab(over_a[inner][p])
        dl = da[:, 0]
        n_p += dl.size
        sum_dl += float(np.sum(dl, dtype=np.float64))
        n_up += int(np.count_nonzero(dl >= _LIGHTNESS_STEP))
        n_down += int(np.count_nonzero(dl <= -_LIGHTNESS_STEP))
        sum_dab += float(np.sum(np.hypot(da[:, 1], da[:, 2]), dtype=np.float64))
        alpha_changed = alpha_a[inner][p] != alpha_b[inner][p]
        n_alpha += int(np.count_nonzero(alpha_changed))
        if alpha_changed.any():
            same = delta_e76(_lab(straight_a[inner][p]), _lab(straight_b[inner][p])) <= ALPHA_COLOUR_TOLERANCE
            n_same += int(np.count_nonzero(same))
    n = max(n_p, 1.0)
    mean_dl = sum_dl / n
    moved = n_up + n_down
    agree = (n_up if mean_dl > 0 else n_down) / moved if moved else 1.0
    return KindFigures(pixels=int(n_p), mean_dl=mean_dl, lightness_agreement=agree,
                       mean_dab=sum_dab / n, structure=sum_wd / sum_w if sum_w > 0 else 0.0,
                       alpha_share=n_alpha / n, same_colour_share=n_same / n)


def _page(background: tuple[int, int, int] | None) -> np.ndarray:
    if background is None:
        return np.ones(3, np.float32)
    return srgb_to_linear(np.asarray(background, np.float32) / np.float32(full_scale(np.uint8)))


def classify_regions(expected: Image, actual: Image, regions: Sequence[Region],
                     jnd: np.ndarray, offset: tuple[int, int], threshold: float, *,
                     changed: np.ndarray | None = None,
                     background: tuple[int, int, int] | None = None) -> tuple[Region, ...]:
    """``regions`` with ``kind``, ``kinds`` and ``direction`` decided.

    Parameters
    ----------
    expected, actual : Image
        The two images as compared (same size, ignore rectangles applied).
    regions : sequence of Region
        The regions of a decision, most severe first.
    jnd : numpy.ndarray
        The visibility map over a box of the frame (zero outside it).
    offset : (int, int)
        ``(y, x)`` of that box in the frame.
    threshold : float
        The JND threshold in force.
    changed : numpy.ndarray, optional
        Boolean map (same box) of the pixels that changed after forgiveness.
    background : (r, g, b), optional
        The page colour (sRGB codes); white when None.
    """
    if not regions:
        return tuple(regions)
    a, b = match_dtypes(expected, actual)
    page = _page(background)
    jw = _Window(jnd, offset)
    cw = _Window(changed, offset) if changed is not None else None
    budget = ANALYSIS_BUDGET_FRAMES * a.width * a.height + _BAND_PIXELS
    out = []
    for r in regions:
        area = (r.width + 2 * _MARGIN) * (r.height + 2 * _MARGIN)
        if area > budget:
            out.append(r)
            continue
        budget -= area
        kinds, direction = classify(_figures(a.pixels, b.pixels, r.box, page, cw, jw, threshold))
        out.append(replace(r, kind=kinds[0], kinds=kinds, direction=direction))
    return tuple(out)


def forgiven_regions(forgiven: np.ndarray | None, jnd: np.ndarray, offset: tuple[int, int],
                     ppd: float, threshold: float, radius: int) -> tuple[Region, ...]:
    """Connected areas of forgiven pixels as regions of kind ``antialiasing``, largest first.

    ``forgiven`` and ``jnd`` are maps over the same box at ``offset``; pixels
    up to about ``2·radius`` apart form one area (as visible pixels do in the
    verdict).  ``changed_pixels`` counts the forgiven pixels, ``visible_pixels``
    those of them still above the threshold (through a neighbour's change);
    such a region never fails.
    """
    if forgiven is None or not forgiven.any():
        return ()
    grown = region_labels.dilate_disk(forgiven, radius) if radius > 0 else forgiven
    labels, n = region_labels.label8(grown)
    lab = labels[forgiven]
    sizes = np.bincount(lab, minlength=n + 1)[1:]
    values = jnd[forgiven].astype(np.float64)
    peaks = np.zeros(n + 1)
    np.maximum.at(peaks, lab, values)
    means = np.bincount(lab, weights=values, minlength=n + 1)[1:] / np.maximum(sizes, 1)
    seen = np.bincount(lab, weights=(values > threshold), minlength=n + 1)[1:]
    slices = region_labels.boxes(forgiven, labels, n)
    oy, ox = offset
    out = []
    for i in np.argsort(-sizes, kind="stable")[:MAX_FORGIVEN_LISTED]:
        sl = slices[i]
        if sl is None:
            continue
        out.append(Region(
            x=int(sl[1].start + ox), y=int(sl[0].start + oy),
            width=int(sl[1].stop - sl[1].start), height=int(sl[0].stop - sl[0].start),
            visible_pixels=int(seen[i]), area_deg2=float(sizes[i] / (ppd * ppd)),
            peak_jnd=float(peaks[i + 1]), mean_jnd=float(means[i]), failing=False,
            changed_pixels=int(sizes[i]), kind=RegionKind.ANTIALIASING,
            kinds=(RegionKind.ANTIALIASING,)))
    return tuple(out)

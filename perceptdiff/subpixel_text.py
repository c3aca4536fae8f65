"""LCD sub-pixel text: a failing region that is the same text drawn another way is excused.

The same page rendered with LCD sub-pixel anti-aliasing (``rgba=rgb`` or
``bgr`` in fontconfig, any ``lcdfilter``) on one machine and greyscale
anti-aliasing on another fails the eye model by 5–10 JND: the colour fringes
and the redistributed coverage are real pixel differences at glyph scale.
Nobody reviewing a regression calls them a change, and no threshold on the
map separates them from a changed digit (``calibration/crossmachine/README.md``).
What does separate them is that every glyph keeps its ink.  With the region
rule, after the regions and their kinds are known, each failing region is
examined on the two images (``docs/science.md`` §7 step 9; the measurements are
:mod:`perceptdiff.ink`'s):

1. **Area terms** over the region's grown mask, cheap, first: the a*b*
   (``chroma``) and L* (``lightness``) difference of the two sides blurred by
   :data:`CHROMA_SIGMA` and by :data:`WIDE_SIGMA`, each side against the
   other's range within 2 px, and the line residual (``line``).  A region
   passes the **fringe gate** only when its largest a*b* difference at
   :data:`CHROMA_SIGMA` reaches :data:`FRINGE_MIN`: every region of LCD text
   shows its fringes, so the rule never speaks for greyscale rasterisers.
2. **Ink components** the region touches (each with at least
   :data:`MIN_INK` px of ink on either side), for candidates only: centroid
   distance (``centroid_px``), log ink ratio per component and over the
   region (``ink_log_ratio``), the LCD-blind shape residual (``shape``: the
   smallest over the orders none, RGB, BGR, each centroid-aligned and in
   place), the largest local residual mass (``residual_mass``) and the angle
   between the two sides' per-channel ink (``ink_angle_deg``).

A region is excused when it passes the gate and every figure is within
:data:`LIMITS`; it is then listed with kind ``subpixel-text`` and no longer
fails, and the verdict is decided again.  ``subpixel_text="strict"`` turns
the step off.  The box was fitted on the corpus's ``fit`` split (the tightest
box around its LCD pairs that keeps every changed twin outside the box
scaled by 1.25) and checked on ``holdout``, the calibration corpus and the
peers' suites, none of whose visible pairs it excuses.

Work is bounded: the area terms are measured on each region's box grown by
:data:`AREA_CONTEXT_PX` (or on their union, when smaller), the ink on the
candidates' union grown by :data:`CONTEXT_PX`, each at most
:data:`MAX_CROP_PIXELS`; a larger crop, or any translucent pixel near the
regions, excuses nothing.  A large region is first measured on a
:data:`PROBE_PX` window around one of its pixels, where the terms are exact:
one over its limit there settles it without the rest (a frame-wide change
costs a window, not the frame).

References
----------
.. [1] FreeType 2 documentation, "LCD filtering": sub-pixel rendering keeps
   each channel's coverage and moves it by a third of a pixel.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from . import ink as ink_math
from . import regions as region_labels
from . import verdict
from .image import Image, full_scale
from .resample import match_dtypes
from .result import RegionKind
from .verdict import Decision, VerdictRule

__all__ = ["TextFigures", "Judgement", "LIMITS", "FRINGE_MIN", "MIN_INK", "CONTEXT_PX", "AREA_CONTEXT_PX",
           "MAX_CROP_PIXELS",
           "judge_regions", "excuse_regions", "surely_fails"]

#: Blur (px) of a*b* and L* for the first area terms: LCD fringes (1 px) average out, a recolour does not.
CHROMA_SIGMA = 2.0
#: Wider blur (px) for the area terms of fills: glyph-scale fringes and stem weights average out further,
#: a recoloured or re-lit fill keeps its full difference inside.
WIDE_SIGMA = 4.0
#: A component counts when it holds this much ink (px of full contrast) on either side.
MIN_INK = 1.0
#: Fringe gate: the region's largest a*b* difference at CHROMA_SIGMA reaches this.  The smallest over
#: the failing regions of the ``fit`` LCD pairs is 0.78; this is 0.78 / 1.25, the fit's margin.
FRINGE_MIN = 0.62
#: Context (px) around the failing regions: the paper's median window (31 px) and the widest blur's
#: support (4σ at WIDE_SIGMA = 16 px) see the same pixels as on the whole frame.
CONTEXT_PX = 48
#: Context (px) around a region for its area terms: the widest blur's reach (4σ at WIDE_SIGMA) plus
#: the 2-px tolerance and a margin, so they equal their values on the whole frame.
AREA_CONTEXT_PX = 20
#: Side (px) of the window a large region's area terms are first measured on (:func:`_probe`) ...
PROBE_PX = 64
#: ... when its own crop holds more than this many pixels (16 windows with their context).
PROBE_MIN_AREA = 16 * (PROBE_PX + 2 * AREA_CONTEXT_PX) ** 2
#: The crop examined is at most this many pixels (4 Mpx, about two 1080p frames); larger ones are not
#: examined and stay failing, so the step never costs more than a bounded amount of work.
MAX_CROP_PIXELS = 4_000_000
#: Centroid distance (px) above which a component is taken to have moved (fixed, not fitted:
#: hinting, LCD filters and Ghostscript's glyph origins move ink by 2 px at most).
MAX_CENTROID_PX = 2.0
#: Reported instead of a centroid distance or an ink angle when one side has no ink at all.
NO_INK = 99.0


@dataclass(frozen=True)
class TextFigures:
    """What a failing region shows, each the worst over its ink components or its pixels."""

    #: Distance (px) between each component's ink centroids on the two sides.
    centroid_px: float
    #: ``|ln(ink B / ink A)|`` per component, and over the region.
    ink_log_ratio: float
    #: LCD-blind shape residual ``Σ|a − b'| / Σ(a + b')`` (0: the same shape).
    shape: float
    #: Largest aligned residual mass in a 7-px square (px of full contrast).
    residual_mass: float
    #: Angle (degrees) between the two sides' per-channel ink.
    ink_angle_deg: float
    #: a*b* difference at CHROMA_SIGMA (also the fringe gate's figure).
    chroma: float
    #: L* difference at CHROMA_SIGMA.
    lightness: float
    #: a*b* and L* differences at WIDE_SIGMA.
    chroma_wide: float
    lightness_wide: float
    #: Sign-coherent line residual (sRGB-encoded luminance).
    line: float

    def within(self, limits: "TextFigures") -> bool:
        return all(getattr(self, f.name) <= getattr(limits, f.name) for f in fields(self))


#: The fitted box (``calibration/crossmachine/prototype_ink.py fit --space srgb --kinds lcd-rgb
#: lcd-bgr-light --fringe-floor 0.62 --lcd-shape``), each edge a ``fit`` LCD pair's own value rounded up.
#: ``centroid_px`` is fixed at MAX_CENTROID_PX.  ``shape`` is the guard against a changed glyph (a
#: digit changed in light-grey 11-px text under LCD text reaches 0.040), ``ink_angle_deg``, ``chroma``
#: and ``chroma_wide`` against a recolour, which keeps ink and shape.
LIMITS = TextFigures(centroid_px=MAX_CENTROID_PX, ink_log_ratio=0.07524, shape=0.01626,
                     residual_mass=1.937, ink_angle_deg=1.776, chroma=9.157, lightness=2.587,
                     chroma_wide=3.263, lightness_wide=1.931, line=0.02356)
#: Figures that only grow when a region grows (more pixels, more components): a region over one of
#: these limits stays unexcused however much of it a partial map shows.
_GROWING = ("centroid_px", "shape", "residual_mass", "ink_angle_deg", "chroma", "lightness",
            "chroma_wide", "lightness_wide", "line")


@dataclass(frozen=True)
class Judgement:
    """One failing region's outcome: excused or not, and whether more of it could change that."""

    excused: bool
    #: True when the region stays unexcused however it grows (see :func:`surely_fails`).
    certain: bool
    figures: TextFigures | None = None
    why: str = ""


def _unexamined(why: str) -> Judgement:
    """A region left failing unexamined (a bound on the work); more regions would not change that."""
    return Judgement(False, True, why=why)


Box = tuple[int, int, int, int]


def _grown(boxes: list[Box], margin: int, shape: tuple[int, int], *, even: bool = False) -> Box:
    """The union of ``boxes`` grown by ``margin``, inside the frame; at even coordinates if asked."""
    y0 = max(0, min(b[0] for b in boxes) - margin)
    x0 = max(0, min(b[1] for b in boxes) - margin)
    if even:  # the paper's half-resolution blocks then fall where they fall on the whole frame
        y0, x0 = y0 // 2 * 2, x0 // 2 * 2
    return (y0, x0, min(shape[0], max(b[2] for b in boxes) + margin),
            min(shape[1], max(b[3] for b in boxes) + margin))


def _area(box: Box) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


@dataclass(frozen=True)
class _Regions:
    """Labelled regions over the map's box at ``offset`` (frame coordinates = box + offset)."""

    labels: np.ndarray
    offset: tuple[int, int]

    def mask(self, label: int, crop: Box) -> np.ndarray:
        """Region ``label`` as a mask over ``crop`` (built per crop: never a mask of the whole box)."""
        out = np.zeros((crop[2] - crop[0], crop[3] - crop[1]), bool)
        (oy, ox), (h, w) = self.offset, self.labels.shape
        ty0, tx0 = max(oy, crop[0]), max(ox, crop[1])
        ty1, tx1 = min(oy + h, crop[2]), min(ox + w, crop[3])
        if ty1 > ty0 and tx1 > tx0:
            out[ty0 - crop[0]:ty1 - crop[0], tx0 - crop[1]:tx1 - crop[1]] = \
                self.labels[ty0 - oy:ty1 - oy, tx0 - ox:tx1 - ox] == label
        return out

    def boxes(self, ids: list[int]) -> list[Box]:
        """``(y0, x0, y1, x1)`` in the frame of each region of ``ids``."""
        sl = region_labels.boxes(self.labels > 0, self.labels, int(self.labels.max()))
        oy, ox = self.offset
        out = []
        for i in ids:
            ys, xs = sl[i - 1]  # type: ignore[misc]  # a listed region has pixels
            out.append((oy + ys.start, ox + xs.start, oy + ys.stop, ox + xs.stop))
        return out


class _Pair:
    """The two images' sRGB-encoded RGB in [0, 1] over crops."""

    def __init__(self, a: Image, b: Image) -> None:
        pa, pb = match_dtypes(a, b)
        self.a, self.b = pa.pixels, pb.pixels
        self.full = full_scale(self.a.dtype)
        self.scale = np.float32(1.0 / self.full)
        self.opaque = pa.opaque and pb.opaque

    def rgb(self, box: Box) -> tuple[np.ndarray, np.ndarray]:
        y0, x0, y1, x1 = box
        return (self.a[y0:y1, x0:x1, :3].astype(np.float32) * self.scale,
                self.b[y0:y1, x0:x1, :3].astype(np.float32) * self.scale)

    def translucent(self, box: Box) -> bool:
        if self.opaque:
            return False
        y0, x0, y1, x1 = box
        return not (np.all(self.a[y0:y1, x0:x1, 3] == self.full) and np.all(self.b[y0:y1, x0:x1, 3] == self.full))


def _area_stage(pair: _Pair, regions: _Regions, ids: list[int], crop: Box,
                out: list[Judgement | None], figures: list[dict[str, float]], which: list[int],
                inner: Box | None = None) -> None:
    """The area terms of the regions ``which`` on ``crop``, cheapest first; fills ``out`` for those decided.

    With ``inner``, only the regions' pixels inside that part of ``crop`` count.
    """
    rgb_a, rgb_b = pair.rgb(crop)
    if inner is None:
        placed = {i: regions.mask(ids[i], crop) for i in which}
    else:
        placed = {}
        for i in which:
            m = np.zeros((crop[2] - crop[0], crop[3] - crop[1]), bool)
            m[inner[0] - crop[0]:inner[2] - crop[0], inner[1] - crop[1]:inner[3] - crop[1]] = \
                regions.mask(ids[i], inner)
            placed[i] = m

    def keep(i: int, fig: dict[str, float]) -> bool:
        figures[i].update(fig)
        over = [k for k, v in fig.items() if v > getattr(LIMITS, k)]
        if over:
            out[i] = Judgement(False, True, why=f"{over[0]} over its limit")
        return not over

    dab, dl2 = ink_math.tolerant_lab_diff(ink_math.blurred_lab(rgb_a, CHROMA_SIGMA),
                                          ink_math.blurred_lab(rgb_b, CHROMA_SIGMA))
    left = [i for i in which if keep(i, {"chroma": float(dab[placed[i]].max()),
                                         "lightness": float(dl2[placed[i]].max())})]
    for i in list(left):
        if figures[i]["chroma"] < FRINGE_MIN:
            out[i] = Judgement(False, False, why="no sub-pixel colour fringes")
            left.remove(i)
    if not left:
        return
    dab4, dl4 = ink_math.tolerant_lab_diff(ink_math.blurred_lab(rgb_a, WIDE_SIGMA),
                                           ink_math.blurred_lab(rgb_b, WIDE_SIGMA))
    left = [i for i in left if keep(i, {"chroma_wide": float(dab4[placed[i]].max()),
                                        "lightness_wide": float(dl4[placed[i]].max())})]
    if not left:
        return
    line = ink_math.line_residual(ink_math.encoded_luminance(rgb_a), ink_math.encoded_luminance(rgb_b))
    for i in left:
        keep(i, {"line": float(line[placed[i]].max())})


def _probe(pair: _Pair, regions: _Regions, ids: list[int], i: int, box: Box, shape: tuple[int, int]
           ) -> Judgement | None:
    """A large region's area terms on a PROBE_PX window around one of its pixels, before its whole crop.

    The window is grown by AREA_CONTEXT_PX, so the terms are exact on it: a
    figure over its limit there is over its limit on the region, which is
    then settled without the rest (a photo re-encoded over the whole frame).
    Returns that judgement, or None when the window settles nothing.
    """
    ys, xs = np.nonzero(regions.mask(ids[i], box))
    k = len(ys) // 2
    cy, cx = box[0] + int(ys[k]), box[1] + int(xs[k])
    half = PROBE_PX // 2
    inner = (max(box[0], cy - half), max(box[1], cx - half), min(box[2], cy + half), min(box[3], cx + half))
    trial: list[Judgement | None] = [None] * len(ids)
    _area_stage(pair, regions, ids, _grown([inner], AREA_CONTEXT_PX, shape), trial, [{} for _ in ids], [i],
                inner=inner)
    got = trial[i]
    return got if got is not None and got.certain else None


def _component_figures(ids: np.ndarray, comps: ink_math.Components, planes: ink_math.InkPlanes
                       ) -> tuple[dict[str, float], bool] | None:
    """The component figures of a region (worst over ``ids``), and whether one is over a growing limit.

    Cheapest first: centroids, ink ratios and angles of all components at
    once, then shapes one component at a time.  Once a figure that only grows
    is over its limit the region stays unexcused and the rest is not measured
    (the figures returned are then those measured so far).  None when no
    component holds MIN_INK.
    """
    ids = ids[np.maximum(comps.total_a[ids - 1], comps.total_b[ids - 1]) >= MIN_INK]
    if not ids.size:
        return None
    ia, ib = comps.total_a[ids - 1], comps.total_b[ids - 1]
    both = np.minimum(ia, ib) > 0
    dist = np.where(both, np.hypot(*(comps.centroid_a[ids - 1] - comps.centroid_b[ids - 1]).T), NO_INK)
    ratio = np.abs(ink_math.log_ratio(ib, ia))
    angle = np.where(both, comps.angle_deg[ids - 1], NO_INK)
    fig = {"centroid_px": float(dist.max()), "ink_log_ratio": float(ratio.max()),
           "ink_angle_deg": float(angle.max()), "shape": 0.0, "residual_mass": 0.0}
    region_ratio = abs(ink_math.log_ratio(float(ib.sum()), float(ia.sum())))
    if (fig["centroid_px"] > LIMITS.centroid_px or fig["ink_log_ratio"] > LIMITS.ink_log_ratio
            or fig["ink_angle_deg"] > LIMITS.ink_angle_deg):
        return fig, True
    for c in ids:
        sl = comps.slices[c - 1]
        assert sl is not None
        sl = (slice(max(sl[0].start - 3, 0), sl[0].stop + 3), slice(max(sl[1].start - 3, 0), sl[1].stop + 3))
        own = comps.labels[sl] == c
        ca, cb = comps.centroid_a[c - 1], comps.centroid_b[c - 1]
        s, mass = ink_math.shape_residual(np.where(own, planes.a[sl], 0), np.where(own, planes.b[sl], 0),
                                          (float(ca[0] - cb[0]), float(ca[1] - cb[1])))
        fig["residual_mass"] = max(fig["residual_mass"], mass)
        if mass > LIMITS.residual_mass:
            fig["shape"] = max(fig["shape"], s)
            return fig, True
        for la, lb in planes.lcd:
            if s <= LIMITS.shape:
                break  # within the box already: a smaller residual would not change the outcome
            pa, pb = np.where(own, la[sl], 0), np.where(own, lb[sl], 0)
            to_a = ink_math.ink_centroid_shift(pa, pb)
            if to_a is None:
                continue
            # Centroid-aligned, and in place: a large component (a table's grid with the glyphs
            # touching it) has a centroid that says nothing about where its parts are.
            s = min(s, ink_math.shape_residual(pa, pb, to_a)[0], ink_math.shape_residual(pa, pb, (0.0, 0.0))[0])
        fig["shape"] = max(fig["shape"], s)
        if s > LIMITS.shape:
            return fig, True
    fig["ink_log_ratio"] = max(fig["ink_log_ratio"], region_ratio)
    return fig, False


def judge_regions(a: Image, b: Image, labels: np.ndarray, ids: list[int],
                  offset: tuple[int, int]) -> list[Judgement]:
    """Judge the failing regions ``ids`` of ``labels``, the grown regions over the map's box at ``offset``.

    ``a`` and ``b`` are the images as compared (same size).  The area terms
    are measured on each region's box grown by :data:`AREA_CONTEXT_PX` (or on
    their union, when that is smaller), the ink on the union of the remaining
    candidates' boxes grown by :data:`CONTEXT_PX`.
    """
    if not ids:
        return []
    shape = (a.height, a.width)
    regions = _Regions(labels, offset)
    boxes = regions.boxes(ids)
    union = _grown(boxes, AREA_CONTEXT_PX, shape)
    own = [_grown([bx], AREA_CONTEXT_PX, shape) for bx in boxes]
    crops = ([(union, list(range(len(ids))))] if sum(map(_area, own)) > _area(union)
             else [(c, [i]) for i, c in enumerate(own)])
    if sum(_area(c) for c, _ in crops) > MAX_CROP_PIXELS:
        return [_unexamined(f"the regions' crop exceeds {MAX_CROP_PIXELS} px")] * len(ids)
    pair = _Pair(a, b)
    if pair.translucent(_grown(boxes, CONTEXT_PX, shape)):
        return [_unexamined("translucent pixels")] * len(ids)
    out: list[Judgement | None] = [None] * len(ids)
    figures: list[dict[str, float]] = [{} for _ in ids]
    for crop, which in crops:
        for i in which:
            if _area(own[i]) > PROBE_MIN_AREA:
                out[i] = _probe(pair, regions, ids, i, boxes[i], shape)
        which = [i for i in which if out[i] is None]
        if which:
            _area_stage(pair, regions, ids, crop, out, figures, which)
    candidates = [i for i, j in enumerate(out) if j is None]
    if candidates:
        crop = _grown([boxes[i] for i in candidates], CONTEXT_PX, shape, even=True)
        if _area(crop) > MAX_CROP_PIXELS:
            for i in candidates:
                out[i] = _unexamined(f"the ink crop exceeds {MAX_CROP_PIXELS} px")
        else:
            _ink_stage(pair, regions, ids, crop, out, figures, candidates)
    return [j if j is not None else _unexamined("not examined") for j in out]


def _ink_stage(pair: _Pair, regions: _Regions, ids: list[int], crop: Box,
               out: list[Judgement | None], figures: list[dict[str, float]], which: list[int]) -> None:
    """The component figures of the regions ``which`` on ``crop``; fills ``out`` for them."""
    rgb_a, rgb_b = pair.rgb(crop)
    planes = ink_math.ink_planes(rgb_a, rgb_b, ink_math.encoded_luminance(rgb_a),
                                 ink_math.encoded_luminance(rgb_b))
    comps = ink_math.components(planes)
    for i in which:
        touched = np.unique(comps.labels[regions.mask(ids[i], crop)])
        got = _component_figures(touched[touched > 0], comps, planes)
        if got is None:
            out[i] = Judgement(False, False, why="no ink")
            continue
        fig, certain = got
        figures[i].update(fig)
        figs = None if certain else TextFigures(**figures[i])
        excused = figs is not None and figs.within(LIMITS)
        out[i] = Judgement(excused, certain, figs, "" if excused else "the ink or its shape changed")


def _failing(decision: Decision) -> list[int]:
    """Indices of the listed failing regions, when the decision carries their labels."""
    if decision.region_labels is None:
        return []
    return [i for i, r in enumerate(decision.regions) if r.failing]


def _judge(decision: Decision, a: Image, b: Image, idx: list[int], offset: tuple[int, int]) -> list[Judgement]:
    assert decision.region_labels is not None
    return judge_regions(a, b, decision.region_labels, [decision.region_label_ids[i] for i in idx], offset)


def excuse_regions(decision: Decision, a: Image, b: Image, *, offset: tuple[int, int], rule: VerdictRule,
                   ppd: float, jnd_threshold: float) -> Decision:
    """``decision`` with the failing regions that are LCD sub-pixel text excused, its verdict redone.

    Only for the region rule; a decision without labelled failing regions
    comes back unchanged.
    """
    if rule.counts_pixels or decision.verdict != "fail":
        return decision
    idx = _failing(decision)
    if not idx:
        return decision
    judged = _judge(decision, a, b, idx, offset)
    excused = [i for i, j in zip(idx, judged) if j.excused]
    if not excused:
        return decision
    regions = list(decision.regions)
    for i in excused:
        r = regions[i]
        kinds = (RegionKind.SUBPIXEL_TEXT,) + tuple(k for k in r.kinds if k is not RegionKind.SUBPIXEL_TEXT)
        regions[i] = replace(r, failing=False, kind=kinds[0], kinds=kinds)
    out = verdict.restate(decision, tuple(regions), rule, (a.height, a.width), ppd, jnd_threshold)
    if out.verdict == "pass":
        out = replace(out, reason=(f"LCD sub-pixel text only: {len(excused)} failing region(s) hold the same "
                                   "text drawn with colour-fringed sub-pixel anti-aliasing on one side "
                                   f"(forgiven; subpixel_text=strict fails them); peak "
                                   f"{decision.peak_jnd or 0.0:.2f} JND"))
    return out


def surely_fails(decision: Decision, a: Image, b: Image, *, offset: tuple[int, int]) -> bool:
    """Does a failing ``decision`` on part of the map fail whatever the rest of the map holds?

    For the verdict-only early stop.  A region of a partial map is part of a
    region of the whole map, which fails too; it stays unexcused when one of
    the figures that only grow with a region is already over its limit.  The
    fringe gate and the region's total ink ratio can change as a region
    grows, so a region kept only for those does not settle the verdict.
    """
    if decision.verdict != "fail":
        return False
    idx = _failing(decision)
    return bool(idx) and any(j.certain for j in _judge(decision, a, b, idx, offset))

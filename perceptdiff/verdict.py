"""The verdict rule: from a visibility map (JND units) to PASS / FAIL.

Default rule (``VerdictRule(kind="regions")``), after ``docs/science.md`` §7.8:
group the pixels whose visibility exceeds the JND threshold into regions —
8-connected after a dilation by ``cluster_deg`` (0.05°, 2 px at 40 ppd), so
that visible pixels at most about 0.1° apart belong to one region (the glyph
fragments of a recoloured text block are seen as one change, as the eye
pools them) — and FAIL when a region

* peaks at or above ``strong_jnd`` × threshold (4 JND: a difference four
  times the detection threshold is seen however small it is), or
* covers at least ``min_area_deg2`` square degrees of visual angle (0.025
  deg², about (9 arcmin)²: near threshold, a difference must cover roughly
  that much of the field to be noticed in free viewing; 40 px at 40 ppd).

Probability summation over area (Quick 1974; Robson & Graham 1981) is why a
near-threshold difference needs area to be seen, and why a strong one does not.

Pixel-budget rule (``kind="pixels"``, or whenever the user gives
``max_pixels``/``max_ratio``/``max_changed_pixels``/``max_area``): FAIL when more than
``max_pixels`` pixels (or more than ``max_ratio`` of the frame, or more than
``max_area_deg2`` square degrees at the viewing geometry) exceed the
threshold, or more than ``max_changed_pixels`` pixels changed inside the
visible regions (Playwright's ``maxDiffPixels`` counts changed pixels).  Yee's metric uses
it with pdiff's "fail at ``threshold`` pixels or more".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import regions as region_labels
from .result import Region

__all__ = ["VerdictRule", "Decision", "decide", "restate", "MAX_REGIONS_LISTED",
           "STRONG_JND", "MIN_AREA_DEG2", "CLUSTER_DEG"]

#: Regions listed in a result (the count of all regions is kept separately).
MAX_REGIONS_LISTED = 100

#: A region peaking this many times over the threshold fails at any size
#: (four times the detection threshold is seen however small; docs/science.md §7.8).
STRONG_JND = 4.0
#: A region covering this many square degrees fails at any strength above the
#: threshold: about (9 arcmin)², what a near-threshold difference must cover to be
#: noticed in free viewing (probability summation over area; docs/science.md §7.8).
MIN_AREA_DEG2 = 0.025
#: Visible pixels up to about twice this many degrees apart form one region
#: (0.05°, 2 px at 40 ppd: the fragments of a recoloured text block are one change).
CLUSTER_DEG = 0.05


@dataclass(frozen=True)
class VerdictRule:
    """How a visibility map becomes a verdict.

    ``kind == "regions"``: FAIL if an 8-connected region of pixels above the
    JND threshold has a peak of at least ``strong_jnd`` times the threshold,
    or covers at least ``min_area_deg2`` square degrees; visible pixels within
    about ``2·cluster_deg`` degrees of each other form one region.
    ``kind == "pixels"``: FAIL if more than ``max_pixels`` pixels are above
    the threshold (or more than ``max_ratio`` of the frame, or more than
    ``max_area_deg2`` square degrees of visible area); ``budget_label``
    names that budget in the verdict's reason in the metric's own terms
    (Yee: its threshold).
    """

    kind: str = "regions"
    strong_jnd: float = STRONG_JND
    min_area_deg2: float = MIN_AREA_DEG2
    max_pixels: int | None = None
    max_ratio: float | None = None
    cluster_deg: float = CLUSTER_DEG
    budget_label: str | None = None
    max_changed_pixels: int | None = None
    max_area_deg2: float | None = None

    @property
    def counts_pixels(self) -> bool:
        """True when a pixel budget decides (``kind="pixels"``, or any budget given), not the regions."""
        return (self.kind == "pixels" or self.max_pixels is not None or self.max_ratio is not None
                or self.max_changed_pixels is not None or self.max_area_deg2 is not None)


@dataclass(frozen=True)
class Decision:
    """The verdict on a visibility map and the figures behind it.

    ``peak_jnd`` and ``p999_jnd`` are None when the images were not compared.
    ``region_labels`` is the map of the grown regions over the map's box (as
    :func:`decide` labelled them) and ``region_label_ids`` the label of each
    listed region, for the steps that examine regions on the images
    (:mod:`perceptdiff.subpixel_text`); :func:`restate` drops them.
    """

    verdict: str
    reason: str
    peak_jnd: float | None
    p999_jnd: float | None
    visible_pixels: int = 0
    visible_area_deg2: float = 0.0
    visible_ratio: float = 0.0
    regions: tuple[Region, ...] = ()
    region_count: int = 0
    forgiven_pixels: int = 0
    changed_pixels: int | None = None
    forgiven_regions: tuple[Region, ...] = ()
    region_labels: np.ndarray | None = field(default=None, compare=False, repr=False)
    region_label_ids: tuple[int, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def nothing_visible(cls, verdict: str, reason: str) -> "Decision":
        """``identical`` images, or a ``pass`` whose map is all zero."""
        return cls(verdict=verdict, reason=reason, peak_jnd=0.0, p999_jnd=0.0)

    @classmethod
    def not_compared(cls, reason: str) -> "Decision":
        """FAIL without a map (the sizes differ)."""
        return cls(verdict="fail", reason=reason, peak_jnd=None, p999_jnd=None)


def _p999(crop: np.ndarray, total: int) -> float:
    """99.9th percentile (lower) of a map that is zero outside ``crop``."""
    if total == 0 or crop.size == 0:
        return 0.0
    rank = int(0.999 * (total - 1))
    zeros_outside = total - crop.size
    if rank < zeros_outside:
        # Map values are >= 0, so the lowest ranks are the zeros outside the box.
        return 0.0
    k = rank - zeros_outside
    return float(kth_smallest(crop.ravel(), k))


#: A subsample of about this many values picks the cut of :func:`kth_smallest`.
_SAMPLE = 65536


def kth_smallest(flat: np.ndarray, k: int) -> float:
    """The ``k``-th smallest value of ``flat`` (0-based): exactly ``np.partition(flat, k)[k]``.

    For a high rank (the 99.9th percentile of a map) only the values at or
    above a cut ``t`` taken from a strided subsample are partitioned: when at
    least ``m = n − k`` values are ≥ ``t``, then ``t`` is at most the answer
    (otherwise fewer than ``m`` values would exceed it), so the answer is the
    ``(|sel| − m)``-th smallest of those values ``sel``.  If the cut was too
    high, the whole array is partitioned.
    """
    n = flat.size
    m = n - k
    if n > 4 * _SAMPLE and m <= n // 64:
        step = n // _SAMPLE
        sample = flat[::step]
        j = max(0, sample.size - 1 - (4 * m * sample.size) // n - 16)
        t = np.partition(sample, j)[j]
        sel = flat[flat >= t]
        if sel.size >= m:
            i = sel.size - m
            return float(np.partition(sel, i)[i])
    return float(np.partition(flat, k)[k])


def cluster_radius(ppd: float, cluster_deg: float) -> int:
    """Dilation radius (px) that merges visible pixels up to ~2·cluster_deg apart."""
    return max(0, int(round(cluster_deg * ppd)))


def label_regions(visible: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Label visible pixels by 8-connected components of the mask dilated by ``radius``.

    Returns the labels of the visible pixels (0 elsewhere: dilation only links
    pixels, it adds none), the labels of the dilated mask, and the number of
    regions.
    """
    grown = region_labels.dilate_disk(visible, radius) if radius > 0 else visible
    grown_labels, n = region_labels.label8(grown)
    labels = np.where(visible, grown_labels, 0)
    return labels, grown_labels, n


def decide(jnd: np.ndarray, offset: tuple[int, int], shape: tuple[int, int], ppd: float,
           jnd_threshold: float, rule: VerdictRule,
           forgiven: np.ndarray | None = None, changed: np.ndarray | None = None) -> Decision:
    """Apply ``rule`` to a visibility map.

    Parameters
    ----------
    jnd : numpy.ndarray
        Map over a box of the frame (zero outside it).
    offset : (int, int)
        ``(y, x)`` of the box in the frame.
    shape : (int, int)
        ``(height, width)`` of the frame.
    ppd : float
        Pixels per degree, to turn pixel counts into deg².
    jnd_threshold : float
        Visibility above which a pixel counts as visibly different.
    rule : VerdictRule
    forgiven : numpy.ndarray, optional
        Boolean map (same box) of forgiven pixels, only counted.
    changed : numpy.ndarray, optional
        Boolean map (same box) of the pixels that actually differ.  A
        region's box is drawn around its changed pixels (visibility spreads a
        few pixels beyond a change, through the eye's filters); its pixel
        count and area remain those of its visible pixels.
    """
    total = int(shape[0]) * int(shape[1])
    px_per_deg2 = ppd * ppd
    oy, ox = offset
    peak = float(jnd.max()) if jnd.size else 0.0
    p999 = _p999(jnd, total)
    visible = jnd > jnd_threshold
    n_visible = int(np.count_nonzero(visible))
    n_forgiven = int(np.count_nonzero(forgiven)) if forgiven is not None else 0

    regions: list[Region] = []
    region_count = 0
    if n_visible:
        labels, grown, region_count = label_regions(visible, cluster_radius(ppd, rule.cluster_deg))
        lab_v = labels[visible]
        sizes = np.bincount(lab_v, minlength=region_count + 1)[1:]
        peaks = np.zeros(region_count + 1, dtype=np.float64)
        np.maximum.at(peaks, lab_v, jnd[visible].astype(np.float64))
        peaks = peaks[1:]
        sums = np.bincount(lab_v, weights=jnd[visible].astype(np.float64),
                           minlength=region_count + 1)[1:]
        means = sums / np.maximum(sizes, 1)
        slices = region_labels.boxes(visible, grown, region_count)
        grown_labels: np.ndarray | None = grown
        if changed is not None:
            inside = changed & (grown > 0)
            tight = region_labels.boxes(inside, grown, region_count)
            slices = [t if t is not None else s for t, s in zip(tight, slices)]
            changed_counts = np.bincount(grown[inside], minlength=region_count + 1)[1:]
    else:
        sizes = np.zeros(0, dtype=np.int64)
        peaks = np.zeros(0)
        means = np.zeros(0)
        slices = []
        grown_labels = None
    if changed is None:
        changed_counts = None
    elif not n_visible:
        changed_counts = np.zeros(0, dtype=np.int64)
    n_changed = int(changed_counts.sum()) if changed_counts is not None else None

    use_budget = rule.counts_pixels
    if use_budget:
        over_px = rule.max_pixels is not None and n_visible > rule.max_pixels
        over_area = rule.max_area_deg2 is not None and n_visible / px_per_deg2 > rule.max_area_deg2
        over_ratio = rule.max_ratio is not None and total and n_visible / total > rule.max_ratio
        over_changed = (rule.max_changed_pixels is not None
                        and (n_changed if n_changed is not None else n_visible) > rule.max_changed_pixels)
        failed = bool(over_px or over_ratio or over_changed or over_area)
        failing = np.full(len(sizes), failed)
    else:
        strong = rule.strong_jnd * jnd_threshold
        min_px = rule.min_area_deg2 * px_per_deg2
        failing = (peaks >= strong) | (sizes >= min_px)
        failed = bool(failing.any())

    order = np.lexsort((-sizes, -peaks, ~failing)) if len(sizes) else np.zeros(0, dtype=np.int64)
    for i in order[:MAX_REGIONS_LISTED]:
        sl = slices[i]
        regions.append(Region(
            x=int(sl[1].start + ox), y=int(sl[0].start + oy),
            width=int(sl[1].stop - sl[1].start), height=int(sl[0].stop - sl[0].start),
            visible_pixels=int(sizes[i]), area_deg2=float(sizes[i] / px_per_deg2),
            peak_jnd=float(peaks[i]), mean_jnd=float(means[i]), failing=bool(failing[i]),
            changed_pixels=int(changed_counts[i]) if changed_counts is not None else None,
        ))

    reason = _reason(failed, use_budget, rule, regions, region_count, n_visible, total,
                     peak, jnd_threshold, ppd, n_forgiven, n_changed)
    return Decision(
        verdict="fail" if failed else "pass", reason=reason, peak_jnd=peak, p999_jnd=p999,
        visible_pixels=n_visible, visible_area_deg2=n_visible / px_per_deg2,
        visible_ratio=(n_visible / total) if total else 0.0, regions=tuple(regions),
        region_count=int(region_count), forgiven_pixels=n_forgiven, changed_pixels=n_changed,
        region_labels=grown_labels, region_label_ids=tuple(int(i) + 1 for i in order[:MAX_REGIONS_LISTED]),
    )


def restate(decision: Decision, regions: tuple[Region, ...], rule: VerdictRule, shape: tuple[int, int],
            ppd: float, jnd_threshold: float, *, region_count: int | None = None) -> Decision:
    """``decision`` with its regions replaced (some excused, or merged), its verdict and reason redone.

    Regions are re-ordered as :func:`decide` orders them (failing first, then
    by peak and size).  Regions past :data:`MAX_REGIONS_LISTED` were never
    listed; if the last listed one still fails, they are taken to fail too.
    Only for the region rule (a pixel budget counts pixels, not regions).
    """
    count = decision.region_count if region_count is None else region_count
    ordered = tuple(sorted(regions, key=lambda r: (not r.failing, -r.peak_jnd, -r.visible_pixels)))
    unlisted_fail = count > len(regions) and bool(decision.regions) and decision.regions[-1].failing
    failed = any(r.failing for r in ordered) or unlisted_fail
    total = int(shape[0]) * int(shape[1])
    reason = _reason(failed, False, rule, list(ordered), count, decision.visible_pixels, total,
                     decision.peak_jnd or 0.0, jnd_threshold, ppd, decision.forgiven_pixels,
                     decision.changed_pixels)
    return replace(decision, verdict="fail" if failed else "pass", reason=reason, regions=ordered,
                   region_count=count, region_labels=None, region_label_ids=())


def _reason(failed: bool, use_budget: bool, rule: VerdictRule, regions: list[Region],
            region_count: int, n_visible: int, total: int, peak: float, thr: float,
            ppd: float, n_forgiven: int, n_changed: int | None = None) -> str:
    forgiven = f"; {n_forgiven} px forgiven as anti-aliasing/jitter" if n_forgiven else ""
    if use_budget:
        limits = []
        if rule.max_pixels is not None:
            limits.append(f"{rule.max_pixels} visible px")
        if rule.max_ratio is not None:
            limits.append(f"{rule.max_ratio:.4g} of the frame")
        if rule.max_changed_pixels is not None:
            limits.append(f"{rule.max_changed_pixels} changed px")
        if rule.max_area_deg2 is not None:
            limits.append(f"{rule.max_area_deg2:g} deg² visible")
        budget = rule.budget_label or "the budget of " + " or ".join(limits)
        verb = "exceeds" if failed else "within"
        changed = f"{n_changed} px changed, " if n_changed is not None else ""
        area = f", {n_visible / (ppd * ppd):.3g} deg²" if rule.max_area_deg2 is not None else ""
        return (f"{changed}{n_visible} px visibly different ({100 * n_visible / max(total, 1):.3g}%{area}), "
                f"{verb} {budget}; peak {peak:.2f} JND{forgiven}")
    if failed:
        worst = regions[0]
        why = []
        if worst.peak_jnd >= rule.strong_jnd * thr:
            why.append(f"peak {worst.peak_jnd:.1f} JND >= {rule.strong_jnd * thr:g}")
        min_px = rule.min_area_deg2 * ppd * ppd
        if worst.visible_pixels >= min_px:
            why.append(f"visible area {worst.visible_pixels} px >= {min_px:.0f} px")
        n_fail = sum(r.failing for r in regions)
        more = f" (+{n_fail - 1} more failing)" if n_fail > 1 else ""
        return (f"visible difference at x={worst.x} y={worst.y}: {_region_words(worst)}; "
                f"{' and '.join(why)}{more}{forgiven}")
    if n_visible == 0:
        return f"no visible difference (peak {peak:.2f} JND){forgiven}"
    largest = max(regions, key=lambda r: r.visible_pixels)
    return (f"differences too small or faint to see: {region_count} region(s) above "
            f"{thr:g} JND, largest visible over {largest.visible_pixels} px, peak {peak:.2f} JND{forgiven}")


def _region_words(r: Region) -> str:
    """``64 px changed in the 8x8 box, visible over 1004 px (0.628 deg²)``: both counts, named."""
    changed = (f"{r.changed_pixels} px changed in the {r.width}x{r.height} box"
               if r.changed_pixels is not None else f"the {r.width}x{r.height} box")
    return f"{changed}, visible over {r.visible_pixels} px ({r.area_deg2:.3g} deg²)"

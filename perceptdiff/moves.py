"""Moved content: regions explained by a displacement, and a shift of the whole frame.

With ``max_shift`` N > 0, after the verdict rule has found the regions:

1. **The whole frame** (a scroll): phase correlation proposes a displacement
   of up to N px (:func:`perceptdiff.shift_search.frame_shift`); when, moved
   back by it, the actual image equals the expected one on their overlap
   (within one code) and the *raw* difference (every pixel whose codes
   differ, before jitter forgiveness: a 1-px scroll leaves only scattered
   regions once forgiven) spans at least :data:`FRAME_SPAN` of the
   frame's width and height, every region is the scroll and the regions are
   replaced by one, of kind ``moved``, over all of them: one fact, not
   thousands of regions.  The band that scrolled in cannot be judged (it is
   not in the expected image) and belongs to that fact.
2. **Each listed region** otherwise: block matching over its box
   (:func:`~perceptdiff.shift_search.region_shift`) finds the displacement
   that leaves the fewest differing pixels.  It is the region's ``shift``
   when it explains at least :data:`SHIFT_MIN_EXPLAINED` of them; the
   region's kind becomes ``moved`` (the other kinds kept after it) when it
   explains at least :data:`MOVED_EXPLAINS`; else ``moved`` is listed after
   the kinds the region shows (a button moved *and* recoloured is
   ``colour``, with ``moved`` among its kinds).

With ``allow_shift`` a region (or the frame) exactly explained by its move
does not fail, and the verdict is decided again from the regions left; a
move together with any other change still fails.  The search never runs on
more than :data:`perceptdiff.shift_search.MAX_SEARCH_WORK` comparisons per
region; a region too large for it keeps no shift.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import verdict
from .image import Image
from .resample import match_dtypes
from .result import Region, RegionKind
from .shift_search import differing_pixels, frame_shift, region_shift
from .verdict import Decision, VerdictRule

__all__ = ["apply_moves", "SHIFT_MIN_EXPLAINED", "MOVED_EXPLAINS", "FRAME_SPAN"]

#: A displacement is reported when it explains at least half the region's
#: differing pixels (moving the content back leaves at most half of them).
SHIFT_MIN_EXPLAINED = 0.5
#: ... and makes the region ``moved`` first when it explains 95 % of them
#: (what remains is the edge of revealed background or 1-px rounding).
MOVED_EXPLAINS = 0.95
#: A shift of the whole frame is claimed only when the regions span at least
#: half the frame's width and half its height: one button moved on a blank
#: page also matches the page moved back, but it is that button that moved.
FRAME_SPAN = 0.5


def _with_shift(r: Region, dx: int, dy: int, explained: float) -> Region:
    kinds = tuple(k for k in r.kinds if k is not RegionKind.MOVED)
    if explained >= MOVED_EXPLAINS:
        kinds = (RegionKind.MOVED,) + kinds
    else:
        kinds = kinds + (RegionKind.MOVED,)
    return replace(r, shift=(dx, dy), kinds=kinds, kind=kinds[0])


def _frame_region(decision: Decision, dx: int, dy: int, failing: bool) -> Region:
    regs = decision.regions
    x0, y0 = min(r.x for r in regs), min(r.y for r in regs)
    x1, y1 = max(r.x + r.width for r in regs), max(r.y + r.height for r in regs)
    changed = [r.changed_pixels for r in regs]
    return Region(x=x0, y=y0, width=x1 - x0, height=y1 - y0, visible_pixels=decision.visible_pixels,
                  area_deg2=decision.visible_area_deg2, peak_jnd=decision.peak_jnd or 0.0,
                  mean_jnd=None, failing=failing,
                  changed_pixels=decision.changed_pixels if None not in changed else None,
                  kind=RegionKind.MOVED, kinds=(RegionKind.MOVED,), shift=(dx, dy))


def _raw_spread(a: Image, b: Image) -> bool:
    """The codes of ``a`` and ``b`` differ over at least :data:`FRAME_SPAN` of the width and the height.

    Judged on the raw difference, not on the regions left after forgiveness:
    a 1-px scroll is mostly forgiven as jitter, and what remains need not
    span the frame although the whole frame moved.
    """
    differ = differing_pixels(a.pixels, b.pixels)
    cols, rows = np.flatnonzero(differ.any(axis=0)), np.flatnonzero(differ.any(axis=1))
    if not cols.size:
        return False
    return (cols[-1] + 1 - cols[0] >= FRAME_SPAN * a.width
            and rows[-1] + 1 - rows[0] >= FRAME_SPAN * a.height)


def apply_moves(decision: Decision, expected: Image, actual: Image, *, max_shift: int,
                allow_shift: bool, rule: VerdictRule, ppd: float,
                jnd_threshold: float) -> tuple[Decision, tuple[str, ...]]:
    """``decision`` with moved content found (see the module documentation), and notes about it.

    Raises nothing; a decision without regions comes back unchanged.
    """
    if max_shift <= 0 or not decision.regions:
        return decision, ()
    a, b = match_dtypes(expected, actual)
    shape = (a.height, a.width)
    whole = frame_shift(a.pixels, b.pixels, max_shift) if _raw_spread(a, b) else None
    if whole is not None and whole.exact:
        region = _frame_region(decision, whole.dx, whole.dy, failing=not allow_shift)
        note = (f"the whole frame moved by ({whole.dx}, {whole.dy}) px (a scroll): moved back, it matches "
                f"the expected image; {decision.region_count} region(s) reported as this one fact")
        out = verdict.restate(decision, (region,), rule, shape, ppd, jnd_threshold, region_count=1)
        if allow_shift:
            out = replace(out, reason=f"the whole frame moved by ({whole.dx}, {whole.dy}) px and is "
                                      "otherwise the same (allowed by allow_shift)")
        else:
            out = replace(out, reason=f"the whole frame moved by ({whole.dx}, {whole.dy}) px (a scroll), "
                                      "otherwise the same; allow_shift would let it pass")
        return out, (note,)
    notes: tuple[str, ...] = ()
    if whole is not None and whole.explained >= MOVED_EXPLAINS:
        notes = (f"the whole frame appears moved by ({whole.dx}, {whole.dy}) px, with other changes "
                 f"({whole.after} px differ once moved back)",)
    regions = []
    excused = 0
    for r in decision.regions:
        s = region_shift(a.pixels, b.pixels, r.box, max_shift)
        if s is None or (s.dx, s.dy) == (0, 0) or s.explained < SHIFT_MIN_EXPLAINED:
            regions.append(r)
            continue
        moved = _with_shift(r, s.dx, s.dy, s.explained)
        if allow_shift and s.exact and moved.failing:
            moved = replace(moved, failing=False)
            excused += 1
        regions.append(moved)
    out = replace(decision, regions=tuple(regions))
    if excused:
        out = verdict.restate(out, tuple(regions), rule, shape, ppd, jnd_threshold)
        if out.verdict == "pass":
            out = replace(out, reason=f"moved content only: {excused} failing region(s), each exactly "
                                      f"explained by a shift of at most {max_shift} px (allowed by "
                                      "allow_shift)")
    return out, notes

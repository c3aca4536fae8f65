"""Screening: the parts of a frame the eye model has to see.

A metric whose map has a finite *support radius* ``R`` (the default
metric's: the farthest reach of its colour filters and of its pyramid's
coarsest SSIM window, :func:`perceptdiff.metrics.default.support_radius`)
gives exactly zero visibility farther than ``R`` from every pixel that
differs.  So the frame is cut into tiles of :data:`TILE` px, a tile is
*active* when one of its pixels differs (after forgiveness), and the model runs
only on boxes around the active tiles:

* active tiles closer than ``2·H`` to each other (``H = R`` plus
  :data:`HALO_SLACK`) form one group: a pixel within ``H`` of one group is
  then farther than ``R`` from every other group's differences, which cannot
  reach it;
* each group's box is the bounding box of its tiles grown by ``H`` (clipped
  to the frame, its origin on the pyramid's coarsest grid so that decimation
  inside the box is the frame's);
* boxes that overlap, or whose union costs no more pixels than the two apart
  (their halos shared), are merged, so the halo is paid once.

Outside every box the map is zero, as it is beyond ``R`` of every
difference.  Inside a box, the map is the one the whole frame gives wherever
a pixel's own support lies in the box (the default metric keeps its
filters' block grids on the frame's grid, so a box is not a new frame), and
within float rounding elsewhere near the differences; the box of one group
is the same crop the unscreened path takes when the frame holds one group.
``compare(..., screening=False)`` runs that reference path: one box around
every difference.

With ``verdict_only`` the metric models the boxes strongest first (largest
code difference) and the comparison stops at the first box whose map already
fails the verdict rule: both rules only grow with more visible pixels (a
region only merges into larger regions; a budget only fills up), so a
failure on part of the frame is a failure of the whole.

Why not a bound on weak differences (a tile "provably below 0.5 JND")?
Measured on a 1080p UI frame with ±1 code of noise on every channel: the
model itself rates that noise 0.36 JND (median) to 0.73 JND (99th
percentile), so most 32-px tiles reach 0.5 JND and only 23 % stay below
it; any sound bound is larger still.  A bound from per-tile code
differences and colour ranges ignores how the CSF filters average the
noise out (their gain on a ±1 pattern is about a third of their L1 norm)
and lands above 1 JND on such tiles; one that keeps that averaging has
to filter the difference at full resolution, about a third of the model's
own cost.  So weak differences are modelled, not bounded; screening skips
only what cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import regions

__all__ = ["TILE", "HALO_SLACK", "MAX_BOXES", "Box", "active_tiles", "plan_boxes"]

#: Tile side (px): the coarsest grid of a 6-level pyramid (2^5), so tile
#: edges are also box origins that keep the pyramid's decimation.
TILE = 32
#: Pixels added to the metric's support radius around every group of active
#: tiles: the crop's own borders (which the model treats as the frame's)
#: then stay beyond the reach of every pixel near a difference.
HALO_SLACK = 32
#: More boxes than this are not worth their halos and bookkeeping: one box
#: around every difference is modelled instead.
MAX_BOXES = 32
#: Screening pays off only if the boxes hold at most this fraction of the
#: pixels of the one box around every difference.
MAX_AREA_FRACTION = 0.8


@dataclass(frozen=True)
class Box:
    """A box of the frame: rows ``y0:y1``, columns ``x0:x1``."""

    y0: int
    y1: int
    x0: int
    x1: int

    @property
    def area(self) -> int:
        return (self.y1 - self.y0) * (self.x1 - self.x0)

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    @property
    def origin(self) -> tuple[int, int]:
        return (self.y0, self.x0)

    def union(self, other: "Box") -> "Box":
        return Box(min(self.y0, other.y0), max(self.y1, other.y1), min(self.x0, other.x0),
                   max(self.x1, other.x1))

    def overlaps(self, other: "Box") -> bool:
        return (self.y0 < other.y1 and other.y0 < self.y1 and self.x0 < other.x1
                and other.x0 < self.x1)


def active_tiles(differ: np.ndarray, tile: int = TILE) -> np.ndarray:
    """Boolean ``(ceil(H/tile), ceil(W/tile))`` grid: does a tile hold a differing pixel."""
    h, w = differ.shape
    th, tw = -(-h // tile), -(-w // tile)
    padded = differ
    if (th * tile, tw * tile) != (h, w):
        padded = np.zeros((th * tile, tw * tile), dtype=bool)
        padded[:h, :w] = differ
    return padded.reshape(th, tile, tw, tile).any(axis=(1, 3))


def _dilate_square(mask: np.ndarray, r: int) -> np.ndarray:
    """``mask`` dilated by a (2r+1)² square (summed-area table; the grid is small)."""
    if r <= 0:
        return mask.copy()
    h, w = mask.shape
    c = np.zeros((h + 1, w + 1), dtype=np.int32)
    c[1:, 1:] = np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1)
    y = np.arange(h)
    x = np.arange(w)
    y0, y1 = np.clip(y - r, 0, h), np.clip(y + r + 1, 0, h)
    x0, x1 = np.clip(x - r, 0, w), np.clip(x + r + 1, 0, w)
    s = c[y1][:, x1] - c[y0][:, x1] - c[y1][:, x0] + c[y0][:, x0]
    return s > 0


def _merge(boxes: list[Box]) -> list[Box]:
    """Merge boxes that overlap or whose union has no more pixels than the two apart."""
    out = list(boxes)
    merged = True
    while merged and len(out) > 1:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                u = out[i].union(out[j])
                if out[i].overlaps(out[j]) or u.area <= out[i].area + out[j].area:
                    out[i] = u
                    del out[j]
                    merged = True
                    break
            if merged:
                break
    return out


def plan_boxes(differ: np.ndarray, radius: int, align: int, *, tile: int = TILE) -> list[Box] | None:
    """The boxes the model must see for the differing pixels ``differ``.

    Parameters
    ----------
    differ : numpy.ndarray
        Boolean map of the frame: pixels that differ after forgiveness.
    radius : int
        The metric's support radius (px); :data:`HALO_SLACK` is added.
    align : int
        Box origins are multiples of this (the pyramid's coarsest grid); a
        multiple of ``tile`` or a divisor of it.
    tile : int

    Returns
    -------
    list of Box or None
        The boxes (top to bottom); None when screening cannot help (no
        difference, one box, too many boxes, or boxes covering nearly as
        much as one box around every difference).
    """
    tiles = active_tiles(differ, tile)
    if not tiles.any():
        return None
    h, w = differ.shape
    halo = radius + HALO_SLACK
    # Each tile grown by the halo: groups whose grown tiles touch are within 2·H.
    groups, n = regions.label8(_dilate_square(tiles, -(-halo // tile)))
    if n < 2:
        return None
    labels = np.where(tiles, groups, 0)
    ty, tx = np.nonzero(labels)
    lab = labels[ty, tx]
    boxes = []
    for g in range(1, n + 1):
        sel = lab == g
        if not sel.any():
            continue
        gy, gx = ty[sel], tx[sel]
        y0 = max(0, (int(gy.min()) * tile - halo) // align * align)
        x0 = max(0, (int(gx.min()) * tile - halo) // align * align)
        y1 = min(h, (int(gy.max()) + 1) * tile + halo)
        x1 = min(w, (int(gx.max()) + 1) * tile + halo)
        boxes.append(Box(y0, y1, x0, x1))
    boxes = _merge(boxes)
    if len(boxes) < 2 or len(boxes) > MAX_BOXES:
        return None
    whole = boxes[0]
    for b in boxes[1:]:
        whole = whole.union(b)
    if sum(b.area for b in boxes) > MAX_AREA_FRACTION * whole.area:
        return None
    return sorted(boxes, key=lambda b: (b.y0, b.x0))

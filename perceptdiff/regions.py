"""Connected regions of a boolean mask, by row runs (numpy only).

Visible differences are usually a few thousand pixels in a few hundred row
runs, so labelling the runs (union–find with pointer jumping, vectorised)
is cheap and keeps scipy.ndimage (~0.25 s to import) off the path of a
typical comparison.  Masks with very many runs fall back to
``scipy.ndimage.label``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Runs", "runs", "label8", "dilate_disk", "boxes"]

#: Above this many runs, ``scipy.ndimage.label`` is faster than the run method.
MAX_RUNS = 200_000


class Runs:
    """Horizontal runs of True pixels: ``row``, ``start``, ``stop`` (exclusive), row-major order."""

    __slots__ = ("row", "start", "stop")

    def __init__(self, row: np.ndarray, start: np.ndarray, stop: np.ndarray) -> None:
        self.row, self.start, self.stop = row, start, stop

    def __len__(self) -> int:
        return int(self.row.size)


def runs(mask: np.ndarray) -> Runs:
    """The row runs of ``mask`` (2-D bool)."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    r0, s = np.nonzero(edges == 1)
    r1, e = np.nonzero(edges == -1)
    return Runs(r0.astype(np.intp), s.astype(np.intp), e.astype(np.intp))


def _components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component id (the smallest member) of each of ``n`` nodes joined by edges ``u``–``v``."""
    lab = np.arange(n, dtype=np.intp)
    if u.size == 0:
        return lab
    while True:
        lu, lv = lab[u], lab[v]
        if np.array_equal(lu, lv):
            return lab
        lo = np.minimum(lu, lv)
        np.minimum.at(lab, lu, lo)  # hook both roots onto the smaller one
        np.minimum.at(lab, lv, lo)
        while True:  # pointer jumping until every node points at a root
            nxt = lab[lab]
            if np.array_equal(nxt, lab):
                break
            lab = nxt


def label8(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected labels (1..n, 0 = background) of a boolean mask, and n."""
    rr = runs(mask)
    if len(rr) > MAX_RUNS:
        from scipy import ndimage

        labels, n = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
        return labels, int(n)
    labels = np.zeros(mask.shape, dtype=np.int32)
    if len(rr) == 0:
        return labels, 0
    w = mask.shape[1] + 2
    key_start = rr.row * w + rr.start
    key_stop = rr.row * w + rr.stop
    # For each run, the runs of the row above that touch it (8-connectivity):
    # stop_above >= start and start_above <= stop.
    above = rr.row - 1
    lo = np.searchsorted(key_stop, above * w + rr.start, side="left")
    hi = np.searchsorted(key_start, above * w + rr.stop, side="right") - 1
    ok = (rr.row > 0) & (lo <= hi) & (lo < len(rr))
    ok[ok] &= rr.row[lo[ok]] == above[ok]
    q = np.flatnonzero(ok)
    lo, hi = lo[q], hi[q]
    # Edges: the run to its first neighbour above, and consecutive neighbours above to each other.
    counts = hi - lo
    first = np.repeat(lo, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    chain = first + offsets
    u = np.concatenate([q, chain])
    v = np.concatenate([lo, chain + 1])
    comp = _components(len(rr), u, v)
    _, inverse = np.unique(comp, return_inverse=True)
    run_label = inverse.astype(np.int32) + 1
    labels[mask] = np.repeat(run_label, rr.stop - rr.start)
    return labels, int(run_label.max())


def dilate_disk(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a disk of ``radius`` pixels (False outside the frame)."""
    if radius <= 0:
        return mask.copy()
    h, w = mask.shape
    out = np.zeros_like(mask)
    for dy in range(-radius, radius + 1):
        ext = int(np.floor(np.sqrt(radius * radius - dy * dy)))
        row = mask.copy()
        if ext:
            src = mask
            for dx in range(1, ext + 1):
                if dx >= w:
                    break
                row[:, dx:] |= src[:, :-dx]
                row[:, :-dx] |= src[:, dx:]
        if dy >= 0:
            if dy < h:
                out[dy:] |= row[:h - dy]
        elif -dy < h:
            out[:dy] |= row[-dy:]
    return out


def boxes(mask: np.ndarray, labels: np.ndarray, n: int) -> list[tuple[slice, slice] | None]:
    """Bounding box (row slice, column slice) of each label's pixels inside ``mask``; None if it has none."""
    rr = runs(mask)
    out: list[tuple[slice, slice] | None] = [None] * n
    if len(rr) == 0:
        return out
    lab = labels[rr.row, rr.start].astype(np.intp)
    keep = lab > 0
    lab, row, start, stop = lab[keep], rr.row[keep], rr.start[keep], rr.stop[keep]
    big = np.iinfo(np.intp).max
    y0 = np.full(n + 1, big, np.intp)
    x0 = np.full(n + 1, big, np.intp)
    y1 = np.full(n + 1, -1, np.intp)
    x1 = np.full(n + 1, -1, np.intp)
    np.minimum.at(y0, lab, row)
    np.maximum.at(y1, lab, row)
    np.minimum.at(x0, lab, start)
    np.maximum.at(x1, lab, stop)
    for i in np.flatnonzero(y1[1:] >= 0) + 1:
        out[i - 1] = (slice(int(y0[i]), int(y1[i]) + 1), slice(int(x0[i]), int(x1[i])))
    return out

"""Finding displaced content: the whole frame by phase correlation, a region by block matching.

Both work on the decoded codes of two same-size images and search integer
displacements ``(dx, dy)`` with ``|dx|, |dy| <= max_shift``; content moved
by ``(dx, dy)`` means ``actual[y, x] == expected[y - dy, x - dx]``.  Two codes
count as equal within :data:`CODE_TOLERANCE` of the full scale (1-LSB noise of
8-bit renders; a move is "exact" when nothing else changed).

References
----------
- Kuglin & Hines, *The phase correlation image alignment method*, IEEE Conf.
  Cybernetics and Society (1975): the normalised cross-power spectrum peaks at
  the displacement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Shift", "differing_pixels", "frame_shift", "region_shift", "CODE_TOLERANCE", "MAX_SEARCH_WORK"]

#: Codes within this fraction of the full scale count as equal (one 8-bit code).
CODE_TOLERANCE = 1.0 / 255.0
#: Most pixel comparisons one region's block matching may take ((2N+1)² shifts x
#: box pixels: 2^27 is about half a second); larger searches are not made.
MAX_SEARCH_WORK = 1 << 27


@dataclass(frozen=True)
class Shift:
    """The best displacement of some content and how well it explains the change.

    Attributes
    ----------
    dx, dy : int
        The displacement (actual = expected moved by ``(dx, dy)``).
    before : int
        Pixels that differ without moving (in the searched area).
    after : int
        Pixels that still differ once the content is moved back.
    """

    dx: int
    dy: int
    before: int
    after: int

    @property
    def explained(self) -> float:
        """Share of the differing pixels the move explains (1: all of them)."""
        return 1.0 - self.after / self.before if self.before else 0.0

    @property
    def exact(self) -> bool:
        """The move explains every differing pixel."""
        return self.before > 0 and self.after == 0


def _differ(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    d = np.abs(a.astype(np.float32) - b.astype(np.float32))
    return np.any(d > tol, axis=-1)


def _tolerance(pixels: np.ndarray) -> float:
    if pixels.dtype == np.uint8:
        return 255.0 * CODE_TOLERANCE + 1e-3
    if pixels.dtype == np.uint16:
        return 65535.0 * CODE_TOLERANCE + 1e-3
    return CODE_TOLERANCE + 1e-6


def differing_pixels(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Boolean map of the pixels whose codes differ by more than :data:`CODE_TOLERANCE` (same shapes)."""
    return _differ(expected, actual, _tolerance(expected))


def _padded(img: np.ndarray, box: tuple[int, int, int, int], n: int) -> np.ndarray:
    """``img`` around ``box`` grown by ``n`` on every side, float32, NaN outside the frame (never matches)."""
    x, y, w, h = box
    fh, fw = img.shape[:2]
    pad = np.full((h + 2 * n, w + 2 * n, img.shape[2]), np.nan, np.float32)
    sy0, sy1 = max(0, y - n), min(fh, y + h + n)
    sx0, sx1 = max(0, x - n), min(fw, x + w + n)
    pad[sy0 - (y - n):sy1 - (y - n), sx0 - (x - n):sx1 - (x - n)] = img[sy0:sy1, sx0:sx1]
    return pad


def region_shift(expected: np.ndarray, actual: np.ndarray, box: tuple[int, int, int, int],
                 max_shift: int) -> Shift | None:
    """The displacement that best explains the change inside ``box`` ``(x, y, w, h)``.

    Every shift ``d`` up to ``max_shift`` is tried (exhaustive block
    matching), both ways: the actual box must be the expected content moved
    by ``d`` (``actual[B] == expected[B - d]``) *and* the expected box must
    reappear moved (``expected[B] == actual[B + d]``).  One way alone is not
    a move: a thin line that vanished on a flat page is "explained" by the
    background beside it moving in, but the line appears nowhere.  ``after``
    is the larger of the two counts of pixels left differing; pixels whose
    source falls outside the frame count as differing.  None when the search
    would exceed :data:`MAX_SEARCH_WORK` or nothing in the box differs.
    """
    x, y, w, h = box
    n = int(max_shift)
    if n <= 0 or 2 * w * h * (2 * n + 1) ** 2 > MAX_SEARCH_WORK:
        return None
    tol = _tolerance(expected)
    target = actual[y:y + h, x:x + w].astype(np.float32)
    source = expected[y:y + h, x:x + w].astype(np.float32)
    before = int(np.count_nonzero(np.any(np.abs(target - source) > tol, axis=-1)))
    if before == 0:
        return None
    pad_e, pad_a = _padded(expected, box, n), _padded(actual, box, n)

    def misses(window: np.ndarray, ref: np.ndarray) -> int:
        return int(np.count_nonzero(~np.all(np.abs(ref - window) <= tol, axis=-1)))

    best = (2 * before, before, 0, 0, 0)  # (both ways, worse way, |dx| + |dy|, dx, dy)
    for dy in range(-n, n + 1):
        for dx in range(-n, n + 1):
            if dx == 0 and dy == 0:
                continue
            fwd = misses(pad_e[n - dy:n - dy + h, n - dx:n - dx + w], target)
            if fwd >= best[0]:
                continue  # cannot beat the best even if the other way matched exactly
            back = misses(pad_a[n + dy:n + dy + h, n + dx:n + dx + w], source)
            candidate = (fwd + back, max(fwd, back), abs(dx) + abs(dy), dx, dy)
            if candidate[:3] < best[:3]:
                best = candidate
    return Shift(dx=best[3], dy=best[4], before=before, after=best[1])


def frame_shift(expected: np.ndarray, actual: np.ndarray, max_shift: int) -> Shift | None:
    """The displacement of the whole frame (a scroll), checked pixel by pixel; None if there is none.

    Phase correlation of the two greyscales proposes the displacement; it is
    then verified on the overlap of the two frames (the band that scrolled in
    is not judged: it was not in the expected image).  ``before`` and
    ``after`` count differing pixels of the overlap without and with the
    move.
    """
    n = int(max_shift)
    fh, fw = expected.shape[:2]
    if n <= 0 or fh <= 2 * n or fw <= 2 * n:
        return None
    ga = expected[..., :3].astype(np.float32).mean(axis=-1)
    gb = actual[..., :3].astype(np.float32).mean(axis=-1)
    ga -= ga.mean()
    gb -= gb.mean()
    fa, fb = np.fft.rfft2(ga), np.fft.rfft2(gb)
    cross = fb * np.conj(fa)
    cross /= np.maximum(np.abs(cross), 1e-12)
    corr = np.fft.irfft2(cross, s=ga.shape)
    # Only displacements up to n: the corners of the circular correlation.
    idx = np.r_[0:n + 1, -n:0]
    window = corr[np.ix_(idx % fh, idx % fw)]
    iy, ix = np.unravel_index(int(np.argmax(window)), window.shape)
    dy, dx = int(idx[iy]), int(idx[ix])
    if dx == 0 and dy == 0:
        return None
    tol = _tolerance(expected)
    # Overlap: actual[y, x] for which expected[y - dy, x - dx] exists.
    ys, xs = slice(max(0, dy), fh + min(0, dy)), slice(max(0, dx), fw + min(0, dx))
    src = expected[max(0, -dy):fh - max(0, dy), max(0, -dx):fw - max(0, dx)]
    after = int(np.count_nonzero(_differ(actual[ys, xs], src, tol)))
    before = int(np.count_nonzero(_differ(actual[ys, xs], expected[ys, xs], tol)))
    return Shift(dx=dx, dy=dy, before=before, after=after)

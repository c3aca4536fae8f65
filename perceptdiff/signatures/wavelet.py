"""Jacobs, Finkelstein & Salesin's (1995) multiresolution wavelet signature.

Method, in our words: shrink the image to a 128×128 square, express it in
the YIQ colour space, and take the standard two-dimensional Haar wavelet
decomposition of each channel (the full one-dimensional transform of every
row, then of every column).  Keep each channel's overall average (the
scaling coefficient) and, of all the other coefficients, only the positions
and signs of the ``m`` largest in magnitude.  Two images are compared by the
weighted difference of their averages, minus a reward for every kept
coefficient they share with the same sign; the reward depends on the
coefficient's scale through a bin number ``min(max(i, j), 5)`` of its row
``i`` and column ``j``, and on the channel.  The paper fitted the rewards by
logistic regression on two kinds of query: scanned prints of the target
image, and paintings of it.

References
----------
.. [1] C. E. Jacobs, A. Finkelstein and D. H. Salesin, "Fast Multiresolution
   Image Querying", Proc. SIGGRAPH 95, pp. 277-286, 1995 (the metric, the
   128×128 rescale, m = 60 and the weight tables, section 3 and table 1).
.. [2] Federal Communications Commission, NTSC transmission standards, 1953
   (the YIQ matrix).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..color import linear_to_srgb
from .base import THUMBNAIL_SIZE, Thumbnail, ThumbnailSignature

__all__ = [
    "WaveletSignature", "WAVELET", "WEIGHTS_SCANNED", "WEIGHTS_PAINTED", "COEFFICIENTS",
    "RGB_TO_YIQ", "haar_matrix", "haar2d", "paper_score",
]

#: Kept coefficients per channel: the paper's choice of m (section 4.2:
#: 40 to 60 did about equally well; 60 was its best for scanned queries).
COEFFICIENTS = 60

#: Gamma-encoded R'G'B' -> Y, I, Q (NTSC, FCC 1953), rows Y, I, Q.
RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114],
     [0.596, -0.274, -0.322],
     [0.211, -0.523, 0.312]], dtype=np.float32)

#: The paper's weights for scanned queries (table 1), by bin 0..5 (rows) and
#: channel Y, I, Q (columns); bin 0 weighs the difference of the averages.
WEIGHTS_SCANNED = np.array(
    [[5.00, 19.21, 34.37],
     [0.83, 1.26, 0.36],
     [1.01, 0.44, 0.45],
     [0.52, 0.53, 0.14],
     [0.47, 0.28, 0.18],
     [0.30, 0.14, 0.27]], dtype=np.float32)

#: The paper's weights for painted queries (table 1), same layout.
WEIGHTS_PAINTED = np.array(
    [[4.04, 15.14, 22.62],
     [0.78, 0.92, 0.40],
     [0.46, 0.53, 0.63],
     [0.42, 0.26, 0.25],
     [0.41, 0.14, 0.15],
     [0.32, 0.07, 0.38]], dtype=np.float32)

#: Coefficients smaller than this (pixel values in [0, 1]) are rounding noise
#: of a flat area, not detail: they are never kept, so a flat image keeps none.
_NEGLIGIBLE = 1e-6

#: Typical raw distance between two unrelated images (the normalising unit),
#: the median over 4 000 unrelated pairs of the 1 000-image benchmark corpus
#: (``benchmarks/similar.py --calibrate``; UI windows, charts, photo-like
#: textures, text pages); the 10 000-image corpus gives 47.7.
WAVELET_SCALE = 47.8


def haar_matrix(n: int) -> np.ndarray:
    """The ``(n, n)`` one-dimensional Haar decomposition as a matrix.

    Row 0 averages the signal; row ``2**j + k`` is the ``k``-th detail
    coefficient at level ``j`` (``+`` on the first half of its support, ``-``
    on the second), the order of the paper's decomposition.  Rows are the
    orthonormal Haar basis divided by ``sqrt(n)`` (the paper's normalisation),
    so coefficient 0 is the mean.
    """
    levels = int(round(np.log2(n)))
    if 2 ** levels != n:
        raise ValueError(f"haar_matrix: size {n} is not a power of two")
    w = np.zeros((n, n), dtype=np.float64)
    w[0] = 1.0 / np.sqrt(n)
    for j in range(levels):
        count = 2 ** j
        support = n // count
        rows = np.arange(count) + count
        cols = np.arange(n)
        block = cols // support                       # which coefficient of the level covers col
        sign = np.where(cols % support < support // 2, 1.0, -1.0)
        w[rows[block], cols] = sign / np.sqrt(support)
    return (w / np.sqrt(n)).astype(np.float32)


_SQRT_HALF = np.float32(np.sqrt(0.5))
_N2 = THUMBNAIL_SIZE * THUMBNAIL_SIZE
_ROW, _COL = np.divmod(np.arange(_N2), THUMBNAIL_SIZE)
#: Bin of every flattened coefficient position: min(max(i, j), 5).
BINS = np.minimum(np.maximum(_ROW, _COL), 5)


def _haar_last_axis(x: np.ndarray) -> np.ndarray:
    """Full 1-D Haar decomposition along the last axis (the paper's normalisation)."""
    out = np.array(x, dtype=np.float32, copy=True)
    n = out.shape[-1]
    h = n
    while h > 1:
        even = out[..., 0:h:2]
        odd = out[..., 1:h:2]
        avg = (even + odd) * _SQRT_HALF
        out[..., h // 2:h] = (even - odd) * _SQRT_HALF
        out[..., :h // 2] = avg
        h //= 2
    out *= np.float32(1.0 / np.sqrt(n))
    return out


def haar2d(channels: np.ndarray) -> np.ndarray:
    """Standard 2-D Haar decomposition of ``(..., n, n)`` planes: every row, then every column.

    Equal to ``H @ X @ H.T`` with ``H = haar_matrix(n)``, computed by the
    paper's pairwise averaging and differencing in place of matrix products
    (``O(n²)`` instead of ``O(n³)``, and free of BLAS threading, which on a
    busy machine made a 128×128 product a hundred times slower).
    """
    n = channels.shape[-1]
    if channels.shape[-2] != n or 2 ** int(round(np.log2(n))) != n:
        raise ValueError(f"haar2d: planes must be square with a power-of-two side, not {channels.shape[-2:]}")
    rows = _haar_last_axis(channels)
    return np.ascontiguousarray(np.swapaxes(_haar_last_axis(np.swapaxes(rows, -1, -2)), -1, -2))


class WaveletSignature(ThumbnailSignature):
    """Truncated, sign-quantised Haar decomposition in YIQ (Jacobs et al. 1995).

    The vector (length ``3 + 3·m``, float32) holds the Y, I, Q averages, then
    for each channel the ``m`` kept coefficients as signed flattened positions
    ``±(128·i + j)`` (0 marks an unused slot; position 0 is the average and
    never kept).  Whole numbers up to 16383 are exact in float32.

    :meth:`distances` is the paper's score of the query against each target,
    minus the query's score against itself: the same ranking as the paper, 0
    for an identical image, never negative.  It is *not* symmetric (it counts
    the query's unmatched coefficients, weighted by their bins); the mean of
    both directions (:meth:`symmetric_distances`) is.

    Parameters
    ----------
    coefficients : int
        ``m``, kept coefficients per channel.
    weights : {"scanned", "painted"}
        Which of the paper's weight tables; "scanned" suits re-encoded,
        resized or re-rendered copies of an image.
    scale : float
        Typical raw distance between unrelated images; the default was
        measured for the default parameters.

    Notes
    -----
    Invariances:

    - Image size and aspect ratio (every image is rescaled to 128×128).
    - A uniform brightness offset or gain of the encoded values moves only
      the Y average (the details of a constant shift are zero; a gain scales
      every detail alike, so the largest stay the largest with the same
      signs): the distance is then ``w_Y,0 · ΔY``.
    - Contrast of details is ignored beyond which ones are the largest;
      small local edits (a changed word) change few of the largest
      coefficients.
    - Not invariant to crops, shifts or rotations: they move coefficients to
      other positions.  A hue rotation turns I into Q and back, so it changes
      both the I/Q averages (heavily weighted) and their coefficients.

    References
    ----------
    .. [1] C. E. Jacobs, A. Finkelstein and D. H. Salesin, "Fast
       Multiresolution Image Querying", Proc. SIGGRAPH 95, pp. 277-286, 1995.
    """

    name = "wavelet"
    symmetric = False

    def __init__(self, *, coefficients: int = COEFFICIENTS, weights: str = "scanned",
                 scale: float = WAVELET_SCALE) -> None:
        if weights not in ("scanned", "painted"):
            raise ValueError(f"weights must be 'scanned' or 'painted', not {weights!r}")
        if not 1 <= coefficients < _N2:
            raise ValueError(f"coefficients must be in 1..{_N2 - 1}")
        self.coefficients = int(coefficients)
        self.weights = WEIGHTS_SCANNED if weights == "scanned" else WEIGHTS_PAINTED
        self.length = 3 + 3 * self.coefficients
        self.version = f"1:m={self.coefficients},size={THUMBNAIL_SIZE},weights={weights}"
        self.scale = float(scale)
        # weight of a matched coefficient at each flattened position, per channel
        # (position 0, the average, weighs 0: it marks an empty slot)
        by_pos = self.weights[BINS].T.copy()          # (3, n²)
        by_pos[:, 0] = 0.0
        self._by_position = by_pos.astype(np.float32)

    # -- computing -----------------------------------------------------------------

    def from_thumbnail(self, thumb: Thumbnail) -> np.ndarray:
        encoded = linear_to_srgb(thumb.linear)                     # R'G'B' in [0, 1]
        yiq = np.moveaxis(encoded @ RGB_TO_YIQ.T, -1, 0)           # (3, n, n)
        coef = haar2d(yiq).reshape(3, -1)
        averages = coef[:, 0].copy()
        mag = np.abs(coef)
        mag[:, 0] = -1.0                                           # never keep the average
        m = self.coefficients
        keep = np.argpartition(-mag, m - 1, axis=1)[:, :m]
        order = np.argsort(-np.take_along_axis(mag, keep, axis=1), axis=1, kind="stable")
        keep = np.take_along_axis(keep, order, axis=1)             # largest first
        kept = np.take_along_axis(coef, keep, axis=1)
        signed = np.where(kept < 0, -keep, keep).astype(np.float32)
        signed[np.abs(kept) < _NEGLIGIBLE] = 0.0
        return np.concatenate([averages, signed.reshape(-1)]).astype(np.float32)

    # -- comparing -----------------------------------------------------------------

    def _split(self, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        table = np.asarray(table, dtype=np.float32).reshape(-1, self.length)
        return table[:, :3], table[:, 3:].reshape(-1, 3, self.coefficients).astype(np.int32)

    def _own_weight(self, codes: np.ndarray) -> np.ndarray:
        """Sum of the weights of each row's kept coefficients: ``(N,)``."""
        chan = np.arange(3)[None, :, None]
        return self._by_position[chan, np.abs(codes)].sum(axis=(1, 2))

    def _terms(self, query: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.float32]:
        """(weighted average difference, matched weight, query's own weight) per row."""
        q_avg, q_codes = self._split(query)
        t_avg, t_codes = self._split(table)
        avg_term = np.abs(t_avg - q_avg) @ self.weights[0]
        # the query as a lookup table over signed positions: weight where it keeps one
        lut = np.zeros((3, 2 * _N2 + 1), dtype=np.float32)
        chan = np.repeat(np.arange(3), self.coefficients)
        qc = q_codes[0].reshape(-1)
        used = qc != 0
        lut[chan[used], qc[used] + _N2] = self._by_position[chan[used], np.abs(qc[used])]
        matched = lut[np.arange(3)[None, :, None], t_codes + _N2].sum(axis=(1, 2))
        # summed exactly as `matched` is, so an image matched with itself gives 0, not rounding
        own = self._own_weight(q_codes)[0]
        return avg_term.astype(np.float32), matched.astype(np.float32), np.float32(own)

    def score(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        """The paper's score ``Σ_c w_c,0 |Q_c - T_c| - Σ w_c,bin [Q̃ = T̃]`` for each row (lower: nearer)."""
        avg_term, matched, _ = self._terms(query, table)
        return avg_term - matched

    def distances(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        avg_term, matched, own = self._terms(query, table)
        return np.maximum(avg_term + own - matched, 0.0).astype(np.float32)

    def symmetric_distances(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Mean of both directions: averages term + half of each side's unmatched weight."""
        avg_term, matched, own = self._terms(query, table)
        theirs = self._own_weight(self._split(table)[1])
        return np.maximum(avg_term + (own + theirs) * np.float32(0.5) - matched, 0.0).astype(np.float32)

    def bound_features(self, table: np.ndarray) -> np.ndarray:
        # d >= Σ_c w_c,0 |ΔQ_c| = ‖w_0 ∘ Δ‖₁ (matched weight never exceeds either side's own)
        avg, _ = self._split(table)
        return (avg * self.weights[0]).astype(np.float32)

    def symmetric_blocks(self, table: np.ndarray) -> Callable[[int, int, int], np.ndarray]:
        """Exact symmetrised distances of rows ``start:stop`` to rows ``first:``, one block at a time.

        With ``u`` the sparse vector holding ``sqrt(weight)`` at each kept
        signed position, an image's own weight is ``‖u‖²`` and the matched
        weight of two images is ``u_a · u_b``, so the symmetrised distance is
        the averages term plus ``½‖u_a - u_b‖²``; all matched weights of a
        block come from one sparse matrix product (the paper's inverted
        index, for many queries at once).
        """
        from scipy.sparse import csr_matrix

        avg, codes = self._split(table)
        n = len(avg)
        chan = np.broadcast_to(np.arange(3)[None, :, None], codes.shape)
        used = codes != 0
        cols = chan * (2 * _N2 + 1) + codes + _N2
        vals = np.sqrt(self._by_position[chan, np.abs(codes)])
        rows = np.broadcast_to(np.arange(n)[:, None, None], codes.shape)
        u = csr_matrix((vals[used].astype(np.float32), (rows[used], cols[used])), shape=(n, 3 * (2 * _N2 + 1)))
        ut = u.T.tocsc()
        own = self._own_weight(codes)
        w0 = self.weights[0]

        def block(start: int, stop: int, first: int = 0) -> np.ndarray:
            matched = (u[start:stop] @ ut[:, first:]).toarray()
            avg_term = np.zeros((stop - start, n - first), dtype=np.float32)
            for c in range(3):
                avg_term += w0[c] * np.abs(avg[start:stop, c, None] - avg[None, first:, c])
            out = avg_term + (own[start:stop, None] + own[None, first:]) * np.float32(0.5) - matched
            return np.maximum(out, 0.0).astype(np.float32)

        return block


def paper_score(sig: WaveletSignature, query: np.ndarray, target: np.ndarray) -> float:
    """The paper's score of one query signature against one target signature."""
    return float(sig.score(query, np.asarray(target)[None, :])[0])


#: The registered wavelet signature (scanned-query weights, m = 60).
WAVELET = WaveletSignature()

"""The colour-histogram signature: CIELAB colours, compared by histogram intersection.

Swain & Ballard (1991) index images by the histogram of their colours and
compare two histograms by their *intersection*, the share of pixels that can
be matched to a pixel of the same colour bin in the other image.  Here the
colours are those of the shared 128×128 linear-light thumbnail expressed in
CIELAB and quantised to a 9×9×9 grid (L* every 12.5, a* and b* every 25).
Each pixel is shared among the eight grid points around its colour in
proportion to its nearness (trilinear "soft" binning), so a colour drifting
across a bin border moves its weight gradually instead of all at once.

For histograms that each sum to 1, ``1 - Σ min(h, g)`` equals
``½ Σ |h - g|``, so the distance is half the L1 distance: symmetric, a
metric, from 0 (same colour content) to 1 (no colour in common).

References
----------
.. [1] M. J. Swain and D. H. Ballard, "Color Indexing", International Journal
   of Computer Vision 7(1), pp. 11-32, 1991.
.. [2] CIE 15:2004, Colorimetry (CIELAB).
"""

from __future__ import annotations

import numpy as np

from ..color import rgb_to_xyz, xyz_to_lab
from .base import Thumbnail, ThumbnailSignature

__all__ = ["HistogramSignature", "HISTOGRAM", "L_STEP", "AB_STEP", "AB_RANGE", "HISTOGRAM_SCALE"]

#: Bin spacing of L* (9 grid points from 0 to 100): about five just-noticeable
#: lightness steps, fine enough to tell a light-grey panel from a white page.
L_STEP = 12.5
#: Bin spacing of a* and b*, and the half-range covered (the sRGB gamut spans
#: about a* -86..98, b* -108..94; colours beyond ±100 go to the edge bins).
AB_STEP = 25.0
AB_RANGE = 100.0

_NL = int(round(100.0 / L_STEP)) + 1
_NAB = int(round(2 * AB_RANGE / AB_STEP)) + 1
#: Grid points per axis of the coarse grid whose sums bound the distance from
#: below (near-duplicate search): 9 = 3 × 3.
_BOUND_GROUP = 3

#: Typical distance between two unrelated images, the median over 4 000
#: unrelated pairs of the 1 000-image benchmark corpus
#: (``benchmarks/similar.py --calibrate``); the 10 000-image corpus gives 0.607.
HISTOGRAM_SCALE = 0.640


_ORIGIN = np.array([0.0, -AB_RANGE, -AB_RANGE], dtype=np.float32)
_STEP = np.array([L_STEP, AB_STEP, AB_STEP], dtype=np.float32)
_POINTS = np.array([_NL, _NAB, _NAB])
_STRIDE = np.array([_NAB * _NAB, _NAB, 1])
#: Flat-index offsets of the eight grid points around a colour (L, a, b bits).
_CORNERS = np.array([[dl, da, db] for dl in (0, 1) for da in (0, 1) for db in (0, 1)]) @ _STRIDE


def lab_histogram(lab: np.ndarray) -> np.ndarray:
    """Soft-binned, normalised histogram of ``(..., 3)`` CIELAB colours: ``(9·9·9,)`` float32.

    Each colour's unit weight is split among the eight grid points of its
    cell by trilinear interpolation; colours outside the grid count at its
    nearest face.
    """
    lab = np.asarray(lab, dtype=np.float32).reshape(-1, 3)
    u = np.clip((lab - _ORIGIN) / _STEP, 0.0, (_POINTS - 1).astype(np.float32))
    lo = np.minimum(np.floor(u), (_POINTS - 2).astype(np.float32))
    upper = u - lo                                   # weight of the upper neighbour, per axis
    lower = np.float32(1) - upper
    wl, wa, wb = (np.stack([lower[:, k], upper[:, k]]) for k in range(3))
    weights = (wl[:, None, None, :] * wa[None, :, None, :] * wb[None, None, :, :]).reshape(8, -1)
    index = (lo.astype(np.int64) @ _STRIDE)[None, :] + _CORNERS[:, None]
    hist = np.bincount(index.ravel(), weights=weights.ravel(), minlength=_NL * _NAB * _NAB)
    total = hist.sum()
    return (hist / total if total > 0 else hist).astype(np.float32)


class HistogramSignature(ThumbnailSignature):
    """Soft-binned CIELAB colour histogram; distance ``1 - intersection`` (Swain & Ballard 1991).

    The vector is the 9×9×9 histogram (L* major, then a*, then b*), summing
    to 1 (length 729, float32).

    Parameters
    ----------
    scale : float
        Typical distance between unrelated images.

    Notes
    -----
    Invariances:

    - Every rearrangement of the pixels: flips, rotations, moving or
      swapping parts of the layout.  A crop changes the distance only by the
      colours it removes or over-weights.
    - Image size and aspect ratio.
    - Noise, dithering and anti-aliasing, which change few colours' shares.
    - Not invariant to brightness or hue changes once they move colours by a
      sizeable part of a bin (12.5 in L*, 25 in a*/b*).  Two different
      pictures in the same palette (two dialogs of one app) are near: the
      histogram cannot see layout.

    References
    ----------
    .. [1] M. J. Swain and D. H. Ballard, "Color Indexing", International
       Journal of Computer Vision 7(1), pp. 11-32, 1991.
    """

    name = "histogram"
    symmetric = True
    length = _NL * _NAB * _NAB

    def __init__(self, *, scale: float = HISTOGRAM_SCALE) -> None:
        self.version = f"1:lab,L{L_STEP:g},ab{AB_STEP:g},range{AB_RANGE:g},soft"
        self.scale = float(scale)

    def from_thumbnail(self, thumb: Thumbnail) -> np.ndarray:
        return lab_histogram(xyz_to_lab(rgb_to_xyz(thumb.linear)))

    def distances(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        table = np.asarray(table, dtype=np.float32).reshape(-1, self.length)
        q = np.asarray(query, dtype=np.float32).reshape(1, self.length)
        return (np.abs(table - q).sum(axis=1) * np.float32(0.5)).astype(np.float32)

    def bound_features(self, table: np.ndarray) -> np.ndarray:
        # Summing bins into coarse groups can only cancel differences:
        # ½ Σ|h - g| >= ½ Σ_G |H - G| = ‖H/2 - G/2‖₁.
        g = _BOUND_GROUP
        table = np.asarray(table, dtype=np.float32).reshape(-1, _NL // g, g, _NAB // g, g, _NAB // g, g)
        coarse = table.sum(axis=(2, 4, 6)).reshape(len(table), (_NL // g) * (_NAB // g) ** 2)
        return (coarse * np.float32(0.5)).astype(np.float32)


#: The registered colour-histogram signature.
HISTOGRAM = HistogramSignature()

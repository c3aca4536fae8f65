"""The tiny-image signature: a 16×16 thumbnail in CIELAB, compared by Manhattan distance.

Torralba, Fergus & Freeman (2008) showed that images shrunk to a few dozen
pixels a side still carry enough of a scene's layout and colour to find its
near-duplicates among millions.  Here the thumbnail is area-averaged in
linear light (so that a black-and-white checkerboard shrinks to the grey a
viewer sees from afar, not to the mean of the codes) and then expressed in
CIELAB, whose distances are roughly uniform to the eye, and two thumbnails
are compared by the mean over cells of ``|ΔL*| + |Δa*| + |Δb*|``.

References
----------
.. [1] A. Torralba, R. Fergus and W. T. Freeman, "80 Million Tiny Images: A
   Large Data Set for Nonparametric Object and Scene Recognition", IEEE
   Trans. PAMI 30(11), pp. 1958-1970, 2008.
.. [2] CIE 15:2004, Colorimetry (CIELAB).
"""

from __future__ import annotations

import numpy as np

from ..color import rgb_to_xyz, xyz_to_lab
from .base import THUMBNAIL_SIZE, Thumbnail, ThumbnailSignature

__all__ = ["TinySignature", "TINY", "TINY_CELLS", "TINY_SCALE"]

#: Cells per side.  16 keeps the layout of a screenshot (a toolbar, a sidebar,
#: a card) while each cell still averages 1/256 of the image, which hides
#: anti-aliasing, re-encoding noise and a changed word.
TINY_CELLS = 16

#: Cells per side of the coarse grid whose means bound the distance from
#: below (near-duplicate search, :meth:`TinySignature.bound_features`).
_BOUND_CELLS = 4

#: Typical raw distance between two unrelated images (mean L1 per cell, in
#: CIELAB units), the median over 4 000 unrelated pairs of the 1 000-image
#: benchmark corpus (``benchmarks/similar.py --calibrate``); the 10 000-image
#: corpus gives 51.4.
TINY_SCALE = 55.3


def _block_mean(planes: np.ndarray, cells: int) -> np.ndarray:
    """Mean of ``(n, n, c)`` over a ``cells × cells`` grid of equal blocks."""
    n, _, c = planes.shape
    b = n // cells
    return planes.reshape(cells, b, cells, b, c).mean(axis=(1, 3), dtype=np.float32)


class TinySignature(ThumbnailSignature):
    """A ``cells × cells`` CIELAB thumbnail, area-averaged in linear light; L1 distance.

    The vector is the thumbnail's L*, a*, b* values, row by row (length
    ``3·cells²``, float32).  :meth:`distances` is the mean over cells of the
    Manhattan distance in CIELAB: 0 for the same thumbnail, symmetric, a
    metric.

    Parameters
    ----------
    cells : int
        Cells per side; must divide 128.
    scale : float
        Typical raw distance between unrelated images (measured for 16).

    Notes
    -----
    Invariances:

    - Image size and aspect ratio (every image is rescaled to a square).
    - Detail finer than a cell (1/16 of the width): noise, dithering,
      anti-aliasing, font hinting and small text edits change the distance
      by their share of a cell's mean colour only.
    - Not invariant to brightness or hue changes: the distance grows about in
      proportion to the colour difference (in CIELAB units).  Not invariant
      to crops or shifts by more than a fraction of a cell.

    References
    ----------
    .. [1] A. Torralba, R. Fergus and W. T. Freeman, "80 Million Tiny Images",
       IEEE Trans. PAMI 30(11), 2008.
    """

    name = "tiny"
    symmetric = True

    def __init__(self, *, cells: int = TINY_CELLS, scale: float = TINY_SCALE) -> None:
        if cells < _BOUND_CELLS or THUMBNAIL_SIZE % cells or cells % _BOUND_CELLS:
            raise ValueError(f"cells must divide {THUMBNAIL_SIZE} and be a multiple of {_BOUND_CELLS}")
        self.cells = int(cells)
        self.length = 3 * self.cells * self.cells
        self.version = f"1:cells={self.cells},lab,linear-area"
        self.scale = float(scale)

    def from_thumbnail(self, thumb: Thumbnail) -> np.ndarray:
        small = _block_mean(thumb.linear, self.cells)
        return xyz_to_lab(rgb_to_xyz(small)).reshape(-1).astype(np.float32)

    def distances(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        table = np.asarray(table, dtype=np.float32).reshape(-1, self.length)
        q = np.asarray(query, dtype=np.float32).reshape(1, self.length)
        return (np.abs(table - q).sum(axis=1) / np.float32(self.cells * self.cells)).astype(np.float32)

    def bound_features(self, table: np.ndarray) -> np.ndarray:
        # With x̄ the means of Lab over the (cells/4)² cells of each coarse cell:
        # d = (1/cells²) Σ|x - y| >= (1/cells²) · (cells/4)² · Σ|x̄ - ȳ| = ‖x̄/16 - ȳ/16‖₁.
        table = np.asarray(table, dtype=np.float32).reshape(-1, self.cells, self.cells, 3)
        g = self.cells // _BOUND_CELLS
        coarse = table.reshape(-1, _BOUND_CELLS, g, _BOUND_CELLS, g, 3).mean(axis=(2, 4))
        return (coarse.reshape(len(table), _BOUND_CELLS * _BOUND_CELLS * 3)
                / np.float32(_BOUND_CELLS * _BOUND_CELLS)).astype(np.float32)


#: The registered tiny-image signature (16×16 cells).
TINY = TinySignature()

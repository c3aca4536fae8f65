"""Layout check for the labels: how far does the content of one render move in the other?

Block matching on lightly blurred luminance: the frame is cut into tiles; for
every tile that holds ink, the shift of the other image (within
``SEARCH_PX``) that matches it best is found.  A pair of renders of the same
layout has every inked tile matched within 1-2 px; a reflow shows as tiles
matched further away, or not matched at all (also what a changed glyph or a
removed element looks like).  Used by ``label.py`` to make a pair
``borderline`` when the jitter moves layout by more than ``plan``'s limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: Tile edge (px): about a word of 12-16 px text.
TILE_PX = 24
#: Largest shift searched (px), each way.
SEARCH_PX = 6
#: A tile holds ink if its luminance varies by this much (std, 0..1 scale).
INK_STD = 0.03
#: A tile is *unmatched* if its best residual keeps this fraction of its
#: residual at zero shift and exceeds MATCH_ABS (mean |d| per pixel).
UNMATCHED_KEEP = 0.6
MATCH_ABS = 0.02
#: Blur before matching (px): removes anti-aliasing and LCD-fringe detail.
BLUR_SIGMA = 1.0
#: Shifts whose residual is within NEAR_REL (relative) + NEAR_ABS of the best
#: count as equally good, and the smallest of them is taken: a tile along a
#: rule or inside a run of similar glyphs matches at many shifts, and only a
#: clearly better match far away is evidence of reflow.
NEAR_REL = 0.15
NEAR_ABS = 0.002


@dataclass(frozen=True)
class LayoutCheck:
    max_shift_px: int          # largest Chebyshev shift of a matched inked tile
    shifted_tiles: int         # inked tiles whose best shift is > 0
    far_tiles: int             # inked tiles whose best shift exceeds 2 px
    unmatched_tiles: int       # inked tiles with no good match within SEARCH_PX
    inked_tiles: int
    tiles: list[tuple[int, int, int, int, bool]]  # (y, x, dy, dx, matched) per inked tile

    def to_dict(self) -> dict:
        return {"max_shift_px": self.max_shift_px, "shifted_tiles": self.shifted_tiles,
                "far_tiles": self.far_tiles, "unmatched_tiles": self.unmatched_tiles,
                "inked_tiles": self.inked_tiles}


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance-like grey (Rec. 709 weights on sRGB codes), 0..1 float32."""
    x = rgb[..., :3].astype(np.float32) / 255.0
    return x @ np.array([0.2126, 0.7152, 0.0722], np.float32)


def check(a: np.ndarray, b: np.ndarray) -> LayoutCheck:
    """Block-match ``a`` against ``b`` (uint8 RGB(A) arrays of one size)."""
    ga = ndimage.gaussian_filter(luminance(a), BLUR_SIGMA)
    gb = ndimage.gaussian_filter(luminance(b), BLUR_SIGMA)
    h, w = ga.shape
    s = SEARCH_PX
    ty, tx = (h - 2 * s) // TILE_PX, (w - 2 * s) // TILE_PX
    hh, ww = ty * TILE_PX, tx * TILE_PX
    core = ga[s:s + hh, s:s + ww]
    std = core.reshape(ty, TILE_PX, tx, TILE_PX).std(axis=(1, 3))
    inked = std > INK_STD
    shifts = [(dy, dx) for dy in range(-s, s + 1) for dx in range(-s, s + 1)]
    cost = np.empty((len(shifts), ty, tx), np.float32)
    for k, (dy, dx) in enumerate(shifts):
        d = np.abs(core - gb[s + dy:s + dy + hh, s + dx:s + dx + ww])
        cost[k] = d.reshape(ty, TILE_PX, tx, TILE_PX).mean(axis=(1, 3))
    # the smallest shift among the near-best matches
    radius = np.array([max(abs(dy), abs(dx)) for dy, dx in shifts], np.float32)
    best_cost = cost.min(axis=0)
    near = cost <= best_cost * (1 + NEAR_REL) + NEAR_ABS
    best = np.argmin(np.where(near, radius[:, None, None], np.inf), axis=0)
    zero = cost[shifts.index((0, 0))]
    unmatched = inked & (best_cost > MATCH_ABS) & (best_cost > UNMATCHED_KEEP * zero)
    matched = inked & ~unmatched
    r = radius[best].astype(int)
    tiles = []
    for iy, ix in zip(*np.nonzero(inked)):
        dy, dx = shifts[best[iy, ix]]
        tiles.append((int(s + iy * TILE_PX), int(s + ix * TILE_PX), dy, dx, bool(matched[iy, ix])))
    return LayoutCheck(
        max_shift_px=int(r[matched].max()) if matched.any() else 0,
        shifted_tiles=int((matched & (r > 0)).sum()),
        far_tiles=int((matched & (r > 2)).sum()),
        unmatched_tiles=int(unmatched.sum()),
        inked_tiles=int(inked.sum()),
        tiles=tiles,
    )

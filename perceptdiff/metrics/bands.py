"""Horizontal bands of a large frame, each with a halo of rows its filters need (``docs/science.md`` §8)."""

from __future__ import annotations

from typing import Iterator

__all__ = ["BAND_PIXELS", "BAND_ALIGN", "bands"]

#: Frames with more pixels than this are processed in horizontal bands
#: (bounds the working memory to about 15 float32 planes of 2.5 MP, ``docs/science.md`` §8).
BAND_PIXELS = 2_500_000
#: Band heights are multiples of this (keeps the bands on the pyramid's grid).
BAND_ALIGN = 8


def bands(h: int, w: int, halo: int, band_pixels: int,
          align: int = BAND_ALIGN) -> Iterator[tuple[int, int, int, int]]:
    """``(y0, y1, h0, h1)``: output rows ``y0:y1`` computed from rows ``h0:h1``."""
    rows = max(align, (band_pixels // max(w, 1)) // align * align)
    if rows >= h:
        yield (0, h, 0, h)
        return
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        yield (y0, y1, max(0, y0 - halo), min(h, y1 + halo))

"""Text strips under the picture: the legend (verdict, ramp, swatches) and captions.

Drawn with Pillow's built-in font; characters it lacks are replaced by ASCII
stand-ins, and text too wide for the strip is shortened with an ellipsis.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from .palette import (
    FAILING_BOX_COLOR,
    FAINT_FROM,
    FORGIVEN_COLOR,
    HATCH,
    PAGE,
    RAMP,
    REGION_BOX_COLOR,
    TEXT,
    VERDICT_COLORS,
    faint_alpha,
    ramp_colors,
)

__all__ = ["Strip", "builtin_font", "printable", "text_width", "fit"]


@functools.lru_cache(maxsize=8)
def builtin_font(size: int) -> Any:
    """Pillow's built-in font at ``size`` pixels (bitmap font without FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType
        return ImageFont.load_default()


#: ASCII stand-ins for characters the built-in font may lack.
_FALLBACK = {"\u00b2": "^2", "\u2265": ">=", "\u2264": "<=", "\u00d7": "x",
             "\u2014": "-", "\u2013": "-", "\u2026": "..."}


def _has_glyph(font: Any, ch: str, _cache: dict[tuple[int, str], bool] = {}) -> bool:
    """True unless ``font`` draws ``ch`` as its missing-glyph box."""
    key = (id(font), ch)
    if key not in _cache:
        try:
            def sig(c: str) -> tuple[Any, bytes]:
                m = font.getmask(c)
                return (m.size, bytes(m))
            _cache[key] = sig(ch) != sig("\ue000")
        except Exception:  # a font that cannot even tell: keep the character
            _cache[key] = True
    return _cache[key]


def printable(font: Any, text: str) -> str:
    """``text`` with characters the font lacks replaced by ASCII stand-ins."""
    if text.isascii():
        return text
    return "".join(_FALLBACK.get(c, "?") if not c.isascii() and not _has_glyph(font, c) else c
                   for c in text)


def text_width(font: Any, text: str) -> int:
    x0, _, x1, _ = font.getbbox(text)
    return int(math.ceil(x1 - min(x0, 0)))


def fit(font: Any, text: str, width: int) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels."""
    text = printable(font, text)
    if text_width(font, text) <= width:
        return text
    dots = printable(font, "\u2026")
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(font, text[:mid] + dots) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + dots


@dataclass
class Strip:
    """A white strip with text and swatches, built with Pillow's ImageDraw."""

    width: int
    scale: int

    def __post_init__(self) -> None:
        s = self.scale
        self.font = builtin_font(11 * s)
        self.line_h = 16 * s
        self.pad = 6 * s

    def _canvas(self, rows: int) -> tuple[PILImage.Image, ImageDraw.ImageDraw]:
        im = PILImage.new("RGB", (self.width, rows * self.line_h + 2 * self.pad), PAGE)
        return im, ImageDraw.Draw(im)

    def caption(self, lines: Sequence[tuple[str, tuple[int, int, int]]]) -> np.ndarray:
        im, d = self._canvas(len(lines))
        for i, (text, color) in enumerate(lines):
            d.text((self.pad, self.pad + i * self.line_h),
                   fit(self.font, text, self.width - 2 * self.pad), font=self.font, fill=color)
        return np.asarray(im)

    def legend(self, verdict_line: str, verdict: str, threshold: float, *,
               forgiven: bool, failing: bool, passing: bool, ignored: bool) -> np.ndarray:
        """Verdict line, the colour ramp with ticks, and a swatch for each mark shown."""
        s, font, pad = self.scale, self.font, self.pad
        # Items after the verdict line: (kind, label, width)
        seg = 26 * s
        ticks = [FAINT_FROM] + [r for r, _ in RAMP]
        ramp_w = seg * (len(ticks) - 1) + seg // 2
        label = "JND"
        items: list[tuple[str, str, int]] = [("ramp", label, text_width(font, label) + 4 * s + ramp_w)]
        sw = 12 * s
        for kind, text, show in (("forgiven", "forgiven anti-aliasing", forgiven),
                                 ("failing", "failing region", failing),
                                 ("region", "region that passes", passing),
                                 ("ignored", "not compared", ignored)):
            if show:
                items.append((kind, text, sw + 4 * s + text_width(font, text)))
        # Flow layout: the ramp needs two text lines (bar + tick labels).
        gap = 12 * s
        rows: list[list[tuple[str, str, int]]] = [[]]
        x = pad
        for it in items:
            if rows[-1] and x + it[2] > self.width - pad:
                rows.append([])
                x = pad
            rows[-1].append(it)
            x += it[2] + gap
        n_lines = 1 + sum(2 if any(i[0] == "ramp" for i in row) else 1 for row in rows)
        im, d = self._canvas(n_lines)
        d.text((pad, pad), fit(font, verdict_line, self.width - 2 * pad), font=font,
               fill=VERDICT_COLORS.get(verdict, TEXT))
        y = pad + self.line_h
        for row in rows:
            x = pad
            tall = any(i[0] == "ramp" for i in row)
            for kind, text, w in row:
                cy = y + self.line_h // 2
                if kind == "ramp":
                    d.text((x, y + 2 * s), text, font=font, fill=TEXT)
                    bx = x + text_width(font, text) + 4 * s
                    self._ramp_bar(d, bx, y + 3 * s, seg, ticks, threshold)
                elif kind == "forgiven":
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1), fill=FORGIVEN_COLOR)
                elif kind == "failing":
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1),
                                outline=FAILING_BOX_COLOR, width=2 * s)
                elif kind == "region":
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1),
                                outline=REGION_BOX_COLOR, width=s)
                elif kind == "ignored":
                    for k in range(-sw, sw, 6 * s):
                        d.line((x + max(k, 0), cy - sw // 2 + max(-k, 0),
                                x + min(k + sw, sw) - 1, cy - sw // 2 + min(sw, sw - k) - 1),
                               fill=HATCH, width=s)
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1), outline=HATCH)
                if kind != "ramp":
                    d.text((x + sw + 4 * s, y + 2 * s), text, font=font, fill=TEXT)
                x += w + gap
            y += self.line_h * (2 if tall else 1)
        return np.asarray(im)

    def _ramp_bar(self, d: ImageDraw.ImageDraw, x0: int, y0: int, seg: int,
                  ticks: Sequence[float], threshold: float) -> None:
        s = self.scale
        bar_h = 10 * s
        n = seg * (len(ticks) - 1) + seg // 2
        # Position -> visibility ratio: piecewise log-linear between ticks.
        pos = np.arange(n, dtype=np.float32) / seg
        idx = np.minimum(pos.astype(np.int32), len(ticks) - 1)
        frac = pos - idx
        lo = np.log2(np.array(ticks, dtype=np.float32))
        lo_ext = np.append(lo, lo[-1] + 1.0)
        ratio = np.exp2(lo_ext[idx] + frac * (lo_ext[idx + 1] - lo_ext[idx]))
        page = np.full((n, 3), PAGE, dtype=np.float32)
        cols = page.copy()
        faint = ratio < 1.0
        alpha = faint_alpha(ratio[faint])[:, None]
        # The faint wash is shown over mid-light grey, as it appears in the overlay.
        grey = np.full_like(page[faint], 215.0)
        cols[faint] = grey + (np.array(RAMP[0][1], np.float32) - grey) * alpha
        cols[~faint] = ramp_colors(ratio[~faint])
        bar = np.rint(cols).astype(np.uint8)
        for i in range(n):  # n is a few hundred columns of the legend, not image pixels
            d.line((x0 + i, y0, x0 + i, y0 + bar_h - 1), fill=tuple(int(c) for c in bar[i]))
        d.rectangle((x0, y0, x0 + n - 1, y0 + bar_h - 1), outline=(120, 120, 120))
        for i, t in enumerate(ticks):
            tx = x0 + i * seg
            d.line((tx, y0 + bar_h, tx, y0 + bar_h + 2 * s), fill=TEXT, width=1)
            value = t * threshold
            text = f"{value:g}" + ("+" if i == len(ticks) - 1 else "")
            tw = text_width(self.font, text)
            d.text((tx - tw // 2, y0 + bar_h + 2 * s), text, font=self.font, fill=TEXT)

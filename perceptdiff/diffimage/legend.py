"""Text strips under the picture: the legend (verdict, ramp, swatches) and captions.

Drawn with Pillow's built-in font.  A superscript two (``deg²``, as the
terminal writes it) is drawn as a small raised "2", since the font has no
glyph for it; other characters it lacks are replaced by ASCII stand-ins.
The verdict line and captions wrap at spaces onto as many lines as they need
(never cut); only a single word wider than the strip is shortened with an
ellipsis.
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

__all__ = ["Strip", "builtin_font", "printable", "text_width", "fit", "wrap", "draw_text"]

#: Drawn as a raised small "2" (the built-in font has no glyph for it).
SUPERSCRIPT_TWO = "\u00b2"


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


def printable(font: Any, text: str, *, keep: str = "") -> str:
    """``text`` with characters the font lacks replaced by ASCII stand-ins (those in ``keep`` kept)."""
    if text.isascii():
        return text
    return "".join(_FALLBACK.get(c, "?")
                   if not c.isascii() and c not in keep and not _has_glyph(font, c) else c
                   for c in text)


def _superscript_font(font: Any) -> Any:
    size = getattr(font, "size", 11)
    return builtin_font(max(6, int(round(size * 0.7))))


def _plain_width(font: Any, text: str) -> int:
    if not text:
        return 0
    x0, _, x1, _ = font.getbbox(text)
    return int(math.ceil(x1 - min(x0, 0)))


def text_width(font: Any, text: str) -> int:
    """Width of ``text`` as :func:`draw_text` draws it."""
    parts = text.split(SUPERSCRIPT_TWO)
    sup = _superscript_font(font)
    return sum(_plain_width(font, p) for p in parts) + (len(parts) - 1) * _plain_width(sup, "2")


def draw_text(d: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, font: Any, fill: Any) -> None:
    """Draw ``text`` (after :func:`printable`), superscript twos raised and small."""
    x, y = xy
    text = printable(font, text, keep=SUPERSCRIPT_TWO)
    sup = _superscript_font(font)
    parts = text.split(SUPERSCRIPT_TWO)
    for i, part in enumerate(parts):
        if part:
            d.text((x, y), part, font=font, fill=fill)
            x += _plain_width(font, part)
        if i < len(parts) - 1:
            d.text((x, y - max(1, getattr(font, "size", 11) // 6)), "2", font=sup, fill=fill)
            x += _plain_width(sup, "2")


def wrap(font: Any, text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` pixels (a too-long word is :func:`fit`)."""
    text = printable(font, text, keep=SUPERSCRIPT_TWO)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(font, candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
        if text_width(font, line) > width:
            line = fit(font, line, width)
    lines.append(line)
    return lines


def fit(font: Any, text: str, width: int) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels."""
    text = printable(font, text, keep=SUPERSCRIPT_TWO)
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
        wrapped = [(part, color) for text, color in lines
                   for part in wrap(self.font, text, self.width - 2 * self.pad)]
        im, d = self._canvas(len(wrapped))
        for i, (text, color) in enumerate(wrapped):
            draw_text(d, (self.pad, self.pad + i * self.line_h), text, self.font, color)
        return np.asarray(im)

    def legend(self, verdict_line: str, verdict: str, threshold: float, *,
               forgiven: bool, failing: bool, passing: bool, ignored: bool,
               color: tuple[int, int, int] | None = None, boxes_note: str | None = None) -> np.ndarray:
        """Verdict line (wrapped), the colour ramp with ticks (or the one ``color``), a swatch per mark."""
        s, font, pad = self.scale, self.font, self.pad
        sw = 12 * s
        # Items after the verdict line: (kind, label, width)
        seg = 26 * s
        ticks = [FAINT_FROM] + [r for r, _ in RAMP]
        ramp_w = seg * (len(ticks) - 1) + seg // 2
        items: list[tuple[str, str, int]]
        if color is None:
            label = "JND"
            items = [("ramp", label, text_width(font, label) + 4 * s + ramp_w)]
        else:
            label = f"visibly different (above {threshold:g} JND)"
            items = [("flat", label, sw + 4 * s + text_width(font, label))]
        for kind, text, show in (("forgiven", "forgiven anti-aliasing", forgiven),
                                 ("failing", "failing region", failing),
                                 ("region", "region that passes", passing),
                                 ("ignored", "not compared", ignored)):
            if show:
                items.append((kind, text, sw + 4 * s + text_width(font, text)))
        if boxes_note:
            items.append(("note", boxes_note, text_width(font, boxes_note)))
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
        verdict_lines = wrap(font, verdict_line, self.width - 2 * pad)
        n_lines = len(verdict_lines) + sum(2 if any(i[0] == "ramp" for i in row) else 1 for row in rows)
        im, d = self._canvas(n_lines)
        for i, line in enumerate(verdict_lines):
            draw_text(d, (pad, pad + i * self.line_h), line, font, VERDICT_COLORS.get(verdict, TEXT))
        y = pad + self.line_h * len(verdict_lines)
        for row in rows:
            x = pad
            tall = any(i[0] == "ramp" for i in row)
            for kind, text, w in row:
                cy = y + self.line_h // 2
                if kind == "ramp":
                    d.text((x, y + 2 * s), text, font=font, fill=TEXT)
                    bx = x + text_width(font, text) + 4 * s
                    self._ramp_bar(d, bx, y + 3 * s, seg, ticks, threshold)
                elif kind == "flat":
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1), fill=color)
                elif kind == "forgiven":
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1), fill=FORGIVEN_COLOR)
                elif kind == "failing":
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1),
                                outline=FAILING_BOX_COLOR, width=2 * s)
                elif kind == "note":
                    d.text((x, y + 2 * s), text, font=font, fill=TEXT)
                elif kind == "region":
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1),
                                outline=REGION_BOX_COLOR, width=s)
                elif kind == "ignored":
                    for k in range(-sw, sw, 6 * s):
                        d.line((x + max(k, 0), cy - sw // 2 + max(-k, 0),
                                x + min(k + sw, sw) - 1, cy - sw // 2 + min(sw, sw - k) - 1),
                               fill=HATCH, width=s)
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1), outline=HATCH)
                if kind not in ("ramp", "note"):
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

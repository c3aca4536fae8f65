"""Diff images a person reads at a glance (``--diff PATH``).

Two styles:

``overlay`` (default)
    The expected image as faded greyscale, the differences painted over it in
    a colour scale of visibility, pixels forgiven as anti-aliasing in a muted
    teal, ignored rectangles hatched, each region outlined, and a legend strip
    at the bottom with the verdict line.
``sidebyside``
    expected | actual | overlay in one picture, with thin separators, small
    labels and the same legend.  Failing regions are outlined on all three
    panels so the change is easy to find in the originals too; regions that
    pass are outlined on the overlay only.

When the images were not compared because their sizes differ, both styles show
expected | actual with a caption naming both sizes.

Colour scale
------------
Visibility ``v`` is measured in just-noticeable differences (JND) relative to
the threshold in force (``options["jnd_threshold"]``, 1 by default), so
"coloured" means "visible" whatever the threshold.  From ``v = 1`` the colour
follows a ramp through gold (1), amber (2), red-orange (4), crimson (8) and
purple-magenta (16 and above), interpolated in ``log2 v``.  The anchors were
chosen for monotonically *decreasing* CIE L* (83, 71, 56, 43, 35), so the order
of strengths survives in greyscale and for readers with red-green colour
vision deficiency (as in the design of perceptually ordered maps such as
matplotlib's ``inferno``; Smith & van der Walt 2015).  Sub-threshold
differences (``0.5 <= v < 1``) are a faint gold wash; anything weaker is not
drawn.  ``v >= 4`` is the default metric's "visible however small" level
(:class:`perceptdiff.metrics.VerdictRule`), where the ramp turns red.

Forgiven anti-aliasing pixels use a muted teal (L* 66, blue-green: the one hue
axis the yellow-red ramp does not use), in the spirit of pixelmatch's separate
anti-aliasing colour.  Failing regions get a 2-pixel red outline, other
regions a 1-pixel orange outline (thickness, not only hue, tells them apart),
drawn just outside the region's box and clipped to the frame.

Images smaller than 256 pixels on their longer side are enlarged by an integer
factor (nearest neighbour, at most 8x) so single pixels stay visible; the
legend is scaled with wide images so it stays legible when the picture is
shown fitted to a screen.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from .errors import PerceptdiffError
from .fileio import atomic_write_bytes
from .image import Image
from .png import PICTURE_LEVEL, encode_png
from .resample import to_uint8

__all__ = ["render_diff", "write_diff", "STYLES", "RAMP", "FORGIVEN_COLOR",
           "FAILING_BOX_COLOR", "REGION_BOX_COLOR"]

#: Accepted values of ``style``.
STYLES = ("overlay", "sidebyside")

#: Colour ramp anchors: (visibility in multiples of the JND threshold, sRGB).
RAMP: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (1.0, (250, 200, 40)),   # gold        L* 83
    (2.0, (247, 150, 30)),   # amber       L* 71
    (4.0, (230, 85, 30)),    # red-orange  L* 56
    (8.0, (200, 25, 70)),    # crimson     L* 43
    (16.0, (150, 20, 130)),  # magenta     L* 35
)
#: Lowest visibility drawn (as a faint wash), in multiples of the threshold.
FAINT_FROM = 0.5
#: Opacity of the faint wash at FAINT_FROM and just below 1.
FAINT_ALPHA = (0.25, 0.5)
#: Muted teal for pixels forgiven as anti-aliasing / 1-px jitter.
FORGIVEN_COLOR = (96, 170, 190)
FORGIVEN_ALPHA = 0.8
FAILING_BOX_COLOR = (220, 0, 0)
REGION_BOX_COLOR = (255, 140, 0)
#: Fraction of the original contrast kept by the faded background.
FADE_CONTRAST = 0.3

_PAGE = (255, 255, 255)        # legend / caption background
_SEPARATOR = (96, 96, 96)      # lines between panels
_TEXT = (32, 32, 32)
_HATCH = (140, 140, 140)
_CHECKER = (255, 214)          # light / dark squares under transparency
_VERDICT_COLORS = {"fail": (200, 0, 0), "pass": (0, 120, 60), "identical": (90, 90, 90)}

# ----------------------------------------------------------------- pixels ---

def _checkerboard(h: int, w: int, square: int = 8) -> np.ndarray:
    yy = (np.arange(h) // square)[:, None]
    xx = (np.arange(w) // square)[None, :]
    light, dark = _CHECKER
    return np.where((yy + xx) % 2 == 0, light, dark).astype(np.uint8)


def flatten(image: Image, square: int = 8) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB: the image composited over a checkerboard.

    Compositing is done on the encoded codes, as browsers and image viewers
    show straight-alpha images; a transparent area reads as the familiar
    grey-and-white checkerboard of ``square``-pixel squares.
    """
    rgba = to_uint8(image.pixels)
    rgb = rgba[..., :3]
    if image.opaque:
        return np.array(rgb)
    a = rgba[..., 3:4].astype(np.float32) * (1.0 / 255.0)
    board = _checkerboard(rgba.shape[0], rgba.shape[1], square)[..., None].astype(np.float32)
    out = rgb.astype(np.float32) * a + board * (1.0 - a)
    return np.rint(out).astype(np.uint8)


def faded_grey(rgb: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint8: a greyscale of ``rgb``, faded towards white.

    The grey is the ITU-R BT.601 luma of the encoded codes (Pillow's ``"L"``
    conversion: ``0.299 R + 0.587 G + 0.114 B``), a display greyscale rather
    than a measurement; ``255 - FADE_CONTRAST * (255 - grey)`` then keeps 30 %
    of the contrast so that coloured marks stand out.
    """
    grey = np.asarray(PILImage.fromarray(np.ascontiguousarray(rgb)).convert("L"))
    return _FADE_LUT[grey]


_FADE_LUT = np.rint(255.0 - FADE_CONTRAST * (255.0 - np.arange(256.0))).astype(np.uint8)

# Paint levels: each pixel of the overlay gets a level; the colour is then
# looked up in a (level, faded grey) table, one gather for the whole image.
_FAINT_LEVELS = 16                      # 1 .. 16: faint wash, by strength
_FORGIVEN_LEVEL = _FAINT_LEVELS + 1     # 17: forgiven anti-aliasing
_RAMP_BASE = _FAINT_LEVELS + 2          # 18 ..: the ramp, 64 steps per octave
_RAMP_STEPS_PER_OCTAVE = 64


def ramp_colors(ratio: np.ndarray) -> np.ndarray:
    """``(N, 3)`` float32 ramp colours for visibilities ``ratio >= 1``.

    Interpolates :data:`RAMP` linearly in ``log2(ratio)``; values above the
    last anchor take its colour.
    """
    xs = np.log2(np.array([r for r, _ in RAMP], dtype=np.float32))
    cols = np.array([c for _, c in RAMP], dtype=np.float32)
    t = np.log2(np.maximum(np.asarray(ratio, dtype=np.float32), 1.0))
    return np.stack([np.interp(t, xs, cols[:, k]).astype(np.float32) for k in range(3)], axis=-1)


def _faint_alpha(ratio: np.ndarray) -> np.ndarray:
    a0, a1 = FAINT_ALPHA
    return a0 + (a1 - a0) * (ratio - FAINT_FROM) / (1.0 - FAINT_FROM)


def _build_palette() -> tuple[np.ndarray, int]:
    """The ``(levels * 256, 3)`` uint8 colour table and the number of ramp steps."""
    octaves = math.log2(RAMP[-1][0] / RAMP[0][0])
    n_ramp = int(round(octaves * _RAMP_STEPS_PER_OCTAVE)) + 1
    n_levels = _RAMP_BASE + n_ramp
    grey = np.arange(256, dtype=np.float32)
    table = np.empty((n_levels, 256, 3), dtype=np.float32)
    table[0] = grey[:, None]
    # faint wash: level i stands for the lower edge of its strength bin
    faint_ratio = FAINT_FROM + (1.0 - FAINT_FROM) * np.arange(_FAINT_LEVELS) / _FAINT_LEVELS
    alpha = _faint_alpha(faint_ratio.astype(np.float32))[:, None, None]
    gold = np.array(RAMP[0][1], dtype=np.float32)
    table[1:_FAINT_LEVELS + 1] = grey[None, :, None] + (gold - grey[None, :, None]) * alpha
    teal = np.array(FORGIVEN_COLOR, dtype=np.float32)
    table[_FORGIVEN_LEVEL] = grey[:, None] + (teal - grey[:, None]) * FORGIVEN_ALPHA
    ratios = RAMP[0][0] * np.exp2(np.arange(n_ramp) / _RAMP_STEPS_PER_OCTAVE)
    table[_RAMP_BASE:] = ramp_colors(ratios.astype(np.float32))[:, None, :]
    return np.rint(table).astype(np.uint8).reshape(-1, 3), n_ramp


_PALETTE, _N_RAMP = _build_palette()


def paint_levels(jnd: np.ndarray, threshold: float, forgiven: np.ndarray | None) -> np.ndarray:
    """``(H, W)`` uint16 paint level of every pixel (0: background only).

    Visibility at or above the threshold selects a ramp step (64 per octave);
    ``FAINT_FROM`` up to the threshold a faint-wash step; forgiven pixels
    without a visible or faint difference the teal level.
    """
    ratio = np.asarray(jnd, dtype=np.float32)
    if threshold != 1.0:
        ratio = ratio * np.float32(1.0 / threshold)
    # Whole-array arithmetic (no boolean gathers: those are slow on scattered masks).
    t = np.maximum(ratio, np.float32(1.0))
    np.log2(t, out=t)
    t *= np.float32(_RAMP_STEPS_PER_OCTAVE)
    np.minimum(t, np.float32(_N_RAMP - 1), out=t)
    ramp = t.astype(np.uint16)
    ramp += np.uint16(_RAMP_BASE)
    f = ratio - np.float32(FAINT_FROM)
    f *= np.float32(_FAINT_LEVELS / (1.0 - FAINT_FROM))
    np.clip(f, 0.0, np.float32(_FAINT_LEVELS - 1), out=f)
    faint = f.astype(np.uint16)
    faint += np.uint16(1)
    base: np.ndarray | np.uint16 = np.uint16(0)
    if forgiven is not None:
        base = np.where(forgiven, np.uint16(_FORGIVEN_LEVEL), np.uint16(0))
    level = np.where(ratio >= np.float32(1.0), ramp,
                     np.where(ratio >= np.float32(FAINT_FROM), faint, base))
    return level.astype(np.uint16, copy=False)


def paint_overlay(rgb: np.ndarray, jnd: np.ndarray, threshold: float,
                  forgiven: np.ndarray | None,
                  ignore: Sequence[Sequence[int]] = ()) -> np.ndarray:
    """The overlay panel at 1:1: faded expected image, marks, hatching.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The expected image, already flattened.
    jnd : (H, W) float
        Visibility map in JND units.
    threshold : float
        JND threshold in force; the ramp starts there.
    forgiven : (H, W) bool or None
        Pixels forgiven as anti-aliasing.
    ignore : sequence of (x, y, w, h)
        Rectangles that were not compared; hatched.
    """
    grey = faded_grey(rgb)
    level = paint_levels(jnd, threshold, forgiven)
    index = level.astype(np.int32)
    index <<= 8
    index |= grey
    out = np.take(_PALETTE, index, axis=0)

    h, w = grey.shape
    for rect in ignore:
        x, y, rw, rh = (int(v) for v in rect)
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + rw, w), min(y + rh, h)
        if x0 >= x1 or y0 >= y1:
            continue
        yy = np.arange(y0, y1)[:, None]
        xx = np.arange(x0, x1)[None, :]
        hatch = (xx + yy) % 6 == 0
        block = out[y0:y1, x0:x1]
        block[hatch] = _HATCH
    return out


def zoom_factor(width: int, height: int) -> int:
    """Integer enlargement for small images: longer side up to 256 px, at most 8x."""
    longest = max(width, height, 1)
    if longest >= 256:
        return 1
    return max(1, min(8, 256 // longest))


def _zoom(arr: np.ndarray, k: int) -> np.ndarray:
    if k == 1:
        return arr
    return np.repeat(np.repeat(arr, k, axis=0), k, axis=1)


def draw_box(canvas: np.ndarray, box: tuple[int, int, int, int], color: Sequence[int],
             thickness: int) -> None:
    """Outline ``box`` = (x, y, w, h) just outside it, clipped to ``canvas``.

    The ring is ``thickness`` pixels wide around the box.  Where the ring
    would fall outside the canvas it is moved inwards onto the border, so a
    region touching the edge is still framed.
    """
    h, w = canvas.shape[:2]
    x, y, bw, bh = box
    x0 = min(max(x - thickness, 0), max(w - thickness, 0))
    y0 = min(max(y - thickness, 0), max(h - thickness, 0))
    x1 = max(min(x + bw + thickness, w), min(thickness, w))
    y1 = max(min(y + bh + thickness, h), min(thickness, h))
    col = np.asarray(color, dtype=canvas.dtype)
    t = thickness
    canvas[y0:y0 + t, x0:x1] = col
    canvas[max(y1 - t, 0):y1, x0:x1] = col
    canvas[y0:y1, x0:x0 + t] = col
    canvas[y0:y1, max(x1 - t, 0):x1] = col


def _draw_regions(canvas: np.ndarray, regions: Sequence[Any], k: int, s: int) -> None:
    # Non-failing first so a failing outline wins where they overlap.
    for failing in (False, True):
        for r in regions:
            if bool(r.failing) != failing:
                continue
            box = (r.x * k, r.y * k, r.width * k, r.height * k)
            if failing:
                draw_box(canvas, box, FAILING_BOX_COLOR, 2 * s)
            else:
                draw_box(canvas, box, REGION_BOX_COLOR, s)


# ------------------------------------------------------------------- text ---

@functools.lru_cache(maxsize=8)
def _font(size: int) -> Any:
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


def _printable(font: Any, text: str) -> str:
    """``text`` with characters the font lacks replaced by ASCII stand-ins."""
    if text.isascii():
        return text
    return "".join(_FALLBACK.get(c, "?") if not c.isascii() and not _has_glyph(font, c) else c
                   for c in text)


def _text_width(font: Any, text: str) -> int:
    x0, _, x1, _ = font.getbbox(text)
    return int(math.ceil(x1 - min(x0, 0)))


def _fit(font: Any, text: str, width: int) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels."""
    text = _printable(font, text)
    if _text_width(font, text) <= width:
        return text
    dots = _printable(font, "\u2026")
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _text_width(font, text[:mid] + dots) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + dots


@dataclass
class _Strip:
    """A white strip with text and swatches, built with Pillow's ImageDraw."""

    width: int
    scale: int

    def __post_init__(self) -> None:
        s = self.scale
        self.font = _font(11 * s)
        self.line_h = 16 * s
        self.pad = 6 * s

    def _canvas(self, rows: int) -> tuple[PILImage.Image, ImageDraw.ImageDraw]:
        im = PILImage.new("RGB", (self.width, rows * self.line_h + 2 * self.pad), _PAGE)
        return im, ImageDraw.Draw(im)

    def caption(self, lines: Sequence[tuple[str, tuple[int, int, int]]]) -> np.ndarray:
        im, d = self._canvas(len(lines))
        for i, (text, color) in enumerate(lines):
            d.text((self.pad, self.pad + i * self.line_h),
                   _fit(self.font, text, self.width - 2 * self.pad), font=self.font, fill=color)
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
        items: list[tuple[str, str, int]] = [("ramp", label, _text_width(font, label) + 4 * s + ramp_w)]
        sw = 12 * s
        for kind, text, show in (("forgiven", "forgiven anti-aliasing", forgiven),
                                 ("failing", "failing region", failing),
                                 ("region", "region that passes", passing),
                                 ("ignored", "not compared", ignored)):
            if show:
                items.append((kind, text, sw + 4 * s + _text_width(font, text)))
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
        d.text((pad, pad), _fit(font, verdict_line, self.width - 2 * pad), font=font,
               fill=_VERDICT_COLORS.get(verdict, _TEXT))
        y = pad + self.line_h
        for row in rows:
            x = pad
            tall = any(i[0] == "ramp" for i in row)
            for kind, text, w in row:
                cy = y + self.line_h // 2
                if kind == "ramp":
                    d.text((x, y + 2 * s), text, font=font, fill=_TEXT)
                    bx = x + _text_width(font, text) + 4 * s
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
                               fill=_HATCH, width=s)
                    d.rectangle((x, cy - sw // 2, x + sw - 1, cy + sw // 2 - 1), outline=_HATCH)
                if kind != "ramp":
                    d.text((x + sw + 4 * s, y + 2 * s), text, font=font, fill=_TEXT)
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
        page = np.full((n, 3), _PAGE, dtype=np.float32)
        cols = page.copy()
        faint = ratio < 1.0
        a0, a1 = FAINT_ALPHA
        alpha = (a0 + (a1 - a0) * (ratio[faint] - FAINT_FROM) / (1.0 - FAINT_FROM))[:, None]
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
            d.line((tx, y0 + bar_h, tx, y0 + bar_h + 2 * s), fill=_TEXT, width=1)
            value = t * threshold
            text = f"{value:g}" + ("+" if i == len(ticks) - 1 else "")
            tw = _text_width(self.font, text)
            d.text((tx - tw // 2, y0 + bar_h + 2 * s), text, font=self.font, fill=_TEXT)


# ----------------------------------------------------------------- layout ---

def _legend_scale(width: int) -> int:
    return max(1, int(round(width / 1000.0)))


def _hcat(panels: Sequence[np.ndarray], sep: int, header: Sequence[str] | None,
          scale: int) -> np.ndarray:
    """Panels side by side (top-aligned) with separators and optional labels."""
    h = max(p.shape[0] for p in panels)
    width = sum(p.shape[1] for p in panels) + sep * (len(panels) - 1)
    out = np.empty((h, width, 3), dtype=np.uint8)
    out[:] = _SEPARATOR
    x = 0
    for p in panels:
        out[:p.shape[0], x:x + p.shape[1]] = p
        x += p.shape[1] + sep
    if header is None:
        return out
    strip = _Strip(width, scale)
    im = PILImage.new("RGB", (width, strip.line_h + strip.pad), _SEPARATOR)
    d = ImageDraw.Draw(im)
    x = 0
    for p, label in zip(panels, header):
        d.text((x + strip.pad, strip.pad // 2), _fit(strip.font, label, p.shape[1] - strip.pad),
               font=strip.font, fill=(255, 255, 255))
        x += p.shape[1] + sep
    return np.concatenate([np.asarray(im), out], axis=0)


def _vcat(top: np.ndarray, bottom: np.ndarray, rule: int) -> np.ndarray:
    """``top`` above ``bottom`` with a separator line; widths padded to match."""
    w = max(top.shape[1], bottom.shape[1])
    parts = []
    for arr in (top, bottom):
        if arr.shape[1] < w:
            pad = np.empty((arr.shape[0], w - arr.shape[1], 3), dtype=np.uint8)
            pad[:] = _SEPARATOR
            arr = np.concatenate([arr, pad], axis=1)
        parts.append(arr)
    line = np.empty((rule, w, 3), dtype=np.uint8)
    line[:] = _SEPARATOR
    return np.concatenate([parts[0], line, parts[1]], axis=0)


_MIN_LEGEND_WIDTH = 360


def render_diff(result: Any, style: str = "overlay") -> np.ndarray:
    """Draw the diff image of a comparison.

    Parameters
    ----------
    result : perceptdiff.ComparisonResult
        The outcome of :func:`perceptdiff.compare`.
    style : {"overlay", "sidebyside"}
        See the module documentation.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` uint8 sRGB picture.  For ``overlay`` the image area is
        the compared frame (enlarged by :func:`zoom_factor` when small) with
        the legend strip below; ``sidebyside`` holds three such panels.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        Unknown style, or a result whose map does not match its images.
    """
    if style not in STYLES:
        raise PerceptdiffError(f"diff style {style!r}: expected one of {', '.join(STYLES)}")
    exp, act = result.expected_image, result.actual_image
    jnd = result.jnd_map
    if jnd is None or exp is None or act is None:
        return _render_uncompared(result)
    if exp.pixels.shape[:2] != jnd.shape or act.pixels.shape[:2] != jnd.shape:
        raise PerceptdiffError(
            f"cannot draw the diff: visibility map {jnd.shape[1]}x{jnd.shape[0]} does not match "
            f"the images {exp.width}x{exp.height} and {act.width}x{act.height}")
    threshold = float(result.options.get("jnd_threshold", 1.0) or 1.0)
    ignore = result.options.get("ignore") or ()
    forgiven = result.forgiven_mask
    has_forgiven = forgiven is not None and bool(forgiven.any())

    k = zoom_factor(exp.width, exp.height)
    square = max(1, round(8 / k))  # checkerboard squares of about 8 output pixels
    rgb_exp = flatten(exp, square)
    overlay = paint_overlay(rgb_exp, jnd, threshold, forgiven if has_forgiven else None, ignore)
    overlay = _zoom(overlay, k)
    total_w = overlay.shape[1] if style == "overlay" else 3 * overlay.shape[1]
    s = _legend_scale(total_w)
    _draw_regions(overlay, result.regions, k, s)
    if style == "overlay":
        body = overlay
    else:
        panels = []
        failing = [r for r in result.regions if r.failing]
        for img_rgb in (rgb_exp, flatten(act, square)):
            p = np.ascontiguousarray(_zoom(img_rgb, k))
            _draw_regions(p, failing, k, s)  # originals: failing regions only, less clutter
            panels.append(p)
        panels.append(overlay)
        body = _hcat(panels, 3 * s, ("expected", "actual", "diff"), s)
    width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
    legend = _Strip(width, s).legend(
        result.summary(), result.verdict, threshold, forgiven=has_forgiven,
        failing=any(r.failing for r in result.regions),
        passing=any(not r.failing for r in result.regions), ignored=bool(ignore))
    return _vcat(body, legend, s)


def _render_uncompared(result: Any) -> np.ndarray:
    """expected | actual with a caption: sizes differ, or nothing was decoded."""
    exp, act = result.expected_image, result.actual_image
    (ew, eh), (aw, ah) = result.expected_size, result.actual_size
    if exp is None or act is None:
        # Byte-identical files are not decoded: there is nothing to draw but
        # the verdict.  Show a blank frame of the image's size.
        k = zoom_factor(ew, eh)
        body = np.full((max(eh, 1) * k, max(ew, 1) * k, 3), 250, dtype=np.uint8)
        s = _legend_scale(body.shape[1])
        width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
        cap = _Strip(width, s).caption([
            (result.summary(), _VERDICT_COLORS.get(result.verdict, _TEXT)),
            ("the files are identical: there is no difference to show", _TEXT)])
        return _vcat(body, cap, s)
    k = min(zoom_factor(exp.width, exp.height), zoom_factor(act.width, act.height))
    square = max(1, round(8 / k))
    panels = [np.ascontiguousarray(_zoom(flatten(im, square), k)) for im in (exp, act)]
    s = _legend_scale(sum(p.shape[1] for p in panels))
    body = _hcat(panels, 3 * s, (f"expected {ew}x{eh}", f"actual {aw}x{ah}"), s)
    width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
    cap = _Strip(width, s).caption([
        (result.summary(), _VERDICT_COLORS.get(result.verdict, _TEXT)),
        (f"not compared: expected is {ew}x{eh}, actual is {aw}x{ah}; both shown as they are",
         _TEXT)])
    return _vcat(body, cap, s)


def write_diff(result: Any, path: str | os.PathLike[str], style: str = "overlay") -> None:
    """Render the diff image and write it as a PNG, atomically.

    Missing parent folders are created; an existing file is replaced.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        Unknown style, a name not ending in ``.png`` (the picture is always
        PNG; writing it under another extension would mislabel it), or the
        file cannot be written (the message names the path and the reason).
    """
    dest = os.fspath(path)
    if os.path.isdir(dest):
        raise PerceptdiffError(f"{dest}: is a folder; give a file name for the diff image")
    if not dest.lower().endswith(".png"):
        raise PerceptdiffError(f"{dest}: the diff image is a PNG; give a file name ending in .png")
    data = encode_png(render_diff(result, style), compress_level=PICTURE_LEVEL)
    atomic_write_bytes(dest, data)

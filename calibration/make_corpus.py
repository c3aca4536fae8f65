"""Generate perceptdiff's labelled calibration corpus.

Every pair is an *expected* and an *actual* image of synthetic content, and
its label is fixed by construction -- from what is known about human vision
and from what the tool promises to forgive -- never from any metric's output:

``visible``
    A change well above published thresholds at desktop viewing (40 pixels
    per degree): a missing 3x3 icon, text #333 -> #555, a 1-px line removed,
    an element moved 3 px, a chart bar 10 px taller, a colour shift of
    CIEDE2000 >= 3 over an area of at least 0.1 deg^2 (Luo, Cui & Rigg 2001:
    Delta E00 ~ 1 is just perceptible on uniform patches).
``invisible``
    +-1-code noise, a different dither of the same gradient, a uniform +1-code
    shift (Delta E00 ~ 0.4 at mid grey), JPEG re-encoding at quality 95,
    a different anti-aliasing filter or a 0.25-px sub-pixel offset of a
    supersampled drawing, font-rasteriser jitter (text drawn at 2x and reduced
    with another filter).  Two further kinds are invisible *by design* rather
    than by psychophysics -- a 1-px shift of a short text run and aliased vs
    anti-aliased edges -- because perceptdiff promises to forgive the
    rasterisation jitter seen between machines; their ``basis`` says so.
``borderline``
    Changes at or near threshold (a uniform +3-code shift over the whole frame,
    Delta E00 ~ 1.5 patches, gamma-correct vs gamma-incorrect blending of thin
    lines, a 1-px move of a long line).  Reported, not scored.

Four kinds of content, drawn with numpy and Pillow only (no external data):
``ui`` (toolbar, sidebar, text rows, buttons, separators), ``chart`` (axes,
gridlines, bars, a line series, legend), ``photo`` (band-limited random
texture built in CIELAB, soft objects, a sky gradient) and ``render``
(spheres and a box shaded with Lambert + Blinn-Phong, supersampled).

Everything is deterministic for a given seed and Pillow/FreeType version.

Usage::

    python calibration/make_corpus.py [--out calibration/out/corpus] [--seeds 0 1 2]
        [--kind ui --kind chart ...] [--case NAME ...]

writes ``<out>/<pair>/expected.png``, ``<out>/<pair>/actual.png`` and
``<out>/labels.json`` (``{pair: {"label", "kind", "change", "basis", "case",
"seed", "size", "expected", "actual"}}``).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image as PILImage, ImageDraw, ImageFont
from scipy import ndimage

__all__ = ["Case", "CASES", "KINDS", "LABELS", "make_pair", "cases", "write_corpus"]

KINDS = ("ui", "chart", "photo", "render")
LABELS = ("visible", "invisible", "borderline")
DEFAULT_SEEDS = (0, 1, 2)
CORPUS_VERSION = 1

Array = np.ndarray


# --------------------------------------------------------------------------
# colour helpers (sRGB, IEC 61966-2-1; CIELAB and CIEDE2000 via scikit-image)
# --------------------------------------------------------------------------

def srgb_to_linear(c: Array) -> Array:
    """sRGB codes in [0, 1] -> linear light (IEC 61966-2-1 EOTF)."""
    c = np.asarray(c, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: Array) -> Array:
    """Linear light in [0, 1] -> sRGB codes in [0, 1] (inverse EOTF)."""
    v = np.clip(np.asarray(v, dtype=np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, 12.92 * v, 1.055 * v ** (1 / 2.4) - 0.055)


def hex_rgb(text: str) -> tuple[float, float, float]:
    """'#rrggbb' -> sRGB codes 0..255 as floats."""
    t = text.lstrip("#")
    return (float(int(t[0:2], 16)), float(int(t[2:4], 16)), float(int(t[4:6], 16)))


def de00(rgb1: Sequence[float] | Array, rgb2: Sequence[float] | Array) -> float:
    """CIEDE2000 between two sRGB colours given as codes 0..255."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    a = rgb2lab(np.asarray(rgb1, dtype=np.float64).reshape(1, 1, 3) / 255.0)
    b = rgb2lab(np.asarray(rgb2, dtype=np.float64).reshape(1, 1, 3) / 255.0)
    return float(deltaE_ciede2000(a, b)[0, 0])


def shift_colour(rgb: Sequence[float] | Array, target: float,
                 direction: Sequence[float]) -> tuple[float, ...]:
    """The colour at CIEDE2000 distance ``target`` from ``rgb`` along a Lab direction.

    ``direction`` is a (dL, da, db) vector; the step along it is found by
    bisection so that Delta E00 equals ``target`` (to 1e-3).  Returns sRGB
    codes 0..255 (floats; the caller rounds).
    """
    from skimage.color import lab2rgb, rgb2lab

    lab0 = rgb2lab(np.asarray(rgb, dtype=np.float64).reshape(1, 1, 3) / 255.0)[0, 0]
    d = np.asarray(direction, dtype=np.float64)
    d = d / np.linalg.norm(d)

    def at(t: float) -> Array:
        return np.clip(lab2rgb((lab0 + t * d).reshape(1, 1, 3))[0, 0], 0, 1) * 255.0

    lo, hi = 0.0, 1.0
    while de00(rgb, at(hi)) < target and hi < 200:
        hi *= 2
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if de00(rgb, at(mid)) < target:
            lo = mid
        else:
            hi = mid
    return tuple(float(v) for v in at(hi))


def lab_shift_region(img: Array, mask: Array, target: float, direction: Sequence[float]) -> Array:
    """Shift the colours under ``mask`` along a Lab direction.

    The step is chosen so that the region's mean colour moves by ``target``
    CIEDE2000 units.  ``img`` is uint8 RGB; returns a new uint8 image.
    """
    from skimage.color import lab2rgb, rgb2lab

    mean = img[mask].reshape(-1, 3).astype(np.float64).mean(axis=0)
    moved = np.asarray(shift_colour(mean, target, direction))
    lab_mean = rgb2lab(mean.reshape(1, 1, 3) / 255.0)[0, 0]
    lab_moved = rgb2lab(moved.reshape(1, 1, 3) / 255.0)[0, 0]
    lab = rgb2lab(img.astype(np.float64) / 255.0)
    lab[mask] += lab_moved - lab_mean
    out = img.copy()
    out[mask] = quantise(lab_to_codes(lab))[mask]
    return out


# --------------------------------------------------------------------------
# quantisation and post-hoc changes
# --------------------------------------------------------------------------

_BAYER4 = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]],
                    dtype=np.float64) + 0.5) / 16.0


def quantise(codes: Array, mode: str = "round", seed: int = 0) -> Array:
    """Float sRGB codes 0..255 -> uint8.

    ``round`` rounds to nearest; ``ordered`` adds a 4x4 Bayer threshold
    (Bayer 1973) before flooring; ``random`` adds a uniform random threshold.
    All three agree on integer input.
    """
    v = np.asarray(codes, dtype=np.float64)
    if mode == "round":
        t: Array | float = 0.5
    elif mode == "ordered":
        h, w = v.shape[:2]
        t = np.tile(_BAYER4, (h // 4 + 1, w // 4 + 1))[:h, :w]
        if v.ndim == 3:
            t = t[..., None]
    elif mode == "random":
        t = np.random.default_rng([seed, 7919]).random(v.shape)
    else:
        raise ValueError(f"unknown quantisation {mode!r}")
    return np.clip(np.floor(v + t), 0, 255).astype(np.uint8)


def plus_minus_one(img: Array, seed: int) -> Array:
    """Change every channel of every pixel by exactly one code (random sign)."""
    rng = np.random.default_rng([seed, 104729])
    d = np.where(rng.random(img.shape) < 0.5, -1, 1).astype(np.int16)
    v = img.astype(np.int16) + d
    v = np.where((v < 0) | (v > 255), img.astype(np.int16) - d, v)
    return v.astype(np.uint8)


def uniform_shift(img: Array, codes: int) -> Array:
    """Add ``codes`` to every channel (clipped)."""
    return np.clip(img.astype(np.int16) + codes, 0, 255).astype(np.uint8)


def jpeg_roundtrip(img: Array, quality: int, subsampling: int = -1) -> Array:
    """Encode with Pillow's JPEG encoder and decode again."""
    buf = io.BytesIO()
    PILImage.fromarray(img).save(buf, "JPEG", quality=quality, subsampling=subsampling)
    buf.seek(0)
    return np.asarray(PILImage.open(buf).convert("RGB")).copy()


# --------------------------------------------------------------------------
# a tiny supersampling 2-D canvas
# --------------------------------------------------------------------------

_FONTS: dict[int, Any] = {}


def font(size: int) -> Any:
    """Pillow's built-in scalable font (Aileron) at ``size`` px; bitmap fallback."""
    if size not in _FONTS:
        try:
            _FONTS[size] = ImageFont.load_default(size=size)
        except Exception:  # Pillow without FreeType
            _FONTS[size] = ImageFont.load_default()
    return _FONTS[size]


@dataclass
class Canvas:
    """Float sRGB canvas; shapes are drawn as coverage masks.

    Shapes are rasterised by Pillow at ``ss`` times the resolution inside
    their bounding box and box-reduced (``ss = 1``: aliased).  ``offset``
    moves every shape by a sub-pixel amount; text positions are snapped to
    whole pixels as text renderers do.  ``linear_blend`` blends coverage in
    linear light (gamma-correct) instead of on sRGB codes.
    """

    width: int
    height: int
    bg: str = "#ffffff"
    ss: int = 4
    offset: tuple[float, float] = (0.0, 0.0)
    linear_blend: bool = False
    text_mode: str = "direct"
    rgb: Array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rgb = np.empty((self.height, self.width, 3), dtype=np.float64)
        self.rgb[...] = hex_rgb(self.bg)

    # -- painting -------------------------------------------------------
    def paint(self, mask: Array, ix: int, iy: int, colour: Any) -> None:
        """Blend ``colour`` with coverage ``mask`` placed at (ix, iy)."""
        col = np.asarray(hex_rgb(colour) if isinstance(colour, str) else colour, dtype=np.float64)
        h, w = mask.shape
        x0, y0 = max(ix, 0), max(iy, 0)
        x1, y1 = min(ix + w, self.width), min(iy + h, self.height)
        if x0 >= x1 or y0 >= y1:
            return
        m = mask[y0 - iy:y1 - iy, x0 - ix:x1 - ix, None]
        region = self.rgb[y0:y1, x0:x1]
        if self.linear_blend:
            lin = srgb_to_linear(region / 255.0)
            lc = srgb_to_linear(col / 255.0)
            region[...] = linear_to_srgb(lin * (1 - m) + lc * m) * 255.0
        else:
            region[...] = region * (1 - m) + col * m

    def _shape(self, bbox: tuple[float, float, float, float],
               draw: Callable[[Any, Callable[[float, float], tuple[float, float]]], None]) -> tuple[Array, int, int]:
        dx, dy = self.offset
        x0, y0, x1, y1 = bbox
        ix, iy = int(math.floor(x0 + dx)) - 2, int(math.floor(y0 + dy)) - 2
        jx, jy = int(math.ceil(x1 + dx)) + 2, int(math.ceil(y1 + dy)) + 2
        s = self.ss
        im = PILImage.new("L", ((jx - ix) * s, (jy - iy) * s), 0)

        def tx(x: float, y: float) -> tuple[float, float]:
            return (round((x + dx - ix) * s), round((y + dy - iy) * s))

        draw(ImageDraw.Draw(im), tx)
        if s > 1:
            im = im.reduce(s)
        return np.asarray(im, dtype=np.float64) / 255.0, ix, iy

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: Any,
             radius: float = 0.0) -> None:
        """Filled rectangle covering [x0, x1) x [y0, y1)."""
        def d(dr: Any, tx: Callable[[float, float], tuple[float, float]]) -> None:
            a, b = tx(x0, y0)
            c, e = tx(x1, y1)
            if radius > 0:
                dr.rounded_rectangle([a, b, c - 1, e - 1], radius=round(radius * self.ss), fill=255)
            else:
                dr.rectangle([a, b, c - 1, e - 1], fill=255)
        self.paint(*self._shape((x0, y0, x1, y1), d), colour)

    def frame(self, x0: float, y0: float, x1: float, y1: float, colour: Any,
              width: float = 1.0, radius: float = 0.0) -> None:
        """Rectangle outline of ``width`` px drawn inside [x0, x1) x [y0, y1)."""
        def d(dr: Any, tx: Callable[[float, float], tuple[float, float]]) -> None:
            a, b = tx(x0, y0)
            c, e = tx(x1, y1)
            dr.rounded_rectangle([a, b, c - 1, e - 1], radius=round(radius * self.ss),
                                 outline=255, width=max(1, round(width * self.ss)))
        self.paint(*self._shape((x0, y0, x1, y1), d), colour)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, colour: Any) -> None:
        def d(dr: Any, tx: Callable[[float, float], tuple[float, float]]) -> None:
            a, b = tx(cx - rx, cy - ry)
            c, e = tx(cx + rx, cy + ry)
            dr.ellipse([a, b, c - 1, e - 1], fill=255)
        self.paint(*self._shape((cx - rx, cy - ry, cx + rx, cy + ry), d), colour)

    def polygon(self, pts: Sequence[tuple[float, float]], colour: Any) -> None:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]

        def d(dr: Any, tx: Callable[[float, float], tuple[float, float]]) -> None:
            dr.polygon([tx(x, y) for x, y in pts], fill=255)
        self.paint(*self._shape((min(xs), min(ys), max(xs), max(ys)), d), colour)

    def line(self, pts: Sequence[tuple[float, float]], colour: Any, width: float = 1.0) -> None:
        """Polyline; a horizontal/vertical 1-px line at integer+0.5 fills one row."""
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        r = width / 2 + 1

        def d(dr: Any, tx: Callable[[float, float], tuple[float, float]]) -> None:
            # Pillow's integer point p is the pixel whose centre is at p + 0.5.
            pp = [tuple(v - 0.5 * self.ss for v in tx(x, y)) for x, y in pts]
            dr.line([(math.floor(u + 0.5), math.floor(v + 0.5)) for u, v in pp], fill=255,
                    width=max(1, round(width * self.ss)), joint="curve")
        self.paint(*self._shape((min(xs) - r, min(ys) - r, max(xs) + r, max(ys) + r), d), colour)

    def text(self, x: float, y: float, s: str, size: int, colour: Any,
             mode: str | None = None) -> None:
        """Text with its top-left at (x, y) snapped to whole pixels.

        ``mode``: ``direct`` (FreeType's own anti-aliasing at ``size``) or
        ``2x-FILTER`` (drawn at twice the size and reduced with Pillow's
        FILTER: box, bilinear, hamming, bicubic, lanczos).
        """
        mode = mode or self.text_mode
        ix, iy = int(round(x + self.offset[0])), int(round(y + self.offset[1]))
        if mode == "direct":
            f = font(size)
            l, t, r, b = f.getbbox(s)
            im = PILImage.new("L", (r + 2, b + 2), 0)
            ImageDraw.Draw(im).text((0, 0), s, font=f, fill=255)
        elif mode.startswith("2x-"):
            filt = {"box": PILImage.Resampling.BOX, "bilinear": PILImage.Resampling.BILINEAR,
                    "hamming": PILImage.Resampling.HAMMING, "bicubic": PILImage.Resampling.BICUBIC,
                    "lanczos": PILImage.Resampling.LANCZOS}[mode[3:]]
            f = font(2 * size)
            l, t, r, b = f.getbbox(s)
            w2, h2 = (r + 4) // 2 * 2, (b + 4) // 2 * 2
            im = PILImage.new("L", (w2, h2), 0)
            ImageDraw.Draw(im).text((0, 0), s, font=f, fill=255)
            im = im.resize((w2 // 2, h2 // 2), filt)
        else:
            raise ValueError(f"unknown text mode {mode!r}")
        self.paint(np.asarray(im, dtype=np.float64) / 255.0, ix, iy, colour)

    def gradient(self, x0: int, y0: int, x1: int, y1: int, c0: str, c1: str) -> None:
        """Vertical linear gradient (in sRGB codes, unquantised) over a box."""
        a, b = np.asarray(hex_rgb(c0)), np.asarray(hex_rgb(c1))
        t = (np.arange(y0, y1) - y0 + 0.5) / max(1, y1 - y0)
        self.rgb[y0:y1, x0:x1] = (a + (b - a) * t[:, None])[:, None, :]

    def result(self, dither: str = "round", seed: int = 0) -> Array:
        return quantise(self.rgb, dither, seed)


# --------------------------------------------------------------------------
# scenes
# --------------------------------------------------------------------------

WORDS = ("settings account profile update export import preview layout window "
         "display network storage project version release history filter search "
         "report status review module render canvas shadow colour border margin "
         "padding server client invoice payment order item total amount").split()


def _rng(seed: int, salt: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(salt.encode())])


def ui_scene(seed: int, *, ss: int = 4, offset: tuple[float, float] = (0.0, 0.0),
             text_colour: str = "#333333", text_mode: str = "direct",
             dither: str = "round", drop_icon: bool = False, drop_separator: bool = False,
             separator_dy: int = 0, button_dx: int = 0, button_colour: Any = None,
             unchecked: bool = False, word_swap: bool = False, label_dx: int = 0,
             icon_shape: bool = False, linear_blend: bool = False) -> Array:
    """A 480x320 application window: toolbar, sidebar with a gradient, text
    rows, separators, status dots (3x3 icons), a checkbox and buttons."""
    W, H = 480, 320
    r = _rng(seed, "ui")
    accent = ["#2d7ff9", "#1f9d55", "#8e44ad", "#d35400"][int(r.integers(4))]
    n_rows = int(r.integers(5, 8))
    rows = [" ".join(r.choice(WORDS, size=int(r.integers(3, 7)))) for _ in range(n_rows)]
    dots = sorted(r.choice(n_rows, size=3, replace=False).tolist())
    icon_kinds = r.integers(0, 3, size=6).tolist()
    menu = [str(r.choice(WORDS)).capitalize() for _ in range(6)]
    selected = int(r.integers(0, 6))
    title = " ".join(r.choice(WORDS, size=2)).title()

    c = Canvas(W, H, bg="#fafafa", ss=ss, offset=offset, linear_blend=linear_blend,
               text_mode=text_mode)
    # toolbar
    c.gradient(0, 0, W, 36, "#3c4a5c", "#2e3a49")
    for i, k in enumerate(icon_kinds):
        x = 12 + 28 * i
        if icon_shape and i == 2:
            k = (k + 1) % 3
        if k == 0:
            c.ellipse(x + 8, 18, 7, 7, "#e8edf3")
        elif k == 1:
            c.rect(x + 1, 11, x + 15, 25, "#e8edf3", radius=3)
        else:
            c.polygon([(x + 8, 10), (x + 16, 26), (x, 26)], "#e8edf3")
    c.text(W - 120, 11, "Sign out", 12, "#e8edf3")
    # sidebar with a gentle gradient (dithering shows here)
    c.gradient(0, 36, 120, H, "#eef2f7", "#d9e0ea")
    for i, m in enumerate(menu):
        y = 50 + 30 * i
        if i == selected:
            c.rect(6, y - 6, 114, y + 20, accent, radius=4)
            c.text(16, y, m, 13, "#ffffff")
        else:
            c.text(16, y, m, 13, "#3a4656")
    c.rect(120, 36, 121, H, "#c8d0da")
    # content
    c.text(140, 48, title, 18, "#222222")
    sep_rows = []
    y = 84
    for i, row in enumerate(rows):
        if word_swap and i == 1:
            words = row.split()
            words[0] = "modified" if words[0] != "modified" else "changed"
            row = " ".join(words)
        if i in dots:
            if not (drop_icon and i == dots[0]):
                c.rect(142, y + 6, 145, y + 9, "#d0342c")
        dx = label_dx if i == 0 else 0
        c.text(154 + dx, y, row, 12, text_colour)
        y += 22
        if i % 2 == 1:
            sep_rows.append(y - 4)
    for j, sy in enumerate(sep_rows):
        if drop_separator and j == 0:
            continue
        dy = separator_dy if j == 0 else 0
        c.rect(140, sy + dy, 460, sy + dy + 1, "#cfd4da")
    # checkbox
    by = y + 6
    c.frame(140, by, 153, by + 13, "#6b7785", 1.0, radius=2)
    if not unchecked:
        c.line([(143, by + 6.5), (146, by + 9.5), (151, by + 3)], accent, 1.6)
    c.text(160, by, "Remember my choice", 12, text_colour)
    # buttons
    bx = 300 + button_dx
    c.rect(bx, H - 44, bx + 76, H - 18, button_colour if button_colour is not None else accent,
           radius=4)
    c.text(bx + 22, H - 38, "Save", 13, "#ffffff")
    c.frame(388, H - 44, 464, H - 18, "#8a95a3", 1.0, radius=4)
    c.text(406, H - 38, "Cancel", 13, "#3a4656")
    return c.result(dither, seed)


def ui_button_colour(seed: int, target: float) -> tuple[float, ...]:
    """The Save button's accent moved by ``target`` Delta E00 (towards +b*)."""
    r = _rng(seed, "ui")
    accent = ["#2d7ff9", "#1f9d55", "#8e44ad", "#d35400"][int(r.integers(4))]
    return tuple(round(v) for v in shift_colour(hex_rgb(accent), target, (0.0, 0.6, 1.0)))


PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def chart_scene(seed: int, *, ss: int = 4, offset: tuple[float, float] = (0.0, 0.0),
                text_mode: str = "direct", bar_dh: int = 0, drop_grid: bool = False,
                point_dy: float = 0.0, drop_marker: bool = False, legend_swap: bool = False,
                tick_text: bool = False, line_width: float = 2.0, bar_colour: Any = None,
                legend_dx: int = 0, linear_blend: bool = False, grid_colour: str = "#e3e3e3",
                line_colour: str | None = None) -> Array:
    """A 480x320 bar + line chart with gridlines, axes, ticks and a legend."""
    W, H = 480, 320
    r = _rng(seed, "chart")
    n = int(r.integers(5, 8))
    vals = r.uniform(0.2, 0.95, size=n)
    line = r.uniform(0.15, 0.9, size=n)
    cols = r.choice(len(PALETTE), size=3, replace=False)
    bar_c, line_c, third = (PALETTE[i] for i in cols)
    title = " ".join(r.choice(WORDS, size=3)).title()

    c = Canvas(W, H, bg="#ffffff", ss=ss, offset=offset, linear_blend=linear_blend,
               text_mode=text_mode)
    left, right, top, bottom = 56, 456, 44, 280
    c.text(left, 12, title, 15, "#222222")
    for k in range(1, 6):
        gy = bottom - k * (bottom - top) / 5
        if not (drop_grid and k == 3):
            c.rect(left, round(gy), right, round(gy) + 1, grid_colour)
        label = str(k * 20) if not (tick_text and k == 2) else "45"
        c.text(left - 26, round(gy) - 7, label, 11, "#555555")
    step = (right - left) / n
    for i, v in enumerate(vals):
        x0 = left + i * step + step * 0.2
        h = v * (bottom - top) + (bar_dh if i == n // 2 else 0)
        col = bar_colour if (bar_colour is not None and i == 1) else bar_c
        c.rect(round(x0), round(bottom - h), round(x0 + step * 0.6), bottom, col)
        c.text(round(x0 + step * 0.3 - 8), bottom + 8, f"Q{i + 1}", 11, "#555555")
    pts = []
    for i, v in enumerate(line):
        py = bottom - v * (bottom - top) + (point_dy if i == n // 2 else 0)
        pts.append((left + (i + 0.5) * step, py))
    c.line(pts, line_colour or line_c, line_width)
    for i, (px, py) in enumerate(pts):
        if drop_marker and i == 1:
            continue
        c.ellipse(px, py, 4, 4, "#ffffff")
        c.ellipse(px, py, 3, 3, line_colour or line_c)
    c.rect(left - 1, top, left, bottom + 1, "#333333")
    c.rect(left - 1, bottom, right, bottom + 1, "#333333")
    # legend
    lx, ly = 330, 50
    c.rect(lx - 8, ly - 6, lx + 118, ly + 52, "#ffffff")
    c.frame(lx - 8, ly - 6, lx + 118, ly + 52, "#cccccc", 1.0)
    sw = (third if legend_swap else bar_c, line_c, third)
    for j, (name, col) in enumerate(zip(("revenue", "forecast", "target"), sw)):
        c.rect(lx, ly + 16 * j, lx + 10, ly + 16 * j + 10, col)
        c.text(lx + 16 + (legend_dx if j == 0 else 0), ly + 16 * j - 2, name, 11, "#333333")
    return c.result("round", seed)


def chart_bar_colour(seed: int, target: float) -> tuple[float, ...]:
    r = _rng(seed, "chart")
    n = int(r.integers(5, 8))
    r.uniform(0.2, 0.95, size=n)
    r.uniform(0.15, 0.9, size=n)
    cols = r.choice(len(PALETTE), size=3, replace=False)
    return tuple(round(v) for v in shift_colour(hex_rgb(PALETTE[cols[0]]), target, (0.0, 1.0, -0.4)))


def _field(r: np.random.Generator, shape: tuple[int, int], sigma: float) -> Array:
    f = ndimage.gaussian_filter(r.standard_normal(shape), sigma, mode="wrap")
    return f / (f.std() + 1e-12)


def photo_lab(seed: int, size: int = 384) -> Array:
    """CIELAB float image of a photo-like scene (sky, hills, texture, blobs)."""
    r = _rng(seed, "photo")
    shape = (size, size)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    L = 52 + 14 * _field(r, shape, 28) + 7 * _field(r, shape, 7) + 4 * _field(r, shape, 1.2)
    a = 4 + 9 * _field(r, shape, 36) + 2 * _field(r, shape, 4)
    b = 22 + 12 * _field(r, shape, 36) + 3 * _field(r, shape, 4)
    # sky above a wavy horizon
    horizon = size * 0.32 + 14 * np.sin(xx[0] / size * 2 * math.pi * r.uniform(0.8, 1.6) + r.uniform(0, 6))
    sky = yy < horizon[None, :]
    soft = ndimage.gaussian_filter(sky.astype(np.float64), 1.0)
    skyL = 88 - 22 * yy / size + 1.5 * _field(r, shape, 20)
    skya = -4 + 0 * yy
    skyb = -22 + 10 * yy / size
    L = L * (1 - soft) + skyL * soft
    a = a * (1 - soft) + skya * soft
    b = b * (1 - soft) + skyb * soft
    # a few soft dark objects (tree-like blobs)
    for _ in range(4):
        cx, cy = r.uniform(0.1, 0.9) * size, r.uniform(0.45, 0.85) * size
        rad = r.uniform(12, 30)
        m = np.clip(1.2 - np.hypot(xx - cx, yy - cy) / rad, 0, 1) ** 0.7
        L = L * (1 - 0.45 * m)
        a = a + (-10 * m)
        b = b + 8 * m
    return np.stack([np.clip(L, 2, 98), a, b], axis=-1)


def lab_to_codes(lab: Array) -> Array:
    """CIELAB (D65) -> sRGB codes 0..255, out-of-gamut colours clipped."""
    import warnings

    from skimage.color import lab2rgb
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "negative Z values clipped"
        return np.clip(lab2rgb(lab), 0, 1) * 255.0


def photo_scene(seed: int, *, dither: str = "round") -> Array:
    """A 384x384 photo-like image (see :func:`photo_lab`)."""
    return quantise(lab_to_codes(photo_lab(seed)), dither, seed)


def _textured_box(seed: int, img: Array, side: int) -> tuple[int, int]:
    """Top-left of a ``side``-px square below the horizon, chosen by seed."""
    r = _rng(seed, "photo-box")
    h, w = img.shape[:2]
    return int(r.integers(w // 8, w - side - w // 8)), int(r.integers(h // 2, h - side - 8))


def _sky_box(seed: int, img: Array, side: int) -> tuple[int, int]:
    """Top-left of a ``side``-px square inside the smooth sky, chosen by seed."""
    r = _rng(seed, "photo-sky")
    h, w = img.shape[:2]
    return int(r.integers(8, w - side - 8)), int(r.integers(8, max(9, int(h * 0.32) - 14 - side - 4)))


def photo_patch_shift(img: Array, seed: int, target: float, side: int, where: str = "texture") -> Array:
    x, y = (_sky_box if where == "sky" else _textured_box)(seed, img, side)
    mask = np.zeros(img.shape[:2], bool)
    mask[y:y + side, x:x + side] = True
    return lab_shift_region(img, mask, target, (0.2, 1.0, 0.6))


def photo_blur(img: Array, seed: int) -> Array:
    x, y = _textured_box(seed, img, 96)
    out = img.copy()
    blurred = ndimage.gaussian_filter(img.astype(np.float64), (2.5, 2.5, 0), mode="nearest")
    out[y:y + 96, x:x + 96] = quantise(blurred[y:y + 96, x:x + 96])
    return out


def photo_blob(img: Array, seed: int) -> Array:
    x, y = _textured_box(seed, img, 10)
    c = Canvas(img.shape[1], img.shape[0])
    c.rgb = img.astype(np.float64)
    c.ellipse(x + 5, y + 5, 4.5, 4.5, "#1e1a16")
    return c.result()


def photo_scratch(img: Array, seed: int) -> Array:
    x, y = _textured_box(seed, img, 120)
    c = Canvas(img.shape[1], img.shape[0])
    c.rgb = img.astype(np.float64)
    c.line([(x, y + 20.5), (x + 120, y + 60.5)], "#f4f1e8", 1.0)
    return c.result()


def photo_brighter(img: Array, seed: int, codes: int, side: int) -> Array:
    x, y = _textured_box(seed, img, side)
    out = img.copy()
    out[y:y + side, x:x + side] = uniform_shift(img[y:y + side, x:x + side], codes)
    return out


def photo_contrast(img: Array, seed: int) -> Array:
    x, y = _textured_box(seed, img, 96)
    reg = img[y:y + 96, x:x + 96].astype(np.float64)
    out = img.copy()
    out[y:y + 96, x:x + 96] = quantise(reg.mean(axis=(0, 1)) + 0.6 * (reg - reg.mean(axis=(0, 1))))
    return out


def render_layout(seed: int) -> dict[str, Any]:
    """Positions, sizes and albedos (sRGB codes) of the render scene for ``seed``."""
    r = _rng(seed, "render")
    return {
        "horizon": 120 + int(r.integers(-10, 10)),
        "s1": (r.uniform(150, 180), r.uniform(170, 190), r.uniform(48, 58)),
        "s2": (r.uniform(265, 310), r.uniform(190, 215), r.uniform(28, 36)),
        "s3": (r.uniform(215, 235), r.uniform(232, 244), 5.0),
        "alb1": np.asarray(hex_rgb(["#c0392b", "#2e86c1", "#27ae60", "#d4ac0d"][int(r.integers(4))])),
        "alb2": np.asarray(hex_rgb(["#8e44ad", "#e67e22", "#16a085", "#95a5a6"][int(r.integers(4))])),
        "box": (r.uniform(16, 26), r.uniform(205, 220), r.uniform(36, 44)),
    }


def render_scene(seed: int, *, samples: str = "grid4", offset: tuple[float, float] = (0.0, 0.0),
                 spec_dir: tuple[float, float, float] | None = None, sphere_dx: float = 0.0,
                 drop_shadow: bool = False, albedo: Any = None, drop_small: bool = False,
                 box_top: float = 1.0, exposure: float = 1.0, precision: str = "float64",
                 dither: str = "round") -> Array:
    """A 384x288 ray-cast scene: floor, sky, two spheres and a box, Lambert
    diffuse plus Blinn-Phong specular (Blinn 1977), soft contact shadows,
    supersampled with the given sample pattern and averaged in linear light.

    ``samples``: ``grid4`` (4x4), ``grid2`` (2x2), ``rgss`` (4-sample rotated
    grid), ``jitter4`` (4x4 stratified jitter), ``none`` (pixel centre only).
    """
    W, H = 384, 288
    lay = render_layout(seed)
    horizon, s1, s2, s3 = lay["horizon"], lay["s1"], lay["s2"], lay["s3"]
    alb1, alb2 = lay["alb1"], lay["alb2"]
    bx, by, bs = lay["box"]
    light = np.array([-0.45, -0.65, 0.62])
    light /= np.linalg.norm(light)
    sd = np.asarray(spec_dir if spec_dir is not None else light, dtype=np.float64)
    sd = sd / np.linalg.norm(sd)
    half = sd + np.array([0.0, 0.0, 1.0])
    half /= np.linalg.norm(half)
    dt = np.float32 if precision == "float32" else np.float64

    if samples == "grid4":
        offs = [((i + 0.5) / 4, (j + 0.5) / 4) for j in range(4) for i in range(4)]
    elif samples == "grid2":
        offs = [((i + 0.5) / 2, (j + 0.5) / 2) for j in range(2) for i in range(2)]
    elif samples == "rgss":
        offs = [(0.375, 0.125), (0.875, 0.375), (0.125, 0.625), (0.625, 0.875)]
    elif samples == "jitter4":
        jr = _rng(seed, "jitter")
        offs = [((i + jr.uniform(0.1, 0.9)) / 4, (j + jr.uniform(0.1, 0.9)) / 4)
                for j in range(4) for i in range(4)]
    elif samples == "none":
        offs = [(0.5, 0.5)]
    else:
        raise ValueError(samples)

    yy, xx = np.mgrid[0:H, 0:W].astype(dt)
    acc = np.zeros((H, W, 3), dtype=np.float64)
    spheres = [(s1[0] + sphere_dx, s1[1], s1[2], alb1 if albedo is None else np.asarray(albedo)),
               (s2[0], s2[1], s2[2], alb2)]
    if not drop_small:
        spheres.append((s3[0], s3[1], s3[2], np.asarray(hex_rgb("#f0f0f0"))))
    spheres.sort(key=lambda s: s[1])
    for ox, oy in offs:
        x = xx + dt(ox + offset[0])
        y = yy + dt(oy + offset[1])
        # backdrop: sky gradient and a lit floor
        t = np.clip(y / horizon, 0, 1)[..., None]
        sky = (1 - t) * srgb_to_linear(np.array([0.62, 0.74, 0.90])) + t * srgb_to_linear(
            np.array([0.86, 0.89, 0.93]))
        ft = np.clip((y - horizon) / (H - horizon), 0, 1)[..., None]
        floor = srgb_to_linear(np.array([0.78, 0.75, 0.70])) * (0.65 + 0.35 * ft)
        col = np.where((y < horizon)[..., None], sky, floor)
        if not drop_shadow:
            shade = np.ones_like(x, dtype=np.float64)
            for cx, cy, rad, _ in spheres:
                d = ((x - cx + 0.35 * rad) / (1.1 * rad)) ** 2 + ((y - cy - 0.9 * rad) / (0.28 * rad)) ** 2
                shade *= 1 - 0.55 * np.exp(-1.6 * d)
            col = col * np.where((y >= horizon)[..., None], shade[..., None], 1.0)
        # the box: top, front and side faces (oblique projection)
        d = bs * 0.45
        faces = [
            ([(bx, by), (bx + bs, by), (bx + bs + d, by - d), (bx + d, by - d)], 0.95 * box_top),
            ([(bx, by), (bx + bs, by), (bx + bs, by + bs), (bx, by + bs)], 0.62),
            ([(bx + bs, by), (bx + bs + d, by - d), (bx + bs + d, by + bs - d), (bx + bs, by + bs)], 0.42),
        ]
        box_alb = srgb_to_linear(np.array([0.80, 0.78, 0.72]))
        for poly, lum in faces:
            inside = _in_convex(x, y, poly)
            col = np.where(inside[..., None], box_alb * lum, col)
        for cx, cy, rad, alb in spheres:
            dx, dy = (x - cx) / rad, (y - cy) / rad
            rr = dx * dx + dy * dy
            inside = rr < 1
            nz = np.sqrt(np.clip(1 - rr, 0, 1))
            n = np.stack([dx, dy, nz], axis=-1)
            diff = np.clip(n @ light.astype(dt), 0, 1)
            spec = np.clip(n @ half.astype(dt), 0, 1) ** dt(60)
            lin = srgb_to_linear(alb / 255.0) * (0.08 + 0.92 * diff[..., None]) + 0.55 * spec[..., None]
            col = np.where(inside[..., None], lin, col)
        acc += col
    lin = np.clip(acc / len(offs) * exposure, 0, 1)
    return quantise(linear_to_srgb(lin) * 255.0, dither, seed)


def _in_convex(x: Array, y: Array, poly: Sequence[tuple[float, float]]) -> Array:
    """Points inside a convex polygon (either winding)."""
    sgn = []
    pts = list(poly)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        sgn.append((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0))
    s = np.stack(sgn)
    return np.all(s >= 0, axis=0) | np.all(s <= 0, axis=0)


# --------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------

Maker = Callable[[int], tuple[Array, Array]]


@dataclass(frozen=True)
class Case:
    """One kind of change, applied to every seed's scene."""

    name: str
    kind: str
    label: str
    change: str
    basis: str
    make: Maker = field(repr=False, compare=False)
    clear_cut: bool = False  # beyond doubt either way; tests/test_calibration_corpus.py uses these


def _pair(scene: Callable[..., Array], **changes: Any) -> Maker:
    return lambda seed: (scene(seed), scene(seed, **changes))


def _pair2(scene: Callable[..., Array], base: dict[str, Any], changes: dict[str, Any]) -> Maker:
    return lambda seed: (scene(seed, **base), scene(seed, **changes))


def _post(scene: Callable[..., Array], fn: Callable[[Array, int], Array]) -> Maker:
    def make(seed: int) -> tuple[Array, Array]:
        a = scene(seed)
        return a, fn(a, seed)
    return make


PSY = "psychophysics"
DESIGN = "by design (rasterisation jitter is forgiven)"
NEAR = "near threshold"


def _render_albedo_pair(target: float) -> Maker:
    def make(seed: int) -> tuple[Array, Array]:
        moved = shift_colour(render_layout(seed)["alb1"], target, (0.0, 0.5, 1.0))
        return render_scene(seed), render_scene(seed, albedo=moved)
    return make


def _build_cases() -> list[Case]:
    C: list[Case] = []

    def add(name: str, kind: str, label: str, change: str, basis: str, make: Maker,
            clear_cut: bool = False) -> None:
        C.append(Case(name, kind, label, change, basis, make, clear_cut))

    # ---- UI ----------------------------------------------------------------
    add("text-333-555", "ui", "visible", "body text colour #333333 -> #555555", PSY,
        _pair(ui_scene, text_colour="#555555"), True)
    add("icon-missing", "ui", "visible", "a 3x3 red status dot removed", PSY,
        _pair(ui_scene, drop_icon=True), True)
    add("separator-removed", "ui", "visible", "a 1-px separator line removed", PSY,
        _pair(ui_scene, drop_separator=True))
    add("button-moved-3px", "ui", "visible", "the Save button moved 3 px right", PSY,
        _pair(ui_scene, button_dx=3), True)
    add("button-recolour", "ui", "visible", "Save button colour shifted by Delta E00 = 4 (76x26 px)", PSY,
        lambda s: (ui_scene(s), ui_scene(s, button_colour=ui_button_colour(s, 4.0))))
    add("checkbox-unchecked", "ui", "visible", "checkbox tick removed", PSY,
        _pair(ui_scene, unchecked=True))
    add("word-changed", "ui", "visible", "one word of a text row replaced", PSY,
        _pair(ui_scene, word_swap=True))
    add("toolbar-icon-shape", "ui", "visible", "a 16-px toolbar icon changed shape", PSY,
        _pair(ui_scene, icon_shape=True))
    add("noise-pm1", "ui", "invisible", "+-1 code on every channel of every pixel", PSY,
        _post(ui_scene, plus_minus_one), True)
    add("uniform-plus1", "ui", "invisible", "+1 code everywhere", PSY,
        _post(ui_scene, lambda a, s: uniform_shift(a, 1)), True)
    add("dither-ordered-random", "ui", "invisible",
        "sidebar/toolbar gradients: ordered (Bayer 4x4) vs random dither", PSY,
        _pair2(ui_scene, {"dither": "ordered"}, {"dither": "random"}))
    add("font-2x-box-lanczos", "ui", "invisible",
        "all text drawn at 2x, reduced with box vs Lanczos filter", PSY,
        _pair2(ui_scene, {"text_mode": "2x-box"}, {"text_mode": "2x-lanczos"}))
    add("font-2x-box-bilinear", "ui", "borderline",
        "all text drawn at 2x, reduced with box vs bilinear filter (bilinear is softer)", NEAR,
        _pair2(ui_scene, {"text_mode": "2x-box"}, {"text_mode": "2x-bilinear"}))
    add("subpixel-0.25", "ui", "invisible", "all shapes offset by 0.25 px (4x4 supersampled)", PSY,
        _pair(ui_scene, offset=(0.25, 0.25)))
    add("aa-4x-8x", "ui", "invisible", "shapes supersampled 4x4 vs 8x8", PSY,
        _pair2(ui_scene, {"ss": 4}, {"ss": 8}))
    add("aa-on-off", "ui", "invisible", "shapes anti-aliased (4x4) vs aliased", DESIGN,
        _pair2(ui_scene, {"ss": 4}, {"ss": 1}))
    add("glyph-jitter-1px", "ui", "invisible", "one short text run shifted 1 px right", DESIGN,
        _pair(ui_scene, label_dx=1))
    add("uniform-plus3", "ui", "borderline", "+3 codes everywhere (about Delta E00 1.1)", NEAR,
        _post(ui_scene, lambda a, s: uniform_shift(a, 3)))
    add("separator-moved-1px", "ui", "borderline", "a 320-px separator line moved down 1 px", NEAR,
        _pair(ui_scene, separator_dy=1))
    add("text-333-3a3a3a", "ui", "borderline", "body text colour #333333 -> #3a3a3a", NEAR,
        _pair(ui_scene, text_colour="#3a3a3a"))

    # ---- charts -------------------------------------------------------------
    add("bar-10px-taller", "chart", "visible", "one bar 10 px taller", PSY,
        _pair(chart_scene, bar_dh=10), True)
    add("gridline-removed", "chart", "visible", "one 1-px gridline (#e3e3e3) removed", PSY,
        _pair(chart_scene, drop_grid=True))
    add("point-moved-6px", "chart", "visible", "one line-series point moved 6 px down", PSY,
        _pair(chart_scene, point_dy=6.0))
    add("marker-missing", "chart", "visible", "one 7-px data marker removed", PSY,
        _pair(chart_scene, drop_marker=True), True)
    add("legend-swatch", "chart", "visible", "a legend swatch shows another series' colour", PSY,
        _pair(chart_scene, legend_swap=True))
    add("tick-label", "chart", "visible", "tick label 40 -> 45", PSY,
        _pair(chart_scene, tick_text=True))
    add("line-width-2-1", "chart", "visible", "line series 2 px -> 1 px wide", PSY,
        _pair(chart_scene, line_width=1.0))
    add("bar-recolour", "chart", "visible", "one bar's colour shifted by Delta E00 = 4", PSY,
        lambda s: (chart_scene(s), chart_scene(s, bar_colour=chart_bar_colour(s, 4.0))))
    add("noise-pm1", "chart", "invisible", "+-1 code on every channel of every pixel", PSY,
        _post(chart_scene, plus_minus_one), True)
    add("uniform-plus1", "chart", "invisible", "+1 code everywhere", PSY,
        _post(chart_scene, lambda a, s: uniform_shift(a, 1)))
    add("subpixel-0.25", "chart", "invisible", "whole chart offset by 0.25 px (4x4 supersampled)", PSY,
        _pair(chart_scene, offset=(0.25, 0.0)))
    add("aa-4x-8x", "chart", "invisible", "supersampled 4x4 vs 8x8", PSY,
        _pair2(chart_scene, {"ss": 4}, {"ss": 8}))
    add("font-2x-box-hamming", "chart", "invisible",
        "all text drawn at 2x, reduced with box vs Hamming filter", PSY,
        _pair2(chart_scene, {"text_mode": "2x-box"}, {"text_mode": "2x-hamming"}))
    add("aa-on-off", "chart", "invisible", "anti-aliased (4x4) vs aliased lines and markers", DESIGN,
        _pair2(chart_scene, {"ss": 4}, {"ss": 1}))
    add("legend-text-jitter", "chart", "invisible", "one legend label shifted 1 px", DESIGN,
        _pair(chart_scene, legend_dx=1))
    add("gamma-aa-lines", "chart", "borderline",
        "coverage blended on sRGB codes vs in linear light (thin lines, text edges)", NEAR,
        _pair(chart_scene, linear_blend=True))
    add("uniform-plus3", "chart", "borderline", "+3 codes everywhere", NEAR,
        _post(chart_scene, lambda a, s: uniform_shift(a, 3)))
    add("gridline-e3-da", "chart", "borderline", "gridlines #e3e3e3 -> #dadada", NEAR,
        _pair(chart_scene, grid_colour="#dadada"))

    # ---- photo-like --------------------------------------------------------
    add("texture-patch-de8", "photo", "visible",
        "64x64 patch of texture shifted by Delta E00 = 8 (hard edge)", PSY,
        _post(photo_scene, lambda a, s: photo_patch_shift(a, s, 8.0, 64)), True)
    add("sky-patch-de3", "photo", "visible", "40x40 patch (1 deg^2) of sky shifted by Delta E00 = 3",
        PSY, _post(photo_scene, lambda a, s: photo_patch_shift(a, s, 3.0, 40, "sky")))
    add("dark-blob", "photo", "visible", "a 9-px dark spot added", PSY,
        _post(photo_scene, photo_blob), True)
    add("scratch", "photo", "visible", "a 1-px light scratch 125 px long", PSY,
        _post(photo_scene, photo_scratch))
    add("local-blur", "photo", "visible", "96x96 region blurred (Gaussian sigma 2.5 px)", PSY,
        _post(photo_scene, photo_blur))
    add("region-brighter-20", "photo", "visible", "80x80 region of texture +20 codes", PSY,
        _post(photo_scene, lambda a, s: photo_brighter(a, s, 20, 80)))
    add("local-contrast", "photo", "visible", "96x96 region's contrast reduced to 60 %", PSY,
        _post(photo_scene, photo_contrast))
    add("noise-pm1", "photo", "invisible", "+-1 code on every channel of every pixel", PSY,
        _post(photo_scene, plus_minus_one), True)
    add("uniform-plus1", "photo", "invisible", "+1 code everywhere", PSY,
        _post(photo_scene, lambda a, s: uniform_shift(a, 1)))
    add("jpeg-q95", "photo", "invisible", "JPEG re-encoded at quality 95 (Pillow, 4:2:0)", PSY,
        _post(photo_scene, lambda a, s: jpeg_roundtrip(a, 95)))
    add("jpeg-q95-444", "photo", "invisible", "JPEG re-encoded at quality 95, 4:4:4", PSY,
        _post(photo_scene, lambda a, s: jpeg_roundtrip(a, 95, 0)))
    add("quantise-round-random", "photo", "invisible", "rounded vs randomly dithered to 8 bits", PSY,
        _pair2(photo_scene, {"dither": "round"}, {"dither": "random"}), True)
    add("quantise-round-ordered", "photo", "invisible", "rounded vs ordered-dithered to 8 bits", PSY,
        _pair2(photo_scene, {"dither": "round"}, {"dither": "ordered"}))
    add("uniform-plus3", "photo", "borderline", "+3 codes everywhere", NEAR,
        _post(photo_scene, lambda a, s: uniform_shift(a, 3)))
    add("sky-patch-de1.5", "photo", "borderline", "40x40 patch of sky shifted by Delta E00 = 1.5",
        NEAR, _post(photo_scene, lambda a, s: photo_patch_shift(a, s, 1.5, 40, "sky")))
    add("texture-patch-de3", "photo", "borderline",
        "64x64 patch of texture shifted by Delta E00 = 3 (texture masks it)", NEAR,
        _post(photo_scene, lambda a, s: photo_patch_shift(a, s, 3.0, 64)))
    add("region-brighter-10", "photo", "borderline", "80x80 region of texture +10 codes", NEAR,
        _post(photo_scene, lambda a, s: photo_brighter(a, s, 10, 80)))
    add("jpeg-q80", "photo", "borderline", "JPEG re-encoded at quality 80", NEAR,
        _post(photo_scene, lambda a, s: jpeg_roundtrip(a, 80)))

    # ---- rendered 3D-like --------------------------------------------------
    add("highlight-moved", "render", "visible", "specular highlight moved (light turned ~15 deg)", PSY,
        _pair(render_scene, spec_dir=(-0.2, -0.75, 0.62)))
    add("sphere-moved-3px", "render", "visible", "the large sphere moved 3 px", PSY,
        _pair(render_scene, sphere_dx=3.0), True)
    add("shadows-missing", "render", "visible", "contact shadows not drawn", PSY,
        _pair(render_scene, drop_shadow=True))
    add("albedo-de5", "render", "visible", "large sphere's albedo shifted by Delta E00 = 5", PSY,
        _render_albedo_pair(5.0))
    add("small-sphere-missing", "render", "visible", "a 10-px sphere missing", PSY,
        _pair(render_scene, drop_small=True), True)
    add("box-top-darker", "render", "visible", "box top face 15 % darker", PSY,
        _pair(render_scene, box_top=0.85))
    add("exposure-minus12", "render", "visible", "exposure -12 % (linear light)", PSY,
        _pair(render_scene, exposure=0.88))
    add("noise-pm1", "render", "invisible", "+-1 code on every channel of every pixel", PSY,
        _post(render_scene, plus_minus_one), True)
    add("uniform-plus1", "render", "invisible", "+1 code everywhere", PSY,
        _post(render_scene, lambda a, s: uniform_shift(a, 1)))
    add("samples-grid4-rgss", "render", "invisible", "4x4 grid vs rotated-grid 4-sample AA", PSY,
        _pair2(render_scene, {"samples": "grid4"}, {"samples": "rgss"}))
    add("samples-grid4-jitter", "render", "invisible", "4x4 grid vs 4x4 jittered samples", PSY,
        _pair2(render_scene, {"samples": "grid4"}, {"samples": "jitter4"}))
    add("subpixel-0.25", "render", "invisible", "camera offset 0.25 px (4x4 supersampled)", PSY,
        _pair(render_scene, offset=(0.25, 0.25)))
    add("float32-dither", "render", "invisible", "float32 shading, randomly dithered output", PSY,
        _pair(render_scene, precision="float32", dither="random"))
    add("aa-on-off", "render", "invisible", "4x4 supersampled vs one sample per pixel", DESIGN,
        _pair2(render_scene, {"samples": "grid4"}, {"samples": "none"}))
    add("uniform-plus3", "render", "borderline", "+3 codes everywhere", NEAR,
        _post(render_scene, lambda a, s: uniform_shift(a, 3)))
    add("exposure-minus3", "render", "borderline", "exposure -3 % (linear light)", NEAR,
        _pair(render_scene, exposure=0.97))
    return C


CASES: tuple[Case, ...] = tuple(_build_cases())


def cases(kinds: Sequence[str] | None = None, names: Sequence[str] | None = None,
          labels: Sequence[str] | None = None, clear_cut: bool | None = None) -> list[Case]:
    """The cases, optionally filtered by kind, name (``name`` or ``kind/name``) and label."""
    out = []
    for c in CASES:
        if kinds and c.kind not in kinds:
            continue
        if names and c.name not in names and f"{c.kind}/{c.name}" not in names:
            continue
        if labels and c.label not in labels:
            continue
        if clear_cut is not None and c.clear_cut != clear_cut:
            continue
        out.append(c)
    return out


def pair_name(case: Case, seed: int) -> str:
    return f"{case.kind}-{case.name}-s{seed}"


def make_pair(case: Case, seed: int) -> tuple[Array, Array]:
    """The (expected, actual) uint8 RGB arrays of ``case`` for ``seed``."""
    a, b = case.make(seed)
    if a.shape != b.shape or a.dtype != np.uint8 or b.dtype != np.uint8:
        raise AssertionError(f"{case.kind}/{case.name}: bad pair {a.shape} {b.shape}")
    return a, b


def _png_bytes(img: Array) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(img).save(buf, "PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def write_corpus(out: str, seeds: Sequence[int] = DEFAULT_SEEDS,
                 selected: Sequence[Case] | None = None, quiet: bool = False) -> dict[str, Any]:
    """Write every selected pair and ``labels.json`` under ``out``; return the labels."""
    selected = list(CASES if selected is None else selected)
    os.makedirs(out, exist_ok=True)
    labels: dict[str, Any] = {}
    for case in selected:
        for seed in seeds:
            name = pair_name(case, seed)
            a, b = make_pair(case, seed)
            d = os.path.join(out, name)
            os.makedirs(d, exist_ok=True)
            for fn, img in (("expected.png", a), ("actual.png", b)):
                with open(os.path.join(d, fn), "wb") as fh:
                    fh.write(_png_bytes(img))
            labels[name] = {
                "label": case.label, "kind": case.kind, "change": case.change,
                "basis": case.basis, "case": case.name, "seed": seed,
                "size": [int(a.shape[1]), int(a.shape[0])],
                "identical_pixels": bool(np.array_equal(a, b)),
                "expected": f"{name}/expected.png", "actual": f"{name}/actual.png",
            }
            if not quiet:
                print(f"{name:45s} {case.label}", file=sys.stderr)
    meta = {"corpus_version": CORPUS_VERSION, "seeds": list(seeds),
            "pillow": PILImage.__version__, "pairs": labels}
    tmp = os.path.join(out, "labels.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(meta, fh, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(out, "labels.json"))
    return meta


def composition(labels: dict[str, Any]) -> str:
    """A kind x label count table."""
    pairs = labels.get("pairs", labels)
    rows = ["kind      " + "".join(f"{l:>12s}" for l in LABELS) + f"{'total':>8s}"]
    tot = {l: 0 for l in LABELS}
    for k in KINDS:
        counts = {l: sum(1 for p in pairs.values() if p["kind"] == k and p["label"] == l) for l in LABELS}
        for l in LABELS:
            tot[l] += counts[l]
        rows.append(f"{k:10s}" + "".join(f"{counts[l]:12d}" for l in LABELS) + f"{sum(counts.values()):8d}")
    rows.append(f"{'all':10s}" + "".join(f"{tot[l]:12d}" for l in LABELS) + f"{sum(tot.values()):8d}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(here, "out", "corpus"),
                   help="output folder (default: calibration/out/corpus)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS))
    p.add_argument("--kind", action="append", choices=KINDS, help="only this kind (repeatable)")
    p.add_argument("--case", action="append", help="only this case: NAME or KIND/NAME (repeatable)")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    sel = cases(args.kind, args.case)
    if args.list:
        for c in sel:
            print(f"{c.kind:7s} {c.name:26s} {c.label:11s} {c.change}  [{c.basis}]")
        return 0
    if not sel:
        p.error("no case matches")
    meta = write_corpus(args.out, args.seeds, sel, quiet=args.quiet)
    print(composition(meta))
    print(f"wrote {len(meta['pairs'])} pairs and labels.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

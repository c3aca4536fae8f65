"""The overlay panel's pixels: faded expected image, visibility marks, hatching, region boxes and their tags.

Every pixel gets a paint level (:func:`paint_levels`); its colour is then
looked up in one ``(level, faded grey)`` table for the whole image.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from ..image import Image
from ..resample import to_uint8
from .palette import (
    BOX_HALO,
    CHECKER,
    FADE_CONTRAST,
    FAILING_BOX_COLOR,
    FAINT_FROM,
    FORGIVEN_ALPHA,
    FORGIVEN_COLOR,
    HATCH,
    RAMP,
    REGION_BOX_COLOR,
    TEXT,
    faint_alpha,
    ramp_colors,
)

__all__ = ["flatten", "faded_grey", "paint_levels", "paint_overlay", "paint_mask", "zoom_factor",
           "zoom", "draw_box", "draw_regions", "draw_labels", "label_text", "boxes_to_draw",
           "chosen_regions", "MAX_BOXES_DRAWN"]

#: Rows of the overlay painted at once: bounds the temporaries of painting
#: (about 25 bytes a pixel) to a band of about a megapixel.
_BAND_PIXELS = 1 << 20
#: At most this many region boxes are drawn (after merging); the legend says
#: how many regions they stand for.  A JPEG-q90 photo had 43 failing regions,
#: whose boxes hid the picture.
MAX_BOXES_DRAWN = 12
#: A region's box is not drawn when more than 1/this of it lies inside a box
#: already drawn (2: half of it).
_BOX_COVERED_FRACTION = 2


def _checkerboard(h: int, w: int, square: int = 8) -> np.ndarray:
    yy = (np.arange(h) // square)[:, None]
    xx = (np.arange(w) // square)[None, :]
    light, dark = CHECKER
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
    alpha = faint_alpha(faint_ratio.astype(np.float32))[:, None, None]
    gold = np.array(RAMP[0][1], dtype=np.float32)
    table[1:_FAINT_LEVELS + 1] = grey[None, :, None] + (gold - grey[None, :, None]) * alpha
    teal = np.array(FORGIVEN_COLOR, dtype=np.float32)
    table[_FORGIVEN_LEVEL] = grey[:, None] + (teal - grey[:, None]) * FORGIVEN_ALPHA
    ratios = RAMP[0][0] * np.exp2(np.arange(n_ramp) / _RAMP_STEPS_PER_OCTAVE)
    table[_RAMP_BASE:] = ramp_colors(ratios.astype(np.float32))[:, None, :]
    return np.rint(table).astype(np.uint8).reshape(-1, 3), n_ramp


_PALETTE, _N_RAMP = _build_palette()


def _palette(color: tuple[int, int, int] | None) -> np.ndarray:
    """The colour table, with every visible level in one ``color`` when given (pixelmatch's diffColor)."""
    if color is None:
        return _PALETTE
    table = _PALETTE.reshape(-1, 256, 3).copy()
    table[_RAMP_BASE:] = np.asarray(color, np.uint8)
    return table.reshape(-1, 3)


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
                  ignore: Sequence[Sequence[int]] = (),
                  color: tuple[int, int, int] | None = None,
                  ignored: np.ndarray | None = None) -> np.ndarray:
    """The overlay panel at 1:1: faded base image, marks, hatching.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The base image (the expected image, or the actual one), already flattened.
    jnd : (H, W) float
        Visibility map in JND units.
    threshold : float
        JND threshold in force; the ramp starts there.
    forgiven : (H, W) bool or None
        Pixels forgiven as anti-aliasing.
    ignore : sequence of (x, y, w, h)
        Rectangles that were not compared; hatched.
    color : (r, g, b) or None
        Paint every visibly different pixel in this colour instead of the ramp.
    ignored : (H, W) bool or None
        Pixels a mask or ``:ignore`` region rule left out; hatched as ``ignore`` is.

    Painted in bands of rows, so the temporaries stay small whatever the frame.
    """
    h, w = rgb.shape[:2]
    table = _palette(color)
    out = np.empty((h, w, 3), np.uint8)
    rows = max(1, _BAND_PIXELS // max(w, 1))
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        grey = faded_grey(rgb[y0:y1])
        level = paint_levels(jnd[y0:y1], threshold, None if forgiven is None else forgiven[y0:y1])
        index = level.astype(np.int32)
        index <<= 8
        index |= grey
        np.take(table, index, axis=0, out=out[y0:y1])
        if ignored is not None:
            band = ignored[y0:y1] & ((np.arange(y0, y1)[:, None] + np.arange(w)[None, :]) % 6 == 0)
            out[y0:y1][band] = HATCH

    for rect in ignore:
        x, y, rw, rh = (int(v) for v in rect)
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + rw, w), min(y + rh, h)
        if x0 >= x1 or y0 >= y1:
            continue
        yy = np.arange(y0, y1)[:, None]
        xx = np.arange(x0, x1)[None, :]
        hatch = (xx + yy) % 6 == 0
        block = out[y0:y1, x0:x1]
        block[hatch] = HATCH
    return out


def paint_mask(jnd: np.ndarray, threshold: float, color: tuple[int, int, int] | None = None) -> np.ndarray:
    """``(H, W, 4)`` uint8: the visibly different pixels alone, opaque, on full transparency.

    Each such pixel takes its ramp colour (or ``color``); every other pixel is
    transparent black, so the mask can be laid over either image (odiff's
    ``--diff-mask``).
    """
    h, w = jnd.shape
    out = np.zeros((h, w, 4), np.uint8)
    rows = max(1, _BAND_PIXELS // max(w, 1))
    for y0 in range(0, h, rows):
        band = np.asarray(jnd[y0:y0 + rows], np.float32) * np.float32(1.0 / threshold)
        seen = band >= np.float32(1.0)
        if not seen.any():
            continue
        part = out[y0:y0 + rows]
        if color is None:
            part[seen, :3] = np.rint(ramp_colors(band[seen])).astype(np.uint8)
        else:
            part[seen, :3] = color
        part[seen, 3] = 255
    return out


def zoom_factor(width: int, height: int) -> int:
    """Integer enlargement for small images: longer side up to 256 px, at most 8x."""
    longest = max(width, height, 1)
    if longest >= 256:
        return 1
    return max(1, min(8, 256 // longest))


def zoom(arr: np.ndarray, k: int) -> np.ndarray:
    if k == 1:
        return arr
    return np.repeat(np.repeat(arr, k, axis=0), k, axis=1)


def draw_box(canvas: np.ndarray, box: tuple[int, int, int, int], color: Sequence[int],
             thickness: int, halo: Sequence[int] | None = None) -> None:
    """Outline ``box`` = (x, y, w, h) just outside it, clipped to ``canvas``.

    The ring is ``thickness`` pixels wide around the box, with a ring of
    ``halo`` (``thickness // 2`` px, at least 1) outside that when given.
    Where a ring would fall outside the canvas it is moved inwards onto the
    border, so a region touching the edge is still framed.
    """
    if halo is not None:
        _ring(canvas, box, halo, max(1, thickness // 2), thickness)
    _ring(canvas, box, color, thickness, 0)


def _ring(canvas: np.ndarray, box: tuple[int, int, int, int], color: Sequence[int],
          thickness: int, gap: int) -> None:
    h, w = canvas.shape[:2]
    x, y, bw, bh = box
    x, y, bw, bh = x - gap, y - gap, bw + 2 * gap, bh + 2 * gap
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


def boxes_to_draw(regions: Sequence[Any], limit: int = MAX_BOXES_DRAWN
                  ) -> list[tuple[tuple[int, int, int, int], bool]]:
    """The boxes to outline (see :func:`chosen_regions`): ``((x, y, w, h), failing)`` in frame pixels."""
    return [((r.x, r.y, r.width, r.height), bool(r.failing)) for _, r in chosen_regions(regions, limit)]


def chosen_regions(regions: Sequence[Any], limit: int = MAX_BOXES_DRAWN) -> list[tuple[int, Any]]:
    """The boxes to outline: the ``limit`` most severe regions', leaving out boxes mostly inside others.

    ``regions`` are most severe first (as a result lists them).  A region
    whose box lies for at least half its area inside a box already chosen is
    not drawn again (its change is framed already).  Boxes are never grown or
    merged: every one drawn is a real region's.  Returns ``(number, region)``
    with the region's number in ``regions`` (from 1, as the text output
    counts them).
    """
    chosen: list[tuple[tuple[int, int, int, int], bool]] = []
    numbers: list[tuple[int, Any]] = []
    for number, r in enumerate(regions, 1):
        if len(chosen) >= limit:
            break
        x0, y0, x1, y1 = r.x, r.y, r.x + r.width, r.y + r.height
        area = max(1, r.width * r.height)
        covered = False
        for (cx, cy, cw, ch), _ in chosen:
            ox = max(0, min(x1, cx + cw) - max(x0, cx))
            oy = max(0, min(y1, cy + ch) - max(y0, cy))
            if ox * oy * _BOX_COVERED_FRACTION >= area:
                covered = True
                break
        if not covered:
            chosen.append(((r.x, r.y, r.width, r.height), bool(r.failing)))
            numbers.append((number, r))
    return numbers


def label_text(number: int, region: Any) -> str:
    """A box's tag: its number and kind (``1 structure``; ``2 lighter`` for a lightness change)."""
    kind = getattr(region, "kind", None)
    if kind is None:
        return str(number)
    direction = getattr(region, "direction", None)
    word = direction if kind.value == "lightness" and direction else kind.value
    shift = getattr(region, "shift", None)
    if kind.value == "moved" and shift is not None:
        word += f" {shift[0]:+d},{shift[1]:+d}"
    return f"{number} {word}"


def draw_labels(canvas: np.ndarray, regions: Sequence[Any], k: int, s: int) -> None:
    """Tag each box of :func:`chosen_regions` with :func:`label_text`, just above it.

    The tag sits on the box's outline colour (white text on a failing box's
    deep blue, dark text on a passing box's light blue), above the outline,
    below it when there is no room above, clipped to the panel.
    """
    from .legend import builtin_font, draw_text, text_width

    h, w = canvas.shape[:2]
    font = builtin_font(11 * s)
    pad = 2 * s
    tag_h = 12 * s + 2 * pad
    ring = 3 * s
    for number, r in chosen_regions(regions):
        text = label_text(number, r)
        tag_w = min(w, text_width(font, text) + 2 * pad)
        if tag_h > h:
            return
        bg = FAILING_BOX_COLOR if r.failing else REGION_BOX_COLOR
        fg = BOX_HALO if r.failing else TEXT
        tag = PILImage.new("RGB", (tag_w, tag_h), bg)
        draw_text(ImageDraw.Draw(tag), (pad, pad // 2), text, font, fg)
        x0 = min(max(r.x * k - ring, 0), w - tag_w)
        y0 = r.y * k - ring - tag_h
        if y0 < 0:
            y0 = (r.y + r.height) * k + ring
        y0 = min(max(y0, 0), h - tag_h)
        canvas[y0:y0 + tag_h, x0:x0 + tag_w] = np.asarray(tag)


def draw_regions(canvas: np.ndarray, regions: Sequence[Any], k: int, s: int) -> int:
    """Outline :func:`boxes_to_draw` of ``regions`` on a panel enlarged ``k`` times; returns boxes drawn."""
    boxes = boxes_to_draw(regions)
    # Passing boxes first so a failing outline wins where they overlap.
    for failing in (False, True):
        for (x, y, w, h), is_failing in boxes:
            if is_failing != failing:
                continue
            box = (x * k, y * k, w * k, h * k)
            if failing:
                draw_box(canvas, box, FAILING_BOX_COLOR, 2 * s, halo=BOX_HALO)
            else:
                draw_box(canvas, box, REGION_BOX_COLOR, s)
    return len(boxes)

"""Text drawn as a rasteriser draws it: greyscale anti-aliasing or LCD sub-pixel anti-aliasing.

Glyphs come from Pillow's bundled font (no system font needed), rasterised
at three times the resolution and reduced the way FreeType does: greyscale
takes the mean coverage of a pixel's three sub-columns, LCD mode filters the
sub-columns with FreeType's default five-tap LCD filter and gives each
channel its own sub-column (R left in RGB order, B left in BGR order).
Colours are blended in sRGB-encoded values, as Chromium's text path does.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from PIL import Image, ImageDraw, ImageFont

#: FreeType's ``FT_LCD_FILTER_DEFAULT`` taps (0x08 0x4D 0x56 0x4D 0x08 of 256).
LCD_DEFAULT_TAPS = np.array([8, 77, 86, 77, 8], np.float32) / 256.0


def coverage(lines: list[tuple[int, int, str]], shape: tuple[int, int], size: int = 13) -> np.ndarray:
    """Sub-pixel coverage ``(H, 3W)`` in [0, 1] of text lines ``(x, y, text)`` (pixel coordinates)."""
    h, w = shape
    big = Image.new("L", (3 * w, 3 * h), 0)
    draw = ImageDraw.Draw(big)
    font = ImageFont.load_default(size=3 * size)
    for x, y, text in lines:
        draw.text((3 * x, 3 * y), text, fill=255, font=font)
    cov = np.asarray(big, np.float32) / 255.0
    return cov.reshape(h, 3, 3 * w).mean(axis=1)


def render(lines: list[tuple[int, int, str]], shape: tuple[int, int] = (48, 160), *, lcd: str | None = None,
           ink: tuple[int, int, int] = (51, 51, 51), paper: tuple[int, int, int] = (255, 255, 255),
           size: int = 13) -> np.ndarray:
    """``(H, W, 3)`` uint8 text: greyscale anti-aliasing, or LCD (``"rgb"``/``"bgr"``) sub-pixel."""
    cov = coverage(lines, shape, size)
    h, w = shape
    if lcd is None:
        per_channel = np.repeat(cov.reshape(h, w, 3).mean(axis=2, keepdims=True), 3, axis=2)
    else:
        filtered = ndimage.convolve1d(cov, LCD_DEFAULT_TAPS, axis=1, mode="constant")
        per_channel = filtered.reshape(h, w, 3)
        if lcd == "bgr":
            per_channel = per_channel[..., ::-1]
    p, k = np.array(paper, np.float32), np.array(ink, np.float32)
    out = p + (k - p) * np.clip(per_channel, 0.0, 1.0)
    return np.round(out).astype(np.uint8)


#: A small form: a title, a label and a number, in 13-px text.
FORM = [(4, 2, "Invoice total"), (4, 18, "Amount: 1280.45"), (4, 33, "Due 12 May 2026")]
#: The same form with one digit changed.
FORM_DIGIT = [(4, 2, "Invoice total"), (4, 18, "Amount: 1580.45"), (4, 33, "Due 12 May 2026")]

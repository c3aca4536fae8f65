"""Bringing two images into one frame: resize, pad, ignore rectangles.

Resizing averages areas in *linear light* on premultiplied alpha (averaging
encoded sRGB values would darken edges: a 1-px black/white pattern must
become 50 % linear grey, not code 128).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image as PILImage

from .color import decode, linear_to_srgb
from .errors import OptionError
from .image import Image

__all__ = ["resize_pair", "pad_pair", "pad_canvas", "apply_ignore", "equal_where_visible",
           "match_dtypes", "to_float", "to_uint8", "PAD_MAX_GROWTH"]

#: ``pad`` places both images on a canvas of the larger width and the larger
#: height; one holding more than this many times the larger image's pixels is
#: refused.  Padding is for renders of one scene that differ by some rows or
#: columns (a screenshot one line taller: growth 1); a 64x1 and a 1x1048576
#: image would make a 64x1048576 canvas, 64 times the larger image, almost all
#: padding, and memory is promised per pixel of the larger image.
PAD_MAX_GROWTH = 4


def to_float(img: Image) -> Image:
    """The same image with float32 pixels in [0, 1]."""
    if img.pixels.dtype == np.float32:
        return img
    px = img.pixels.astype(np.float32) * np.float32(1.0 / img.full_scale)
    return Image.from_pixels(px, img.source, img.notes)


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Encoded samples as uint8: 16-bit codes rounded (``v·255/65535``), floats in [0, 1] scaled by 255."""
    if pixels.dtype == np.uint8:
        return np.asarray(pixels)
    if pixels.dtype == np.uint16:
        return ((pixels.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    return np.clip(np.rint(pixels.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)


def match_dtypes(a: Image, b: Image) -> tuple[Image, Image]:
    """Both images in one pixel dtype (the wider one; float32 if they differ in kind)."""
    if a.pixels.dtype == b.pixels.dtype:
        return a, b
    kinds = {a.pixels.dtype, b.pixels.dtype}
    if kinds == {np.dtype(np.uint8), np.dtype(np.uint16)}:
        def widen(img: Image) -> Image:
            if img.pixels.dtype == np.uint16:
                return img
            return Image.from_pixels(img.pixels.astype(np.uint16) * np.uint16(257), img.source, img.notes)
        return widen(a), widen(b)
    return to_float(a), to_float(b)


def _resize_linear(img: Image, size: tuple[int, int]) -> Image:
    if img.size == size:
        return img
    rgb, alpha = decode(img.pixels)
    premul = rgb * alpha[..., None]
    planes = [premul[..., i] for i in range(3)] + [alpha]
    out = []
    for plane in planes:
        pim = PILImage.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")
        out.append(np.asarray(pim.resize(size, PILImage.Resampling.BOX), dtype=np.float32))
    a2 = np.clip(out[3], 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        straight = np.where(a2[..., None] > 0, np.stack(out[:3], axis=-1) / a2[..., None], 0.0)
    px = np.concatenate([linear_to_srgb(straight), a2[..., None]], axis=-1).astype(np.float32)
    return Image.from_pixels(px, img.source, img.notes)


def resize_pair(a: Image, b: Image) -> tuple[Image, Image]:
    """Area-average both images (in linear light) to the smaller width and height.

    An image already at that size is left untouched (as perceptualdiff's ``--scale``).
    """
    size = (min(a.width, b.width), min(a.height, b.height))
    a2, b2 = _resize_linear(a, size), _resize_linear(b, size)
    return match_dtypes(a2, b2)


def pad_canvas(size_a: tuple[int, int], size_b: tuple[int, int]) -> tuple[int, int]:
    """``(width, height)`` of the canvas :func:`pad_pair` makes; OptionError past :data:`PAD_MAX_GROWTH`."""
    w, h = max(size_a[0], size_b[0]), max(size_a[1], size_b[1])
    larger = max(size_a[0] * size_a[1], size_b[0] * size_b[1], 1)
    if w * h > PAD_MAX_GROWTH * larger:
        raise OptionError(
            f"pad: the canvas for {size_a[0]}x{size_a[1]} and {size_b[0]}x{size_b[1]} would be "
            f"{w}x{h}, {w * h / larger:.0f} times the larger image (at most {PAD_MAX_GROWTH}): "
            "pad is for images that differ by some rows or columns; crop them, or use resize")
    return w, h


def pad_pair(a: Image, b: Image) -> tuple[Image, Image]:
    """Place both images at the top-left of the larger canvas, padding with transparency."""
    w, h = pad_canvas(a.size, b.size)
    a, b = match_dtypes(a, b)

    def pad(img: Image) -> Image:
        if img.size == (w, h):
            return img
        px = np.zeros((h, w, 4), dtype=img.pixels.dtype)
        px[: img.height, : img.width] = img.pixels
        return Image.from_pixels(px, img.source, img.notes)

    return pad(a), pad(b)


def apply_ignore(a: Image, b: Image, rects: Sequence[tuple[int, int, int, int]]) -> Image:
    """``b`` with ``a``'s pixels inside every ignore rectangle (clipped to the frame).

    Copying (rather than masking the map) keeps the filters from seeing an
    edge at the rectangle's border.
    """
    a, b = match_dtypes(a, b)
    px = np.array(b.pixels)
    for x, y, w, h in rects:
        x1, y1 = min(x + w, b.width), min(y + h, b.height)
        if x < x1 and y < y1:
            px[y:y1, x:x1] = a.pixels[y:y1, x:x1]
    return Image.from_pixels(px, b.source, b.notes)


def equal_where_visible(a: Image, b: Image) -> bool:
    """True if the images agree once colour under zero alpha is discarded."""
    if a.pixels.dtype != b.pixels.dtype or a.opaque or b.opaque:
        return False
    ta, tb = a.pixels[..., 3] == 0, b.pixels[..., 3] == 0
    if not np.array_equal(ta, tb) or not ta.any():
        return False
    vis = ~ta
    return bool(np.array_equal(a.pixels[vis], b.pixels[vis]))

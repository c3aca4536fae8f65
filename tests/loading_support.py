"""Small in-memory images shared by the loader's tests (tests/test_loading_*.py)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

from imagefiles import png_chunk

#: One generator for all the loader's tests: the data is random, never the assertions.
RNG = np.random.default_rng(20240601)


def encode(im: PILImage.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def rgb8(h: int = 5, w: int = 7) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def with_alpha(rgb: np.ndarray, alpha: np.ndarray | int) -> np.ndarray:
    a = np.broadcast_to(np.asarray(alpha, rgb.dtype), rgb.shape[:2])
    return np.concatenate([rgb, a[..., None]], axis=-1)


def grey_rgba(grey: np.ndarray, alpha: np.ndarray | int) -> np.ndarray:
    return with_alpha(np.repeat(grey[..., None], 3, axis=-1), alpha)


GREY = RNG.integers(0, 256, (5, 7), dtype=np.uint8)
ALPHA = RNG.integers(0, 256, (5, 7), dtype=np.uint8)
RGB = rgb8()


def good_png() -> bytes:
    return encode(PILImage.fromarray(rgb8(16, 16)), "PNG")


def exif_with_orientation(value: int) -> bytes:
    exif = PILImage.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def exif_chunk(value: int) -> bytes:
    """A PNG eXIf chunk (the TIFF-structured EXIF data without the JPEG "Exif" prefix)."""
    raw = exif_with_orientation(value)
    return png_chunk(b"eXIf", raw[6:] if raw.startswith(b"Exif\x00\x00") else raw)

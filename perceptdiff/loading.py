"""Decoding images into :class:`perceptdiff.Image` (first cut: 8-bit via Pillow).

To be replaced by the full loader (16-bit, ICC, EXIF, every mode).
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np
from PIL import Image as PILImage

from .errors import ImageLoadError
from .image import Image

__all__ = ["load_image", "identical_sources"]


def _name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    return "<array>"


def load_image(source: Any) -> Image:
    if isinstance(source, Image):
        return source
    name = _name(source)
    try:
        if isinstance(source, np.ndarray):
            arr = source
            if arr.ndim == 2:
                arr = np.stack([arr] * 3, axis=-1)
            if arr.shape[2] == 3:
                arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), 255, arr.dtype)], axis=-1)
            return Image.from_pixels(arr.astype(np.uint8), name)
        if isinstance(source, (bytes, bytearray)):
            im = PILImage.open(io.BytesIO(source))
        elif isinstance(source, PILImage.Image):
            im = source
        else:
            im = PILImage.open(source)
        im = im.convert("RGBA")
        return Image.from_pixels(np.asarray(im), name)
    except FileNotFoundError:
        raise ImageLoadError(name, "no such file") from None
    except Exception as exc:
        raise ImageLoadError(name, str(exc)) from None


def identical_sources(a: Any, b: Any) -> tuple[int, int] | None:
    return None

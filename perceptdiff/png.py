"""PNG files of pixels: the one encoder behind every picture perceptdiff writes.

Diff images, report copies and heatmaps, and the snapshot baselines and
failure artifacts of the pytest plugin all go through :func:`encode_png`.
8-bit data is written by Pillow; 16-bit colour, which Pillow cannot write,
is assembled here (ISO/IEC 15948).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Mapping

import numpy as np

from .image import Image, full_scale
from .resample import to_uint8

__all__ = ["encode_png", "encode_lossless", "encode_display", "PICTURE_LEVEL", "STORE_LEVEL"]

#: zlib level of pictures drawn for people (diff images, heatmaps): written
#: for every failing pair, so speed matters more than size.
PICTURE_LEVEL = 3
#: zlib level of images kept as data (baselines, report copies): zlib's default.
STORE_LEVEL = 6
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(pixels: np.ndarray, *, compress_level: int = STORE_LEVEL,
               text: Mapping[str, str] | None = None) -> bytes:
    """PNG file bytes of ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA samples, uint8 or uint16.

    The samples are stored as they are (sRGB-encoded, straight alpha), at
    their own bit depth.  ``text`` entries become ``iTXt`` chunks (UTF-8,
    ISO/IEC 15948 §11.3.4) before the image data.
    """
    if pixels.dtype == np.uint16:
        return _encode16(pixels, compress_level, text or {})
    from PIL import Image as PILImage
    from PIL.PngImagePlugin import PngInfo

    info = None
    if text:
        info = PngInfo()
        for key, value in text.items():
            info.add_itxt(key, value)
    buf = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(pixels)).save(buf, format="PNG", pnginfo=info,
                                                          compress_level=compress_level)
    return buf.getvalue()


def _itxt(key: str, value: str) -> bytes:
    """An uncompressed iTXt chunk (keyword, no language tag)."""
    data = key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8", "surrogateescape")
    return _chunk(b"iTXt", data)


def encode_lossless(image: Image, *, text: Mapping[str, str] | None = None) -> bytes:
    """Encode decoded pixels as a lossless PNG.

    8-bit images become 8-bit PNGs, 16-bit images 16-bit PNGs.  Float images
    (0..1) are stored at 16 bits per sample: the rounding step, 1/65535, is
    some 250 times finer than the 8-bit step and far below any visible
    difference.  Opaque images are written without an alpha channel.  Colour
    is sRGB-encoded (the loader has already applied any ICC profile and EXIF
    orientation), so the file shows the pixels that were compared.
    """
    px = image.pixels
    opaque = image.opaque
    if px.dtype == np.float32:
        top = full_scale(np.uint16)
        px = np.round(np.nan_to_num(np.clip(px, 0.0, 1.0)) * top).astype(np.uint16)
        opaque = bool(np.all(px[..., 3] == top))
    return encode_png(px[..., :3] if opaque else px, text=text)


def encode_display(image: Image) -> bytes:
    """An 8-bit RGBA PNG of ``image`` for display (16-bit and float codes rounded to 8 bits)."""
    return encode_png(to_uint8(image.pixels))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _encode16(pixels: np.ndarray, compress_level: int, text: Mapping[str, str]) -> bytes:
    """16-bit RGB(A) PNG (ISO/IEC 15948 §11.2.2: bit depth 16, colour type 2 or 6).

    Big-endian samples, filter type 2 ("Up", §9.2) on every scanline.
    """
    h, w, channels = pixels.shape
    if channels not in (3, 4):
        raise ValueError(f"expected (H, W, 3) or (H, W, 4) samples, got shape {pixels.shape}")
    raw = np.ascontiguousarray(pixels.astype(">u2")).view(np.uint8).reshape(h, w * channels * 2)
    filtered = raw.copy()
    filtered[1:] = raw[1:] - raw[:-1]  # uint8 arithmetic wraps modulo 256 as the filter requires
    rows = np.concatenate([np.full((h, 1), 2, dtype=np.uint8), filtered], axis=1)
    header = struct.pack(">IIBBBBB", w, h, 16, 2 if channels == 3 else 6, 0, 0, 0)
    return (_SIGNATURE + _chunk(b"IHDR", header) + b"".join(_itxt(k, v) for k, v in text.items())
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), compress_level)) + _chunk(b"IEND", b""))

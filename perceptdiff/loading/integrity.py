"""Did the decoder get the whole image?  Checks Pillow does not make.

Pillow raises on data that simply stops, but three kinds of damage load
silently as pixels that were never in the file:

* **a header claiming more pixels than the data can hold** (a 333-byte JPEG
  claiming 60000x1000): :func:`check_plausible_size` refuses it from the
  header, before the pixels are allocated.  The bounds are what the coding
  can reach at best: Huffman-coded JPEG spends at least one bit per 8x8
  block of its first component (ITU-T T.81, F.1.2: a DC code is at least one
  bit long), and deflate expands at most 1032-fold (RFC 1951: a 258-byte
  match costs at least 2 bits), so a PNG cannot hold more raw rows than
  1032 times its size;
* **a JPEG whose entropy-coded data ends early** (an end-of-image marker
  where data should be): libjpeg fills the rest with empty blocks, uniform
  grey (Y = Cb = Cr = 128), and reports it only as a warning Pillow hides.
  :func:`jpeg_ended_early` looks at the last block; when it is that grey it
  decodes the data again with zero bytes in place of the early end: a
  complete file decodes the same (the bytes after the last block are
  ignored), a truncated one does not;
* **libtiff's errors** ("Fax4Decode: Bad code word"), which libtiff prints
  to standard error while Pillow returns the partly decoded strip; they are
  captured by :mod:`.capture` and become errors in :mod:`.decoding`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator

import numpy as np
from PIL import Image as PILImage

__all__ = ["check_plausible_size", "jpeg_ended_early", "looks_complete", "DEFLATE_MAX_RATIO"]

#: Deflate's largest expansion (RFC 1951: 258 bytes from a match of >= 2 bits).
DEFLATE_MAX_RATIO = 1032
#: Bytes of headers, palettes and metadata a file may hold besides the pixel data.
_SLACK_BYTES = 65536
#: Huffman-coded JPEG frames (SOF0-SOF3); arithmetic coding (SOF9-SOF11) can
#: code a flat block in less than a bit, so it gets no lower bound.
_HUFFMAN_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3})
#: The value libjpeg fills the blocks after an early end with (a zero DC term).
_EMPTY_BLOCK = 128


#: Samples per pixel of the PNG rawmodes Pillow uses, by the part before ``;``.
_PNG_CHANNELS = {"1": 1, "L": 1, "P": 1, "I": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def _png_raw_bytes(im: PILImage.Image) -> int | None:
    """Bytes of filtered scanlines a PNG of this header holds (ISO/IEC 15948 §7.2), None if unknown."""
    from .wide import tile_rawmode

    tiles = list(getattr(im, "tile", None) or ())
    rawmode = tile_rawmode(tiles[0]) if tiles else None
    if not rawmode:
        return None
    base, _, depth = rawmode.partition(";")
    channels = _PNG_CHANNELS.get(base)
    if channels is None:
        return None
    digits = "".join(ch for ch in depth if ch.isdigit())
    sample_bits = int(digits) if digits else (1 if base == "1" else 8)
    width, height = im.size
    return height * (1 + math.ceil(width * channels * sample_bits / 8))


def _jpeg_markers(data: bytes) -> Iterator[tuple[int, int]]:
    """``(marker, offset)`` of a JPEG stream's segments up to its first scan.

    Segments are skipped by their lengths, so an EXIF thumbnail inside APP1
    is not mistaken for the main image.
    """
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        yield marker, pos
        if marker == 0xDA:
            return
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")


def _jpeg_frame_marker(data: bytes) -> int | None:
    """The SOFn marker byte of a JPEG stream (None if not found)."""
    return next((m for m, _ in _jpeg_markers(data)
                 if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC)), None)


def _jpeg_scan_start(data: bytes) -> int | None:
    """Offset of the main image's first SOS marker."""
    return next((pos for m, pos in _jpeg_markers(data) if m == 0xDA), None)


def looks_complete(im: PILImage.Image, data: bytes) -> bool:
    """Cheap checks, without decoding, that a file is whole: used when only its header is read.

    PNG: chunk structure and CRCs (Pillow's ``verify()``, which inflates
    nothing); JPEG: an end-of-image marker after the main scan starts; GIF:
    the trailer byte; every format: :func:`check_plausible_size`.  A file
    that fails is decoded instead, so its error is reported.
    """
    if check_plausible_size(im, data) is not None:
        return False
    fmt = im.format
    if fmt == "JPEG":
        sos = _jpeg_scan_start(data)
        return sos is not None and data.rfind(b"\xff\xd9") > sos
    if fmt == "GIF":
        return data.rstrip(b"\0").endswith(b"\x3b")
    if fmt == "PNG":
        try:
            im.verify()
        except Exception:  # noqa: BLE001 - any structural fault: let the decoder report it
            return False
    return True


def check_plausible_size(im: PILImage.Image, data: bytes | None) -> str | None:
    """Why the header's size cannot be the data's (None when it can).

    ``im`` is an opened, not yet loaded, Pillow image; ``data`` its file's bytes.
    """
    if data is None:
        return None
    width, height = im.size
    fmt = im.format
    if fmt == "JPEG" and _jpeg_frame_marker(data) in _HUFFMAN_SOF:
        blocks = math.ceil(width / 8) * math.ceil(height / 8)
        need = blocks // 8
        if len(data) < need:
            return (f"truncated JPEG data: the header claims {width}x{height} pixels, which need "
                    f"at least {need} bytes, but the file holds {len(data)}")
    if fmt == "PNG":
        raw = _png_raw_bytes(im)
        if raw is not None and raw > DEFLATE_MAX_RATIO * len(data) + _SLACK_BYTES:
            return (f"truncated PNG data: the header claims {width}x{height} pixels "
                    f"({raw} bytes of rows), more than {len(data)} compressed bytes can hold")
    return None


def jpeg_ended_early(im: PILImage.Image, data: bytes | None,
                     reopen: Callable[[], PILImage.Image] | None) -> bool:
    """True when a loaded sequential JPEG's data ended before its last block (see the module docstring)."""
    if data is None or reopen is None or im.format != "JPEG" or im.mode not in ("L", "RGB"):
        return False
    if im.info.get("progressive") or im.info.get("progression"):
        return False  # an early end of a progressive scan blurs; it does not fill with grey
    px = np.asarray(im)
    corner = px[-2:, -2:]
    if not np.all(corner == _EMPTY_BLOCK):
        return False
    end = data.rfind(b"\xff\xd9")
    if end < 0:
        return False
    padded = data[:end] + b"\x00" * 4096 + data[end:]
    try:
        again = PILImage.open(io.BytesIO(padded), formats=("JPEG",))
        again.load()
    except Exception:  # noqa: BLE001 - a decoder that chokes on the padding: data was not complete
        return True
    return not np.array_equal(np.asarray(again), px)

"""The byte-identical fast path: two sources with the same bytes that open as an image.

The engine asks :func:`identical_sources` before decoding anything, so a
comparison of a file with itself (or with a copy) costs a read and, for PNG,
a structure check instead of a full decode.
"""

from __future__ import annotations

import io
import os
import stat
import struct
from typing import Any

from PIL import Image as PILImage

from .decoding import EXIF_ORIENTATION, open_formats, strict_pillow
from .limits import DEFAULT_MAX_FILE_BYTES
from .sources import EncodedData, as_bytes, load_image, read_file

__all__ = ["identical_sources", "png_exif_chunk"]


def identical_sources(a: Any, b: Any, *,
                      max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[int, int] | None:
    """``(width, height)`` when ``a`` and ``b`` are byte-identical valid images.

    The engine calls this before decoding.  Both sources must be paths or
    encoded bytes; paths are compared by size first (``os.stat``), then by
    content (the same file counts).  The shared data must then open as an
    image: PNG is checked with Pillow's ``verify()`` (chunk structure and
    CRCs, without inflating pixel data); other formats, whose ``verify()``
    checks little, are decoded once.  The size is reported after EXIF
    orientation.

    Returns ``None`` -- never raises -- for anything else, including
    unreadable, corrupt or truncated data, files that are not regular files
    and files over ``max_file_bytes``: :func:`load_image` then reports the
    problem.
    """
    try:
        data = _identical_bytes(a, b, max_file_bytes)
        if data is None:
            return None
        return _verified_size(data)
    except Exception:  # noqa: BLE001 - the fast path must never raise
        return None


def _byte_size(source: Any) -> int | None:
    if isinstance(source, (str, os.PathLike)):
        st = os.stat(source)
        return st.st_size if stat.S_ISREG(st.st_mode) else None
    if isinstance(source, EncodedData):
        return len(source.data)
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    if isinstance(source, memoryview):
        return source.nbytes
    return None


def _identical_bytes(a: Any, b: Any, max_bytes: int) -> bytes | None:
    size_a, size_b = _byte_size(a), _byte_size(b)
    if size_a is None or size_b is None or size_a != size_b or size_a == 0 or size_a > max_bytes:
        return None
    paths = isinstance(a, (str, os.PathLike)), isinstance(b, (str, os.PathLike))
    if all(paths) and (os.fspath(a) == os.fspath(b) or os.path.samefile(a, b)):
        return _fetch(a, max_bytes)
    data_a = _fetch(a, max_bytes)
    data_b = _fetch(b, max_bytes)
    return data_a if data_a == data_b else None


def _fetch(source: Any, max_bytes: int) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        return read_file(source, os.fsdecode(source), max_bytes)
    if isinstance(source, EncodedData):
        return source.data
    return as_bytes(source)


def _verified_size(data: bytes) -> tuple[int, int] | None:
    with strict_pillow():
        im = PILImage.open(io.BytesIO(data), formats=open_formats(data))
        if im.format != "PNG":
            # verify() is a no-op for most formats: decode once instead.
            return load_image(data).size
        width, height = im.size
        if width <= 0 or height <= 0:
            return None
        exif = im.info.get("exif") or png_exif_chunk(data)
        im.verify()
    orientation = 1
    if exif:
        try:
            parsed = PILImage.Exif()
            parsed.load(exif if exif.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif)
            orientation = int(parsed.get(EXIF_ORIENTATION, 1))
        except Exception:  # noqa: BLE001
            orientation = 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def png_exif_chunk(data: bytes) -> bytes | None:
    """The payload of a PNG eXIf chunk wherever it sits (Pillow reads a late one only on load)."""
    pos = 8
    end = len(data)
    while pos + 8 <= end:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"eXIf":
            return data[pos + 8 : pos + 8 + length]
        if kind == b"IEND":
            break
        pos += 12 + length
    return None

"""Image sizes from headers, without decoding the pixels.

The engine asks :func:`probe_size` before decoding: two images of different
sizes are reported as "size differs" from their headers alone, and a padded
canvas is judged before it is allocated, so a small file with a large
header costs no memory.  The size is the one the loader would produce, after
EXIF orientation.
"""

from __future__ import annotations

import io
import os
from typing import Any

from PIL import Image as PILImage

from ..errors import PerceptdiffError
from .decoding import EXIF_ORIENTATION, open_formats, strict_pillow
from .identical import png_exif_chunk
from .integrity import looks_complete
from .limits import DEFAULT_MAX_FILE_BYTES
from .sources import EncodedData, as_bytes, read_file, source_name

__all__ = ["probe_size", "encoded_bytes"]

#: EXIF orientations that swap width and height (transpose, 90° turns).
_SWAPPING = frozenset({5, 6, 7, 8})


def encoded_bytes(source: Any, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> EncodedData | None:
    """A path, bytes or :class:`EncodedData` as :class:`EncodedData` (read once); None for other sources.

    Raises :class:`~perceptdiff.errors.ImageLoadError` when a file cannot be
    read (not a regular file, over the size limit, missing).
    """
    if isinstance(source, EncodedData):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return EncodedData(as_bytes(source), source_name(source))
    if isinstance(source, (str, os.PathLike)):
        name = source_name(source)
        return EncodedData(read_file(source, name, max_file_bytes), name)
    return None


def probe_size(source: EncodedData) -> tuple[int, int] | None:
    """``(width, height)`` of encoded data from its header, after EXIF orientation.

    None when the header cannot be read or the file is visibly incomplete
    (:func:`~.integrity.looks_complete`): decoding then reports why.
    """
    data = source.data
    try:
        with strict_pillow():
            im = PILImage.open(io.BytesIO(data), formats=open_formats(data))
            width, height = im.size
            try:
                # PNG's getexif() decodes the whole image to find a late eXIf chunk: read it directly.
                orientation = (_png_orientation(data) if im.format == "PNG"
                               else int(im.getexif().get(EXIF_ORIENTATION, 1)))
            except Exception:  # noqa: BLE001 - unreadable EXIF: the decoder ignores it too
                orientation = 1
            if not looks_complete(im, data):
                return None
    except PerceptdiffError:
        return None
    except Exception:  # noqa: BLE001 - not readable as an image: the decoder says why
        return None
    if width <= 0 or height <= 0:
        return None
    return (height, width) if orientation in _SWAPPING else (width, height)


def _png_orientation(data: bytes) -> int:
    chunk = png_exif_chunk(data)
    if not chunk:
        return 1
    parsed = PILImage.Exif()
    parsed.load(chunk if chunk.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + chunk)
    return int(parsed.get(EXIF_ORIENTATION, 1))

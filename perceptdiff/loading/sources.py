"""Every kind of source into an :class:`~perceptdiff.image.Image`: paths, bytes, Pillow images, arrays.

:func:`load_image` reads a path or takes encoded bytes and hands them to
:mod:`.decoding`, a Pillow image straight to it, and a numpy array to
:mod:`.arrays`.  File-reading failures become one-line
:class:`~perceptdiff.errors.ImageLoadError` messages here.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np
from PIL import Image as PILImage

from ..errors import ImageLoadError
from ..image import Image
from .arrays import load_array
from .decoding import decode_guarded, open_formats
from .messages import one_line

__all__ = ["source_name", "load_image", "as_bytes"]


def source_name(source: Any) -> str:
    """The display name of ``source`` used in messages and ``Image.source``.

    The path as given for paths, ``"<bytes>"`` for encoded data,
    ``"<PIL image>"``, ``"<array>"``, the image's own ``source`` for an
    :class:`Image`, and ``"<typename>"`` for anything else.
    """
    if isinstance(source, Image):
        return source.source
    if isinstance(source, (str, os.PathLike)):
        return os.fsdecode(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(source, PILImage.Image):
        return "<PIL image>"
    if isinstance(source, np.ndarray):
        return "<array>"
    return f"<{type(source).__name__}>"


def load_image(source: Any, *, color_management: bool = True) -> Image:
    """Decode ``source`` into sRGB-encoded, straight-alpha RGBA.

    Parameters
    ----------
    source : str, os.PathLike, bytes, bytearray, memoryview, PIL.Image.Image, numpy.ndarray or Image
        A file path; the encoded bytes of a file (PNG, JPEG, TIFF, BMP, WebP,
        GIF and the other formats Pillow reads, EPS excepted); a Pillow image
        (its current frame is used); a numpy array of shape ``(H, W)``,
        ``(H, W, 1)``, ``(H, W, 2)`` (grey + alpha), ``(H, W, 3)`` or
        ``(H, W, 4)`` holding ``bool``, ``uint8``, ``uint16``, other
        non-negative integers up to 65535, or floats in [0, 1]; or an
        :class:`Image`, returned unchanged.
    color_management : bool
        Convert an embedded ICC profile to sRGB (default).  False keeps the
        file's own codes, as tools without colour management (perceptualdiff)
        read them; a note says the profile was ignored.

    Returns
    -------
    Image
        ``(H, W, 4)`` pixels, dtype ``uint8``, ``uint16`` or ``float32``.

    Raises
    ------
    ImageTooLargeError
        The image exceeds twice ``PIL.Image.MAX_IMAGE_PIXELS``.
    ImageLoadError
        The source cannot be read or decoded; the message names the source
        and gives a short reason.
    """
    if isinstance(source, Image):
        return source
    name = source_name(source)
    if isinstance(source, np.ndarray):
        return load_array(source, name)
    if isinstance(source, PILImage.Image):
        return decode_guarded(lambda: source, None, name, from_file=False,
                              color_management=color_management)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = as_bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        data = _read_file(source, name)
    else:
        raise ImageLoadError(
            name,
            f"unsupported source type {type(source).__name__!r} "
            "(give a path, encoded bytes, a PIL image or a numpy array)",
        )
    if not data:
        raise ImageLoadError(name, "empty file" if name != "<bytes>" else "empty data")

    def reopen() -> PILImage.Image:
        return PILImage.open(io.BytesIO(data), formats=open_formats())

    return decode_guarded(reopen, data, name, from_file=True, color_management=color_management)


def as_bytes(source: bytes | bytearray | memoryview) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, memoryview):
        return source.tobytes()
    return bytes(source)


def _read_file(path: str | os.PathLike[Any], name: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise ImageLoadError(name, "no such file") from None
    except IsADirectoryError:
        raise ImageLoadError(name, "is a directory") from None
    except NotADirectoryError:
        raise ImageLoadError(name, "no such file (a parent is not a directory)") from None
    except PermissionError:
        if os.path.isdir(path):
            raise ImageLoadError(name, "is a directory") from None
        raise ImageLoadError(name, "permission denied") from None
    except (OSError, ValueError) as exc:  # ValueError: embedded NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ImageLoadError(name, f"cannot read: {one_line(reason).lower()}") from None

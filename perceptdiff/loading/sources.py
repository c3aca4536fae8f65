"""Every kind of source into an :class:`~perceptdiff.image.Image`: paths, bytes, Pillow images, arrays.

:func:`load_image` reads a path or takes encoded bytes and hands them to
:mod:`.decoding`, a Pillow image straight to it, and a numpy array to
:mod:`.arrays`.  File-reading failures become one-line
:class:`~perceptdiff.errors.ImageLoadError` messages here.

Only regular files are read (a FIFO, a device such as ``/dev/zero`` or a
socket is refused without reading from it), and never more than
``max_file_bytes`` (:data:`DEFAULT_MAX_FILE_BYTES` unless the caller says
otherwise); :class:`EncodedData` carries bytes read elsewhere (standard
input) under a name of their own.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image as PILImage

from ..errors import ImageLoadError
from ..image import Image
from .arrays import load_array
from .decoding import decode_guarded, open_formats
from .limits import DEFAULT_MAX_FILE_BYTES, LoadLimits
from .messages import one_line

__all__ = ["source_name", "load_image", "as_bytes", "EncodedData", "read_file", "read_stream"]


@dataclass(frozen=True)
class EncodedData:
    """Encoded image bytes with the name messages use (``"<stdin>"`` for standard input)."""

    data: bytes
    name: str


def source_name(source: Any) -> str:
    """The display name of ``source`` used in messages and ``Image.source``.

    The path as given for paths, ``"<bytes>"`` for encoded data,
    ``"<PIL image>"``, ``"<array>"``, the image's own ``source`` for an
    :class:`Image`, and ``"<typename>"`` for anything else.
    """
    if isinstance(source, Image):
        return source.source
    if isinstance(source, EncodedData):
        return source.name
    if isinstance(source, (str, os.PathLike)):
        return os.fsdecode(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(source, PILImage.Image):
        return "<PIL image>"
    if isinstance(source, np.ndarray):
        return "<array>"
    return f"<{type(source).__name__}>"


def load_image(source: Any, *, color_management: bool = True, allow_truncated: bool = False,
               max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, bit_depth: int | None = None) -> Image:
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
    allow_truncated : bool
        Load truncated or corrupt data as far as the decoder gets (the rest
        filled by the decoder, a note saying so) instead of raising.
    max_file_bytes : int
        Files (and encoded bytes) larger than this are refused unread.
    bit_depth : int, optional
        For integer arrays: the bits of full scale (1..32; 8 for 0..255, 16
        for 0..65535).  Needed for integer dtypes other than uint8 and
        uint16, whose scale the dtype does not tell; never inferred from
        the values.

    Returns
    -------
    Image
        ``(H, W, 4)`` pixels, dtype ``uint8``, ``uint16`` or ``float32``.

    Raises
    ------
    ImageTooLargeError
        The image exceeds twice ``PIL.Image.MAX_IMAGE_PIXELS`` (arrays too).
    ImageLoadError
        The source cannot be read or decoded; the message names the source
        and gives a short reason.
    """
    if isinstance(source, Image):
        return source
    limits = LoadLimits(max_file_bytes=max_file_bytes, allow_truncated=allow_truncated)
    name = source_name(source)
    if isinstance(source, np.ndarray):
        return load_array(source, name, bit_depth=bit_depth)
    if isinstance(source, PILImage.Image):
        return decode_guarded(lambda: source, None, name, from_file=False,
                              color_management=color_management, limits=limits)
    if isinstance(source, EncodedData):
        data = source.data
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = as_bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        data = read_file(source, name, limits.max_file_bytes)
    else:
        raise ImageLoadError(
            name,
            f"unsupported source type {type(source).__name__!r} "
            "(give a path, encoded bytes, a PIL image or a numpy array)",
        )
    if not data:
        raise ImageLoadError(name, "empty file" if name != "<bytes>" else "empty data")
    limits.check_size(name, len(data))

    def reopen() -> PILImage.Image:
        return PILImage.open(io.BytesIO(data), formats=open_formats(data))

    return decode_guarded(reopen, data, name, from_file=True, color_management=color_management,
                          limits=limits)


def as_bytes(source: bytes | bytearray | memoryview) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, memoryview):
        return source.tobytes()
    return bytes(source)


#: What a file that is not a regular one is, for the refusal (``stat`` tests).
_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _special_kind(mode: int) -> str | None:
    """What kind of non-regular file ``mode`` is (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    return next((word for test, word in _SPECIAL_KINDS if test(mode)), "not a regular file")


def read_stream(stream: Any, name: str, max_bytes: int) -> bytes:
    """At most ``max_bytes`` from a binary stream (standard input); refused when there is more."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        LoadLimits(max_file_bytes=max_bytes).check_size(name, len(data), more=True)
    return bytes(data)


def read_file(path: str | os.PathLike[Any], name: str,
              max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, at most ``max_bytes``.

    The file is opened without blocking (a FIFO without a writer would wait
    forever) and checked with ``fstat`` before anything is read: FIFOs,
    devices (``/dev/zero``), sockets and directories are refused, and so is a
    file larger than ``max_bytes`` (also one that grows past it while read).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
        try:
            kind = _special_kind(os.fstat(fd).st_mode)
            if kind == "a directory":
                raise IsADirectoryError
            if kind is not None:
                raise ImageLoadError(name, f"is {kind}, not a regular file (give an image file, "
                                           "or - for standard input)")
            size = os.fstat(fd).st_size
            limits = LoadLimits(max_file_bytes=max_bytes)
            limits.check_size(name, size)
            with os.fdopen(os.dup(fd), "rb") as fh:
                return read_stream(fh, name, max_bytes)
        finally:
            os.close(fd)
    except ImageLoadError:
        raise
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

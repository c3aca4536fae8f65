"""The loader's limits: file size, pixel count, and whether damaged data may load.

Every input is bounded before it costs memory: a file by its size (checked
with ``fstat`` before it is read), an image by its pixel count (checked from
its header before it is decoded, an array from its shape before anything
touches its data).  The pixel limit is Pillow's decompression-bomb guard,
``PIL.Image.MAX_IMAGE_PIXELS``, which a program may change: an image of more
than twice that many pixels is refused, as Pillow itself refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ImageTooLargeError

__all__ = ["DEFAULT_MAX_FILE_BYTES", "LoadLimits", "pixel_limit", "check_pixels", "mb_text"]

#: Largest file read unless the caller allows more (``max_file_mb``): 1000 MB
#: holds an uncompressed 8K RGBA image 7 times over, and a PNG of the largest
#: image the pixel limit allows (179 MP) needs far less; anything bigger is
#: either not an image or not one a comparison should hold in memory.
DEFAULT_MAX_FILE_BYTES = 1_000_000_000


def pixel_limit() -> int:
    """Most pixels an image may have: twice ``PIL.Image.MAX_IMAGE_PIXELS`` (Pillow's own refusal)."""
    from PIL import Image as PILImage

    limit = PILImage.MAX_IMAGE_PIXELS
    return 2 * int(limit) if limit else 2**62


def check_pixels(name: str, width: int, height: int, what: str = "image") -> None:
    """Raise :class:`ImageTooLargeError` when ``width x height`` is over :func:`pixel_limit`."""
    pixels = int(width) * int(height)
    limit = pixel_limit()
    if pixels > limit:
        raise ImageTooLargeError(
            name, f"{what} of {width}x{height} = {pixels} pixels exceeds the limit of {limit} "
                  "pixels (twice PIL.Image.MAX_IMAGE_PIXELS, the decompression-bomb guard)")


def mb_text(n_bytes: int) -> str:
    """``n_bytes`` in decimal megabytes for messages (``1.5 MB``)."""
    return f"{n_bytes / 1e6:.4g} MB"


@dataclass(frozen=True)
class LoadLimits:
    """What one load may cost and accept.

    Attributes
    ----------
    max_file_bytes : int
        Files and encoded data larger than this are refused unread.
    allow_truncated : bool
        Truncated or corrupt data loads as far as the decoder gets (with a
        note) instead of raising.
    """

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    allow_truncated: bool = False

    def check_size(self, name: str, size: int, *, more: bool = False) -> None:
        """Raise :class:`ImageLoadError` when ``size`` bytes exceed :attr:`max_file_bytes`."""
        if size > self.max_file_bytes:
            amount = f"more than {mb_text(self.max_file_bytes)}" if more else mb_text(size)
            raise ImageTooLargeError(
                name, f"file of {amount} is larger than the limit of {mb_text(self.max_file_bytes)} "
                      "(raise it with max_file_mb / --max-file-mb)")

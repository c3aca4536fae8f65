"""The decoded-image type every metric consumes.

The loader (:mod:`perceptdiff.loading`) produces :class:`Image`; metrics never
see files, Pillow objects or ICC profiles.  Pixels are kept *encoded* (sRGB
transfer curve, straight alpha) in their native precision so that exact
equality tests and integer-domain steps (anti-aliasing forgiveness, Yee's
gamma-2.2 model) work on the original codes; :func:`perceptdiff.color.decode`
turns them into linear light.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Image", "full_scale", "PIXEL_DTYPES"]

#: Code value of full intensity for each pixel dtype an :class:`Image` may hold.
_FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0, np.dtype(np.float32): 1.0}
#: The pixel dtypes an :class:`Image` may hold.
PIXEL_DTYPES = tuple(_FULL_SCALE)


def full_scale(dtype: np.dtype | type) -> float:
    """The code of full intensity for pixels of ``dtype``: 255, 65535, or 1.0 for floats."""
    return _FULL_SCALE.get(np.dtype(dtype), 1.0)


@dataclass(frozen=True, eq=False)
class Image:
    """A decoded image: sRGB-encoded RGBA with straight alpha.

    Attributes
    ----------
    pixels : numpy.ndarray
        ``(height, width, 4)`` array, C-contiguous, read-only.  dtype ``uint8``
        (codes 0..255), ``uint16`` (0..65535) or ``float32`` (0..1).  Colour is
        in the sRGB colour space (IEC 61966-2-1) after any ICC conversion and
        EXIF orientation; alpha is straight (not premultiplied); an image
        without alpha has alpha at full scale.
    source : str
        Display name for messages: the path, or ``"<bytes>"``, ``"<array>"``,
        ``"<PIL image>"``.
    opaque : bool
        True when every alpha value is at full scale.
    notes : tuple of str
        Things the loader did that the user may want to know ("first frame of
        an animated GIF (12 frames)", "converted from ICC profile 'Display P3'",
        "16-bit RGB PNG decoded at 8 bits by Pillow").
    """

    pixels: np.ndarray
    source: str = "<array>"
    opaque: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` as Pillow reports it."""
        return (self.width, self.height)

    @property
    def full_scale(self) -> float:
        """The code value of full intensity: 255, 65535 or 1.0."""
        return full_scale(self.pixels.dtype)

    @classmethod
    def from_pixels(
        cls, pixels: np.ndarray, source: str = "<array>", notes: tuple[str, ...] = ()
    ) -> "Image":
        """Wrap an ``(H, W, 4)`` encoded RGBA array, computing ``opaque``."""
        arr = np.ascontiguousarray(pixels)
        if arr.ndim != 3 or arr.shape[2] != 4:
            raise ValueError(f"expected (H, W, 4) RGBA pixels, got shape {arr.shape}")
        if arr.dtype not in PIXEL_DTYPES:
            raise ValueError(f"unsupported pixel dtype {arr.dtype}")
        arr.setflags(write=False)
        opaque = bool(np.all(arr[..., 3] == full_scale(arr.dtype)))
        return cls(pixels=arr, source=source, opaque=opaque, notes=tuple(notes))

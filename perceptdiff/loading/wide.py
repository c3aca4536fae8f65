"""High-precision Pillow images: 16-bit samples Pillow narrows to 8 bits, 32-bit integers.

Pillow decodes 16-bit-per-channel RGB, RGBA and grey+alpha PNG/TIFF data into
8-bit modes; :func:`recover_16bit` gets the low bytes back with a second pass
of Pillow's own decoder.  Mode ``I`` (32-bit integers) becomes ``uint16`` or
``float32`` samples in :func:`int32_samples`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageFile

from ..errors import ImageLoadError
from .samples import key_alpha

__all__ = ["recover_16bit", "tile_rawmode", "int32_samples"]

_RAW16 = re.compile(r"(RGB|RGBX|RGBA|RGBa|LA);16([BLN])")


def recover_16bit(
    im: PILImage.Image,
    tiles: list[Any],
    reopen: Callable[[], PILImage.Image] | None,
    notes: list[str],
) -> np.ndarray | None:
    """Full 16-bit samples of a PNG/TIFF that Pillow decoded at 8 bits.

    Pillow unpacks 16-bit RGB(A) and grey+alpha rows into 8-bit modes by
    keeping the high byte (TIFF RGB with an unspecified fourth sample,
    ``RGBX;16``, too).  Its unpackers for the opposite byte order keep the
    *low* byte, and the row filters (PNG) and strip layout (TIFF) depend only
    on the bits per pixel, which both rawmodes share; so a second decode with
    the swapped rawmode yields the low bytes and ``hi * 256 + lo`` the
    original samples.  Grey+alpha decodes in one pass with the byte-for-byte
    ``RGBA`` rawmode (32 bits, like ``LA;16B``).
    """
    rawmodes = {tile_rawmode(t) for t in tiles}
    if len(rawmodes) != 1:
        return None
    match = _RAW16.fullmatch(rawmodes.pop() or "")
    if match is None:
        return None
    base, order = match.groups()
    if order == "N":
        order = "L" if sys.byteorder == "little" else "B"
    if reopen is None:
        return None  # a Pillow image from the caller: the 8-bit path notes the loss
    swapped = "B" if order == "L" else "L"
    try:
        if base == "LA":
            raw = _decode_rawmode(reopen, tiles, "RGBA").astype(np.uint16)
            hi_byte, lo_byte = (0, 1) if order == "B" else (1, 0)
            grey = raw[..., hi_byte] << 8 | raw[..., lo_byte]
            alpha = raw[..., 2 + hi_byte] << 8 | raw[..., 2 + lo_byte]
            return np.stack([grey, alpha], axis=-1)
        if base == "RGBa":
            hi = _decode_rawmode(reopen, tiles, f"RGBA;16{order}")
            lo = _decode_rawmode(reopen, tiles, f"RGBA;16{swapped}")
        else:
            hi = np.asarray(im)
            lo = _decode_rawmode(reopen, tiles, f"{base};16{swapped}")
    except Exception:  # noqa: BLE001 - keep Pillow's 8 bits (the caller notes it)
        return None
    samples = hi.astype(np.uint16) << 8
    samples |= lo
    if base == "RGBa":
        return _straighten16(samples)
    trns = im.info.get("transparency")
    if base == "RGB" and isinstance(trns, tuple) and len(trns) == 3:
        samples = key_alpha(samples, trns, 65535)
    return samples


def tile_rawmode(tile: Any) -> str | None:
    args = getattr(tile, "args", None)
    if args is None and isinstance(tile, tuple) and len(tile) >= 4:
        args = tile[3]
    if isinstance(args, str):
        return args
    if isinstance(args, tuple) and args and isinstance(args[0], str):
        return args[0]
    return None


def _with_rawmode(tile: Any, rawmode: str) -> Any:
    """``tile`` with its rawmode replaced (a named tuple since Pillow 11, a plain one before)."""
    codec, extents, offset, args = tile[:4]
    new_args = rawmode if isinstance(args, str) else (rawmode, *args[1:])
    if hasattr(tile, "_replace"):
        return tile._replace(args=new_args)
    return (codec, extents, offset, new_args, *tile[4:])


def _decode_rawmode(reopen: Callable[[], PILImage.Image], tiles: list[Any], rawmode: str) -> np.ndarray:
    im = reopen()
    if not isinstance(im, ImageFile.ImageFile):
        raise TypeError("not a file-backed image")
    im.tile = [_with_rawmode(t, rawmode) for t in tiles]
    im.load()
    return np.asarray(im)


def _straighten16(samples: np.ndarray) -> np.ndarray:
    """Premultiplied 16-bit RGBA to straight alpha."""
    colour = samples[..., :3].astype(np.float32)
    alpha = samples[..., 3:].astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        straight = np.where(alpha > 0, colour * 65535.0 / alpha, 0.0)
    out = np.empty_like(samples)
    out[..., :3] = np.clip(np.rint(straight), 0, 65535)
    out[..., 3] = samples[..., 3]
    return out


def int32_samples(values: np.ndarray, tiles: list[Any], name: str, notes: list[str]) -> np.ndarray:
    """Pillow mode ``I`` (32-bit integers) to uint16 or float32 samples.

    Data within 0..65535 is 16-bit data held in a wider type (Pillow used
    ``I`` for 16-bit grey PNG before 10.3) and is kept as is.  Wider data is
    scaled by the full range of its stored type.
    """
    rawmode = next((r for r in map(tile_rawmode, tiles) if r), "") or ""
    unsigned = rawmode.startswith("I;32") and "S" not in rawmode[4:]
    if unsigned:
        values = values.view(np.uint32)
    low, high = int(values.min()), int(values.max())
    if low < 0:
        raise ImageLoadError(name, f"32-bit integer image has negative samples (min {low})")
    if high <= 65535:
        return values.astype(np.uint16)
    scale = 4294967295.0 if unsigned else 2147483647.0
    notes.append(
        f"32-bit integer samples (max {high}) scaled to [0, 1] by 1/{int(scale)}"
    )
    return (values.astype(np.float64) / scale).astype(np.float32)

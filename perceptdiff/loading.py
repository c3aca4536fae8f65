"""Decoding images into :class:`perceptdiff.image.Image`.

Every input -- a path, encoded file bytes, a Pillow image, a numpy array --
becomes sRGB-encoded RGBA with straight alpha in its native precision:
``uint8`` for 8-bit sources, ``uint16`` for 16-bit sources and ``float32`` in
[0, 1] for floating-point data (Pillow mode ``F``, 32-bit integer images whose
values exceed 16 bits, float arrays).

What the loader does on the way, each step reported in ``Image.notes`` when it
changes pixels in a way a user may want to know:

* the first frame of an animated or multi-page file is used;
* 16-bit-per-channel RGB, RGBA and grey+alpha PNG/TIFF data keep all 16 bits
  (Pillow narrows them to 8 bits; the loader decodes the low bytes with a
  second pass of Pillow's own decoder and recombines them);
* premultiplied alpha (``RGBa``, ``La``, TIFF associated alpha) is straightened;
* an embedded ICC profile is converted to sRGB with LittleCMS through
  :mod:`PIL.ImageCms` (relative colorimetric intent, ICC.1:2010 section 6.2);
  profiles that already behave as sRGB are detected and skipped;
* EXIF orientation (CIPA DC-008 tag 0x0112) is applied;
* CMYK without a profile is converted naively (a warning note).

Limits: PNG ``gAMA``/``cHRM`` chunks without an ICC profile are ignored (the
data is taken as sRGB); Pillow cannot open 16-bit grey+alpha TIFF or
floating-point RGB TIFF; 16-bit images with a non-sRGB ICC profile are
converted by interpolating 8-bit LittleCMS results (about +-0.5 of an 8-bit
code, see :func:`_icc_convert_wide`);
EPS is not opened (Pillow would run Ghostscript on it).

Pillow's decompression-bomb guard stays on: an image above twice
``PIL.Image.MAX_IMAGE_PIXELS`` raises :class:`ImageTooLargeError`, one above
the limit itself loads with a note.  Truncated data is always an error,
whatever ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` says.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import struct
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageCms, ImageFile, UnidentifiedImageError

from .errors import ImageLoadError, ImageTooLargeError, PerceptdiffError
from .image import Image

__all__ = ["load_image", "identical_sources", "source_name"]

#: Float samples this far outside [0, 1] are clipped (with a note); further
#: out the data is rejected as not being [0, 1]-scaled.
FLOAT_CLIP_TOLERANCE = 0.05

_EXIF_ORIENTATION = 0x0112
_RELATIVE = ImageCms.Intent.RELATIVE_COLORIMETRIC
#: LittleCMS cmsFLAGS_NOCACHE: without its one-pixel cache a transform may be
#: shared between threads.
_CMS_NOCACHE: Any = getattr(getattr(ImageCms, "Flags", None), "NOCACHE", 0x0040)

# Magic numbers of the formats the loader promises, to tell "truncated PNG"
# from "not an image" when Pillow cannot identify the data.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)

_ORIENTATION_NAMES = {
    2: "mirrored left-right",
    3: "rotated 180°",
    4: "mirrored top-bottom",
    5: "transposed",
    6: "rotated 90° clockwise",
    7: "transversed",
    8: "rotated 90° counter-clockwise",
}


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


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
        return _load_array(source, name)
    if isinstance(source, PILImage.Image):
        return _decode_guarded(lambda: source, None, name, from_file=False,
                               color_management=color_management)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = _as_bytes(source)
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
        return PILImage.open(io.BytesIO(data), formats=_open_formats())

    return _decode_guarded(reopen, data, name, from_file=True, color_management=color_management)


def identical_sources(a: Any, b: Any) -> tuple[int, int] | None:
    """``(width, height)`` when ``a`` and ``b`` are byte-identical valid images.

    The engine calls this before decoding.  Both sources must be paths or
    encoded bytes; paths are compared by size first (``os.stat``), then by
    content (the same file counts).  The shared data must then open as an
    image: PNG is checked with Pillow's ``verify()`` (chunk structure and
    CRCs, without inflating pixel data); other formats, whose ``verify()``
    checks little, are decoded once.  The size is reported after EXIF
    orientation.

    Returns ``None`` -- never raises -- for anything else, including
    unreadable, corrupt or truncated data: :func:`load_image` then reports
    the problem.
    """
    try:
        data = _identical_bytes(a, b)
        if data is None:
            return None
        return _verified_size(data)
    except Exception:  # noqa: BLE001 - the fast path must never raise
        return None


# ---------------------------------------------------------------------------
# reading sources
# ---------------------------------------------------------------------------


def _as_bytes(source: bytes | bytearray | memoryview) -> bytes:
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
        raise ImageLoadError(name, f"cannot read: {_one_line(reason).lower()}") from None


@functools.lru_cache(maxsize=1)
def _open_formats() -> tuple[str, ...]:
    """Every format Pillow can open except EPS (which runs Ghostscript)."""
    PILImage.init()
    return tuple(fmt for fmt in PILImage.OPEN if fmt != "EPS")


@contextlib.contextmanager
def _strict_pillow() -> Iterator[list[warnings.WarningMessage]]:
    """Refuse truncated data and record Pillow's warnings for notes.

    ``ImageFile.LOAD_TRUNCATED_IMAGES`` is only touched (and restored) when a
    caller has switched it on, so the usual case changes no global state.
    """
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    if previous:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield caught
    finally:
        if previous:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


# ---------------------------------------------------------------------------
# decoding through Pillow
# ---------------------------------------------------------------------------


def _decode_guarded(
    opener: Callable[[], PILImage.Image], data: bytes | None, name: str, *, from_file: bool,
    color_management: bool = True,
) -> Image:
    """Run :func:`_decode_pil`, turning every failure into ImageLoadError."""
    try:
        with _strict_pillow() as caught:
            pixels, notes = _decode_pil(opener, name, from_file=from_file,
                                        color_management=color_management)
    except PerceptdiffError:
        raise
    except PILImage.DecompressionBombError as exc:
        raise ImageTooLargeError(name, _bomb_reason(str(exc))) from None
    except Exception as exc:  # noqa: BLE001 - bad input must not escape as another type
        raise ImageLoadError(name, _failure_reason(exc, data)) from None
    notes = _warning_notes(caught) + notes
    return Image.from_pixels(pixels, name, tuple(dict.fromkeys(notes)))


def _decode_pil(
    opener: Callable[[], PILImage.Image], name: str, *, from_file: bool,
    color_management: bool = True,
) -> tuple[np.ndarray, list[str]]:
    notes: list[str] = []
    im = opener()
    width, height = im.size
    if width <= 0 or height <= 0:
        raise ImageLoadError(name, "zero-size image")
    if from_file:
        _note_frames(im, notes)
    tiles = list(getattr(im, "tile", None) or ())
    im.load()
    pixels = _pixels_rgba(im, tiles, opener if from_file else None, name, notes,
                          color_management=color_management)
    orientation = _orientation(im, notes)
    if orientation in _ORIENTATION_NAMES:
        pixels = _orient(pixels, orientation)
        notes.append(f"applied EXIF orientation {orientation} ({_ORIENTATION_NAMES[orientation]})")
    return pixels, notes


def _note_frames(im: PILImage.Image, notes: list[str]) -> None:
    try:
        frames = int(getattr(im, "n_frames", 1))
    except PILImage.DecompressionBombError:
        raise
    except Exception:  # noqa: BLE001 - a later frame may be broken; the first is what we use
        notes.append("used the first frame (the frame count could not be read)")
        frames = 0
    if im.tell() != 0:
        im.seek(0)
    if frames > 1:
        fmt = im.format or "image"
        if fmt == "TIFF":
            notes.append(f"used the first page of a {frames}-page TIFF")
        elif fmt == "MPO":
            notes.append(f"used the first of {frames} images of a multi-picture JPEG (MPO)")
        else:
            notes.append(f"used the first of {frames} frames of an animated {fmt}")


def _orientation(im: PILImage.Image, notes: list[str]) -> int:
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
        return int(value)
    except Exception:  # noqa: BLE001 - unreadable EXIF is metadata, not pixels
        notes.append("ignored unreadable EXIF data")
        return 1


def _orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Apply EXIF orientation as :func:`PIL.ImageOps.exif_transpose` does."""
    views = {
        2: lambda p: p[:, ::-1],
        3: lambda p: p[::-1, ::-1],
        4: lambda p: p[::-1],
        5: lambda p: p.transpose(1, 0, 2),
        6: lambda p: np.rot90(p, -1),
        7: lambda p: p[::-1, ::-1].transpose(1, 0, 2),
        8: lambda p: np.rot90(p, 1),
    }
    return np.ascontiguousarray(views[orientation](pixels))


def _pixels_rgba(
    im: PILImage.Image,
    tiles: list[Any],
    reopen: Callable[[], PILImage.Image] | None,
    name: str,
    notes: list[str],
    color_management: bool = True,
) -> np.ndarray:
    """The ``(H, W, 4)`` sRGB RGBA pixels of a loaded Pillow image."""
    mode = im.mode
    icc = im.info.get("icc_profile")
    if icc and not color_management:
        notes.append("embedded ICC profile ignored (codes compared as stored, as perceptualdiff does)")
        icc = None

    # -- high precision: numpy all the way ---------------------------------
    wide: np.ndarray | None = None
    if mode in ("RGB", "RGBA"):
        wide = _recover_16bit(im, tiles, reopen, notes)
    elif mode.startswith("I;16"):
        wide = np.asarray(im).astype(np.uint16, copy=False)[..., None]
        trns = im.info.get("transparency")
        if isinstance(trns, int):
            wide = _key_alpha(wide, (trns,), 65535)
    elif mode == "I":
        wide = _int32_samples(np.asarray(im), tiles, name, notes)[..., None]
    elif mode == "F":
        wide = _float_samples(np.asarray(im), name, notes)[..., None]
    if wide is not None:
        return _expand_channels(_icc_wide(wide, icc, notes) if icc else wide)

    # -- 8 bits: Pillow conversions and LittleCMS ---------------------------
    if any(";16" in (_tile_rawmode(t) or "") for t in tiles):
        notes.append(f"16-bit {mode} data decoded at 8 bits by Pillow")
    im = _to_basic_mode(im, icc, notes)
    if icc and im.mode in ("L", "LA", "RGB", "RGBA"):
        im = _icc_pil(im, icc, notes)
    # Pillow's own conversion is about twice as fast as filling alpha in numpy.
    return np.asarray(im if im.mode == "RGBA" else im.convert("RGBA"))


def _to_basic_mode(im: PILImage.Image, icc: bytes | None, notes: list[str]) -> PILImage.Image:
    """Convert any 8-bit Pillow mode to L, LA, RGB or RGBA (still in its own colour space)."""
    mode = im.mode
    trns = "transparency" in im.info
    if mode in ("L", "RGB") and trns:
        return im.convert("LA" if mode == "L" else "RGBA")
    if mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode in ("P", "PA"):
        return im.convert("RGBA")
    if mode == "La":
        return _straighten_la(im)
    if mode in ("RGBa", "RGBX"):
        return im.convert("RGBA" if mode == "RGBa" else "RGB")
    if mode == "CMYK":
        space = _icc_space(icc) if icc else None
        if space == "CMYK":
            return _icc_cmyk(im, icc, notes)  # type: ignore[arg-type]
        notes.append(
            "CMYK without a usable ICC profile converted naively to RGB (colours are approximate)"
        )
        return im.convert("RGB")
    if mode in ("YCbCr", "LAB", "HSV"):
        return im.convert("RGB")
    # A mode newer than this loader: let Pillow decide.
    return im.convert("RGBA")


def _straighten_la(im: PILImage.Image) -> PILImage.Image:
    la = np.asarray(im).astype(np.float32)
    grey, alpha = la[..., 0], la[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        straight = np.where(alpha > 0, grey * 255.0 / alpha, 0.0)
    out = np.empty(la.shape, np.uint8)
    out[..., 0] = np.clip(np.rint(straight), 0, 255)
    out[..., 1] = la[..., 1]
    return PILImage.frombytes("LA", im.size, out.tobytes())


def _key_alpha(samples: np.ndarray, key: Sequence[int], full: int) -> np.ndarray:
    """Add alpha: 0 where every channel equals ``key`` (PNG tRNS), else full."""
    match = np.all(samples == np.asarray(key, samples.dtype), axis=-1)
    alpha = np.where(match, 0, full).astype(samples.dtype)
    return np.concatenate([samples, alpha[..., None]], axis=-1)


_RAW16 = re.compile(r"(RGB|RGBX|RGBA|RGBa|LA);16([BLN])")


def _recover_16bit(
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
    rawmodes = {_tile_rawmode(t) for t in tiles}
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
        samples = _key_alpha(samples, trns, 65535)
    return samples


def _tile_rawmode(tile: Any) -> str | None:
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


def _int32_samples(values: np.ndarray, tiles: list[Any], name: str, notes: list[str]) -> np.ndarray:
    """Pillow mode ``I`` (32-bit integers) to uint16 or float32 samples.

    Data within 0..65535 is 16-bit data held in a wider type (Pillow used
    ``I`` for 16-bit grey PNG before 10.3) and is kept as is.  Wider data is
    scaled by the full range of its stored type.
    """
    rawmode = next((r for r in map(_tile_rawmode, tiles) if r), "") or ""
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


def _float_samples(values: np.ndarray, name: str, notes: list[str]) -> np.ndarray:
    """Check float samples are finite and in [0, 1]; clip small excursions."""
    values = np.asarray(values, dtype=np.float32)
    if not np.all(np.isfinite(values)):
        raise ImageLoadError(name, "float samples contain NaN or infinity")
    low, high = float(values.min()), float(values.max())
    if low < -FLOAT_CLIP_TOLERANCE or high > 1.0 + FLOAT_CLIP_TOLERANCE:
        hint = " (divide 8-bit data by 255)" if 1.0 < high <= 255.0 and low >= -FLOAT_CLIP_TOLERANCE else ""
        raise ImageLoadError(
            name, f"float samples must lie in [0, 1], found {low:.6g}..{high:.6g}{hint}"
        )
    if low < 0.0 or high > 1.0:
        outside = int(np.count_nonzero((values < 0.0) | (values > 1.0)))
        notes.append(
            f"{outside} float samples slightly outside [0, 1] clipped (range {low:.4g}..{high:.4g})"
        )
        values = np.clip(values, 0.0, 1.0)
    return values


def _expand_channels(samples: np.ndarray) -> np.ndarray:
    """``(H, W, C)`` grey / grey+alpha / RGB / RGBA samples to ``(H, W, 4)``."""
    channels = samples.shape[2]
    if channels == 4:
        return samples
    dtype = samples.dtype
    full = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}.get(dtype, 1.0)
    out = np.empty(samples.shape[:2] + (4,), dtype)
    if channels in (1, 2):
        out[..., :3] = samples[..., :1]
    else:
        out[..., :3] = samples[..., :3]
    if channels == 2:
        out[..., 3] = samples[..., 1]
    else:
        out[..., 3] = full
    return out


# ---------------------------------------------------------------------------
# numpy arrays
# ---------------------------------------------------------------------------


def _load_array(arr: np.ndarray, name: str) -> Image:
    notes: list[str] = []
    dtype = arr.dtype
    if dtype.kind not in "biuf":
        raise ImageLoadError(
            name, f"unsupported array dtype {dtype} (use uint8, uint16, bool or float in [0, 1])"
        )
    if arr.ndim == 2:
        arr = arr[..., None]
    elif arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise ImageLoadError(
            name,
            f"array shape {arr.shape} is not (H, W) or (H, W, C) with C = 1, 2, 3 or 4",
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageLoadError(name, f"zero-size image (array shape {arr.shape})")

    samples: np.ndarray
    if dtype.kind == "b":
        samples = arr.astype(np.uint8) * np.uint8(255)
    elif dtype == np.uint8:
        samples = arr
    elif dtype.kind == "u" and dtype.itemsize == 2:
        samples = arr.astype(np.uint16, copy=False)
    elif dtype.kind in "ui":
        low, high = int(arr.min()), int(arr.max())
        if low < 0:
            raise ImageLoadError(name, f"negative sample values in {dtype} array (min {low})")
        if high <= 255:
            samples = arr.astype(np.uint8)
            notes.append(f"{dtype} array read as 8-bit data (values 0..{high})")
        elif high <= 65535:
            samples = arr.astype(np.uint16)
            notes.append(f"{dtype} array read as 16-bit data (values 0..{high})")
        else:
            raise ImageLoadError(
                name,
                f"{dtype} samples up to {high} exceed 16 bits "
                "(use uint8, uint16 or float in [0, 1])",
            )
    else:
        samples = _float_samples(arr, name, notes)
    pixels = _expand_channels(samples)
    if pixels is arr or np.shares_memory(pixels, arr):
        pixels = pixels.copy()  # never freeze or alias the caller's array
    return Image.from_pixels(pixels, name, tuple(notes))


# ---------------------------------------------------------------------------
# ICC profiles
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    profile: ImageCms.ImageCmsProfile
    description: str
    space: str  # "RGB", "GRAY", "CMYK", ...
    is_srgb: bool


@functools.lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.lru_cache(maxsize=32)
def _parse_profile(data: bytes) -> _Profile | None:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
        space = str(profile.profile.xcolor_space).strip()
        description = _one_line(ImageCms.getProfileDescription(profile) or "").strip() or "unnamed"
    except Exception:  # noqa: BLE001 - a broken profile is reported as a note
        return None
    return _Profile(profile, description, space, _behaves_as_srgb(profile, space))


def _behaves_as_srgb(profile: ImageCms.ImageCmsProfile, space: str) -> bool:
    """True when converting to sRGB moves no 8-bit code by more than 1."""
    try:
        if space == "RGB":
            codes = np.arange(0, 256, 15, dtype=np.uint8)  # 18 levels, includes 0 and 255
            grid = np.stack(np.meshgrid(codes, codes, codes, indexing="ij"), axis=-1)
            src = grid.reshape(len(codes) ** 2, len(codes), 3)
            out = np.asarray(_apply(
                PILImage.fromarray(np.ascontiguousarray(src)), _transform(profile, "RGB", "RGB")))
            return bool(np.abs(out.astype(np.int16) - src).max() <= 1)
        if space == "GRAY":
            ramp = np.arange(256, dtype=np.uint8)[None, :]
            out = np.asarray(_apply(
                PILImage.fromarray(ramp), _transform(profile, "L", "RGB")))
            return bool(np.abs(out.astype(np.int16) - ramp[..., None]).max() <= 1)
    except Exception:  # noqa: BLE001
        return False
    return False


@functools.lru_cache(maxsize=64)
def _transform(profile: ImageCms.ImageCmsProfile, in_mode: str, out_mode: str) -> Any:
    """A LittleCMS transform from ``profile`` to sRGB (profiles hash by identity)."""
    return ImageCms.buildTransform(
        profile, _srgb(), in_mode, out_mode, renderingIntent=_RELATIVE, flags=_CMS_NOCACHE
    )


def _icc_space(data: bytes) -> str | None:
    parsed = _parse_profile(bytes(data))
    return parsed.space if parsed else None


def _usable_profile(data: bytes, wanted: str, image_kind: str, notes: list[str]) -> _Profile | None:
    """The parsed profile when it needs converting; notes say why not otherwise."""
    parsed = _parse_profile(bytes(data))
    if parsed is None:
        notes.append("ignored an unreadable embedded ICC profile; colours taken as sRGB")
        return None
    if parsed.space != wanted:
        notes.append(
            f"ignored ICC profile '{parsed.description}': it describes {parsed.space} "
            f"data but the image is {image_kind}"
        )
        return None
    if parsed.is_srgb:
        return None
    return parsed


def _apply(im: PILImage.Image, transform: Any) -> PILImage.Image:
    out = ImageCms.applyTransform(im, transform)
    if out is None:  # pragma: no cover - only with inPlace=True
        raise ValueError("LittleCMS returned no image")
    return out


def _converted_note(parsed: _Profile, extra: str = "") -> str:
    return f"converted from ICC profile '{parsed.description}' to sRGB{extra}"


def _icc_pil(im: PILImage.Image, icc: bytes, notes: list[str]) -> PILImage.Image:
    """Convert an L/LA/RGB/RGBA image from its embedded profile to sRGB."""
    grey = im.mode in ("L", "LA")
    parsed = _usable_profile(icc, "GRAY" if grey else "RGB", "greyscale" if grey else "RGB", notes)
    if parsed is None:
        return im
    try:
        if im.mode == "LA":
            grey_im, alpha = im.split()
            rgb = _apply(grey_im, _transform(parsed.profile, "L", "RGB"))
            rgb.putalpha(alpha)
            converted = rgb
        else:
            out_mode = "RGB" if im.mode == "L" else im.mode
            converted = _apply(im, _transform(parsed.profile, im.mode, out_mode))
    except Exception as exc:  # noqa: BLE001
        notes.append(
            f"could not convert from ICC profile '{parsed.description}' ({_one_line(str(exc))}); "
            "colours taken as sRGB"
        )
        return im
    notes.append(_converted_note(parsed))
    return converted


def _icc_cmyk(im: PILImage.Image, icc: bytes, notes: list[str]) -> PILImage.Image:
    parsed = _parse_profile(bytes(icc))
    assert parsed is not None and parsed.space == "CMYK"
    try:
        converted = _apply(im, _transform(parsed.profile, "CMYK", "RGB"))
    except Exception as exc:  # noqa: BLE001
        notes.append(
            f"could not convert from ICC profile '{parsed.description}' ({_one_line(str(exc))}); "
            "CMYK converted naively to RGB (colours are approximate)"
        )
        return im.convert("RGB")
    notes.append(_converted_note(parsed))
    return converted


def _icc_wide(samples: np.ndarray, icc: bytes, notes: list[str]) -> np.ndarray:
    """ICC conversion for uint16/float32 grey(+alpha) or RGB(A) samples."""
    channels = samples.shape[2]
    grey = channels <= 2
    parsed = _usable_profile(icc, "GRAY" if grey else "RGB", "greyscale" if grey else "RGB", notes)
    if parsed is None:
        return samples
    try:
        converted = _icc_convert_wide(samples, parsed.profile, grey)
    except Exception as exc:  # noqa: BLE001
        notes.append(
            f"could not convert from ICC profile '{parsed.description}' ({_one_line(str(exc))}); "
            "colours taken as sRGB"
        )
        return samples
    bits = "16-bit" if samples.dtype == np.uint16 else "float"
    notes.append(
        _converted_note(parsed, f" ({bits} data interpolated between 8-bit LittleCMS results)")
    )
    return converted


def _icc_convert_wide(
    samples: np.ndarray, profile: ImageCms.ImageCmsProfile, grey: bool
) -> np.ndarray:
    """Colour-manage high-precision samples with Pillow's 8-bit LittleCMS.

    Pillow's ImageCms transforms 8-bit data only.  Each sample lies inside a
    cell of adjacent 8-bit codes; LittleCMS converts the cell's corners (2
    for grey, 8 for RGB) and the result is interpolated linearly or
    trilinearly at the sample's position in the cell.  With one-code cells
    the interpolation error is small next to LittleCMS's own 8-bit rounding
    (+-0.5 of 255), so the output is smooth and accurate to about half an
    8-bit code -- a coarser table (every 5th code) was measured at up to 10
    codes off near the sRGB gamut boundary, where the mapping bends
    sharply.  The output keeps the input's dtype.
    """
    dtype = samples.dtype
    full = 65535.0 if dtype == np.uint16 else 1.0
    alpha = samples[..., -1] if samples.shape[2] in (2, 4) else None
    colour = samples[..., :1] if grey else samples[..., :3]
    colour = colour.astype(np.float32) * np.float32(255.0 / full)
    base = np.clip(colour, 0, 254).astype(np.uint8)  # floor: values are non-negative
    upper = np.clip(colour - base, 0.0, 1.0)  # weight of the upper code on each axis
    lower = 1.0 - upper
    height, width = colour.shape[:2]
    in_mode = "L" if grey else "RGB"
    transform = _transform(profile, in_mode, "RGB")
    rgb = np.zeros((height, width, 3), np.float32)
    term = np.empty_like(rgb)
    corners: list[tuple[tuple[int, ...], np.ndarray]] = []
    if grey:
        corners = [((0,), lower[..., 0]), ((1,), upper[..., 0])]
    else:
        for r in (0, 1):
            w_r = (upper if r else lower)[..., 0]
            for g in (0, 1):
                w_rg = w_r * (upper if g else lower)[..., 1]
                for b in (0, 1):
                    corners.append(((r, g, b), w_rg * (upper if b else lower)[..., 2]))
    for corner, weight in corners:
        src = base + np.asarray(corner, np.uint8)
        converted = np.asarray(
            _apply(PILImage.frombytes(in_mode, (width, height), src.tobytes()), transform)
        )
        np.multiply(converted, weight[..., None], out=term)
        rgb += term
    result = np.empty((height, width, 3 if alpha is None else 4), dtype)
    if dtype == np.uint16:
        result[..., :3] = np.clip(np.rint(rgb * np.float32(65535.0 / 255.0)), 0, 65535)
    else:
        result[..., :3] = np.clip(rgb / np.float32(255.0), 0.0, 1.0)
    if alpha is not None:
        result[..., 3] = alpha
    return result


# ---------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _bomb_reason(message: str) -> str:
    numbers = re.findall(r"(\d+) pixels", message)
    if len(numbers) >= 2:
        return (f"{numbers[0]} pixels exceeds the limit of {numbers[1]} pixels "
                "(decompression-bomb guard)")
    return f"image exceeds the pixel limit (decompression-bomb guard): {_one_line(message)}"


def _warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    notes = []
    for w in caught:
        if issubclass(w.category, PILImage.DecompressionBombWarning):
            numbers = re.findall(r"(\d+) pixels", str(w.message))
            size = f"{numbers[0]} pixels" if numbers else "the image"
            limit = PILImage.MAX_IMAGE_PIXELS
            notes.append(
                f"{size} exceeds Pillow's limit of {limit} pixels (decompression-bomb guard); "
                "loaded because it is under twice the limit"
            )
        else:
            notes.append(f"Pillow warned: {_one_line(str(w.message))}")
    return notes


def _sniff(data: bytes | None) -> str | None:
    if not data:
        return None
    for magic, fmt in _SIGNATURES:
        if data.startswith(magic):
            return fmt
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return None


def _failure_reason(exc: BaseException, data: bytes | None) -> str:
    message = _one_line(str(exc))
    lowered = message.lower()
    fmt = _sniff(data)
    if isinstance(exc, UnidentifiedImageError):
        if fmt:
            return f"truncated or corrupt {fmt} data (Pillow cannot identify it)"
        return "not an image (unrecognised format)"
    if isinstance(exc, EOFError) or "truncated" in lowered:
        return "truncated image data"
    if isinstance(exc, MemoryError):
        return "not enough memory to decode the image"
    if "could not create decoder object" in lowered:
        return f"corrupt or truncated {fmt or 'image'} data"
    if isinstance(exc, (SyntaxError, struct.error)):
        return f"corrupt image data ({message})"
    if isinstance(exc, OSError) and message:
        return f"cannot decode the image ({message})"
    return f"cannot decode the image ({type(exc).__name__}: {message})" if message else (
        f"cannot decode the image ({type(exc).__name__})"
    )


# ---------------------------------------------------------------------------
# the identical-files fast path
# ---------------------------------------------------------------------------


def _byte_size(source: Any) -> int | None:
    if isinstance(source, (str, os.PathLike)):
        return os.stat(source).st_size
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    if isinstance(source, memoryview):
        return source.nbytes
    return None


def _identical_bytes(a: Any, b: Any) -> bytes | None:
    size_a, size_b = _byte_size(a), _byte_size(b)
    if size_a is None or size_b is None or size_a != size_b or size_a == 0:
        return None
    paths = isinstance(a, (str, os.PathLike)), isinstance(b, (str, os.PathLike))
    if all(paths) and (os.fspath(a) == os.fspath(b) or os.path.samefile(a, b)):
        with open(a, "rb") as fh:
            return fh.read()
    data_a = _fetch(a)
    data_b = _fetch(b)
    return data_a if data_a == data_b else None


def _fetch(source: Any) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            return fh.read()
    return _as_bytes(source)


def _verified_size(data: bytes) -> tuple[int, int] | None:
    with _strict_pillow():
        im = PILImage.open(io.BytesIO(data), formats=_open_formats())
        if im.format != "PNG":
            # verify() is a no-op for most formats: decode once instead.
            return load_image(data).size
        width, height = im.size
        if width <= 0 or height <= 0:
            return None
        exif = im.info.get("exif") or _png_exif_chunk(data)
        im.verify()
    orientation = 1
    if exif:
        try:
            parsed = PILImage.Exif()
            parsed.load(exif if exif.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif)
            orientation = int(parsed.get(_EXIF_ORIENTATION, 1))
        except Exception:  # noqa: BLE001
            orientation = 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _png_exif_chunk(data: bytes) -> bytes | None:
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

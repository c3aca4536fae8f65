"""Decoding through Pillow: first frame, mode conversion, EXIF orientation, failures as errors.

High-precision modes go to :mod:`.wide` and :mod:`.samples`, embedded ICC
profiles to :mod:`.icc`; 8-bit modes are brought to L, LA, RGB or RGBA here
(premultiplied ``La`` straightened, CMYK without a profile converted
naively) and then to RGBA.  Every failure leaves as
:class:`~perceptdiff.errors.ImageLoadError` or
:class:`~perceptdiff.errors.ImageTooLargeError` with a reason from
:mod:`.messages`.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageFile

from ..errors import ImageLoadError, ImageTooLargeError, PerceptdiffError, TruncatedImageError
from ..image import Image
from .capture import captured_diagnostics, give_back
from .icc import convert_cmyk, convert_pil, convert_wide, profile_space
from .integrity import check_plausible_size, jpeg_ended_early
from .limits import LoadLimits, check_pixels
from .messages import (bomb_reason, c_notes, decoder_error_reason, failure_reason, is_damage,
                       sniff_format, warning_notes)
from .samples import expand_channels, float_samples, key_alpha
from .wide import int32_samples, recover_16bit, tile_rawmode

__all__ = ["decode_guarded", "open_formats", "strict_pillow", "EXIF_ORIENTATION"]

#: EXIF tag of the image orientation (CIPA DC-008, tag 0x0112).
EXIF_ORIENTATION = 0x0112

_ORIENTATION_NAMES = {
    2: "mirrored left-right",
    3: "rotated 180°",
    4: "mirrored top-bottom",
    5: "transposed",
    6: "rotated 90° clockwise",
    7: "transversed",
    8: "rotated 90° counter-clockwise",
}


#: Formats whose plugins Pillow loads without the others (``Image.preinit``).  A file whose
#: magic number names one of them is opened by that plugin alone: a one-shot comparison of
#: two PNGs then does not import Pillow's forty other plugins (about 30 ms of start-up).
_PREINIT_FORMATS = frozenset({"PNG", "JPEG", "GIF", "BMP"})


def open_formats(data: bytes | None = None) -> tuple[str, ...]:
    """The formats Pillow may try on ``data``: never EPS (which runs Ghostscript).

    When the magic number names a format of :data:`_PREINIT_FORMATS`, that
    format alone (no other plugin accepts its signature); otherwise, or
    without ``data``, every format Pillow can open.
    """
    fmt = sniff_format(data)
    if fmt in _PREINIT_FORMATS:
        PILImage.preinit()
        return (fmt,)
    return _every_format()


@functools.lru_cache(maxsize=1)
def _every_format() -> tuple[str, ...]:
    PILImage.init()
    return tuple(fmt for fmt in PILImage.OPEN if fmt != "EPS")


@contextlib.contextmanager
def _truncated_loading(allowed: bool) -> Iterator[None]:
    """``ImageFile.LOAD_TRUNCATED_IMAGES`` set to ``allowed`` for the body (callers hold the decode lock).

    The global is only written (and restored) when it differs, so the usual
    case changes no state.
    """
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    if previous != allowed:
        ImageFile.LOAD_TRUNCATED_IMAGES = allowed
    try:
        yield
    finally:
        if previous != allowed:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


@contextlib.contextmanager
def strict_pillow() -> Iterator[list[warnings.WarningMessage]]:
    """Refuse truncated data and record Pillow's warnings (and C-level messages) for one decode.

    Runs under the process's decode lock (:mod:`.capture`), so the warning
    filters and ``LOAD_TRUNCATED_IMAGES`` are never swapped by two threads at once.
    """
    with captured_diagnostics() as diag, _truncated_loading(False):
        yield diag.warnings


def decode_guarded(
    opener: Callable[[], PILImage.Image], data: bytes | None, name: str, *, from_file: bool,
    color_management: bool = True, limits: LoadLimits | None = None,
) -> Image:
    """Decode with :func:`_decode_pil`, turning every failure into ImageLoadError.

    Damaged data (:class:`TruncatedImageError`) is refused unless
    ``limits.allow_truncated``; then it is decoded again as far as the
    decoder gets, with a note saying what was wrong.
    """
    limits = limits or LoadLimits()
    try:
        return _decode_once(opener, data, name, from_file=from_file,
                            color_management=color_management, fill=False)
    except TruncatedImageError as exc:
        if not limits.allow_truncated:
            raise
        image = _decode_once(opener, data, name, from_file=from_file,
                             color_management=color_management, fill=True)
        note = f"{exc.reason}; loaded anyway (allow_truncated): the decoder filled what is missing"
        return Image.from_pixels(image.pixels, name, (note,) + image.notes)


def _decode_once(
    opener: Callable[[], PILImage.Image], data: bytes | None, name: str, *, from_file: bool,
    color_management: bool, fill: bool,
) -> Image:
    """One decode with its diagnostics captured; ``fill`` lets damaged data load."""
    failure: BaseException | None = None
    result: tuple[np.ndarray, list[str], str | None] | None = None
    with captured_diagnostics() as diag, _truncated_loading(fill):
        try:
            result = _decode_pil(opener, data, name, from_file=from_file,
                                 color_management=color_management, strict=not fill)
        except BaseException as exc:  # noqa: BLE001 - sorted out below, after the capture ends
            failure = exc
    fmt = result[2] if result is not None else sniff_format(data)
    if fmt != "TIFF":  # only libtiff writes to stderr: anything else was somebody else's text
        give_back(diag.c_errors + diag.c_warnings)
        diag.c_errors, diag.c_warnings = [], []
    if diag.c_errors and not fill:
        raise TruncatedImageError(name, decoder_error_reason(fmt, diag.c_errors)) from None
    if failure is not None:
        _raise_failure(failure, data, name)
    assert result is not None
    pixels, notes, _ = result
    # In a filling decode the C errors are the reason decode_guarded notes already.
    notes = warning_notes(diag.warnings) + c_notes([] if fill else diag.c_errors, diag.c_warnings) + notes
    return Image.from_pixels(pixels, name, tuple(dict.fromkeys(notes)))


def _raise_failure(exc: BaseException, data: bytes | None, name: str) -> None:
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        raise exc
    if isinstance(exc, PerceptdiffError):
        raise exc
    if isinstance(exc, PILImage.DecompressionBombError):
        raise ImageTooLargeError(name, bomb_reason(str(exc))) from None
    reason = failure_reason(exc, data)
    kind = TruncatedImageError if is_damage(exc, reason) else ImageLoadError
    raise kind(name, reason) from None


def _decode_pil(
    opener: Callable[[], PILImage.Image], data: bytes | None, name: str, *, from_file: bool,
    color_management: bool = True, strict: bool = True,
) -> tuple[np.ndarray, list[str], str | None]:
    notes: list[str] = []
    im = opener()
    width, height = im.size
    if width <= 0 or height <= 0:
        raise ImageLoadError(name, "zero-size image")
    check_pixels(name, width, height)
    implausible = check_plausible_size(im, data) if from_file else None
    if implausible and strict:
        raise TruncatedImageError(name, implausible)
    if from_file:
        _note_frames(im, notes)
    tiles = list(getattr(im, "tile", None) or ())
    im.load()
    if from_file and strict and jpeg_ended_early(im, data, opener):
        raise TruncatedImageError(name, "truncated JPEG data: the image data ends before its last "
                                        "block (the decoder would fill the rest with grey)")
    fmt = im.format
    pixels = _pixels_rgba(im, tiles, opener if from_file else None, name, notes,
                          color_management=color_management)
    orientation = _orientation(im, notes)
    if orientation in _ORIENTATION_NAMES:
        pixels = _orient(pixels, orientation)
        notes.append(f"applied EXIF orientation {orientation} ({_ORIENTATION_NAMES[orientation]})")
    return pixels, notes, fmt


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
        value = im.getexif().get(EXIF_ORIENTATION, 1)
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
        wide = recover_16bit(im, tiles, reopen, notes)
    elif mode.startswith("I;16"):
        wide = np.asarray(im).astype(np.uint16, copy=False)[..., None]
        trns = im.info.get("transparency")
        if isinstance(trns, int):
            wide = key_alpha(wide, (trns,), 65535)
    elif mode == "I":
        wide = int32_samples(np.asarray(im), tiles, name, notes)[..., None]
    elif mode == "F":
        wide = float_samples(np.asarray(im), name, notes)[..., None]
    if wide is not None:
        return expand_channels(convert_wide(wide, icc, notes) if icc else wide)

    # -- 8 bits: Pillow conversions and LittleCMS ---------------------------
    if any(";16" in (tile_rawmode(t) or "") for t in tiles):
        notes.append(f"16-bit {mode} data decoded at 8 bits by Pillow")
    im = _to_basic_mode(im, icc, notes)
    # CMYK data has been through its own profile (or converted naively) already:
    # that profile does not describe the RGB result.
    if icc and mode != "CMYK" and im.mode in ("L", "LA", "RGB", "RGBA"):
        im = convert_pil(im, icc, notes)
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
        space = profile_space(icc) if icc else None
        if space == "CMYK":
            return convert_cmyk(im, icc, notes)  # type: ignore[arg-type]
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

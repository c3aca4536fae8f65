"""Colour management: embedded ICC profiles to sRGB with LittleCMS (:mod:`PIL.ImageCms`).

Relative colorimetric intent (ICC.1:2010 section 6.2).  Profiles that already
behave as sRGB (no 8-bit code moves by more than 1) are detected and skipped;
a profile for the wrong colour space, or one that cannot be read or applied,
is ignored with a note.  LittleCMS in Pillow transforms 8-bit data only, so
16-bit and float samples are interpolated between 8-bit results
(:func:`_interpolate_wide`, about +-0.5 of an 8-bit code).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image as PILImage
from PIL import ImageCms

from ..image import full_scale
from .messages import one_line

__all__ = ["profile_space", "convert_pil", "convert_cmyk", "convert_wide"]

_RELATIVE = ImageCms.Intent.RELATIVE_COLORIMETRIC
#: LittleCMS cmsFLAGS_NOCACHE: without its one-pixel cache a transform may be
#: shared between threads.
_CMS_NOCACHE: Any = getattr(getattr(ImageCms, "Flags", None), "NOCACHE", 0x0040)


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
        description = one_line(ImageCms.getProfileDescription(profile) or "").strip() or "unnamed"
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


def profile_space(data: bytes) -> str | None:
    parsed = _parse_profile(bytes(data))
    return parsed.space if parsed else None


def _usable_profile(data: bytes, grey: bool, notes: list[str]) -> _Profile | None:
    """The parsed profile of a grey or RGB image when it needs converting; notes say why not otherwise."""
    wanted, image_kind = ("GRAY", "greyscale") if grey else ("RGB", "RGB")
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


def _failed_note(parsed: _Profile, exc: Exception, fallback: str) -> str:
    return f"could not convert from ICC profile '{parsed.description}' ({one_line(str(exc))}); {fallback}"


def convert_pil(im: PILImage.Image, icc: bytes, notes: list[str]) -> PILImage.Image:
    """Convert an L/LA/RGB/RGBA image from its embedded profile to sRGB."""
    parsed = _usable_profile(icc, im.mode in ("L", "LA"), notes)
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
        notes.append(_failed_note(parsed, exc, "colours taken as sRGB"))
        return im
    notes.append(_converted_note(parsed))
    return converted


def convert_cmyk(im: PILImage.Image, icc: bytes, notes: list[str]) -> PILImage.Image:
    parsed = _parse_profile(bytes(icc))
    assert parsed is not None and parsed.space == "CMYK"
    try:
        converted = _apply(im, _transform(parsed.profile, "CMYK", "RGB"))
    except Exception as exc:  # noqa: BLE001
        notes.append(_failed_note(parsed, exc, "CMYK converted naively to RGB (colours are approximate)"))
        return im.convert("RGB")
    notes.append(_converted_note(parsed))
    return converted


def convert_wide(samples: np.ndarray, icc: bytes, notes: list[str]) -> np.ndarray:
    """ICC conversion for uint16/float32 grey(+alpha) or RGB(A) samples."""
    channels = samples.shape[2]
    grey = channels <= 2
    parsed = _usable_profile(icc, grey, notes)
    if parsed is None:
        return samples
    try:
        converted = _interpolate_wide(samples, parsed.profile, grey)
    except Exception as exc:  # noqa: BLE001
        notes.append(_failed_note(parsed, exc, "colours taken as sRGB"))
        return samples
    bits = "16-bit" if samples.dtype == np.uint16 else "float"
    notes.append(
        _converted_note(parsed, f" ({bits} data interpolated between 8-bit LittleCMS results)")
    )
    return converted


def _interpolate_wide(
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
    full = full_scale(dtype)
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

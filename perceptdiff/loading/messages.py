"""One-line reasons for load failures and notes for Pillow's warnings."""

from __future__ import annotations

import re
import struct
import warnings

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

__all__ = ["one_line", "bomb_reason", "warning_notes", "failure_reason", "sniff_format",
           "decoder_error_reason", "c_notes", "is_damage"]

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


def one_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def bomb_reason(message: str) -> str:
    numbers = re.findall(r"(\d+) pixels", message)
    if len(numbers) >= 2:
        return (f"{numbers[0]} pixels exceeds the limit of {numbers[1]} pixels "
                "(decompression-bomb guard)")
    return f"image exceeds the pixel limit (decompression-bomb guard): {one_line(message)}"


def warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
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
            notes.append(f"Pillow warned: {one_line(str(w.message))}")
    return notes


def sniff_format(data: bytes | None) -> str | None:
    """The format a file's magic number names (None when unknown)."""
    if not data:
        return None
    for magic, fmt in _SIGNATURES:
        if data.startswith(magic):
            return fmt
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return None


def failure_reason(exc: BaseException, data: bytes | None) -> str:
    message = one_line(str(exc))
    lowered = message.lower()
    fmt = sniff_format(data)
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


#: Words of a load failure that mean the data is damaged rather than unsupported.
_DAMAGE_WORDS = ("truncated", "corrupt", "broken", "premature", "bad code", "invalid",
                 "decoder error")


def is_damage(exc: BaseException, reason: str) -> bool:
    """True when a decoder failure means truncated or corrupt data (``allow_truncated`` may load it)."""
    if isinstance(exc, (EOFError, struct.error, SyntaxError)):
        return True
    lowered = reason.lower()
    return any(word in lowered for word in _DAMAGE_WORDS) and "not an image" not in lowered


def decoder_error_reason(fmt: str | None, lines: list[str]) -> str:
    """The reason of a load refused because the C decoder (libtiff) reported errors."""
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return f"corrupt {fmt or 'image'} data (libtiff: {one_line(lines[0], 120)}{more})"


def c_notes(errors: list[str], warnings_: list[str]) -> list[str]:
    """Notes of C-level decoder messages that did not stop the load."""
    return ([f"decoder reported: {one_line(line, 120)}" for line in errors]
            + [f"decoder warned: {one_line(line, 120)}" for line in warnings_])

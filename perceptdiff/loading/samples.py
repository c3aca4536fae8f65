"""Sample arrays shared by array and Pillow inputs: float checks, colour keys, channel expansion.

Samples are ``(H, W, C)`` with C = 1 (grey), 2 (grey + alpha), 3 (RGB) or
4 (RGBA), dtype ``uint8``, ``uint16`` or ``float32``; :func:`expand_channels`
makes them the ``(H, W, 4)`` RGBA an :class:`~perceptdiff.image.Image` holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ImageLoadError
from ..image import full_scale

__all__ = ["FLOAT_CLIP_TOLERANCE", "key_alpha", "float_samples", "expand_channels"]

#: Float samples this far outside [0, 1] are clipped (with a note); further
#: out the data is rejected as not being [0, 1]-scaled.
FLOAT_CLIP_TOLERANCE = 0.05


def key_alpha(samples: np.ndarray, key: Sequence[int], full: int) -> np.ndarray:
    """Add alpha: 0 where every channel equals ``key`` (PNG tRNS), else full."""
    match = np.all(samples == np.asarray(key, samples.dtype), axis=-1)
    alpha = np.where(match, 0, full).astype(samples.dtype)
    return np.concatenate([samples, alpha[..., None]], axis=-1)


def float_samples(values: np.ndarray, name: str, notes: list[str]) -> np.ndarray:
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


def expand_channels(samples: np.ndarray) -> np.ndarray:
    """``(H, W, C)`` grey / grey+alpha / RGB / RGBA samples to ``(H, W, 4)``."""
    channels = samples.shape[2]
    if channels == 4:
        return samples
    dtype = samples.dtype
    full = full_scale(dtype)
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

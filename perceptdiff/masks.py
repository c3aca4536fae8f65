"""Where to compare: a mask image and rectangles with their own rules, as one weight per pixel.

A weight ``w`` multiplies the visibility of a change before the verdict (at
the pixels its visibility spreads to: :func:`weigh`), which is the same as
dividing every threshold of the rule there by ``w``:

* a mask image (``mask``) gives ``w`` = its grey level (``0`` black .. ``1``
  white; BT.601 luma of the codes, times alpha), so white compares as usual,
  black is not compared and mid-grey lets a difference count half;
* a rectangle ``x,y,w,h:ignore`` sets ``w = 0`` inside it;
  ``x,y,w,h:jnd=X`` sets ``w = jnd_threshold / X``, so the threshold there
  is X (and the "strong" limit, 4 × threshold by default, is 4·X);
  rectangles are applied after the mask, in order, later ones winning.

Pixels of weight 0 are *ignored*: the actual image takes the expected
image's pixels there before the metric runs (as ``ignore`` rectangles do),
so the eye model's filters see no edge at the mask's border, and the diff
picture hatches them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .image import Image
from .optionspec import RegionRule
from .resample import match_dtypes

__all__ = ["mask_weights", "threshold_weights", "copy_ignored", "weigh"]

#: BT.601 luma weights of R, G, B codes (the grey of a mask drawn in colour).
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def mask_weights(mask: Image) -> np.ndarray:
    """``(H, W)`` float32 in [0, 1]: a mask image's grey level times its alpha."""
    px = mask.pixels
    scale = np.float32(1.0 / mask.full_scale)
    grey = (px[..., :3].astype(np.float32) @ _LUMA) * scale
    alpha = px[..., 3].astype(np.float32) * scale
    return np.clip(grey * alpha, 0.0, 1.0).astype(np.float32)


def threshold_weights(shape: tuple[int, int], jnd_threshold: float, *,
                      mask: np.ndarray | None = None,
                      rules: Sequence[RegionRule] = ()) -> np.ndarray | None:
    """The weight of every pixel of a frame of ``shape`` ``(H, W)``; None when all are 1.

    ``mask`` is :func:`mask_weights` of the mask image (same shape), ``rules``
    the rectangles, clipped to the frame.
    """
    if mask is None and not rules:
        return None
    w = np.ones(shape, np.float32) if mask is None else np.array(mask, np.float32)
    h_, w_ = shape
    for r in rules:
        x1, y1 = min(r.x + r.width, w_), min(r.y + r.height, h_)
        if r.x >= x1 or r.y >= y1:
            continue
        w[r.y:y1, r.x:x1] = 0.0 if r.ignore else np.float32(jnd_threshold / float(r.jnd or jnd_threshold))
    return w


def copy_ignored(expected: Image, actual: Image, weights: np.ndarray) -> Image:
    """``actual`` with ``expected``'s pixels where the weight is 0 (nothing to compare there)."""
    ignored = weights <= 0
    if not ignored.any():
        return actual
    a, b = match_dtypes(expected, actual)
    px = np.array(b.pixels)
    px[ignored] = a.pixels[ignored]
    return Image.from_pixels(px, b.source, b.notes)


def weigh(jnd: np.ndarray, offset: tuple[int, int], weights: np.ndarray,
          changed: np.ndarray | None = None) -> np.ndarray:
    """A visibility map over a box at ``offset``, each pixel times the weight of its change (a new array).

    Visibility spreads a few pixels (up to a few tens) beyond a change
    through the eye model's filters, so a pixel's visibility is weighed by
    the weight at the *changed pixel nearest to it* (``changed``: boolean,
    same box), the change it most likely comes from: a ``jnd=X`` rectangle
    drawn around a clock then covers the clock's halo too, and a change
    outside the rectangle keeps its own weight.  Without changed pixels
    each pixel takes its own weight.
    """
    y, x = offset
    h, w = jnd.shape
    local = weights[y:y + h, x:x + w]
    if changed is not None and changed.any() and not np.all(local == local.flat[0]):
        from scipy import ndimage

        _, (iy, ix) = ndimage.distance_transform_edt(~changed, return_indices=True)
        local = local[iy, ix]
    return (jnd * local).astype(np.float32)

"""Whole diff pictures: panels laid out with the legend, the uncompared case, the PNG file."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from ..errors import PerceptdiffError
from ..fileio import atomic_write_bytes
from ..png import PICTURE_LEVEL, encode_png
from .legend import Strip, fit
from .overlay import draw_regions, flatten, paint_overlay, zoom, zoom_factor
from .palette import SEPARATOR, TEXT, VERDICT_COLORS

__all__ = ["STYLES", "render_diff", "write_diff"]

#: Accepted values of ``style``.
STYLES = ("overlay", "sidebyside")


def _legend_scale(width: int) -> int:
    return max(1, int(round(width / 1000.0)))


def _hcat(panels: Sequence[np.ndarray], sep: int, header: Sequence[str] | None,
          scale: int) -> np.ndarray:
    """Panels side by side (top-aligned) with separators and optional labels."""
    h = max(p.shape[0] for p in panels)
    width = sum(p.shape[1] for p in panels) + sep * (len(panels) - 1)
    out = np.empty((h, width, 3), dtype=np.uint8)
    out[:] = SEPARATOR
    x = 0
    for p in panels:
        out[:p.shape[0], x:x + p.shape[1]] = p
        x += p.shape[1] + sep
    if header is None:
        return out
    strip = Strip(width, scale)
    im = PILImage.new("RGB", (width, strip.line_h + strip.pad), SEPARATOR)
    d = ImageDraw.Draw(im)
    x = 0
    for p, label in zip(panels, header):
        d.text((x + strip.pad, strip.pad // 2), fit(strip.font, label, p.shape[1] - strip.pad),
               font=strip.font, fill=(255, 255, 255))
        x += p.shape[1] + sep
    return np.concatenate([np.asarray(im), out], axis=0)


def _vcat(top: np.ndarray, bottom: np.ndarray, rule: int) -> np.ndarray:
    """``top`` above ``bottom`` with a separator line; widths padded to match."""
    w = max(top.shape[1], bottom.shape[1])
    parts = []
    for arr in (top, bottom):
        if arr.shape[1] < w:
            pad = np.empty((arr.shape[0], w - arr.shape[1], 3), dtype=np.uint8)
            pad[:] = SEPARATOR
            arr = np.concatenate([arr, pad], axis=1)
        parts.append(arr)
    line = np.empty((rule, w, 3), dtype=np.uint8)
    line[:] = SEPARATOR
    return np.concatenate([parts[0], line, parts[1]], axis=0)


_MIN_LEGEND_WIDTH = 360


def render_diff(result: Any, style: str = "overlay") -> np.ndarray:
    """Draw the diff image of a comparison.

    Parameters
    ----------
    result : perceptdiff.ComparisonResult
        The outcome of :func:`perceptdiff.compare`.
    style : {"overlay", "sidebyside"}
        See the module documentation.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` uint8 sRGB picture.  For ``overlay`` the image area is
        the compared frame (enlarged by :func:`zoom_factor` when small) with
        the legend strip below; ``sidebyside`` holds three such panels.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        Unknown style, or a result whose map does not match its images.
    """
    if style not in STYLES:
        raise PerceptdiffError(f"diff style {style!r}: expected one of {', '.join(STYLES)}")
    exp, act = result.expected_image, result.actual_image
    jnd = result.jnd_map
    if jnd is None or exp is None or act is None:
        return _render_uncompared(result)
    if exp.pixels.shape[:2] != jnd.shape or act.pixels.shape[:2] != jnd.shape:
        raise PerceptdiffError(
            f"cannot draw the diff: visibility map {jnd.shape[1]}x{jnd.shape[0]} does not match "
            f"the images {exp.width}x{exp.height} and {act.width}x{act.height}")
    threshold = float(result.options.get("jnd_threshold", 1.0) or 1.0)
    ignore = result.options.get("ignore") or ()
    forgiven = result.forgiven_mask
    has_forgiven = forgiven is not None and bool(forgiven.any())

    k = zoom_factor(exp.width, exp.height)
    square = max(1, round(8 / k))  # checkerboard squares of about 8 output pixels
    rgb_exp = flatten(exp, square)
    overlay = paint_overlay(rgb_exp, jnd, threshold, forgiven if has_forgiven else None, ignore)
    overlay = zoom(overlay, k)
    total_w = overlay.shape[1] if style == "overlay" else 3 * overlay.shape[1]
    s = _legend_scale(total_w)
    draw_regions(overlay, result.regions, k, s)
    if style == "overlay":
        body = overlay
    else:
        panels = []
        failing = [r for r in result.regions if r.failing]
        for img_rgb in (rgb_exp, flatten(act, square)):
            p = np.ascontiguousarray(zoom(img_rgb, k))
            draw_regions(p, failing, k, s)  # originals: failing regions only, less clutter
            panels.append(p)
        panels.append(overlay)
        body = _hcat(panels, 3 * s, ("expected", "actual", "diff"), s)
    width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
    legend = Strip(width, s).legend(
        result.summary(), result.verdict, threshold, forgiven=has_forgiven,
        failing=any(r.failing for r in result.regions),
        passing=any(not r.failing for r in result.regions), ignored=bool(ignore))
    return _vcat(body, legend, s)


def _render_uncompared(result: Any) -> np.ndarray:
    """expected | actual with a caption: sizes differ, or nothing was decoded."""
    exp, act = result.expected_image, result.actual_image
    (ew, eh), (aw, ah) = result.expected_size, result.actual_size
    if exp is None or act is None:
        # Byte-identical files are not decoded: there is nothing to draw but
        # the verdict.  Show a blank frame of the image's size.
        k = zoom_factor(ew, eh)
        body = np.full((max(eh, 1) * k, max(ew, 1) * k, 3), 250, dtype=np.uint8)
        s = _legend_scale(body.shape[1])
        width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
        cap = Strip(width, s).caption([
            (result.summary(), VERDICT_COLORS.get(result.verdict, TEXT)),
            ("the files are identical: there is no difference to show", TEXT)])
        return _vcat(body, cap, s)
    k = min(zoom_factor(exp.width, exp.height), zoom_factor(act.width, act.height))
    square = max(1, round(8 / k))
    panels = [np.ascontiguousarray(zoom(flatten(im, square), k)) for im in (exp, act)]
    s = _legend_scale(sum(p.shape[1] for p in panels))
    body = _hcat(panels, 3 * s, (f"expected {ew}x{eh}", f"actual {aw}x{ah}"), s)
    width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
    cap = Strip(width, s).caption([
        (result.summary(), VERDICT_COLORS.get(result.verdict, TEXT)),
        (f"not compared: expected is {ew}x{eh}, actual is {aw}x{ah}; both shown as they are",
         TEXT)])
    return _vcat(body, cap, s)


def write_diff(result: Any, path: str | os.PathLike[str], style: str = "overlay") -> None:
    """Render the diff image and write it as a PNG, atomically.

    Missing parent folders are created; an existing file is replaced.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        Unknown style, a name not ending in ``.png`` (the picture is always
        PNG; writing it under another extension would mislabel it), or the
        file cannot be written (the message names the path and the reason).
    """
    dest = os.fspath(path)
    if os.path.isdir(dest):
        raise PerceptdiffError(f"{dest}: is a folder; give a file name for the diff image")
    if not dest.lower().endswith(".png"):
        raise PerceptdiffError(f"{dest}: the diff image is a PNG; give a file name ending in .png")
    data = encode_png(render_diff(result, style), compress_level=PICTURE_LEVEL)
    atomic_write_bytes(dest, data)

"""Whole diff pictures: panels laid out with the legend, the uncompared case, the PNG file.

The picture is bounded by the compared pixels, never by its own layout:
panels are 1:1 (small images enlarged at most 8x, up to 256 px), a panel
more than :data:`WRAP_ASPECT` times longer than it is wide is wrapped into
rows (or columns) of about a 2:1 picture, and the legend's text grows with
the picture only up to :data:`MAX_LEGEND_SCALE`.  So the picture holds at
most about three times the compared pixels (``sidebyside``) plus a legend
whose height does not depend on the image.
"""

from __future__ import annotations

import math
import os
from typing import Any, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from ..errors import PerceptdiffError
from ..fileio import atomic_write_bytes
from ..image import Image
from ..png import PICTURE_LEVEL, encode_png
from .legend import Strip, draw_text, fit, text_width
from .overlay import (boxes_to_draw, draw_labels, draw_regions, flatten, paint_mask, paint_overlay, zoom,
                      zoom_factor)
from .palette import SEPARATOR, TEXT, VERDICT_COLORS

__all__ = ["STYLES", "BASES", "render_diff", "write_diff", "images_for_picture", "wrap_panel", "MAX_LEGEND_SCALE",
           "WRAP_ASPECT"]

#: Accepted values of ``style``: the faded image with marks, expected | actual | diff,
#: or only the visibly different pixels on transparency (no legend, frame-sized).
STYLES = ("overlay", "sidebyside", "mask")
#: Accepted values of ``base``: which image the overlay shows, faded, under the marks.
BASES = ("expected", "actual")

#: Largest scale of the legend's text (11 px font at 1; 4 is legible on an
#: 8K picture fitted to a screen).  Scaling with the width alone made a
#: 60000x1 pair's legend 60 times taller than the image (181080x14941 px).
MAX_LEGEND_SCALE = 4
#: A panel whose longer side exceeds this many times its shorter side (and
#: :data:`WRAP_MIN_LENGTH`) is wrapped into rows or columns.
WRAP_ASPECT = 16
#: Panels shorter than this on their longer side are never wrapped.
WRAP_MIN_LENGTH = 2048
#: Width:height aimed at when wrapping.
WRAP_TARGET = 2.0
_MIN_LEGEND_WIDTH = 360


def _legend_scale(width: int) -> int:
    return max(1, min(MAX_LEGEND_SCALE, int(round(width / 1000.0))))


def wrap_panel(panel: np.ndarray, sep: int) -> np.ndarray:
    """``panel`` cut along its longer side into rows (or columns) with ``sep``-px separators.

    Only panels longer than :data:`WRAP_ASPECT` times their width (and than
    :data:`WRAP_MIN_LENGTH`) are cut; the number of pieces makes the result
    about :data:`WRAP_TARGET` wide for 1 high.
    """
    h, w = panel.shape[:2]
    if w >= h:
        if w <= WRAP_ASPECT * h or w <= WRAP_MIN_LENGTH:
            return panel
        pieces = max(2, int(math.ceil(math.sqrt(w / (WRAP_TARGET * (h + sep))))))
        step = int(math.ceil(w / pieces))
        out = np.empty((pieces * (h + sep) - sep, step, 3), np.uint8)
        out[:] = SEPARATOR
        for i in range(pieces):
            part = panel[:, i * step:(i + 1) * step]
            out[i * (h + sep):i * (h + sep) + h, :part.shape[1]] = part
        return out
    return np.ascontiguousarray(wrap_panel(panel.transpose(1, 0, 2), sep).transpose(1, 0, 2))


def _hcat(panels: Sequence[np.ndarray], sep: int, header: Sequence[str] | None,
          scale: int) -> np.ndarray:
    """Panels side by side (top-aligned) with separators and optional labels.

    A panel narrower than its label is widened (with the separator colour) to hold it.
    """
    if header is not None:
        font = Strip(1, scale).font
        widened = []
        for p, label in zip(panels, header):
            need = text_width(font, label) + 2 * Strip(1, scale).pad
            if p.shape[1] < need:
                wide = np.empty((p.shape[0], need, 3), np.uint8)
                wide[:] = SEPARATOR
                wide[:, :p.shape[1]] = p
                p = wide
            widened.append(p)
        panels = widened
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
        draw_text(d, (x + strip.pad, strip.pad // 2), fit(strip.font, label, p.shape[1] - strip.pad),
                  strip.font, (255, 255, 255))
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


def _boxes_note(regions: Sequence[Any], region_count: int) -> str | None:
    """"boxed: the 12 worst of 575 regions" when fewer boxes are drawn than there are regions."""
    drawn = len(boxes_to_draw(regions))
    if drawn >= region_count or drawn == 0:
        return None
    return f"boxed: the {drawn} worst of {region_count} regions"


def render_diff(result: Any, style: str = "overlay", *, base: str = "expected",
                color: tuple[int, int, int] | None = None,
                images: tuple[Image, Image] | None = None) -> np.ndarray:
    """Draw the diff image of a comparison.

    Parameters
    ----------
    result : perceptdiff.ComparisonResult
        The outcome of :func:`perceptdiff.compare`.
    style : {"overlay", "sidebyside", "mask"}
        See the module documentation of :mod:`perceptdiff.diffimage`.
    base : {"expected", "actual"}
        The image the overlay shows faded under the marks (``actual`` shows
        what is new).
    color : (r, g, b), optional
        Paint visibly different pixels in this one colour instead of the
        visibility ramp.
    images : (Image, Image), optional
        The decoded images, for a result that was decided from the headers
        (sizes differ) and so holds none.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` uint8 sRGB picture (``(H, W, 4)`` RGBA of the compared
        frame for ``mask``).

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        Unknown style or base, or a result whose map does not match its images.
    """
    if style not in STYLES:
        raise PerceptdiffError(f"diff style {style!r}: expected one of {', '.join(STYLES)}")
    if base not in BASES:
        raise PerceptdiffError(f"diff base {base!r}: expected one of {', '.join(BASES)}")
    exp, act = result.expected_image, result.actual_image
    if (exp is None or act is None) and images is not None:
        exp, act = images
    jnd = result.jnd_map
    threshold = float(result.options.get("jnd_threshold", 1.0) or 1.0)
    if style == "mask":
        if jnd is None:
            (ew, eh) = result.expected_size
            return np.zeros((max(eh, 1), max(ew, 1), 4), np.uint8)
        return paint_mask(jnd, threshold, color)
    if jnd is None or exp is None or act is None:
        return _render_uncompared(result, exp, act)
    if exp.pixels.shape[:2] != jnd.shape or act.pixels.shape[:2] != jnd.shape:
        raise PerceptdiffError(
            f"cannot draw the diff: visibility map {jnd.shape[1]}x{jnd.shape[0]} does not match "
            f"the images {exp.width}x{exp.height} and {act.width}x{act.height}")
    ignore = result.options.get("ignore") or ()
    ignored = getattr(result, "ignored_mask", None)
    forgiven = result.forgiven_mask
    has_forgiven = forgiven is not None and bool(forgiven.any())

    k = zoom_factor(exp.width, exp.height)
    square = max(1, round(8 / k))  # checkerboard squares of about 8 output pixels
    rgb_exp = flatten(exp, square)
    rgb_act = flatten(act, square)
    under = rgb_exp if base == "expected" else rgb_act
    overlay = paint_overlay(under, jnd, threshold, forgiven if has_forgiven else None, ignore, color,
                            ignored=ignored)
    overlay = zoom(overlay, k)
    panels_w = overlay.shape[1] if style == "overlay" else 3 * overlay.shape[1]
    s = _legend_scale(min(panels_w, 3 * max(overlay.shape[0], _MIN_LEGEND_WIDTH)))
    draw_regions(overlay, result.regions, k, s)
    draw_labels(overlay, result.regions, k, s)
    if style == "overlay":
        body = wrap_panel(overlay, s)
    else:
        panels = []
        failing = [r for r in result.regions if r.failing]
        for img_rgb in (rgb_exp, rgb_act):
            p = np.ascontiguousarray(zoom(img_rgb, k))
            draw_regions(p, failing, k, s)  # originals: failing regions only, less clutter
            panels.append(wrap_panel(p, s))
        panels.append(wrap_panel(overlay, s))
        body = _hcat(panels, 3 * s, ("expected", "actual", f"diff over {base}"), s)
    s = min(s, _legend_scale(body.shape[1]))
    width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
    legend = Strip(width, s).legend(
        result.summary(), result.verdict, threshold, forgiven=has_forgiven,
        failing=any(r.failing for r in result.regions),
        passing=any(not r.failing for r in result.regions), ignored=bool(ignore) or ignored is not None,
        color=color,
        boxes_note=_boxes_note(result.regions, result.region_count))
    return _vcat(body, legend, s)


def _render_uncompared(result: Any, exp: Image | None, act: Image | None) -> np.ndarray:
    """expected | actual with a caption: sizes differ, or nothing was decoded."""
    (ew, eh), (aw, ah) = result.expected_size, result.actual_size
    verdict_line = (result.summary(), VERDICT_COLORS.get(result.verdict, TEXT))
    if exp is None or act is None:
        # Byte-identical files are not decoded, and sizes that differ in the
        # headers are not either: draw the two frames to scale, and the verdict.
        longest = max(ew, eh, aw, ah, 1)
        unit = min(1.0, 256.0 / longest)
        boxes = []
        for w, h in ((ew, eh), (aw, ah)):
            # to scale, but at least 4 px thick so that a frame of a thin image is seen
            bw, bh = max(4, int(round(w * unit))), max(4, int(round(h * unit)))
            panel = np.full((max(bh, 1), max(bw, 1), 3), 250, np.uint8)
            panel[0, :] = panel[-1, :] = panel[:, 0] = panel[:, -1] = SEPARATOR
            boxes.append(panel)
        if result.verdict == "identical":
            body = np.full((max(eh, 1) * zoom_factor(ew, eh), max(ew, 1) * zoom_factor(ew, eh), 3),
                           250, np.uint8)
            body = wrap_panel(body, 1)
            note = "the files are identical: there is no difference to show"
        else:
            body = _hcat(boxes, 3, (f"expected {ew}x{eh}", f"actual {aw}x{ah}"), 1)
            note = (f"not compared: expected is {ew}x{eh}, actual is {aw}x{ah} (sizes read from "
                    "the files' headers; the frames are drawn to scale, at least 4 px thick)")
        s = _legend_scale(body.shape[1])
        width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
        return _vcat(body, Strip(width, s).caption([verdict_line, (note, TEXT)]), s)
    k = min(zoom_factor(exp.width, exp.height), zoom_factor(act.width, act.height))
    square = max(1, round(8 / k))
    panels = [wrap_panel(np.ascontiguousarray(zoom(flatten(im, square), k)), 1) for im in (exp, act)]
    s = _legend_scale(sum(p.shape[1] for p in panels))
    body = _hcat(panels, 3 * s, (f"expected {ew}x{eh}", f"actual {aw}x{ah}"), s)
    s = min(s, _legend_scale(body.shape[1]))
    width = max(body.shape[1], _MIN_LEGEND_WIDTH * s)
    cap = Strip(width, s).caption([
        verdict_line,
        (f"not compared: expected is {ew}x{eh}, actual is {aw}x{ah}; both shown as they are", TEXT)])
    return _vcat(body, cap, s)


def images_for_picture(result: Any, expected: Any, actual: Any,
                       options: Any = None) -> tuple[Image, Image] | None:
    """Both images, decoded for the diff picture, when the comparison decoded neither; else None.

    Sizes that differ in the headers fail without decoding, so ``result``
    holds no image; the picture shows both (:func:`render_diff`'s
    ``images``).  ``options`` are the comparison's keyword options, of which
    the load limits apply (``max_file_mb``, ``allow_truncated``).
    """
    if result.expected_image is not None or result.compared_size is not None or result.verdict != "fail":
        return None
    from ..loading import load_image
    from ..options import Options

    limit = Options.from_kwargs(**{k: v for k, v in (options or {}).items()
                                   if k in ("max_file_mb", "allow_truncated")})
    exp, act = (load_image(src, allow_truncated=limit.allow_truncated, max_file_bytes=limit.max_file_bytes)
                for src in (expected, actual))
    return exp, act


def write_diff(result: Any, path: str | os.PathLike[str], style: str = "overlay", *,
               base: str = "expected", color: tuple[int, int, int] | None = None,
               images: tuple[Image, Image] | None = None) -> None:
    """Render the diff image (:func:`render_diff`) and write it as a PNG, atomically.

    Missing parent folders are created; an existing file is replaced.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        Unknown style, a name not ending in ``.png`` (the picture is always
        PNG; writing it under another extension would mislabel it), or the
        file cannot be written (the message names the path and the reason).
    """
    dest = os.fspath(path)
    check_diff_path(dest)
    data = encode_png(render_diff(result, style, base=base, color=color, images=images),
                      compress_level=PICTURE_LEVEL)
    atomic_write_bytes(dest, data)


def check_diff_path(dest: str) -> None:
    """Raise :class:`PerceptdiffError` now for a diff path that cannot be written (before comparing)."""
    if os.path.isdir(dest):
        raise PerceptdiffError(f"{dest}: is a folder; give a file name for the diff image")
    if not dest.lower().endswith(".png"):
        raise PerceptdiffError(f"{dest}: the diff image is a PNG; give a file name ending in .png")
    from ..fileio import check_parent_folders

    check_parent_folders(dest)

"""Per-pair pictures of a report: copies a browser can show.

PNG, JPEG, GIF, WebP and BMP files are copied byte for byte (browsers
display them as they are); other formats (TIFF) are decoded by
:mod:`perceptdiff.loading` and re-encoded as 8-bit PNG for display only.
Files go into the report's private staging folder (see
:mod:`perceptdiff.report.folder`), so they are written plainly: the folder
swap at the end is the atomic step.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ImageLoadError, PerceptdiffError
from ..image import Image
from ..png import PICTURE_LEVEL, encode_display
from ..png import encode_png as encode_rgb

__all__ = ["BROWSER_EXTENSIONS", "pair_folder", "stage_image", "stage_pictures", "encode_png",
           "heatmap_png"]

#: File extensions every current browser displays natively.
BROWSER_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"})


def pair_folder(index: int) -> str:
    """Report-relative folder of the ``index``-th pair (``pairs/0007``)."""
    return f"pairs/{index:04d}"


def encode_png(image: Image) -> bytes:
    """Encode an :class:`~perceptdiff.image.Image` as an 8-bit RGBA PNG (for display).

    16-bit codes are rounded to 8 bits (``v / 257``) and float codes in [0, 1]
    scaled by 255; the sRGB encoding is kept.
    """
    return encode_display(image)


def stage_image(src: str | os.PathLike[str], staging: Path, rel_stem: str) -> str:
    """Put a browser-viewable copy of ``src`` in the report.

    Parameters
    ----------
    src : path
        The image file to show.
    staging : Path
        The report's staging folder.
    rel_stem : str
        Report-relative name without extension (``pairs/0007/actual``).

    Returns
    -------
    str
        Report-relative path of the copy (``pairs/0007/actual.png``).

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        ``src`` cannot be read or decoded, or the copy cannot be written.
    """
    ext = Path(src).suffix.lower()
    rel = rel_stem + (ext if ext in BROWSER_EXTENSIONS else ".png")
    dest = staging.joinpath(*rel.split("/"))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if ext in BROWSER_EXTENSIONS:
            shutil.copyfile(src, dest)
        else:
            from ..loading import load_image

            dest.write_bytes(encode_png(load_image(os.fspath(src))))
    except ImageLoadError:
        raise
    except OSError as exc:
        raise PerceptdiffError(f"{src}: cannot copy into the report ({exc.strerror or exc})") from None
    return rel


def heatmap_png(result: Any) -> bytes | None:
    """The report's diff picture: the visibility heatmap over the faded expected image.

    Drawn by :func:`perceptdiff.diffimage.paint_overlay` at 1:1 in the compared
    frame, without the legend strip and region outlines of ``--diff`` images:
    the page draws the region boxes itself, from the result's numbers, so
    they can be toggled and highlighted.  None when the images were not
    compared (sizes differ) or not decoded (identical files).
    """
    from ..diffimage import flatten, paint_overlay

    exp, jnd = result.expected_image, result.jnd_map
    if exp is None or jnd is None or exp.pixels.shape[:2] != jnd.shape:
        return None
    threshold = float(result.options.get("jnd_threshold", 1.0) or 1.0)
    forgiven = result.forgiven_mask
    if forgiven is not None and not forgiven.any():
        forgiven = None
    rgb = paint_overlay(flatten(exp), jnd, threshold, forgiven, result.options.get("ignore") or ())
    return encode_rgb(np.ascontiguousarray(rgb), compress_level=PICTURE_LEVEL)


def stage_pictures(staging: Path, index: int, *, expected: str | os.PathLike[str] | None = None,
                   actual: str | os.PathLike[str] | None = None,
                   diff: str | os.PathLike[str] | None = None, comparison: Any = None,
                   same: bool = False) -> tuple[dict[str, str], bool, list[str]]:
    """Put the pictures of the ``index``-th pair into the report: the one place that does.

    Parameters
    ----------
    staging : Path
        The report's staging folder.
    index : int
        Position of the pair (1-based); its pictures go to :func:`pair_folder`.
    expected, actual, diff : path, optional
        Image files to show (``diff`` as it is, unless a heatmap is drawn).
    comparison : perceptdiff.ComparisonResult, optional
        When given, its visibility heatmap is drawn in the compared frame
        (:func:`heatmap_png`) and replaces ``diff``.
    same : bool
        The two images are identical: the expected copy also shows as actual.

    Returns
    -------
    images : dict
        Report-relative paths by kind (``expected``, ``actual``, ``diff``).
    framed : bool
        ``images["diff"]`` is the heatmap drawn in the compared frame.
    notes : list of str
        Why a picture is not shown (unreadable file, heatmap failure).
    """
    base = pair_folder(index)
    images: dict[str, str] = {}
    notes: list[str] = []
    framed = False
    if comparison is not None:
        try:
            data = heatmap_png(comparison)
        except Exception as exc:  # the numbers matter more than the picture
            data = None
            notes.append(f"heatmap not drawn: {exc}")
        if data is not None:
            rel = f"{base}/diff.png"
            dest = staging.joinpath(*rel.split("/"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            images["diff"], framed = rel, True
    for kind, src in (("expected", expected), ("actual", actual), ("diff", diff)):
        if src is None or kind in images:
            continue
        if kind == "actual" and same and "expected" in images:
            images["actual"] = images["expected"]
            continue
        try:
            images[kind] = stage_image(src, staging, f"{base}/{kind}")
        except PerceptdiffError as exc:
            notes.append(f"{kind} image not shown: {exc}")
    return images, framed, notes

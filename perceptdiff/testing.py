"""Assertions for test suites: :func:`assert_images_similar` and its helpers.

>>> from perceptdiff.testing import assert_images_similar
>>> assert_images_similar("out/chart.png", "expected/chart.png", viewing="laptop")  # doctest: +SKIP

On a visible difference the assertion raises :class:`AssertionError` whose
message gives the verdict, the numbers behind it, the regions, and the paths
of the expected, actual and diff images it saved.  Inside pytest with the
perceptdiff plugin active, the suite-wide options (``--perceptdiff-*`` flags,
``perceptdiff_*`` ini keys, ``@pytest.mark.perceptdiff``) apply and the images
go to the plugin's results folder; elsewhere they go to ``results_dir`` (default
``.perceptdiff-results`` in the working directory).

The helpers here are shared with the pytest plugin's snapshot fixture:
:func:`to_image` (anything :func:`perceptdiff.compare` accepts, plus
matplotlib figures), :func:`encode_png` (decoded pixels to a lossless PNG),
:func:`write_artifacts` and :func:`describe_result`.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import os
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .engine import compare_verdict_first
from .errors import PerceptdiffError
from .fileio import atomic_write_bytes
from .image import Image
from .loading import load_image
from .png import encode_lossless as encode_png
from .result import ComparisonResult

__all__ = [
    "assert_images_similar",
    "to_image",
    "figure_to_png",
    "encode_png",
    "write_artifacts",
    "describe_result",
    "DEFAULT_FIGURE_DPI",
]

#: Resolution at which matplotlib figures are rendered unless ``dpi=`` is given.
#: Fixed (rather than the figure's or rcParams' value) so that a baseline does
#: not change size when somebody's matplotlibrc does.
DEFAULT_FIGURE_DPI = 100

#: Regions listed in a failure message (the rest are counted).
MAX_REGIONS_SHOWN = 5

_counter = itertools.count(1)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def _is_figure(obj: Any) -> bool:
    """Duck-typed: anything with ``savefig`` (matplotlib Figure, seaborn grids)."""
    if isinstance(obj, (str, bytes, bytearray, os.PathLike, np.ndarray, Image)):
        return False
    return callable(getattr(obj, "savefig", None))


def figure_to_png(figure: Any, dpi: float | None = None) -> bytes:
    """Render a matplotlib figure (or anything with ``savefig``) to PNG bytes.

    Parameters
    ----------
    figure
        A :class:`matplotlib.figure.Figure`, or an object whose ``savefig``
        takes the same arguments.
    dpi : float, optional
        Resolution; default :data:`DEFAULT_FIGURE_DPI`.

    Notes
    -----
    The ``Software`` metadata entry (which names the matplotlib version) is
    left out so that the bytes depend on the pixels only.
    """
    buf = io.BytesIO()
    try:
        figure.savefig(buf, format="png", dpi=dpi or DEFAULT_FIGURE_DPI,
                       metadata={"Software": None})
    except PerceptdiffError:
        raise
    except Exception as exc:
        raise PerceptdiffError(
            f"cannot render {type(figure).__name__} to PNG: {type(exc).__name__}: {exc}"
        ) from exc
    return buf.getvalue()


def to_image(obj: Any, *, dpi: float | None = None, capture: Mapping[str, Any] | None = None) -> Image:
    """Decode anything :func:`perceptdiff.compare` accepts, a figure, or a Playwright page.

    Parameters
    ----------
    obj
        A path, encoded ``bytes``, a PIL image, a numpy array, an
        :class:`~perceptdiff.Image`, a matplotlib figure (rendered at
        ``dpi``), or a Playwright ``Page`` or ``Locator`` (screenshotted as
        ``toHaveScreenshot`` does: :mod:`perceptdiff.screenshot`).
    dpi : float, optional
        Resolution for figures (default :data:`DEFAULT_FIGURE_DPI`).
    capture : mapping, optional
        Screenshot options for a Playwright object (``mask``, ``full_page`` ...:
        :data:`perceptdiff.screenshot.CAPTURE_OPTIONS`); refused for anything else.

    Raises
    ------
    perceptdiff.errors.ImageLoadError
        The object cannot be decoded.
    perceptdiff.errors.OptionError
        Screenshot options for something that is no page.
    """
    from .screenshot import capture as screenshot, is_playwright, refuse_capture_options

    if is_playwright(obj):
        img = load_image(screenshot(obj, **dict(capture or {})))
        return dataclasses.replace(img, source=f"<{type(obj).__name__}>")
    refuse_capture_options(capture or {}, obj)
    if _is_figure(obj):
        img = load_image(figure_to_png(obj, dpi))
        return dataclasses.replace(img, source=f"<{type(obj).__name__}>")
    return load_image(obj)


# ---------------------------------------------------------------------------
# Failure artifacts and messages
# ---------------------------------------------------------------------------

def write_artifacts(base: str | os.PathLike[str], *, expected: Image | None = None,
                    actual: Image | None = None, result: ComparisonResult | None = None,
                    diff_style: str = "overlay") -> tuple[dict[str, Path], list[str]]:
    """Save the images a person needs to review a failure.

    Writes ``<base>.expected.png``, ``<base>.actual.png`` and, when the images
    were compared, ``<base>.diff.png`` (:func:`perceptdiff.diffimage.write_diff`).
    Every write is atomic.

    Returns
    -------
    files : dict
        ``{"expected": path, "actual": path, "diff": path}`` for the files written.
    problems : list of str
        Why a file could not be written (the caller still reports the verdict).
    """
    stem = Path(base)
    files: dict[str, Path] = {}
    problems: list[str] = []
    for label, img in (("expected", expected), ("actual", actual)):
        if img is None:
            continue
        path = stem.with_name(f"{stem.name}.{label}.png")
        try:
            atomic_write_bytes(path, encode_png(img))
            files[label] = path
        except PerceptdiffError as exc:
            problems.append(f"{label} image not written: {exc}")
    if result is not None and result.compared_size is not None:
        path = stem.with_name(f"{stem.name}.diff.png")
        try:
            from .diffimage import write_diff

            write_diff(result, path, style=diff_style)
            files["diff"] = path
        except Exception as exc:  # the verdict matters more than the picture
            problems.append(f"diff image not written: {type(exc).__name__}: {exc}")
    return files, problems


def _fmt(v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"


def describe_result(result: ComparisonResult, *, max_regions: int = MAX_REGIONS_SHOWN) -> list[str]:
    """Lines explaining a verdict: the reason, the numbers, the regions."""
    lines = [result.summary()]
    if result.compared_size is not None and result.verdict != "identical":
        w, h = result.compared_size
        lines.append(
            f"peak {_fmt(result.peak_jnd)} JND (99.9th percentile {_fmt(result.p999_jnd)}), "
            f"{result.visible_pixels} px visibly different ({result.visible_area_deg2:.3g} deg², "
            f"{100 * result.visible_ratio:.3g}% of {w}x{h}), {result.forgiven_pixels} px forgiven "
            f"as anti-aliasing, {result.region_count} region(s)")
    else:
        (ew, eh), (aw, ah) = result.expected_size, result.actual_size
        lines.append(f"expected {ew}x{eh}, actual {aw}x{ah}")
    for i, r in enumerate(result.regions[:max_regions], 1):
        flag = "  <- fails" if r.failing else ""
        changed = f"{r.changed_pixels} px changed, " if r.changed_pixels is not None else ""
        lines.append(f"region {i}: x={r.x} y={r.y} {r.width}x{r.height}, {r.kind_words}, "
                     f"{changed}visible over {r.visible_pixels} px "
                     f"({r.area_deg2:.3g} deg²), peak {_fmt(r.peak_jnd)} JND{flag}")
    hidden = result.region_count - min(len(result.regions), max_regions)
    if hidden > 0:
        lines.append(f"... and {hidden} more region(s)")
    lines.append(f"metric {result.metric} {result.metric_version} at "
                 f"{result.pixels_per_degree:.3g} pixels per degree")
    for note in result.notes:
        lines.append(f"note: {note}")
    return lines


def _display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith(".." + os.sep) else str(path)


def format_files(files: Mapping[str, Path], problems: Sequence[str] = ()) -> list[str]:
    """``label: path`` lines for the artifacts, the diff first, aligned."""
    order = {"diff": 0, "actual": 1, "expected": 2}
    labels = sorted(files, key=lambda k: order.get(k, 3))
    out = [f"{label + ':':<9} {_display_path(files[label])}" for label in labels]
    out.extend(problems)
    return out


# ---------------------------------------------------------------------------
# The assertion
# ---------------------------------------------------------------------------

def _plugin_context() -> Any:
    """The pytest plugin's context for the running test, if the plugin is active.

    Looked up through ``sys.modules`` so that the core package never imports
    the plugin (nor pytest).
    """
    module = sys.modules.get("pytest_perceptdiff.context")
    return module.current() if module is not None else None


def assert_images_similar(actual: Any, expected: Any, *, name: str | None = None,
                          results_dir: str | os.PathLike[str] | None = None,
                          **options: Any) -> ComparisonResult:
    """Assert that ``actual`` shows no visible difference from ``expected``.

    Parameters
    ----------
    actual, expected
        Paths, encoded ``bytes``, PIL images, numpy arrays,
        :class:`~perceptdiff.Image` or matplotlib figures.
    name : str, optional
        Names the saved artifacts (default: ``images-<n>``).
    results_dir : path, optional
        Where to save the artifacts of a failure.  Default: the pytest
        plugin's results folder (``--perceptdiff-results``) inside pytest,
        ``.perceptdiff-results`` in the working directory elsewhere.
    **options
        Options of :func:`perceptdiff.compare` (``ppd``, ``viewing``,
        ``jnd_threshold``, ``max_pixels``, ``max_ratio``, ``ignore``,
        ``metric`` ...), plus ``dpi`` for figures, ``diff_style``
        (``"overlay"`` or ``"sidebyside"``) and, for a Playwright page, the
        screenshot options ``mask``, ``full_page`` ...  Inside pytest they
        override the plugin's flags, ini keys and ``@pytest.mark.perceptdiff``.

    Returns
    -------
    ComparisonResult
        The result, when the images look the same.

    Raises
    ------
    AssertionError
        The images differ visibly; the message gives the verdict, its numbers,
        the regions and the paths of the saved images.
    perceptdiff.errors.PerceptdiffError
        An image cannot be read, or an option is invalid.
    """
    __tracebackhide__ = True
    ctx = _plugin_context()
    opts = ctx.compare_options(options) if ctx is not None else dict(options)
    dpi = opts.pop("dpi", None)
    diff_style = opts.pop("diff_style", "overlay")
    from .screenshot import is_playwright, refuse_capture_options, split_capture_options

    shot, opts = split_capture_options(opts)
    if not (is_playwright(actual) or is_playwright(expected)):
        refuse_capture_options(shot, actual)
    act = to_image(actual, dpi=dpi, capture=shot if is_playwright(actual) else None)
    exp = to_image(expected, dpi=dpi, capture=shot if is_playwright(expected) else None)
    result = compare_verdict_first(exp, act, **opts)
    if result.passed:
        return result

    if ctx is not None and results_dir is None:
        base = ctx.artifact_base(name)
    else:
        from_dir = Path(results_dir) if results_dir is not None else Path(".perceptdiff-results")
        label = name if name is not None else f"images-{next(_counter)}"
        base = from_dir / _safe_label(label)
    files, problems = write_artifacts(base, expected=exp, actual=act, result=result,
                                      diff_style=diff_style)
    lines = describe_result(result)
    message = "images differ visibly: " + lines[0] + "".join(
        "\n  " + line for line in format_files(files, problems) + lines[1:])
    if ctx is not None:
        ctx.record("failed", label=name or "assert_images_similar", summary=result.summary(),
                   files=files, result=result)
    raise AssertionError(message)


def _safe_label(text: str) -> str:
    import re

    s = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")
    return s[:100] or "images"

"""`compare()`: load two images, settle the easy cases, run a metric, decide.

Order of work (cheapest first):

1. identical file bytes -> IDENTICAL without decoding the pixels;
2. decode (:mod:`perceptdiff.loading`);
3. different sizes -> FAIL naming both, unless ``resize`` or ``pad``;
4. ignore rectangles (the actual image takes the expected image's pixels there);
5. identical decoded pixels -> IDENTICAL; equal once colour under full
   transparency is discarded -> PASS with an all-zero map;
6. the metric's visibility map, then the verdict rule (:mod:`perceptdiff.verdict`).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ._version import __version__ as _pkg_version
from . import loading, resample, verdict
from .image import Image
from .metrics import get_metric
from .options import Options
from .optionspec import refuse_unsupported
from .result import ComparisonResult, MapStore

__all__ = ["compare", "compare_images"]


def compare(expected: Any, actual: Any, **options: Any) -> ComparisonResult:
    """Decide whether two images differ visibly.

    Parameters
    ----------
    expected, actual
        Paths (str or os.PathLike), encoded file ``bytes``, PIL images, numpy
        arrays (uint8, uint16, or float in [0, 1]; ``(H, W)``, ``(H, W, 3)`` or
        ``(H, W, 4)``) or :class:`perceptdiff.Image`.
    **options
        Fields of :class:`perceptdiff.Options` (``ppd``, ``viewing``,
        ``jnd_threshold``, ``max_pixels``, ``max_ratio``, ``ignore``,
        ``resize``, ``pad``, ``background``, ``antialiasing``, ``metric``);
        any other keyword is an option of the chosen metric (for
        ``metric="yee"``: ``fov``, ``threshold``, ``gamma`` ...).

    Returns
    -------
    ComparisonResult

    Raises
    ------
    perceptdiff.errors.ImageLoadError
        An input cannot be read or decoded (``ImageTooLargeError`` when it
        exceeds the decompression-bomb limit).
    perceptdiff.errors.OptionError
        An option is out of range.
    """
    opts = options.pop("options", None)
    if opts is None:
        opts = Options.from_kwargs(**options)
    elif options:
        opts = opts.replace(**options)
    metric = get_metric(opts.metric)
    refuse_unsupported(opts, metric)
    mopts = metric.validate(opts.metric_options)

    t0 = time.perf_counter()
    same = loading.identical_sources(expected, actual)
    if same is not None:
        w, h = same
        ppd = metric.pixels_per_degree(opts, mopts, w, h)
        return _zero_result("identical", "the files are byte-for-byte identical", metric, opts, mopts,
                            (w, h), ppd, None, None, {"decode": time.perf_counter() - t0},
                            sources=(loading.source_name(expected), loading.source_name(actual)))
    img_a, img_b = _load_pair(expected, actual, getattr(metric, "color_managed", True))
    t_decode = time.perf_counter() - t0
    return compare_images(img_a, img_b, opts, _decode_time=t_decode, _t0=t0)


def _load_pair(expected: Any, actual: Any, color_management: bool = True) -> tuple[Image, Image]:
    """Decode both inputs; files are decoded in two threads (Pillow's decoders release the GIL).

    ``color_management=False`` (metrics that model a tool without it, such as
    Yee's) keeps embedded ICC profiles from being applied.
    """
    def load(src: Any) -> Image:
        return loading.load_image(src, color_management=color_management)

    if not (isinstance(expected, (str, os.PathLike, bytes, bytearray, memoryview))
            and isinstance(actual, (str, os.PathLike, bytes, bytearray, memoryview))):
        return load(expected), load(actual)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="perceptdiff-load") as pool:
        fa = pool.submit(load, expected)
        fb = pool.submit(load, actual)
        return fa.result(), fb.result()


def compare_images(expected: Image, actual: Image, options: Options | None = None, *,
                   _decode_time: float = 0.0, _t0: float | None = None) -> ComparisonResult:
    """Compare two decoded images (see :func:`compare`)."""
    t0 = time.perf_counter() if _t0 is None else _t0
    t1 = time.perf_counter()
    opts = options or Options()
    metric = get_metric(opts.metric)
    refuse_unsupported(opts, metric)
    mopts = metric.validate(opts.metric_options)
    notes = tuple(expected.notes) + tuple(n for n in actual.notes if n not in expected.notes)
    sizes = (expected.size, actual.size)

    a, b = expected, actual
    if a.size != b.size:
        if opts.resize:
            a, b = resample.resize_pair(a, b)
            notes += (f"resized to {a.width}x{a.height} (area average in linear light)",)
        elif opts.pad:
            a, b = resample.pad_pair(a, b)
            notes += (f"padded to {a.width}x{a.height} with transparency",)
        else:
            ppd = metric.pixels_per_degree(opts, mopts, expected.width, expected.height)
            timings = {"decode": _decode_time, "compare": time.perf_counter() - t1,
                       "total": time.perf_counter() - t0}
            return ComparisonResult(
                verdict="fail",
                reason=(f"size differs: {expected.width}x{expected.height} vs "
                        f"{actual.width}x{actual.height} (use resize or pad to compare anyway)"),
                metric=metric.name, metric_version=metric.version,
                expected_size=sizes[0], actual_size=sizes[1], compared_size=None,
                pixels_per_degree=ppd, peak_jnd=None, p999_jnd=None,
                visible_pixels=0, visible_area_deg2=0.0, visible_ratio=0.0,
                regions=(), region_count=0, forgiven_pixels=0,
                options=_options_dict(opts, mopts, ppd), timings=timings, notes=notes,
                expected_image=expected, actual_image=actual, sources=_sources(expected, actual),
            )

    if opts.ignore:
        b = resample.apply_ignore(a, b, opts.ignore)
    ppd = metric.pixels_per_degree(opts, mopts, a.width, a.height)

    if a.pixels.dtype == b.pixels.dtype and np.array_equal(a.pixels, b.pixels):
        timings = {"decode": _decode_time, "compare": time.perf_counter() - t1}
        if a is expected and b is actual:
            return _zero_result("identical", "the decoded pixels are identical", metric, opts, mopts,
                                a.size, ppd, expected, actual, timings, notes, sizes, t0)
        why = "no difference outside the ignored regions" if opts.ignore else "no difference"
        return _zero_result("pass", why, metric, opts, mopts, a.size, ppd, expected, actual,
                            timings, notes, sizes, t0)
    if resample.equal_where_visible(a, b):
        timings = {"decode": _decode_time, "compare": time.perf_counter() - t1}
        return _zero_result("pass", "the images differ only in colour under full transparency",
                            metric, opts, mopts, a.size, ppd, expected, actual, timings, notes, sizes, t0)

    out = metric.compute(a, b, opts, mopts, ppd)
    rule = metric.verdict_rule(opts, mopts)
    shape = (a.height, a.width)
    decision = verdict.decide(out.jnd, out.offset, shape, ppd, opts.jnd_threshold, rule,
                              forgiven=out.forgiven, changed=out.changed)
    timings = {"decode": _decode_time, "compare": time.perf_counter() - t1,
               "total": time.perf_counter() - t0}
    return ComparisonResult(
        verdict=decision.verdict, reason=decision.reason,
        metric=metric.name, metric_version=metric.version,
        expected_size=sizes[0], actual_size=sizes[1], compared_size=a.size,
        pixels_per_degree=ppd, peak_jnd=decision.peak_jnd, p999_jnd=decision.p999_jnd,
        visible_pixels=decision.visible_pixels, visible_area_deg2=decision.visible_area_deg2,
        visible_ratio=decision.visible_ratio, regions=decision.regions,
        region_count=decision.region_count, forgiven_pixels=decision.forgiven_pixels,
        options=_options_dict(opts, mopts, ppd), timings=timings, notes=notes,
        details=dict(out.details), expected_image=a, actual_image=b,
        sources=_sources(expected, actual),
        _jnd=MapStore(shape, out.jnd, out.offset),
        _forgiven=None if out.forgiven is None else MapStore(shape, out.forgiven, out.offset, bool),
    )


def _sources(a: Image | None, b: Image | None) -> tuple[str, str]:
    return (a.source if a is not None else "?", b.source if b is not None else "?")


def _options_dict(opts: Options, mopts: dict[str, Any], ppd: float) -> dict[str, Any]:
    d = opts.to_dict()
    d["metric_options"] = dict(mopts)
    d["pixels_per_degree"] = ppd
    d["perceptdiff_version"] = _pkg_version
    return d


def _zero_result(verdict_: str, why: str, metric: Any, opts: Options, mopts: dict[str, Any],
                 size: tuple[int, int], ppd: float, a: Image | None, b: Image | None,
                 timings: dict[str, float], notes: tuple[str, ...] = (),
                 sizes: tuple[tuple[int, int], tuple[int, int]] | None = None,
                 t0: float | None = None,
                 sources: tuple[str, str] | None = None) -> ComparisonResult:
    """A result with nothing visible: ``identical`` images, or a ``pass`` whose map is all zero."""
    w, h = size
    timings = dict(timings)
    timings.setdefault("compare", 0.0)
    timings["total"] = sum(timings.values()) if t0 is None else time.perf_counter() - t0
    sizes = sizes or (size, size)
    return ComparisonResult(
        verdict=verdict_, reason=why, metric=metric.name, metric_version=metric.version,
        expected_size=sizes[0], actual_size=sizes[1], compared_size=size,
        pixels_per_degree=ppd, peak_jnd=0.0, p999_jnd=0.0, visible_pixels=0,
        visible_area_deg2=0.0, visible_ratio=0.0, regions=(), region_count=0,
        forgiven_pixels=0, options=_options_dict(opts, mopts, ppd), timings=timings,
        notes=notes, expected_image=a, actual_image=b, _jnd=MapStore((h, w), None),
        sources=sources or _sources(a, b),
    )

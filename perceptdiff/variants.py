"""Baselines with known variation: an actual image against a set of approved variants.

A baseline may be several approved renders of the same thing (machines with
different font rasterisation, say).  The actual image passes when it lies
within their spread *per pixel, in the model's terms*: it is compared with
each variant (:func:`perceptdiff.engine.compare_images`, every option as for
one pair), and the visibility of a pixel is the **least** over the variants,
so a pixel that matches any approved variant is not a difference.  The
actual image is also compared with the variants' **envelope**: per pixel and
channel, its codes clipped into the range the variants span (the approved
value nearest to it), so a render *between* two approved ones (a glyph edge
whose coverage lies between two rasterisers') is not a difference either,
while whatever lies beyond the spread keeps its full visibility.  A pixel is
"changed" when it differs from every variant and from the envelope.  The verdict rule then
runs on that map as on any other (:func:`perceptdiff.engine.decide_output`),
and a visible change outside the spread still fails.

The result is that of the **closest** variant (fewest visible pixels, then
the lowest peak) with the combined map, verdict and regions; its
``details`` give every variant's figures (``variants``: index from 1,
source, verdict, peak, visible pixels) and the closest one's index
(``closest_variant``), and the reason names it and how many variants there were.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from .engine import compare_images, decide_output, load_input
from .errors import OptionError
from .metrics import MetricOutput, get_metric
from .options import Options
from .result import ComparisonResult, MapStore

__all__ = ["compare_variants"]


def _score(r: ComparisonResult) -> tuple[int, float]:
    return (r.visible_pixels, r.peak_jnd if r.peak_jnd is not None else float("inf"))


def _changed(r: ComparisonResult) -> np.ndarray:
    """Pixels of the actual image that differ from this variant (not forgiven), over the frame."""
    a, b = r.expected_image, r.actual_image
    assert a is not None and b is not None
    pa, pb = a.pixels, b.pixels
    if pa.dtype != pb.dtype:
        from .resample import match_dtypes

        a, b = match_dtypes(a, b)
        pa, pb = a.pixels, b.pixels
    differ = np.any(pa != pb, axis=-1)
    forgiven = r.forgiven_mask
    return differ & ~forgiven if forgiven is not None else differ


def _envelope(variants: list[Any], actual: Any) -> Any:
    """The actual image clipped, per pixel and channel, into the range of the variants (None: sizes differ)."""
    from .image import Image
    from .resample import match_dtypes

    if any(v.size != actual.size for v in variants):
        return None
    lo = hi = None
    for v in variants:
        pv, _ = match_dtypes(v, actual)
        lo = pv.pixels if lo is None else np.minimum(lo, pv.pixels)
        hi = pv.pixels if hi is None else np.maximum(hi, pv.pixels)
    _, pa = match_dtypes(variants[0], actual)
    return Image.from_pixels(np.clip(pa.pixels, lo, hi), "<envelope of the baseline variants>")


def compare_variants(variants: Sequence[Any], actual: Any, **options: Any) -> ComparisonResult:
    """Decide whether ``actual`` lies within the spread of several approved ``variants``.

    Parameters
    ----------
    variants : sequence
        Two or more approved renders (anything :func:`perceptdiff.compare`
        reads); one variant is an ordinary comparison.
    actual
        The new image.
    **options
        As for :func:`perceptdiff.compare`.

    Returns
    -------
    ComparisonResult
        See the module documentation; ``identical`` when the actual image
        equals one variant.

    Raises
    ------
    perceptdiff.errors.OptionError
        No variant given.
    perceptdiff.errors.ImageLoadError
        An input cannot be read.
    """
    if not variants:
        raise OptionError("baseline variants: give at least one")
    t0 = time.perf_counter()
    opts = Options.from_kwargs(**options)
    metric = get_metric(opts.metric)

    def load(src: Any) -> Any:
        return load_input(src, opts, color_management=metric.color_managed)

    act = load(actual)
    results = [compare_images(load(v), act, opts) for v in variants]
    identical = [r for r in results if r.verdict == "identical"]
    scores = [{"index": i, "source": r.sources[0], "verdict": r.verdict, "peak_jnd": r.peak_jnd,
               "visible_pixels": r.visible_pixels} for i, r in enumerate(results, 1)]
    closest = identical[0] if identical else min(results, key=_score)
    index = results.index(closest) + 1
    name = f"variant {index} ({closest.sources[0]})"
    details = {**dict(closest.details), "variants": scores, "closest_variant": index}
    compared = [r for r in results if r.jnd_map is not None and r.compared_size == closest.compared_size]
    if len(results) == 1 or identical or closest.jnd_map is None or len(compared) < 2:
        why = f"{closest.reason} (closest of {len(results)} baseline variants: {name})"
        return replace(closest, details=details, reason=why if len(results) > 1 else closest.reason)

    # The variants' envelope: per pixel and channel, the actual codes clipped into the range the
    # variants span (the approved value nearest to the actual one).
    n = len(compared)
    comparable = [r.expected_image for r in compared]
    envelope = _envelope([img for img in comparable if img is not None], act)
    if envelope is not None:
        compared.append(compare_images(envelope, act, opts))
    # Per pixel, the least visibility over the variants and the envelope; changed only where
    # changed from all of them.
    jnd = np.array(compared[0].jnd_map, np.float32)
    changed = _changed(compared[0])
    for r in compared[1:]:
        if r.jnd_map is None:
            continue
        np.minimum(jnd, r.jnd_map, out=jnd)
        changed &= _changed(r)
    a, b = closest.expected_image, closest.actual_image
    assert a is not None and b is not None
    forgiven = closest.forgiven_mask
    out = MetricOutput(jnd=jnd, offset=(0, 0), forgiven=forgiven if forgiven is not None and forgiven.any()
                       else None, changed=changed)
    ppd = closest.pixels_per_degree
    decision, notes = decide_output(a, b, out, changed, opts, ppd, metric=metric,
                                    metric_options=metric.validate(opts.metric_options))
    where = "outside" if decision.verdict == "fail" else "within"
    reason = f"{decision.reason} ({where} the spread of {n} baseline variants; closest: {name})"
    timings = dict(closest.timings)
    timings["total"] = time.perf_counter() - t0
    shape = jnd.shape
    return replace(
        closest, verdict=decision.verdict, reason=reason, peak_jnd=decision.peak_jnd,
        p999_jnd=decision.p999_jnd, visible_pixels=decision.visible_pixels,
        visible_area_deg2=decision.visible_area_deg2, visible_ratio=decision.visible_ratio,
        regions=decision.regions, region_count=decision.region_count,
        forgiven_pixels=decision.forgiven_pixels, changed_pixels=decision.changed_pixels,
        forgiven_regions=decision.forgiven_regions, details=details, timings=timings,
        notes=tuple(closest.notes) + notes, _jnd=MapStore(shape, jnd))

"""`compare()`: load two images, settle the easy cases, run a metric, decide.

Order of work (cheapest first):

1. identical file bytes -> IDENTICAL without decoding the pixels;
2. different sizes in the headers -> FAIL naming both without decoding,
   unless ``resize`` or ``pad`` (whose canvas is checked here, before it
   exists: :func:`perceptdiff.resample.pad_canvas`);
3. decode (:mod:`perceptdiff.loading`); sizes of decoded sources checked as in 2;
4. ignore rectangles, then the mask and region rules (:mod:`perceptdiff.masks`):
   the actual image takes the expected image's pixels where nothing is compared;
5. identical decoded pixels -> IDENTICAL; equal once colour under full
   transparency is discarded -> PASS with an all-zero map;
6. the metric's visibility map (weighted by the mask), then the verdict rule (:mod:`perceptdiff.verdict`)
   and what changed in each region (:mod:`perceptdiff.region_kinds`; moved content,
   :mod:`perceptdiff.moves`, with ``max_shift``).

Every outcome is a :class:`~perceptdiff.verdict.Decision`; :class:`_Run`
turns it into the :class:`~perceptdiff.result.ComparisonResult`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ._version import __version__ as _pkg_version
from . import loading, resample, verdict
# masks, region_kinds and moves (scipy.ndimage among their imports) are imported where used:
# identical files and equal pixels are answered without them (issue 10 item 4).
from .errors import ImageLoadError, OptionError
from .image import Image
from .loading.limits import check_pixels
from .metrics import Metric, MetricOutput, get_metric
from .options import Options
from .optionspec import refuse_unsupported
from .result import ComparisonResult, MapStore
from .verdict import Decision

__all__ = ["compare", "compare_verdict_first", "compare_images", "decide_output", "load_input", "rule_in_force", "INCOMPLETE_NOTE"]


def compare(expected: Any, actual: Any, *, screening: bool = True, verdict_only: bool = False,
            describe: bool = True, **options: Any) -> ComparisonResult:
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
    screening : bool, default True
        Model only the boxes around groups of differences
        (:mod:`perceptdiff.screening`; metrics that support it).  False runs
        the reference path, one box around every difference: the same
        verdict, regions and visible pixels, slower when differences are far
        apart.  It is there to check the screened path against, and to rule
        it out when a result looks wrong.
    verdict_only : bool, default False
        Only the verdict is needed: stop at the first box that already fails
        the verdict rule.  A failing result may then be incomplete
        (``result.complete`` is False; its counts, regions and map cover part of
        the frame); a passing result is always complete.  Ignored with
        ``max_shift`` (a move found later could excuse a region).
    describe : bool, default True
        Describe the regions: what changed in each (``Region.kind``,
        :mod:`perceptdiff.region_kinds`) and the forgiven areas
        (``forgiven_regions``).  False leaves every kind None and no forgiven
        region listed, for callers that need no more than the verdict and the
        figures (the command's ``-q`` with nothing written, whose exit status
        is all it says); the verdict, the counts and the map are the same.
        Ignored with ``max_shift`` (moves are judged on the described regions).

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
    run = _Run.start(opts)
    run.sources = (loading.source_name(expected), loading.source_name(actual))
    enc_a = loading.encoded_bytes(expected, opts.max_file_bytes) or expected
    enc_b = loading.encoded_bytes(actual, opts.max_file_bytes) or actual
    same = loading.identical_sources(enc_a, enc_b, max_file_bytes=opts.max_file_bytes)
    if same is not None:
        run.timings["decode"] = time.perf_counter() - run.t0
        run.timings["compare"] = 0.0
        return run.result(Decision.nothing_visible("identical", "the files are byte-for-byte identical"),
                          frame=same, total=sum(run.timings.values()))
    sizes = _header_sizes(enc_a, enc_b)
    if sizes is not None and sizes[0] != sizes[1]:
        if opts.pad:
            check_pixels(f"{run.sources[0]} and {run.sources[1]}",
                         *resample.pad_canvas(*sizes), what="padded canvas")
        elif not opts.resize:
            run.sizes = sizes
            return run.size_differs(time.perf_counter() - run.t0)
    img_a, img_b = _load_pair(enc_a, enc_b, opts, run.metric.color_managed)
    return compare_images(img_a, img_b, opts, screening=screening, verdict_only=verdict_only,
                          describe=describe, _decode_time=time.perf_counter() - run.t0, _t0=run.t0)


def compare_verdict_first(expected: Any, actual: Any, **options: Any) -> ComparisonResult:
    """:func:`compare` for callers that need the full result only on failure (tests, snapshots).

    Compares with ``verdict_only=True``; a pass is complete as it is, a failure
    that stopped at its first failing part is compared again in full, for the
    message, the diff picture and the report.
    """
    result = compare(expected, actual, verdict_only=True, **options)
    if not result.complete:
        result = compare(expected, actual, **options)
    return result


def _weights(frame: Image, opts: Options) -> np.ndarray | None:
    """The per-pixel weights of the mask and region rules (:mod:`perceptdiff.masks`) for ``frame``."""
    from . import masks

    mask = None
    if opts.mask is not None:
        try:
            img = loading.load_image(opts.mask, max_file_bytes=opts.max_file_bytes)
        except ImageLoadError as exc:
            raise ImageLoadError(f"mask {exc.source}", exc.reason) from None
        if img.size != frame.size:
            raise OptionError(f"mask {img.source}: {img.width}x{img.height} does not match the compared "
                              f"frame {frame.width}x{frame.height}")
        mask = masks.mask_weights(img)
    return masks.threshold_weights((frame.height, frame.width), opts.jnd_threshold,
                                   mask=mask, rules=opts.regions)


def _changed_in_box(a: Image, b: Image, out: MetricOutput) -> np.ndarray:
    """Pixels that differ, over the box of the metric's map (for metrics that do not report them)."""
    y, x = out.offset
    h, w = out.jnd.shape
    pa, pb = resample.match_dtypes(a, b)
    return np.any(pa.pixels[y:y + h, x:x + w] != pb.pixels[y:y + h, x:x + w], axis=-1)


def _header_sizes(a: Any, b: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Both sizes from the headers of encoded sources (None unless both can be read that way)."""
    if not (isinstance(a, loading.EncodedData) and isinstance(b, loading.EncodedData)):
        return None
    sa, sb = loading.probe_size(a), loading.probe_size(b)
    return (sa, sb) if sa is not None and sb is not None else None


def _load_pair(expected: Any, actual: Any, options: Options,
               color_management: bool = True) -> tuple[Image, Image]:
    """Decode both inputs, one after the other.

    Decoding is serialised anyway (the loader captures each decoder's
    warnings and C-level messages under one lock, :mod:`perceptdiff.loading.capture`),
    so two threads would only wait for each other.  ``color_management=False``
    (metrics that model a tool without it, such as Yee's) keeps embedded ICC
    profiles from being applied.
    """
    return (load_input(expected, options, color_management=color_management),
            load_input(actual, options, color_management=color_management))


def load_input(source: Any, options: Options, *, color_management: bool = True) -> Image:
    """Decode one input under the options' loading limits (truncation, file size)."""
    return loading.load_image(source, color_management=color_management,
                              allow_truncated=options.allow_truncated,
                              max_file_bytes=options.max_file_bytes)


def compare_images(expected: Image, actual: Image, options: Options | None = None, *,
                   screening: bool = True, verdict_only: bool = False, describe: bool = True,
                   _decode_time: float = 0.0, _t0: float | None = None) -> ComparisonResult:
    """Compare two decoded images (see :func:`compare`)."""
    run = _Run.start(options or Options(), _t0)
    t1 = time.perf_counter()
    run.timings["decode"] = _decode_time
    run.notes = tuple(expected.notes) + tuple(n for n in actual.notes if n not in expected.notes)
    run.sizes = (expected.size, actual.size)
    run.sources = (expected.source, actual.source)
    opts, metric, mopts = run.options, run.metric, run.metric_options

    a, b = expected, actual
    if a.size != b.size:
        if opts.resize:
            a, b = resample.resize_pair(a, b)
            run.notes += (f"resized to {a.width}x{a.height} (area average in linear light)",)
        elif opts.pad:
            check_pixels(f"{a.source} and {b.source}", *resample.pad_canvas(a.size, b.size),
                         what="padded canvas")
            a, b = resample.pad_pair(a, b)
            run.notes += (f"padded to {a.width}x{a.height} with transparency",)
        else:
            return run.size_differs(_decode_time, t1, images=(expected, actual))

    if opts.ignore:
        b = resample.apply_ignore(a, b, opts.ignore)
    weights = _weights(a, opts) if opts.has_mask else None
    if weights is not None:
        from . import masks

        b = masks.copy_ignored(a, b, weights)
        run.ignored = weights <= 0
    run.ppd = metric.pixels_per_degree(opts, mopts, a.width, a.height)

    nothing: Decision | None = None
    if a.pixels.dtype == b.pixels.dtype and np.array_equal(a.pixels, b.pixels):
        if a is expected and b is actual:
            nothing = Decision.nothing_visible("identical", "the decoded pixels are identical")
        else:
            why = ("no difference outside the ignored regions" if opts.ignore or opts.has_mask
                   else "no difference")
            nothing = Decision.nothing_visible("pass", why)
    elif resample.equal_where_visible(a, b):
        nothing = Decision.nothing_visible(
            "pass", "the images differ only in colour under full transparency")
    if nothing is not None:
        run.timings["compare"] = time.perf_counter() - t1
        return run.result(nothing, images=(a, b), frame=a.size)

    ppd = run.ppd
    if getattr(metric, "screens", False):
        stop = (_fails_already(a, b, opts, ppd, weights, rule_in_force(metric, opts, mopts))
                if verdict_only and not opts.max_shift else None)
        out = metric.compute(a, b, opts, mopts, ppd, screening=screening, stop=stop)
    else:
        out = metric.compute(a, b, opts, mopts, ppd)
    changed = out.changed if out.changed is not None else _changed_in_box(a, b, out)
    if weights is not None:
        from . import masks

        out = replace(out, jnd=masks.weigh(out.jnd, out.offset, weights, changed))
    decision, move_notes = decide_output(a, b, out, changed, opts, ppd, metric=metric,
                                         metric_options=mopts, describe=describe)
    run.notes += move_notes
    if not out.complete:
        run.notes += (INCOMPLETE_NOTE,)
    run.timings["compare"] = time.perf_counter() - t1
    return run.result(decision, images=(a, b), frame=a.size, output=out)


def decide_output(a: Image, b: Image, out: MetricOutput, changed: np.ndarray, opts: Options, ppd: float,
                  *, metric: Metric, metric_options: Any,
                  describe: bool = True) -> tuple[Decision, tuple[str, ...]]:
    """The decision on a metric's output: the rule in force, regions, their kinds, moves.

    ``a`` and ``b`` are the images as compared, ``changed`` the boolean map
    (over the box of ``out``) of the pixels that differ after forgiveness.
    ``describe=False``: no region kinds and no forgiven regions (see
    :func:`compare`; ignored with ``max_shift``).
    Returns the decision and the notes it adds (a whole-frame shift).
    """
    rule = rule_in_force(metric, opts, metric_options)
    decision = verdict.decide(out.jnd, out.offset, (a.height, a.width), ppd, opts.jnd_threshold,
                              rule, forgiven=out.forgiven, changed=changed)
    if describe or opts.max_shift:
        from . import region_kinds

        decision = replace(
            decision,
            regions=region_kinds.classify_regions(a, b, decision.regions, out.jnd, out.offset,
                                                  opts.jnd_threshold, changed=changed,
                                                  background=opts.background),
            forgiven_regions=region_kinds.forgiven_regions(
                out.forgiven, out.jnd, out.offset, ppd, opts.jnd_threshold,
                verdict.cluster_radius(ppd, rule.cluster_deg)))
    if _forgives_subpixel_text(opts, rule):
        from . import subpixel_text

        decision = subpixel_text.excuse_regions(decision, a, b, offset=out.offset, rule=rule, ppd=ppd,
                                                jnd_threshold=opts.jnd_threshold)
    if opts.max_shift:
        from . import moves

        if opts.allow_shift and rule.kind == "pixels":
            raise OptionError("allow_shift: excuses regions, so it works with the region rule, not with "
                              "a pixel or area budget")
        return moves.apply_moves(decision, a, b, max_shift=opts.max_shift, allow_shift=opts.allow_shift,
                                 rule=rule, ppd=ppd, jnd_threshold=opts.jnd_threshold)
    return decision, ()


def rule_in_force(metric: Metric, opts: Options, metric_options: Any) -> verdict.VerdictRule:
    """The verdict rule of ``metric`` with the engine's budgets (``max_changed_pixels``, ``max_area``)."""
    rule = metric.verdict_rule(opts, metric_options)
    if opts.max_changed_pixels is not None:
        rule = replace(rule, kind="pixels", max_changed_pixels=opts.max_changed_pixels)
    if opts.max_area is not None:
        # The budget in square degrees, applied here for every metric (its spec's engine=True);
        # it replaces the metric's rule, Yee's failing-pixel threshold included.
        rule = replace(rule, kind="pixels", max_area_deg2=opts.max_area, max_pixels=None,
                       max_ratio=None, budget_label=None)
    return rule


def _forgives_subpixel_text(opts: Options, rule: verdict.VerdictRule) -> bool:
    """Is LCD sub-pixel text forgiven (:mod:`perceptdiff.subpixel_text`)?  Asked, and the region rule decides."""
    return opts.subpixel_text == "forgive" and not rule.counts_pixels


#: The note of a verdict-only result that stopped at the first failing box.
INCOMPLETE_NOTE = ("verdict only: stopped at the first part of the frame that fails; the figures "
                   "cover that part (ask for a diff image, JSON or -v to compare all of it)")


def _fails_already(frame: Image, actual: Image, opts: Options, ppd: float, weights: np.ndarray | None,
                   rule: verdict.VerdictRule) -> Any:
    """The ``stop`` test of a verdict-only comparison: does the map so far fail ``rule``?

    Both rules only grow with the map (regions merge into larger ones, budgets
    fill up), so a failure on part of the differences is the whole's.  A region
    that LCD sub-pixel text forgiveness might still excuse does not settle it
    (:func:`perceptdiff.subpixel_text.surely_fails`).
    """
    forgive_text = _forgives_subpixel_text(opts, rule)

    def stop(partial: MetricOutput) -> bool:
        jnd = partial.jnd
        if weights is not None:
            from . import masks

            jnd = masks.weigh(jnd, partial.offset, weights, partial.changed)
        d = verdict.decide(jnd, partial.offset, (frame.height, frame.width), ppd, opts.jnd_threshold,
                           rule, changed=partial.changed)
        if forgive_text and d.verdict == "fail":
            from . import subpixel_text

            return subpixel_text.surely_fails(d, frame, actual, offset=partial.offset)
        return d.verdict == "fail"

    return stop


@dataclass
class _Run:
    """What one comparison has gathered on its way to a result."""

    options: Options
    metric: Metric
    metric_options: dict[str, Any]
    t0: float
    ppd: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    sizes: tuple[tuple[int, int], tuple[int, int]] | None = None
    sources: tuple[str, str] = ("?", "?")
    ignored: np.ndarray | None = None

    @classmethod
    def start(cls, options: Options, t0: float | None = None) -> "_Run":
        metric = get_metric(options.metric)
        refuse_unsupported(options, metric)
        return cls(options, metric, metric.validate(options.metric_options),
                   time.perf_counter() if t0 is None else t0)

    def size_differs(self, decode_time: float, t1: float | None = None, *,
                     images: tuple[Image, Image] | None = None) -> ComparisonResult:
        """FAIL without comparing: the sizes (in :attr:`sizes`) differ and neither resize nor pad was asked.

        ``images`` are the decoded images when the caller had them; sizes read
        from headers leave them None (nothing was decoded).
        """
        assert self.sizes is not None
        (ew, eh), (aw, ah) = self.sizes
        self.ppd = self.metric.pixels_per_degree(self.options, self.metric_options, ew, eh)
        self.timings["decode"] = decode_time
        self.timings["compare"] = time.perf_counter() - t1 if t1 is not None else 0.0
        reason = (f"size differs: {ew}x{eh} vs {aw}x{ah} (use resize or pad to compare anyway)")
        return self.result(Decision.not_compared(reason), images=images)

    def result(self, decision: Decision, *, images: tuple[Image, Image] | None = None,
               frame: tuple[int, int] | None = None, output: MetricOutput | None = None,
               total: float | None = None) -> ComparisonResult:
        """The result of ``decision``.

        ``images`` are the two images as compared (None when not decoded);
        ``frame`` the ``(width, height)`` compared (None when not compared);
        ``output`` the metric's maps (None: nothing visible, the map is all
        zero); ``total`` the total time if not "until now".
        """
        if self.ppd is None:
            assert frame is not None
            self.ppd = self.metric.pixels_per_degree(self.options, self.metric_options, *frame)
        self.timings["total"] = time.perf_counter() - self.t0 if total is None else total
        jnd = forgiven = None
        if frame is not None:
            shape = (frame[1], frame[0])
            if output is None:
                jnd = MapStore(shape, None)
            else:
                jnd = MapStore(shape, output.jnd, output.offset)
                if output.forgiven is not None:
                    forgiven = MapStore(shape, output.forgiven, output.offset, bool)
        ignored = None
        if frame is not None and self.ignored is not None and self.ignored.any():
            ignored = MapStore(self.ignored.shape, self.ignored, dtype=bool)
        d = decision
        return ComparisonResult(
            verdict=d.verdict, reason=d.reason,
            metric=self.metric.name, metric_version=self.metric.version,
            expected_size=self.sizes[0] if self.sizes else frame,  # type: ignore[arg-type]
            actual_size=self.sizes[1] if self.sizes else frame,  # type: ignore[arg-type]
            compared_size=frame, pixels_per_degree=self.ppd,
            peak_jnd=d.peak_jnd, p999_jnd=d.p999_jnd, visible_pixels=d.visible_pixels,
            visible_area_deg2=d.visible_area_deg2, visible_ratio=d.visible_ratio,
            regions=d.regions, region_count=d.region_count, forgiven_pixels=d.forgiven_pixels,
            changed_pixels=d.changed_pixels, forgiven_regions=d.forgiven_regions,
            options=self._options_dict(), timings=dict(self.timings), notes=self.notes,
            details=dict(output.details) if output is not None else {},
            sources=self.sources, complete=output.complete if output is not None else True,
            expected_image=images[0] if images else None,
            actual_image=images[1] if images else None,
            _jnd=jnd, _forgiven=forgiven, _ignored=ignored,
        )

    def _options_dict(self) -> dict[str, Any]:
        d = self.options.to_dict()
        d["metric_options"] = dict(self.metric_options)
        d["pixels_per_degree"] = self.ppd
        d["perceptdiff_version"] = _pkg_version
        return d

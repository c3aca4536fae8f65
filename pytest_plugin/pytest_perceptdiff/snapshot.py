"""The ``image_snapshot`` fixture: compare an image with a stored baseline.

>>> def test_chart(image_snapshot):                      # doctest: +SKIP
...     image_snapshot.assert_match(render_chart())
...     assert render_legend() == image_snapshot(name="legend")

Baseline flow, per snapshot, under the update mode in force
(``--perceptdiff-update``):

=============  =====================  ==========================  ==============
baseline       ``missing`` (default)  ``changed``                 ``all``
=============  =====================  ==========================  ==============
absent         written, test passes   written, test passes        written
looks same     pass, untouched        pass, untouched             rewritten unless
                                                                  pixels identical
visibly        FAIL + artifacts       rewritten, test passes      rewritten
different
=============  =====================  ==========================  ==============

``none`` (the default in CI) never writes: an absent baseline fails and the
new image is saved in the results folder for review.  Baselines are written
atomically (temporary file + rename), so an interrupted run leaves the old
file whole.  The actual image is stored as its decoded pixels in a lossless
PNG (16-bit stays 16-bit), not as the caller's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .events import EventKind

if TYPE_CHECKING:
    from perceptdiff.result import ComparisonResult

    from .state import TestContext

__all__ = ["ImageSnapshot", "SnapshotFailure"]


@dataclass(frozen=True)
class SnapshotFailure:
    """Why a snapshot did not match: a headline and explanation lines."""

    headline: str
    lines: tuple[str, ...] = ()
    result: "ComparisonResult | None" = field(default=None, compare=False)

    def message(self) -> str:
        return self.headline + "".join("\n  " + line for line in self.lines)


class ImageSnapshot:
    """Compares images with the running test's baselines.

    Use :meth:`assert_match`, or ``assert image == image_snapshot`` (pytest
    then explains a mismatch).  ``image_snapshot(name="legend", **options)``
    gives a view with a name and options for the ``==`` form.

    Notes
    -----
    ``numpy_array == image_snapshot`` works (the class opts out of numpy's
    element-wise comparison); a PIL image must be on the right:
    ``image_snapshot == pil_image``, since ``PIL.Image.__eq__`` answers False
    to any other type instead of deferring.
    """

    # Make numpy return NotImplemented from ``array == snapshot`` so that
    # Python asks ``snapshot.__eq__(array)`` instead.
    __array_ufunc__ = None
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, context: "TestContext", name: str | None = None,
                 options: dict[str, Any] | None = None) -> None:
        self._ctx = context
        self._name = name
        self._options = dict(options or {})
        self.last_failure: SnapshotFailure | None = None
        self.last_result: ComparisonResult | None = None
        self.last_path: Path | None = None

    def __call__(self, name: str | None = None, **options: Any) -> "ImageSnapshot":
        """A view of this fixture with a snapshot name and options (for ``==``)."""
        return ImageSnapshot(self._ctx, name, {**self._options, **options})

    def __repr__(self) -> str:
        if self.last_path is not None:
            return f"image_snapshot({self.last_path.name!r})"
        return f"image_snapshot({self._name!r})" if self._name else "image_snapshot"

    @property
    def folder(self) -> Path:
        """The folder holding this test module's baselines."""
        return self._ctx.snapshot_folder

    def assert_match(self, image: Any, name: str | None = None, **options: Any) -> "ComparisonResult | None":
        """Assert that ``image`` matches this test's baseline ``name``.

        Parameters
        ----------
        image
            A path, encoded bytes, PIL image, numpy array,
            :class:`perceptdiff.Image`, matplotlib figure, or a Playwright
            (sync API) ``Page`` or ``Locator``, screenshotted as Playwright's
            ``toHaveScreenshot`` does (animations disabled, caret hidden; see
            :mod:`perceptdiff.screenshot`).
        name : str, optional
            The snapshot's name within the test; unnamed snapshots are
            numbered in call order (``test_x.png``, ``test_x--2.png`` ...).
        **options
            Options of :func:`perceptdiff.compare` (and ``dpi`` for figures,
            ``diff_style`` for the diff image, ``mask=[locator, ...]``,
            ``full_page``, ``mask_color``, ``timeout`` for a page); they
            override the flags, ini keys and ``@pytest.mark.perceptdiff``.

        Returns
        -------
        ComparisonResult or None
            The comparison, or None when the baseline was just written.

        Raises
        ------
        AssertionError
            The image differs visibly (or the baseline is missing and the
            update mode does not write it).
        """
        __tracebackhide__ = True
        failure = self._check(image, name if name is not None else self._name,
                              {**self._options, **options})
        if failure is not None:
            raise AssertionError(failure.message())
        return self.last_result

    async def assert_match_async(self, image: Any, name: str | None = None,
                                 **options: Any) -> "ComparisonResult | None":
        """:meth:`assert_match` for an async-API Playwright ``Page`` or ``Locator`` (``await`` it).

        The screenshot is awaited (:func:`perceptdiff.screenshot.capture_async`),
        then compared as :meth:`assert_match` compares.
        """
        __tracebackhide__ = True
        from perceptdiff.screenshot import capture_async, is_playwright, split_capture_options

        opts = {**self._options, **options}
        page = is_playwright(image)
        if page:
            shot, _ = split_capture_options(self._ctx.compare_options(opts))
            image = await capture_async(image, **shot)
        failure = self._check(image, name if name is not None else self._name, opts, captured=page)
        if failure is not None:
            raise AssertionError(failure.message())
        return self.last_result

    def __eq__(self, other: object) -> bool:
        return self._check(other, self._name, self._options) is None

    # -- the flow ----------------------------------------------------------
    def _check(self, image: Any, name: str | None, options: dict[str, Any],
               captured: bool = False) -> SnapshotFailure | None:
        __tracebackhide__ = True
        from perceptdiff.engine import compare_verdict_first
        from perceptdiff.errors import ImageLoadError
        from perceptdiff.loading import load_image
        from perceptdiff.testing import describe_result, format_files, to_image, write_artifacts

        ctx = self._ctx
        settings = ctx.settings
        self.last_failure = self.last_result = None
        opts = ctx.compare_options(options)
        dpi = opts.pop("dpi", None)
        diff_style = opts.pop("diff_style", "overlay")
        from perceptdiff.screenshot import split_capture_options

        shot, opts = split_capture_options(opts)  # ``captured``: the screenshot is taken already
        _validate(opts)  # before a baseline is written, not only when one is compared
        baseline = ctx.claim_snapshot(name)
        self.last_path = baseline
        actual = to_image(image, dpi=dpi, capture=None if captured else shot)
        label = baseline.stem
        shown = _shown(baseline)
        accept = ctx.accept_command("changed")

        if not baseline.exists():
            if settings.writes_missing and _write_baseline(baseline, actual, overwrite=False, owner=ctx.owner):
                ctx.record(EventKind.WRITTEN, label=label, baseline=baseline,
                           summary=f"new baseline {actual.width}x{actual.height} written")
                return None
            if not baseline.exists():
                accept_missing = ctx.accept_command("missing")
                files, problems = write_artifacts(ctx.artifact_base(None, stem=label), actual=actual)
                why = (f"CI mode ({settings.ci_source})" if settings.ci and not settings.update_explicit
                       else f"update mode {settings.update!r}")
                lines = [f"{why}: baselines are not written",
                         f"baseline: {shown}",
                         *("new image for review: " + _shown(p) for p in files.values()),
                         *problems,
                         "to accept it: review it and copy it to the baseline path, or run "
                         f"{accept_missing} outside CI"]
                ctx.record(EventKind.MISSING, label=label, baseline=baseline, files=files,
                           summary="no baseline; new image saved for review", accept=accept_missing)
                return self._fail(SnapshotFailure(f"no baseline for snapshot {label}", tuple(lines)))

        try:
            expected = load_image(baseline)
        except ImageLoadError as exc:
            if settings.update in ("changed", "all"):
                _write_baseline(baseline, actual, overwrite=True, owner=ctx.owner)
                ctx.record(EventKind.UPDATED, label=label, baseline=baseline,
                           summary=f"unreadable baseline replaced ({exc.reason})")
                return None
            from perceptdiff.errors import BaselineError

            raise BaselineError(f"baseline {shown} cannot be read: {exc.reason} "
                                "(--perceptdiff-update=changed replaces it)") from None

        from perceptdiff.variant_names import variants_of

        variants = variants_of(baseline)
        if variants:
            from perceptdiff.variants import compare_variants

            ctx.used.extend(str(v) for v in variants)  # --perceptdiff-prune: these are in use too
            result = compare_variants([expected, *(load_image(v) for v in variants)], actual, **opts)
        else:
            result = compare_verdict_first(expected, actual, **opts)
        self.last_result = result
        if not result.passed and settings.update == "variant":
            added = _add_variant(baseline, actual, owner=ctx.owner)
            ctx.record(EventKind.UPDATED, label=label, baseline=added,
                       summary=f"added as approved variant {added.name} ({result.summary()})", result=result)
            return None
        if result.passed:
            if settings.update == "all" and result.verdict != "identical":
                _write_baseline(baseline, actual, overwrite=True, owner=ctx.owner)
                ctx.record(EventKind.UPDATED, label=label, baseline=baseline,
                           summary=f"rewritten (was {result.summary()})", result=result)
            return None
        if settings.update in ("changed", "all"):
            _write_baseline(baseline, actual, overwrite=True, owner=ctx.owner)
            ctx.record(EventKind.UPDATED, label=label, baseline=baseline,
                       summary=f"rewritten: {result.summary()}", result=result)
            return None

        files, problems = write_artifacts(ctx.artifact_base(None, stem=label), expected=expected,
                                          actual=actual, result=result, diff_style=diff_style)
        details = describe_result(result)
        # Most useful first: pytest shortens the explanation of a failed ``==``.
        lines = [details[0], *format_files(files, problems), f"baseline: {shown}", *details[1:],
                 f"to accept the new image: {accept}"]
        ctx.record(EventKind.FAILED, label=label, baseline=baseline, files=files, summary=result.summary(),
                   result=result, accept=accept)
        return self._fail(SnapshotFailure(f"image differs visibly from snapshot {label}",
                                          tuple(lines), result))

    def _fail(self, failure: SnapshotFailure) -> SnapshotFailure:
        self.last_failure = failure
        return failure


def _validate(options: dict[str, Any]) -> None:
    """Raise OptionError now for options :func:`perceptdiff.compare` would reject."""
    from perceptdiff.preflight import check_options

    check_options(options)


def _shown(path: Path) -> str:
    from .state import display_path

    return display_path(path)


def _add_variant(baseline: Path, image: Any, *, owner: Any = None) -> Path:
    """Write ``image`` as the next free ``NAME.variant-N.png`` beside ``baseline``, atomically, never over a file."""
    from perceptdiff.variant_names import new_variant_paths

    return next(path for path in new_variant_paths(baseline)
                if _write_baseline(path, image, overwrite=False, owner=owner))


def _write_baseline(path: Path, image: Any, *, overwrite: bool, owner: Any = None) -> bool:
    """Write a baseline atomically, with its owner record; False if ``overwrite`` is off and it appeared meanwhile."""
    from perceptdiff.errors import BaselineError, PerceptdiffError
    from perceptdiff.fileio import atomic_write_bytes
    from perceptdiff.testing import encode_png

    data = encode_png(image, text=owner.text() if owner is not None else None)
    try:
        atomic_write_bytes(path, data, overwrite=overwrite)
    except PerceptdiffError as exc:
        if not overwrite and path.exists():
            return False  # another process wrote it first; compare against that
        raise BaselineError(f"cannot write baseline: {exc}") from None
    return True

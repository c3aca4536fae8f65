"""A syrupy extension that compares images with perceptdiff's eye model.

>>> from pytest_perceptdiff.syrupy import PerceptualImageExtension      # doctest: +SKIP
>>> def test_chart(snapshot):                                          # doctest: +SKIP
...     assert render_chart() == snapshot.use_extension(PerceptualImageExtension)

The snapshot is a PNG (``__snapshots__/<module>/<test>.png``, syrupy's
single-file layout) holding the image's decoded pixels.  It *matches* when
perceptdiff sees no visible difference, so invisible jitter neither fails the
test nor rewrites the file under ``--snapshot-update``, which rewrites only
snapshots that differ visibly (and writes missing ones), as syrupy does for
its own extensions.  A mismatch is explained with perceptdiff's message (the
verdict, the numbers, the regions) and its expected, actual and diff images
in the plugin's results folder; it is listed in the plugin's summary, report,
``perceptdiff-summary.json`` and GitHub annotations like an ``image_snapshot``
failure.

Anything ``image_snapshot`` takes may be asserted: paths, bytes, PIL images,
numpy arrays, matplotlib figures, Playwright pages and locators.  Options:
the plugin's flags, ini keys and ``@pytest.mark.perceptdiff`` apply, and
:meth:`PerceptualImageExtension.with_options` makes an extension with options
of its own (``max_pixels=20``, ``viewing="laptop"``, ``mask=[...]`` for pages).

syrupy is an optional dependency: ``pip install 'perceptdiff[syrupy]'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from syrupy.extensions.single_file import SingleFileSnapshotExtension

if TYPE_CHECKING:
    from perceptdiff.result import ComparisonResult

__all__ = ["PerceptualImageExtension"]

#: Options that are not :func:`perceptdiff.compare`'s (consumed before comparing).
_NON_COMPARE = ("dpi", "diff_style")


def _context() -> Any:
    from perceptdiff.testing import _plugin_context

    return _plugin_context()


class PerceptualImageExtension(SingleFileSnapshotExtension):
    """syrupy extension: PNG snapshots that match when no difference is visible.

    Attributes
    ----------
    options : mapping
        Options of :func:`perceptdiff.compare` (and ``dpi``, ``diff_style``,
        screenshot options) for this extension's snapshots; they override the
        plugin's flags, ini keys and markers.  Set with :meth:`with_options`.
    """

    file_extension = "png"
    _file_extension = "png"  # syrupy before 5 read this name
    options: Mapping[str, Any] = {}

    def __init__(self) -> None:
        super().__init__()
        self._location: str | None = None
        self._name: str | None = None
        self._last: tuple[bytes, bytes, "ComparisonResult"] | None = None
        self._explained: list[str] | None = None  # the explanation of self._last

    @classmethod
    def with_options(cls, **options: Any) -> type["PerceptualImageExtension"]:
        """A subclass whose snapshots are compared with ``options`` (checked now)."""
        from perceptdiff.preflight import check_options
        from perceptdiff.screenshot import split_capture_options

        merged = {**cls.options, **options}
        _, compare_opts = split_capture_options(merged)
        check_options({k: v for k, v in compare_opts.items() if k not in _NON_COMPARE})
        return type(cls.__name__, (cls,), {"options": merged, "__module__": cls.__module__})

    # -- options -----------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        ctx = _context()
        return ctx.compare_options(self.options) if ctx is not None else dict(self.options)

    # -- serialising -------------------------------------------------------
    def serialize(self, data: Any, **kwargs: Any) -> bytes:
        """The image's decoded pixels as a lossless PNG (what the snapshot file holds)."""
        from perceptdiff.screenshot import is_playwright, split_capture_options
        from perceptdiff.testing import encode_png, to_image

        opts = self._options()
        shot, _ = split_capture_options(opts)
        image = to_image(data, dpi=opts.get("dpi"), capture=shot if is_playwright(data) else None)
        return encode_png(image)

    def read_snapshot_data_from_location(self, *, snapshot_location: str, snapshot_name: str,
                                         session_id: str) -> Any:
        self._location, self._name = snapshot_location, snapshot_name
        ctx = _context()
        if ctx is not None:
            ctx.used.append(snapshot_location)  # --perceptdiff-prune: this baseline is in use
        return super().read_snapshot_data_from_location(
            snapshot_location=snapshot_location, snapshot_name=snapshot_name, session_id=session_id)

    @classmethod
    def write_snapshot_collection(cls, *, snapshot_collection: Any,
                                  name_order: dict[str, int] | None = None) -> None:
        """Write the snapshot atomically (temporary file, then rename)."""
        from perceptdiff.fileio import atomic_write_bytes

        data = next(iter(snapshot_collection)).data
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"cannot write {type(data).__name__} as a PNG snapshot")
        atomic_write_bytes(snapshot_collection.location, bytes(data))

    # -- comparing ---------------------------------------------------------
    def _compare(self, serialized: bytes, snapshot: bytes) -> "ComparisonResult":
        if self._last is not None and self._last[0] is serialized and self._last[1] is snapshot:
            return self._last[2]
        from perceptdiff.engine import compare
        from perceptdiff.loading import load_image
        from perceptdiff.screenshot import split_capture_options

        _, opts = split_capture_options(self._options())
        for key in _NON_COMPARE:
            opts.pop(key, None)
        result = compare(load_image(bytes(snapshot)), load_image(bytes(serialized)), **opts)
        self._last, self._explained = (serialized, snapshot, result), None
        return result

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        return self._compare(serialized_data, snapshot_data).passed

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        """perceptdiff's explanation of a mismatch (syrupy shows it under the failed assert)."""
        if not snapshot_data:
            return  # syrupy says the snapshot does not exist
        result = self._compare(serialized_data, snapshot_data)
        if self._explained is None:  # once per comparison: artifacts and the event
            self._explained = list(self._explain(result))
        yield from self._explained

    def _explain(self, result: "ComparisonResult") -> Iterator[str]:
        from perceptdiff.testing import describe_result, format_files, write_artifacts

        ctx = _context()
        label = self._name or "snapshot"
        files: dict[str, Any] = {}
        problems: list[str] = []
        if ctx is not None and result.expected_image is not None:
            files, problems = write_artifacts(ctx.artifact_base(label), expected=result.expected_image,
                                              actual=result.actual_image, result=result,
                                              diff_style=self._options().get("diff_style", "overlay"))
        details = describe_result(result)
        accept = None
        if ctx is not None:
            from .state import shell_quote

            accept = f"pytest --snapshot-update {shell_quote(ctx.command_target)}"
            ctx.record("failed", label=label, summary=result.summary(), files=files,
                       result=result, accept=accept, baseline=_path(self._location))
        yield f"image differs visibly from snapshot {label}"
        yield from (f"  {line}" for line in [details[0], *format_files(files, problems), *details[1:]])
        if self._location:
            yield f"  snapshot: {self._location}"
        if accept:
            yield f"  to accept the new image: {accept}"


def _path(location: str | None) -> Any:
    from pathlib import Path

    return Path(location) if location else None


def protect_baselines(config: Any) -> str | None:
    """Keep ``syrupy --snapshot-update`` from deleting ``image_snapshot`` baselines.

    syrupy counts every file under its ``__snapshots__`` folders that no
    extension of the run claims as an "unknown snapshot collection" and
    deletes it on ``--snapshot-update``; ``image_snapshot`` keeps its PNG
    baselines in the same folders by default.  When both are in play, PNG
    files are left out of syrupy's search for unused snapshots
    (``--snapshot-ignore-file-extensions=png``, added to what the user gave):
    nothing is deleted that perceptdiff wrote; ``--perceptdiff-prune`` still
    finds unused baselines of both kinds.  Returns what was done, for the
    report header, or None.
    """
    option = getattr(config, "option", None)
    if option is None or not getattr(option, "update_snapshots", False):
        return None
    if not config.pluginmanager.hasplugin("syrupy"):
        return None
    ignored = list(getattr(option, "ignore_file_extensions", None) or [])
    if "png" in ignored:
        return None
    option.ignore_file_extensions = [*ignored, "png"]
    return "PNG files are left out of syrupy's unused-snapshot cleanup (image_snapshot baselines live there)"

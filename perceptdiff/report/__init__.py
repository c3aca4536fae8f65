"""Static HTML review report of many image comparisons.

A report is a folder that opens from disk with no server::

    report/
      index.html        the page (summary table, per-pair views, accept commands)
      data.js           window.PERCEPTDIFF_REPORT = {...}: the data the page shows
      summary.json      the machine-readable summary (schema "perceptdiff-batch")
      assets/           report.js, report.css (copied from the package)
      pairs/0001/       expected.*, actual.*, diff.png of each pair

``perceptdiff EXPECTED_DIR ACTUAL_DIR --report DIR`` writes one
(:mod:`perceptdiff.folder`); so can anything else that compared images, such
as the pytest plugin, through :func:`write_report`.  The report knows
entries (:class:`perceptdiff.entry.Entry`), not who made them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..entry import STATUSES, Entry
from ..summary import json_text, make_summary
from .folder import MARKER, ReportFolder
from .images import BROWSER_EXTENSIONS, heatmap_png, pair_folder, stage_image, stage_pictures
from .page import page_data, write_page

__all__ = [
    "write_report", "finish_report", "ReportFolder", "stage_image", "stage_pictures", "pair_folder",
    "page_data", "write_page", "STATUSES", "MARKER", "BROWSER_EXTENSIONS", "heatmap_png",
]


def write_report(entries: Sequence[Entry | Mapping[str, Any]], out_dir: str | os.PathLike[str], *,
                 title: str = "perceptdiff report", meta: Mapping[str, Any] | None = None,
                 summary: Mapping[str, Any] | None = None) -> Path:
    """Write a static HTML report of image comparisons to ``out_dir``.

    Parameters
    ----------
    entries : sequence of Entry or mappings
        One per compared pair, in the order to list them: an
        :class:`~perceptdiff.entry.Entry`, or a mapping with its field names:

        ``name`` : str (required)
            What the pair is called in the table, unique in the report: a
            relative path (``charts/line.png``) or a test id.
        ``status`` : Status or str (required)
            ``"identical"``, ``"pass"``, ``"fail"``, ``"new"`` (no baseline
            yet), ``"removed"`` (baseline without a new image), ``"renamed"``
            (shown as a pair of names, with ``from``) or ``"error"``.
        ``from`` (or ``renamed_from``) : str, optional
            The old name of a ``"renamed"`` pair; ``expected`` is then the
            old file and ``actual`` the new one.
        ``expected``, ``actual``, ``diff`` : path or None
            Image files to show: the baseline, the new image and a diff image
            (such as :func:`perceptdiff.diffimage.write_diff` writes; shown
            as it is).  They are copied into the report; TIFF and other
            formats browsers do not show are converted to PNG.
        ``comparison`` : perceptdiff.ComparisonResult, optional
            The result object itself.  When given (and its images were
            compared), the report draws its own heatmap in the compared frame
            and overlays the region boxes on it; this replaces ``diff``, and
            ``result`` defaults to ``comparison.to_dict()``.
        ``result`` : dict or None
            :meth:`perceptdiff.ComparisonResult.to_dict` of the comparison.
        ``error`` : str or None
            Why the pair could not be compared (status ``"error"``).
        ``accept`` : str or None
            A shell command that makes the new image the baseline; shown with a
            copy button and gathered in the page's "accept all" block.
        ``reason`` : str, optional
            The sentence shown under the pair's name, in place of the
            default (the comparison's reason): the pytest plugin
            explains a baseline that is missing or was just written.
        ``notes`` : sequence of str, optional
            Remarks shown with the pair.
        ``images`` : mapping, optional
            Report-relative paths of pictures already placed in the report's
            staging folder (``{"expected": "pairs/0001/expected.png", ...}``);
            used by :mod:`perceptdiff.folder`, whose workers stage the pictures
            in parallel (:func:`~perceptdiff.report.images.stage_pictures`).
            When present, ``expected``/``actual``/``diff`` are not copied.
    out_dir : path
        The report folder.  It must not exist, be empty, or hold an earlier
        perceptdiff report, which is then replaced as a whole.
    title : str
        Heading of the page.
    meta : mapping, optional
        Facts shown in the page's header (``expected_dir``, ``actual_dir``,
        ``options``, ``duration_s``, ``command``...).
    summary : mapping, optional
        Written as ``summary.json``; by default a ``perceptdiff-batch``
        summary is built from the entries (see :mod:`perceptdiff.summary`).

    Returns
    -------
    pathlib.Path
        The report's ``index.html``.

    Raises
    ------
    perceptdiff.errors.OptionError
        An entry lacks a name or has an unknown status.
    perceptdiff.errors.PerceptdiffError
        The folder cannot be written, or holds something else.
    """
    rows = [e if isinstance(e, Entry) else Entry.from_mapping(e) for e in entries]
    with ReportFolder(out_dir) as folder:
        for i, entry in enumerate(rows, 1):
            if not entry.images:
                _stage_entry(folder, i, entry)
        return finish_report(folder, rows, title=title, meta=meta, summary=summary)


def finish_report(folder: ReportFolder, entries: Sequence[Entry], *, title: str,
                  meta: Mapping[str, Any] | None, summary: Mapping[str, Any] | None) -> Path:
    """Write the page and ``summary.json`` into ``folder`` and commit it."""
    if summary is None:
        meta_ = dict(meta or {})
        summary = make_summary(entries, expected_dir=meta_.get("expected_dir"),
                               actual_dir=meta_.get("actual_dir"), options=meta_.get("options"),
                               wall_s=meta_.get("duration_s"))
    folder.path("summary.json").write_text(json_text(summary), encoding="utf-8")
    write_page(folder.staging, page_data(entries, title=title, meta=meta))
    return folder.commit() / "index.html"


def _stage_entry(folder: ReportFolder, index: int, entry: Entry) -> None:
    """Copy an entry's pictures into the report; a picture that cannot be read becomes a note."""
    comparison = entry.comparison
    if comparison is not None and entry.result is None:
        entry.result = comparison.to_dict()
    entry.images, entry.diff_framed, notes = stage_pictures(
        folder.staging, index, expected=entry.expected, actual=entry.actual, diff=entry.diff,
        comparison=comparison)
    entry.notes.extend(notes)

"""Static HTML review report of many image comparisons.

A report is a folder that opens from disk with no server::

    report/
      index.html        the page (summary table, per-pair views, accept commands)
      data.js           window.PERCEPTDIFF_REPORT = {...}: the data the page shows
      summary.json      the machine-readable summary (schema "perceptdiff-batch")
      assets/           report.js, report.css (copied from the package)
      pairs/0001/       expected.*, actual.*, diff.png of each pair

``perceptdiff EXPECTED_DIR ACTUAL_DIR --report DIR`` writes one
(:mod:`perceptdiff.batch`); so can anything else that compared images, such
as the pytest plugin, through :func:`write_report`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import OptionError, PerceptdiffError
from .folder import MARKER, ReportFolder
from .images import BROWSER_EXTENSIONS, heatmap_png, pair_folder, stage_image
from .page import STATUSES, count_statuses, page_data, write_page

__all__ = [
    "write_report", "ReportFolder", "stage_image", "pair_folder", "page_data", "write_page",
    "count_statuses", "STATUSES", "MARKER", "BROWSER_EXTENSIONS",
]


def write_report(entries: Sequence[Mapping[str, Any]], out_dir: str | os.PathLike[str], *,
                 title: str = "perceptdiff report", meta: Mapping[str, Any] | None = None,
                 summary: Mapping[str, Any] | None = None) -> Path:
    """Write a static HTML report of image comparisons to ``out_dir``.

    Parameters
    ----------
    entries : sequence of mappings
        One per compared pair, in the order to list them.  Keys:

        ``name`` : str (required)
            What the pair is called in the table, unique in the report: a
            relative path (``charts/line.png``) or a test id.
        ``status`` : str (required)
            ``"identical"``, ``"pass"``, ``"fail"``, ``"new"`` (no baseline
            yet), ``"missing"`` (baseline without a new image) or ``"error"``.
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
            default (the comparison's reason, or for ``new`` and
            ``missing`` what the folder comparison found): the pytest plugin
            explains a baseline that is missing or was just written.
        ``notes`` : sequence of str, optional
            Remarks shown with the pair.
        ``images`` : mapping, optional
            Report-relative paths of pictures already placed in the report's
            staging folder (``{"expected": "pairs/0001/expected.png", ...}``);
            used by :mod:`perceptdiff.batch`, whose workers stage the pictures
            in parallel.  When present, ``expected``/``actual``/``diff`` are
            not copied.
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
        summary is built from the entries (see :mod:`perceptdiff.batch`).

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
    rows = [_check_entry(e) for e in entries]
    with ReportFolder(out_dir) as folder:
        for i, row in enumerate(rows, 1):
            if "images" not in row:
                row["images"] = _stage_entry(folder, i, row)
        return finish_report(folder, rows, title=title, meta=meta, summary=summary)


def finish_report(folder: ReportFolder, rows: Sequence[Mapping[str, Any]], *, title: str,
                  meta: Mapping[str, Any] | None, summary: Mapping[str, Any] | None) -> Path:
    """Write the page and ``summary.json`` into ``folder`` and commit it."""
    if summary is None:
        from ..batch import summary_from_entries

        summary = summary_from_entries(rows, meta=meta)
    from ..batch import json_text

    folder.path("summary.json").write_text(json_text(summary), encoding="utf-8")
    write_page(folder.staging, page_data(rows, title=title, meta=meta))
    return folder.commit() / "index.html"


def _check_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(entry)
    if not isinstance(row.get("name"), str) or not row["name"]:
        raise OptionError(f"report entry {entry!r}: 'name' must be a non-empty string")
    if row.get("status") not in STATUSES:
        raise OptionError(f"report entry {row['name']!r}: status {row.get('status')!r} "
                          f"is not one of {', '.join(STATUSES)}")
    return row


def _stage_entry(folder: ReportFolder, index: int, row: dict[str, Any]) -> dict[str, Any]:
    """Copy an entry's pictures into the report; a picture that cannot be read becomes a note."""
    base = pair_folder(index)
    images: dict[str, Any] = {}
    comparison = row.pop("comparison", None)
    if comparison is not None:
        if row.get("result") is None:
            row["result"] = comparison.to_dict()
        try:
            data = heatmap_png(comparison)
        except Exception as exc:
            data = None
            row["notes"] = [*(row.get("notes") or ()), f"heatmap not drawn: {exc}"]
        if data is not None:
            dest = folder.path(f"{base}/diff.png")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            images["diff"] = f"{base}/diff.png"
            images["diff_framed"] = True
    for kind in ("expected", "actual", "diff"):
        if kind in images:
            continue
        src = row.get(kind)
        if src is None:
            continue
        try:
            images[kind] = stage_image(src, folder.staging, f"{base}/{kind}")
        except PerceptdiffError as exc:
            row["notes"] = [*(row.get("notes") or ()), f"{kind} image not shown: {exc}"]
    return images

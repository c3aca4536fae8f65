"""The JSON summary of many comparisons (schema ``perceptdiff-batch``).

Written by folder mode (``--json``, and ``summary.json`` in the report) and
by anything else that writes a report (:func:`perceptdiff.report.write_report`)::

    {
      "schema": "perceptdiff-batch",
      "schema_version": 3,
      "perceptdiff_version": "0.1.0",
      "expected_dir": "approved",          # as given on the command line
      "actual_dir": "renders",
      "options": {...},                    # keyword options of perceptdiff.compare given
      "counts": {"total": 200, "identical": 180, "pass": 12, "fail": 5,
                 "new": 1, "removed": 1, "renamed": 1, "error": 1},
      "exit_code": 2,
      "pairs": [                           # sorted by path
        {"path": "charts/line.png",        # relative, "/"-separated
         "status": "fail",                 # identical|pass|fail|new|removed|renamed|error
         "expected": "approved/charts/line.png",   # null for "new"; the old file for "renamed"
         "actual": "renders/charts/line.png",      # null for "removed"
         "result": {...},                  # ComparisonResult.to_dict(), null unless compared
         "error": null,                    # message for "error"
         "diff": "diffs/charts/line.png",  # diff image written by --diff DIR, else null
         "accept": "cp -- renders/charts/line.png approved/charts/line.png",
         "notes": [],
         "baseline": "approved/charts/line.png",  # what accepting the new image replaces
         "reason": null,                   # why listed, when the result does not say
         "images": {"expected": "pairs/0007/expected.png", ...},  # staged pictures,
                                           # relative to this file's folder (a report's summary.json)
         "diff_framed": true,              # images["diff"] is the heatmap in the compared frame
         "seconds": 0.031,
         "location": null,                 # the test that made the image (plugin), "file:line"
         "from": null}                     # "renamed": the old name (folder mode: its relative
                                           # path; plugin: the baseline no test used), else null
      ],
      "shard": {"index": 1, "total": 4},   # only with --shard K/N
      "timings": {"wall_s": 3.1, "compare_s": 5.8, "jobs": 2}
    }

:data:`SUMMARY_SCHEMA_VERSION` is bumped when a field changes meaning or goes
away, not when one is added.  Versions:

1. the first;
2. the status of a file only in the expected folder is ``removed`` (in
   ``pairs`` and ``counts``), no longer ``missing``: "missing" is kept for a
   missing baseline of the pytest plugin (see :mod:`perceptdiff.entry`).
   Added since, without a new version: ``baseline``, ``reason``, ``images``,
   ``diff_framed``, ``seconds`` and ``location`` of a pair (what ``perceptdiff merge`` and
   ``perceptdiff accept`` read) and ``shard``;
3. the status ``renamed`` (in ``pairs`` and ``counts``): a file only in the
   actual folder and one only in the expected folder that show the same
   picture are one pair, named by the new path, with the old one in the
   pair's new field ``from``, compared as usual (``result``; its ``verdict``
   says whether the picture changed).  A reader of version 2 would not know
   the status, hence the new version.

Paths: ``expected``, ``actual``, ``diff`` and ``baseline`` are as the run
saw them (relative to the folder it was started in); ``images`` are relative
to the summary file's own folder, so a report folder can be moved or
downloaded whole.  :func:`read_summary` reads a summary back into entries.

Statuses are :class:`perceptdiff.entry.Status`; exit status: 2 if any pair is
an ``error``, otherwise 1 if any is ``fail``, ``renamed`` or ``removed``, otherwise 0.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ._version import __version__
from .entry import Entry, Status, count_statuses, plain
from .errors import PerceptdiffError

__all__ = ["SUMMARY_SCHEMA", "SUMMARY_SCHEMA_VERSION", "exit_code", "make_summary",
           "json_text", "printable", "SavedSummary", "read_summary", "rebase_images"]

#: ``schema`` field of the JSON summary.
SUMMARY_SCHEMA = "perceptdiff-batch"

#: ``schema_version`` field of the JSON summary.
SUMMARY_SCHEMA_VERSION = 3


def exit_code(counts: Mapping[str, int]) -> int:
    """2 if any pair is an error, else 1 if any failed, was renamed or removed, else 0."""
    if counts[Status.ERROR.value]:
        return 2
    return 1 if any(counts[s.value] for s in Status if s.failing) else 0


def make_summary(entries: Sequence[Entry], *, expected_dir: str | None = None,
                 actual_dir: str | None = None, options: Mapping[str, Any] | None = None,
                 wall_s: float | None = None, compare_s: float | None = None,
                 jobs: int | None = None, shard: tuple[int, int] | None = None) -> dict[str, Any]:
    """The summary object of ``entries`` (see the module docstring)."""
    counts = count_statuses(e.status for e in entries)
    extra = {} if shard is None else {"shard": {"index": shard[0], "total": shard[1]}}
    return {
        "schema": SUMMARY_SCHEMA,
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "perceptdiff_version": __version__,
        "expected_dir": expected_dir,
        "actual_dir": actual_dir,
        "options": plain(dict(options or {})),
        "counts": counts,
        "exit_code": exit_code(counts),
        "pairs": [e.summary_row() for e in entries],
        "timings": {"wall_s": None if wall_s is None else round(wall_s, 4),
                    "compare_s": None if compare_s is None else round(compare_s, 4),
                    "jobs": jobs},
        **extra,
    }


def rebase_images(summary: Mapping[str, Any], old: str | os.PathLike[str],
                  new: str | os.PathLike[str]) -> dict[str, Any]:
    """``summary`` with its pairs' ``images`` relative to folder ``new`` instead of ``old``."""
    out = dict(summary)
    rows = []
    for row in summary.get("pairs", ()):
        images = row.get("images") or {}
        moved = {k: Path(os.path.relpath(Path(old, v), new)).as_posix() for k, v in images.items()}
        rows.append({**row, "images": moved})
    out["pairs"] = rows
    return out


@dataclass(frozen=True)
class SavedSummary:
    """A summary read back from its file.

    Attributes
    ----------
    path : Path
        The file.
    data : dict
        Its top-level fields (``pairs`` included, as written).
    entries : list of Entry
        One per pair; ``images`` still relative to :attr:`folder`.
    """

    path: Path
    data: dict[str, Any]
    entries: list[Entry]

    @property
    def folder(self) -> Path:
        """The folder ``images`` are relative to."""
        return self.path.parent


#: Fields of a summary row and the Entry field each fills (``path`` is the name).
_ROW_FIELDS = ("status", "expected", "actual", "result", "error", "diff", "accept", "notes",
               "baseline", "reason", "images", "diff_framed", "seconds", "location", "from")


def _row_entry(row: Any, where: str) -> Entry:
    if not isinstance(row, Mapping):
        raise PerceptdiffError(f"{where}: a pair is not an object")
    values = {k: row[k] for k in _ROW_FIELDS if row.get(k) is not None}
    if values.get("status") == "missing":  # schema 1's name of "removed"
        values["status"] = Status.REMOVED.value
    if not isinstance(values.get("images", {}), Mapping) or not isinstance(values.get("notes", []), list):
        raise PerceptdiffError(f"{where}: pair {row.get('path')!r} has malformed images or notes")
    values["images"] = {str(k): str(v) for k, v in values.get("images", {}).items()}
    try:
        values["seconds"] = float(values.get("seconds", 0.0))
        return Entry.from_mapping({"name": row.get("path"), **values})
    except (ValueError, TypeError, PerceptdiffError) as exc:
        raise PerceptdiffError(f"{where}: {exc}") from None


def read_summary(path: str | os.PathLike[str]) -> SavedSummary:
    """Read a ``perceptdiff-batch`` summary (any version up to :data:`SUMMARY_SCHEMA_VERSION`).

    Fields added since the file's version are optional; unknown fields are
    ignored (a newer writer may add some).

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        The file cannot be read, is not JSON, or is not a summary this version reads.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PerceptdiffError(f"{p}: no such file") from None
    except OSError as exc:
        raise PerceptdiffError(f"{p}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise PerceptdiffError(f"{p}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SUMMARY_SCHEMA:
        raise PerceptdiffError(f"{p}: not a perceptdiff summary (schema {SUMMARY_SCHEMA!r})")
    version = data.get("schema_version")
    if not isinstance(version, int) or not 1 <= version <= SUMMARY_SCHEMA_VERSION:
        raise PerceptdiffError(f"{p}: summary schema version {version!r}; this perceptdiff reads "
                               f"1 to {SUMMARY_SCHEMA_VERSION} (upgrade perceptdiff)")
    pairs = data.get("pairs")
    if not isinstance(pairs, list):
        raise PerceptdiffError(f"{p}: 'pairs' is not a list")
    return SavedSummary(p, data, [_row_entry(row, str(p)) for row in pairs])


def printable(text: str) -> str:
    """``text`` with undecodable file-name bytes (lone surrogates) as ``\\udcXX`` escapes.

    File names that are not UTF-8 reach Python as lone surrogates, which no
    UTF-8 stream accepts; inside a JSON string the escape is the same character.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_text(obj: Any) -> str:
    """Indented JSON of ``obj``, safe to write as UTF-8 (see :func:`printable`)."""
    return printable(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"

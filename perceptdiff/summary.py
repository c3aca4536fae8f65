"""The JSON summary of many comparisons (schema ``perceptdiff-batch``).

Written by folder mode (``--json``, and ``summary.json`` in the report) and
by anything else that writes a report (:func:`perceptdiff.report.write_report`)::

    {
      "schema": "perceptdiff-batch",
      "schema_version": 2,
      "perceptdiff_version": "0.1.0",
      "expected_dir": "approved",          # as given on the command line
      "actual_dir": "renders",
      "options": {...},                    # keyword options of perceptdiff.compare given
      "counts": {"total": 200, "identical": 180, "pass": 12, "fail": 5,
                 "new": 1, "removed": 1, "error": 1},
      "exit_code": 2,
      "pairs": [                           # sorted by path
        {"path": "charts/line.png",        # relative, "/"-separated
         "status": "fail",                 # identical|pass|fail|new|removed|error
         "expected": "approved/charts/line.png",   # null for "new"
         "actual": "renders/charts/line.png",      # null for "removed"
         "result": {...},                  # ComparisonResult.to_dict(), null unless compared
         "error": null,                    # message for "error"
         "diff": "diffs/charts/line.png",  # diff image written by --diff DIR, else null
         "accept": "cp -- renders/charts/line.png approved/charts/line.png",
         "notes": []}
      ],
      "timings": {"wall_s": 3.1, "compare_s": 5.8, "jobs": 2}
    }

:data:`SUMMARY_SCHEMA_VERSION` is bumped when a field changes meaning or goes
away, not when one is added.  Versions:

1. the first;
2. the status of a file only in the expected folder is ``removed`` (in
   ``pairs`` and ``counts``), no longer ``missing``: "missing" is kept for a
   missing baseline of the pytest plugin (see :mod:`perceptdiff.entry`).

Statuses are :class:`perceptdiff.entry.Status`; exit status: 2 if any pair is
an ``error``, otherwise 1 if any is ``fail`` or ``removed``, otherwise 0.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from ._version import __version__
from .entry import Entry, Status, count_statuses, plain

__all__ = ["SUMMARY_SCHEMA", "SUMMARY_SCHEMA_VERSION", "exit_code", "make_summary",
           "json_text", "printable"]

#: ``schema`` field of the JSON summary.
SUMMARY_SCHEMA = "perceptdiff-batch"

#: ``schema_version`` field of the JSON summary.
SUMMARY_SCHEMA_VERSION = 2


def exit_code(counts: Mapping[str, int]) -> int:
    """2 if any pair is an error, else 1 if any failed or was removed, else 0."""
    if counts[Status.ERROR.value]:
        return 2
    return 1 if any(counts[s.value] for s in Status if s.failing) else 0


def make_summary(entries: Sequence[Entry], *, expected_dir: str | None = None,
                 actual_dir: str | None = None, options: Mapping[str, Any] | None = None,
                 wall_s: float | None = None, compare_s: float | None = None,
                 jobs: int | None = None) -> dict[str, Any]:
    """The summary object of ``entries`` (see the module docstring)."""
    counts = count_statuses(e.status for e in entries)
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
    }


def printable(text: str) -> str:
    """``text`` with undecodable file-name bytes (lone surrogates) as ``\\udcXX`` escapes.

    File names that are not UTF-8 reach Python as lone surrogates, which no
    UTF-8 stream accepts; inside a JSON string the escape is the same character.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_text(obj: Any) -> str:
    """Indented JSON of ``obj``, safe to write as UTF-8 (see :func:`printable`)."""
    return printable(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"

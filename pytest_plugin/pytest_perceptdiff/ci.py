"""What a run leaves for CI: the results summary that ``perceptdiff merge`` and ``accept`` read, GitHub output.

* :data:`RESULTS_SUMMARY` in the results folder, a ``perceptdiff-batch``
  summary of the run's snapshots (written by the only process or the xdist
  controller, so it covers every worker).  Each machine of a job matrix
  uploads its results folder; ``perceptdiff merge`` joins them into one
  report; ``perceptdiff accept`` copies their new images over the baselines.
* Inside GitHub Actions, ``::error`` annotations for failing snapshots (at
  the test's file and line) and a section of the job summary
  (:mod:`perceptdiff.github`).

JUnit attachments are :mod:`.junit`'s.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from perceptdiff.entry import Status

from .state import SessionState, display_path
from .summary import _inside

__all__ = ["RESULTS_SUMMARY", "GITHUB_TITLE", "results_summary", "write_results_summary",
           "publish_github"]

#: The run's ``perceptdiff-batch`` summary, in the results folder.
RESULTS_SUMMARY = "perceptdiff-summary.json"

#: Heading of the GitHub job summary's section.
GITHUB_TITLE = "perceptdiff: pytest snapshots"


def results_summary(state: SessionState) -> dict[str, Any]:
    """The run's ``perceptdiff-batch`` summary (:data:`RESULTS_SUMMARY`).

    One pair per recorded event (:func:`.review.entries_from_events`).  The
    pictures in the results folder are its ``images`` (relative to the results
    folder, so a downloaded folder can be merged); the other paths are
    relative to the folder pytest was started in.
    """
    from perceptdiff.summary import make_summary

    from .review import entries_from_events
    from .settings import merge_layers

    results, start = state.settings.results_dir, state.invocation_dir
    entries = entries_from_events(state.reported_events(), locations=state.locations,
                                  renames=state.rename_dicts())
    for entry in entries:
        entry.images = {kind: Path(os.path.relpath(path, results)).as_posix()
                        for kind in ("expected", "actual", "diff")
                        if (path := getattr(entry, kind)) and _inside(Path(path), results)}
        for kind in ("expected", "actual", "diff", "baseline", "renamed_from"):
            if getattr(entry, kind):
                setattr(entry, kind, display_path(getattr(entry, kind), start))
    return make_summary(entries, options=merge_layers(*state.settings.compare_layers()))


class _TerminalStream:
    """``write``/``flush`` onto pytest's terminal (stdout, where GitHub reads workflow commands)."""

    def __init__(self, tr: Any) -> None:
        self.tr = tr

    def write(self, text: str) -> None:
        self.tr.write(text)

    def flush(self) -> None:
        pass


def publish_github(tr: Any, state: SessionState) -> None:
    """Inside GitHub Actions: annotations for the failing snapshots and the job summary's section."""
    from perceptdiff.github import in_github_actions, publish

    if not in_github_actions():
        return
    from .review import entries_from_events

    entries = [e for e in entries_from_events(state.reported_events(), locations=state.locations,
                                              renames=state.rename_dicts())
               if e.status.notable]
    if entries:
        report = display_path(state.report_index) if state.report_index is not None else None
        # A missing baseline fails its test (CI mode), so it is an error here; a likely
        # rename whose test passed (its baseline was written) is only a warning.
        hints = {e.name for e in entries if e.status is Status.RENAMED
                 and state.outcomes.get(_nodeid(e.name)) == "passed"}
        publish(entries, title=GITHUB_TITLE, report=report, new_fails=True, stream=_TerminalStream(tr),
                warnings=hints)


def _nodeid(name: str) -> str:
    """The test of a review entry's name (``nodeid`` or ``nodeid (snapshot x)``)."""
    return name.split(" (", 1)[0].split(" #", 1)[0]


def write_results_summary(state: SessionState) -> str | None:
    """Write :data:`RESULTS_SUMMARY` when the run recorded anything; its name, or None."""
    from perceptdiff.errors import PerceptdiffError
    from perceptdiff.fileio import atomic_write_bytes
    from perceptdiff.summary import json_text

    if not state.reported_events():
        return None
    try:
        atomic_write_bytes(state.settings.results_dir / RESULTS_SUMMARY,
                           json_text(results_summary(state)).encode("utf-8"))
    except PerceptdiffError:
        return None  # a read-only folder is no failure: the terminal summary has it all
    return RESULTS_SUMMARY

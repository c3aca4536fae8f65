"""The HTML review report of a pytest run's snapshots.

At the end of a run, the process that saw every test's results (the only
process, or the pytest-xdist controller) turns the events the tests recorded
(:mod:`.events`) into :class:`perceptdiff.entry.Entry` objects for
:func:`perceptdiff.report.write_report`:

==============================  =========  ===================================
event                           status     pictures
==============================  =========  ===================================
``failed`` (visibly different)  fail       expected, actual, diff (results)
``missing`` (no baseline, and   new        actual (results)
the run does not write them)
``written`` (baseline written)  pass       the new baseline
``updated`` (baseline           pass       the new baseline, with the numbers
rewritten)                                 of the comparison that rewrote it
a ``written`` or ``missing``    renamed    the unused baseline (expected) and
snapshot that looks like a                 the new image (actual), compared
baseline no test used                      (:mod:`.renames`)
==============================  =========  ===================================

Failures a test expected (``pytest.raises(AssertionError)``) are left out.
Each failing or missing snapshot carries the command that accepts its new
image (``pytest --perceptdiff-update=changed "<test>"``, ``=missing`` for a
missing baseline); an ``assert_images_similar`` failure has none (the test
supplies both images).  The numbers are the comparison's ``to_dict()``,
recorded with the event, so they survive the trip from an xdist worker.

Where it goes: ``--perceptdiff-report=DIR`` (ini ``perceptdiff_report``)
writes the report after every run; without it ``<results>/report`` is
written when a snapshot failed or was missing, and removed by the next run
with the rest of the results (:func:`.summary.clean_previous_results`).

The report can also be built later from a results folder, whose manifest
(``perceptdiff-results.json``) keeps the events::

    python -m pytest_perceptdiff.review [RESULTS_DIR] [-o OUT_DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from perceptdiff.entry import Entry, Status

from . import naming
from .events import EventKind, SnapshotEvent
from .state import SessionState, display_path

__all__ = [
    "DEFAULT_FOLDER", "TITLE", "entries_from_events",
    "write_session_report", "report_from_results", "main",
]

#: The report's folder inside the results folder, when no folder is asked for.
DEFAULT_FOLDER = "report"

#: Heading of the report's page.
TITLE = "perceptdiff: pytest snapshots"

_REASONS = {
    EventKind.MISSING: "No baseline yet, and this run does not write baselines (CI mode or update "
                       "mode none): the new image was saved for review. Accept it if it is right.",
    EventKind.WRITTEN: "This run wrote the new baseline: review it before committing it.",
}


def _entry_name(event: SnapshotEvent) -> str:
    """``nodeid`` for a test's first unnamed snapshot; the snapshot or call added otherwise."""
    nodeid, label = event.nodeid, event.label
    if event.baseline:
        stem = naming.test_stem(nodeid)
        if label == stem:
            return nodeid
        part = label[len(stem) + len(naming.SEPARATOR):] if label.startswith(stem + naming.SEPARATOR) else label
        return f"{nodeid} (snapshot {part})"
    if label in ("", "assert_images_similar"):
        return f"{nodeid} (assert_images_similar)"
    return f"{nodeid} (assert_images_similar name={label!r})"


def _rename_key(nodeid: Any, baseline: Any) -> tuple[str, str]:
    return str(nodeid), os.path.normcase(os.path.abspath(str(baseline)))


def _renamed(entry: Entry, event: SnapshotEvent, rename: Mapping[str, Any],
             where: Callable[[str], str]) -> None:
    """Make ``entry`` the ``renamed`` entry of a likely rename (:meth:`.renames.LikelyRename.to_dict`)."""
    from perceptdiff.entry import renamed_reason

    from .renames import new_image, rename_command

    old = str(rename["old"])
    image = new_image(event)
    entry.status = Status.RENAMED
    entry.renamed_from = display_path(old)  # a name: relative to where pytest ran, when inside
    entry.expected = old
    entry.actual = where(image) if image and event.kind is EventKind.MISSING else image
    entry.diff = None
    result = rename.get("result")
    entry.result = dict(result) if isinstance(result, Mapping) else None
    distance = rename.get("distance")
    entry.reason = (f"Likely renamed: the baseline {display_path(old)}, which no test used, shows the "
                    f"same picture; {renamed_reason(float(distance) if distance is not None else None, entry.result)}")
    if event.baseline:
        entry.accept = rename_command(old, event.baseline)


def entries_from_events(events: Iterable[SnapshotEvent | Mapping[str, Any]], *,
                        locate: Callable[[str], str] | None = None,
                        locations: Mapping[str, str] | None = None,
                        renames: Iterable[Mapping[str, Any]] = ()) -> list[Entry]:
    """Report entries for a run's events.

    Parameters
    ----------
    events : iterable of SnapshotEvent or mappings
        Events as :meth:`.state.TestContext.record` makes them (or their
        ``to_dict()``, from a manifest); unknown kinds are left out.
    locate : callable, optional
        Maps a recorded artifact path to where the file is now (a results
        folder that was moved or downloaded from CI).
    locations : mapping, optional
        ``path:line`` of each test, by node id (:attr:`.state.SessionState.locations`).
    renames : iterable of mappings, optional
        Likely renames (:meth:`.renames.LikelyRename.to_dict`): the new
        snapshot's entry becomes ``renamed``, from the unused baseline.

    Returns
    -------
    list of Entry
        Failing entries first, then new, then passing; by name within each.
    """
    where = locate or (lambda p: p)
    by_new = {_rename_key(r.get("nodeid"), r.get("baseline")): r for r in renames
              if isinstance(r, Mapping) and r.get("old") and r.get("baseline")}
    rows: list[Entry] = []
    seen: dict[str, int] = {}
    for item in events:
        event = item if isinstance(item, SnapshotEvent) else SnapshotEvent.from_dict(item)
        if event is None or event.expected:
            continue
        kind = event.kind
        name = _entry_name(event)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:  # the same snapshot twice (a rerun plugin): keep both
            name = f"{name} #{seen[name]}"
        entry = Entry(name, kind.status, result=event.result, accept=event.accept,
                      baseline=event.baseline, location=(locations or {}).get(event.nodeid))
        if kind.fails:
            for label in ("expected", "actual", "diff"):
                if event.files.get(label):
                    setattr(entry, label, where(event.files[label]))
        elif event.baseline:
            entry.actual = event.baseline
        if kind is EventKind.UPDATED:
            entry.reason = f"This run rewrote the baseline: {event.summary or 'rewritten'}."
        elif kind in _REASONS:
            entry.reason = _REASONS[kind]
        elif entry.result is None and event.summary:
            entry.reason = event.summary
        rename = by_new.get(_rename_key(event.nodeid, event.baseline)) if event.baseline else None
        if rename is not None:
            _renamed(entry, event, rename, where)
        if event.baseline:
            entry.notes.append(f"baseline: {display_path(event.baseline)}")
        elif kind is EventKind.FAILED:
            entry.notes.append("assert_images_similar: the test supplies both images, so there "
                               "is no baseline to accept")
        rows.append(entry)
    rank = {s: i for i, s in enumerate(Status)}
    rows.sort(key=lambda e: (rank[e.status], e.name))
    return rows


def write_session_report(state: SessionState) -> None:
    """Write the run's report if asked for or if something failed (on the controller only).

    Sets ``state.report_index`` (the page), ``state.report_default`` (it is
    the results folder's own report) or ``state.report_error``.
    """
    from perceptdiff.errors import PerceptdiffError
    from perceptdiff.report import write_report

    s = state.settings
    events = state.reported_events()
    if s.report_dir is not None:
        out, default = s.report_dir, False
    elif any(e.kind.fails for e in events):
        out, default = s.results_dir / DEFAULT_FOLDER, True
    else:
        return
    entries = entries_from_events(events, locations=state.locations, renames=state.rename_dicts())
    # A likely rename's comparison was made here, at the end of the run: its heatmap can be drawn.
    compared = {_rename_key("", r.event.baseline): r.comparison for r in state.renames}  # one per baseline
    for entry in entries:
        if entry.status is Status.RENAMED and entry.baseline:
            entry.comparison = compared.get(_rename_key("", entry.baseline))
    try:
        state.report_index = write_report(entries, out, title=TITLE, meta=state.report_meta())
        state.report_default = default
    except (PerceptdiffError, OSError) as exc:
        state.report_error = f"{exc}"


def _relocator(old: str | None, new: Path) -> Callable[[str], str]:
    """Map paths under the recorded results folder ``old`` into ``new`` when they moved."""
    def locate(path: str) -> str:
        if old is None or os.path.exists(path):
            return path
        try:
            rel = os.path.relpath(path, old)
        except ValueError:
            return path
        if rel.startswith(".."):
            return path
        return str(new / rel)
    return locate


def report_from_results(results_dir: str | os.PathLike[str],
                        out_dir: str | os.PathLike[str] | None = None) -> Path:
    """Build the review report from a results folder's manifest.

    Parameters
    ----------
    results_dir : path
        A results folder written by the plugin (``.perceptdiff-results``),
        possibly moved or downloaded from CI.
    out_dir : path, optional
        Where to write the report (default ``<results_dir>/report``).

    Returns
    -------
    pathlib.Path
        The report's ``index.html``.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        No readable manifest, or the report folder cannot be written.
    """
    from perceptdiff.errors import PerceptdiffError
    from perceptdiff.report import write_report

    from .summary import MANIFEST

    results = Path(results_dir)
    if not results.is_dir():
        raise PerceptdiffError(f"{results}: no such folder")
    path = results / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise PerceptdiffError(
            f"{results}: no {MANIFEST}; the last pytest run recorded nothing there (no snapshot "
            "failed, was missing, written or rewritten), or this is not a results folder") from None
    except (OSError, ValueError) as exc:
        raise PerceptdiffError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise PerceptdiffError(f"{path}: not a perceptdiff results manifest")
    found = data.get("meta")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    events = [e for e in data["events"] if isinstance(e, dict)]
    old = meta.get("results_dir")
    renames = [r for r in data.get("renames") or () if isinstance(r, dict)]
    entries = entries_from_events(events, locate=_relocator(old, results.absolute()), renames=renames)
    out = Path(out_dir) if out_dir is not None else results / DEFAULT_FOLDER
    return write_report(entries, out, title=TITLE, meta={**meta, "results_dir": str(results.absolute())})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pytest_perceptdiff.review``: exit 0 when written, 2 on trouble."""
    parser = argparse.ArgumentParser(
        prog="python -m pytest_perceptdiff.review",
        description="Build the HTML review report of a pytest run from its perceptdiff results folder.")
    parser.add_argument("results", nargs="?", default=".perceptdiff-results", metavar="RESULTS_DIR",
                        help="the plugin's results folder (default: .perceptdiff-results)")
    parser.add_argument("-o", "--output", metavar="DIR", default=None,
                        help="report folder (default: RESULTS_DIR/report)")
    args = parser.parse_args(argv)
    from perceptdiff.errors import PerceptdiffError

    try:
        index = report_from_results(args.results, args.output)
    except PerceptdiffError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    print(f"report: {display_path(index)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The terminal summary section and the results manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence


from .events import EventKind
from .state import SessionState, display_path

__all__ = ["write_summary", "write_manifest", "clean_previous_results", "MANIFEST", "MANIFEST_VERSION"]

#: The file, in the results folder, listing what the last run wrote there.
MANIFEST = "perceptdiff-results.json"

#: Version of the manifest (2: events are ``SnapshotEvent.to_dict()``; the kind
#: ``new`` of version 1 is ``written``).
MANIFEST_VERSION = 2

_TITLES = {
    EventKind.FAILED: "visibly different image(s)",
    EventKind.MISSING: "missing baselines (not written: review the new images)",
    EventKind.WRITTEN: "new baselines written (review and commit them)",
    EventKind.UPDATED: "baselines rewritten",
}


def write_summary(tr: Any, state: SessionState) -> None:
    """The ``perceptdiff`` section of the terminal summary (nothing if idle)."""
    groups = [(k, state.events_of(k)) for k in EventKind]
    prune = state.prune
    if (not any(events for _, events in groups) and prune is None
            and state.report_index is None and state.report_error is None):
        return
    from perceptdiff.entry import renamed_reason

    from .renames import rename_command
    tr.write_sep("=", "perceptdiff")
    for kind, events in groups:
        if not events:
            continue
        tr.write_line(f"{len(events)} {_TITLES[kind]}:", bold=True,
                      red=kind.fails, yellow=not kind.fails)
        for e in events:
            where = display_path(e.baseline) if e.baseline else e.label
            tr.write_line(f"  {e.nodeid}  {where}")
            if kind in (EventKind.FAILED, EventKind.UPDATED) and e.summary:
                tr.write_line(f"      {e.summary}")
            for label, path in e.files.items():
                tr.write_line(f"      {label}: {display_path(path)}")
    if state.renames:
        tr.write_line(f"{len(state.renames)} likely renamed snapshot(s) (a new snapshot that looks like "
                      "a baseline no test used):", bold=True, yellow=True)
        for r in state.renames:
            tr.write_line(f"  {r.event.nodeid}  {display_path(r.old)} -> {display_path(r.event.baseline)}")
            tr.write_line(f"      {renamed_reason(r.distance, r.result)}")
            tr.write_line(f"      rename it with: {rename_command(r.old, r.event.baseline)}")
    if prune is not None:
        if prune.skipped:
            tr.write_line(f"prune skipped: {prune.skipped}; run the whole suite to find unused "
                          "baselines", yellow=True)
        else:
            verb = "deleted" if prune.deleted else "found"
            tr.write_line(f"prune: {len(prune.unused)} unused baseline(s) {verb}"
                          + (f", {len(prune.temp_files)} leftover temporary file(s)"
                             if prune.temp_files else "")
                          + (f" ({prune.protected} kept: their test did not pass)"
                             if prune.protected else "")
                          + (f", {len(prune.kept_renamed)} more kept: a new snapshot looks like them"
                             if prune.kept_renamed else ""), bold=True)
            for leftover in [*prune.unused, *prune.temp_files]:
                tr.write_line(f"  {display_path(leftover)}")
            if (prune.unused or prune.temp_files) and not prune.deleted:
                tr.write_line("  (add --perceptdiff-update=missing to delete them)")
            renamed = {r.old: r for r in state.renames}
            for old in prune.kept_renamed:
                r = renamed[old]
                tr.write_line(f"  baseline {display_path(old)} looks like the new snapshot "
                              f"{display_path(r.event.baseline)} (distance {r.distance:.3f}"
                              f"{', ' + r.verdict if r.verdict else ''}): rename it with "
                              f"{rename_command(old, r.event.baseline)}"
                              + ("; it is never deleted for you" if prune.deleted else
                                 "; prune does not delete it"))
            for err in prune.errors:
                tr.write_line(f"  not deleted: {err}", red=True)
    results = state.settings.results_dir
    if any(e.kind.fails for e in state.reported_events()):
        tr.write_line(f"artifacts: {display_path(results)}")
    if state.report_index is not None:
        tr.write_line(f"report: {display_path(state.report_index)}", bold=True)
    elif state.report_error is not None:
        tr.write_line(f"report not written: {state.report_error}", red=True)


def write_manifest(state: SessionState, extra_files: Sequence[str] = ()) -> None:
    """Record what this run wrote in the results folder (``extra_files``: more of them, relative)."""
    from perceptdiff.errors import PerceptdiffError
    from perceptdiff.fileio import atomic_write_bytes

    results = state.settings.results_dir
    files = sorted({f for f in state.files_written() if _inside(Path(f), results)})
    path = results / MANIFEST
    report = None
    if state.report_default and state.report_index is not None:
        report = state.report_index.parent.relative_to(results).as_posix()
    if not files and report is None and not path.exists():
        return
    listed = [str(Path(f).relative_to(results)) for f in files] + list(extra_files)
    data = {
        "version": MANIFEST_VERSION,
        "files": listed,
        # The results folder's own report, removed with the files by the next run.
        "report": report,
        # For ``python -m pytest_perceptdiff.review``: the events, and where
        # the run put things (to find the files if the folder moves).
        "meta": state.report_meta(),
        "events": [e.to_dict() for e in state.reported_events()],
        # Likely renames (:mod:`.renames`), for the rebuilt report's ``renamed`` entries.
        "renames": state.rename_dicts(),
    }
    try:
        atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    except PerceptdiffError:
        pass  # the summary already lists everything; a read-only folder is no failure


def clean_previous_results(results: Path) -> None:
    """Delete the files the previous run listed in its manifest (nothing else)."""
    path = results / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
        names = [str(n) for n in data.get("files", [])]
        report = data.get("report")
    except (OSError, ValueError, AttributeError):
        return
    if isinstance(report, str) and report:
        _remove_report(results / report, results)
    folders: set[Path] = set()
    for name in names:
        target = results / name
        if not _inside(target, results) or not target.is_file():
            continue
        try:
            target.unlink()
        except OSError:
            continue
        folders.update(p for p in target.parents if _inside(p, results) and p != results)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass
    try:
        path.unlink()
    except OSError:
        pass


def _remove_report(folder: Path, results: Path) -> None:
    """Delete the results folder's own report of the previous run (only a folder carrying the marker)."""
    import shutil

    from perceptdiff.report import MARKER

    if (folder.resolve() != results.resolve() and _inside(folder, results) and not folder.is_symlink()
            and (folder / MARKER).is_file()):
        shutil.rmtree(folder, ignore_errors=True)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True



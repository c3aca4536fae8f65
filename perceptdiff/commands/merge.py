"""``perceptdiff merge SUMMARY.json ... [--report R] [--junit J] [--json OUT]``.

Joins the JSON summaries of several runs (the shards of a job matrix,
``perceptdiff EXPECTED ACTUAL --shard K/N``, or the pytest plugin's
``perceptdiff-summary.json`` of several machines) into one review: one
summary, one HTML report, one JUnit file, one GitHub job summary.

Each pair's pictures are taken from where its run staged them (the row's
``images``, relative to the summary's folder: pass each shard's
``REPORT/summary.json`` and they come along wherever the artifacts were
downloaded), else from the row's ``expected``/``actual``/``diff`` paths
(relative to the working folder).  A picture found in neither place is a
note on the pair, not an error.  A name in two summaries is kept twice (the
second marked ``#2``, with a note).

Exit status: that of the merged summary (2 if a pair is an error, else 1 if
one failed, was renamed or removed, else 0), or 2 when a summary cannot be read.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from ..entry import Entry
from ..errors import PerceptdiffError
from ..summary import SavedSummary, json_text, make_summary, printable, read_summary

__all__ = ["merge_summaries", "add_arguments", "run"]

_KINDS = ("expected", "actual", "diff")


def _pictures(saved: SavedSummary, entry: Entry) -> tuple[dict[str, str], bool, list[str]]:
    """The pair's picture files by kind, whether the diff is a staged heatmap, and notes."""
    found: dict[str, str] = {}
    notes: list[str] = []
    framed = False
    for kind in _KINDS:
        staged = entry.images.get(kind)
        if staged and saved.folder.joinpath(*staged.split("/")).is_file():
            found[kind] = str(saved.folder.joinpath(*staged.split("/")))
            framed = framed or (kind == "diff" and entry.diff_framed)
            continue
        given = getattr(entry, kind)
        if given and os.path.isfile(given):
            found[kind] = given
        elif staged or given:
            notes.append(f"{kind} image not found (from {saved.path})")
    return found, framed, notes


def _join(summaries: Sequence[SavedSummary]) -> list[tuple[SavedSummary, Entry]]:
    rows: list[tuple[SavedSummary, Entry]] = []
    seen: dict[str, tuple[int, Path]] = {}
    for saved in summaries:
        for entry in saved.entries:
            name = entry.name
            if name in seen:
                count, first = seen[name]
                seen[name] = (count + 1, first)
                entry = replace(entry, name=f"{name} #{count + 1}",
                                notes=[*entry.notes, f"{name} is also in {first}"])
            else:
                seen[name] = (1, saved.path)
            rows.append((saved, entry))
    rows.sort(key=lambda row: row[1].name.split("/"))
    return rows


def _common(summaries: Sequence[SavedSummary], key: str) -> Any:
    values = {repr(s.data.get(key)) for s in summaries}
    return summaries[0].data.get(key) if len(values) == 1 else None


def merge_summaries(paths: Sequence[str | os.PathLike[str]], *,
                    report: str | os.PathLike[str] | None = None,
                    title: str | None = None) -> tuple[Any, dict[str, Any], list[str]]:
    """Join summaries; write the report when asked.

    Parameters
    ----------
    paths : sequence of path
        ``perceptdiff-batch`` summaries.
    report : path, optional
        Folder of the merged HTML report (replaced whole, as every report).
    title : str, optional
        Heading of the report.

    Returns
    -------
    result : perceptdiff.folder.FolderResult
        The merged pairs (``report`` set when written).
    summary : dict
        The merged summary (its ``images`` relative to the report, when written).
    warnings : list of str
        Differences between the summaries worth saying (their options differ).

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        A summary cannot be read, or the report cannot be written.
    """
    from ..folder.run import FolderResult

    if not paths:
        raise PerceptdiffError("merge: no summary given")
    t0 = time.perf_counter()
    summaries = [read_summary(p) for p in paths]
    warnings = []
    options = _common(summaries, "options")
    if options is None:
        warnings.append("the summaries were made with different options; the first's are shown")
        options = summaries[0].data.get("options")
    rows = _join(summaries)
    entries = [entry for _, entry in rows]
    exp_dir, act_dir = _common(summaries, "expected_dir"), _common(summaries, "actual_dir")
    walls = [s.data.get("timings", {}).get("wall_s") for s in summaries]
    result = FolderResult(exp_dir or "", act_dir or "", entries, dict(options or {}),
                          max((w for w in walls if isinstance(w, (int, float))), default=0.0), 1)
    sources = [{"path": str(s.path), "counts": s.data.get("counts"), "shard": s.data.get("shard")}
               for s in summaries]
    index = None
    if report is not None:
        from ..report import ReportFolder, finish_report, stage_pictures

        with ReportFolder(report) as folder:
            for i, (saved, entry) in enumerate(rows, 1):
                files, framed, notes = _pictures(saved, entry)
                entry.images, _, staged_notes = stage_pictures(
                    folder.staging, i, expected=files.get("expected"), actual=files.get("actual"),
                    diff=files.get("diff"))
                entry.diff_framed = framed and "diff" in entry.images
                entry.notes.extend(notes + staged_notes)
            summary = _summary(result, sources)
            meta = {"expected_dir": exp_dir, "actual_dir": act_dir, "options": options,
                    "merged_from": [s["path"] for s in sources], "exit_code": result.exit_code}
            index = finish_report(folder, entries, title=title or "perceptdiff report (merged)",
                                  meta=meta, summary=summary)
        result.report = index
    else:
        for saved, entry in rows:
            entry.images, entry.diff_framed = {}, False  # they were relative to another folder
        summary = _summary(result, sources)
    result.wall_s = max(result.wall_s, time.perf_counter() - t0)
    return result, summary, warnings


def _summary(result: Any, sources: list[dict[str, Any]]) -> dict[str, Any]:
    summary = make_summary(result.pairs, expected_dir=result.expected_dir or None,
                           actual_dir=result.actual_dir or None, options=result.options,
                           wall_s=result.wall_s, compare_s=sum(e.seconds for e in result.pairs))
    summary["merged_from"] = sources
    return summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("summaries", nargs="+", metavar="SUMMARY.json",
                        help="summaries to join (a report's summary.json brings its pictures along)")
    parser.add_argument("--report", metavar="DIR", help="write the merged HTML review report to DIR")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML of every pair")
    parser.add_argument("--json", metavar="FILE", help="write the merged summary ('-': stdout)")
    parser.add_argument("--title", metavar="TEXT", help="heading of the report")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing; the exit status tells")


def run(args: argparse.Namespace) -> int:
    from ..fileio import atomic_write_bytes
    from ..folder.terminal import render_summary
    from ..github import publish
    from ..junit import write_junit
    from ..summary import rebase_images

    result, summary, warnings = merge_summaries(args.summaries, report=args.report, title=args.title)
    report_dir = str(result.report.parent) if result.report is not None else None
    if args.json is not None:
        shown = summary
        if report_dir is not None:
            where = os.getcwd() if args.json == "-" else os.path.dirname(os.path.abspath(args.json))
            shown = rebase_images(summary, report_dir, where)
        if args.json == "-":
            sys.stdout.write(json_text(shown))
        else:
            atomic_write_bytes(args.json, json_text(shown).encode("utf-8"))
    if args.junit is not None:
        write_junit(result.pairs, args.junit, name="perceptdiff", wall_s=result.wall_s,
                    properties={"merged_from": " ".join(args.summaries)}, images_root=report_dir)
    listing = sys.stderr if args.json == "-" else sys.stdout
    publish(result.pairs, title="perceptdiff (merged)", stream=listing,
            report=str(result.report) if result.report is not None else None)
    for warning in warnings:
        print(f"perceptdiff merge: note: {warning}", file=sys.stderr)
    if not args.quiet:
        print(printable(f"merged {len(args.summaries)} summaries"), file=listing)
        print(printable(render_summary(result)), file=listing)
    return result.exit_code

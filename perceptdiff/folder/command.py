"""The folder form of the ``perceptdiff`` command: progress, outputs, listing, exit status.

``perceptdiff EXPECTED_DIR ACTUAL_DIR`` pairs image files by relative path
(:mod:`.pairing`), compares the pairs in parallel (:mod:`.pool`) and reports
each as ``identical``, ``pass``, ``fail``, ``new`` (only in ACTUAL_DIR: no
baseline yet), ``removed`` (only in EXPECTED_DIR: no new image), ``renamed``
(a file only in ACTUAL_DIR and one only in EXPECTED_DIR that show the same
picture, compared with each other; listed as ``old -> new``) or ``error``
(see :mod:`perceptdiff.entry`).

Exit status: 2 if any pair is an ``error`` (trouble, as ``diff -r`` reports
trouble even when it also found differences); otherwise 1 if any pair is
``fail``, ``renamed`` or ``removed``; otherwise 0.  A rename fails even when
the picture is unchanged: the baselines still carry the old name (``diff -r``
exits 1 for "Only in" too).  A ``new`` image alone does not fail the
run: it has nothing to be compared with, is listed, and is skipped in JUnit.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Mapping, TextIO

from ..entry import Status
from ..names import display
from ..summary import json_text, printable, rebase_images
from .run import compare_folders
from .terminal import Progress, render_summary

__all__ = ["run_cli"]


def _write_json_file(path: str, obj: Any) -> None:
    from ..fileio import atomic_write_bytes

    atomic_write_bytes(path, json_text(obj).encode("utf-8"))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_cli(args: Any, kw: Mapping[str, Any]) -> int:
    """The folder form of the ``perceptdiff`` command; returns the exit status.

    ``args`` is the command's argparse namespace (``expected``, ``actual``,
    ``report``, ``json``, ``junit``, ``jobs``, ``diff``, ``diff_style``,
    ``diff_base``, ``diff_color``, ``renames``, ``quiet``, ``verbose``); ``kw`` the options of :func:`perceptdiff.compare`.
    With folders, ``--diff`` names a folder that receives one diff image per
    pair that is not identical.  Progress goes to stderr, the listing of
    pairs that need a look to stdout (to stderr when ``--json -`` takes
    stdout).
    """
    quiet = bool(getattr(args, "quiet", False))
    verbose = bool(getattr(args, "verbose", False))
    json_to = getattr(args, "json", None)
    listing = sys.stderr if json_to == "-" else sys.stdout
    progress = Progress(sys.stderr, quiet=quiet, echo_notable=not _isatty(listing))
    try:
        result = compare_folders(
            args.expected, args.actual, options=kw, jobs=getattr(args, "jobs", None),
            report=getattr(args, "report", None), diff_dir=getattr(args, "diff", None),
            diff_style=getattr(args, "diff_style", "overlay") or "overlay",
            diff_base=getattr(args, "diff_base", "expected") or "expected",
            diff_color=getattr(args, "diff_color", None),
            on_pair=progress.update, on_start=progress.start, shard=getattr(args, "shard", None),
            renames=getattr(args, "renames", None) is not False)
    finally:
        progress.close()
    report_dir = str(result.report.parent) if result.report is not None else None
    summary = result.to_dict()
    if json_to is not None and report_dir is not None:
        # The pictures are the report's; the summary names them from its own folder.
        where = os.path.dirname(os.path.abspath(json_to)) if json_to != "-" else os.getcwd()
        summary = rebase_images(summary, report_dir, where)
    if json_to == "-":
        sys.stdout.write(json_text(summary))
    elif json_to is not None:
        _write_json_file(json_to, summary)
    junit_to = getattr(args, "junit", None)
    if junit_to is not None:
        from ..junit import write_junit

        write_junit(result.pairs, junit_to, name="perceptdiff",
                    properties={"expected_dir": result.expected_dir,
                                "actual_dir": result.actual_dir},
                    wall_s=result.wall_s, images_root=report_dir)
    from ..github import publish

    publish(result.pairs, title=f"perceptdiff {result.expected_dir} {result.actual_dir}",
            report=str(result.report) if result.report is not None else None,
            stream=sys.stderr if json_to == "-" else sys.stdout)
    if quiet:
        for entry in result.pairs:
            if entry.status is Status.ERROR:
                print(f"perceptdiff: error: {display(entry.name)}: {display(str(entry.error))}", file=sys.stderr)
    else:
        print(printable(render_summary(result, verbose=verbose)), file=listing)
        listing.flush()
    return result.exit_code

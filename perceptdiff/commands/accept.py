"""``perceptdiff accept SUMMARY.json [--only PATTERN] [--dry-run]``.

Makes the new images of a summary's ``fail`` and ``new`` pairs the
baselines, as the report's accept commands do: each new image is copied over
its baseline atomically (temporary file, then rename), a missing folder is
created.  Nothing else is ever written or deleted: a ``removed``,
``identical``, ``pass`` or ``error`` pair is left alone (a removed baseline
is for a person to delete).

Which files: the row's ``baseline`` (for a summary that predates it, the
``expected`` file, or ``expected_dir/path`` for a new image) receives the row's
``actual``; paths are relative to the folder the comparison ran in, so run
this from there.  When the new image is not at that path (the summary came
from CI), the copy the run staged beside the summary (``images.actual``) is
used, if it is a byte copy (same extension as the baseline).  A baseline
must be an image file name (:data:`perceptdiff.folder.IMAGE_EXTENSIONS`)
and, for a folder summary, lie inside ``expected_dir``.

``--only PATTERN`` (repeatable) keeps the pairs whose name matches a shell
pattern (``fnmatch``: ``charts/*``, ``*::test_login*``); ``--dry-run`` prints
what would be copied and writes nothing.  Exit status: 0 when every chosen
pair was accepted (or there was none), 2 on trouble (a new image missing, a
baseline that cannot be written); the pairs before the trouble stay accepted.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..entry import Entry, Status
from ..errors import PerceptdiffError
from ..summary import SavedSummary, printable, read_summary

__all__ = ["Acceptance", "plan_acceptance", "add_arguments", "run"]

#: Statuses whose new image is accepted.
ACCEPTED = (Status.FAIL, Status.NEW)


@dataclass(frozen=True)
class Acceptance:
    """One copy: the pair, its new image and the baseline it replaces."""

    name: str
    status: Status
    source: str
    baseline: str


def _baseline(saved: SavedSummary, entry: Entry) -> str:
    if entry.baseline:
        return entry.baseline
    if entry.status is Status.FAIL and entry.expected:
        return entry.expected
    exp_dir = saved.data.get("expected_dir")
    if not exp_dir:
        raise PerceptdiffError(f"{saved.path}: pair {entry.name!r} names no baseline")
    from ..folder.accept import baseline_path

    return baseline_path(entry.name, str(exp_dir))


def _source(saved: SavedSummary, entry: Entry, baseline: str) -> str:
    if entry.actual and os.path.isfile(entry.actual):
        return entry.actual
    staged = entry.images.get("actual")
    if staged and Path(staged).suffix.lower() == Path(baseline).suffix.lower():
        copy = saved.folder.joinpath(*staged.split("/"))
        if copy.is_file():
            return str(copy)
    raise PerceptdiffError(f"{entry.name}: new image {entry.actual or staged!r} not found "
                           f"(run from the folder the comparison ran in)")


def _check_target(saved: SavedSummary, entry: Entry, baseline: str) -> None:
    from ..folder.pairing import is_image_name

    if not is_image_name(baseline):
        raise PerceptdiffError(f"{entry.name}: baseline {baseline!r} is not an image file name; not written")
    exp_dir = saved.data.get("expected_dir")
    if exp_dir:
        root, target = os.path.realpath(str(exp_dir)), os.path.realpath(baseline)
        if not target.startswith(root.rstrip(os.sep) + os.sep):
            raise PerceptdiffError(f"{entry.name}: baseline {baseline!r} is outside {exp_dir}; not written")


def plan_acceptance(saved: SavedSummary, only: Sequence[str] = ()) -> list[Acceptance]:
    """The copies that accept the summary's failing and new pairs (those matching ``only``).

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        A chosen pair's new image is missing, or its baseline is not an
        image inside the expected folder.
    """
    plan = []
    for entry in saved.entries:
        if entry.status not in ACCEPTED:
            continue
        if only and not any(fnmatch.fnmatchcase(entry.name, p) for p in only):
            continue
        baseline = _baseline(saved, entry)
        _check_target(saved, entry, baseline)
        plan.append(Acceptance(entry.name, entry.status, _source(saved, entry, baseline), baseline))
    return plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("summary", metavar="SUMMARY.json", help="a summary (--json, REPORT/summary.json, "
                                                                "the plugin's perceptdiff-summary.json)")
    parser.add_argument("--only", metavar="PATTERN", action="append", default=[],
                        help="accept only pairs whose name matches this shell pattern (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be copied; write nothing")


def run(args: argparse.Namespace) -> int:
    from ..fileio import atomic_write_bytes

    saved = read_summary(args.summary)
    plan = plan_acceptance(saved, args.only)
    verb = "would accept" if args.dry_run else "accepted"
    for item in plan:
        if not args.dry_run:
            try:
                data = Path(item.source).read_bytes()
            except OSError as exc:
                raise PerceptdiffError(f"{item.source}: cannot read ({exc.strerror or exc})") from None
            atomic_write_bytes(item.baseline, data)
        print(printable(f"{verb} {item.status.word:<4} {item.name}: {item.source} -> {item.baseline}"))
    skipped = sum(1 for e in saved.entries if e.status.notable and e.status not in ACCEPTED)
    tail = f" ({skipped} removed/error pair(s) left alone)" if skipped else ""
    print(f"{len(plan)} baseline(s) {'to write' if args.dry_run else 'written'}{tail}")
    return 0

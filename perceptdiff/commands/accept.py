"""``perceptdiff accept SUMMARY.json [--only PATTERN] [--renamed copy|move] [--dry-run]``.

Makes the new images of a summary's ``fail`` and ``new`` pairs the
baselines, as the report's accept commands do: each new image is copied over
its baseline atomically (temporary file, then rename), a missing folder is
created.  Nothing else is ever written or deleted: a ``removed``,
``identical``, ``pass`` or ``error`` pair is left alone (a removed baseline
is for a person to delete), and so is a ``renamed`` pair unless
``--renamed`` says what to do with it:

``--renamed copy``
    the new image is written to the new name's baseline, as for a new pair;
    the old baseline stays where it is;
``--renamed move``
    the same, then the old baseline (the pair's ``expected`` file) is
    deleted, once the new one is written: afterwards the folders agree.

A rename whose picture changed visibly is accepted the same way (its new
image becomes the baseline), so look at it first.

Which files: the row's ``baseline`` (for a summary that predates it, the
``expected`` file, or ``expected_dir/path`` for a new image) receives the row's
``actual``; paths are relative to the folder the comparison ran in, so run
this from there.  When the new image is not at that path (the summary came
from CI), the copy the run staged beside the summary (``images.actual``) is
used, if it is a byte copy (same extension as the baseline).  A baseline
must be an image file name (:data:`perceptdiff.folder.IMAGE_EXTENSIONS`)
and, for a folder summary, lie inside ``expected_dir``.

``--only PATTERN`` (repeatable) keeps the pairs whose name (or, for a
rename, old name) matches a shell
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

#: What ``--renamed`` may do with a renamed pair's old baseline: keep it, or delete it.
RENAMED_CHOICES = ("copy", "move")


@dataclass(frozen=True)
class Acceptance:
    """One copy: the pair, its new image and the baseline it replaces.

    ``remove`` is the old baseline of a rename accepted with ``--renamed move``,
    deleted after the copy.
    """

    name: str
    status: Status
    source: str
    baseline: str
    remove: str | None = None


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


def _check_target(saved: SavedSummary, entry: Entry, baseline: str, what: str = "baseline",
                  verb: str = "written") -> None:
    from ..folder.pairing import is_image_name

    if not is_image_name(baseline):
        raise PerceptdiffError(f"{entry.name}: {what} {baseline!r} is not an image file name; not {verb}")
    exp_dir = saved.data.get("expected_dir")
    if exp_dir:
        root, target = os.path.realpath(str(exp_dir)), os.path.realpath(baseline)
        if not target.startswith(root.rstrip(os.sep) + os.sep):
            raise PerceptdiffError(f"{entry.name}: {what} {baseline!r} is outside {exp_dir}; not {verb}")


def _old_baseline(saved: SavedSummary, entry: Entry, baseline: str) -> str | None:
    """The old baseline ``--renamed move`` deletes (None when it is the new one itself)."""
    old = entry.expected
    if not old and entry.renamed_from and saved.data.get("expected_dir"):
        from ..folder.accept import baseline_path

        old = baseline_path(entry.renamed_from, str(saved.data["expected_dir"]))
    if not old:
        raise PerceptdiffError(f"{saved.path}: renamed pair {entry.name!r} names no old baseline")
    _check_target(saved, entry, old, "old baseline", "deleted")
    if os.path.realpath(old) == os.path.realpath(baseline):
        return None
    return old


def _chosen(entry: Entry, only: Sequence[str]) -> bool:
    names = [entry.name] + ([entry.renamed_from] if entry.renamed_from else [])
    return not only or any(fnmatch.fnmatchcase(n, p) for n in names for p in only)


def plan_acceptance(saved: SavedSummary, only: Sequence[str] = (),
                    renamed: str | None = None) -> list[Acceptance]:
    """The copies that accept the summary's failing and new pairs (those matching ``only``).

    ``renamed`` (``"copy"`` or ``"move"``) accepts the ``renamed`` pairs too;
    None leaves them alone.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        A chosen pair's new image is missing, or its baseline (or, for a
        rename that moves, its old baseline) is not an image inside the
        expected folder.
    """
    if renamed is not None and renamed not in RENAMED_CHOICES:
        raise PerceptdiffError(f"--renamed {renamed!r}: one of {', '.join(RENAMED_CHOICES)}")
    plan = []
    for entry in saved.entries:
        rename = entry.status is Status.RENAMED and renamed is not None
        if entry.status not in ACCEPTED and not rename:
            continue
        if not _chosen(entry, only):
            continue
        baseline = _baseline(saved, entry)
        _check_target(saved, entry, baseline)
        remove = _old_baseline(saved, entry, baseline) if rename and renamed == "move" else None
        plan.append(Acceptance(entry.name, entry.status, _source(saved, entry, baseline), baseline,
                               remove))
    return plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("summary", metavar="SUMMARY.json", help="a summary (--json, REPORT/summary.json, "
                                                                "the plugin's perceptdiff-summary.json)")
    parser.add_argument("--only", metavar="PATTERN", action="append", default=[],
                        help="accept only pairs whose name matches this shell pattern (repeatable)")
    parser.add_argument("--renamed", choices=RENAMED_CHOICES, default=None,
                        help="accept renamed pairs too: write the new image to the new name's baseline "
                             "and keep the old baseline (copy) or delete it afterwards (move); "
                             "without it renamed pairs are left alone")
    parser.add_argument("--dry-run", action="store_true", help="say what would be copied; write nothing")


def run(args: argparse.Namespace) -> int:
    from ..fileio import atomic_write_bytes

    renamed = getattr(args, "renamed", None)
    saved = read_summary(args.summary)
    plan = plan_acceptance(saved, args.only, renamed)
    verb = "would accept" if args.dry_run else "accepted"
    removed = 0
    for item in plan:
        same_file = os.path.realpath(item.source) == os.path.realpath(item.baseline)
        if not args.dry_run:
            if not same_file:  # a baseline the run wrote already (the pytest plugin) stays as it is
                try:
                    data = Path(item.source).read_bytes()
                except OSError as exc:
                    raise PerceptdiffError(f"{item.source}: cannot read ({exc.strerror or exc})") from None
                atomic_write_bytes(item.baseline, data)
            if item.remove is not None:
                # Only after the new baseline is whole: never neither of the two.
                try:
                    os.unlink(item.remove)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise PerceptdiffError(f"{item.remove}: cannot delete ({exc.strerror or exc})") from None
        if item.remove is not None:
            removed += 1
        tail = f" (old baseline {item.remove} {'to delete' if args.dry_run else 'deleted'})" if item.remove else ""
        print(printable(f"{verb} {item.status.word:<4} {item.name}: {item.source} -> {item.baseline}{tail}"))
    skipped = [e for e in saved.entries if e.status.notable and e.status not in ACCEPTED
               and not (e.status is Status.RENAMED and renamed is not None)]
    words = [s.value for s in (Status.REMOVED, Status.RENAMED, Status.ERROR) if any(e.status is s for e in skipped)]
    tail = f" ({len(skipped)} {'/'.join(words)} pair(s) left alone)" if skipped else ""
    if any(e.status is Status.RENAMED for e in skipped):
        tail += "; --renamed copy|move accepts the renamed ones"
    gone = f", {removed} old baseline(s) {'to delete' if args.dry_run else 'deleted'}" if removed else ""
    print(f"{len(plan)} baseline(s) {'to write' if args.dry_run else 'written'}{gone}{tail}")
    return 0

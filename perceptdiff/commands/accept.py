"""``perceptdiff accept SUMMARY.json [--only PATTERN] [--renamed copy|move] [--variants add|drop] [--dry-run]``.

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

A failing pair whose baseline has approved variants beside it
(``NAME.variant-*.EXT``, :mod:`perceptdiff.variant_names`) is refused, and
nothing at all is written, unless ``--variants`` says what the new image is:

``--variants add``
    one more approved variant: it is written as the next free
    ``NAME.variant-N.EXT`` (never over a file) and the baseline and its
    variants stay (also without variants: the baseline stays and the new
    image becomes its first variant);
``--variants drop``
    the new baseline: it replaces the baseline, then the variants are
    deleted, so what the new look replaced cannot pass any more.

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
from itertools import chain
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

#: What ``--variants`` makes of a failing pair's new image: one more approved variant, or the one
#: baseline (its variants deleted).
VARIANT_CHOICES = ("add", "drop")


@dataclass(frozen=True)
class Acceptance:
    """One copy: the pair, its new image and the baseline it replaces.

    ``remove`` is the old baseline of a rename accepted with ``--renamed move``,
    deleted after the copy; ``drop`` the variants ``--variants drop`` deletes
    after it.  ``as_variant``: ``baseline`` is a new variant's file, written
    only if no file is there.
    """

    name: str
    status: Status
    source: str
    baseline: str
    remove: str | None = None
    drop: tuple[str, ...] = ()
    as_variant: bool = False


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


def _variant_plan(entry: Entry, baseline: str, variants: str | None) -> tuple[str, tuple[str, ...], bool]:
    """Where a failing pair's new image goes, the variants deleted after it, and whether it is a new variant."""
    from ..variant_names import new_variant_paths, variants_of

    if entry.status is not Status.FAIL:
        return baseline, (), False
    if variants == "add":
        return str(next(new_variant_paths(baseline))), (), True
    present = tuple(str(p) for p in variants_of(baseline))
    if present and variants != "drop":
        shown = ", ".join(os.path.basename(p) for p in present[:3]) + (", ..." if len(present) > 3 else "")
        raise PerceptdiffError(
            f"{entry.name}: its baseline has {len(present)} approved variant(s) ({shown}); nothing written: "
            f"--variants add keeps them and adds the new image as one more, --variants drop makes it "
            f"the baseline and deletes them")
    return baseline, present, False


def plan_acceptance(saved: SavedSummary, only: Sequence[str] = (),
                    renamed: str | None = None, variants: str | None = None) -> list[Acceptance]:
    """The copies that accept the summary's failing and new pairs (those matching ``only``).

    ``renamed`` (``"copy"`` or ``"move"``) accepts the ``renamed`` pairs too;
    None leaves them alone.  ``variants`` (``"add"`` or ``"drop"``) says what
    a failing pair's new image is when its baseline may have approved variants
    (see the module's docstring); None refuses a pair whose baseline has some.

    Raises
    ------
    perceptdiff.errors.PerceptdiffError
        A chosen pair's new image is missing, its baseline (or, for a
        rename that moves, its old baseline) is not an image inside the
        expected folder, or its baseline has variants and ``variants`` is None.
    """
    if renamed is not None and renamed not in RENAMED_CHOICES:
        raise PerceptdiffError(f"--renamed {renamed!r}: one of {', '.join(RENAMED_CHOICES)}")
    if variants is not None and variants not in VARIANT_CHOICES:
        raise PerceptdiffError(f"--variants {variants!r}: one of {', '.join(VARIANT_CHOICES)}")
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
        source = _source(saved, entry, baseline)
        target, drop, as_variant = _variant_plan(entry, baseline, variants)
        plan.append(Acceptance(entry.name, entry.status, source, target, remove, drop, as_variant))
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
    parser.add_argument("--variants", choices=VARIANT_CHOICES, default=None,
                        help="for a failing pair whose baseline has approved variants (NAME.variant-*.png): "
                             "add the new image as one more variant (add), or make it the baseline and "
                             "delete the variants (drop); without it such a pair is refused")
    parser.add_argument("--dry-run", action="store_true", help="say what would be copied; write nothing")


def run(args: argparse.Namespace) -> int:
    renamed = getattr(args, "renamed", None)
    saved = read_summary(args.summary)
    plan = plan_acceptance(saved, args.only, renamed, getattr(args, "variants", None))
    verb = "would accept" if args.dry_run else "accepted"
    gone_word = "to delete" if args.dry_run else "deleted"
    removed = 0
    for item in plan:
        target = item.baseline
        same_file = os.path.realpath(item.source) == os.path.realpath(target)
        if not args.dry_run:
            if not same_file:  # a baseline the run wrote already (the pytest plugin) stays as it is
                target = _write(item)
            # Deletions only after the new baseline is whole: never neither of the two.
            for doomed in ((item.remove,) if item.remove else ()) + item.drop:
                _delete(doomed)
        if item.remove is not None:
            removed += 1
        tails = ([f"old baseline {item.remove} {gone_word}"] if item.remove else []) \
            + ([f"{len(item.drop)} variant(s) {gone_word}"] if item.drop else []) \
            + (["a new variant; the baseline stays"] if item.as_variant else [])
        tail = f" ({'; '.join(tails)})" if tails else ""
        print(printable(f"{verb} {item.status.word:<4} {item.name}: {item.source} -> {target}{tail}"))
    skipped = [e for e in saved.entries if e.status.notable and e.status not in ACCEPTED
               and not (e.status is Status.RENAMED and renamed is not None)]
    words = [s.value for s in (Status.REMOVED, Status.RENAMED, Status.ERROR) if any(e.status is s for e in skipped)]
    tail = f" ({len(skipped)} {'/'.join(words)} pair(s) left alone)" if skipped else ""
    if any(e.status is Status.RENAMED for e in skipped):
        tail += "; --renamed copy|move accepts the renamed ones"
    gone = f", {removed} old baseline(s) {'to delete' if args.dry_run else 'deleted'}" if removed else ""
    print(f"{len(plan)} baseline(s) {'to write' if args.dry_run else 'written'}{gone}{tail}")
    return 0


def _write(item: Acceptance) -> str:
    """Copy the new image to its target atomically; a new variant never over a file (the next name instead)."""
    from ..fileio import atomic_write_bytes
    from ..variant_names import new_variant_paths, variant_base

    try:
        data = Path(item.source).read_bytes()
    except OSError as exc:
        raise PerceptdiffError(f"{item.source}: cannot read ({exc.strerror or exc})") from None
    if not item.as_variant:
        atomic_write_bytes(item.baseline, data)
        return item.baseline
    base = os.path.join(os.path.dirname(item.baseline), variant_base(os.path.basename(item.baseline)) or "")
    candidates = chain([Path(item.baseline)], new_variant_paths(base))
    while True:
        path = next(candidates)
        try:
            atomic_write_bytes(path, data, overwrite=False)
            return str(path)
        except PerceptdiffError:
            if not path.exists():  # not a name taken meanwhile: real trouble
                raise


def _delete(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PerceptdiffError(f"{path}: cannot delete ({exc.strerror or exc})") from None

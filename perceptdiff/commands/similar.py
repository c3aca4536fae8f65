"""The ``perceptdiff similar`` command: rank a folder's images by similarity, or group near-duplicates.

``perceptdiff similar QUERY DIR`` prints the images under DIR (recursively)
nearest to QUERY first, with their normalised distance (0: the same picture;
1: as far apart as two unrelated pictures usually are).
``perceptdiff similar --duplicates DIR`` prints groups of near-duplicates.
``--index FILE`` keeps the folder's signatures in FILE and re-signs only
files that changed since.

Exit status (as grep(1), and diff(1)'s 0/1/2): 0 when something was found (a
ranked image, a duplicate group), 1 when nothing was (no readable image in
DIR, nothing within ``--threshold``, no group), 2 on trouble (a query or
folder that cannot be read, a damaged or foreign index file, a bad option),
with a one-line message and no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..errors import OptionError

__all__ = ["PROG", "add_arguments", "run"]

PROG = "perceptdiff similar"

#: Results printed by default.
DEFAULT_TOP = 10


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _distance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``perceptdiff similar`` on ``p``."""
    from ..signatures.base import signature_names
    from ..signatures.index import DUPLICATE_THRESHOLD

    p.usage = (f"{PROG} QUERY DIR [--top K] [--signature NAME] [--json [FILE]] [--index FILE]\n"
               f"       {PROG} --duplicates DIR [--threshold T] [--signature NAME] [--json [FILE]] "
               "[--index FILE]")
    p.description = (
        "Rank the images under DIR (recursively) by similarity to QUERY, nearest first, "
        "or group near-duplicates with --duplicates. Distances are normalised: 0 is the same "
        "picture, 1 is as far apart as two unrelated pictures usually are. Exit 0: found; "
        "1: nothing found; 2: trouble.")
    p.add_argument("paths", nargs="+", metavar="QUERY DIR", help="the query image and the folder "
                   "(with --duplicates only the folder)")
    p.add_argument("--duplicates", action="store_true", help="group near-duplicate images of DIR")
    p.add_argument("--top", type=_positive_int, default=DEFAULT_TOP, metavar="K",
                   help=f"print the K nearest images (default {DEFAULT_TOP})")
    p.add_argument("--signature", default="combined", choices=signature_names(),
                   help="wavelet: Jacobs et al.'s wavelet signature (layout, shapes); tiny: 16x16 "
                        "CIELAB thumbnail; histogram: CIELAB colour histogram (ignores layout); "
                        "combined (default): all three")
    p.add_argument("--threshold", type=_distance, default=None, metavar="T",
                   help="largest normalised distance: of a result, or within a duplicate group "
                        f"(default for --duplicates: {DUPLICATE_THRESHOLD})")
    p.add_argument("--json", metavar="FILE", nargs="?", const="-", default=None,
                   help="print one JSON object (to FILE if given; write --json=FILE after the paths)")
    p.add_argument("--index", metavar="FILE",
                   help="keep DIR's signatures in FILE (created if missing, updated incrementally)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="threads that sign new or changed files (default 1)")
    p.add_argument("-v", "--verbose", action="store_true", help="say what the index update did")


def _open_index(folder: str, index_file: str | None, jobs: int) -> tuple[Any, Any]:
    """The up-to-date index of ``folder`` (saved to ``index_file`` if given) and the update report."""
    from ..errors import SignatureIndexError
    from ..signatures.index import SignatureIndex

    if not os.path.isdir(folder):
        raise SignatureIndexError(f"{folder}: not a folder" if os.path.exists(folder)
                                  else f"{folder}: no such folder")
    if index_file is not None and os.path.exists(index_file):
        index = SignatureIndex.load(index_file, root=folder)
    else:
        index = SignatureIndex(folder)
    report = index.update(workers=jobs)
    if index_file is not None and (report.modified or not os.path.exists(index_file)):
        index.save(index_file)
    return index, report


def _display(folder: str, rel: str) -> str:
    return os.path.join(folder, *rel.split("/"))


def _relative_inside(path: str, folder: str) -> str | None:
    """``path`` relative to ``folder`` with ``/`` separators, if it lies inside it."""
    real_path, real_folder = os.path.realpath(path), os.path.realpath(folder)
    try:
        rel = os.path.relpath(real_path, real_folder)
    except ValueError:  # another drive
        return None
    if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
        return None
    return rel.replace(os.sep, "/")


def _notes(report: Any, verbose: bool) -> list[str]:
    lines = []
    if report.failed:
        path, reason = report.failed[0]
        more = f" and {len(report.failed) - 1} more" if len(report.failed) > 1 else ""
        lines.append(f"{PROG}: note: skipped unreadable image {path} ({reason}){more}")
    if verbose:
        lines.append(f"{PROG}: index: {len(report.added)} added, {len(report.changed)} re-signed, "
                     f"{len(report.removed)} removed, {report.unchanged} unchanged"
                     + (" (signatures changed version: all re-signed)" if report.resigned_all else ""))
    return lines


def _index_json(report: Any) -> dict[str, Any]:
    return {"added": len(report.added), "changed": len(report.changed), "removed": len(report.removed),
            "unchanged": report.unchanged,
            "skipped": [{"path": p, "reason": r} for p, r in report.failed]}


def _emit(args: argparse.Namespace, doc: dict[str, Any], text: list[str]) -> None:
    if args.json is None:
        if text:
            print("\n".join(text))
        return
    out = json.dumps(doc, indent=2, ensure_ascii=False)
    if args.json == "-":
        print(out)
    else:
        from ..fileio import atomic_write_bytes
        atomic_write_bytes(args.json, (out + "\n").encode("utf-8"))
        if text:
            print("\n".join(text))


def run_query(args: argparse.Namespace) -> int:
    from ..loading import load_image

    query, folder = args.paths
    image = load_image(query)  # a bad query fails before any folder is signed
    index, report = _open_index(folder, args.index, args.jobs)
    for line in _notes(report, args.verbose):
        print(line, file=sys.stderr)
    own = _relative_inside(query, folder)
    matches = index.search(image, signature=args.signature, top=args.top,
                           exclude=(own,) if own is not None else ())
    if args.threshold is not None:
        matches = [m for m in matches if m.distance <= args.threshold]
    doc = {
        "query": query, "folder": folder, "signature": args.signature, "threshold": args.threshold,
        "results": [{"path": _display(folder, m.path), "relative": m.path, "distance": round(m.distance, 6)}
                    for m in matches],
        "images": len(index), "index": _index_json(report),
    }
    _emit(args, doc, [f"{m.distance:.4f}  {_display(folder, m.path)}" for m in matches])
    return 0 if matches else 1


def run_duplicates(args: argparse.Namespace) -> int:
    from ..signatures.index import DUPLICATE_THRESHOLD

    (folder,) = args.paths
    threshold = DUPLICATE_THRESHOLD if args.threshold is None else args.threshold
    index, report = _open_index(folder, args.index, args.jobs)
    for line in _notes(report, args.verbose):
        print(line, file=sys.stderr)
    groups = index.duplicates(signature=args.signature, threshold=threshold)
    doc = {
        "folder": folder, "signature": args.signature, "threshold": threshold,
        "groups": [{"paths": [_display(folder, p) for p in g.paths], "max_distance": round(g.max_distance, 6)}
                   for g in groups],
        "images": len(index), "index": _index_json(report),
    }
    text: list[str] = []
    for k, g in enumerate(groups, 1):
        if text:
            text.append("")
        text.append(f"group {k}: {len(g.paths)} images, largest distance {g.max_distance:.4f}")
        text.extend(f"  {_display(folder, p)}" for p in g.paths)
    _emit(args, doc, text)
    return 0 if groups else 1


def run(args: argparse.Namespace) -> int:
    """Run ``perceptdiff similar``; returns the exit status (trouble is raised as PerceptdiffError)."""
    if args.duplicates:
        if len(args.paths) != 1:
            raise OptionError("--duplicates takes one folder: perceptdiff similar --duplicates DIR")
        return run_duplicates(args)
    if len(args.paths) != 2:
        raise OptionError("give a query image and a folder: perceptdiff similar QUERY DIR")
    return run_query(args)

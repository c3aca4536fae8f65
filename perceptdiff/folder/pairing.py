"""Finding the images of two folders and pairing them by relative path.

Folders are walked recursively (as ``diff -r`` does).  Image files are
recognised by extension (:data:`IMAGE_EXTENSIONS`, any case); names starting
with a dot are ignored, as are folders the caller excludes (the report and
diff folders when they lie inside ACTUAL_DIR).  Links to files are followed;
links to folders are followed unless they lead back into a folder being
walked (no loops).

After pairing by path, :func:`pair_renamed` pairs what is left on each side
by picture: a file only in ACTUAL_DIR and one only in EXPECTED_DIR whose
signatures are near (:func:`perceptdiff.signatures.find_renames`: combined
signature distance at most :data:`~perceptdiff.signatures.RENAME_THRESHOLD`,
one-to-one, the nearest pairs first) become one pair, compared as usual and
reported as ``renamed``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Iterable

from ..variant_names import variant_base

__all__ = ["IMAGE_EXTENSIONS", "PairSpec", "is_image_name", "find_images", "match_folders",
           "pair_renamed", "shard_of", "parse_shard"]

#: File extensions (lower case) counted as images.
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"})


@dataclass(frozen=True)
class PairSpec:
    """One relative path and the files found for it on each side.

    Attributes
    ----------
    path : str
        Path relative to both folders, ``/``-separated.
    expected, actual : str or None
        File paths (None when the file is only on the other side).
    problem : str or None
        Why this entry cannot be compared at all (a folder that cannot be read).
    renamed_from : str or None
        For a likely rename (:func:`pair_renamed`): the relative path of the
        expected file, which differs from :attr:`path` (the actual file's).
    distance : float or None
        For a likely rename: the signature distance of the two pictures.
    variants : tuple of str
        Further approved variants of the expected image (``name.variant-*.png``
        beside ``name.png``): the actual image passes within their spread.
    """

    path: str
    expected: str | None
    actual: str | None
    problem: str | None = None
    renamed_from: str | None = None
    distance: float | None = None
    variants: tuple[str, ...] = ()


def is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def find_images(root: str | os.PathLike[str], exclude: Iterable[str | os.PathLike[str]] = ()
                ) -> tuple[dict[str, str], dict[str, str]]:
    """Image files under ``root``, by relative path.

    Parameters
    ----------
    root : path
        Folder to walk.
    exclude : iterable of paths
        Folders not to enter (compared by real path).

    Returns
    -------
    files : dict
        ``{"sub/name.png": "<root>/sub/name.png"}`` (paths joined to ``root`` as given).
    problems : dict
        ``{"sub/": "cannot read folder (Permission denied)"}`` for folders that
        could not be listed.
    """
    root = os.fspath(root)
    excluded = {os.path.realpath(os.fspath(p)) for p in exclude}
    files: dict[str, str] = {}
    problems: dict[str, str] = {}
    st = os.stat(root)
    stack: list[tuple[str, str, frozenset[tuple[int, int]]]] = [
        ("", root, frozenset({(st.st_dev, st.st_ino)}))]
    while stack:
        rel, folder, ancestors = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems[(rel + "/") if rel else "./"] = f"cannot read folder ({exc.strerror or exc})"
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel_path = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir()  # follows links
            except OSError:
                is_dir = False
            if is_dir:
                if excluded and os.path.realpath(entry.path) in excluded:
                    continue
                try:
                    dst = os.stat(entry.path)
                except OSError as exc:
                    problems[rel_path + "/"] = f"cannot read folder ({exc.strerror or exc})"
                    continue
                key = (dst.st_dev, dst.st_ino)
                if key in ancestors:  # a link back up the tree: a loop
                    continue
                subdirs.append((rel_path, entry.path, ancestors | {key}))
            elif is_image_name(entry.name):
                # Broken links are kept: comparing them reports "no such file".
                files[rel_path] = entry.path
        stack.extend(reversed(subdirs))
    return files, problems


def _group_variants(exp: dict[str, str]) -> dict[str, list[str]]:
    """Variant files of the expected side by the relative path of their base (which must exist)."""
    groups: dict[str, list[str]] = {}
    for rel in sorted(exp):
        base = variant_base(rel)
        if base is not None and base in exp:
            groups.setdefault(base, []).append(rel)
    return groups


def match_folders(expected_dir: str | os.PathLike[str], actual_dir: str | os.PathLike[str],
                  exclude: Iterable[str | os.PathLike[str]] = ()) -> list[PairSpec]:
    """Pair the images of two folders by relative path, sorted by path.

    On the expected side, ``name.variant-*.ext`` beside ``name.ext`` are
    approved variants of it (:attr:`PairSpec.variants`), not pairs of their
    own; files of those names on the actual side are left out too.
    """
    exclude = list(exclude)
    exp, exp_problems = find_images(expected_dir, exclude)
    act, act_problems = find_images(actual_dir, exclude)
    groups = _group_variants(exp)
    taken = {v for vs in groups.values() for v in vs}
    specs = [PairSpec(p, exp.get(p), act.get(p), variants=tuple(exp[v] for v in groups.get(p, ())))
             for p in (set(exp) | set(act)) - taken]
    for side, problems in (("expected", exp_problems), ("actual", act_problems)):
        for p, why in problems.items():
            specs.append(PairSpec(p, None, None, f"{side} {why}"))
    specs.sort(key=_sort_key)
    return specs


def _sort_key(spec: PairSpec) -> list[str]:
    return spec.path.split("/")


def pair_renamed(specs: list[PairSpec], *, max_file_bytes: int | None = None,
                 threshold: float | None = None) -> list[PairSpec]:
    """``specs`` with likely renames joined: a file only in ACTUAL and one only in EXPECTED
    that show the same picture become one spec, named by the actual file's path.

    Parameters
    ----------
    specs : list of PairSpec
        As :func:`match_folders` returns them.
    max_file_bytes : int, optional
        Files larger than this are not signed (the comparison refuses them anyway).
    threshold : float, optional
        Largest signature distance paired (default
        :data:`perceptdiff.signatures.RENAME_THRESHOLD`).

    Returns
    -------
    list of PairSpec
        Sorted by path.  Files that cannot be read stay as they were (their
        own comparison says why); the pairing is one-to-one, so two renames at
        once are never crossed.
    """
    def small(path: str) -> bool:
        if max_file_bytes is None:
            return True
        try:
            return os.stat(path).st_size <= max_file_bytes
        except OSError:
            return False

    new = [s for s in specs if s.problem is None and s.expected is None and s.actual and small(s.actual)]
    gone = [s for s in specs if s.problem is None and s.actual is None and s.expected and small(s.expected)]
    if not new or not gone:
        return specs
    from ..signatures import RENAME_THRESHOLD, find_renames

    found = find_renames([s.actual for s in new], [s.expected for s in gone],
                         threshold=RENAME_THRESHOLD if threshold is None else threshold)
    if not found:
        return specs
    by_actual = {s.actual: s for s in new}
    by_expected = {s.expected: s for s in gone}
    used: set[str] = set()
    joined = []
    for pair in found:
        added, removed = by_actual[pair.new], by_expected[pair.missing]
        used.update((added.path, removed.path))
        joined.append(PairSpec(added.path, removed.expected, added.actual,
                               renamed_from=removed.path, distance=float(pair.distance)))
    kept = [s for s in specs if s.problem is not None or s.path not in used]
    return sorted(kept + joined, key=_sort_key)


def shard_of(path: str, total: int) -> int:
    """The shard (1 to ``total``) that compares relative path ``path``.

    A hash of the path alone (SHA-256 of its UTF-8 bytes, undecodable name
    bytes kept as they were), so every machine of a job matrix agrees, and a
    pair stays in its shard when other files come and go.
    """
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)``, 1 <= K <= N; :class:`ValueError` otherwise."""
    k, sep, n = text.partition("/")
    try:
        index, total = int(k), int(n)
    except ValueError:
        index = total = 0
    if not sep or total < 1 or not 1 <= index <= total:
        raise ValueError(f"{text!r} is not K/N with 1 <= K <= N (such as 2/4)")
    return index, total

"""An index of image signatures for a folder: built once, updated incrementally, saved to disk.

The index holds, for every image file under a root folder (recursively), its
relative path, size and modification time (``st_mtime_ns``) and one row per
stored signature.  :meth:`SignatureIndex.update` walks the folder again and
re-signs only files that are new or whose size or time changed, and drops
files that are gone; files that cannot be decoded are remembered with their
reason, so they are not retried until they change.

On disk the index is one uncompressed ``.npz`` file (numpy's zip of arrays,
read without pickling): a JSON header (kind, format version, root, the
signature versions), the paths, sizes and times, and a float32 table per
signature.  It is written to a temporary file and renamed over the old one,
so a reader never sees half an index.  An index of another format version
is refused with :class:`~perceptdiff.errors.SignatureIndexError`; one whose
signatures have since changed version is re-signed whole on the next update.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import PerceptdiffError, SignatureIndexError
from ..image import Image
from .base import Signature, compute_signatures, get_signature, normalised_distances, stored_signatures
from .groups import DuplicateGroup, duplicate_groups
from .renames import RENAME_THRESHOLD

__all__ = [
    "FORMAT_VERSION", "INDEX_KIND", "IMAGE_SUFFIXES", "DUPLICATE_THRESHOLD", "Match", "UpdateReport",
    "SignatureIndex", "iter_image_files",
]

#: Version of the on-disk layout; bumped whenever a reader of the old layout
#: would misread the new one.
FORMAT_VERSION = 1
#: The header's ``kind``: tells an index from any other ``.npz`` file.
INDEX_KIND = "perceptdiff-signature-index"
#: File name endings (lower case) that the folder walk signs.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")

#: Largest normalised distance at which two images count as near-duplicates
#: (``perceptdiff similar --duplicates``): the rename threshold, whose comment
#: gives its calibration (same picture re-encoded, resized or with a changed
#: word: yes; an unrelated picture of the same style: no).
DUPLICATE_THRESHOLD = RENAME_THRESHOLD


@dataclass(frozen=True)
class Match:
    """One ranked image.

    Attributes
    ----------
    path : str
        Path relative to the index's root, with ``/`` separators.
    distance : float
        Normalised distance to the query (0 same picture, 1 typical unrelated pair).
    """

    path: str
    distance: float


@dataclass(frozen=True)
class UpdateReport:
    """What :meth:`SignatureIndex.update` did.

    Attributes
    ----------
    added, changed, removed : tuple of str
        Relative paths signed for the first time, re-signed, dropped.
    unchanged : int
        Entries kept as they were.
    failed : tuple of (str, str)
        ``(path, reason)`` of every file that could not be decoded (now or
        earlier, while unchanged).
    resigned_all : bool
        Every file was re-signed because the stored signatures changed version.
    """

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    failed: tuple[tuple[str, str], ...] = ()
    resigned_all: bool = False

    @property
    def modified(self) -> bool:
        """True when the index differs from what was loaded (it should be saved)."""
        return bool(self.added or self.changed or self.removed or self.resigned_all)


def iter_image_files(root: Path) -> Iterator[tuple[str, int, int]]:
    """``(relative posix path, size, mtime_ns)`` of every image file under ``root``, sorted.

    Hidden files and folders (name starting with ``.``) are skipped, and
    symbolic links to folders are not followed (no loops); links to files are.
    """
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_folder = os.path.relpath(folder, root)
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(IMAGE_SUFFIXES):
                continue
            full = os.path.join(folder, name)
            try:
                st = os.stat(full)
            except OSError:
                continue  # a dangling link or a file that vanished meanwhile
            rel = name if rel_folder == "." else f"{Path(rel_folder).as_posix()}/{name}"
            yield rel, int(st.st_size), int(st.st_mtime_ns)


@dataclass
class _Entries:
    paths: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    mtimes: list[int] = field(default_factory=list)
    rows: dict[str, list[np.ndarray]] = field(default_factory=dict)


class SignatureIndex:
    """Signatures of every image under a folder, ready for fast queries.

    Parameters
    ----------
    root : str or os.PathLike
        The folder (searched recursively).
    signatures : iterable of str, optional
        Signatures to be able to answer for; stored as their parts.  Default:
        every registered signature.

    Examples
    --------
    >>> index = SignatureIndex.build("screenshots")                     # doctest: +SKIP
    >>> index.search("new/login.png", signature="combined", top=5)     # doctest: +SKIP
    >>> index.save("screenshots.sigindex.npz")                         # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike[str], *, signatures: Iterable[str] | None = None) -> None:
        self.root = Path(os.path.abspath(os.fspath(root)))
        self.signatures: tuple[Signature, ...] = stored_signatures(signatures)
        self.paths: list[str] = []
        self.sizes = np.zeros(0, dtype=np.int64)
        self.mtimes = np.zeros(0, dtype=np.int64)
        self.tables: dict[str, np.ndarray] = {
            s.name: np.zeros((0, s.length), dtype=np.float32) for s in self.signatures}
        #: path -> (size, mtime_ns, reason) of files that could not be decoded
        self.failures: dict[str, tuple[int, int, str]] = {}
        self._stale = False

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        return f"<SignatureIndex {self.root} {len(self)} images>"

    # ------------------------------------------------------------------ build

    @classmethod
    def build(cls, root: str | os.PathLike[str], *, signatures: Iterable[str] | None = None,
              workers: int = 1) -> "SignatureIndex":
        """A new index of ``root``, every image signed."""
        index = cls(root, signatures=signatures)
        index.update(workers=workers)
        return index

    def _sign(self, rel: str) -> dict[str, np.ndarray] | str:
        from ..loading import load_image

        try:
            image = load_image(self.root / rel)
            return compute_signatures(image, self.signatures)
        except PerceptdiffError as exc:
            return str(getattr(exc, "reason", exc))

    def update(self, *, workers: int = 1) -> UpdateReport:
        """Bring the index up to date with the folder; re-sign only what changed.

        Parameters
        ----------
        workers : int
            Threads that decode and sign files (decoding releases the GIL).

        Returns
        -------
        UpdateReport

        Raises
        ------
        SignatureIndexError
            The root is not a folder.
        """
        if not self.root.is_dir():
            raise SignatureIndexError(f"{self.root}: not a folder")
        known = {p: k for k, p in enumerate(self.paths)}
        resign_all = self._stale
        keep: list[int] = []
        todo: list[tuple[str, int, int, bool]] = []   # rel, size, mtime, was known
        failures: dict[str, tuple[int, int, str]] = {}
        seen: set[str] = set()
        for rel, size, mtime in iter_image_files(self.root):
            seen.add(rel)
            k = known.get(rel)
            if (k is not None and not resign_all and int(self.sizes[k]) == size
                    and int(self.mtimes[k]) == mtime):
                keep.append(k)
                continue
            old_fail = self.failures.get(rel)
            if old_fail is not None and not resign_all and old_fail[:2] == (size, mtime):
                failures[rel] = old_fail
                continue
            todo.append((rel, size, mtime, k is not None or old_fail is not None))
        removed = tuple(sorted(p for p in set(self.paths) | set(self.failures) if p not in seen))
        if not todo and not removed and len(keep) == len(self.paths):
            # nothing changed: keep the tables as they are (no 70 MB of copies at 10 000 images)
            self.failures = dict(sorted(failures.items()))
            self._stale = False
            return UpdateReport(unchanged=len(keep), failed=tuple((p, f[2]) for p, f in self.failures.items()))

        if workers > 1 and len(todo) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                signed = list(pool.map(self._sign, [t[0] for t in todo]))
        else:
            signed = [self._sign(t[0]) for t in todo]

        new = _Entries(rows={s.name: [] for s in self.signatures})
        added: list[str] = []
        changed: list[str] = []
        for (rel, size, mtime, was_known), result in zip(todo, signed):
            (changed if was_known else added).append(rel)
            if isinstance(result, str):
                failures[rel] = (size, mtime, result)
                continue
            new.paths.append(rel)
            new.sizes.append(size)
            new.mtimes.append(mtime)
            for name, vec in result.items():
                new.rows[name].append(vec)

        keep_idx = np.asarray(keep, dtype=np.int64)
        paths = [self.paths[k] for k in keep] + new.paths
        order = np.argsort(np.asarray(paths, dtype=str), kind="stable") if paths else np.zeros(0, np.int64)
        self.paths = [paths[k] for k in order]
        self.sizes = np.concatenate([self.sizes[keep_idx], np.asarray(new.sizes, dtype=np.int64)])[order]
        self.mtimes = np.concatenate([self.mtimes[keep_idx], np.asarray(new.mtimes, dtype=np.int64)])[order]
        for s in self.signatures:
            fresh = (np.stack(new.rows[s.name]).astype(np.float32) if new.rows[s.name]
                     else np.zeros((0, s.length), dtype=np.float32))
            self.tables[s.name] = np.ascontiguousarray(
                np.concatenate([self.tables[s.name][keep_idx], fresh])[order])
        self.failures = dict(sorted(failures.items()))
        self._stale = False
        return UpdateReport(
            added=tuple(added), changed=tuple(changed), removed=removed, unchanged=len(keep),
            failed=tuple((p, f[2]) for p, f in self.failures.items()), resigned_all=resign_all)

    # ------------------------------------------------------------------ query

    def signature_vectors(self, image: Any) -> dict[str, np.ndarray]:
        """The stored signatures of one image (anything :func:`perceptdiff.load_image` reads)."""
        from ..loading import load_image

        img = image if isinstance(image, Image) else load_image(image)
        return compute_signatures(img, self.signatures)

    def _check_answerable(self, sig: Signature) -> None:
        parts = getattr(sig, "parts", None) or (sig.name,)
        missing = [p for p in parts if p not in self.tables]
        if missing:
            raise SignatureIndexError(
                f"index of {self.root} does not store signature {', '.join(missing)}")

    def distances(self, query: dict[str, np.ndarray], *, signature: str | Signature = "combined") -> np.ndarray:
        """Normalised distances from the query's vectors to every entry: ``(N,)`` float32."""
        sig = get_signature(signature)
        self._check_answerable(sig)
        if not self.paths:
            return np.zeros(0, dtype=np.float32)
        return normalised_distances(sig, query, self.tables)

    def search(self, query: Any, *, signature: str | Signature = "combined", top: int | None = None,
               exclude: Sequence[str] = ()) -> list[Match]:
        """Entries ranked by similarity to ``query``, nearest first.

        Parameters
        ----------
        query : path, bytes, Image, ... or dict
            An image (anything :func:`perceptdiff.load_image` reads) or its
            vectors from :meth:`signature_vectors`.
        signature : str or Signature
            What to rank by.
        top : int, optional
            Return at most this many.
        exclude : sequence of str
            Relative paths to leave out (the query itself when it is in the folder).

        Returns
        -------
        list of Match
            Ties keep path order.
        """
        vectors = query if isinstance(query, dict) else self.signature_vectors(query)
        d = self.distances(vectors, signature=signature)
        if exclude:
            drop = set(exclude)
            d = d.copy()
            for k, p in enumerate(self.paths):
                if p in drop:
                    d[k] = np.inf
        order = np.argsort(d, kind="stable")
        if top is not None:
            order = order[:top]
        return [Match(self.paths[k], float(d[k])) for k in order if np.isfinite(d[k])]

    def duplicates(self, *, signature: str | Signature = "combined",
                   threshold: float = DUPLICATE_THRESHOLD) -> list[DuplicateGroup]:
        """Groups of near-duplicate images (see :func:`~perceptdiff.signatures.groups.duplicate_groups`)."""
        sig = get_signature(signature)
        self._check_answerable(sig)
        return duplicate_groups(sig, self.paths, self.tables, threshold)

    # ------------------------------------------------------------------ disk

    def _header(self) -> dict[str, Any]:
        return {
            "kind": INDEX_KIND,
            "format_version": FORMAT_VERSION,
            "written_by": f"perceptdiff {__version__}",
            "root": str(self.root),
            "signatures": {s.name: {"version": s.version, "length": s.length} for s in self.signatures},
        }

    def to_bytes(self) -> bytes:
        """The index in its on-disk format."""
        arrays: dict[str, np.ndarray] = {
            "header": np.array(json.dumps(self._header())),
            "paths": np.array(self.paths, dtype=str) if self.paths else np.zeros(0, dtype="<U1"),
            "sizes": self.sizes.astype(np.int64),
            "mtimes": self.mtimes.astype(np.int64),
            "failed_paths": np.array(list(self.failures), dtype=str) if self.failures else np.zeros(0, "<U1"),
            "failed_reasons": (np.array([f[2] for f in self.failures.values()], dtype=str)
                               if self.failures else np.zeros(0, "<U1")),
            "failed_stat": np.array([f[:2] for f in self.failures.values()], dtype=np.int64).reshape(-1, 2),
        }
        for name, table in self.tables.items():
            arrays[f"sig.{name}"] = table.astype(np.float32)
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index to ``path`` atomically (temporary file, then rename)."""
        from ..fileio import atomic_write_bytes

        return atomic_write_bytes(path, self.to_bytes())

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None,
             signatures: Iterable[str] | None = None) -> "SignatureIndex":
        """Read an index written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            The index file.
        root : str or os.PathLike, optional
            The folder the caller means; an index of another folder is refused.
        signatures : iterable of str, optional
            Signatures the caller needs (default: every registered one).  If
            the file's differ in name or version, the index keeps its paths but
            is re-signed whole by the next :meth:`update`.

        Raises
        ------
        SignatureIndexError
            Not an index, another format version, another folder, or damaged.
        """
        name = os.fspath(path)
        try:
            with np.load(name, allow_pickle=False) as data:
                if "header" not in data.files:
                    raise SignatureIndexError(f"{name}: not a perceptdiff signature index")
                header = json.loads(str(data["header"][()]))
                if not isinstance(header, dict) or header.get("kind") != INDEX_KIND:
                    raise SignatureIndexError(f"{name}: not a perceptdiff signature index")
                version = header.get("format_version")
                if version != FORMAT_VERSION:
                    raise SignatureIndexError(
                        f"{name}: index format version {version!r} is not supported "
                        f"(this perceptdiff reads version {FORMAT_VERSION}); delete the file to rebuild it")
                arrays = {k: data[k] for k in data.files}
        except SignatureIndexError:
            raise
        except FileNotFoundError:
            raise SignatureIndexError(f"{name}: no such file") from None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError,
                UnicodeDecodeError) as exc:
            raise SignatureIndexError(f"{name}: not a readable signature index ({_short(exc)})") from None

        stored_root = Path(str(header.get("root", "")))
        index = cls(root if root is not None else stored_root, signatures=signatures)
        if root is not None and index.root != stored_root:
            raise SignatureIndexError(
                f"{name}: is the index of {stored_root}, not of {index.root}; give another --index file")
        try:
            index._fill(arrays, header)
        except (KeyError, ValueError, TypeError) as exc:
            raise SignatureIndexError(f"{name}: damaged signature index ({_short(exc)})") from None
        return index

    def _fill(self, arrays: dict[str, np.ndarray], header: dict[str, Any]) -> None:
        paths = [str(p) for p in arrays["paths"]]
        n = len(paths)
        sizes = arrays["sizes"].astype(np.int64)
        mtimes = arrays["mtimes"].astype(np.int64)
        if sizes.shape != (n,) or mtimes.shape != (n,):
            raise ValueError("sizes and times do not match the paths")
        stored = header.get("signatures", {})
        tables: dict[str, np.ndarray] = {}
        stale = False
        for s in self.signatures:
            info = stored.get(s.name)
            key = f"sig.{s.name}"
            if (not isinstance(info, dict) or info.get("version") != s.version
                    or info.get("length") != s.length or key not in arrays):
                stale = True
                tables[s.name] = np.zeros((n, s.length), dtype=np.float32)
                continue
            table = arrays[key]
            if table.dtype != np.float32 or table.shape != (n, s.length):
                raise ValueError(f"table {s.name} has shape {table.shape}, expected {(n, s.length)}")
            tables[s.name] = np.ascontiguousarray(table)
        fpaths = [str(p) for p in arrays["failed_paths"]]
        freasons = [str(r) for r in arrays["failed_reasons"]]
        fstat = arrays["failed_stat"].astype(np.int64).reshape(-1, 2)
        if len(fpaths) != len(freasons) or len(fpaths) != len(fstat):
            raise ValueError("failure lists do not match")
        self.paths, self.sizes, self.mtimes, self.tables = paths, sizes, mtimes, tables
        self.failures = {p: (int(st[0]), int(st[1]), r) for p, st, r in zip(fpaths, fstat, freasons)}
        self._stale = stale


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."

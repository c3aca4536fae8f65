"""Likely renames: pair "new" images with "missing" ones that show the same picture.

When a snapshot test is renamed or moved, a comparison of two folders sees
one *new* file (no baseline) and one *missing* file (a baseline nobody
produced).  If their pictures are near, the two are most likely one
snapshot under two names.  The pairing is one-to-one: among all pairs whose
symmetrised combined distance is at most the threshold, the assignment that
pairs the most images and, among those, has the smallest total distance
(the Hungarian method, via :func:`scipy.optimize.linear_sum_assignment`).
A paired file is then compared by the eye model as usual; the pairing only
says which baseline to compare it with.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import PerceptdiffError
from .base import Signature, compute_signatures, get_signature, normalised_distances, parts_of

__all__ = ["RenamePair", "RENAME_THRESHOLD", "pair_renames", "find_renames"]

#: Largest normalised combined distance at which a new and a missing image are
#: paired as a rename.  Chosen on the benchmark's labelled set
#: (``benchmarks/similar.py --calibrate``; 100 originals among 10 000 images):
#: every re-encoded (JPEG q75), resized (60 %) and text-edited copy is at most
#: 0.214 from its original, and no original is nearer than 0.313 to any of the
#: 9 400 unrelated distractors (UI windows, charts, textures and text pages in
#: the same styles).  0.25 lies in that gap, 0.036 above the farthest such copy
#: and 0.063 below the nearest distractor.  Cropped copies (8 % off two edges,
#: median 0.38) are not paired, and brightened ones only in 63 % of cases: a
#: snapshot renamed *and* visibly changed may still show as new + missing.
RENAME_THRESHOLD = 0.25


@dataclass(frozen=True)
class RenamePair:
    """A new file that most likely is a missing file under another name.

    Attributes
    ----------
    new : str or os.PathLike
        The file with no baseline, as given.
    missing : str or os.PathLike
        The baseline nobody produced, as given.
    distance : float
        Their symmetrised normalised distance.
    """

    new: Any
    missing: Any
    distance: float


def pair_renames(distances: np.ndarray, threshold: float = RENAME_THRESHOLD) -> list[tuple[int, int, float]]:
    """One-to-one pairs of rows (new) and columns (missing) with distance ``<= threshold``.

    The most pairs possible, and among those the smallest total distance.

    Parameters
    ----------
    distances : numpy.ndarray
        ``(n_new, n_missing)`` distances.
    threshold : float
        Largest distance that may be paired.

    Returns
    -------
    list of (int, int, float)
        ``(row, column, distance)``, sorted by row.
    """
    from scipy.optimize import linear_sum_assignment

    d = np.asarray(distances, dtype=np.float64)
    if d.ndim != 2 or d.size == 0:
        return []
    allowed = d <= threshold
    if not allowed.any():
        return []
    # An excluded pair costs more than all allowed pairs together, so the
    # assignment first pairs as many as it can, then minimises the total.
    big = float(np.abs(d[allowed]).sum()) + 1.0 + threshold * d.shape[0]
    cost = np.where(allowed, d, big)
    rows, cols = linear_sum_assignment(cost)
    keep = allowed[rows, cols]
    return [(int(r), int(c), float(d[r, c])) for r, c in zip(rows[keep], cols[keep])]


def _signed(items: Sequence[Any], sigs: Sequence[Signature]) -> tuple[list[int], dict[str, np.ndarray]]:
    """Indices of the readable items and their signature tables."""
    from ..loading import load_image

    ok: list[int] = []
    rows: list[dict[str, np.ndarray]] = []
    for k, item in enumerate(items):
        try:
            image = load_image(item)
        except PerceptdiffError:
            continue
        rows.append(compute_signatures(image, sigs))
        ok.append(k)
    tables = {s.name: (np.stack([r[s.name] for r in rows]) if rows
                       else np.zeros((0, s.length), dtype=np.float32)) for s in sigs}
    return ok, tables


def find_renames(new: Sequence[str | os.PathLike[str]], missing: Sequence[str | os.PathLike[str]], *,
                 signature: str | Signature = "combined",
                 threshold: float = RENAME_THRESHOLD) -> list[RenamePair]:
    """Likely rename pairs between ``new`` and ``missing`` image files.

    Parameters
    ----------
    new : sequence of path
        Images that have no counterpart (no baseline).
    missing : sequence of path
        Images (baselines) that nothing produced.
    signature : str or Signature
        What to compare by; the threshold is in normalised units, so any
        signature works, but it was calibrated for "combined".
    threshold : float
        Largest symmetrised normalised distance that is paired.

    Returns
    -------
    list of RenamePair
        One-to-one, in the order of ``new``.  Files that cannot be read are
        never paired (the comparison reports them).
    """
    sig = get_signature(signature)
    if not new or not missing:
        return []
    parts = parts_of(sig)
    new_ok, new_tables = _signed(new, parts)
    miss_ok, miss_tables = _signed(missing, parts)
    if not new_ok or not miss_ok:
        return []
    matrix = np.stack([
        normalised_distances(sig, {k: t[r] for k, t in new_tables.items()}, miss_tables, symmetric=True)
        for r in range(len(new_ok))
    ])
    return [RenamePair(new=new[new_ok[r]], missing=missing[miss_ok[c]], distance=d)
            for r, c, d in pair_renames(matrix, threshold)]

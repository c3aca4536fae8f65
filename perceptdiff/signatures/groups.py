"""Near-duplicate pairs and groups among many signatures, without comparing every pair.

Every signature offers *bound features*: short vectors whose Euclidean
distance never exceeds the (symmetrised, normalised) distance of the two
images.  A pair whose features are farther apart than the threshold cannot
be near, so the exact distance is computed only for the pairs the features
let through; the feature distances themselves come from one matrix product
per block of rows (``‖a‖² + ‖b‖² - 2 a·b``), which is what makes ten thousand
images take seconds rather than hours.  The result is exactly the set of
pairs a brute-force comparison finds.

Near pairs are joined into groups by single linkage (connected components):
A ~ B and B ~ C put A, B and C in one group even when A and C are farther
apart than the threshold; each group says how far its farthest linked pair
is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .base import Signature, normalised_bound_features, normalised_distances

__all__ = ["DuplicateGroup", "near_pairs", "group_pairs", "duplicate_groups"]

#: Rows per block of the feature-distance product: a 1024 × N float32 block is
#: 40 MB at N = 10 000.
_BLOCK = 1024


@dataclass(frozen=True)
class DuplicateGroup:
    """Images whose signatures are near one another.

    Attributes
    ----------
    paths : tuple of str
        The members, sorted.
    max_distance : float
        The largest normalised distance among the near pairs that link the group.
    """

    paths: tuple[str, ...]
    max_distance: float


def near_pairs(features: np.ndarray, exact: Callable[[int, np.ndarray], np.ndarray],
               threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair ``i < j`` with ``exact(i, [j]) <= threshold``.

    Parameters
    ----------
    features : numpy.ndarray
        ``(N, k)`` bound features: ``‖features[i] - features[j]‖₂`` never
        exceeds the exact distance of ``i`` and ``j``.
    exact : callable
        ``exact(i, js)`` -> the exact distances from row ``i`` to rows ``js``.
    threshold : float
        Largest distance that counts as near.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Row indices ``i``, ``j`` (``i < j``) and their distances.
    """
    feats = np.asarray(features, dtype=np.float32)
    n = len(feats)
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float32)
    sq = np.einsum("ij,ij->i", feats, feats)
    # float32 rounding of the expanded square must not drop a true pair
    limit = np.float32((threshold * (1 + 1e-3) + 1e-4) ** 2)
    for start in range(0, n, _BLOCK):
        block = feats[start:start + _BLOCK]
        d2 = sq[start:start + len(block), None] + sq[None, :] - np.float32(2) * (block @ feats.T)
        rows, cols = np.nonzero(d2 <= limit)
        rows = rows + start
        upper = cols > rows
        rows, cols = rows[upper], cols[upper]
        for i in np.unique(rows):
            js = cols[rows == i]
            d = np.asarray(exact(int(i), js), dtype=np.float32)
            near = d <= threshold
            if near.any():
                out_i.append(np.full(int(near.sum()), i, dtype=np.int64))
                out_j.append(js[near].astype(np.int64))
                out_d.append(d[near])
    if not out_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float32)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)


def group_pairs(names: Sequence[str], i: np.ndarray, j: np.ndarray, d: np.ndarray) -> list[DuplicateGroup]:
    """Connected components of the pair graph, as groups of two or more, sorted by first member."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(names)
    if len(i) == 0:
        return []
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    worst = np.zeros(n, dtype=np.float32)
    np.maximum.at(worst, labels[i], d)
    members: dict[int, list[int]] = {}
    for node in np.unique(np.concatenate([i, j])):
        members.setdefault(int(labels[node]), []).append(int(node))
    groups = [DuplicateGroup(paths=tuple(sorted(names[k] for k in nodes)), max_distance=float(worst[label]))
              for label, nodes in members.items()]
    return sorted(groups, key=lambda g: g.paths)


def duplicate_groups(sig: Signature, names: Sequence[str], tables: Mapping[str, np.ndarray],
                     threshold: float) -> list[DuplicateGroup]:
    """Groups of near-duplicates: images linked by symmetrised normalised distances ``<= threshold``.

    Parameters
    ----------
    sig : Signature
        The signature to compare by (plain or composite).
    names : sequence of str
        One name per row of the tables.
    tables : mapping of str to numpy.ndarray
        ``(N, length)`` tables by stored signature name.
    threshold : float
        Normalised distance (0 same picture, 1 typical unrelated pair).

    Returns
    -------
    list of DuplicateGroup
    """
    if len(names) < 2:
        return []
    features = normalised_bound_features(sig, tables)

    def exact(row: int, js: np.ndarray) -> np.ndarray:
        query = {k: t[row] for k, t in tables.items()}
        return normalised_distances(sig, query, {k: t[js] for k, t in tables.items()}, symmetric=True)

    i, j, d = near_pairs(features, exact, threshold)
    return group_pairs(names, i, j, d)

"""Near-duplicate pairs and groups among many signatures, without comparing every pair.

For a block of rows at a time, a *lower bound* of the (symmetrised,
normalised) distance to every later row is computed cheaply; only pairs
whose bound is within the threshold get their exact distance.  The bound of
a signature is the L1 distance of its *bound features* (short vectors whose
L1 distance never exceeds the signature's distance: cell means of the tiny
image, merged histogram bins, the wavelet averages), or the exact distance
when the signature can give a whole block at once (the wavelet signature,
through one sparse matrix product); a composite signature's bound is the
weighted sum of its parts' bounds.  The result is exactly the set of pairs
a brute-force comparison finds.

Near pairs are joined into groups by single linkage (connected components):
A ~ B and B ~ C put A, B and C in one group even when A and C are farther
apart than the threshold; each group says how far its farthest linked pair
is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .base import Signature, get_signature, normalised_distances

__all__ = ["DuplicateGroup", "BlockBound", "lower_bound_blocks", "near_pairs", "group_pairs",
           "duplicate_groups"]

#: Rows per block: a 512 × N float32 block is 20 MB at N = 10 000.
_BLOCK = 512

#: ``bound(start, stop, first)`` -> ``(stop - start, N - first)`` lower bounds of
#: the distances of rows ``start:stop`` to rows ``first:``.
BlockBound = Callable[[int, int, int], np.ndarray]


def _l1_blocks(features: np.ndarray) -> BlockBound:
    feats = np.ascontiguousarray(features, dtype=np.float32)
    cols = np.ascontiguousarray(feats.T)

    def block(start: int, stop: int, first: int = 0) -> np.ndarray:
        acc = np.zeros((stop - start, len(feats) - first), dtype=np.float32)
        tmp = np.empty_like(acc)
        for j in range(feats.shape[1]):
            np.subtract(feats[start:stop, j, None], cols[j, None, first:], out=tmp)
            np.abs(tmp, out=tmp)
            acc += tmp
        return acc

    return block


def lower_bound_blocks(sig: Signature, tables: Mapping[str, np.ndarray]) -> BlockBound:
    """Block lower bounds of ``sig``'s symmetrised normalised distance (see the module docstring)."""
    parts: Mapping[str, float] | None = getattr(sig, "parts", None)
    if parts is not None:
        terms = [(lower_bound_blocks(get_signature(name), tables), weight) for name, weight in parts.items()]

        def combined(start: int, stop: int, first: int = 0) -> np.ndarray:
            total = None
            for bound, weight in terms:
                term = bound(start, stop, first) * np.float32(weight)
                total = term if total is None else total + term
            assert total is not None
            return total

        return combined
    scale = np.float32(1.0 / sig.scale)
    exact = getattr(sig, "symmetric_blocks", None)
    raw: BlockBound = (exact(tables[sig.name]) if exact is not None
                       else _l1_blocks(sig.bound_features(tables[sig.name])))

    def scaled(start: int, stop: int, first: int = 0) -> np.ndarray:
        return raw(start, stop, first) * scale

    return scaled


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


def near_pairs(n: int, bound: BlockBound, exact: Callable[[int, np.ndarray], np.ndarray],
               threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair ``i < j`` of ``n`` rows with ``exact(i, [j]) <= threshold``.

    Parameters
    ----------
    n : int
        Number of rows.
    bound : callable
        ``bound(start, stop, first)``: lower bounds of the exact distances of
        rows ``start:stop`` to rows ``first:`` (see :data:`BlockBound`).
    exact : callable
        ``exact(i, js)`` -> the exact distances from row ``i`` to rows ``js``.
    threshold : float
        Largest distance that counts as near.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Row indices ``i``, ``j`` (``i < j``) and their distances.
    """
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    # float32 rounding of a bound must not drop a true pair
    limit = np.float32(threshold * (1 + 1e-4) + 1e-6)
    for start in range(0, max(n - 1, 0), _BLOCK):
        stop = min(start + _BLOCK, n)
        lows = bound(start, stop, start)
        rows, cols = np.nonzero(lows <= limit)
        rows = rows + start
        cols = cols + start
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
    bound = lower_bound_blocks(sig, tables)

    def exact(row: int, js: np.ndarray) -> np.ndarray:
        query = {k: t[row] for k, t in tables.items()}
        return normalised_distances(sig, query, {k: t[js] for k, t in tables.items()}, symmetric=True)

    i, j, d = near_pairs(len(names), bound, exact, threshold)
    return group_pairs(names, i, j, d)

"""The combined signature: a weighted mean of the other signatures' normalised distances.

The three classic signatures see different things: the wavelet signature
the layout of edges and shapes at several scales, the tiny image the
coarse placement of colour, the histogram the colour content wherever it
is (so it survives a crop, which the other two do not).  Each is divided by
its own *scale*, its typical distance between two unrelated images measured
on the benchmark corpus, which turns all three into one unit ("1 = as far
apart as unrelated images usually are"), and the combined distance is their
weighted mean: half for the wavelet signature (structure), a quarter each
for the tiny image and the histogram (colour).

Calibrated distances are averaged rather than ranks (e.g. a sum of ranks,
Borda-style) because a distance keeps its meaning without the rest of the
collection: it gives thresholds for near-duplicates and renamed snapshots
that work for two images as for ten thousand, and a query that matches
nothing well still looks far from everything instead of having a "first"
result by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from ..image import Image
from .base import Signature, compute_signatures, get_signature, symmetric_distances

__all__ = ["CombinedSignature", "COMBINED", "COMBINED_WEIGHTS"]

#: Structure and colour in equal shares: the wavelet signature (edges and
#: shapes at every scale) gets half, the two colour signatures (colour layout,
#: colour content) a quarter each; equal thirds would weigh colour twice as
#: much as structure.  On the benchmark's 1 000 images equal thirds found the
#: brightened copy first for 75 % of queries, these shares for 89 %, with crops
#: found alike (100 %) (``benchmarks/similar.py``).
COMBINED_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"wavelet": 0.5, "tiny": 0.25, "histogram": 0.25})


class CombinedSignature:
    """Weighted mean of several signatures' distances, each divided by its ``scale``.

    The vector is the parts' vectors one after the other (in the order of
    ``parts``).  The distance is already normalised, so ``scale`` is 1.
    Symmetric when every part is; :meth:`symmetric_distances` symmetrises the
    parts that are not.

    Parameters
    ----------
    parts : mapping of str to float
        Signature name -> weight (the weights are normalised to sum to 1).
    name : str
        Registry name.

    Notes
    -----
    Invariances:

    What the parts share: image size and aspect ratio, fine detail, noise.
    Otherwise each part's sensitivity counts with its share: a crop moves
    the wavelet and tiny parts (three quarters of the weight) but hardly the
    histogram; a uniform brightness change moves the tiny and histogram parts
    (half the weight) and the wavelet part only through its Y average.

    References
    ----------
    .. [1] C. E. Jacobs, A. Finkelstein and D. H. Salesin, "Fast
       Multiresolution Image Querying", SIGGRAPH 95, 1995.
    .. [2] A. Torralba, R. Fergus and W. T. Freeman, "80 Million Tiny Images",
       IEEE Trans. PAMI 30(11), 2008.
    .. [3] M. J. Swain and D. H. Ballard, "Color Indexing", IJCV 7(1), 1991.
    """

    scale = 1.0

    def __init__(self, parts: Mapping[str, float] = COMBINED_WEIGHTS, *, name: str = "combined") -> None:
        total = float(sum(parts.values()))
        if not parts or total <= 0 or any(w < 0 for w in parts.values()):
            raise ValueError("parts: give positive weights")
        self.name = name
        self.parts = MappingProxyType({k: float(v) / total for k, v in parts.items()})

    # The parts are looked up when used, so that a part registered later (or
    # replaced) is the one combined.
    def _signatures(self) -> list[tuple[Signature, float]]:
        return [(get_signature(n), w) for n, w in self.parts.items()]

    @property
    def length(self) -> int:  # type: ignore[override]
        return sum(s.length for s, _ in self._signatures())

    @property
    def symmetric(self) -> bool:  # type: ignore[override]
        return all(s.symmetric for s, _ in self._signatures())

    @property
    def version(self) -> str:  # type: ignore[override]
        return "1:" + ",".join(f"{s.name}@{s.version}x{w:.4g}/{s.scale:.6g}" for s, w in self._signatures())

    def _slices(self, table: np.ndarray) -> dict[str, np.ndarray]:
        table = np.asarray(table, dtype=np.float32)
        flat = table.reshape(-1, table.shape[-1])
        out, start = {}, 0
        for s, _ in self._signatures():
            out[s.name] = flat[:, start:start + s.length]
            start += s.length
        return out

    def compute(self, image: Image) -> np.ndarray:
        vecs = compute_signatures(image, [s for s, _ in self._signatures()])
        return np.concatenate([vecs[n] for n in self.parts]).astype(np.float32)

    def distances_from_parts(self, query: Mapping[str, np.ndarray], tables: Mapping[str, np.ndarray],
                             *, symmetric: bool = False) -> np.ndarray:
        """The combined distance from per-part query vectors and per-part tables (as an index stores them)."""
        total: np.ndarray | None = None
        for s, w in self._signatures():
            if symmetric:
                d = symmetric_distances(s, query[s.name], tables[s.name])
            else:
                d = s.distances(query[s.name], tables[s.name])
            term = d * np.float32(w / s.scale)
            total = term if total is None else total + term
        assert total is not None
        return total.astype(np.float32)

    def distances(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        q = {k: v[0] for k, v in self._slices(np.asarray(query)[None, :]).items()}
        return self.distances_from_parts(q, self._slices(table))

    def symmetric_distances(self, query: np.ndarray, table: np.ndarray) -> np.ndarray:
        q = {k: v[0] for k, v in self._slices(np.asarray(query)[None, :]).items()}
        return self.distances_from_parts(q, self._slices(table), symmetric=True)

    def bound_features_from_parts(self, tables: Mapping[str, np.ndarray]) -> np.ndarray:
        """Bound features from per-part tables.

        Σ wₛ dₛ / scaleₛ >= Σ wₛ ‖fₛ‖₁ / scaleₛ = ‖(wₛ fₛ / scaleₛ)ₛ‖₁: the
        concatenation of the parts' features, each weighted, bounds the mean
        with nothing lost in the combination.
        """
        feats = [s.bound_features(tables[s.name]) * np.float32(w / s.scale) for s, w in self._signatures()]
        return np.concatenate(feats, axis=1).astype(np.float32)

    def bound_features(self, table: np.ndarray) -> np.ndarray:
        return self.bound_features_from_parts(self._slices(table))

    def __repr__(self) -> str:
        return f"<signature {self.name} {dict(self.parts)}>"


#: The registered combined signature: wavelet, tiny and histogram in equal shares.
COMBINED = CombinedSignature()

"""Near-duplicate pairs: the bound-feature filter finds exactly what brute force finds."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff.signatures import compute_signatures, duplicate_groups, get_signature, stored_signatures
from perceptdiff.signatures.base import normalised_distances
from perceptdiff.signatures.groups import group_pairs, near_pairs

from signature_images import brighten, jpeg, scene


@pytest.fixture(scope="module")
def tables() -> tuple[list[str], dict[str, np.ndarray]]:
    sources = []
    for s in range(10):
        a = scene(s)
        sources += [a, jpeg(a), brighten(a, 6)]
    rows = [compute_signatures(perceptdiff.load_image(x), stored_signatures()) for x in sources]
    names = [f"{k:02d}" for k in range(len(rows))]
    return names, {n: np.stack([r[n] for r in rows]) for n in rows[0]}


def brute(sig_name: str, tables: dict[str, np.ndarray], threshold: float) -> set[tuple[int, int]]:
    sig = get_signature(sig_name)
    n = len(next(iter(tables.values())))
    out = set()
    for i in range(n):
        d = normalised_distances(sig, {k: t[i] for k, t in tables.items()}, tables, symmetric=True)
        out |= {(i, j) for j in range(i + 1, n) if d[j] <= threshold}
    return out


@pytest.mark.parametrize("sig_name", ["wavelet", "tiny", "histogram", "combined"])
@pytest.mark.parametrize("threshold", [0.05, 0.3, 0.8])
def test_near_pairs_equal_brute_force(tables, sig_name: str, threshold: float,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import perceptdiff.signatures.groups as groups_mod

    monkeypatch.setattr(groups_mod, "_BLOCK", 7)      # several blocks, the last one short
    names, t = tables
    groups = duplicate_groups(get_signature(sig_name), names, t, threshold)
    found = {(names.index(a), names.index(b)) for g in groups for a in g.paths for b in g.paths if a < b}
    truth = brute(sig_name, t, threshold)
    # groups are closed under linking; every brute-force pair is inside one group
    assert truth <= found
    linked = set()
    for g in groups:
        idx = sorted(names.index(p) for p in g.paths)
        linked |= {(a, b) for a in idx for b in idx if a < b}
    assert found == linked


def test_near_pairs_distances_and_order() -> None:
    feats = np.array([[0.0], [0.1], [5.0], [5.05]], np.float32)

    def exact(i: int, js: np.ndarray) -> np.ndarray:
        return np.abs(feats[js, 0] - feats[i, 0])

    def bound(start: int, stop: int, first: int) -> np.ndarray:
        return np.abs(feats[start:stop, 0, None] - feats[None, first:, 0]) * np.float32(0.5)

    i, j, d = near_pairs(4, bound, exact, 0.2)
    assert sorted(zip(i.tolist(), j.tolist())) == [(0, 1), (2, 3)]
    assert (i < j).all() and np.allclose(sorted(d), [0.05, 0.1], atol=1e-6)
    assert all(len(x) == 0 for x in near_pairs(1, bound, exact, 1.0))
    assert all(len(x) == 0 for x in near_pairs(0, bound, exact, 1.0))


def test_groups_link_by_single_linkage() -> None:
    names = ["a", "b", "c", "d", "e"]
    groups = group_pairs(names, np.array([0, 1, 3]), np.array([1, 2, 4]), np.array([0.1, 0.2, 0.05], np.float32))
    assert [g.paths for g in groups] == [("a", "b", "c"), ("d", "e")]
    assert groups[0].max_distance == pytest.approx(0.2) and groups[1].max_distance == pytest.approx(0.05)
    assert group_pairs(names, np.zeros(0, int), np.zeros(0, int), np.zeros(0, np.float32)) == []

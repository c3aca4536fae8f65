"""Rename pairing: one-to-one, thresholded, on files."""

from __future__ import annotations

import numpy as np
import pytest

from perceptdiff.signatures import RENAME_THRESHOLD, find_renames, pair_renames

from conftest import write_png
from signature_images import jpeg, scene


def test_pairs_are_one_to_one_and_as_many_as_possible() -> None:
    # greedy nearest-first would pair (0, 0) and leave row 1 alone; two pairs are possible
    d = np.array([[0.10, 0.12], [0.11, 0.90]])
    assert pair_renames(d, 0.2) == [(0, 1, pytest.approx(0.12)), (1, 0, pytest.approx(0.11))]


def test_smallest_total_among_full_pairings() -> None:
    d = np.array([[0.01, 0.02], [0.02, 0.15]])
    # both pairings pair two; (0,1)+(1,0) totals 0.04 < 0.16
    assert [(r, c) for r, c, _ in pair_renames(d, 0.2)] == [(0, 1), (1, 0)]


def test_threshold_and_shapes() -> None:
    assert pair_renames(np.array([[0.5]]), 0.2) == []
    assert pair_renames(np.zeros((0, 3)), 0.2) == []
    d = np.array([[0.3, 0.05, 0.9]])                      # one new, three missing
    assert pair_renames(d, 0.2) == [(0, 1, pytest.approx(0.05))]
    d = np.array([[0.05], [0.01], [0.5]])                 # three new, one missing
    assert pair_renames(d, 0.2) == [(1, 0, pytest.approx(0.01))]
    assert pair_renames(np.array([[0.2]]), 0.2) == [(0, 0, pytest.approx(0.2))]   # inclusive


def test_find_renames_on_files(tmp_path) -> None:
    base, new = tmp_path / "baseline", tmp_path / "actual"
    base.mkdir()
    new.mkdir()
    missing = [write_png(base / f"old_{k}.png", scene(k)) for k in range(4)]
    edited = scene(1).copy()
    edited[60:64, 20:50] = 0                             # a small edit after the rename
    (new / "renamed_0.jpg").write_bytes(jpeg(scene(0)))  # same picture, re-encoded
    fresh = [new / "renamed_0.jpg", write_png(new / "renamed_1.png", edited),
             write_png(new / "brand_new.png", scene(77))]
    (new / "broken.png").write_bytes(b"not an image")
    fresh.append(new / "broken.png")
    pairs = find_renames(fresh, missing)
    assert [(p.new.name, p.missing.name) for p in pairs] == [
        ("renamed_0.jpg", "old_0.png"), ("renamed_1.png", "old_1.png")]
    assert all(0 <= p.distance <= RENAME_THRESHOLD for p in pairs)
    assert find_renames([], missing) == [] and find_renames(fresh, []) == []
    assert find_renames(fresh, missing, threshold=0.0) == []

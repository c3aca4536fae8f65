"""Run-based labelling agrees with scipy.ndimage on random masks."""

import numpy as np
import pytest
from scipy import ndimage

from perceptdiff import regions


@pytest.mark.parametrize("seed", range(40))
def test_label8_boxes_and_dilation_match_scipy(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(1, 48, 2)
    m = rng.random((h, w)) < rng.uniform(0.02, 0.7)
    ours, n = regions.label8(m)
    ref, n_ref = ndimage.label(m, structure=np.ones((3, 3), dtype=bool))
    assert n == n_ref
    assert len(set(zip(ours[m].tolist(), ref[m].tolist()))) == n  # same partition
    assert not ours[~m].any()
    assert regions.boxes(m, ours, n) == ndimage.find_objects(ours)
    for r in (1, 2, 3):
        y, x = np.ogrid[-r:r + 1, -r:r + 1]
        disk = (x * x + y * y) <= r * r
        np.testing.assert_array_equal(regions.dilate_disk(m, r), ndimage.binary_dilation(m, structure=disk))


def test_empty_and_full_masks():
    assert regions.label8(np.zeros((5, 7), bool))[1] == 0
    labels, n = regions.label8(np.ones((5, 7), bool))
    assert n == 1 and (labels == 1).all()


def test_spiral_needs_many_hooking_rounds():
    m = np.zeros((41, 41), bool)
    top, left, bottom, right = 0, 0, 40, 40
    while top <= bottom and left <= right:  # a one-pixel-wide spiral: one component
        m[top, left:right + 1] = True
        m[top:bottom + 1, right] = True
        m[bottom, left:right + 1] = True
        m[top + 2:bottom + 1, left] = True
        top, left, bottom, right = top + 2, left + 2, bottom - 2, right - 2
    assert regions.label8(m)[1] == ndimage.label(m, structure=np.ones((3, 3), bool))[1]

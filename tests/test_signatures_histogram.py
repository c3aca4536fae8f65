"""The colour-histogram signature: intersection known values, invariances, rankings."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff.signatures import distance
from perceptdiff.signatures.histogram import HISTOGRAM, lab_histogram

from signature_images import brighten, crop, flat, hue_rotate, jpeg, scene


def sig(arr: np.ndarray) -> np.ndarray:
    return HISTOGRAM.compute(perceptdiff.load_image(arr))


def test_histogram_sums_to_one() -> None:
    v = sig(scene(0))
    assert v.shape == (729,) and v.dtype == np.float32
    assert v.sum() == pytest.approx(1.0, abs=1e-5) and (v >= 0).all()


def test_black_and_white_known_values() -> None:
    black, white = sig(flat((0, 0, 0))), sig(flat((255, 255, 255)))
    half = np.zeros((64, 64, 3), np.uint8)
    half[:, 32:] = 255
    assert HISTOGRAM.distances(black, white[None, :])[0] == pytest.approx(1.0, abs=1e-4)   # nothing in common
    assert HISTOGRAM.distances(black, sig(half)[None, :])[0] == pytest.approx(0.5, abs=1e-3)
    assert HISTOGRAM.distances(black, black[None, :])[0] == 0.0


def test_intersection_equals_half_l1() -> None:
    a, b = sig(scene(1)), sig(scene(2))
    intersection = np.minimum(a, b).sum()
    assert HISTOGRAM.distances(a, b[None, :])[0] == pytest.approx(1 - intersection, abs=1e-5)


def test_rearranging_the_pixels_changes_nothing() -> None:
    a = scene(3)
    swapped = np.concatenate([np.concatenate([a[64:, 64:], a[64:, :64]], axis=1),
                              np.concatenate([a[:64, 64:], a[:64, :64]], axis=1)], axis=0)
    for moved in (a[:, ::-1], a[::-1], swapped):
        moved = np.ascontiguousarray(moved)
        assert distance(a, moved, "histogram") == pytest.approx(0.0, abs=1e-5)
        assert distance(a, moved, "tiny") > 0.1          # the layout measures do see it


def test_soft_binning_is_continuous() -> None:
    # two greys either side of where a hard bin border would be (L* 43.75, halfway between the
    # grid points 37.5 and 50) are as near as their difference: ΔL* / 12.5, not 1
    lab = np.zeros((100, 3), np.float32)
    near = [lab_histogram(lab + [[42.75, 0, 0]]), lab_histogram(lab + [[44.75, 0, 0]])]
    assert 0.5 * np.abs(near[0] - near[1]).sum() == pytest.approx(2 / 12.5, abs=1e-4)


def test_symmetric() -> None:
    a, b = sig(scene(4)), sig(hue_rotate(scene(4)))
    assert HISTOGRAM.distances(a, b[None, :])[0] == pytest.approx(HISTOGRAM.distances(b, a[None, :])[0], abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_ranking_as_the_measure_predicts(seed: int) -> None:
    a = scene(seed)
    d = {name: distance(a, b, "histogram") for name, b in {
        "jpeg90": jpeg(a), "crop": crop(a), "brightness": brighten(a), "hue": hue_rotate(a)}.items()}
    # a crop keeps the colours (only their shares change); +20 codes shifts every colour by about
    # half a lightness bin; a 120° hue rotation moves every chromatic colour several bins
    assert d["jpeg90"] < d["crop"] < d["brightness"] < d["hue"]


def test_bound_features_never_exceed_the_distance() -> None:
    table = np.stack([sig(scene(s)) for s in range(8)])
    f = HISTOGRAM.bound_features(table)
    for i in range(len(table)):
        d = HISTOGRAM.distances(table[i], table)
        assert (np.abs(f - f[i]).sum(axis=1) <= d + 1e-5).all()

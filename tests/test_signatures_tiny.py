"""The tiny-image signature: CIELAB values, linear-light averaging, L1 distance, rankings."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.color import rgb2lab

import perceptdiff
from perceptdiff.signatures import distance
from perceptdiff.signatures.tiny import TINY, TinySignature

from signature_images import brighten, crop, flat, hue_rotate, jpeg, scene


def sig(arr: np.ndarray) -> np.ndarray:
    return TINY.compute(perceptdiff.load_image(arr))


def test_flat_image_is_its_cielab_colour() -> None:
    v = sig(flat((200, 30, 90))).reshape(16, 16, 3)
    ref = rgb2lab(np.array([[[200, 30, 90]]], dtype=np.uint8))[0, 0]    # scikit-image, D65
    np.testing.assert_allclose(v, np.broadcast_to(ref, v.shape), atol=0.1)


@pytest.mark.parametrize("c1,c2", [((200, 30, 90), (20, 180, 240)), ((0, 0, 0), (255, 255, 255)),
                                   ((120, 120, 120), (121, 119, 122))])
def test_distance_of_flat_images_is_the_manhattan_distance_in_cielab(c1: tuple, c2: tuple) -> None:
    lab = rgb2lab(np.array([[c1, c2]], dtype=np.uint8))[0]
    expected = np.abs(lab[0] - lab[1]).sum()
    assert TINY.distances(sig(flat(c1)), sig(flat(c2))[None, :])[0] == pytest.approx(expected, abs=0.15)


def test_cells_average_in_linear_light() -> None:
    # a one-pixel black/white checkerboard looks like linear 50 % grey (L* 76.07), not code 128 (L* 53.6)
    board = np.indices((128, 128)).sum(axis=0) % 2 * 255
    arr = np.repeat(board[..., None], 3, axis=2).astype(np.uint8)
    v = sig(arr).reshape(16, 16, 3)
    np.testing.assert_allclose(v[..., 0], 116 * 0.5 ** (1 / 3) - 16, atol=0.05)
    np.testing.assert_allclose(v[..., 1:], 0, atol=0.05)


def test_metric_properties() -> None:
    table = np.stack([sig(scene(s)) for s in range(6)])
    for i in range(6):
        d = TINY.distances(table[i], table)
        assert d[i] == 0
        for j in range(6):
            assert d[j] == pytest.approx(TINY.distances(table[j], table[i][None, :])[0], rel=1e-6)
            for k in range(6):   # triangle inequality
                assert d[k] <= d[j] + TINY.distances(table[j], table[k][None, :])[0] + 1e-3


def test_distance_grows_with_the_brightness_change() -> None:
    a = (scene(1) // 2 + 40).astype(np.uint8)
    steps = [distance(a, brighten(a, c), "tiny") for c in (0, 5, 10, 20, 40)]
    assert steps[0] == 0
    assert all(x < y for x, y in zip(steps, steps[1:]))


@pytest.mark.parametrize("seed", range(4))
def test_ranking_as_the_measure_predicts(seed: int) -> None:
    a = scene(seed)
    d = {name: distance(a, b, "tiny") for name, b in {
        "jpeg90": jpeg(a), "crop": crop(a), "brightness": brighten(a), "hue": hue_rotate(a),
        "other": scene(seed + 100)}.items()}
    # re-encoding changes cells by a fraction of a unit; +20 codes moves every cell by ~8 L*;
    # a 20 % crop moves the layout by 3 cells; a 120° hue rotation moves every chromatic cell far
    assert d["jpeg90"] < d["brightness"] < d["crop"]
    assert d["brightness"] < d["hue"]
    assert d["jpeg90"] < 0.1 * d["other"]


def test_small_detail_is_averaged_away() -> None:
    a = scene(2)
    edited = a.copy()
    edited[40:44, 40:60] = 255 - edited[40:44, 40:60]       # a "changed word": 80 pixels
    assert distance(a, edited, "tiny") < 0.05 * distance(a, scene(3), "tiny")


def test_parameters() -> None:
    small = TinySignature(cells=8)
    assert small.length == 192 and small.compute(perceptdiff.load_image(scene(0))).shape == (192,)
    with pytest.raises(ValueError):
        TinySignature(cells=12)


def test_bound_features_never_exceed_the_distance() -> None:
    table = np.stack([sig(scene(s)) for s in range(8)] + [sig(jpeg(scene(0)))])
    f = TINY.bound_features(table)
    for i in range(len(table)):
        d = TINY.distances(table[i], table)
        assert (np.abs(f - f[i]).sum(axis=1) <= d + 1e-4).all()

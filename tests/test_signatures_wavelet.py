"""The wavelet signature (Jacobs, Finkelstein & Salesin 1995): known values, the paper's score, rankings."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff.signatures import distance
from perceptdiff.signatures.wavelet import (
    BINS, COEFFICIENTS, WAVELET, WEIGHTS_SCANNED, WaveletSignature, haar2d, haar_matrix, paper_score,
)

from signature_images import brighten, crop, flat, hue_rotate, jpeg, scene


def sig(arr: np.ndarray) -> np.ndarray:
    return WAVELET.compute(perceptdiff.load_image(arr))


def test_haar_matrix_is_the_scaled_orthonormal_basis() -> None:
    h = haar_matrix(8)
    np.testing.assert_allclose(h @ h.T * 8, np.eye(8), atol=1e-6)
    np.testing.assert_allclose(h[0], np.full(8, 1 / 8), atol=1e-7)          # coefficient 0 is the mean
    np.testing.assert_allclose(h[1] * 8, [1, 1, 1, 1, -1, -1, -1, -1], atol=1e-6)
    np.testing.assert_allclose(h[7] * 8, [0, 0, 0, 0, 0, 0, 2, -2], atol=1e-6)
    with pytest.raises(ValueError):
        haar_matrix(12)


def test_haar2d_of_a_half_bright_square() -> None:
    # left half 1, right half 0: the mean is 1/2 and only the coarsest horizontal detail is there
    x = np.zeros((128, 128), np.float32)
    x[:, :64] = 1
    c = haar2d(x)
    assert c[0, 0] == pytest.approx(0.5, abs=1e-6)
    assert c[0, 1] == pytest.approx(0.5, abs=1e-6)
    c[0, 0] = c[0, 1] = 0
    assert np.abs(c).max() < 1e-6


def test_bins_follow_the_paper() -> None:
    b = BINS.reshape(128, 128)
    assert b[0, 0] == 0 and b[0, 1] == 1 and b[1, 1] == 1 and b[2, 0] == 2 and b[4, 3] == 4
    assert b[5, 0] == 5 and b[127, 127] == 5
    assert [(b == k).sum() for k in range(5)] == [1, 3, 5, 7, 9]


def test_flat_image_keeps_only_its_averages() -> None:
    v = sig(flat((128, 128, 128), (128, 128)))
    assert v.shape == (3 + 3 * COEFFICIENTS,) and v.dtype == np.float32
    assert v[0] == pytest.approx(128 / 255, abs=1e-5)    # Y of grey is the grey
    assert v[1:3] == pytest.approx([0, 0], abs=1e-5)     # no chroma
    assert not v[3:].any()                               # no detail coefficient kept


def test_signature_keeps_m_signed_positions() -> None:
    v = sig(scene(1))
    codes = v[3:].reshape(3, COEFFICIENTS)
    assert (codes != 0).all()
    assert np.array_equal(codes, np.round(codes))            # whole positions, exact in float32
    assert np.abs(codes).max() < 128 * 128
    for ch in codes:                                          # a position at most once per channel
        assert len(set(np.abs(ch).tolist())) == COEFFICIENTS


def test_distance_is_the_papers_score_shifted_by_the_self_score() -> None:
    a, b = sig(scene(0)), sig(scene(1))
    self_score = paper_score(WAVELET, a, a)
    own_weight = WEIGHTS_SCANNED[BINS[np.abs(a[3:].astype(int))], np.repeat(np.arange(3), COEFFICIENTS)].sum()
    assert self_score == pytest.approx(-own_weight, rel=1e-5)         # every coefficient matches itself
    d = WAVELET.distances(a, b[None, :])[0]
    assert d == pytest.approx(paper_score(WAVELET, a, b) - self_score, abs=1e-4)


def test_identity_zero_and_asymmetry_as_documented() -> None:
    a, b = sig(scene(2)), sig(scene(3))
    assert WAVELET.distances(a, a[None, :])[0] == 0.0
    ab, ba = WAVELET.distances(a, b[None, :])[0], WAVELET.distances(b, a[None, :])[0]
    own = WAVELET._own_weight(np.stack([a, b])[:, 3:].reshape(2, 3, -1).astype(np.int32))
    assert ab - ba == pytest.approx(own[0] - own[1], abs=1e-4)       # differs by the own weights
    sym_ab = WAVELET.symmetric_distances(a, b[None, :])[0]
    sym_ba = WAVELET.symmetric_distances(b, a[None, :])[0]
    assert sym_ab == pytest.approx(sym_ba, abs=1e-5)
    assert sym_ab == pytest.approx((ab + ba) / 2, abs=1e-4)


def test_flat_images_differ_by_the_weighted_average_difference() -> None:
    a, b = sig(flat((100, 100, 100))), sig(flat((150, 150, 150)))
    assert WAVELET.distances(a, b[None, :])[0] == pytest.approx(5.00 * 50 / 255, abs=1e-4)


def test_brightness_offset_moves_only_the_y_average() -> None:
    # no clipping: every detail coefficient is unchanged, the distance is w_Y0 · ΔY
    base = (scene(4) // 2 + 40).astype(np.uint8)
    raw = distance(base, brighten(base, 20), "wavelet") * WAVELET.scale
    assert raw == pytest.approx(WEIGHTS_SCANNED[0, 0] * 20 / 255, abs=1e-4)


def test_size_invariance() -> None:
    a = scene(5)
    big = np.repeat(np.repeat(a, 2, axis=0), 2, axis=1)
    assert distance(a, big, "wavelet") == pytest.approx(0.0, abs=1e-4)


@pytest.mark.parametrize("seed", range(4))
def test_ranking_as_the_paper_predicts(seed: int) -> None:
    a = scene(seed)
    d = {name: distance(a, b, "wavelet") for name, b in {
        "jpeg90": jpeg(a), "crop": crop(a), "brightness": brighten(a), "hue": hue_rotate(a),
        "other": scene(seed + 100)}.items()}
    # a brightness change costs only its (heavily weighted) Y average difference: nearest of all
    assert d["brightness"] < d["jpeg90"]
    # re-encoding keeps nearly every large coefficient; a crop moves them, a hue rotation swaps I and Q
    assert d["jpeg90"] < 0.25 * min(d["crop"], d["hue"], d["other"])


def test_painted_weights_and_parameters() -> None:
    painted = WaveletSignature(weights="painted", coefficients=40)
    assert painted.length == 3 + 3 * 40 and "painted" in painted.version
    v = painted.compute(perceptdiff.load_image(scene(0)))
    assert (v[3:] != 0).sum() == 120
    with pytest.raises(ValueError):
        WaveletSignature(weights="sketch")


def test_bound_features_never_exceed_the_symmetrised_distance() -> None:
    table = np.stack([sig(scene(s)) for s in range(8)])
    f = WAVELET.bound_features(table)
    for i in range(len(table)):
        d = WAVELET.symmetric_distances(table[i], table)
        assert (np.abs(f - f[i]).sum(axis=1) <= d + 1e-4).all()

"""The shared thumbnail and the combined signature (the registry and the properties of every
signature are in test_signatures.py)."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff.signatures import compute_signatures, distance, get_signature, stored_signatures, thumbnail
from perceptdiff.signatures import base as base_mod
from perceptdiff.signatures.combined import CombinedSignature

from signature_images import brighten, crop, hue_rotate, jpeg, scene


def test_thumbnail_is_a_linear_light_area_average() -> None:
    arr = np.zeros((256, 512, 3), np.uint8)
    arr[:, ::2] = 255                                   # columns alternate black and white
    t = thumbnail(perceptdiff.load_image(arr))
    assert t.linear.shape == (128, 128, 3) and t.linear.dtype == np.float32
    assert (t.width, t.height) == (512, 256)
    np.testing.assert_allclose(t.linear, 0.5, atol=1e-3)   # half the light, not code 128


def test_thumbnail_composites_transparency_over_white() -> None:
    clear = np.zeros((64, 64, 4), np.uint8)                # transparent black
    half = np.zeros((64, 64, 4), np.uint8)
    half[..., 3] = 255
    half[:, 32:, 3] = 0                                     # left black, right transparent
    np.testing.assert_allclose(thumbnail(perceptdiff.load_image(clear)).linear, 1.0, atol=1e-6)
    t = thumbnail(perceptdiff.load_image(half)).linear
    np.testing.assert_allclose(t[:, :64], 0.0, atol=1e-6)
    np.testing.assert_allclose(t[:, 64:], 1.0, atol=1e-6)


def test_sixteen_bit_and_float_images_sign_like_eight_bit() -> None:
    a = scene(0)
    v8 = compute_signatures(perceptdiff.load_image(a), stored_signatures())
    v16 = compute_signatures(perceptdiff.load_image(a.astype(np.uint16) * 257), stored_signatures())
    vf = compute_signatures(perceptdiff.load_image(a.astype(np.float32) / 255), stored_signatures())
    for name in v8:
        sig = get_signature(name)
        for other in (v16, vf):
            assert sig.distances(v8[name], other[name][None, :])[0] < 1e-3 * sig.scale


def test_compute_signatures_makes_the_thumbnail_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = base_mod.thumbnail
    monkeypatch.setattr(base_mod, "thumbnail", lambda img, *a, **k: calls.append(1) or real(img, *a, **k))
    out = compute_signatures(perceptdiff.load_image(scene(1)), stored_signatures())
    assert set(out) == {"wavelet", "tiny", "histogram"} and len(calls) == 1


def test_combined_ranking_and_identity() -> None:
    for seed in range(3):
        a = scene(seed)
        d = {name: distance(a, b) for name, b in {
            "self": a, "jpeg90": jpeg(a), "crop": crop(a), "brightness": brighten(a), "hue": hue_rotate(a),
            "other": scene(seed + 50)}.items()}
        assert d["self"] == 0
        assert d["jpeg90"] == min(v for k, v in d.items() if k != "self")
        assert d["hue"] > d["brightness"]


def test_combined_rejects_bad_weights() -> None:
    with pytest.raises(ValueError):
        CombinedSignature({})
    with pytest.raises(ValueError):
        CombinedSignature({"tiny": -1.0})

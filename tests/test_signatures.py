"""The signature interface, the shared thumbnail, the registry and the properties every signature has."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff.errors import OptionError
from perceptdiff.signatures import (
    THUMBNAIL_SIZE,
    Signature,
    SignatureIndex,
    compute_signatures,
    distance,
    get_signature,
    normalised_distances,
    parts_of,
    register_signature,
    signature_names,
    stored_signatures,
    symmetric_distances,
    thumbnail,
)
from perceptdiff.signatures import base as sig_base
from perceptdiff.signatures.combined import COMBINED_WEIGHTS

from conftest import write_png
from signature_images import scene, variants

NAMES = ("wavelet", "tiny", "histogram", "combined")


@pytest.fixture(scope="module")
def pictures() -> dict[str, perceptdiff.Image]:
    return {k: perceptdiff.load_image(v) for k, v in variants(3).items()}


def _vec(sig, image):
    return compute_signatures(image, parts_of(sig))


def _norm(sig, a, b, symmetric=False):
    sig = get_signature(sig)
    va, vb = _vec(sig, a), _vec(sig, b)
    return float(normalised_distances(sig, va, {k: v[None] for k, v in vb.items()}, symmetric=symmetric)[0])


# ---------------------------------------------------------------- thumbnail

def test_thumbnail_does_not_depend_on_image_size(pictures):
    px = np.asarray(pictures["original"].pixels)
    double = np.repeat(np.repeat(px, 2, axis=0), 2, axis=1)
    a = thumbnail(pictures["original"]).linear
    b = thumbnail(perceptdiff.Image.from_pixels(double)).linear
    np.testing.assert_allclose(a, b, atol=2e-5)


# ---------------------------------------------------------------- registry

def test_registry_names_and_lookup():
    assert set(NAMES) <= set(signature_names())
    for name in NAMES:
        sig = get_signature(name)
        assert isinstance(sig, Signature)
        assert sig.name == name
        assert get_signature(sig) is sig
    with pytest.raises(OptionError, match="unknown signature 'nope'"):
        get_signature("nope")


def test_parts_and_stored_signatures():
    assert [s.name for s in parts_of("combined")] == list(COMBINED_WEIGHTS)
    assert [s.name for s in parts_of("tiny")] == ["tiny"]
    assert sorted(s.name for s in stored_signatures()) == ["histogram", "tiny", "wavelet"]
    assert [s.name for s in stored_signatures(["tiny", "combined"])] == ["tiny", "wavelet", "histogram"]


class MeanColour:
    """A stand-in for a learned embedding: computed from the Image itself, no thumbnail."""

    name = "meancolour"
    version = "test-1"
    length = 3
    symmetric = True
    scale = 0.5

    def compute(self, image):
        rgb = np.asarray(image.pixels[..., :3], dtype=np.float32) / np.float32(image.full_scale)
        return rgb.reshape(-1, 3).mean(axis=0).astype(np.float32)

    def distances(self, query, table):
        return np.linalg.norm(np.asarray(table) - query, axis=1).astype(np.float32)

    def bound_features(self, table):
        return np.asarray(table, dtype=np.float32)


def test_a_signature_of_our_own_plugs_into_the_index(tmp_path, monkeypatch):
    monkeypatch.setattr(sig_base, "_REGISTRY", dict(sig_base._REGISTRY))
    register_signature(MeanColour())
    assert "meancolour" in signature_names()
    for k, data in variants(1).items():
        (tmp_path / f"{k}.png").write_bytes(data)
    index = SignatureIndex.build(tmp_path, signatures=["meancolour"])
    assert list(index.tables) == ["meancolour"]
    best = index.search(tmp_path / "original.png", signature="meancolour", top=1)[0]
    assert (best.path, best.distance) == ("original.png", 0.0)
    with pytest.raises(perceptdiff.PerceptdiffError, match="does not store signature tiny"):
        index.search(tmp_path / "original.png", signature="tiny")
    # stored beside the built-in ones, it answers searches and duplicate groups
    write_png(tmp_path / "copy.png", np.asarray(perceptdiff.load_image(tmp_path / "original.png").pixels[..., :3]))
    both = SignatureIndex.build(tmp_path, signatures=["meancolour", "combined"])
    assert set(both.tables) == {"meancolour", "wavelet", "tiny", "histogram"}
    assert [g.paths for g in both.duplicates(signature="meancolour", threshold=1e-6)] == [
        ("copy.png", "original.png")]
    assert distance(tmp_path / "copy.png", tmp_path / "original.png", "meancolour") == 0


def test_register_rejects_what_is_not_a_signature():
    with pytest.raises(OptionError):
        register_signature(object())  # type: ignore[arg-type]
    with pytest.raises(OptionError):
        register_signature("some.module:THING")


def test_compute_signatures_checks_the_length(pictures):
    class Wrong(MeanColour):
        length = 4

    with pytest.raises(ValueError, match="expected shape"):
        compute_signatures(pictures["original"], [Wrong()])


# ---------------------------------------------------------------- properties of every signature

@pytest.mark.parametrize("name", NAMES)
def test_identity_distance_is_zero(name, pictures):
    for image in pictures.values():
        assert _norm(name, image, image) == 0.0
        assert _norm(name, image, image, symmetric=True) == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_distances_are_float32_and_vectors_have_the_declared_length(name, pictures):
    sig = get_signature(name)
    vec = sig.compute(pictures["original"])
    assert vec.dtype == np.float32 and vec.shape == (sig.length,)
    table = np.stack([sig.compute(p) for p in pictures.values()])
    d = sig.distances(vec, table)
    assert d.dtype == np.float32 and d.shape == (len(pictures),)
    assert np.all(d >= 0)


@pytest.mark.parametrize("name", NAMES)
def test_symmetry(name, pictures):
    sig = get_signature(name)
    imgs = list(pictures.values())
    table = np.stack([sig.compute(p) for p in imgs])
    forward = np.stack([sig.distances(row, table) for row in table])
    sym = np.stack([symmetric_distances(sig, row, table) for row in table])
    np.testing.assert_allclose(sym, sym.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(sym, (forward + forward.T) / 2, rtol=1e-5, atol=1e-5)
    if sig.symmetric:
        np.testing.assert_allclose(forward, forward.T, rtol=1e-5, atol=1e-6)
    else:
        assert not np.allclose(forward, forward.T)   # the wavelet score counts the query's coefficients


def _tables_and_exact(name, pictures):
    """Per-part tables of the pictures and their exact symmetrised normalised distance matrix."""
    sig = get_signature(name)
    parts = parts_of(sig)
    rows = [compute_signatures(p, parts) for p in pictures.values()]
    tables = {s.name: np.stack([r[s.name] for r in rows]) for s in parts}
    exact = np.stack([normalised_distances(sig, row, tables, symmetric=True) for row in rows])
    return sig, tables, exact


@pytest.mark.parametrize("name", NAMES)
def test_bound_features_never_exceed_the_distance(name, pictures):
    from perceptdiff.signatures.base import normalised_bound_features

    sig, tables, exact = _tables_and_exact(name, pictures)
    feats = normalised_bound_features(sig, tables)
    bound = np.abs(feats[:, None, :] - feats[None, :, :]).sum(axis=2)
    assert np.all(bound <= exact + 1e-5), (bound, exact)


@pytest.mark.parametrize("name", NAMES)
def test_block_lower_bounds_never_exceed_the_distance(name, pictures):
    from perceptdiff.signatures.groups import lower_bound_blocks

    sig, tables, exact = _tables_and_exact(name, pictures)
    bound = lower_bound_blocks(sig, tables)
    n = len(exact)
    np.testing.assert_array_less(bound(0, n, 0), exact + 1e-5)
    np.testing.assert_allclose(bound(2, 5, 3), bound(0, n, 0)[2:5, 3:], rtol=1e-6, atol=1e-6)
    if name == "wavelet":   # the wavelet block is exact, not only a bound
        np.testing.assert_allclose(bound(0, n, 0), exact, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_the_re_encoded_copy_is_nearer_than_any_edit(name, pictures):
    d = {k: _norm(name, pictures["original"], img) for k, img in pictures.items() if k != "original"}
    edits = {k: v for k, v in d.items() if k not in ("jpeg90", "brighter")}
    if name == "histogram":
        # the histogram ignores layout: a mirror image is the same histogram, a crop nearly
        edits = {k: v for k, v in edits.items() if k not in ("mirror", "crop")}
        assert d["mirror"] == pytest.approx(0.0, abs=1e-5)
    assert d["jpeg90"] < min(edits.values()), d
    if name != "wavelet":
        # the wavelet score charges a uniform brightening only through the Y average
        # (test_signatures_wavelet); the colour signatures see it as an edit
        assert d["jpeg90"] < d["brighter"], d


def test_combined_is_the_weighted_mean_of_calibrated_parts(pictures):
    a, b = pictures["original"], pictures["crop"]
    expected = sum(w * _norm(n, a, b) for n, w in COMBINED_WEIGHTS.items())
    assert _norm("combined", a, b) == pytest.approx(expected, rel=1e-5)
    assert sum(COMBINED_WEIGHTS.values()) == pytest.approx(1.0)
    comb = get_signature("combined")
    va, vb = comb.compute(a), comb.compute(b)
    assert va.shape == (comb.length,)
    assert float(comb.distances(va, vb[None])[0]) == pytest.approx(expected, rel=1e-5)


def test_distance_helper_reads_anything_the_loader_reads(tmp_path):
    v = variants(2)
    path = tmp_path / "a.png"
    path.write_bytes(v["original"])
    assert distance(path, v["original"], "tiny") == 0.0
    assert distance(path, v["other"]) > distance(path, v["jpeg90"])
    assert distance(scene(2), scene(2)) == 0.0

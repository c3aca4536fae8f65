"""Forgiveness of anti-aliasing and 1-px jitter (perceptdiff.forgiveness).

The rules on their own (known pixels, symmetry, the dtypes), then through
``compare`` on the renders they are meant for.
"""

import numpy as np
import pytest

import perceptdiff
from perceptdiff import forgiveness

from conftest import LINE, WHITE, noise, text_block, with_line


def opaque(rgb: np.ndarray) -> np.ndarray:
    full = np.iinfo(rgb.dtype).max
    return np.dstack([rgb, np.full(rgb.shape[:2], full, rgb.dtype)])


# ---------------------------------------------------------------------------
# Building blocks


def test_premultiply_rounds_in_the_integer_domain():
    px8 = np.array([[[255, 128, 1, 128], [200, 100, 50, 0], [7, 8, 9, 255]]], np.uint8)
    out8 = forgiveness.premultiply(px8)
    # 255·128/255 = 128; 128·128/255 = 64.25 -> 64; 1·128/255 = 0.50 -> 1 (rounded half up)
    assert out8[0, 0].tolist() == [128, 64, 1, 128]
    assert out8[0, 1].tolist() == [0, 0, 0, 0]      # colour under alpha 0 is gone
    assert out8[0, 2].tolist() == [7, 8, 9, 255]    # opaque pixels unchanged
    px16 = np.array([[[65535, 1000, 1, 32768]]], np.uint16)
    # 1000·32768/65535 = 500.0076 -> 500; 1·32768/65535 = 0.500008 -> 1
    assert forgiveness.premultiply(px16)[0, 0].tolist() == [32768, 500, 1, 32768]
    pxf = np.array([[[0.5, 1.0, 0.25, 0.5]]], np.float32)
    np.testing.assert_allclose(forgiveness.premultiply(pxf)[0, 0], [0.25, 0.5, 0.125, 0.5])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_pixels_differ_is_any_channel_differing(dtype):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, (20, 30, 4)).astype(dtype)
    b = a.copy()
    b[rng.random((20, 30)) < 0.2, rng.integers(0, 4)] += 1
    got = forgiveness.pixels_differ(a, b)
    np.testing.assert_array_equal(got, np.any(a != b, axis=-1))
    np.testing.assert_array_equal(got, forgiveness.pixels_differ(b, a))


def test_revoke_near_unexplained_withdraws_the_edge_of_a_real_change():
    significant = np.zeros((7, 7), bool)
    significant[3, 1:6] = True
    explained = significant.copy()
    explained[3, 3] = False           # the change's core is not explained ...
    out = forgiveness.revoke_near_unexplained(significant, explained)
    # ... so its neighbours within REVOKE_RADIUS lose their forgiveness, the rest keep it.
    assert out[3].tolist() == [False, True, False, False, False, True, False]
    assert forgiveness.revoke_near_unexplained(significant, significant).sum() == 5


def test_off_forgives_nothing_and_an_unknown_mode_is_refused():
    a = opaque(np.zeros((4, 4, 3), np.uint8))
    b = a.copy()
    b[1, 1, :3] = 255
    out, mask = forgiveness.forgive(a, b, "off", 255.0)
    assert out is b and not mask.any()
    with pytest.raises(ValueError, match="anti-aliasing mode"):
        forgiveness.forgive(a, b, "blur", 255.0)


# ---------------------------------------------------------------------------
# The box rule


def test_forgiveness_box_rule():
    a = np.zeros((5, 5, 4), np.uint8)
    a[..., 3] = 255
    a[:, 2, :3] = 200  # a vertical line
    b = np.roll(a, 1, axis=1)  # moved 1 px
    mask = forgiveness.forgive_box(a, b)
    assert mask[:, 2].all() and mask[:, 3].all()
    c = a.copy()
    c[2, 0, :3] = 90  # a new colour in a flat area
    assert not forgiveness.forgive_box(a, c)[2, 0]


def test_box_rule_is_symmetric_and_takes_the_expected_pixels():
    a = opaque(text_block("#222222", size=16))
    b = opaque(np.roll(text_block("#222222", size=16), 1, axis=1))
    np.testing.assert_array_equal(forgiveness.forgive_box(a, b), forgiveness.forgive_box(b, a))
    out, mask = forgiveness.forgive(a, b, "box", 255.0, opaque=True)
    assert mask.any()
    np.testing.assert_array_equal(out[mask], a[mask])
    np.testing.assert_array_equal(out[~mask], b[~mask])


def test_box_tolerance_scales_with_the_bit_depth():
    # The same 1-px shift plus 2-code noise: forgiven alike at 8 and 16 bits.
    a8 = opaque(text_block("#222222", size=16))
    b8 = opaque(noise(np.roll(text_block("#222222", size=16), 1, axis=1), 2, seed=4))
    _, mask8 = forgiveness.forgive(a8, b8, "box", 255.0, opaque=True)
    a16, b16 = (x.astype(np.uint16) * np.uint16(257) for x in (a8, b8))
    _, mask16 = forgiveness.forgive(a16, b16, "box", 65535.0, opaque=True)
    np.testing.assert_array_equal(mask16, mask8)


def test_forgiveness_modes_on_moved_line():
    # pixelmatch's detector needs darker *and* brighter neighbours: a hard
    # black line moved by 1 px is not anti-aliasing to it (as in pixelmatch).
    for mode, expect_pass in (("box", True), ("pixelmatch", False), ("off", False)):
        r = perceptdiff.compare(LINE, with_line(WHITE, 101, 20, 220, 0), antialiasing=mode)
        assert r.passed is expect_pass, (mode, r.summary())


def test_shift_with_noise_on_top_is_still_forgiven():
    # Font jitter across machines often comes with dithering: a 1-px shift of
    # anti-aliased strokes plus ±1-code noise everywhere must stay a PASS.
    a = text_block("#222222", size=16)
    b = noise(np.roll(a, 1, axis=1), 1, seed=9)
    r = perceptdiff.compare(a, b)
    assert r.passed, r.summary()
    assert r.forgiven_pixels > 500
    # ...but the same noise on a recoloured text block is no excuse.
    assert not perceptdiff.compare(a, noise(text_block("#666666", size=16), 1, seed=9)).passed


def test_thin_line_moved_a_quarter_pixel_is_forgiven_but_not_a_lighter_line():
    # A 1-px line on a pixel centre (code 51) moved 0.25 px spreads over two
    # pixels (102 and 204): the same ink, placed as another rasteriser would.
    a = WHITE.copy()
    a[40:200, 100] = 51
    b = WHITE.copy()
    b[40:200, 100] = 102
    b[40:200, 101] = 204
    r = perceptdiff.compare(a, b)
    assert r.passed, r.summary()
    assert r.forgiven_pixels >= 300
    # Lighter and not compensated next door: ink lost, a visible change.
    c = WHITE.copy()
    c[40:200, 100] = 102
    assert not perceptdiff.compare(a, c).passed


# ---------------------------------------------------------------------------
# pixelmatch's detector


def _sibling_trap(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """A differing grey pixel whose brightest neighbour is opaque white among half-transparent whites.

    White at half alpha is exactly as bright over white as opaque white, but a
    different pixel: the opaque white has no identical neighbour, so the grey
    pixel next to it is not anti-aliasing.
    """
    full = np.iinfo(dtype).max
    half = full // 2  # 127 or 32767: alpha differs from full only in its top bit
    a = np.zeros((5, 5, 4), dtype)
    a[...] = (full, full, full, half)
    a[1, 1] = (0, 0, 0, full)                      # the darkest neighbour
    a[2, 1] = (full, full, full, full)             # the brightest neighbour
    a[2, 2] = (full * 46 // 100,) * 3 + (full,)    # the pixel that changes
    b = a.copy()
    b[2, 2, :3] = full * 55 // 100
    return a, b


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_pixelmatch_detector_tells_alphas_apart_at_every_depth(dtype):
    # 16-bit RGBA was packed into 63 bits, so alpha 65535 and 32767 were the
    # same pixel to the sibling count and the grey pixel was forgiven.
    a, b = _sibling_trap(dtype)
    mask = forgiveness.forgive_pixelmatch(a, b, float(np.iinfo(dtype).max))
    assert not mask.any()


def test_pixelmatch_detector_forgives_an_anti_aliased_edge():
    # A dark square on white whose edge column is a blend that changes:
    # darker and brighter neighbours, both of them on flat areas.
    a = np.full((9, 9, 3), 255, np.uint8)
    a[2:7, 2:5] = 0
    a[2:7, 5] = 128
    b = a.copy()
    b[2:7, 5] = 100
    mask = forgiveness.forgive_pixelmatch(opaque(a), opaque(b), 255.0)
    assert mask[3:6, 5].all() and mask.sum() <= 5


@pytest.mark.parametrize("dtype, tolerance", [(np.uint8, 2.0), (np.uint16, 514.0)])
def test_box_rule_on_integer_codes_decides_as_on_the_same_codes_in_float(dtype, tolerance):
    # The integer path (all channels at once, saturating ranges) against the float comparisons,
    # exact on whole codes: shifts, noise on top of them, new colours and codes at both ends.
    rng = np.random.default_rng(3)
    top = np.iinfo(dtype).max
    scale = top // 255
    a = (rng.integers(0, 256, (40, 48, 4)) * scale).astype(dtype)
    a[:10] = a[:1, :1]
    a[10:14, :, :3] = 0
    a[14:18, :, :3] = top
    b = np.roll(a, 1, axis=1)
    noise_codes = rng.integers(-3, 4, a.shape) * scale
    b = np.clip(b.astype(np.int64) + noise_codes * (rng.random(a.shape) < 0.5), 0, top).astype(dtype)
    b[30:34, 5:9] = (rng.integers(0, 256, (4, 4, 4)) * scale).astype(dtype)
    differ = forgiveness.pixels_differ(a, b)
    got = forgiveness.forgive_box(a, b, differ, tolerance=tolerance)
    want = forgiveness.forgive_box(a.astype(np.float32), b.astype(np.float32), differ, tolerance=tolerance)
    assert want.any() and (differ & ~want).any()
    np.testing.assert_array_equal(got, want)
    for ch in (3, 4):
        np.testing.assert_array_equal(
            forgiveness.significant_changes(a[..., :ch], b[..., :ch], differ, tolerance),
            forgiveness.significant_changes(a[..., :ch].astype(np.float32), b[..., :ch].astype(np.float32),
                                            differ, tolerance))

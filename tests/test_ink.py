"""The ink measurements behind the sub-pixel text rule (perceptdiff.ink): known values, identity, symmetry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perceptdiff import ink

from text_support import FORM, render


def _rgb01(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32) / 255.0


@pytest.mark.parametrize("order,other", [("rgb", "bgr"), ("bgr", "rgb")])
def test_lcd_blind_ink_of_lcd_text_matches_greyscale_text_best_in_its_own_order(order, other):
    grey, lcd = _rgb01(render(FORM)), _rgb01(render(FORM, lcd=order))
    planes = ink.ink_planes(grey, lcd, ink.encoded_luminance(grey), ink.encoded_luminance(lcd))
    residual = {o: ink.shape_residual(a, b, (0.0, 0.0))[0] for o, (a, b) in zip(ink.LCD_ORDERS, planes.lcd)}
    plain = ink.shape_residual(planes.a, planes.b, (0.0, 0.0))[0]
    assert residual[order] < residual["none"] < residual[other]
    assert residual[order] < plain


def test_lcd_coverage_mirrors_between_the_orders():
    rng = np.random.default_rng(3)
    img = rng.random((5, 9, 3), dtype=np.float32)
    mirrored = img[:, ::-1]
    assert np.allclose(ink.lcd_coverage(mirrored, "bgr"), ink.lcd_coverage(img, "rgb")[:, ::-1], atol=1e-6)


def test_lcd_coverage_of_a_grey_image_is_its_value():
    flat = np.full((4, 6, 3), 0.4, np.float32)
    for order in ink.LCD_ORDERS:
        assert np.allclose(ink.lcd_coverage(flat, order), 0.4)


def test_shape_residual_identity_and_scale():
    a = np.zeros((15, 15), np.float32)
    a[5:10, 6:9] = 1.0
    assert ink.shape_residual(a, a, (0.0, 0.0))[0] == pytest.approx(0.0, abs=1e-7)
    # Half the ink, same shape: scaled to the same total first.
    assert ink.shape_residual(a, 0.5 * a, (0.0, 0.0))[0] == pytest.approx(0.0, abs=1e-6)
    # One side without ink: the largest residual.
    assert ink.shape_residual(a, np.zeros_like(a), (0.0, 0.0)) == (1.0, pytest.approx(15.0))


def test_shape_residual_after_the_centroid_shift():
    a = np.zeros((15, 15), np.float32)
    a[5:10, 6:9] = 1.0
    b = np.roll(a, 1, axis=1)
    shift = ink.ink_centroid_shift(a, b)
    assert shift == pytest.approx((0.0, -1.0))
    assert ink.shape_residual(a, b, shift)[0] < 1e-6 < ink.shape_residual(a, b, (0.0, 0.0))[0]
    assert ink.ink_centroid_shift(a, np.zeros_like(a)) is None


def test_shape_residual_grows_with_the_change():
    a = np.zeros((15, 15), np.float32)
    a[5:10, 6:9] = 1.0
    values = []
    for k in range(1, 4):
        b = a.copy()
        b[10:10 + k, 6:9] = 1.0
        values.append(ink.shape_residual(a, b, (0.0, 0.0))[0])
    assert values == sorted(values) and values[0] > 0


def test_tolerant_lab_difference_forgives_a_displaced_edge_not_a_recolour():
    a = np.ones((20, 20, 3), np.float32)
    a[:, 8:12] = (0.2, 0.3, 0.8)
    moved = np.roll(a, 1, axis=1)
    recoloured = a.copy()
    recoloured[:, 8:12] = (0.8, 0.3, 0.2)
    la, lm, lr = (ink.blurred_lab(x, 2.0) for x in (a, moved, recoloured))
    dab, dl = ink.tolerant_lab_diff(la, lm)
    assert dab.max() < 0.05 and dl.max() < 0.05  # ΔE units; the recolour is > 20
    dab_r, _ = ink.tolerant_lab_diff(la, lr)
    assert dab_r.max() > 20
    # Symmetric.
    assert np.allclose(ink.tolerant_lab_diff(la, lr)[0], ink.tolerant_lab_diff(lr, la)[0])


def test_line_residual_keeps_a_removed_rule_and_cancels_alternating_edges():
    y = np.ones((40, 60), np.float32)
    ruled = y.copy()
    ruled[20, 5:55] = 0.8
    assert ink.line_residual(y, ruled).max() > 0.05
    zig = y.copy()
    zig[20, 5:55:2] = 0.9
    zig[20, 6:55:2] = 1.0
    zag = y.copy()
    zag[20, 6:55:2] = 0.9
    assert ink.line_residual(zig, zag).max() < 0.01
    assert np.array_equal(ink.line_residual(y, ruled), ink.line_residual(ruled, y))


def test_components_pair_a_glyph_with_its_redrawn_self():
    grey, lcd = _rgb01(render(FORM)), _rgb01(render(FORM, lcd="rgb"))
    la, lb = ink.encoded_luminance(grey), ink.encoded_luminance(lcd)
    planes = ink.ink_planes(grey, lcd, la, lb)
    comps = ink.components(planes)
    assert comps.count >= 5  # words (glyphs joined by the blur), not one blob
    big = np.flatnonzero(np.maximum(comps.total_a, comps.total_b) >= 1.0)
    ratio = np.abs(np.log(comps.total_b[big] / comps.total_a[big]))
    assert ratio.max() < 0.2
    dist = np.hypot(*(comps.centroid_a[big] - comps.centroid_b[big]).T)
    assert dist.max() < 1.0
    assert comps.angle_deg[big].max() < 5.0


def test_paper_of_flat_paper_under_text():
    y = np.ones((64, 64), np.float32)
    y[30:33, 10:50] = 0.2
    assert np.allclose(ink.paper_of(y), 1.0)


def test_log_ratio_floor():
    assert ink.log_ratio(2.0, 1.0) == pytest.approx(math.log(2.0))
    assert ink.log_ratio(0.0, 1.0) == pytest.approx(math.log(1e-3))
    assert ink.log_ratio(1.0, 2.0) == -ink.log_ratio(2.0, 1.0)

"""Colour math against published values (IEC 61966-2-1, CIE 15, Sharma et al. 2005)."""

import numpy as np
import pytest

from perceptdiff import color

# Sharma, Wu & Dalal (2005), Table 1: L1 a1 b1 L2 a2 b2 ΔE00 (all 34 pairs).
SHARMA = np.array([
    [50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425],
    [50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615],
    [50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412],
    [50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000],
    [50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000],
    [50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000],
    [50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669],
    [50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195],
    [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195],
    [50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045],
    [50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045],
    [50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461],
    [50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065],
    [50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492],
    [50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977],
    [50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030],
    [50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535],
    [50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000],
    [50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000],
    [50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000],
    [50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000],
    [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
    [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630],
    [61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731],
    [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
    [22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373],
    [36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
    [90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441],
    [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
    [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
    [2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082],
])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ciede2000_matches_sharma_table(dtype):
    de = color.delta_e2000(SHARMA[:, 0:3], SHARMA[:, 3:6], dtype=dtype)
    np.testing.assert_allclose(de, SHARMA[:, 6], atol=1e-4 if dtype is np.float64 else 3e-4)


def test_ciede2000_is_symmetric_and_zero_on_identity():
    a, b = SHARMA[:, 0:3], SHARMA[:, 3:6]
    np.testing.assert_allclose(color.delta_e2000(a, b), color.delta_e2000(b, a), atol=1e-5)
    assert np.all(color.delta_e2000(a, a) == 0)


def test_srgb_transfer_curve_known_values():
    codes = np.array([0, 0.04045, 0.5, 1.0], np.float32)
    lin = color.srgb_to_linear(codes)
    np.testing.assert_allclose(lin, [0, 0.04045 / 12.92, 0.2140411, 1.0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(color.linear_to_srgb(lin), codes, atol=1e-6)


def test_decode_lut_matches_formula_for_8_and_16_bit():
    px8 = np.arange(256, dtype=np.uint8).repeat(4).reshape(16, 16, 4)
    rgb, alpha = color.decode(px8)
    np.testing.assert_allclose(rgb[..., 0].ravel(), color.srgb_to_linear(np.arange(256) / 255), atol=1e-6)
    np.testing.assert_allclose(alpha.ravel(), np.arange(256) / 255, atol=1e-6)
    px16 = np.array([[[1000, 1001, 65535, 65535]]], np.uint16)
    rgb16, _ = color.decode(px16)
    assert rgb16[0, 0, 0] < rgb16[0, 0, 1]  # 16-bit precision survives decoding


def test_srgb_primaries_and_white_in_xyz_and_lab():
    eye = np.eye(3, dtype=np.float32)
    xyz = color.rgb_to_xyz(eye)
    # Columns of the IEC 61966-2-1 matrix: XYZ of the red, green and blue primaries.
    np.testing.assert_allclose(xyz[0], [0.4124564, 0.2126729, 0.0193339], atol=1e-6)
    np.testing.assert_allclose(xyz[1], [0.3575761, 0.7151522, 0.1191920], atol=1e-6)
    np.testing.assert_allclose(xyz[2], [0.1804375, 0.0721750, 0.9503041], atol=1e-6)
    white = color.rgb_to_xyz(np.ones(3, np.float32))
    np.testing.assert_allclose(white, [0.95047, 1.0, 1.08883], atol=1e-4)  # D65
    np.testing.assert_allclose(color.xyz_to_lab(white), [100, 0, 0], atol=1e-4)
    lab = color.xyz_to_lab(xyz)
    # Published CIELAB (D65) of the sRGB primaries.
    np.testing.assert_allclose(lab[0], [53.2408, 80.0925, 67.2032], atol=2e-3)
    np.testing.assert_allclose(lab[1], [87.7347, -86.1827, 83.1793], atol=2e-3)
    np.testing.assert_allclose(lab[2], [32.2970, 79.1875, -107.8602], atol=2e-3)


def test_lab_of_black_and_mid_grey():
    lab = color.xyz_to_lab(color.rgb_to_xyz(color.srgb_to_linear(np.array([[0, 0, 0], [0.5, 0.5, 0.5]], np.float32))))
    np.testing.assert_allclose(lab[0], [0, 0, 0], atol=1e-4)
    np.testing.assert_allclose(lab[1], [53.3889, 0, 0], atol=2e-3)


def test_opponent_matrix_keeps_white_nearly_achromatic():
    # With the + sign of the S-CIELAB source, O2 of D65 white is close to 0 (docs/science.md §2).
    opp = color.XYZ_TO_OPP @ color.WHITE_XYZ
    assert abs(opp[1]) < 0.06
    np.testing.assert_allclose(np.linalg.inv(color.XYZ_TO_OPP) @ opp, color.WHITE_XYZ, atol=1e-9)


def test_color_difference_bound_below_floor():
    rng = np.random.default_rng(3)
    a = rng.uniform([0, -60, -60], [100, 60, 60], (20000, 3)).astype(np.float32)
    b = a + rng.normal(0, 0.2, a.shape).astype(np.float32)
    fast = color.color_difference(a, b)
    exact = color.delta_e2000(a, b)
    small = color.delta_e76(a, b) < 0.3
    assert np.all(fast[small] >= exact[small] - 1e-4)  # an upper bound where ΔE00 is skipped
    np.testing.assert_allclose(fast[~small], exact[~small], atol=3e-4)


def _pairs_along(de76: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lab pairs near a low-chroma grey whose ΔE76 is ``de76`` (the difference along one fixed direction)."""
    direction = np.array([0.6, 0.64, 0.48], np.float32)          # unit length
    lab1 = np.tile(np.array([[62.0, 3.0, -2.0]], np.float32), (de76.size, 1))
    return lab1, lab1 + de76[:, None].astype(np.float32) * direction


def test_bounded_delta_e2000_is_continuous_across_the_floor():
    # A hard switch at the floor jumped by ~0.25 between 1.5·ΔE76 and ΔE00, so a last-bit
    # difference in ΔE76 (a box against the whole frame) could move the map.
    de76 = np.linspace(0.20, 0.40, 20001, dtype=np.float32)
    lab1, lab2 = _pairs_along(de76)
    d76 = color.delta_e76(lab1, lab2)
    out = color.bounded_delta_e2000(d76, lambda sel: (lab1[sel], lab2[sel]))
    step = float(de76[1] - de76[0])
    assert np.abs(np.diff(out)).max() < 20 * step       # no jump: at most a steep, bounded slope
    exact = color.delta_e2000(lab1, lab2, dtype=np.float32)
    assert np.all(out >= exact - 1e-6)                   # still an upper bound of ΔE00
    above = d76 >= np.float32(color.DE00_FLOOR)
    np.testing.assert_allclose(out[above], exact[above], rtol=1e-6)
    below = d76 < np.float32(color.DE00_BLEND_FROM * color.DE00_FLOOR)
    np.testing.assert_allclose(out[below], np.float32(color.DE76_UPPER_BOUND) * d76[below], rtol=1e-6)
    assert above.sum() > 1000 and below.sum() > 1000

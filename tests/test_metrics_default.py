"""The default metric on images the project makes itself.

The cases of the "prototype check" table of ``docs/science.md`` §7, plus the
properties every difference metric must have: identity, symmetry, and a
stronger version of a change never scoring lower.
"""

import numpy as np
import pytest

import perceptdiff

from conftest import GREY, LINE, WHITE, flat, noise, text_block, with_line


def icon(img):
    out = img.copy()
    out[50:53, 50:53] = [30, 60, 200]
    return out


# (name, expected, actual, verdict at 40 ppd, verdict at 67 ppd)
PROTOTYPE_CASES = [
    ("±1-code RGB noise", GREY, noise(GREY), "pass", "pass"),
    ("uniform +1 code", GREY, GREY + 1, "pass", "pass"),
    ("uniform +2 codes", GREY, GREY + 2, "pass", "pass"),
    ("uniform +3 codes", GREY, GREY + 3, "fail", "fail"),
    ("1-px line removed", LINE, WHITE, "fail", "fail"),
    ("line 10 px shorter", LINE, with_line(WHITE, 100, 20, 210, 0), "fail", "fail"),
    # "30 % grey" read as a 30 % tint of black (#b3b3b3).
    ("black line -> 30% grey", LINE, with_line(WHITE, 100, 20, 220, 179), "fail", "fail"),
    ("line moved 1 px", LINE, with_line(WHITE, 101, 20, 220, 0), "pass", "pass"),
    ("one black px on white", WHITE, with_line(WHITE, 128, 128, 129, 0), "fail", "fail"),
    ("one grey-240 px on white", WHITE, with_line(WHITE, 128, 128, 129, 240), "pass", "pass"),
    ("one grey-200 px on white", WHITE, with_line(WHITE, 128, 128, 129, 200), "fail", "pass"),
    ("text #333 -> #555", text_block("#333333"), text_block("#555555"), "fail", "fail"),
    ("3x3 icon missing", icon(WHITE), WHITE, "fail", "fail"),
]


@pytest.mark.parametrize("ppd_index,ppd", [(3, 40.0), (4, 67.0)])
@pytest.mark.parametrize("case", PROTOTYPE_CASES, ids=[c[0] for c in PROTOTYPE_CASES])
def test_prototype_check_table(case, ppd_index, ppd):
    name, a, b, *_ = case
    expected = case[ppd_index]
    result = perceptdiff.compare(a, b, ppd=ppd)
    assert result.verdict == expected, f"{name} at {ppd} ppd: {result.summary()}"


def test_visibility_map_is_zero_for_equal_inputs():
    from perceptdiff.metrics.default import DEFAULTS, visibility_map
    px = np.dstack([noise(GREY, 30), np.full(GREY.shape[:2], 255, np.uint8)])
    assert not visibility_map(px, px, 40.0, dict(DEFAULTS)).any()


@pytest.mark.parametrize("pair", [
    (LINE, WHITE), (GREY, GREY + 3), (text_block("#333333"), text_block("#555555")),
    (icon(WHITE), WHITE),
])
def test_symmetry(pair):
    a, b = pair
    ab = perceptdiff.compare(a, b, antialiasing="off")
    ba = perceptdiff.compare(b, a, antialiasing="off")
    assert ab.verdict == ba.verdict
    assert ab.peak_jnd == pytest.approx(ba.peak_jnd, rel=1e-3)
    np.testing.assert_allclose(ab.jnd_map, ba.jnd_map, rtol=1e-3, atol=1e-4)


def test_symmetry_with_forgiveness():
    a, b = text_block("#333333"), text_block("#555555")
    ab, ba = perceptdiff.compare(a, b), perceptdiff.compare(b, a)
    assert ab.verdict == ba.verdict and ab.forgiven_pixels == ba.forgiven_pixels


@pytest.mark.parametrize("ppd", [40.0, 67.0])
def test_stronger_change_never_scores_lower(ppd):
    peaks_uniform = [perceptdiff.compare(GREY, GREY + k, ppd=ppd).peak_jnd for k in range(1, 12)]
    assert all(x <= y + 1e-6 for x, y in zip(peaks_uniform, peaks_uniform[1:])), peaks_uniform
    spot = []
    for v in (250, 240, 220, 200, 150, 100, 50, 0):
        b = WHITE.copy()
        b[120:124, 120:124] = v
        spot.append(perceptdiff.compare(WHITE, b, ppd=ppd).peak_jnd)
    assert all(x <= y + 1e-6 for x, y in zip(spot, spot[1:])), spot
    sizes = []
    for n in (1, 2, 4, 8, 16):
        b = WHITE.copy()
        b[100:100 + n, 100:100 + n] = 200
        r = perceptdiff.compare(WHITE, b, ppd=ppd)
        sizes.append(r.visible_pixels)
    assert all(x <= y for x, y in zip(sizes, sizes[1:])), sizes


def test_chroma_change_is_seen():
    a = flat((200, 60, 60))
    b = flat((200, 70, 60))  # ΔE00 ≈ 3 on a large patch
    assert perceptdiff.compare(a, b).verdict == "fail"


def test_small_image_and_one_pixel_image():
    a = np.zeros((3, 3, 3), np.uint8)
    b = a.copy()
    b[1, 1] = 255
    r = perceptdiff.compare(a, b)
    assert r.verdict == "fail" and r.compared_size == (3, 3)
    r1 = perceptdiff.compare(np.zeros((1, 1, 3), np.uint8), np.full((1, 1, 3), 255, np.uint8))
    assert r1.verdict == "fail"
    r2 = perceptdiff.compare(np.zeros((1, 7, 3), np.uint8), np.zeros((1, 7, 3), np.uint8) + 1)
    assert r2.verdict == "pass"


def rgba(rgb, alpha):
    return np.dstack([rgb, np.full(rgb.shape[:2], alpha, np.uint8) if np.isscalar(alpha) else alpha])


def test_alpha_only_change_is_seen_on_any_background():
    rgb = flat(0)  # black content: pdiff's composite over black misses this
    a = rgba(rgb, 255)
    b = rgba(rgb, 255)
    b[100:140, 100:140, 3] = 60
    r = perceptdiff.compare(a, b)
    assert r.verdict == "fail"
    # Over a known black page, a black square fading is invisible.
    assert perceptdiff.compare(a, b, background="#000000").verdict == "pass"
    assert perceptdiff.compare(a, b, background="#ffffff").verdict == "fail"


def test_sixteen_bit_one_code_is_invisible():
    a = np.full((64, 64, 3), 30000, np.uint16)
    b = a + 1
    r = perceptdiff.compare(a, b)
    assert r.verdict == "pass" and r.peak_jnd < 0.05


def test_crop_to_support_gives_the_full_frame_answer():
    a = noise(GREY, 40, seed=5)
    b = a.copy()
    b[300:306, 400:420] = 255
    a, b = np.pad(a, ((0, 400), (0, 500), (0, 0)), mode="wrap"), np.pad(b, ((0, 400), (0, 500), (0, 0)), mode="wrap")
    from perceptdiff.metrics.default import DEFAULTS, visibility_map
    px_a = np.dstack([a, np.full(a.shape[:2], 255, np.uint8)])
    px_b = np.dstack([b, np.full(b.shape[:2], 255, np.uint8)])
    full = visibility_map(px_a, px_b, 40.0, dict(DEFAULTS))
    r = perceptdiff.compare(a, b, antialiasing="off")
    np.testing.assert_allclose(r.jnd_map, full, atol=2e-3)


def test_pixel_budget_replaces_region_rule():
    b = WHITE.copy()
    b[128, 128] = 0
    r = perceptdiff.compare(WHITE, b)
    assert r.verdict == "fail"
    assert perceptdiff.compare(WHITE, b, max_pixels=r.visible_pixels).verdict == "pass"
    assert perceptdiff.compare(WHITE, b, max_pixels=r.visible_pixels - 1).verdict == "fail"
    assert perceptdiff.compare(WHITE, b, max_ratio=1.0).verdict == "pass"


def test_banded_computation_matches_whole_frame():
    from perceptdiff.metrics.default import DEFAULTS, visibility_map
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (300, 260, 3), dtype=np.uint8)
    base[100:200] = 200
    other = noise(base, 2)
    other[150:160, 30:200] = 20
    pa = np.dstack([base, np.full(base.shape[:2], 255, np.uint8)])
    pb = np.dstack([other, np.full(base.shape[:2], 255, np.uint8)])
    for ppd in (40.0, 67.0):
        whole = visibility_map(pa, pb, ppd, dict(DEFAULTS), band_pixels=10**9)
        banded = visibility_map(pa, pb, ppd, dict(DEFAULTS), band_pixels=64 * 260)
        np.testing.assert_allclose(banded, whole, atol=0.02 * max(1.0, float(whole.max())), rtol=0.02)
        assert np.abs(banded - whole).mean() < 1e-3


def _patch(img, y, x, size, value):
    out = img.copy()
    out[y:y + size, x:x + size] = value
    return out


@pytest.mark.parametrize("where", [(0, 0), (0, 120), (254, 254), (120, 120)])
def test_change_at_the_border_is_symmetric_and_grows_with_its_size(where):
    y, x = where
    peaks = []
    for size in (1, 2, 3):
        a, b = GREY, _patch(GREY, min(y, 256 - size), min(x, 256 - size), size, 90)
        ab, ba = perceptdiff.compare(a, b), perceptdiff.compare(b, a)
        assert ab.peak_jnd == pytest.approx(ba.peak_jnd, rel=1e-3)
        peaks.append(ab.peak_jnd)
    assert peaks == sorted(peaks), peaks


def test_change_scores_the_same_at_the_corner_and_inside():
    corner = perceptdiff.compare(GREY, _patch(GREY, 0, 0, 2, 90)).peak_jnd
    inside = perceptdiff.compare(GREY, _patch(GREY, 100, 100, 2, 90)).peak_jnd
    assert corner == pytest.approx(inside, rel=0.10)


def test_uniform_change_up_to_the_border_adds_no_edge():
    # The difference is zero outside the frame only for what is not smooth: a
    # uniform +2 codes must not become a step at the frame's edge.
    result = perceptdiff.compare(GREY, GREY + 2)
    assert result.passed and result.peak_jnd < 1.0


@pytest.mark.parametrize("alpha,ppd", [(255, 40.0), (150, 40.0), (255, 67.0), (255, 95.0)])
def test_map_knowing_the_differences_is_the_full_computation(alpha, ppd):
    # visibility_map(differ=...) computes each term only where it can be non-zero: same map.
    from perceptdiff.metrics.default import DEFAULTS, visibility_map
    rng = np.random.default_rng(9)
    a = rng.integers(0, 256, (420, 560, 3), dtype=np.uint8)
    a[:, :280] = 235
    b = a.copy()
    b[200:214, 250:300] = (200, 30, 30)        # across the flat/busy edge
    b[3:6, 540:560] = 0                        # at the frame's border
    pa = np.dstack([a, np.full(a.shape[:2], alpha, np.uint8)])
    pb = np.dstack([b, np.full(a.shape[:2], alpha, np.uint8)])
    differ = np.any(pa != pb, axis=-1)
    whole = visibility_map(pa, pb, ppd, dict(DEFAULTS))
    known = visibility_map(pa, pb, ppd, dict(DEFAULTS), differ=differ)
    np.testing.assert_allclose(known, whole, rtol=1e-5, atol=1e-4)
    assert whole.max() > 4


"""Yee's metric (``metric="yee"``, perceptualdiff compatibility): math, options, model, CLI.

The conformance pairs of perceptualdiff's own suite are in
``test_yee_conformance.py``.  Reference values here are computed by hand
from the formulas of ``docs/science.md`` §4 (the arithmetic is in the
comments) or measured from the libraries perceptualdiff uses (FreeImage 3.18).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import perceptdiff
from perceptdiff.csf import barten_ab
from perceptdiff.metrics import yee
from perceptdiff.metrics.yee import model, vision
from perceptdiff.errors import OptionError
from perceptdiff.image import Image
from perceptdiff.options import Options

from conftest import rgba, write_png

M = yee.METRIC


def run_yee(a: np.ndarray, b: np.ndarray, **metric_options):
    """MetricOutput of the yee metric on two uint8 RGBA arrays (no engine)."""
    opts = Options(metric="yee", metric_options=metric_options)
    mo = M.validate(metric_options)
    ppd = M.pixels_per_degree(opts, mo, a.shape[1], a.shape[0])
    return M.compute(Image.from_pixels(a), Image.from_pixels(b), opts, mo, ppd)


def grey_patch(size: int = 48, bg: int = 128, fg=(150, 150, 150), patch: int = 12) -> tuple[np.ndarray, np.ndarray]:
    a = rgba(size, size, (bg, bg, bg))
    b = a.copy()
    lo = (size - patch) // 2
    b[lo:lo + patch, lo:lo + patch, :3] = fg
    return a, b


# ---------------------------------------------------------------------------
# Threshold versus intensity (Ward Larson et al. 1997)


@pytest.mark.parametrize("la,expected", [
    # x = log10(La) = 2 >= 1.9: r = x - 1.255 = 0.745; 10^0.745 = 5.5590
    (100.0, 5.5590),
    # x = 1.69897 < 1.9: (0.249x + 0.65)^2.7 - 0.72 = 1.07304^2.7 - 0.72 = 0.48965; 10^r = 3.0880
    (50.0, 3.0880),
    # x = 1: 0.899^2.7 - 0.72 = 0.75017 - 0.72 = 0.03017; 10^r = 1.0719
    (10.0, 1.0719),
    # x = 0: 0.65^2.7 - 0.72 = 0.31251 - 0.72 = -0.40749; 10^r = 0.39134
    (1.0, 0.39134),
    # x = -1 < -0.0184: r = x - 0.395 = -1.395; 10^r = 0.040272
    (0.1, 0.040272),
    # x = -2 < -1.44: (0.405x + 1.6)^2.18 - 2.86 = 0.79^2.18 - 2.86 = 0.598175 - 2.86 = -2.261825;
    # 10^r = 10^0.738175 * 1e-3 = 5.4723e-3
    (0.01, 5.4723e-3),
    # x = -5 < -3.94: r = -2.86; 10^r = 1.3804e-3
    (1e-5, 1.3804e-3),
])
def test_tvi_hand_values(la, expected):
    assert yee.tvi(la) == pytest.approx(expected, rel=2e-4)


def test_tvi_is_increasing_and_vectorised():
    la = np.logspace(-6, 4, 400)
    t = yee.tvi(la)
    assert t.shape == la.shape
    assert np.all(np.diff(t) >= 0)
    # Weber's law at high luminance: the threshold is 10^-1.255 of La.
    assert yee.tvi(1e4) / 1e4 == pytest.approx(10 ** -1.255)


# ---------------------------------------------------------------------------
# Contrast sensitivity (Barten 1989, pdiff's constants)


@pytest.mark.parametrize("f,lum,expected", [
    # L = 100: a = 440 * 1.007^-0.2 = 439.3866, b = 0.3 * 2^0.15 = 0.332871.
    # f = 3.248: b f = 1.081164, e^-bf = 0.339197, sqrt(1 + 0.06 e^bf) = 1.084845
    # S = 439.3866 * 3.248 * 0.339197 * 1.084845 = 525.15
    (3.248, 100.0, 525.1536),
    # f = 1: 439.3866 * e^-0.332871 * sqrt(1 + 0.06 e^0.332871) = 327.897
    (1.0, 100.0, 327.8966),
    # f = 8: 439.3866 * 8 * e^-2.66297 * sqrt(1 + 0.06 e^2.66297) = 334.364
    (8.0, 100.0, 334.3640),
    # L = 10: a = 440 * 1.07^-0.2 = 434.0861, b = 0.3 * 11^0.15 = 0.429863; f = 4: 359.426
    (4.0, 10.0, 359.4262),
    # L = 1: a = 440 * 1.7^-0.2 = 395.6971, b = 0.3 * 101^0.15 = 0.599473; f = 2: 261.280
    (2.0, 1.0, 261.2802),
])
def test_csf_hand_values(f, lum, expected):
    assert yee.csf(f, lum) == pytest.approx(expected, rel=1e-5)


def test_csf_peaks_at_3_248_cpd_at_100_cd():
    f = np.linspace(0.5, 10, 9501)
    s = yee.csf(f, 100.0)
    assert f[np.argmax(s)] == pytest.approx(3.248, abs=0.01)
    # Lower adaptation luminance lowers sensitivity at every frequency.
    assert np.all(yee.csf(f, 1.0) < s)


def test_frequency_weights_for_a_320_px_image():
    # n = (180/pi) 2 tan(22.5 deg) = 47.4654, ppd = 320 / n = 6.7418; cpd_i = ppd / 2^(i+1)
    ppd = 320 / yee.degree_pixels(45.0)
    assert ppd == pytest.approx(6.74176, rel=1e-5)
    w = yee.frequency_weights(ppd)
    assert w == pytest.approx([1.0006, 1.1821, 1.8071, 3.1565, 5.8983, 11.4021], abs=2e-4)


def test_daly_mask_hand_value_and_limits():
    # 392.498^0.7 = 65.4137; * 0.0153 = 1.000830; ^4 = 1.003325; (1 + 1.003325)^0.25 = 1.18972
    assert yee.daly_mask(1.0) == pytest.approx(1.189725, rel=1e-6)
    assert yee.daly_mask(0.0) == 1.0
    assert yee.daly_mask(1e4) == pytest.approx(0.0153 * 392.498 ** 0.7 * 1e4 ** 0.7, rel=1e-6)


@pytest.mark.parametrize("fov,level", [(45.0, 6), (10.0, 4), (30.0, 5), (60.0, 7), (89.9, 7), (0.1, 0)])
def test_adaptation_level(fov, level):
    # smallest i with 2^i > n, at most 7; n(45) = 47.47 -> 64 = 2^6
    assert yee.adaptation_level(yee.degree_pixels(fov)) == level


def test_single_precision_csf_overflow_is_reproduced():
    # pdiff's expf(b f) overflows above 88.72 (sensitivity inf) and expf(-b f)
    # underflows above 103.97 (0 * inf = NaN).
    a, b = barten_ab(np.float64(100.0))
    assert vision._csf_single(80.0 / b, a, b) == pytest.approx(yee.csf(80.0 / b, 100.0))
    assert np.isinf(vision._csf_single(95.0 / b, a, b))
    assert np.isnan(vision._csf_single(120.0 / b, a, b))


# ---------------------------------------------------------------------------
# Pyramid


def test_pyramid_step_borders_are_perceptualdiffs():
    # 1 x 5 image (the vertical pass is then the identity: the kernel sums to 1).
    # Left: -k -> k, so a delta at x=0 gives [0.4, 0.25, 0.05, 0, 0].
    left = yee.pyramid_step(np.array([[1.0, 0, 0, 0, 0]]))
    assert left == pytest.approx(np.array([[0.4, 0.25, 0.05, 0, 0]]))
    # Right: w -> w-1, w+1 -> w-2, so a delta at x=4 gets 0.4 + 0.25 at x=4
    # and 0.25 + 0.05 at x=3.
    right = yee.pyramid_step(np.array([[0, 0, 0, 0, 1.0]]))
    assert right == pytest.approx(np.array([[0, 0, 0.05, 0.30, 0.65]]))


def test_pyramid_step_matches_the_25_tap_sum():
    rng = np.random.default_rng(3)
    img = rng.random((9, 11))
    k = yee.PYRAMID_KERNEL
    ry = model._pdiff_index(9, 2)
    rx = model._pdiff_index(11, 2)
    padded = img[np.ix_(ry, rx)]
    expected = np.zeros_like(img)
    for i in range(5):
        for j in range(5):
            expected += k[i] * k[j] * padded[i:i + 9, j:j + 11]
    assert np.allclose(yee.pyramid_step(img), expected, rtol=0, atol=1e-14)


def test_pyramid_step_keeps_constants_and_tiny_images():
    assert np.allclose(yee.pyramid_step(np.full((7, 6), 3.5)), 3.5)
    assert yee.pyramid_step(np.array([[2.0]])) == pytest.approx(np.array([[2.0]]))
    assert np.allclose(yee.pyramid_step(np.full((2, 2), 1.5)), 1.5)


# ---------------------------------------------------------------------------
# Down-sampling (FreeImage_Rescale with FILTER_BICUBIC)


def _pattern(h, w):
    r, c, ch = np.mgrid[0:h, 0:w, 0:4]
    return ((r * 37 + c * 53 + ch * 71 + (r * c) % 17 * 11) % 256).astype(np.uint8)


#: FreeImage_Rescale(FILTER_BICUBIC) of _pattern(6, 9) to 4 x 3 and of
#: _pattern(7, 5) to 2 x 3, measured with libfreeimage 3.18.0 (Debian 12).
FREEIMAGE_6x9 = [
    [[76, 142, 174, 116], [147, 137, 123, 130], [102, 121, 143, 135], [129, 155, 102, 134]],
    [[134, 132, 145, 120], [123, 117, 140, 125], [112, 108, 118, 164], [103, 148, 148, 141]],
    [[145, 111, 118, 154], [147, 153, 127, 154], [102, 120, 112, 177], [122, 150, 105, 116]],
]
FREEIMAGE_7x5 = [
    [[91, 144, 165, 113], [144, 128, 119, 134]],
    [[139, 127, 139, 129], [123, 128, 138, 132]],
    [[147, 102, 124, 145], [172, 147, 102, 154]],
]


def test_rescale_matches_freeimage_reference():
    assert yee.rescale_bicubic(_pattern(6, 9), 4, 3).tolist() == FREEIMAGE_6x9
    assert yee.rescale_bicubic(_pattern(7, 5), 2, 3).tolist() == FREEIMAGE_7x5


def _freeimage():
    name = ctypes.util.find_library("freeimage")
    if not name:
        pytest.skip("libfreeimage not installed (only needed to cross-check the down-sampler)")
    fi = ctypes.CDLL(name)
    fi.FreeImage_Allocate.restype = ctypes.c_void_p
    fi.FreeImage_Allocate.argtypes = [ctypes.c_int] * 3 + [ctypes.c_uint] * 3
    fi.FreeImage_GetScanLine.restype = ctypes.c_void_p
    fi.FreeImage_GetScanLine.argtypes = [ctypes.c_void_p, ctypes.c_int]
    fi.FreeImage_Rescale.restype = ctypes.c_void_p
    fi.FreeImage_Rescale.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    fi.FreeImage_Unload.argtypes = [ctypes.c_void_p]
    return fi


def test_rescale_matches_libfreeimage_when_installed():
    fi = _freeimage()
    rng = np.random.default_rng(5)
    for (h, w, h2, w2) in [(17, 23, 8, 11), (40, 50, 20, 25), (9, 7, 4, 3), (20, 30, 25, 15)]:
        img = np.clip(np.cumsum(rng.integers(-20, 21, (h, w, 4)), axis=1) + 128, 0, 255).astype(np.uint8)
        dib = fi.FreeImage_Allocate(w, h, 32, 0xFF, 0xFF00, 0xFF0000)
        for y in range(h):  # FreeImage bitmaps are bottom-up
            ctypes.memmove(fi.FreeImage_GetScanLine(dib, h - 1 - y), np.ascontiguousarray(img[y]).ctypes.data, 4 * w)
        out = fi.FreeImage_Rescale(dib, w2, h2, 1)  # FILTER_BICUBIC
        ref = np.empty((h2, w2, 4), np.uint8)
        for y in range(h2):
            ctypes.memmove(ref[y].ctypes.data, fi.FreeImage_GetScanLine(out, h2 - 1 - y), 4 * w2)
        fi.FreeImage_Unload(dib)
        fi.FreeImage_Unload(out)
        assert np.array_equal(yee.rescale_bicubic(img, w2, h2), ref), (h, w, h2, w2)


def test_down_sample_halves_and_stops_at_one_pixel():
    a = _pattern(9, 14)
    a2, b2, steps = yee.down_sample(a, a.copy(), 5)
    assert steps == 3  # 14x9 -> 7x4 -> 3x2 -> 1x1, then a side is 1
    assert a2.shape == (1, 1, 4) and np.array_equal(a2, b2)
    flat = rgba(8, 8, (10, 200, 30), 77)
    assert np.array_equal(yee.rescale_bicubic(flat, 4, 4), flat[:4, :4])


# ---------------------------------------------------------------------------
# The model


def test_identical_images_give_an_all_zero_map():
    a = _pattern(30, 40)
    out = run_yee(a, a.copy())
    assert out.details["failed_pixels"] == 0
    assert not np.any(out.jnd)


def test_visibility_is_above_one_exactly_at_failing_pixels():
    a = with_pattern_noise(_pattern(40, 50), seed=1, amplitude=12)
    b = with_pattern_noise(_pattern(40, 50), seed=2, amplitude=12)
    lin_a = yee.linearize(a, 2.2)
    lin_b = yee.linearize(b, 2.2)
    n = yee.degree_pixels(45.0)
    maps = yee.yee_model(lin_a, lin_b, ppd=50 / n, n=n)
    assert 0 < maps.failed.sum() < maps.failed.size
    assert np.array_equal(maps.jnd > 1.0, maps.failed)


def with_pattern_noise(arr, seed, amplitude):
    rng = np.random.default_rng(seed)
    out = arr.astype(np.int16)
    out[..., :3] += rng.integers(-amplitude, amplitude + 1, out[..., :3].shape, dtype=np.int16)
    out[..., 3] = 255
    return np.clip(out, 0, 255).astype(np.uint8)


def test_the_model_is_symmetric():
    a = with_pattern_noise(_pattern(32, 36), 3, 20)
    b = with_pattern_noise(_pattern(32, 36), 4, 20)
    ab, ba = run_yee(a, b), run_yee(b, a)
    assert ab.details["failed_pixels"] == ba.details["failed_pixels"] > 0
    assert np.array_equal(ab.jnd, ba.jnd)


def test_visibility_grows_with_the_step():
    peaks, counts = [], []
    for d in (1, 2, 4, 8, 16, 32, 64):
        a, b = grey_patch(fg=(128 + d,) * 3)
        out = run_yee(a, b)
        peaks.append(float(out.jnd.max()))
        counts.append(out.details["failed_pixels"])
    assert peaks == sorted(peaks) and peaks[0] < 1 < peaks[-1]
    assert counts == sorted(counts)


def test_slabs_and_crop_do_not_change_the_result(monkeypatch):
    rng = np.random.default_rng(9)
    a = with_pattern_noise(_pattern(70, 45), 5, 3)
    b = a.copy()
    b[20:50, 10:30, :3] = rng.integers(0, 256, (30, 20, 3))
    whole = yee.yee_model(yee.linearize(a, 2.2), yee.linearize(b, 2.2), ppd=45 / yee.degree_pixels(45.0),
                          n=yee.degree_pixels(45.0))
    monkeypatch.setattr(yee.metric, "_SLAB_ROWS", 8)  # many slabs, each with a 14-row halo
    out = run_yee(a, b)
    frame = np.zeros(a.shape[:2], np.float32)
    y0, x0 = out.offset
    frame[y0:y0 + out.jnd.shape[0], x0:x0 + out.jnd.shape[1]] = out.jnd
    assert out.offset == (6, 0)  # the differences' box grown by 14 px
    assert np.array_equal(frame, whole.jnd)
    assert out.details["failed_pixels"] == int(whole.failed.sum())


def test_alpha_changes_over_black_are_invisible_but_not_over_white():
    black = rgba(24, 24, (0, 0, 0), 255)
    faded = black.copy()
    faded[8:16, 8:16, 3] = 60
    assert run_yee(black, faded).details["failed_pixels"] == 0
    white = rgba(24, 24, (255, 255, 255), 255)
    faded_white = white.copy()
    faded_white[8:16, 8:16, 3] = 60
    assert run_yee(white, faded_white).details["failed_pixels"] > 0


def _isoluminant_pair():
    # Grey 128 and (170, g, 170) with g chosen so that Y (Adobe RGB, gamma 2.2) is equal:
    # lin(170) = 0.40990; Y_grey = 0.21953 -> lin(g) = (0.21953 - 0.37265 * 0.40990) / 0.627355
    # = 0.10645 -> g = 255 * 0.10645^(1/2.2) = 92.
    return grey_patch(size=48, bg=128, fg=(170, 92, 170), patch=20)


def test_colour_test_on_a_star_b_star_and_its_switches():
    a, b = _isoluminant_pair()
    assert run_yee(a, b).details["failed_pixels"] == 400  # the whole chroma patch
    assert run_yee(a, b, luminance_only=True).details["failed_pixels"] == 0
    assert run_yee(a, b, color_factor=0.0).details["failed_pixels"] == 0
    # Below 10 cd/m² of adaptation the colour test is off.
    assert run_yee(a, b, luminance=15.0).details["failed_pixels"] == 0


def test_channel_order_bgr_reads_blue_as_red():
    a = with_pattern_noise(_pattern(30, 30), 6, 25)
    b = with_pattern_noise(_pattern(30, 30), 7, 25)
    swap = [2, 1, 0, 3]
    rgb = run_yee(a, b)
    bgr = run_yee(a[..., swap], b[..., swap], channel_order="bgr")
    assert rgb.details["failed_pixels"] == bgr.details["failed_pixels"]
    assert np.array_equal(rgb.jnd, bgr.jnd)
    # A blue-only change is weighed differently when read as red.
    c = a.copy()
    c[10:20, 10:20, 2] = 255 - c[10:20, 10:20, 2]
    assert run_yee(a, c).details["failed_pixels"] != run_yee(a, c, channel_order="bgr").details["failed_pixels"]


def test_16_bit_and_mixed_depths_match_8_bit():
    a = with_pattern_noise(_pattern(24, 28), 8, 30)
    b = with_pattern_noise(_pattern(24, 28), 9, 30)
    ref = run_yee(a, b)
    wide_a = a.astype(np.uint16) * 257
    wide_b = b.astype(np.uint16) * 257
    opts = Options(metric="yee")
    mo = M.validate({})
    ppd = M.pixels_per_degree(opts, mo, 28, 24)
    wide = M.compute(Image.from_pixels(wide_a), Image.from_pixels(wide_b), opts, mo, ppd)
    mixed = M.compute(Image.from_pixels(a), Image.from_pixels(wide_b), opts, mo, ppd)
    assert wide.details["failed_pixels"] == mixed.details["failed_pixels"] == ref.details["failed_pixels"]
    assert np.allclose(wide.jnd, ref.jnd, rtol=1e-6)


def test_sum_errors_details():
    a, b = grey_patch(fg=(180, 120, 90))
    plain = run_yee(a, b)
    assert "sum_errors" not in plain.details
    out = run_yee(a, b, sum_errors=True)
    total = out.details["sum_errors"]
    assert total > 0
    assert out.details["sum_errors_normalized"] == pytest.approx(total / (48 * 48 * 255))
    lum_only = run_yee(a, b, sum_errors=True, luminance_only=True).details["sum_errors"]
    assert 0 < lum_only < total  # the colour errors are added unless luminance-only


# ---------------------------------------------------------------------------
# Through the engine: verdict, budgets, down-sampling, viewing geometry


def compare(a, b, **kw):
    return perceptdiff.compare(a, b, metric="yee", **kw)


def test_verdict_fails_at_threshold_pixels_or_more():
    a, b = grey_patch(fg=(200, 200, 200), patch=6)
    failed = run_yee(a, b).details["failed_pixels"]
    assert failed > 10
    at = compare(a, b, threshold=failed)
    above = compare(a, b, threshold=failed + 1)
    assert at.verdict == "fail" and above.verdict == "pass"
    assert at.visible_pixels == above.visible_pixels == failed == at.details["failed_pixels"]
    assert at.metric == "yee" and at.metric_version == M.version


def test_threshold_zero_fails_any_difference_and_a_budget_replaces_threshold():
    a, b = grey_patch(fg=(129, 129, 129), patch=2)
    assert compare(a, b).verdict == "pass"
    assert compare(a, b, threshold=0).verdict == "fail"
    assert compare(a, a.copy(), threshold=0).verdict == "identical"
    big_a, big_b = grey_patch(fg=(255, 255, 255), patch=12)
    n = compare(big_a, big_b).visible_pixels
    assert compare(big_a, big_b, max_pixels=n).verdict == "pass"
    assert compare(big_a, big_b, max_pixels=n - 1).verdict == "fail"


def test_down_sample_counts_model_pixels_and_scales_the_budget():
    a, b = grey_patch(size=64, fg=(255, 255, 255), patch=16)
    r = compare(a, b, down_sample=1)
    failed = r.details["failed_pixels"]
    assert r.details["model_size"] == [32, 32]
    assert 0 < failed <= 8 * 8 + 4 * 8 + 4  # the 8x8 patch in the half-size model and its blur
    assert r.visible_pixels == 4 * failed  # each model pixel covers 2x2 frame pixels
    assert compare(a, b, down_sample=1, threshold=failed).verdict == "fail"
    assert compare(a, b, down_sample=1, threshold=failed + 1).verdict == "pass"


def test_down_sample_on_odd_sizes_covers_the_frame():
    a, b = grey_patch(size=45, fg=(0, 0, 0), patch=40)
    r = compare(a, b, down_sample=2)
    assert r.details["model_size"] == [11, 11]
    assert r.jnd_map.shape == (45, 45)
    assert r.visible_pixels == 16 * r.details["failed_pixels"]
    # The 1-px strip left over at the right and bottom shows the difference, uncounted.
    assert 0 < r.jnd_map[44, 20] <= 1.0


def test_down_sample_beyond_the_image_is_refused():
    a, b = grey_patch(size=12, fg=(0, 0, 0), patch=4)
    with pytest.raises(OptionError, match="down_sample"):
        compare(a, b, down_sample=4)


def test_pixels_per_degree_from_fov_or_ppd():
    opts = Options(metric="yee")
    mo = M.validate({})
    # n(45) = 47.4654: a 1920-px image is 40.45 px/degree
    assert M.pixels_per_degree(opts, mo, 1920, 1080) == pytest.approx(40.4505, rel=1e-5)
    assert M.pixels_per_degree(Options(metric="yee", ppd=60), mo, 1920, 1080) == 60.0
    a, b = grey_patch(fg=(140, 140, 140))
    # fov 45 on a 48-px image is ppd 48 / 47.47; the same ppd gives the same result.
    via_ppd = compare(a, b, ppd=48 / yee.degree_pixels(45.0))
    assert via_ppd.visible_pixels == compare(a, b).visible_pixels
    with pytest.raises(OptionError, match="ppd and fov"):
        compare(a, b, ppd=40, fov=30)
    with pytest.raises(OptionError, match="viewing"):
        compare(a, b, viewing="phone")


def test_fov_changes_the_verdict_inputs():
    # A 160-on-128 square of 8 px: visible at a 5° field of view (a 64-px image
    # then has 12 px/degree and adapts at level 3), not at 45° or 89.9°.
    a, b = grey_patch(size=64, fg=(160, 160, 160), patch=8)
    counts = [compare(a, b, fov=f).details["failed_pixels"] for f in (5.0, 45.0, 89.9)]
    adapt = [compare(a, b, fov=f).details["adaptation_level"] for f in (5.0, 45.0, 89.9)]
    assert adapt == [3, 6, 7]
    assert len(set(counts)) > 1


def test_json_and_options_record_the_metric():
    a, b = grey_patch(fg=(220, 40, 40))
    r = compare(a, b, sum_errors=True)
    d = json.loads(r.to_json())
    assert d["metric"] == "yee"
    assert d["details"]["failed_pixels"] == r.visible_pixels
    assert d["options"]["metric_options"]["fov"] == 45.0
    assert d["options"]["metric_options"]["threshold"] == 100
    assert "sum_errors_normalized" in d["details"]


# ---------------------------------------------------------------------------
# Options


def test_defaults_are_perceptualdiffs():
    assert M.validate({}) == {
        "fov": 45.0, "threshold": 100, "gamma": 2.2, "luminance": 100.0, "luminance_only": False,
        "color_factor": 1.0, "down_sample": 0, "sum_errors": False, "channel_order": "rgb",
    }
    assert M.validate({"threshold": "250", "fov": 30, "channel_order": "BGR"})["channel_order"] == "bgr"


@pytest.mark.parametrize("options,message", [
    ({"fov": 0}, "fov"), ({"fov": 0.09}, "fov"), ({"fov": 90}, "fov"), ({"fov": "wide"}, "fov"),
    ({"fov": float("nan")}, "fov"), ({"threshold": -1}, "threshold"), ({"threshold": 2.5}, "threshold"),
    ({"threshold": True}, "threshold"), ({"down_sample": -1}, "down_sample"), ({"gamma": 0}, "gamma"),
    ({"luminance": -3}, "luminance"), ({"color_factor": 1.01}, "color_factor"),
    ({"color_factor": -0.1}, "color_factor"), ({"luminance_only": "yes"}, "luminance_only"),
    ({"channel_order": "grb"}, "channel_order"), ({"tolerance": 3}, "tolerance"),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(OptionError, match=message):
        M.validate(options)


def test_bad_options_are_refused_before_decoding():
    with pytest.raises(OptionError, match="fov"):
        perceptdiff.compare("no-such-file.png", "other.png", metric="yee", fov=100)


# ---------------------------------------------------------------------------
# Command line (real subprocess)


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "perceptdiff", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def pair(tmp_path):
    a, b = grey_patch(fg=(230, 60, 60))
    return write_png(tmp_path / "a.png", a), write_png(tmp_path / "b.png", b)


@pytest.mark.slow
@pytest.mark.parametrize("flags,needle", [
    (["--fov", "0"], "fov"), (["--fov", "89.95"], "fov"), (["--fov", "abc"], "--fov"),
    (["--threshold", "-1"], "threshold"), (["--threshold", "x"], "--threshold"),
    (["--down-sample", "-2"], "down_sample"), (["--gamma", "0"], "gamma"),
    (["--luminance", "0"], "luminance"), (["--color-factor", "2"], "color_factor"),
    (["--channel-order", "xyz"], "--channel-order"),
])
def test_cli_refuses_bad_yee_options(pair, flags, needle):
    r = cli(*pair, "--metric", "yee", *flags)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_cli_yee_flags_need_metric_yee(pair):
    r = cli(*pair, "--fov", "30")
    assert r.returncode == 2 and "only with --metric yee" in r.stderr


@pytest.mark.slow
def test_cli_exit_codes_threshold_sum_errors_and_json(pair, tmp_path):
    fail = cli(*pair, "--metric", "yee", "--sum-errors")
    assert fail.returncode == 1, fail.stdout + fail.stderr
    assert fail.stdout.startswith("FAIL") and "sum of errors" in fail.stdout
    failed = run_yee(*grey_patch(fg=(230, 60, 60))).details["failed_pixels"]
    ok = cli(*pair, "--metric", "yee", "--threshold", failed + 1)
    assert ok.returncode == 0, ok.stdout
    js = cli(*pair, "--metric", "yee", "--json", "--diff", tmp_path / "diff.png")
    d = json.loads(js.stdout)
    assert js.returncode == 1 and d["metric"] == "yee" and d["details"]["failed_pixels"] == failed
    assert (tmp_path / "diff.png").stat().st_size > 0


@pytest.mark.slow
def test_cli_scale_alias_compares_different_sizes(tmp_path):
    a = write_png(tmp_path / "big.png", rgba(36, 36, (255, 0, 0)))
    b = write_png(tmp_path / "small.png", rgba(39, 18, (255, 0, 0)))
    assert cli(a, b, "--metric", "yee").returncode == 1  # sizes differ
    r = cli(a, b, "--metric", "yee", "--scale")
    assert r.returncode == 0, r.stdout + r.stderr

"""Screening (perceptdiff/screening.py): boxes around groups of differences, and the proof
that the screened comparison says what the reference path (``screening=False``) says."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff import screening
from perceptdiff.engine import INCOMPLETE_NOTE
from perceptdiff.metrics.default import DEFAULTS, support_radius, visibility_map

RNG = np.random.default_rng(11)


def _ui(h: int = 720, w: int = 1280, seed: int = 3) -> np.ndarray:
    """A light page with dark text-like bars, a gradient and a few saturated and dark blocks."""
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 246, np.uint8)
    img[:40] = np.linspace(60, 200, w, dtype=np.float32)[None, :, None].astype(np.uint8)
    for _ in range(160):
        y, x = int(rng.integers(50, h - 20)), int(rng.integers(0, w - 120))
        img[y:y + 9, x:x + int(rng.integers(20, 120))] = rng.integers(0, 90)
    img[100:220, 900:1100] = (200, 20, 30)      # saturated
    img[400:520, 100:300] = (12, 10, 14)        # dark
    img[560:640, 700:900] = (20, 60, 210)
    return img


def _screened(a, b) -> bool:
    """Would the default metric model more than one box for these arrays (before forgiveness)?"""
    pa, pb = perceptdiff.load_image(a).pixels, perceptdiff.load_image(b).pixels
    differ = np.any(pa != pb, axis=-1)
    return screening.plan_boxes(differ, support_radius(40.0, 6, "scielab"), 32) is not None


def _assert_same(a, b, *, screened: bool | None = True, **options):
    """The screened result equals the reference: verdict, visible pixels, regions, map where ≥ 0.5.

    ``screened``: also check that the case is one screening splits (None: do not check).
    """
    if screened is not None:
        assert _screened(a, b) == screened
    ref = perceptdiff.compare(a, b, screening=False, **options)
    got = perceptdiff.compare(a, b, **options)
    assert got.verdict == ref.verdict
    assert got.visible_pixels == ref.visible_pixels
    assert got.region_count == ref.region_count
    assert [(r.x, r.y, r.width, r.height, r.kind, r.failing) for r in got.regions] == \
           [(r.x, r.y, r.width, r.height, r.kind, r.failing) for r in ref.regions]
    assert got.changed_pixels == ref.changed_pixels and got.forgiven_pixels == ref.forgiven_pixels
    jr, jg = ref.jnd_map, got.jnd_map
    seen = jr >= 0.5
    err = np.abs(jg - jr) / np.maximum(1.0, jr)
    assert float(err[seen].max(initial=0.0)) <= 1e-3
    if ref.peak_jnd >= 0.5:
        assert got.peak_jnd == pytest.approx(ref.peak_jnd, rel=1e-3)
    return ref, got


# ------------------------------------------------------------ the plan ---

def test_one_group_is_not_screened():
    d = np.zeros((600, 800), bool)
    d[100:110, 100:300] = True
    assert screening.plan_boxes(d, 288, 32) is None
    assert screening.plan_boxes(np.zeros((600, 800), bool), 288, 32) is None


def test_far_groups_get_one_box_each_grown_by_the_halo():
    d = np.zeros((2160, 3840), bool)
    d[100:116, 100:140] = True
    d[2000:2010, 3700:3760] = True
    boxes = screening.plan_boxes(d, 288, 32)
    assert boxes is not None and len(boxes) == 2
    halo = 288 + screening.HALO_SLACK
    for b in boxes:
        assert b.y0 % 32 == 0 and b.x0 % 32 == 0
        inside = d[b.slices]
        assert inside.any()
        # every differing pixel of the group lies at least the halo inside the box (or at the frame)
        ys, xs = np.nonzero(inside)
        assert (ys.min() + b.y0 - b.y0 >= halo) or b.y0 == 0
        assert b.y1 - (ys.max() + b.y0) > halo or b.y1 == d.shape[0]
    assert not boxes[0].overlaps(boxes[1])
    assert sum(b.area for b in boxes) < d.size // 4


def test_groups_closer_than_twice_the_halo_are_one_box():
    d = np.zeros((1080, 3000), bool)
    d[500, 500] = True
    d[500, 500 + 2 * (288 + screening.HALO_SLACK) - 40] = True
    assert screening.plan_boxes(d, 288, 32) is None       # one group: the reference box


def test_too_many_boxes_fall_back_to_one():
    d = np.zeros((4000, 4000), bool)
    d[::1000, ::1000] = True                            # 16 far-apart groups at radius 10
    assert screening.plan_boxes(d, 10, 32) is not None
    d[::350, ::350] = True                              # 144 groups: more than MAX_BOXES
    assert screening.plan_boxes(d, 10, 32) is None


# ------------------------------------------------ a box is the frame's ---

@pytest.mark.parametrize("origin", [(0, 0), (96, 160), (32, 64)])
def test_a_box_with_its_origin_gives_the_whole_frames_map(origin):
    a = _ui(560, 720)
    b = a.copy()
    b[300:312, 380:420] = (230, 40, 40)
    pa = np.dstack([a, np.full(a.shape[:2], 255, np.uint8)])
    pb = np.dstack([b, np.full(a.shape[:2], 255, np.uint8)])
    opts = dict(DEFAULTS)
    levels = 6
    full = visibility_map(pa, pb, 40.0, opts, levels=levels, opaque=True)
    y0, x0 = origin
    part = visibility_map(pa[y0:, x0:], pb[y0:, x0:], 40.0, opts, levels=levels, opaque=True,
                          origin=origin)
    ref = full[y0:, x0:]
    near = ref >= 0.5
    assert near.any()
    np.testing.assert_allclose(part[near], ref[near], rtol=1e-3, atol=1e-3)


def test_the_support_radius_covers_the_pyramid_and_filters():
    assert support_radius(40.0, 6, "scielab") >= 32 * 6
    assert support_radius(95.0, 6, "scielab") >= support_radius(40.0, 6, "scielab")


# -------------------------------------------- screened == reference ---

def _two_changes(base: np.ndarray, c1, c2) -> np.ndarray:
    out = base.copy()
    out[60:76, 60:100] = c1
    out[-90:-80, -160:-100] = c2
    return out


def test_far_changes_on_a_page():
    a = _ui(1080, 1920)
    ref, got = _assert_same(a, _two_changes(a, (200, 30, 30), (30, 30, 200)))
    assert ref.verdict == "fail" and ref.region_count == 2


def test_dark_colours():
    a = np.full((1000, 1400, 3), 6, np.uint8)
    _assert_same(a, _two_changes(a, (9, 6, 6), (6, 6, 10)))          # barely visible in the dark


def test_saturated_colours_and_opposite_sign_channels():
    a = np.zeros((1000, 1400, 3), np.uint8)
    a[..., 0] = 220
    a[..., 2] = 30
    b = a.astype(np.int16)
    b[60:76, 60:100] += (-6, 6, 0)                     # red down, green up: luminance nearly kept
    b[-90:-80, -160:-100] += (4, -3, 5)
    _assert_same(a, b.clip(0, 255).astype(np.uint8))


def test_sub_threshold_changes_far_apart():
    a = np.full((900, 1600, 3), 240, np.uint8)
    a[400:420, 300:1300] = 40
    b = a.astype(np.int16)
    rng = np.random.default_rng(5)                     # ±1 dither in two far patches
    b[200:260, 200:300] += rng.integers(-1, 2, (60, 100, 3))
    b[700:760, 1300:1400] += rng.integers(-1, 2, (60, 100, 3))
    ref, _ = _assert_same(a, b.clip(0, 255).astype(np.uint8))
    assert ref.passed


def test_noise_patches_with_a_local_change():
    a = _ui(1000, 1800)
    b = a.astype(np.int16)
    rng = np.random.default_rng(4)
    b[:300, :400] += rng.integers(-1, 2, (300, 400, 3))
    b[700:, 1400:] += rng.integers(-1, 2, (300, 400, 3))
    b[800:812, 1500:1540] = (240, 30, 30)
    _assert_same(a, b.clip(0, 255).astype(np.uint8))


@pytest.mark.parametrize("background", [None, "#336699"])
def test_translucent_images_over_both_backgrounds(background):
    a = np.dstack([_ui(900, 1500), np.full((900, 1500), 160, np.uint8)])
    b = a.copy()
    b[50:70, 50:120, 3] = 60                           # alpha only
    b[-80:-60, -200:-100, :3] = (250, 250, 20)
    opts = {} if background is None else {"background": background}
    _assert_same(a, b, **opts)


def test_masks_and_budgets_see_the_same_map():
    a = _ui(1000, 1800)
    b = _two_changes(a, (200, 30, 30), (30, 30, 200))
    _assert_same(a, b, regions=("0,0,300,300:jnd=40",))
    _assert_same(a, b, max_pixels=100)
    _assert_same(a, b, max_area=0.05)


# ------------------------------------------------------- verdict only ---

def test_verdict_only_stops_at_the_first_failing_box():
    a = _ui(1080, 1920)
    b = _two_changes(a, (200, 30, 30), (30, 30, 200))
    full = perceptdiff.compare(a, b)
    fast = perceptdiff.compare(a, b, verdict_only=True)
    assert full.complete and not fast.complete
    assert fast.verdict == full.verdict == "fail"
    assert 0 < fast.visible_pixels < full.visible_pixels
    assert INCOMPLETE_NOTE in fast.notes and INCOMPLETE_NOTE not in full.notes
    assert fast.to_dict()["complete"] is False


def test_verdict_only_pass_is_the_whole_answer():
    a = np.full((900, 1600, 3), 240, np.uint8)
    b = a.astype(np.int16)
    rng = np.random.default_rng(5)                     # ±1 dither in two far patches
    b[200:260, 200:300] += rng.integers(-1, 2, (60, 100, 3))
    b[700:760, 1300:1400] += rng.integers(-1, 2, (60, 100, 3))
    b = b.clip(0, 255).astype(np.uint8)
    full = perceptdiff.compare(a, b)
    fast = perceptdiff.compare(a, b, verdict_only=True)
    assert fast.complete and fast.passed and full.passed
    np.testing.assert_array_equal(fast.jnd_map, full.jnd_map)


def test_verdict_only_compares_everything_when_moves_may_excuse():
    a = _ui(1080, 1920)
    b = _two_changes(a, (200, 30, 30), (30, 30, 200))
    r = perceptdiff.compare(a, b, verdict_only=True, max_shift=4)
    assert r.complete and r.region_count == 2


def test_verdict_only_with_a_mask_that_ignores_the_strongest_box():
    a = _ui(1080, 1920)
    b = _two_changes(a, (200, 30, 30), (0, 0, 255))
    ignore_strong = ("1700,970,220,110:ignore",)
    full = perceptdiff.compare(a, b, regions=ignore_strong)
    fast = perceptdiff.compare(a, b, regions=ignore_strong, verdict_only=True)
    assert fast.verdict == full.verdict == "fail"
    assert fast.regions[0].x < 200           # the failing region is the one not ignored


# ------------------------------------------------- corpora and suites ---

@pytest.mark.slow
def test_calibration_corpus_screened_equals_reference():
    import importlib.util
    import sys
    from pathlib import Path

    cal = Path(__file__).resolve().parents[1] / "calibration"
    spec = importlib.util.spec_from_file_location("_cal_make_corpus_screening", cal / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    sys.path.insert(0, str(cal))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(cal))
    for case in mod.cases():
        a, b = mod.make_pair(case, 0)
        _assert_same(a, b, screened=None)


def test_peer_suites_screened_equals_reference(peer_suites):
    pairs = [(peer_suites / "pdiff" / x, peer_suites / "pdiff" / y) for x, y in (
        ("Bug1102605_ref.tif", "Bug1102605.tif"), ("Bug1471457_ref.tif", "Bug1471457.tif"),
        ("cam_mb_ref.tif", "cam_mb.tif"), ("fish2.png", "fish1.png"),
        ("Aqsis_vase.png", "Aqsis_vase_ref.png"), ("alpha1.png", "alpha2.png"))]
    pairs += [(peer_suites / "pixelmatch" / f"{x}.png", peer_suites / "pixelmatch" / f"{y}.png")
              for x, y in (("1a", "1b"), ("2a", "2b"), ("3a", "3b"), ("4a", "4b"), ("5a", "5b"),
                           ("6a", "6b"), ("7a", "7b"), ("8a", "5b"))]
    for a, b in pairs:
        _assert_same(a, b, screened=None)

"""The verdict rule (perceptdiff.verdict): regions, the two region tests, the pixel budget."""

import numpy as np
import pytest

from perceptdiff import verdict
from perceptdiff.verdict import CLUSTER_DEG, MIN_AREA_DEG2, STRONG_JND, Decision, VerdictRule

PPD = 40.0


def decide(jnd, rule=VerdictRule(), **kw):
    return verdict.decide(jnd, (0, 0), jnd.shape, PPD, 1.0, rule, **kw)


def test_defaults_are_the_documented_rule():
    rule = VerdictRule()
    assert (rule.kind, rule.strong_jnd, rule.min_area_deg2, rule.cluster_deg) == (
        "regions", STRONG_JND, MIN_AREA_DEG2, CLUSTER_DEG) == ("regions", 4.0, 0.025, 0.05)
    assert verdict.cluster_radius(PPD, CLUSTER_DEG) == 2  # 0.05° at 40 ppd
    assert MIN_AREA_DEG2 * PPD ** 2 == pytest.approx(40.0)  # 40 px at 40 ppd


def test_verdict_regions_cluster_nearby_pixels():
    jnd = np.zeros((40, 40), np.float32)
    jnd[10, 10:30:3] = 2.0  # 7 pixels 3 px apart
    rule = VerdictRule(min_area_deg2=6.5 / 40.0 ** 2)
    d = verdict.decide(jnd, (0, 0), jnd.shape, 40.0, 1.0, rule)
    assert d.region_count == 1 and d.regions[0].pixels == 7 and d.verdict == "fail"
    d2 = verdict.decide(jnd, (0, 0), jnd.shape, 40.0, 1.0, VerdictRule(min_area_deg2=6.5 / 40.0 ** 2, cluster_deg=0))
    assert d2.region_count == 7 and d2.verdict == "pass"


def test_verdict_peak_rule_and_p999():
    jnd = np.zeros((100, 100), np.float32)
    jnd[5, 5] = 4.0
    d = verdict.decide(jnd, (0, 0), jnd.shape, 40.0, 1.0, VerdictRule())
    assert d.verdict == "fail" and d.peak_jnd == 4.0 and d.regions[0].failing
    jnd[5, 5] = 3.99
    assert verdict.decide(jnd, (0, 0), jnd.shape, 40.0, 1.0, VerdictRule()).verdict == "pass"
    crop = np.arange(100, dtype=np.float32).reshape(10, 10)
    d = verdict.decide(crop, (3, 3), (100, 100), 40.0, 1.0, VerdictRule())
    full = np.zeros((100, 100), np.float32)
    full[3:13, 3:13] = crop
    assert d.p999_jnd == pytest.approx(np.percentile(full, 99.9, method="lower"))
    assert d.visible_pixels == int((full > 1).sum())


def test_area_rule_counts_visible_pixels_at_the_threshold_area():
    jnd = np.zeros((60, 60), np.float32)
    jnd[10:15, 10:18] = 1.5  # 40 px: exactly MIN_AREA_DEG2 at 40 ppd
    d = decide(jnd)
    assert d.verdict == "fail" and d.regions[0].pixels == 40
    assert d.regions[0].area_deg2 == pytest.approx(MIN_AREA_DEG2)
    assert "40 px" in d.reason and ">= 40 px" in d.reason
    jnd[14, 17] = 0.0  # 39 px
    d = decide(jnd)
    assert d.verdict == "pass" and "too small or faint" in d.reason


def test_threshold_scales_the_peak_test_and_the_visible_set():
    jnd = np.zeros((50, 50), np.float32)
    jnd[20, 20] = 7.0
    jnd[30, 30] = 1.5
    assert verdict.decide(jnd, (0, 0), jnd.shape, PPD, 1.0, VerdictRule()).verdict == "fail"
    d = verdict.decide(jnd, (0, 0), jnd.shape, PPD, 2.0, VerdictRule())  # strong = 8 JND
    assert d.verdict == "pass" and d.visible_pixels == 1


def test_regions_are_listed_worst_first_in_frame_coordinates():
    jnd = np.zeros((80, 80), np.float32)
    jnd[5:7, 5:7] = 1.2       # faint, small
    jnd[40:42, 60:63] = 9.0   # strong: fails
    d = verdict.decide(jnd, (10, 20), (200, 200), PPD, 1.0, VerdictRule())
    first, second = d.regions
    assert first.failing and not second.failing
    assert (first.x, first.y, first.width, first.height) == (80, 50, 3, 2)
    assert (second.x, second.y) == (25, 15)
    assert d.region_count == 2


def test_changed_pixels_draw_the_box_and_visible_pixels_count():
    jnd = np.zeros((30, 30), np.float32)
    jnd[10:20, 10:20] = 5.0  # visibility spreads around one changed pixel
    changed = np.zeros((30, 30), bool)
    changed[15, 15] = True
    d = decide(jnd, changed=changed)
    r = d.regions[0]
    assert (r.x, r.y, r.width, r.height) == (15, 15, 1, 1) and r.pixels == 100


def test_pixel_budget_rule():
    jnd = np.zeros((100, 100), np.float32)
    jnd[:3, :3] = 2.0  # 9 visible pixels
    assert decide(jnd, VerdictRule(kind="pixels", max_pixels=9)).verdict == "pass"
    d = decide(jnd, VerdictRule(kind="pixels", max_pixels=8))
    assert d.verdict == "fail" and "exceeds the budget of 8 visible px" in d.reason
    assert all(r.failing for r in d.regions)
    assert decide(jnd, VerdictRule(max_ratio=0.0008)).verdict == "fail"  # a budget replaces the regions
    assert decide(jnd, VerdictRule(max_ratio=0.0009)).verdict == "pass"
    d = decide(jnd, VerdictRule(kind="pixels", max_pixels=8, budget_label="the tool's threshold"))
    assert "exceeds the tool's threshold" in d.reason


def test_forgiven_pixels_are_counted_and_named():
    jnd = np.zeros((20, 20), np.float32)
    forgiven = np.zeros((20, 20), bool)
    forgiven[3, 3:8] = True
    d = decide(jnd, forgiven=forgiven)
    assert d.verdict == "pass" and d.forgiven_pixels == 5
    assert d.reason == "no visible difference (peak 0.00 JND); 5 px forgiven as anti-aliasing/jitter"


def test_listed_regions_are_capped_but_counted():
    jnd = np.zeros((64, 64), np.float32)
    jnd[::4, ::4] = 2.0  # 256 isolated pixels
    d = decide(jnd, VerdictRule(cluster_deg=0))
    assert d.region_count == 256 and len(d.regions) == verdict.MAX_REGIONS_LISTED


def test_empty_map_and_the_decisions_without_a_map():
    d = verdict.decide(np.zeros((0, 0), np.float32), (0, 0), (10, 10), PPD, 1.0, VerdictRule())
    assert d.verdict == "pass" and d.peak_jnd == 0.0 and d.p999_jnd == 0.0 and d.regions == ()
    same = Decision.nothing_visible("identical", "same")
    assert (same.verdict, same.peak_jnd, same.visible_pixels, same.regions) == ("identical", 0.0, 0, ())
    off = Decision.not_compared("sizes differ")
    assert (off.verdict, off.peak_jnd, off.p999_jnd) == ("fail", None, None)


def test_changed_pixels_are_counted_and_named_apart_from_visible_ones():
    # issue 11: "visible difference at x=536 y=343 8x8: ... 1004 px" read as 1004 px in an 8x8 box.
    jnd = np.zeros((100, 100), np.float32)
    jnd[40:60, 40:60] = 6.0                # visibility spread over 400 px
    changed = np.zeros((100, 100), bool)
    changed[46:54, 46:54] = True           # by 64 changed pixels
    d = decide(jnd, VerdictRule(), changed=changed)
    (r,) = d.regions
    assert (r.width, r.height, r.changed_pixels, r.visible_pixels) == (8, 8, 64, 400)
    assert d.changed_pixels == 64
    assert "64 px changed in the 8x8 box, visible over 400 px" in d.reason
    assert r.to_dict()["changed_pixels"] == 64 and r.to_dict()["visible_pixels"] == 400
    assert "pixels" not in r.to_dict() and r.pixels == 400  # the earlier attribute name still reads


def test_changed_pixel_budget():
    jnd = np.zeros((100, 100), np.float32)
    jnd[40:60, 40:60] = 6.0
    changed = np.zeros((100, 100), bool)
    changed[46:54, 46:54] = True
    changed[0, 0] = True  # an invisible change: not counted
    assert decide(jnd, VerdictRule(max_changed_pixels=64), changed=changed).verdict == "pass"
    d = decide(jnd, VerdictRule(max_changed_pixels=63), changed=changed)
    assert d.verdict == "fail" and "exceeds the budget of 63 changed px" in d.reason


def test_regions_carry_their_mean_beside_their_peak():
    jnd = np.zeros((40, 60), np.float32)
    jnd[5, 5:9] = [2.0, 4.0, 6.0, 8.0]
    jnd[30, 40] = 1.5
    d = decide(jnd)
    by_peak = {r.peak_jnd: r for r in d.regions}
    assert by_peak[8.0].mean_jnd == pytest.approx(5.0) and by_peak[1.5].mean_jnd == pytest.approx(1.5)
    assert all(r.mean_jnd <= r.peak_jnd for r in d.regions)


def test_max_area_is_a_budget_in_square_degrees_independent_of_resolution():
    """The same 10x10-px change at 40 ppd and drawn at twice the resolution at 80 ppd: one answer."""
    small = np.zeros((60, 60), np.float32)
    small[10:20, 10:20] = 2.0                   # 100 px = 0.0625 deg² at 40 ppd
    large = np.kron(small, np.ones((2, 2), np.float32))   # 400 px = 0.0625 deg² at 80 ppd
    for limit, verdict_word in ((0.07, "pass"), (0.06, "fail")):
        rule = VerdictRule(kind="pixels", max_area_deg2=limit)
        d_small = verdict.decide(small, (0, 0), small.shape, 40.0, 1.0, rule)
        d_large = verdict.decide(large, (0, 0), large.shape, 80.0, 1.0, rule)
        assert d_small.verdict == d_large.verdict == verdict_word
        assert d_small.visible_area_deg2 == pytest.approx(d_large.visible_area_deg2) == pytest.approx(0.0625)
        assert f"{limit:g} deg² visible" in d_small.reason and "0.0625 deg²" in d_small.reason
    # A pixel budget tuned on the small image means something else on the large one.
    px = VerdictRule(kind="pixels", max_pixels=150)
    assert verdict.decide(small, (0, 0), small.shape, 40.0, 1.0, px).verdict == "pass"
    assert verdict.decide(large, (0, 0), large.shape, 80.0, 1.0, px).verdict == "fail"


@pytest.mark.parametrize("kind", ["uniform", "few-values", "zeros", "mostly-zero"])
def test_kth_smallest_is_np_partition(kind):
    from perceptdiff.verdict import kth_smallest

    rng = np.random.default_rng(3)
    n = 1_500_000
    x = {"uniform": rng.random(n, dtype=np.float32),
         "few-values": rng.integers(0, 4, n).astype(np.float32),
         "zeros": np.zeros(n, np.float32),
         "mostly-zero": np.where(rng.random(n) < 0.9, 0, rng.random(n)).astype(np.float32)}[kind]
    for k in (int(0.999 * (n - 1)), n - 1, n - 2000, 0, n // 2):
        assert kth_smallest(x, k) == np.partition(x, k)[k]

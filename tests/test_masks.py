"""Masks and region rules (perceptdiff.masks): the weights, and what compare() does with them."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff import masks
from perceptdiff.errors import ImageLoadError, OptionError
from perceptdiff.image import Image
from perceptdiff.optionspec import RegionRule, parse_region_rule


def white(h: int = 60, w: int = 100) -> np.ndarray:
    return np.full((h, w, 3), 255, np.uint8)


def clock_pair() -> tuple[np.ndarray, np.ndarray]:
    """A page whose 'clock' (a dark block at x 60..80, y 10..22) changed, the rest equal."""
    a, b = white(), white()
    a[10:22, 60:70] = 0
    b[10:22, 68:80] = 0
    return a, b


def mask_image(value: int, box=(55, 5, 30, 22), h: int = 60, w: int = 100) -> np.ndarray:
    m = np.full((h, w), 255, np.uint8)
    x, y, bw, bh = box
    m[y:y + bh, x:x + bw] = value
    return m


# ------------------------------------------------------------------ weights ---

def test_mask_weights_are_grey_level_times_alpha():
    px = np.zeros((1, 4, 4), np.uint8)
    px[0, 0] = (255, 255, 255, 255)
    px[0, 1] = (128, 128, 128, 255)
    px[0, 2] = (255, 255, 255, 0)
    px[0, 3] = (255, 0, 0, 255)
    w = masks.mask_weights(Image.from_pixels(px))
    np.testing.assert_allclose(w[0], [1.0, 128 / 255, 0.0, 0.299], atol=1e-3)
    px16 = (px.astype(np.uint16) * 257)
    np.testing.assert_allclose(masks.mask_weights(Image.from_pixels(px16)), w, atol=1e-3)


def test_rules_override_the_mask_in_order_and_are_clipped():
    mask = np.full((4, 6), 0.5, np.float32)
    rules = (RegionRule(0, 0, 3, 2, jnd=2.0), RegionRule(2, 1, 10, 10, ignore=True))
    w = masks.threshold_weights((4, 6), 1.0, mask=mask, rules=rules)
    assert w[0, 0] == pytest.approx(0.5) and w[0, 4] == pytest.approx(0.5)   # jnd=2 at threshold 1
    assert (w[1:, 2:] == 0).all() and w[1, 1] == pytest.approx(0.5)
    # jnd=X is relative to the threshold in force: X equal to it changes nothing.
    assert (masks.threshold_weights((4, 6), 2.0, rules=(RegionRule(0, 0, 6, 4, jnd=2.0),)) == 1).all()
    assert masks.threshold_weights((4, 6), 1.0) is None
    assert (masks.threshold_weights((4, 6), 1.0, rules=(RegionRule(50, 50, 3, 3, ignore=True),)) == 1).all()


def test_region_rule_text_round_trips():
    for text in ("1,2,3,4:ignore", "0,0,10,5:jnd=2", "5,5,1,1:jnd=0.5"):
        assert str(parse_region_rule(text)) == text
    assert parse_region_rule(" 1, 2, 3, 4 : JND=3 ").jnd == 3.0
    for bad, words in (("1,2,3,4", "expected x,y,width,height:ignore"), ("1,2,3,4:jnd=-1", "> 0"),
                       ("1,2,3,4:jnd=x", "> 0"), ("1,2,3:ignore", "x,y,width,height"),
                       ("1,2,3,4:blur", "ignore or jnd=X"), ((1, 2, 3, 4), "expected")):
        with pytest.raises(OptionError, match=words):
            parse_region_rule(bad)


# ------------------------------------------------------------------ compare ---

def test_a_black_mask_hides_a_clock_and_nothing_else():
    a, b = clock_pair()
    assert perceptdiff.compare(a, b).verdict == "fail"
    r = perceptdiff.compare(a, b, mask=mask_image(0))
    assert r.verdict == "pass" and r.reason == "no difference outside the ignored regions"
    assert r.ignored_mask is not None and r.ignored_mask[10, 70] and not r.ignored_mask[40, 10]
    # The same page with a change outside the masked area still fails.
    b2 = b.copy()
    b2[40:50, 10:20] = 0
    r2 = perceptdiff.compare(a, b2, mask=mask_image(0))
    assert r2.verdict == "fail" and all(reg.x < 55 for reg in r2.regions)


def test_grey_mask_weighs_the_threshold():
    a = white()
    b = white()
    b[20:30, 20:30] = 235               # a faint patch
    full = perceptdiff.compare(a, b)
    half = perceptdiff.compare(a, b, mask=mask_image(128, box=(0, 0, 100, 60)))
    np.testing.assert_allclose(half.jnd_map, full.jnd_map * (128 / 255), rtol=1e-5, atol=1e-6)
    assert half.peak_jnd == pytest.approx(full.peak_jnd * 128 / 255, rel=1e-4)
    assert half.ignored_mask is None
    # A weight is monotone: the darker the grey, the lower the peak.
    peaks = [perceptdiff.compare(a, b, mask=mask_image(g, box=(0, 0, 100, 60))).peak_jnd
             for g in (255, 192, 128, 64)]
    assert peaks == sorted(peaks, reverse=True)


def test_region_rules_ignore_or_raise_the_threshold_locally():
    a, b = clock_pair()
    assert perceptdiff.compare(a, b, regions=["55,5,30,22:ignore"]).verdict == "pass"
    strong = perceptdiff.compare(a, b)
    # Threshold 2 x the peak there: the change and its halo beyond the rectangle peak at 0.5 JND.
    lenient = perceptdiff.compare(a, b, regions=[f"55,5,30,22:jnd={strong.peak_jnd * 2:.4f}"])
    assert lenient.verdict == "pass" and lenient.peak_jnd == pytest.approx(0.5, rel=1e-3)
    assert perceptdiff.compare(a, b, regions=["55,5,30,22:jnd=0.5"]).peak_jnd == pytest.approx(
        strong.peak_jnd * 2, rel=1e-3)
    # A rule outside the change leaves the verdict alone; the options say what was in force.
    r = perceptdiff.compare(a, b, regions=[RegionRule(0, 40, 10, 10, ignore=True)])
    assert r.verdict == "fail" and r.options["regions"] == ["0,40,10,10:ignore"]


def test_a_changes_halo_takes_the_weight_of_the_change_not_of_where_it_lands():
    """Visibility spreads beyond a change; a rule weighs the change wherever its visibility lands."""
    a, b = clock_pair()
    tight = perceptdiff.compare(a, b, regions=["60,10,20,12:jnd=1000"])   # the changed pixels only
    assert tight.verdict == "pass" and tight.peak_jnd < 0.1
    # A second change outside the rectangle keeps its own weight.
    b2 = b.copy()
    b2[40:50, 10:20] = 0
    other = perceptdiff.compare(a, b2, regions=["60,10,20,12:jnd=1000"])
    assert other.verdict == "fail" and [r.x for r in other.regions if r.failing] == [10]


def test_mask_accepts_paths_images_and_arrays(tmp_path):
    from PIL import Image as PILImage

    a, b = clock_pair()
    path = tmp_path / "mask.png"
    PILImage.fromarray(mask_image(0)).save(path)
    for m in (path, str(path), PILImage.open(path), mask_image(0), np.dstack([mask_image(0)] * 3)):
        assert perceptdiff.compare(a, b, mask=m).verdict == "pass", type(m)
    assert perceptdiff.compare(a, b, mask=path).options["mask"] == str(path)
    assert perceptdiff.compare(a, b, mask=mask_image(0)).options["mask"] == "<ndarray 60x100>"


def test_bad_masks_are_clear_errors(tmp_path):
    a, b = clock_pair()
    with pytest.raises(OptionError, match="mask .*: 50x30 does not match the compared frame 100x60"):
        perceptdiff.compare(a, b, mask=np.zeros((30, 50), np.uint8))
    with pytest.raises(ImageLoadError, match="mask .*nope.png"):
        perceptdiff.compare(a, b, mask=tmp_path / "nope.png")
    with pytest.raises(OptionError, match="mask: expected an image"):
        perceptdiff.compare(a, b, mask=True)


def test_ignored_pixels_are_hatched_in_the_diff_picture():
    from perceptdiff.diffimage import render_diff
    from perceptdiff.diffimage.palette import HATCH

    a, b = clock_pair()
    b[40:50, 10:20] = 0
    r = perceptdiff.compare(a, b, mask=mask_image(0))
    pic = render_diff(r)
    k = 256 // 100                                     # small images are enlarged
    zone = pic[10 * k:22 * k, 60 * k:80 * k]
    assert np.all(zone == np.array(HATCH, np.uint8), axis=-1).any()
    assert not np.all(pic[45 * k:55 * k, 40 * k:50 * k] == np.array(HATCH, np.uint8), axis=-1).any()

"""Baselines with known variation (perceptdiff.variants): the spread of approved renders."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff.errors import OptionError


def render(text: str, dx: float = 0.0, gamma: float = 1.0, size: int = 22) -> np.ndarray:
    """Text as two rasterisers might draw it: a sub-pixel offset and a coverage gamma (font jitter)."""
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.load_default(size=size * 8)
    except (TypeError, OSError, ImportError):
        pytest.skip("Pillow without FreeType: no scalable built-in font")
    im = Image.new("L", (200 * 8, 60 * 8), 255)
    ImageDraw.Draw(im).text((int(round((20 + dx) * 8)), 15 * 8), text, font=font, fill=0)
    cover = np.asarray(im.resize((200, 60), Image.Resampling.BOX)).astype(np.float32) / 255
    return np.dstack([(cover ** gamma * 255 + 0.5).astype(np.uint8)] * 3)


VARIANTS = [("Invoice 1042", 0.0, 1.0), ("Invoice 1042", 0.5, 0.8), ("Invoice 1042", 0.25, 1.25)]


@pytest.fixture(scope="module")
def variants() -> list[np.ndarray]:
    return [render(*v) for v in VARIANTS]


def test_a_render_between_the_variants_passes_though_some_single_baselines_fail(variants):
    actual = render("Invoice 1042", 0.375, 1.0)
    singles = [perceptdiff.compare(v, actual).verdict for v in variants]
    assert "fail" in singles
    r = perceptdiff.compare_variants(variants, actual)
    assert r.verdict == "pass" and "within the spread of 3 baseline variants" in r.reason
    assert singles.count("pass") == 1 and r.details["closest_variant"] == singles.index("pass") + 1
    assert [v["index"] for v in r.details["variants"]] == [1, 2, 3]
    assert r.peak_jnd <= min(perceptdiff.compare(v, actual).peak_jnd for v in variants)


def test_a_visible_change_outside_the_spread_still_fails(variants):
    for actual in (render("Invoice 1043", 0.25), render("Invoice 1042", 0.25, 1.0, size=23)):
        r = perceptdiff.compare_variants(variants, actual)
        assert r.verdict == "fail" and "outside the spread" in r.reason
        assert r.regions and r.regions[0].failing


def test_the_least_visibility_per_pixel_is_at_most_each_variants(variants):
    actual = render("Invoice 1043", 0.25)
    r = perceptdiff.compare_variants(variants, actual)
    for v in variants:
        assert np.all(r.jnd_map <= perceptdiff.compare(v, actual).jnd_map + 1e-6)


def test_identical_to_one_variant_is_identical_and_names_it(variants):
    r = perceptdiff.compare_variants(variants, variants[1])
    assert r.verdict == "identical" and r.details["closest_variant"] == 2
    assert "closest of 3 baseline variants: variant 2" in r.reason


def test_order_of_the_variants_does_not_change_the_verdict(variants):
    actual = render("Invoice 1042", 0.125, 0.9)
    a = perceptdiff.compare_variants(variants, actual)
    b = perceptdiff.compare_variants(variants[::-1], actual)
    assert a.verdict == b.verdict and a.peak_jnd == pytest.approx(b.peak_jnd, abs=1e-4)


def test_one_variant_is_an_ordinary_comparison_and_none_is_an_error(variants):
    actual = render("Invoice 1043", 0.25)
    one = perceptdiff.compare_variants(variants[:1], actual)
    plain = perceptdiff.compare(variants[0], actual)
    assert one.verdict == plain.verdict and one.peak_jnd == plain.peak_jnd
    with pytest.raises(OptionError, match="at least one"):
        perceptdiff.compare_variants([], actual)


def test_a_variant_of_another_size_is_left_out(variants):
    actual = render("Invoice 1042", 0.375, 1.0)
    odd = np.full((10, 10, 3), 255, np.uint8)
    r = perceptdiff.compare_variants([odd] + variants, actual)
    assert r.verdict == "pass"
    assert r.details["variants"][0]["verdict"] == "fail"

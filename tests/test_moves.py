"""Moved content in comparisons (perceptdiff.moves): moved regions, scrolls as one fact, allow_shift."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff.errors import OptionError
from perceptdiff.result import RegionKind

BLUE, GREEN, RED = (37, 99, 235), (20, 160, 60), (200, 40, 40)


def page(h: int = 120, w: int = 200) -> np.ndarray:
    return np.full((h, w, 3), 255, np.uint8)


def button(img: np.ndarray, x: int, y: int, colour=BLUE, w: int = 50, h: int = 20) -> np.ndarray:
    img = img.copy()
    img[y:y + h, x:x + w] = colour
    img[y + h // 2 - 2:y + h // 2 + 2, x + 10:x + w - 10] = 255   # its label
    return img


def screen(blue_at=(40, 40), blue=BLUE, green_at=(120, 80)) -> np.ndarray:
    return button(button(page(), *blue_at, blue), *green_at, GREEN)


def test_without_max_shift_nothing_is_searched():
    r = perceptdiff.compare(screen(), screen(blue_at=(45, 42)))
    assert r.verdict == "fail" and r.regions[0].shift is None and RegionKind.MOVED not in r.regions[0].kinds


@pytest.mark.parametrize("size", [(12, 8), (50, 20), (120, 40)])
def test_a_moved_element_is_one_moved_region_with_its_shift(size):
    w, h = size
    a = button(page(), 10, 70, RED, w=w, h=h) if w != 50 else screen()
    b = button(page(), 13, 68, RED, w=w, h=h) if w != 50 else screen(blue_at=(43, 38))
    r = perceptdiff.compare(a, b, max_shift=6)
    moved = [g for g in r.regions if g.kind is RegionKind.MOVED]
    assert r.verdict == "fail" and len(moved) == 1
    assert moved[0].shift == (3, -2)
    assert moved[0].kind_words == "moved by (3, -2)" and moved[0].to_dict()["shift"] == [3, -2]
    allowed = perceptdiff.compare(a, b, max_shift=6, allow_shift=True)
    assert allowed.verdict == "pass" and "moved content only" in allowed.reason
    assert not any(g.failing for g in allowed.regions)


def test_content_that_vanished_or_was_covered_is_no_move():
    """A thin line removed on a flat page is 'explained' one way by the background beside it; not both."""
    a = page()
    a[60, 20:180] = 90                                   # a 1-px separator
    r = perceptdiff.compare(a, page(), max_shift=8, allow_shift=True)
    assert r.verdict == "fail" and r.regions[0].shift is None
    # A card moved off textured content uncovers a part of it that was never seen: no exact move.
    under = page()
    under[60:110, 100:180:3] = (20, 160, 60)            # stripes
    moved = perceptdiff.compare(button(under, 60, 70, RED, w=80), button(under, 56, 70, RED, w=80),
                                max_shift=8, allow_shift=True)
    assert moved.verdict == "fail"


def test_a_move_farther_than_max_shift_is_not_a_move():
    a, b = screen(), screen(blue_at=(52, 40))
    assert perceptdiff.compare(a, b, max_shift=6, allow_shift=True).verdict == "fail"
    assert perceptdiff.compare(a, b, max_shift=12, allow_shift=True).verdict == "pass"


def test_a_move_with_a_recolour_still_fails():
    a, b = screen(), screen(blue_at=(44, 40), blue=RED)
    r = perceptdiff.compare(a, b, max_shift=6, allow_shift=True)
    assert r.verdict == "fail" and r.regions[0].failing and r.regions[0].kind is not RegionKind.MOVED


def test_a_move_and_another_change_elsewhere_still_fails_on_the_other():
    a = screen()
    b = screen(blue_at=(44, 40), green_at=(120, 80))
    b[5:15, 180:190] = 0
    r = perceptdiff.compare(a, b, max_shift=6, allow_shift=True)
    assert r.verdict == "fail"
    failing = [g for g in r.regions if g.failing]
    assert [g.x for g in failing] == [180] and r.reason.startswith("visible difference at x=180")
    assert any(g.kind is RegionKind.MOVED and not g.failing for g in r.regions)


def scrolled(dy: int = -3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    a = page(300, 200)
    for i in range(20):
        a[10 + 14 * i:18 + 14 * i, 10:10 + int(rng.integers(40, 180))] = 40
    b = page(300, 200)
    b[:dy] = a[-dy:]
    return a, b


def test_a_scrolled_frame_is_one_fact():
    a, b = scrolled()
    r = perceptdiff.compare(a, b, max_shift=5)
    assert r.verdict == "fail" and r.region_count == len(r.regions) == 1
    (g,) = r.regions
    assert g.kind is RegionKind.MOVED and g.shift == (0, -3) and g.failing
    assert any("the whole frame moved by (0, -3) px" in n for n in r.notes)
    assert "allow_shift would let it pass" in r.reason
    ok = perceptdiff.compare(a, b, max_shift=5, allow_shift=True)
    assert ok.verdict == "pass" and ok.reason.startswith("the whole frame moved by (0, -3) px")


def test_a_scroll_with_an_edit_is_not_one_fact_and_fails():
    a, b = scrolled()
    b[150:158, 60:90] = (200, 0, 0)
    r = perceptdiff.compare(a, b, max_shift=5, allow_shift=True)
    assert r.verdict == "fail"
    assert any("appears moved by (0, -3) px, with other changes" in n for n in r.notes)


def test_option_errors():
    a, b = screen(), screen(blue_at=(44, 40))
    with pytest.raises(OptionError, match="allow_shift: needs max_shift"):
        perceptdiff.compare(a, b, allow_shift=True)
    with pytest.raises(OptionError, match="allow_shift: .*not with a pixel or area budget"):
        perceptdiff.compare(a, b, max_shift=4, allow_shift=True, max_pixels=10)
    with pytest.raises(OptionError, match="max_shift"):
        perceptdiff.compare(a, b, max_shift=65)



def _ui_scene(seed: int) -> np.ndarray:
    """The calibration corpus's UI scene (calibration/make_corpus.py), where 1-px scrolls were false alarms."""
    import importlib.util
    import sys
    from pathlib import Path

    cal = Path(__file__).resolve().parents[1] / "calibration"
    spec = importlib.util.spec_from_file_location("_cal_make_corpus", cal / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    sys.path.insert(0, str(cal))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(cal))
    return np.concatenate([mod.ui_scene(seed), mod.ui_scene(seed + 10)], axis=0)


def test_a_one_pixel_scroll_is_one_fact_although_forgiveness_leaves_scattered_regions():
    tall = _ui_scene(0)
    a, b = tall[:320], tall[1:321]
    r = perceptdiff.compare(a, b, max_shift=8, allow_shift=True)
    assert r.verdict == "pass", r.reason
    assert r.region_count == 1 and r.regions[0].shift == (0, -1) and r.regions[0].kind is RegionKind.MOVED
    assert r.reason.startswith("the whole frame moved by (0, -1) px")
    # A 1-px scroll plus a real change still fails.
    b = b.copy()
    b[150:160, 60:100] = RED
    assert perceptdiff.compare(a, b, max_shift=8, allow_shift=True).verdict == "fail"

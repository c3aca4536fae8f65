"""LCD sub-pixel text forgiveness (perceptdiff.subpixel_text), through compare() and directly."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff import subpixel_text
from perceptdiff.image import Image
from perceptdiff.result import RegionKind

from text_support import FORM, FORM_DIGIT, render

GREY = render(FORM)
LCD_RGB = render(FORM, lcd="rgb")
LCD_BGR = render(FORM, lcd="bgr")


def _rgba(rgb: np.ndarray, alpha: int = 255) -> np.ndarray:
    return np.dstack([rgb, np.full(rgb.shape[:2], alpha, np.uint8)])


@pytest.mark.parametrize("lcd", [LCD_RGB, LCD_BGR], ids=["rgb", "bgr"])
def test_the_same_text_drawn_with_lcd_antialiasing_passes(lcd):
    strict = perceptdiff.compare(GREY, lcd, subpixel_text="strict")
    assert strict.verdict == "fail"  # the eye model alone fails it: the step is what passes it
    r = perceptdiff.compare(GREY, lcd)
    assert r.verdict == "pass", r.reason
    assert "LCD sub-pixel text" in r.reason
    excused = [g for g in r.regions if g.kind is RegionKind.SUBPIXEL_TEXT]
    assert excused and not any(g.failing for g in r.regions)
    # The map and its figures are the model's: forgiveness changes the verdict, not the measurement.
    assert r.peak_jnd == pytest.approx(strict.peak_jnd)
    assert r.visible_pixels == strict.visible_pixels


@pytest.mark.parametrize("lcd", [LCD_RGB, LCD_BGR], ids=["rgb", "bgr"])
def test_forgiveness_is_symmetric(lcd):
    assert perceptdiff.compare(lcd, GREY).verdict == "pass"
    assert perceptdiff.compare(GREY, lcd).verdict == "pass"


def _changed_twins() -> dict[str, np.ndarray]:
    line = LCD_RGB.copy()
    line[15, 4:150] = 200
    return {
        "digit": render(FORM_DIGIT, lcd="rgb"),
        "recoloured": render(FORM, lcd="rgb", ink=(51, 51, 140)),
        "darker": render(FORM, lcd="rgb", ink=(0, 0, 0)),
        "word": render(FORM[:2] + [(4, 33, "Due 12 Mai 2026")], lcd="rgb"),
        "moved 3 px": render([FORM[0], (7, 18, FORM[1][2]), FORM[2]], lcd="rgb"),
        "line removed": render(FORM[:2], lcd="rgb"),
        "rule added": line,
    }


@pytest.mark.parametrize("name", list(_changed_twins()))
def test_a_real_change_under_lcd_text_still_fails(name):
    twin = _changed_twins()[name]
    assert perceptdiff.compare(GREY, twin).verdict == "fail"
    assert perceptdiff.compare(twin, GREY).verdict == "fail"


def test_a_removed_rule_beside_lcd_text_still_fails():
    ruled = GREY.copy()
    ruled[15, 4:150] = 225
    assert perceptdiff.compare(ruled, LCD_RGB).verdict == "fail"


def test_strict_mode_is_the_eye_model_alone():
    r = perceptdiff.compare(GREY, LCD_RGB, subpixel_text="strict")
    assert r.verdict == "fail"
    assert not any(g.kind is RegionKind.SUBPIXEL_TEXT for g in r.regions)


def test_identical_text_is_identical():
    assert perceptdiff.compare(LCD_RGB, LCD_RGB.copy()).verdict == "identical"


def test_a_pixel_budget_is_not_excused():
    # A budget counts pixels; the text rule excuses regions, so it does not apply.
    r = perceptdiff.compare(GREY, LCD_RGB, max_pixels=10)
    assert r.verdict == "fail"


def test_greyscale_rasterisers_are_not_spoken_for():
    # A redraw without colour fringes (lighter greyscale text) does not pass the fringe gate.
    lighter = render(FORM, ink=(110, 110, 110))
    r = perceptdiff.compare(GREY, lighter)
    assert r.verdict == perceptdiff.compare(GREY, lighter, subpixel_text="strict").verdict == "fail"


def test_translucent_pixels_excuse_nothing():
    a, b = _rgba(GREY), _rgba(LCD_RGB)
    b[0, 0, 3] = 254
    assert perceptdiff.compare(a, b).verdict == "fail"
    assert perceptdiff.compare(_rgba(GREY), _rgba(LCD_RGB)).verdict == "pass"


def test_a_crop_over_the_work_bound_excuses_nothing(monkeypatch):
    monkeypatch.setattr(subpixel_text, "MAX_CROP_PIXELS", 100)
    assert perceptdiff.compare(GREY, LCD_RGB).verdict == "fail"


def test_sixteen_bit_inputs_are_judged_alike():
    wide = lambda x: x.astype(np.uint16) * np.uint16(257)  # noqa: E731
    assert perceptdiff.compare(wide(GREY), wide(LCD_RGB)).verdict == "pass"
    assert perceptdiff.compare(wide(GREY), wide(render(FORM_DIGIT, lcd="rgb"))).verdict == "fail"


@pytest.mark.parametrize("twin,expected", [(LCD_RGB, "pass"), (render(FORM_DIGIT, lcd="rgb"), "fail")],
                         ids=["lcd", "digit"])
def test_verdict_only_agrees_with_the_full_comparison(twin, expected):
    assert perceptdiff.compare(GREY, twin, verdict_only=True).verdict == expected
    assert perceptdiff.compare(GREY, twin, screening=False).verdict == expected


def test_judgements_of_excused_regions_are_within_the_box():
    r = perceptdiff.compare(GREY, LCD_RGB, subpixel_text="strict")
    a, b = Image.from_pixels(_rgba(GREY)), Image.from_pixels(_rgba(LCD_RGB))
    frame = np.zeros((GREY.shape[0], GREY.shape[1]), bool)
    for g in r.regions:
        if g.failing:
            frame[g.y:g.y + g.height, g.x:g.x + g.width] = True
    [j] = subpixel_text.judge_regions(a, b, frame.astype(np.int32), [1], (0, 0))
    assert j.excused and j.figures is not None and j.figures.within(subpixel_text.LIMITS)
    assert j.figures.chroma >= subpixel_text.FRINGE_MIN


def test_a_region_over_a_growing_limit_is_certain():
    digit = render(FORM_DIGIT, lcd="rgb")
    a, b = Image.from_pixels(_rgba(GREY)), Image.from_pixels(_rgba(digit))
    mask = np.zeros(GREY.shape[:2], bool)
    mask[17:31, 4:120] = True
    [j] = subpixel_text.judge_regions(a, b, mask.astype(np.int32), [1], (0, 0))
    assert not j.excused and j.certain


def test_the_option_is_checked():
    with pytest.raises(perceptdiff.OptionError):
        perceptdiff.compare(GREY, LCD_RGB, subpixel_text="sometimes")


@pytest.mark.parametrize("name", list(_changed_twins()) + ["lcd rgb", "lcd bgr"])
def test_probing_large_regions_first_changes_no_judgement(name, monkeypatch):
    twin = {"lcd rgb": LCD_RGB, "lcd bgr": LCD_BGR, **_changed_twins()}[name]
    unprobed = perceptdiff.compare(GREY, twin)
    monkeypatch.setattr(subpixel_text, "PROBE_MIN_AREA", 0)  # every region probed first
    probed = perceptdiff.compare(GREY, twin)
    assert probed.verdict == unprobed.verdict
    assert [g.kinds for g in probed.regions] == [g.kinds for g in unprobed.regions]


def test_a_large_recoloured_region_is_settled_by_its_probe(monkeypatch):
    measured = []
    stage = subpixel_text._area_stage
    monkeypatch.setattr(subpixel_text, "_area_stage",
                        lambda pair, regions, ids, crop, *rest, **kw: (measured.append(subpixel_text._area(crop)),
                                                                      stage(pair, regions, ids, crop, *rest, **kw)))
    rng = np.random.default_rng(5)
    photo = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    shifted = photo.copy()
    shifted[..., 0] = np.clip(photo[..., 0].astype(int) + 40, 0, 255)
    a, b = Image.from_pixels(_rgba(photo)), Image.from_pixels(_rgba(shifted))
    labels = np.ones(photo.shape[:2], np.int32)
    assert 480 * 640 > subpixel_text.PROBE_MIN_AREA  # the region's crop is large enough to be probed
    [j] = subpixel_text.judge_regions(a, b, labels, [1], (0, 0))
    assert not j.excused and j.certain and "over its limit" in j.why
    assert measured and max(measured) < 480 * 640 // 16  # only the probe's window was measured

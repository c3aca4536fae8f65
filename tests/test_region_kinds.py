"""What changed in each region (perceptdiff.region_kinds), on generated images of each kind."""

from __future__ import annotations

import numpy as np
import pytest

import perceptdiff
from perceptdiff import region_kinds
from perceptdiff.region_kinds import KindFigures, classify
from perceptdiff.result import Region, RegionKind

L, C, S, A = RegionKind.LIGHTNESS, RegionKind.COLOUR, RegionKind.STRUCTURE, RegionKind.ALPHA


def page(h: int = 80, w: int = 160, colour=(255, 255, 255, 255)) -> np.ndarray:
    out = np.empty((h, w, 4), np.uint8)
    out[:] = colour
    return out


def fill(img: np.ndarray, box, colour) -> np.ndarray:
    x, y, w, h = box
    img = img.copy()
    img[y:y + h, x:x + w] = colour if len(colour) == 4 else (*colour, 255)
    return img


def glyph(img: np.ndarray, x: int, y: int, shape: str, colour=(0, 0, 0)) -> np.ndarray:
    """A 12x16 stroke pattern: ``plus``, ``cross``, ``bar`` or ``ell``, 2-px strokes."""
    img = img.copy()
    c = (*colour, 255)
    if shape == "plus":
        img[y + 7:y + 9, x:x + 12] = c
        img[y:y + 16, x + 5:x + 7] = c
    elif shape == "cross":
        for i in range(12):
            img[y + 2 + i:y + 4 + i, x + i:x + i + 2] = c
            img[y + 2 + i:y + 4 + i, x + 10 - i:x + 12 - i] = c
    elif shape == "bar":
        img[y:y + 16, x + 5:x + 7] = c
    elif shape == "ell":
        img[y:y + 16, x:x + 2] = c
        img[y + 14:y + 16, x:x + 12] = c
    return img


def word(img: np.ndarray, shapes, colour=(0, 0, 0), x: int = 20, y: int = 30) -> np.ndarray:
    for i, s in enumerate(shapes):
        img = glyph(img, x + 16 * i, y, s, colour)
    return img


def regions_of(a: np.ndarray, b: np.ndarray, **kw):
    r = perceptdiff.compare(a, b, **kw)
    assert r.verdict == "fail", r.reason
    return r.regions


def only(a: np.ndarray, b: np.ndarray, **kw) -> Region:
    regs = regions_of(a, b, **kw)
    assert len(regs) == 1, [x.box for x in regs]
    return regs[0]


# ------------------------------------------------------------- one kind each ---

GREY = (120, 120, 120)
BOX = (40, 20, 80, 40)


@pytest.mark.parametrize("code, direction", [(150, "lighter"), (90, "darker")])
def test_a_fill_made_lighter_or_darker_is_lightness(code, direction):
    r = only(fill(page(), BOX, GREY), fill(page(), BOX, (code,) * 3))
    assert r.kind is L and r.kinds == (L,) and r.direction == direction
    assert r.kind_words == f"lightness changed ({direction})"


def test_swapping_the_images_flips_the_direction_only():
    a, b = fill(page(), BOX, GREY), fill(page(), BOX, (150,) * 3)
    ab, ba = only(a, b), only(b, a)
    assert (ab.kind, ab.direction) == (L, "lighter") and (ba.kind, ba.direction) == (L, "darker")


def test_a_hue_change_at_about_equal_lightness_is_colour():
    # L* 53 red vs L* 54 olive: ΔL* about 4, chroma-plane distance about 70
    r = only(fill(page(), BOX, (200, 80, 80)), fill(page(), BOX, (110, 140, 60)))
    assert r.kind is C and r.direction is None or r.kinds[0] is C
    assert r.kind_words == "colour changed"


def test_a_recoloured_word_is_colour_not_structure():
    r = only(word(page(), ["plus", "ell", "cross"]), word(page(), ["plus", "ell", "cross"], (0, 0, 220)))
    assert r.kind is C and S not in r.kinds


@pytest.mark.parametrize("before, after", [(["plus"], ["cross"]), ([], ["ell", "bar"]),
                                           (["plus", "bar"], [])])
def test_shapes_edited_appearing_or_vanishing_are_structure(before, after):
    r = only(word(page(), before), word(page(), after))
    assert r.kind is S
    assert r.kind_words == "structure changed"


def test_a_light_grey_glyph_appearing_is_structure():
    r = only(page(), word(page(), ["plus", "ell"], (200, 200, 200)))
    assert r.kind is S


def test_a_faint_stripe_made_darker_is_lightness_though_its_edge_grows():
    """A table stripe barely off white (ΔL* 2) drawn 30 codes darker: its shape was there already."""
    stripe = fill(page(), (0, 30, 160, 20), (248, 250, 252))
    a = word(stripe, ["plus", "ell", "bar"], x=10, y=32)
    b = word(fill(page(), (0, 30, 160, 20), (218, 220, 222)), ["plus", "ell", "bar"], x=10, y=32)
    r = only(a, b)
    assert (r.kind, r.direction) == (L, "darker")


def test_only_transparency_changed_is_alpha():
    clear = page(colour=(0, 0, 0, 0))
    r = only(fill(clear, BOX, (200, 30, 30, 255)), fill(clear, BOX, (200, 30, 30, 140)))
    assert r.kind is A and r.kinds[0] is A
    assert r.kind_words == "transparency changed"


def test_alpha_and_colour_changed_together_is_not_alpha_only():
    clear = page(colour=(0, 0, 0, 0))
    r = only(fill(clear, BOX, (200, 30, 30, 255)), fill(clear, BOX, (30, 30, 200, 140)))
    assert r.kind is not A and A in r.kinds


# ---------------------------------------------------- several kinds at once ---

def test_an_edited_and_recoloured_word_is_structure_first():
    """One glyph of three edited and the whole word recoloured: structure wins, colour is listed."""
    r = only(word(page(), ["plus", "ell", "bar"]), word(page(), ["plus", "cross", "bar"], (200, 0, 0)))
    assert r.kind is S and C in r.kinds and r.kinds.index(S) < r.kinds.index(C)


def test_darker_and_hue_shifted_fill_lists_both_larger_first():
    # grey 150 -> dark blue: ΔL* about -37, chroma-plane distance about 50
    r = only(fill(page(), BOX, (150, 150, 150)), fill(page(), BOX, (40, 40, 150)))
    assert set(r.kinds) >= {C, L} and r.direction == "darker"
    f_colour = r.kinds.index(C) < r.kinds.index(L)
    assert r.kind is (C if f_colour else L)


# ---------------------------------------------------------------- the rule ---

def figures(**kw) -> KindFigures:
    base = dict(pixels=100, mean_dl=0.0, lightness_agreement=1.0, mean_dab=0.0, structure=0.0,
                alpha_share=0.0, same_colour_share=0.0)
    base.update(kw)
    return KindFigures(**base)


def test_rule_order_alpha_then_structure_then_the_larger_appearance_term():
    assert classify(figures(mean_dl=5, mean_dab=2)) == ((L, C), "lighter")
    assert classify(figures(mean_dl=-2, mean_dab=5)) == ((C, L), "darker")
    assert classify(figures(mean_dl=-2, mean_dab=5, structure=0.5)) == ((S, C, L), "darker")
    assert classify(figures(mean_dl=9, structure=0.5, alpha_share=1, same_colour_share=1)) == (
        (A, S, L), "lighter")
    assert classify(figures(mean_dab=9, alpha_share=1, same_colour_share=0.2)) == ((C, A), None)


def test_rule_thresholds_are_inclusive_and_mixed_signs_are_not_lightness():
    assert classify(figures(mean_dl=region_kinds.LIGHTNESS_MIN))[0] == (L,)
    assert classify(figures(mean_dab=region_kinds.COLOUR_MIN))[0] == (C,)
    assert classify(figures(structure=region_kinds.STRUCTURE_MIN))[0] == (S,)
    mixed = figures(mean_dl=3, lightness_agreement=0.6, mean_dab=1.5)
    assert classify(mixed) == ((C,), None)


def test_rule_gives_a_kind_to_a_region_no_test_claims():
    kinds, _ = classify(figures(mean_dl=0.5, mean_dab=0.2, structure=0.01))
    assert kinds == (L,)
    kinds, _ = classify(figures(mean_dl=0.1, mean_dab=0.9, structure=0.01))
    assert kinds == (C,)


# ---------------------------------------------------------- bounds and bands ---

def test_bands_give_the_figures_of_one_pass(monkeypatch):
    a = word(fill(page(120, 200), (10, 10, 180, 100), (90, 140, 200)), ["plus", "ell", "bar"])
    b = word(fill(page(120, 200), (10, 10, 180, 100), (90, 140, 200)), ["plus", "cross", "bar"], (150, 0, 0))
    seen: list[KindFigures] = []
    real = region_kinds.classify

    def spy(f):
        seen.append(f)
        return real(f)

    monkeypatch.setattr(region_kinds, "classify", spy)
    whole = perceptdiff.compare(a, b).regions
    monkeypatch.setattr(region_kinds, "_BAND_PIXELS", 64 * 12)  # bands of a few rows
    banded = perceptdiff.compare(a, b).regions
    assert [r.kinds for r in whole] == [r.kinds for r in banded]
    one, many = seen[:len(whole)], seen[len(whole):]
    for f, g in zip(one, many):
        assert f.pixels == g.pixels
        assert g.mean_dl == pytest.approx(f.mean_dl, rel=1e-4)
        assert g.structure == pytest.approx(f.structure, rel=1e-4)


def test_regions_past_the_budget_keep_no_kind(monkeypatch):
    a = word(page(), ["plus"], x=10)
    b = word(page(), ["cross"], x=10)
    b = fill(b, (100, 10, 40, 40), (60, 60, 60))
    monkeypatch.setattr(region_kinds, "ANALYSIS_BUDGET_FRAMES", 0)
    monkeypatch.setattr(region_kinds, "_BAND_PIXELS", 30 * 30)
    regs = perceptdiff.compare(a, b).regions
    assert len(regs) == 2
    big = [r for r in regs if r.width == 40]
    assert big and big[0].kind is None and big[0].kinds == ()
    assert big[0].kind_words == "changed"


def test_the_yee_metric_gets_kinds_too():
    a, b = fill(page(), BOX, GREY), fill(page(), BOX, (200,) * 3)
    r = perceptdiff.compare(a, b, metric="yee")
    assert r.verdict == "fail" and r.regions[0].kind is L


# ------------------------------------------------------- forgiven anti-aliasing ---

def test_forgiven_regions_are_listed_apart_largest_first():
    forgiven = np.zeros((30, 60), bool)
    forgiven[2:4, 2:10] = True          # 16 px
    forgiven[20:22, 40:43] = True       # 6 px
    jnd = np.zeros((30, 60), np.float32)
    jnd[20, 40] = 2.0
    regs = region_kinds.forgiven_regions(forgiven, jnd, (5, 7), 40.0, 1.0, radius=2)
    assert [r.changed_pixels for r in regs] == [16, 6]
    assert [r.box for r in regs] == [(9, 7, 8, 2), (47, 25, 3, 2)]
    assert all(r.kind is RegionKind.ANTIALIASING and not r.failing for r in regs)
    assert regs[1].visible_pixels == 1 and regs[1].peak_jnd == 2.0 and regs[0].visible_pixels == 0
    assert region_kinds.forgiven_regions(None, jnd, (0, 0), 40.0, 1.0, 2) == ()


def test_a_one_pixel_shift_of_an_edge_is_forgiven_and_listed():
    a = fill(page(), (40, 20, 80, 40), (0, 0, 0))
    b = fill(page(), (41, 20, 80, 40), (0, 0, 0))
    r = perceptdiff.compare(a, b)
    assert r.passed and r.forgiven_pixels > 0
    assert r.forgiven_regions and r.forgiven_regions[0].kind is RegionKind.ANTIALIASING
    assert sum(x.changed_pixels for x in r.forgiven_regions) == r.forgiven_pixels


# ------------------------------------------------------------------- output ---

def test_describe_and_json_fields():
    r = only(word(page(), ["plus"]), word(page(), ["cross"]))
    line = r.describe(1)
    assert line == f"region 1 at x={r.x} y={r.y} {r.width}\u00d7{r.height}: structure changed, peak {r.peak_jnd:.1f} JND"
    d = r.to_dict()
    assert d["kind"] == "structure" and d["kinds"][0] == "structure" and d["direction"] in (None, "darker", "lighter")
    assert 0 < d["mean_jnd"] <= d["peak_jnd"]


def _font_word(text: str, colour=(0, 0, 0)) -> np.ndarray:
    from PIL import Image as PILImage, ImageDraw, ImageFont

    try:
        font = ImageFont.load_default(size=24)
    except (TypeError, OSError, ImportError):
        pytest.skip("Pillow without FreeType: no scalable built-in font")
    im = PILImage.new("RGBA", (200, 80), (255, 255, 255, 255))
    ImageDraw.Draw(im).text((20, 20), text, font=font, fill=(*colour, 255))
    return np.asarray(im)


def test_anti_aliased_text_one_letter_edited_and_the_word_recoloured_is_structure():
    """Pillow's anti-aliased font: "Hello" -> red "Hellp" (one letter of five edited): structure wins."""
    r = only(_font_word("Hello"), _font_word("Hellp", (200, 0, 0)))
    assert r.kind is S and C in r.kinds
    assert only(_font_word("Hello"), _font_word("Hello", (200, 0, 0))).kind is C

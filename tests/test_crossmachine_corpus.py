"""The cross-machine corpus (calibration/crossmachine): its labels, its layout check, and the verdicts
issue 9 asks for on a small subset rendered at test time by the real renderers.

The rendered subset is not committed: Chromium (Debian's, through Playwright),
poppler, MuPDF, librsvg and matplotlib with Cairo draw it into a temporary
folder; a test whose renderer is missing skips and says which.  Today's model
fails the jitter pairs, so exactly those assertions are ``xfail(strict=True)``:
the change that makes them pass must remove the marks.  The changed twins must
already fail.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "calibration" / "crossmachine"
sys.path.insert(0, str(CORPUS))

import border_defect  # noqa: E402
import contents_html  # noqa: E402
import contents_mpl  # noqa: E402
import layout  # noqa: E402
import plan  # noqa: E402

MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- labels
def test_manifest_lists_exactly_the_planned_pairs():
    planned = {p.id: p for p in plan.pairs()}
    listed = {e["id"]: e for e in MANIFEST["pairs"]}
    assert listed.keys() == planned.keys()
    for pid, e in listed.items():
        p = planned[pid]
        assert (e["a"]["setting"], e["b"]["setting"], e["change"], e["split"]) == \
            (p.a.setting, p.b.setting, p.change, p.split)
        assert e["label"] in MANIFEST["labels"]


def test_labels_follow_the_rules():
    for e in MANIFEST["pairs"]:
        if e["change"] is None:
            assert e["label"] in ("same", "borderline"), e["id"]
        else:
            assert e["label"] in ("changed", "borderline"), e["id"]
            base = next(b for b in MANIFEST["pairs"] if b["id"] == f"{e['content']}/{e['jitter']}/same")
            # a twin is scored exactly when its base pair is
            assert (e["label"] == "borderline") == (base["label"] == "borderline"), e["id"]


def test_corpus_shape_covers_every_kind_with_both_splits():
    scored = [e for e in MANIFEST["pairs"] if e["label"] != "borderline"]
    assert 150 <= len(scored) <= 400
    same = [e for e in scored if e["label"] == "same"]
    changed = [e for e in scored if e["label"] == "changed"]
    assert 0.35 <= len(same) / len(scored) <= 0.65
    issue_jitters = {"hint-none", "lcd-rgb", "lcd-bgr-light", "laptop", "subpixel-positioning",
                     "pdf-poppler-mupdf", "pdf-poppler-gs", "pdf-mupdf-gs", "svg-rsvg-chromium",
                     "mpl-agg-cairo", "mpl-3.8-current"}
    assert issue_jitters <= {e["jitter"] for e in same}
    assert {c.value for c in plan.ChangeKind} <= {e["change"] for e in changed}
    assert len({e["content"] for e in scored}) >= 8
    for label in ("same", "changed"):
        assert {e["split"] for e in scored if e["label"] == label} == {"fit", "holdout"}


def test_templates_do_not_straddle_the_split():
    by_template: dict[str, set[str]] = {}
    for e in MANIFEST["pairs"]:
        by_template.setdefault(e["template"], set()).add(e["split"])
    assert all(len(s) == 1 for s in by_template.values())


def test_colour_changes_are_at_least_5_delta_e00():
    from skimage.color import deltaE_ciede2000, rgb2lab

    def lab(hexcode: str) -> np.ndarray:
        rgb = np.array([int(hexcode[i:i + 2], 16) for i in (1, 3, 5)], float) / 255.0
        return rgb2lab(rgb[None, None])

    pairs = dict(contents_html.COLOUR_CHANGES)
    assert pairs["series"] == contents_mpl.SERIES and pairs["bars"] == contents_mpl.BARS
    for name, (a, b) in pairs.items():
        assert float(deltaE_ciede2000(lab(a), lab(b))[0, 0]) >= 5.0, name


def test_every_change_alters_its_source():
    for content in plan.CONTENTS.values():
        if content.family is plan.Family.HTML:
            base = contents_html.html_for(content.id)
            for change in content.changes:
                assert contents_html.html_for(content.id, change) != base, (content.id, change)


# --------------------------------------------------------------------------- layout check
def _page(h: int = 120, w: int = 160) -> np.ndarray:
    rng = np.random.default_rng(3)
    img = np.full((h, w, 3), 255, np.uint8)
    for _ in range(40):   # dark word-like blocks
        y, x = rng.integers(8, h - 16), rng.integers(8, w - 24)
        img[y:y + 6, x:x + rng.integers(6, 16)] = rng.integers(0, 120)
    return img


def test_layout_check_identity_and_known_shift():
    img = _page()
    same = layout.check(img, img)
    assert same.max_shift_px == 0 and same.unmatched_tiles == 0 and same.inked_tiles > 0
    moved = np.full_like(img, 255)
    moved[:, 3:] = img[:, :-3]
    shifted = layout.check(img, moved)
    assert shifted.max_shift_px == 3
    assert shifted.far_tiles >= 2


def test_layout_check_is_symmetric_in_its_verdict():
    img = _page()
    moved = np.full_like(img, 255)
    moved[4:, :] = img[:-4, :]
    assert layout.check(img, moved).max_shift_px == layout.check(moved, img).max_shift_px == 4


# --------------------------------------------------------------------------- border defect (item 4)
@pytest.mark.parametrize("case", list(border_defect.cases()))
def test_visibility_does_not_depend_on_position(case):
    """The same change at each corner, each edge and the centre scores within 10 % (issue 9 item 4)."""
    base, patch = border_defect.cases()[case]
    peaks = [v for v, _ in border_defect.peak_by_position(base, patch).values()]
    assert max(peaks) <= (1 + border_defect.POSITION_TOLERANCE) * min(peaks)


# --------------------------------------------------------------------------- rendered subset
def _missing(setting_ids: set[str]) -> str | None:
    renderers = {plan.SETTINGS[s].renderer for s in setting_ids}
    # The PDF documents of the subset (the invoice) are HTML printed to PDF by Chromium first.
    if renderers & {"chromium", "pdftoppm", "mutool", "gs"}:
        import render

        if not Path(render.CHROMIUM).exists():
            return f"chromium not found at {render.CHROMIUM}"
        if importlib.util.find_spec("playwright") is None:
            return "Playwright for Python missing (bash .ci/install-browser)"
    for tool, exe in (("pdftoppm", "pdftoppm"), ("mutool", "mutool"), ("gs", "gs"), ("rsvg", "rsvg-convert")):
        if tool in renderers and shutil.which(exe) is None:
            return f"{exe} not on PATH (bash .ci/install-renderers)"
    if "mpl" in renderers:
        if importlib.util.find_spec("matplotlib") is None:
            return "matplotlib missing"
        if any(plan.SETTINGS[s].mpl_backend == "cairo" for s in setting_ids) and \
                importlib.util.find_spec("cairocffi") is None and importlib.util.find_spec("cairo") is None:
            return "cairocffi missing (bash .ci/install-renderers)"
    return None


JITTER_FAILS_TODAY = pytest.mark.xfail(
    strict=True, reason="issue 9 item 2: today's model fails this cross-machine jitter pair "
                        "(same content, another rasteriser)")

#: (pair id, must pass?, mark).  One Chromium hinting pair, one PDF rasteriser
#: pair and one matplotlib backend pair, each with a changed twin; plus a pair
#: that passes today and must keep passing (Chromium without sub-pixel glyph
#: positioning, 0.4 JND) with its hardest twin (a 1-px light border removed,
#: 10.8 JND today).
SUBSET = [
    ("form-liberation-sans/hint-none/same", True, JITTER_FAILS_TODAY),
    ("form-liberation-sans/hint-none/word", False, None),
    ("pdf-invoice-liberation-sans/pdf-poppler-mupdf/same", True, JITTER_FAILS_TODAY),
    ("pdf-invoice-liberation-sans/pdf-poppler-mupdf/digit", False, None),
    ("mpl-bar-dejavu/mpl-agg-cairo/same", True, JITTER_FAILS_TODAY),
    ("mpl-bar-dejavu/mpl-agg-cairo/chart_line", False, None),
    ("form-liberation-sans/subpixel-positioning/same", True, None),
    ("form-liberation-sans/subpixel-positioning/border_removed", False, None),
    # LCD sub-pixel text vs greyscale: forgiven by perceptdiff.subpixel_text; its twins are not.
    ("form-liberation-sans/lcd-rgb/same", True, None),
    ("form-liberation-sans/lcd-rgb/digit", False, None),
    ("table-lato/lcd-bgr-light/same", True, None),
    ("table-lato/lcd-bgr-light/border_removed", False, None),
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Renders the subset whose renderers are present; returns (out dir, pair by id, skip reasons)."""
    import render

    by_id = {p.id: p for p in plan.pairs()}
    usable, why = [], {}
    for pid, _, _ in SUBSET:
        p = by_id[pid]
        reason = _missing({p.a.setting, p.b.setting})
        if reason:
            why[pid] = reason
        else:
            usable.append(p)
    out = tmp_path_factory.mktemp("crossmachine")
    if usable:
        render.render(usable, out, jobs=2, log=lambda *a: None)
    return out, by_id, why


@pytest.mark.slow
@pytest.mark.parametrize(
    "pair_id, must_pass",
    [pytest.param(pid, ok, marks=[m] if m else [], id=pid) for pid, ok, m in SUBSET])
def test_rendered_pair_verdict(rendered, pair_id, must_pass):
    import perceptdiff
    import render

    out, by_id, why = rendered
    if pair_id in why:
        pytest.skip(why[pair_id])
    entry = next(e for e in MANIFEST["pairs"] if e["id"] == pair_id)
    assert entry["label"] == ("same" if must_pass else "changed")
    p = by_id[pair_id]
    result = perceptdiff.compare(render.image_path(out, p.a), render.image_path(out, p.b))
    assert result.passed is must_pass, (
        f"{pair_id}: {result.verdict}, peak {result.peak_jnd} JND, {result.visible_pixels} px visible")

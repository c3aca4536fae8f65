"""The calibration corpus generator (calibration/make_corpus.py) and the
default metric on its clear-cut pairs.

Quick by construction: one seed, the cases flagged ``clear_cut`` (the corpus
has 216 pairs; ``python calibration/evaluate.py`` scores all of them).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import perceptdiff

REPO = Path(__file__).resolve().parents[1]
CAL = REPO / "calibration"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_cal_{name}", CAL / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while being built
    sys.path.insert(0, str(CAL))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(CAL))
    return mod


mc = _load("make_corpus")

CLEAR = mc.cases(clear_cut=True)


def _id(case) -> str:
    return f"{case.kind}/{case.name}"


def test_every_case_is_labelled_sanely():
    names = set()
    for c in mc.CASES:
        assert c.kind in mc.KINDS
        assert c.label in mc.LABELS
        assert c.change and c.basis
        assert (c.kind, c.name) not in names, "duplicate case"
        names.add((c.kind, c.name))
        if c.label == "borderline":
            assert not c.clear_cut
        if c.basis.startswith("by design"):
            assert c.label == "invisible" and not c.clear_cut
    for kind in mc.KINDS:
        labels = {c.label for c in mc.CASES if c.kind == kind}
        assert {"visible", "invisible", "borderline"} <= labels, kind
    # The clear-cut subset covers both labels of every kind.
    for kind in mc.KINDS:
        assert {c.label for c in CLEAR if c.kind == kind} == {"visible", "invisible"}, kind


def test_generator_is_deterministic_and_seeds_differ():
    case = mc.cases(["chart"], ["bar-10px-taller"])[0]
    a1, b1 = mc.make_pair(case, 0)
    a2, b2 = mc.make_pair(case, 0)
    assert np.array_equal(a1, a2) and np.array_equal(b1, b2)
    a3, _ = mc.make_pair(case, 1)
    assert not np.array_equal(a1, a3)


def test_noise_and_shift_changes_are_what_they_say():
    ui = mc.cases(["ui"], ["noise-pm1"])[0]
    a, b = mc.make_pair(ui, 0)
    d = b.astype(int) - a.astype(int)
    assert np.all(np.abs(d) == 1)  # every channel of every pixel, by exactly one code
    up = mc.cases(["photo"], ["uniform-plus1"])[0]
    a, b = mc.make_pair(up, 0)
    d = b.astype(int) - a.astype(int)
    assert np.all(d[a < 255] == 1) and np.all(d[a == 255] == 0)  # clipped at white


def test_colour_shift_hits_its_ciede2000_target():
    c = mc.shift_colour((120, 130, 140), 3.0, (0.0, 1.0, 0.5))
    assert mc.de00((120, 130, 140), c) == pytest.approx(3.0, abs=0.01)


def test_local_changes_stay_local():
    # A "moved 3 px" button changes only a small part of the window.
    case = mc.cases(["ui"], ["button-moved-3px"])[0]
    a, b = mc.make_pair(case, 0)
    changed = np.any(a != b, axis=-1)
    ys, xs = np.nonzero(changed)
    assert 0 < changed.sum() < 0.02 * changed.size
    assert ys.min() > a.shape[0] // 2  # the button sits at the bottom


def test_write_corpus_labels(tmp_path):
    sel = mc.cases(["ui"], ["icon-missing", "uniform-plus1"])
    meta = mc.write_corpus(str(tmp_path), seeds=(0,), selected=sel, quiet=True)
    on_disk = json.loads((tmp_path / "labels.json").read_text())
    assert on_disk["pairs"] == meta["pairs"]
    assert set(on_disk["pairs"]) == {"ui-icon-missing-s0", "ui-uniform-plus1-s0"}
    for name, entry in on_disk["pairs"].items():
        assert (tmp_path / entry["expected"]).is_file() and (tmp_path / entry["actual"]).is_file()
        assert entry["label"] in ("visible", "invisible") and entry["kind"] == "ui"
        assert not entry["identical_pixels"]


@pytest.mark.parametrize("case", CLEAR, ids=_id)
def test_default_metric_gets_clear_cut_pairs_right(case):
    a, b = mc.make_pair(case, 0)
    r = perceptdiff.compare(a, b)
    want_fail = case.label == "visible"
    assert (not r.passed) == want_fail, f"{case.change}: {r.summary()}"


@pytest.mark.xfail(strict=True, reason=(
    "known false fail of metric v1: thin lines moved 0.25 px are now forgiven (ink rule), but "
    "the ringed data markers (small 2-D multi-colour features) are neither in range nor "
    "ink-conserving and peak at ~4.4 JND; remove this mark when fixed"))
def test_subpixel_offset_of_a_chart_passes():
    case = mc.cases(["chart"], ["subpixel-0.25"])[0]
    a, b = mc.make_pair(case, 0)
    assert perceptdiff.compare(a, b).passed

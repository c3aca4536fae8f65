"""The option specification and what is derived from it: Options, the refusal of ignored options."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from perceptdiff import compare
from perceptdiff.errors import OptionError
from perceptdiff.metrics import get_metric
from perceptdiff.options import Options
from perceptdiff.optionspec import (
    COMMON, COMMON_OPTIONS, EXCLUSIVE_GROUPS, YEE_OPTIONS, Kind, defaults_of, refuse_unsupported)
from perceptdiff.preflight import check_options


def test_options_fields_are_the_specs_with_their_defaults() -> None:
    fields = {f.name: f for f in dataclasses.fields(Options) if f.name != "metric_options"}
    assert set(fields) == set(COMMON)
    for spec in COMMON_OPTIONS:
        assert fields[spec.name].default == spec.default, spec.name
    assert Options().to_dict()["antialiasing"] == COMMON["antialiasing"].default


def test_exclusive_groups() -> None:
    assert set(EXCLUSIVE_GROUPS) == {frozenset({"ppd", "viewing"}), frozenset({"max_pixels", "max_ratio", "max_changed_pixels", "max_area"}),
                                     frozenset({"resize", "pad"})}


BOUNDED = [s for s in COMMON_OPTIONS + YEE_OPTIONS if s.kind in (Kind.NUMBER, Kind.WHOLE)]


@pytest.mark.parametrize("spec", BOUNDED, ids=[s.name for s in BOUNDED])
def test_numbers_accept_their_bounds_and_refuse_beyond(spec) -> None:
    if spec.low is not None:
        if spec.low_open:
            with pytest.raises(OptionError, match=f"^{spec.name}: .*out of range"):
                spec.check(spec.low)
        else:
            assert spec.check(spec.low) == spec.low
        with pytest.raises(OptionError, match=f"^{spec.name}: "):
            spec.check(spec.low - 0.5)
    if spec.high is not None:
        assert spec.check(spec.high) == spec.high
        with pytest.raises(OptionError, match=f"^{spec.name}: .*out of range"):
            spec.check(spec.high * 1.01 + 0.01)
    for bad in ("wide", float("nan"), True):
        with pytest.raises(OptionError, match=f"^{spec.name}: "):
            spec.check(bad)


def test_whole_numbers_refuse_fractions_and_choices_refuse_other_words() -> None:
    with pytest.raises(OptionError, match="max_pixels: expected a whole number, got 1.5"):
        Options(max_pixels=1.5)
    assert Options(max_pixels=3.0).max_pixels == 3
    with pytest.raises(OptionError, match="antialiasing: 'fuzzy' is not one of box, pixelmatch, off"):
        Options(antialiasing="fuzzy")
    with pytest.raises(OptionError, match="viewing: 'cinema' is not one of desktop, laptop"):
        Options(viewing="cinema")
    with pytest.raises(OptionError, match="resize and pad cannot be combined"):
        Options(resize=True, pad=True)


def test_values_are_normalised() -> None:
    o = Options(ppd="60", background="#fff", ignore=["1,2,3,4", (5, 6, 7, 8)], resize=1)
    assert o.ppd == 60.0 and o.background == (255, 255, 255) and o.resize is True
    assert o.ignore == ((1, 2, 3, 4), (5, 6, 7, 8))
    assert o.pixels_per_degree == 60.0 and Options(viewing="phone").pixels_per_degree == 95.0


def test_text_forms() -> None:
    assert COMMON["ppd"].from_text("60") == 60.0
    assert COMMON["max_pixels"].from_text("12") == 12
    with pytest.raises(ValueError, match="'abc' is not a number"):
        COMMON["ppd"].from_text("abc")
    with pytest.raises(ValueError, match="'inf' is not a finite number"):
        COMMON["jnd_threshold"].from_text("inf")
    with pytest.raises(ValueError, match="'1.5' is not a whole number"):
        COMMON["max_pixels"].from_text("1.5")
    assert COMMON["resize"].from_text("yes") is True and COMMON["pad"].from_text("0") is False
    with pytest.raises(ValueError, match="true or false"):
        COMMON["pad"].from_text("maybe")
    assert COMMON["ignore"].from_text("0,0,5,5  1,1,2,2") == ("0,0,5,5", "1,1,2,2")


def test_help_shows_range_and_default() -> None:
    fov = next(s for s in YEE_OPTIONS if s.name == "fov")
    assert fov.help_text().endswith("(0.1..89.9; default 45)")
    assert COMMON["resize"].help_text() == COMMON["resize"].help  # a flag has no default to show
    assert COMMON["jnd_threshold"].range_text() == "> 0 and <= 1e+06"


# -- options a metric does not use -------------------------------------------------

def _pair() -> tuple[np.ndarray, np.ndarray]:
    a = np.full((16, 16, 3), 128, np.uint8)
    b = a.copy()
    b[4:8, 4:8] = 200
    return a, b


@pytest.mark.parametrize("option, value", [("antialiasing", "off"), ("background", "#ffffff"),
                                           ("viewing", "phone")])
def test_an_option_yee_ignores_is_refused_not_dropped(option: str, value: str) -> None:
    a, b = _pair()
    with pytest.raises(OptionError, match=f"^{option}: metric yee does not use this option"):
        compare(a, b, metric="yee", **{option: value})
    with pytest.raises(OptionError, match=f"^{option}: metric yee does not use"):
        check_options({"metric": "yee", option: value})
    # The same option is honoured by the default metric.
    compare(a, b, **{option: value})


def test_defaults_and_engine_options_pass_with_any_metric() -> None:
    a, b = _pair()
    # Left at their defaults, options a metric ignores are no trouble.
    assert compare(a, b, metric="yee", antialiasing="box").metric == "yee"
    check_options({"metric": "yee", "ignore": [(0, 0, 2, 2)], "resize": True, "jnd_threshold": 2})

    class Bare:
        name = "bare"
        supported_options: frozenset[str] = frozenset()

    # Options the engine applies itself are never refused.
    refuse_unsupported(Options(ignore=[(0, 0, 1, 1)], resize=True, jnd_threshold=3), Bare())
    with pytest.raises(OptionError, match="ppd, max_ratio: metric bare does not use these options"):
        refuse_unsupported(Options(ppd=50, max_ratio=0.1), Bare())


def test_every_metric_declares_the_options_it_honours() -> None:
    names = set(COMMON)
    for metric in ("perceptdiff", "yee"):
        supported = get_metric(metric).supported_options
        assert supported <= names, supported - names
    assert get_metric("perceptdiff").supported_options == names
    assert {"antialiasing", "background", "viewing"}.isdisjoint(get_metric("yee").supported_options)


# -- Yee's own options ----------------------------------------------------------------

def test_yee_defaults_come_from_its_option_specs() -> None:
    from perceptdiff.metrics import yee

    assert dict(yee.DEFAULTS) == defaults_of(YEE_OPTIONS)
    assert get_metric("yee").validate({}) == defaults_of(YEE_OPTIONS)


@pytest.mark.parametrize("spec", [s for s in YEE_OPTIONS if s.kind in (Kind.NUMBER, Kind.WHOLE)],
                         ids=lambda s: s.name)
def test_yee_enforces_the_declared_ranges(spec) -> None:
    metric = get_metric("yee")
    if spec.low is not None:
        if not spec.low_open:
            metric.validate({spec.name: spec.low})
        with pytest.raises(OptionError, match=spec.name):
            metric.validate({spec.name: spec.low - (0 if spec.low_open else 0.5)})
    if spec.high is not None:
        metric.validate({spec.name: spec.high})
        with pytest.raises(OptionError, match=spec.name):
            metric.validate({spec.name: math.nextafter(spec.high, math.inf) + 0.01})

"""The metric interface and registry (perceptdiff.metrics.registry)."""

from dataclasses import dataclass, fields, replace

import numpy as np
import pytest

import perceptdiff
from perceptdiff.errors import OptionError
from perceptdiff.metrics import ENGINE_OPTIONS, MetricOutput, get_metric, register_metric
from perceptdiff.metrics.registry import _REGISTRY
from perceptdiff.options import Options

from conftest import LINE, WHITE, flat, with_line

BUILT_IN = ("perceptdiff", "yee")


@pytest.fixture
def registry():
    """The registry, restored after the test."""
    saved = dict(_REGISTRY)
    yield _REGISTRY
    _REGISTRY.clear()
    _REGISTRY.update(saved)


@dataclass(frozen=True)
class Flat:
    """A toy metric: 2 JND wherever the pixels differ."""

    name: str = "flat"
    version: str = "0"
    color_managed: bool = True
    supported_options: frozenset = ENGINE_OPTIONS

    def validate(self, metric_options):
        return dict(metric_options)

    def pixels_per_degree(self, options, metric_options, width, height):
        return 10.0

    def compute(self, expected, actual, options, metric_options, ppd):
        jnd = np.any(expected.pixels != actual.pixels, axis=-1).astype(np.float32) * 2
        return MetricOutput(jnd=jnd)

    def verdict_rule(self, options, metric_options):
        return get_metric("perceptdiff").verdict_rule(options, {"strong_jnd": 4.0, "min_area_deg2": 1.0})


def test_built_in_metrics_are_listed_and_load_lazily():
    assert perceptdiff.metric_names()[:2] == BUILT_IN
    for name in BUILT_IN:
        m = get_metric(name)
        assert m.name == name and ENGINE_OPTIONS <= m.supported_options
    with pytest.raises(OptionError, match="unknown metric 'nope'"):
        get_metric("nope")


def test_a_registered_metric_runs_through_compare(registry):
    register_metric("flat", Flat())
    b = WHITE.copy()
    b[5, 5] = 0
    r = perceptdiff.compare(WHITE, b, metric="flat")
    assert r.metric == "flat" and r.pixels_per_degree == 10.0
    assert r.peak_jnd == 2.0 and r.visible_pixels == 1 and r.verdict == "pass"


def test_registration_checks_the_protocol(registry):
    class NoFlags:
        name, version = "x", "1"

        def validate(self, metric_options): ...
        def pixels_per_degree(self, *a): ...
        def compute(self, *a): ...
        def verdict_rule(self, *a): ...

    with pytest.raises(TypeError, match="lacks color_managed, supported_options"):
        register_metric("x", NoFlags())
    with pytest.raises(TypeError, match="names no option blur"):
        register_metric("x", replace(Flat(), supported_options=frozenset({"ppd", "blur"})))
    register_metric("lazy", "perceptdiff.options:Options")  # checked when first asked for
    with pytest.raises(TypeError, match="metric 'lazy' lacks"):
        get_metric("lazy")


# ---------------------------------------------------------------------------
# supported_options says what each metric really honours

#: A value other than the default for every Options field, and a pair on which it matters.
NON_DEFAULT = {
    "viewing": "retina",
    "ppd": 67.0,
    "jnd_threshold": 2.0,
    "max_pixels": 10 ** 6,
    "max_ratio": 0.9,
    "ignore": ((0, 0, 30, 30),),
    "background": (0, 0, 0),
    "antialiasing": "off",
}


def _pair_for(option: str) -> tuple[np.ndarray, np.ndarray]:
    if option == "background":  # an alpha change on black content
        a = np.dstack([flat(0, (64, 64)), np.full((64, 64), 255, np.uint8)])
        b = a.copy()
        b[20:40, 20:40, 3] = 60
        return a, b
    if option == "antialiasing":  # a line moved 1 px
        return LINE, with_line(WHITE, 101, 20, 220, 0)
    b = WHITE.copy()
    b[10:14, 10:14] = 120
    b[100:110, 100:140] = 200
    return WHITE, b


def _outcome(metric: str, option: str, **kwargs):
    a, b = _pair_for(option)
    try:
        r = perceptdiff.compare(a, b, metric=metric, **kwargs)
    except OptionError as exc:
        return ("refused", str(exc))
    return (r.verdict, r.visible_pixels, r.pixels_per_degree, r.jnd_map.tobytes())


@pytest.mark.parametrize("metric", BUILT_IN)
def test_an_option_outside_supported_options_changes_nothing(metric):
    m = get_metric(metric)
    assert set(NON_DEFAULT) | ENGINE_OPTIONS == {f.name for f in fields(Options)} - {"metric_options"}
    for option in sorted(set(NON_DEFAULT) - m.supported_options):
        got = _outcome(metric, option, **{option: NON_DEFAULT[option]})
        # Ignored, or refused by the metric itself; never a different answer.
        assert got[0] == "refused" or got == _outcome(metric, option), option


@pytest.mark.parametrize("metric", BUILT_IN)
def test_an_option_in_supported_options_changes_the_answer(metric):
    m = get_metric(metric)
    for option in sorted(set(NON_DEFAULT) & m.supported_options):
        got = _outcome(metric, option, **{option: NON_DEFAULT[option]})
        assert got[0] != "refused" and got != _outcome(metric, option), option


def test_yee_ignores_background_and_antialiasing():
    assert {"background", "antialiasing", "viewing"}.isdisjoint(get_metric("yee").supported_options)
    assert {"background", "antialiasing", "viewing"} <= get_metric("perceptdiff").supported_options

"""Registry of the metrics :func:`perceptdiff.compare` can run, by name.

A metric turns two same-size decoded images into a per-pixel visibility map
in JND units (a value above 1 is a visible difference) and says which verdict
rule applies.  Built-in metrics:

``perceptdiff``
    The default model (:mod:`perceptdiff.metric`): S-CIELAB colour term,
    CSF-calibrated multi-scale SSIM-style structure term, Minkowski pooling.
``yee``
    Yee's 2004 perceptual metric, compatible with perceptualdiff
    (:mod:`perceptdiff.yee`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Protocol

import numpy as np

from .errors import OptionError
from .image import Image
from .options import Options

__all__ = ["Metric", "MetricOutput", "VerdictRule", "get_metric", "register_metric", "metric_names"]


@dataclass(frozen=True)
class VerdictRule:
    """How a visibility map becomes a verdict.

    ``kind == "regions"``: FAIL if an 8-connected region of pixels above the
    JND threshold has a peak of at least ``strong_jnd`` times the threshold,
    or covers at least ``min_area_deg2`` square degrees; visible pixels within
    about ``2·cluster_deg`` degrees of each other form one region (see
    :mod:`perceptdiff.verdict`).  ``budget_label`` names a pixel budget in
    the verdict's reason in the metric's own terms (Yee: its threshold).  ``kind == "pixels"``: FAIL if more than
    ``max_pixels`` pixels are above the threshold (or more than ``max_ratio``
    of the frame).
    """

    kind: str = "regions"
    strong_jnd: float = 4.0
    min_area_deg2: float = 0.025
    max_pixels: int | None = None
    max_ratio: float | None = None
    cluster_deg: float = 0.05
    budget_label: str | None = None


@dataclass(frozen=True, eq=False)
class MetricOutput:
    """What a metric computed.

    Attributes
    ----------
    jnd : numpy.ndarray
        float32 visibility map over a box of the frame (JND units, >= 0).
    offset : (int, int)
        ``(y, x)`` of the box's top-left corner in the frame; outside the box
        the map is exactly 0.
    forgiven : numpy.ndarray or None
        Boolean map (same box) of pixels forgiven as anti-aliasing/jitter.
    changed : numpy.ndarray or None
        Boolean map (same box) of the pixels that differ after forgiveness;
        region boxes are drawn around them.
    details : mapping
        Metric-specific, JSON-ready figures for the result.
    """

    jnd: np.ndarray
    offset: tuple[int, int] = (0, 0)
    forgiven: np.ndarray | None = None
    changed: np.ndarray | None = None
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class Metric(Protocol):
    """Interface of a metric (a module or object with these members)."""

    name: str
    version: str

    def validate(self, metric_options: Mapping[str, Any]) -> dict[str, Any]:
        """Check the metric's own options, fill defaults; raise OptionError."""

    def pixels_per_degree(self, options: Options, metric_options: Mapping[str, Any],
                          width: int, height: int) -> float:
        """Viewing geometry for a frame of this size."""

    def compute(self, expected: Image, actual: Image, options: Options,
                metric_options: Mapping[str, Any], ppd: float) -> MetricOutput:
        """The visibility map of two same-size images."""

    def verdict_rule(self, options: Options, metric_options: Mapping[str, Any]) -> VerdictRule:
        """The rule that turns the map into a verdict."""


# name -> "module:attribute"; imported lazily so `perceptdiff --help` stays fast.
_REGISTRY: dict[str, str | Metric] = {
    "perceptdiff": "perceptdiff.metric:METRIC",
    "yee": "perceptdiff.yee:METRIC",
}


def register_metric(name: str, metric: Metric | str) -> None:
    """Make ``metric`` available as ``compare(..., metric=name)``."""
    _REGISTRY[name] = metric


def metric_names() -> tuple[str, ...]:
    """Names accepted by ``metric=``."""
    return tuple(_REGISTRY)


def get_metric(name: str) -> Metric:
    """The metric registered under ``name``; OptionError if there is none."""
    try:
        entry = _REGISTRY[name]
    except KeyError:
        raise OptionError(
            f"metric: unknown metric {name!r} (known: {', '.join(_REGISTRY)})"
        ) from None
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        entry = getattr(importlib.import_module(module), attr)
        _REGISTRY[name] = entry
    return entry

"""The interface of a metric and the registry of metrics by name.

A metric turns two same-size decoded images into a per-pixel visibility map
in JND units (a value above 1 is a visible difference) and says which verdict
rule applies.  :class:`Metric` lists everything the engine asks of one; the
registry holds the built-in metrics (imported on first use, so that
``perceptdiff --help`` stays fast) and those added by
:func:`register_metric`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from ..errors import OptionError
from ..options import Options
from ..optionspec import COMMON_OPTIONS

if TYPE_CHECKING:  # annotations only: listing the metrics (``--help``, ``--version``) needs no numpy
    import numpy as np

    from ..image import Image
    from ..verdict import VerdictRule

__all__ = ["Metric", "MetricOutput", "ENGINE_OPTIONS", "get_metric", "register_metric",
           "metric_names"]

#: Comparison options the engine applies itself, whatever the metric (the
#: ``engine`` flag of their specs): choosing it, bringing the two images into
#: one frame (``resize``, ``pad``, ``ignore``) and counting pixels above
#: ``jnd_threshold`` in the verdict.
ENGINE_OPTIONS = frozenset(s.name for s in COMMON_OPTIONS if s.engine)

#: Every comparison option (the fields of Options but ``metric_options``, a
#: metric's own): what a metric's ``supported_options`` is drawn from.
OPTION_NAMES = frozenset(s.name for s in COMMON_OPTIONS)


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
    complete : bool
        False when the metric stopped early at the engine's request (a
        verdict-only comparison that already fails): the map then covers only
        part of the differences.
    """

    jnd: np.ndarray
    offset: tuple[int, int] = (0, 0)
    forgiven: np.ndarray | None = None
    changed: np.ndarray | None = None
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    complete: bool = True


class Metric(Protocol):
    """Interface of a metric (a module or object with these members).

    Attributes
    ----------
    name : str
        The name it is registered under.
    version : str
        Changes whenever its verdicts may change.
    color_managed : bool
        True to decode inputs with their ICC profiles converted to sRGB;
        False for a model of a tool that compares the stored codes (Yee's).
    supported_options : frozenset of str
        The fields of :class:`~perceptdiff.options.Options` this metric
        honours, :data:`ENGINE_OPTIONS` included; a caller may refuse the
        others rather than let them be silently ignored.
    """

    name: str
    version: str
    color_managed: bool
    supported_options: frozenset[str]

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


_MEMBERS = ("name", "version", "color_managed", "supported_options",
            "validate", "pixels_per_degree", "compute", "verdict_rule")

# name -> "module:attribute" (imported on first use) or the metric itself.
_REGISTRY: dict[str, str | Metric] = {
    "perceptdiff": "perceptdiff.metrics.default:METRIC",
    "yee": "perceptdiff.metrics.yee:METRIC",
}


def _checked(name: str, metric: Any) -> Metric:
    """``metric`` if it has every member of :class:`Metric`; TypeError naming the missing ones."""
    missing = [m for m in _MEMBERS if not hasattr(metric, m)]
    if missing:
        raise TypeError(f"metric {name!r} lacks {', '.join(missing)} (see perceptdiff.metrics.Metric)")
    unknown = set(metric.supported_options) - OPTION_NAMES
    if unknown:
        raise TypeError(f"metric {name!r}: supported_options names no option "
                        f"{', '.join(sorted(unknown))}")
    return metric  # type: ignore[no-any-return]


def register_metric(name: str, metric: Metric | str) -> None:
    """Make ``metric`` available as ``compare(..., metric=name)``.

    ``metric`` is the metric itself or ``"module:attribute"``, imported when
    the metric is first asked for.  TypeError if it lacks a member of
    :class:`Metric`.
    """
    _REGISTRY[name] = metric if isinstance(metric, str) else _checked(name, metric)


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
        entry = _checked(name, getattr(importlib.import_module(module), attr))
        _REGISTRY[name] = entry
    return entry

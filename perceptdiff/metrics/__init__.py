"""The metrics :func:`perceptdiff.compare` can run, by name.

Built-in metrics:

``perceptdiff``
    The default model (:mod:`perceptdiff.metrics.default`): S-CIELAB colour
    term, CSF-calibrated multi-scale SSIM-style structure term, Minkowski
    pooling.
``yee``
    Yee's 2004 perceptual metric, compatible with perceptualdiff
    (:mod:`perceptdiff.metrics.yee`).

The interface every metric implements, and the registry, are in
:mod:`perceptdiff.metrics.registry`.
"""

from .registry import (
    ENGINE_OPTIONS,
    Metric,
    MetricOutput,
    get_metric,
    metric_names,
    register_metric,
)

__all__ = ["Metric", "MetricOutput", "ENGINE_OPTIONS", "get_metric", "register_metric",
           "metric_names"]

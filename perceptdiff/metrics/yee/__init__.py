"""Yee's 2004 perceptual metric, compatible with perceptualdiff (``metric="yee"``).

This is the model of Yee, *A Perceptual Metric for Production Testing*
(J. Graphics Tools 9(4):33-40, 2004) as the perceptualdiff 2.1 program
computes it, so that a team moving from ``perceptualdiff`` keeps its verdicts.
The steps (``docs/science.md`` §4) are:

1. optional down-sampling: ``down_sample`` halvings with a Mitchell-Netravali
   bicubic (B = C = 1/3) on the straight-alpha codes, as FreeImage's
   ``FreeImage_Rescale(FILTER_BICUBIC)`` does;
2. per pixel, linear values ``((c / full_scale) * (alpha / full_scale)) ** gamma``
   (a composite over black in gamma space), Adobe RGB (1998) to XYZ, CIELAB
   a* and b*, and luminance ``Y * luminance`` in cd/m²;
3. an eight-level full-resolution "Laplacian pyramid": each level is the
   previous one convolved with [0.05, 0.25, 0.4, 0.25, 0.05] in both
   directions, without decimation;
4. the adaptation luminance from the level whose 2^i pixels first exceed one
   degree of view, the Ward Larson (1997) threshold-versus-intensity function,
   a Barten-style contrast sensitivity function (Barten 1989) weighting the
   band contrasts and Daly's (1993) masking function, giving an elevation
   ``factor`` in [1, 10];
5. a pixel fails if ``|ΔL| > factor · TVI(adapt)`` or, unless
   ``luminance_only``, if ``(Δa*² + Δb*²) · color_factor > factor`` (the colour
   test is off where the adaptation luminance is below 10 cd/m²);
6. the verdict: FAIL iff at least ``threshold`` pixels fail.

The visibility map this metric returns is
``J = max(|ΔL| / (factor · TVI), (Δa*² + Δb*²) · scale / factor)``, adjusted
by at most one float32 step so that ``J > 1`` holds exactly at the pixels
perceptualdiff counts as failed.  J is 0 wherever the two images have equal
pixels, so the work is confined to the bounding box of the differences grown
by the pyramid's reach (14 px), and done in horizontal slabs to bound memory.

Channel order: perceptualdiff unpacks its pixels as R = bits 0-7 while its
image library stores BGRA on little-endian machines, so the binary reads blue
as red.  The default here computes in true RGB order; ``channel_order="bgr"``
reproduces the binary's pixel counts.

Everything is computed in float64 (in float32 the asymmetric borders of the
pyramid decide single pixels; see ``docs/science.md`` §4.6).

Modules: :mod:`~perceptdiff.metrics.yee.vision` (TVI, CSF, masking, viewing
geometry), :mod:`~perceptdiff.metrics.yee.freeimage` (down-sampling),
:mod:`~perceptdiff.metrics.yee.model` (linear values, pyramid, the per-pixel
tests) and :mod:`~perceptdiff.metrics.yee.metric` (options, verdict rule, the
:class:`~perceptdiff.metrics.Metric` object).
"""

from .freeimage import down_sample, mitchell_netravali, rescale_bicubic
from .metric import DEFAULTS, METRIC, YeeMetric
from .model import PYRAMID_KERNEL, YeeMaps, linearize, pyramid_step, yee_model
from .vision import (adaptation_level, band_frequencies, csf, daly_mask, degree_pixels,
                     frequency_weights, tvi)

__all__ = [
    "METRIC",
    "YeeMetric",
    "DEFAULTS",
    "tvi",
    "csf",
    "daly_mask",
    "degree_pixels",
    "adaptation_level",
    "band_frequencies",
    "frequency_weights",
    "pyramid_step",
    "PYRAMID_KERNEL",
    "mitchell_netravali",
    "rescale_bicubic",
    "down_sample",
    "linearize",
    "yee_model",
    "YeeMaps",
]

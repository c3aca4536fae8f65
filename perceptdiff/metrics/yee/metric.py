"""Yee's metric as a :class:`perceptdiff.metrics.Metric`: options, geometry, verdict.

The model itself is in :mod:`perceptdiff.metrics.yee.model`; this module
checks perceptualdiff's options, sets the viewing geometry and the verdict
rule, and runs the model over horizontal slabs of the differences' box.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from numpy.typing import NDArray

from ...errors import OptionError
from ...filters import support_box
from ...image import Image, full_scale
from ...options import Options, parse_number
from ...optionspec import YEE_OPTIONS, defaults_of
from ...resample import match_dtypes
from ...verdict import VerdictRule
from ..registry import ENGINE_OPTIONS, MetricOutput
from .freeimage import down_sample
from .model import PYRAMID_REACH, YeeMaps, _gamma_lut, linearize, yee_model
from .vision import adaptation_level, degree_pixels

__all__ = ["METRIC", "YeeMetric", "DEFAULTS"]

#: perceptualdiff's defaults (``compare_args.cpp``), plus ``channel_order``;
#: declared with the options' help and ranges in :data:`perceptdiff.optionspec.YEE_OPTIONS`.
DEFAULTS: Mapping[str, Any] = defaults_of(YEE_OPTIONS)

#: Rows computed at once (plus the pyramid's reach above and below): bounds
#: the float64 working memory (about 60 planes of the slab).
_SLAB_ROWS = 256



_num = parse_number


def _whole(name: str, value: Any) -> int:
    v = _num(name, value)
    if v != int(v):
        raise OptionError(f"{name}: expected a whole number, got {value!r}")
    return int(v)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise OptionError(f"{name}: expected true or false, got {value!r}")


class YeeMetric:
    """Yee (2004) / perceptualdiff 2.1 as a :class:`perceptdiff.metrics.Metric`."""

    name = "yee"
    version = "yee-2004/pdiff-2.1-compat 1"
    #: perceptualdiff reads the stored codes and ignores embedded ICC profiles
    #: (FreeImage does not apply them): a loader that converts profiles to sRGB
    #: changes its pixel counts (fish2.png: 22728 -> 5149).  The engine
    #: decodes without colour management for this metric.
    color_managed = False
    #: The viewing geometry comes from ``fov`` or ``ppd`` (not a preset); the
    #: budget replaces the threshold.  The model composites over black in gamma
    #: space and has no anti-aliasing forgiveness, so ``background`` and
    #: ``antialiasing`` do nothing here.
    supported_options = ENGINE_OPTIONS | {"ppd", "max_pixels", "max_ratio"}

    def validate(self, metric_options: Mapping[str, Any]) -> dict[str, Any]:
        """Check perceptualdiff's options and fill in its defaults.

        Raises
        ------
        OptionError
            For an unknown option, a value that is not a number, or one out of
            range: fov outside [0.1, 89.9], threshold < 0, down_sample < 0,
            gamma <= 0, luminance <= 0, color_factor outside [0, 1],
            channel_order other than rgb/bgr.
        """
        unknown = sorted(set(metric_options) - set(DEFAULTS))
        if unknown:
            raise OptionError(
                f"{', '.join(unknown)}: not an option of metric yee "
                f"(its options: {', '.join(DEFAULTS)})")
        out = dict(DEFAULTS)
        for key, value in metric_options.items():
            if value is None:
                continue
            out[key] = value
        fov = _num("fov", out["fov"])
        if not 0.1 <= fov <= 89.9:
            raise OptionError(f"fov: {out['fov']!r} is out of range (must be 0.1 to 89.9 degrees)")
        threshold = _whole("threshold", out["threshold"])
        if threshold < 0:
            raise OptionError(f"threshold: {out['threshold']!r} is negative (a number of pixels, >= 0)")
        gamma = _num("gamma", out["gamma"])
        if gamma <= 0:
            raise OptionError(f"gamma: {out['gamma']!r} is out of range (must be > 0)")
        luminance = _num("luminance", out["luminance"])
        if luminance <= 0:
            raise OptionError(f"luminance: {out['luminance']!r} is out of range (must be > 0 cd/m²)")
        color_factor = _num("color_factor", out["color_factor"])
        if not 0.0 <= color_factor <= 1.0:
            raise OptionError(
                f"color_factor: {out['color_factor']!r} is out of range (must be 0 to 1)")
        steps = _whole("down_sample", out["down_sample"])
        if steps < 0:
            raise OptionError(f"down_sample: {out['down_sample']!r} is negative (must be >= 0)")
        order = out["channel_order"]
        if not isinstance(order, str) or order.lower() not in ("rgb", "bgr"):
            raise OptionError(f"channel_order: {order!r} is not rgb or bgr")
        return {
            "fov": fov, "threshold": threshold, "gamma": gamma, "luminance": luminance,
            "luminance_only": _flag("luminance_only", out["luminance_only"]),
            "color_factor": color_factor, "down_sample": steps,
            "sum_errors": _flag("sum_errors", out["sum_errors"]),
            "channel_order": order.lower(),
        }

    def pixels_per_degree(self, options: Options, metric_options: Mapping[str, Any],
                          width: int, height: int) -> float:
        """perceptualdiff's viewing geometry: the image width spans ``fov`` degrees.

        ``ppd = width / degree_pixels(fov)`` (40.45 for a 1920-px image at 45°).
        An explicit ``ppd`` in the common options replaces ``fov`` (the model
        then uses ``degree_pixels = width / ppd``); giving both is an error, and
        so is a viewing preset, which this model cannot honour.
        """
        if options.ppd is not None:
            if "fov" in options.metric_options and options.metric_options["fov"] is not None:
                raise OptionError("ppd and fov both set the viewing geometry of metric yee: give one")
            return float(options.ppd)
        if options.viewing != Options.viewing:
            raise OptionError(
                f"viewing: metric yee takes its geometry from fov (or ppd), not a viewing "
                f"preset ({options.viewing!r})")
        return width / degree_pixels(float(metric_options["fov"]))

    def verdict_rule(self, options: Options, metric_options: Mapping[str, Any]) -> VerdictRule:
        """FAIL iff at least ``threshold`` pixels fail, as perceptualdiff.

        The engine fails when more than ``max_pixels`` pixels are above the
        threshold, so ``max_pixels = threshold - 1`` (``threshold`` 0 gives -1:
        every compared pair that is not identical fails, as in perceptualdiff).
        After ``down_sample`` halvings each model pixel covers 4^N frame pixels,
        so the budget scales by 4^N.  A budget given in the common options
        (``max_pixels``/``max_ratio``) replaces the threshold.
        """
        if options.has_budget:
            return VerdictRule(kind="pixels", max_pixels=options.max_pixels,
                               max_ratio=options.max_ratio)
        block = 4 ** int(metric_options["down_sample"])
        threshold = int(metric_options["threshold"])
        label = f"perceptualdiff's threshold (FAIL at {threshold} px or more)"
        if block > 1:
            label = (f"perceptualdiff's threshold (FAIL at {threshold} down-sampled px or more, "
                     f"{threshold * block} px of this frame)")
        return VerdictRule(kind="pixels", max_pixels=threshold * block - 1, budget_label=label)

    def compute(self, expected: Image, actual: Image, options: Options,
                metric_options: Mapping[str, Any], ppd: float) -> MetricOutput:
        """perceptualdiff's test on two same-size images; see the module docstring."""
        mo = metric_options
        expected, actual = match_dtypes(expected, actual)
        a = np.asarray(expected.pixels)
        b = np.asarray(actual.pixels)
        height, width = a.shape[:2]
        n = width / ppd
        steps_asked = int(mo["down_sample"])
        if steps_asked:
            a, b, steps = down_sample(a, b, steps_asked)
            if steps < steps_asked:
                raise OptionError(
                    f"down_sample: {steps_asked} halvings would shrink the {width}x{height} "
                    f"images below 2 px (at most {steps} here)")
        else:
            steps = 0
        h, w = a.shape[:2]
        model_ppd = w / n
        details: dict[str, Any] = {
            "failed_pixels": 0,
            "threshold": int(mo["threshold"]),
            "channel_order": mo["channel_order"],
            "adaptation_level": adaptation_level(n),
            "model_size": [w, h],
            "model_pixels_per_degree": model_ppd,
        }
        box = support_box(np.any(a != b, axis=2), PYRAMID_REACH)
        if box is None:
            jnd = np.zeros((0, 0), dtype=np.float32)
            error_sum = 0.0
            failed_count = 0
            y0 = x0 = 0
        else:
            y0, y1, x0, x1 = box
            maps = _model(a[y0:y1, x0:x1], b[y0:y1, x0:x1], gamma=float(mo["gamma"]),
                          bgr=mo["channel_order"] == "bgr", ppd=model_ppd, n=n,
                          luminance=float(mo["luminance"]),
                          luminance_only=bool(mo["luminance_only"]),
                          color_factor=float(mo["color_factor"]))
            jnd = maps.jnd
            error_sum = maps.error_sum
            failed_count = int(np.count_nonzero(maps.failed))
        details["failed_pixels"] = failed_count
        if mo["sum_errors"]:
            details["sum_errors"] = error_sum
            # perceptualdiff divides by 8-bit full scale, whatever the depth.
            details["sum_errors_normalized"] = error_sum / (w * h * full_scale(np.uint8))
        if steps:
            jnd, (y0, x0) = _to_frame(jnd, (y0, x0), steps, (h, w), (height, width))
        return MetricOutput(jnd=jnd, offset=(y0, x0), details=details)


def _model(a: NDArray[Any], b: NDArray[Any], *, gamma: float, bgr: bool, **model: Any) -> YeeMaps:
    """:func:`yee_model` over horizontal slabs, each with the pyramid's reach as halo."""
    h = a.shape[0]
    lut = _gamma_lut(gamma) if a.dtype == np.uint8 else None
    jnd = np.empty(a.shape[:2], dtype=np.float32)
    failed = np.empty(a.shape[:2], dtype=bool)
    error_sum = 0.0
    for r0 in range(0, h, _SLAB_ROWS):
        r1 = min(h, r0 + _SLAB_ROWS)
        s0 = max(0, r0 - PYRAMID_REACH)
        s1 = min(h, r1 + PYRAMID_REACH)
        out = yee_model(linearize(a[s0:s1], gamma, bgr=bgr, lut=lut),
                        linearize(b[s0:s1], gamma, bgr=bgr, lut=lut),
                        rows=(r0 - s0, r1 - s0), **model)
        jnd[r0:r1] = out.jnd
        failed[r0:r1] = out.failed
        error_sum += out.error_sum
    return YeeMaps(jnd, failed, error_sum)


def _to_frame(jnd: NDArray[np.float32], offset: tuple[int, int], steps: int,
              model_shape: tuple[int, int], frame_shape: tuple[int, int]
              ) -> tuple[NDArray[np.float32], tuple[int, int]]:
    """Map a down-sampled model's visibility back onto the frame.

    Each model pixel becomes a ``2^N × 2^N`` block, so exactly ``4^N`` frame
    pixels are above 1 per failing model pixel (the verdict budget scales by
    the same factor).  The strip of fewer than ``2^N`` rows/columns left over
    at the bottom and right of odd-sized frames repeats the edge values
    capped at 1, so it shows the difference without being counted.
    """
    s = 1 << steps
    h, w = model_shape
    height, width = frame_shape
    y0, x0 = offset
    up = np.repeat(np.repeat(jnd, s, axis=0), s, axis=1)
    if jnd.size and y0 + jnd.shape[0] == h and height > h * s:
        extra = np.minimum(np.repeat(up[-1:], height - h * s, axis=0), np.float32(1.0))
        up = np.concatenate([up, extra], axis=0)
    if jnd.size and x0 + jnd.shape[1] == w and width > w * s:
        extra = np.minimum(np.repeat(up[:, -1:], width - w * s, axis=1), np.float32(1.0))
        up = np.concatenate([up, extra], axis=1)
    return np.ascontiguousarray(up), (y0 * s, x0 * s)


#: The metric object registered as ``"yee"`` in :mod:`perceptdiff.metrics`.
METRIC = YeeMetric()

"""The psychophysics of Yee's model: TVI, CSF, masking, viewing geometry.

Each function is perceptualdiff 2.1's (``metric.cpp``) in float64; see
``docs/science.md`` §4 for the steps that use them.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ...csf import BARTEN_PEAK_CPD, barten_ab

__all__ = ["LEVELS", "CSF_REFERENCE_LUMINANCE", "tvi", "csf", "daly_mask", "degree_pixels",
           "adaptation_level", "band_frequencies", "frequency_weights"]

#: Number of pyramid levels (perceptualdiff's ``MAX_PYR_LEVELS``).
LEVELS = 8
#: Luminance (cd/m²) at which the band weights are taken; the CSF peaks at
#: :data:`perceptdiff.csf.BARTEN_PEAK_CPD` there.
CSF_REFERENCE_LUMINANCE = 100.0



def tvi(adaptation_luminance: ArrayLike) -> NDArray[np.float64]:
    """Threshold-versus-intensity: the just-visible luminance step (cd/m²).

    Piecewise fit of Ward Larson, Rushmeier & Piatko, *A Visibility Matching
    Tone Reproduction Operator for High Dynamic Range Scenes*, IEEE TVCG 3(4),
    1997, as used by Yee (2004).  With ``x = log10(La)`` the threshold is
    ``10 ** r`` where ``r`` is -2.86 for x < -3.94, ``(0.405x + 1.6)^2.18 - 2.86``
    for x < -1.44, ``x - 0.395`` for x < -0.0184, ``(0.249x + 0.65)^2.7 - 0.72``
    for x < 1.9 and ``x - 1.255`` above.

    Parameters
    ----------
    adaptation_luminance : array_like
        Adaptation luminance La in cd/m² (> 0).

    Returns
    -------
    numpy.ndarray
        float64 threshold luminance in cd/m², same shape.
    """
    x = np.log10(np.asarray(adaptation_luminance, dtype=np.float64))
    r = np.where(
        x < -3.94, -2.86,
        np.where(
            x < -1.44, np.power(np.maximum(0.405 * x + 1.6, 0.0), 2.18) - 2.86,
            np.where(
                x < -0.0184, x - 0.395,
                np.where(x < 1.9, np.power(np.maximum(0.249 * x + 0.65, 0.0), 2.7) - 0.72,
                         x - 1.255),
            ),
        ),
    )
    return np.power(10.0, r)


def csf(cpd: ArrayLike, luminance: ArrayLike) -> NDArray[np.float64]:
    """Contrast sensitivity at ``cpd`` cycles/degree and ``luminance`` cd/m².

    Barten's simplified form (P. Barten, *The SQRI Method*, Proc. SPIE 1077,
    1989) with the field-size term folded into the constant, as in Yee (2004):
    ``S = a·f·exp(-b·f)·sqrt(1 + 0.06·exp(b·f))`` with
    ``a = 440·(1 + 0.7/L)^-0.2`` and ``b = 0.3·(1 + 100/L)^0.15``.
    It peaks near 3.248 cycles/degree at 100 cd/m² (S = 525.15).

    Parameters
    ----------
    cpd, luminance : array_like
        Spatial frequency (cycles per degree) and adaptation luminance
        (cd/m², > 0); broadcast together.

    Returns
    -------
    numpy.ndarray
        float64 sensitivity (reciprocal of the threshold contrast).
    """
    f = np.asarray(cpd, dtype=np.float64)
    a, b = barten_ab(np.asarray(luminance, dtype=np.float64))
    e = np.exp(b * f)
    return a * f / e * np.sqrt(1.0 + 0.06 * e)


#: ``expf`` overflows to inf above this argument (ln FLT_MAX) ...
_EXPF_OVERFLOW = 88.72283935546875
#: ... and ``expf(-x)`` underflows to 0 above this one (ln of half the
#: smallest float32 denormal), where perceptualdiff's CSF becomes 0 * inf.
_EXPF_UNDERFLOW = 103.97207708399179


def _csf_single(cpd: ArrayLike, a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """:func:`csf` from its ``a``, ``b`` terms, with perceptualdiff's float32 overflow.

    perceptualdiff evaluates ``a·f·expf(-b·f)·sqrtf(1 + 0.06·expf(b·f))`` in
    single precision: once ``b·f`` exceeds 88.72 the second ``expf`` is inf and
    the sensitivity is inf, and beyond 103.97 the first one is 0 and the
    sensitivity is NaN.  Downstream this makes the masking factor NaN, and a
    pixel with a NaN factor never fails.  This happens only at very high
    frequencies (fields of view below about 0.6° for a 320-px image, or
    near-black areas of 4K images); reproducing it keeps the verdicts.
    """
    f = np.asarray(cpd, dtype=np.float64)
    x = b * f
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.minimum(x, _EXPF_OVERFLOW))
        s = a * f / e * np.sqrt(1.0 + 0.06 * e)
    s = np.where(x > _EXPF_OVERFLOW, np.where(x > _EXPF_UNDERFLOW, np.nan, np.inf), s)
    return s


def daly_mask(contrast: ArrayLike) -> NDArray[np.float64]:
    """Visual masking elevation of Daly's VDP (S. Daly, 1993).

    ``(1 + (0.0153·(392.498·x)^0.7)^4)^(1/4)`` for a contrast ``x`` already
    weighted by the CSF; it behaves like ``max(1, x^0.7)``.

    Parameters
    ----------
    contrast : array_like
        Non-negative CSF-weighted contrast.

    Returns
    -------
    numpy.ndarray
        float64 threshold elevation (>= 1).
    """
    x = np.asarray(contrast, dtype=np.float64)
    a = 0.0153 * np.power(392.498 * x, 0.7)
    a2 = a * a
    return np.sqrt(np.sqrt(1.0 + a2 * a2))


def degree_pixels(fov: float) -> float:
    """perceptualdiff's ``num_one_degree_pixels``: ``(180/π)·2·tan(fov/2)``.

    Despite the name this is the image width in units of the viewing
    distance, expressed in degrees; the image's pixels per degree is
    ``width / degree_pixels(fov)`` (47.465 at the default 45°).
    """
    return math.degrees(2.0 * math.tan(math.radians(fov) / 2.0))


def adaptation_level(n: float) -> int:
    """Pyramid level of the adaptation luminance: the smallest i with 2^i > n, at most 7.

    ``n`` is :func:`degree_pixels` (45° -> 6, 10° -> 4, 30° -> 5, >= 60° -> 7).
    """
    for i in range(LEVELS):
        if 2.0 ** i > n:
            return i
    return LEVELS - 1


def band_frequencies(ppd: float) -> NDArray[np.float64]:
    """Centre frequency (cycles/degree) of each pyramid level: ppd/2, ppd/4, ..."""
    return 0.5 * ppd / 2.0 ** np.arange(LEVELS, dtype=np.float64)


def frequency_weights(ppd: float) -> NDArray[np.float64]:
    """``S(3.248, 100) / S(cpd_i, 100)`` for the six contrast bands i = 0..5.

    The band sensitivities overflow as perceptualdiff's single-precision ones
    do (:func:`_csf_single`): a weight is 0 (S = inf) or NaN at frequencies
    too high for ``expf``.
    """
    ref_a, ref_b = barten_ab(np.asarray(CSF_REFERENCE_LUMINANCE, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return csf(BARTEN_PEAK_CPD, CSF_REFERENCE_LUMINANCE) / _csf_single(
            band_frequencies(ppd)[: LEVELS - 2], ref_a, ref_b)


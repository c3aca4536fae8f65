"""Contrast sensitivity: how much contrast the eye needs to see a pattern.

Two families are used:

* :func:`barten_pdiff` — the contrast sensitivity function of Barten (1989,
  simplified form) as parameterised in Yee's perceptualdiff (``metric.cpp``):
  ``S(f, L) = a·f·exp(−b·f)·sqrt(1 + 0.06·exp(b·f))`` with
  ``a = 440·(1 + 0.7/L)^−0.2`` and ``b = 0.3·(1 + 100/L)^0.15``; ``f`` in
  cycles per degree, ``L`` the adaptation luminance in cd/m².  It peaks near
  3.25 cpd with S ≈ 525 at 100 cd/m².
* :data:`SCIELAB_KERNELS` — the spatial filters of S-CIELAB (Zhang & Wandell
  1996/97) for the opponent channels O1 (luminance), O2 (red–green) and O3
  (blue–yellow): sums of Gaussians ``Σ wᵢ·Eᵢ`` with unit-sum ``Eᵢ ∝
  exp(−(x² + y²)/sᵢ²)`` and ``sᵢ`` = spread (degrees) × ppd, i.e. standard
  deviation ``sᵢ/√2``.  The wide negative 4.3° luminance lobe is dropped and
  each channel's weights are renormalised to 1 (``docs/science.md`` §3, §7.5).
* :data:`FLIP_KERNELS` — FLIP's YyCxCz filters (Andersson et al. 2020), whose
  frequency response ``a·exp(−b·f²)`` is a Gaussian of std ``sqrt(b/(2π²))`` degrees.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["barten_pdiff", "barten_ab", "SCIELAB_KERNELS", "FLIP_KERNELS", "kernel_sigmas_px",
           "BARTEN_PEAK_CPD"]

#: Frequency (cycles/degree) at which :func:`barten_pdiff` peaks at 100 cd/m²
#: (S = 525.15, measured); Yee's model weights its bands relative to this peak.
BARTEN_PEAK_CPD = 3.248


def barten_pdiff(f: np.ndarray | float, luminance: np.ndarray | float,
                 dtype: type = np.float64) -> np.ndarray:
    """Contrast sensitivity (1/threshold contrast) at ``f`` cpd and ``luminance`` cd/m².

    Barten's 1989 simplified CSF with the constants of Yee (2004) /
    perceptualdiff's ``csf()``.  Vectorised over both arguments; computed in
    ``dtype``.
    """
    f = np.asarray(f, dtype=dtype)
    a, b = barten_ab(np.asarray(luminance, dtype=dtype))
    return a * f * np.exp(-b * f) * np.sqrt(1.0 + 0.06 * np.exp(b * f))


def barten_ab(luminance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The luminance-dependent terms of :func:`barten_pdiff`, in the dtype of ``luminance``.

    ``a = 440·(1 + 0.7/L)^−0.2`` (peak sensitivity; Barten's 540 with the
    field-size term folded in, as in Yee 2004) and ``b = 0.3·(1 + 100/L)^0.15``
    (the exponential fall-off at high frequencies).
    """
    a = 440.0 * (1.0 + 0.7 / luminance) ** -0.2
    b = 0.3 * (1.0 + 100.0 / luminance) ** 0.15
    return a, b


def _normalise(lobes: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    total = sum(w for w, _ in lobes)
    return tuple((w / total, s) for w, s in lobes)


#: S-CIELAB lobes per opponent channel: (weight, spread in degrees); the
#: 4.336° negative luminance lobe is omitted and the weights renormalised.
SCIELAB_KERNELS: dict[str, tuple[tuple[float, float], ...]] = {
    "O1": _normalise(((0.921, 0.0283), (0.105, 0.133))),
    "O2": _normalise(((0.531, 0.0392), (0.330, 0.494))),
    "O3": _normalise(((0.488, 0.0536), (0.371, 0.386))),
}


def _flip_lobe(a: float, b: float) -> tuple[float, float]:
    # Spatial kernel a·sqrt(π/b)·exp(−π²x²/b): weight a·sqrt(π/b), std sqrt(b/(2π²)) deg.
    # Express it like S-CIELAB's (weight, spread) with spread = std·√2.
    return (a * math.sqrt(math.pi / b), math.sqrt(b / (2 * math.pi ** 2)) * math.sqrt(2))


#: FLIP's YyCxCz filters (``FLIP.h`` GaussianConstants) in the same
#: (weight, spread°) form, weights normalised per channel.
FLIP_KERNELS: dict[str, tuple[tuple[float, float], ...]] = {
    "O1": _normalise((_flip_lobe(1.0, 0.0047),)),
    "O2": _normalise((_flip_lobe(1.0, 0.0053),)),
    "O3": _normalise((_flip_lobe(34.1, 0.04), _flip_lobe(13.5, 0.025))),
}


def kernel_sigmas_px(lobes: tuple[tuple[float, float], ...], ppd: float) -> list[tuple[float, float]]:
    """(weight, Gaussian standard deviation in pixels) of each lobe at ``ppd``."""
    return [(w, s * ppd / math.sqrt(2.0)) for w, s in lobes]

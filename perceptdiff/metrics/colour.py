"""The default metric's colour term: S-CIELAB filtering and CIEDE2000 in JND units.

Linear RGB → XYZ → Poirson–Wandell opponent channels, each blurred by its
contrast-sensitivity lobes, back to RGB (clamped), CIELAB, then CIEDE2000 in
units of the colour JND (``docs/science.md`` §7, step 4).

References
----------
X. Zhang, B. A. Wandell, "A spatial extension of CIELAB for digital color image
reproduction", SID Digest 27, 1996.
M. R. Luo, G. Cui, B. Rigg, "The development of the CIE 2000 colour-difference
formula: CIEDE2000", Color Res. Appl. 26(5), 2001.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .. import csf, filters
from ..color import (SRGB_TO_XYZ, WHITE_XYZ, XYZ_TO_OPP, bounded_delta_e2000, lab_f, lab_from_f,
                     linear_lut, srgb_to_linear)
from ..image import full_scale
from .bands import BAND_ALIGN
from .pool import parallel

__all__ = ["colour_term", "linear_planes", "luminance_row", "colour_halo", "widest_sigma"]

_M_OPP = (XYZ_TO_OPP @ SRGB_TO_XYZ).astype(np.float32)          # linear RGB -> O1O2O3
_M_OPP_INV = np.linalg.inv(XYZ_TO_OPP @ SRGB_TO_XYZ).astype(np.float32)
_M_XYZ_N = (SRGB_TO_XYZ / WHITE_XYZ[:, None]).astype(np.float32)   # linear RGB -> XYZ/white
#: Relative luminance Y of linear RGB (the middle row of the sRGB → XYZ matrix).
luminance_row = SRGB_TO_XYZ[1].astype(np.float32)


def _kernels(csf_name: str) -> Mapping[str, Any]:
    """The opponent-channel CSF lobes of ``csf`` ("scielab" or "flip")."""
    return csf.SCIELAB_KERNELS if csf_name == "scielab" else csf.FLIP_KERNELS


def widest_sigma(ppd: float, csf_name: str) -> float:
    """Standard deviation (px) of the widest colour lobe at ``ppd``."""
    return max(s for lobes in _kernels(csf_name).values() for _, s in csf.kernel_sigmas_px(lobes, ppd))


def linear_planes(pixels: np.ndarray, bg: np.ndarray | None) -> np.ndarray:
    """``(3, H, W)`` linear RGB planes, composited over ``bg`` (linear RGB) if given."""
    h, w = pixels.shape[:2]
    planes = np.empty((3, h, w), dtype=np.float32)
    if pixels.dtype != np.float32:
        lut = linear_lut(pixels.dtype)
        for c in range(3):
            # Indexing is 3x faster here than np.take(..., out=) with uint8/uint16 indices.
            planes[c] = lut[pixels[..., c]]
    else:
        for c in range(3):
            planes[c] = srgb_to_linear(np.clip(pixels[..., c], 0.0, 1.0))
    if bg is not None:
        a = pixels[..., 3].astype(np.float32) * np.float32(1.0 / full_scale(pixels.dtype))
        for c in range(3):
            planes[c] *= a
            planes[c] += np.float32(bg[c]) * (1 - a)
    return planes


def _mix(m: np.ndarray, planes: np.ndarray) -> np.ndarray:
    """Apply a 3×3 matrix to ``(3, H, W)`` planes."""
    return (m @ planes.reshape(3, -1)).reshape(planes.shape)


def _filtered_opponents(rgb: np.ndarray, ppd: float, kernels: Mapping[str, Any],
                        mode: str, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """``(3, H, W)`` linear RGB → O1O2O3, each blurred by its CSF lobes (border ``mode``).

    ``origin``: the planes' first pixel in the frame (:func:`perceptdiff.filters.gaussian`).
    """
    opp = _mix(_M_OPP, rgb)
    for i, ch in enumerate(("O1", "O2", "O3")):
        opp[i] = filters.sum_of_gaussians(opp[i], csf.kernel_sigmas_px(kernels[ch], ppd), mode, origin)
    return opp


def _lab_f_of_opponents(opp: np.ndarray) -> np.ndarray:
    """Filtered O1O2O3 → CIELAB ``f(X/Xn), f(Y/Yn), f(Z/Zn)`` planes (RGB clamped to [0, 1])."""
    lin = _mix(_M_OPP_INV, opp)
    np.clip(lin, 0.0, 1.0, out=lin)
    xyz = _mix(_M_XYZ_N, lin)
    return lab_f(xyz)


def _lab_f_pair(rgb_a: np.ndarray, rgb_b: np.ndarray, ppd: float,
                kernels: Mapping[str, Any], origin: tuple[int, int] = (0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """Both images CSF-filtered (S-CIELAB) as CIELAB ``f`` planes.

    The filters are linear, so A and B are filtered as their mean ``M`` (clamped
    at the border, as an image) and their difference ``D = B − A`` (zero outside
    the frame): ``A' = M' − D'/2``, ``B' = M' + D'/2``.  A change at the border
    then counts once, as inside the frame, instead of being copied into the
    padding (``docs/science.md``, "Borders").
    """
    mean = (rgb_a + rgb_b) * np.float32(0.5)
    diff = rgb_b - rgb_a
    fm, fd = parallel(lambda job: _filtered_opponents(job[0], ppd, kernels, job[1], origin),
                      ((mean, "reflect"), (diff, "zero")))
    fd *= np.float32(0.5)
    return parallel(_lab_f_of_opponents, (fm - fd, fm + fd))


def _lab_from_f(f: np.ndarray, idx: tuple[np.ndarray, ...]) -> np.ndarray:
    """CIELAB ``(N, 3)`` at ``idx`` (flat indices) of ``(3, H·W)`` ``f`` planes."""
    return lab_from_f(f[0][idx], f[1][idx], f[2][idx])


def colour_term(rgb_a: np.ndarray, rgb_b: np.ndarray, ppd: float, csf_name: str,
                color_jnd: float, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """S-CIELAB colour difference in JND units (ΔE00 / ``color_jnd``).

    ``rgb_a``, ``rgb_b``: ``(3, H, W)`` linear RGB planes whose first pixel is
    ``origin`` in the frame.  ΔE00 is evaluated
    where ΔE76 ≥ 0.3; elsewhere ``1.5·ΔE76`` bounds it
    (:func:`perceptdiff.color.bounded_delta_e2000`), in two halves on the two threads.
    """
    fa, fb = _lab_f_pair(rgb_a, rgb_b, ppd, _kernels(csf_name), origin)
    df = fa - fb
    dy = df[1]
    dl = 116 * dy
    da = 500 * (df[0] - dy)
    db = 200 * (dy - df[2])
    de = np.sqrt(dl * dl + da * da + db * db)
    # Flat planes: one index array per pair, gathers along one axis (the same pairs, in the
    # same order, as the 2-D index; 1080p: 2 M pairs, 60 ms less than two index arrays).
    shape = de.shape
    fa, fb = fa.reshape(3, -1), fb.reshape(3, -1)
    out = bounded_delta_e2000(de.reshape(-1), lambda sel: (_lab_from_f(fa, sel), _lab_from_f(fb, sel)),
                              run=parallel).reshape(shape)
    if color_jnd != 1.0:
        out /= np.float32(color_jnd)
    return out


def colour_halo(ppd: float, csf_name: str) -> int:
    """Rows above and below a band that its colour filters need."""
    return filters.band_halo(widest_sigma(ppd, csf_name), align=BAND_ALIGN)

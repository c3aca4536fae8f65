"""Colour science: sRGB transfer curve, CIE XYZ, CIELAB, opponent space, ΔE.

References
----------
- IEC 61966-2-1:1999, sRGB: transfer curve and the D65 RGB→XYZ matrix.
- CIE 15:2004, CIELAB (``ε = 216/24389``, ``κ = 24389/27``).
- Poirson & Wandell (1993), Zhang & Wandell, *A Spatial Extension of CIELAB
  for Digital Color Image Reproduction*, SID Digest 27 (1996): the XYZ→O1O2O3
  opponent matrix used by S-CIELAB.
- Luo, Cui & Rigg, Color Res. Appl. 26(5), 2001 (CIEDE2000), with the
  implementation notes of Sharma, Wu & Dalal, Color Res. Appl. 30(1), 2005.

All functions are vectorised over leading axes; colour is the last axis.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from .image import full_scale

__all__ = [
    "SRGB_TO_XYZ", "WHITE_XYZ", "XYZ_TO_OPP",
    "srgb_to_linear", "linear_to_srgb", "linear_lut", "decode", "rgb_to_xyz",
    "xyz_to_lab", "lab_f", "lab_from_f", "delta_e76", "delta_e2000", "bounded_delta_e2000",
    "color_difference",
]

#: Linear sRGB (D65) → CIE XYZ, IEC 61966-2-1 (rows X, Y, Z).
SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375],
     [0.2126729, 0.7151522, 0.0721750],
     [0.0193339, 0.1191920, 0.9503041]], dtype=np.float64)
#: Reference white: the row sums of the matrix, so RGB white is exactly L*=100, a*=b*=0.
WHITE_XYZ = SRGB_TO_XYZ.sum(axis=1)

#: CIE XYZ (2° observer) → Poirson–Wandell opponent channels O1 (luminance),
#: O2 (red–green), O3 (blue–yellow), as in the S-CIELAB code (``cmatrix('xyz2opp')``).
XYZ_TO_OPP = np.array(
    [[0.2787336, 0.7218031, -0.1065520],
     [-0.4487736, 0.2898056, 0.0771569],
     [0.0859513, -0.5899859, 0.5011089]], dtype=np.float64)

#: An index into an array: a tuple of index arrays, as ``numpy.nonzero`` gives.
Index = tuple[np.ndarray, ...]

_EPS = 216.0 / 24389.0
_KAPPA = 24389.0 / 27.0


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    """sRGB EOTF (IEC 61966-2-1): encoded values in [0, 1] → linear light."""
    c = np.asarray(c, dtype=np.float32)
    return np.where(c <= 0.04045, c / np.float32(12.92),
                    ((c + np.float32(0.055)) / np.float32(1.055)) ** np.float32(2.4)).astype(np.float32)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    """Inverse sRGB EOTF: linear light in [0, 1] → encoded values in [0, 1]."""
    v = np.clip(np.asarray(v, dtype=np.float32), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * np.float32(12.92),
                    np.float32(1.055) * v ** np.float32(1 / 2.4) - np.float32(0.055)).astype(np.float32)


@lru_cache(maxsize=4)
def _lut(levels: int) -> np.ndarray:
    codes = np.arange(levels, dtype=np.float64) / (levels - 1)
    lut = srgb_to_linear(codes.astype(np.float32))
    lut.setflags(write=False)
    return lut


def linear_lut(dtype: np.dtype | type) -> np.ndarray:
    """Read-only float32 table of :func:`srgb_to_linear` for every code of ``dtype`` (uint8 or uint16)."""
    return _lut(int(full_scale(dtype)) + 1)


def decode(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encoded sRGB RGBA → (linear RGB float32 ``(H, W, 3)``, alpha float32 ``(H, W)``).

    8- and 16-bit codes go through a 256- or 65536-entry lookup table (an order
    of magnitude faster than ``pow``); float input uses the formula.
    """
    if pixels.dtype in (np.uint8, np.uint16):
        rgb = linear_lut(pixels.dtype)[pixels[..., :3]]
        alpha = pixels[..., 3].astype(np.float32) * np.float32(1 / full_scale(pixels.dtype))
    else:
        rgb = srgb_to_linear(np.clip(pixels[..., :3], 0.0, 1.0))
        alpha = np.clip(pixels[..., 3], 0.0, 1.0).astype(np.float32)
    return rgb, alpha


def _apply_matrix(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1, 3)
    return (flat @ m.T.astype(np.float32)).reshape(x.shape)


def rgb_to_xyz(rgb: np.ndarray) -> np.ndarray:
    """Linear sRGB → CIE XYZ (Y of white = 1)."""
    return _apply_matrix(np.asarray(rgb, dtype=np.float32), SRGB_TO_XYZ)


def lab_f(t: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """CIELAB's compressive function: ``t^(1/3)`` above ε = 216/24389, linear below (CIE 15:2004).

    Computed in ``dtype`` (float32 for the default metric, float64 for Yee's).
    """
    t = np.asarray(t, dtype=dtype)
    out = np.cbrt(t)
    small = t <= _EPS
    if small.any():
        out[small] = (dtype(_KAPPA) * t[small] + dtype(16)) / dtype(116)
    return out


def lab_from_f(fx: np.ndarray, fy: np.ndarray, fz: np.ndarray) -> np.ndarray:
    """CIELAB ``(..., 3)`` from the :func:`lab_f` of X/Xn, Y/Yn and Z/Zn."""
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


def xyz_to_lab(xyz: np.ndarray, white: np.ndarray = WHITE_XYZ) -> np.ndarray:
    """CIE XYZ → CIELAB (CIE 15:2004), relative to ``white``."""
    xyz = np.asarray(xyz, dtype=np.float32)
    f = lab_f(xyz / np.asarray(white, dtype=np.float32))
    return lab_from_f(f[..., 0], f[..., 1], f[..., 2]).astype(np.float32)


def delta_e76(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """Euclidean distance in CIELAB (CIE 1976 ΔE*ab)."""
    d = np.asarray(lab1, np.float32) - np.asarray(lab2, np.float32)
    return np.sqrt(np.sum(d * d, axis=-1))


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """CIEDE2000 colour difference ΔE00 with kL = kC = kH = 1.

    Follows Luo, Cui & Rigg (2001) with the conventions of Sharma, Wu & Dalal
    (2005): hue angles in [0, 360), the mean hue and Δh' wrap rules, and
    ``h' = 0`` when ``a' = b = 0``.  Computed in ``dtype`` (float64 by
    default; float32 agrees with it to ~1e-4 on Sharma's pairs and is used
    for whole images) and returned as float32.
    """
    lab1 = np.asarray(lab1, dtype=dtype)
    lab2 = np.asarray(lab2, dtype=dtype)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = 0.5 * (np.hypot(a1, b1) + np.hypot(a2, b2))
    c7 = c_bar ** 7
    g = 0.5 * (1 - np.sqrt(c7 / (c7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    both = (c1p * c2p) != 0
    dh = h2p - h1p
    # Hues exactly 180° apart (a', b vectors opposite: zero cross product) are
    # the tie Sharma's rules resolve without wrapping; in float32 the ``% 360``
    # of the negative angle rounds them a step over 180 apart, which would flip
    # the sign of ΔH' and turn the mean hue by 180°.  Everywhere else the
    # angles decide.
    opposite = (a1p * b2 - b1 * a2p == 0) & (a1p * a2p + b1 * b2 < 0)
    wrap = (np.abs(dh) > 180) & ~opposite
    dh = np.where(wrap, np.where(dh > 0, dh - 360, dh + 360), dh)
    dh = np.where(both, dh, 0.0)
    dL = L2 - L1
    dC = c2p - c1p
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    L_bar = 0.5 * (L1 + L2)
    cp_bar = 0.5 * (c1p + c2p)
    hsum = h1p + h2p
    h_bar = np.where(~wrap, hsum / 2,
                     np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2))
    h_bar = np.where(both, h_bar, hsum)
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    l50 = (L_bar - 50) ** 2
    s_l = 1 + 0.015 * l50 / np.sqrt(20 + l50)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    cp7 = cp_bar ** 7
    r_t = -np.sin(np.radians(2 * d_theta)) * 2 * np.sqrt(cp7 / (cp7 + 25.0 ** 7))
    tl, tc, th = dL / s_l, dC / s_c, dH / s_h
    return np.sqrt(np.maximum(tl * tl + tc * tc + th * th + r_t * tc * th, 0.0)).astype(np.float32)


#: ΔE76 below which CIEDE2000 is not evaluated (``docs/science.md`` §7.5).
DE00_FLOOR = 0.3
#: Below the floor, ``DE76_UPPER_BOUND·ΔE76`` bounds ΔE00 from above (ΔE00 ≥ 0.67·ΔE76 measured).
DE76_UPPER_BOUND = 1.5
#: Between ``DE00_BLEND_FROM·floor`` and the floor the result goes linearly from the bound to
#: ΔE00, so it is continuous in ΔE76: a hard switch jumped by up to 0.45 − ΔE00 (~0.25) where
#: ΔE76 crosses the floor, so a ΔE76 that differs in its last bit between two evaluation orders
#: (a box of the frame against the whole frame) moved the pooled map by 1.3e-3 at J ≈ 2.
#: Continuity is what counts, not the band's width: 0.9 keeps the extra ΔE00 evaluations few
#: (ΔE76 in [0.27, 0.3)); the slope (≤ 0.25 over 0.03) turns a float32 last-bit difference into
#: ~1e-6.  A blend of an upper bound and ΔE00 still bounds ΔE00 from above.
DE00_BLEND_FROM = 0.9
#: Above this many pairs, ΔE00 is worth splitting over two threads.
PARALLEL_PAIRS = 65536


def bounded_delta_e2000(de76: np.ndarray, labs_at: Callable[[Index], tuple[np.ndarray, np.ndarray]],
                        floor: float = DE00_FLOOR,
                        run: Callable[[Callable[[Index], np.ndarray], list[Index]], list[np.ndarray]]
                        | None = None) -> np.ndarray:
    """float32 ΔE00 where ΔE76 ≥ ``floor``, ``DE76_UPPER_BOUND·ΔE76`` below ``DE00_BLEND_FROM·floor``,
    and between the two a linear blend of them (continuous in ΔE76).

    CIEDE2000 costs ~30× more than ΔE76.  Over ~2 million random pairs
    ΔE00 ≥ 0.67·ΔE76 never fails (measured; ``docs/science.md`` §2), so where
    ΔE76 < ``floor``, ``1.5·ΔE76`` bounds ΔE00 from above and is used instead;
    with the default floor 0.3 that is < 0.45 JND, whose 4th power is
    negligible in the pooled map.

    Parameters
    ----------
    de76 : numpy.ndarray
        float32 ΔE76 of every pair.
    labs_at : callable
        ``labs_at(index)`` gives the two CIELAB arrays ``(N, 3)`` of the pairs
        at ``index`` (a tuple of index arrays into ``de76``).
    floor : float
    run : callable, optional
        ``run(fn, parts)`` returns ``[fn(part) for part in parts]``, perhaps
        in threads; with it, more than :data:`PARALLEL_PAIRS` pairs are split
        in two halves.
    """
    out = np.float32(DE76_UPPER_BOUND) * de76
    start = np.float32(DE00_BLEND_FROM * floor)
    idx = np.nonzero(de76 >= start)
    n = idx[0].size
    if n:
        def part(bounds: tuple[int, int]) -> np.ndarray:
            sel = tuple(i[bounds[0]:bounds[1]] for i in idx)
            return delta_e2000(*labs_at(sel), dtype=np.float32)

        if run is None:
            de00 = part((0, n))
        else:
            halves = [(0, n // 2), (n // 2, n)] if n > PARALLEL_PAIRS else [(0, n)]
            de00 = np.concatenate(run(part, halves))
        # Weight of ΔE00: 0 at the band's start, 1 from the floor up (continuous in ΔE76).
        w = np.clip((de76[idx] - start) / (np.float32(floor) - start), 0.0, 1.0).astype(np.float32)
        out[idx] = de00 * w + out[idx] * (np.float32(1.0) - w)
    return out


def color_difference(lab1: np.ndarray, lab2: np.ndarray, floor: float = DE00_FLOOR) -> np.ndarray:
    """ΔE00 of two CIELAB arrays where it can matter, a cheap bound elsewhere (:func:`bounded_delta_e2000`)."""
    return bounded_delta_e2000(delta_e76(lab1, lab2), lambda sel: (lab1[sel], lab2[sel]), floor)

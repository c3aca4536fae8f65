"""Forgiving anti-aliasing and 1-px jitter before the eye model runs.

Two renderers (or one renderer on two machines) rarely agree on the exact
coverage of an edge pixel or the sub-pixel phase of a glyph.  Such pixels
take values that already occur next to them, so they can be *explained*.

``box`` rule (``docs/science.md`` §7.3), on premultiplied integer RGBA: a differing
pixel p is explained when, in every channel, ``B(p)`` lies within the min–max
range of A's 3×3 neighbourhood of p **and** ``A(p)`` lies within B's, both
ranges widened by 2 codes for pixels that change by more than 2 codes (so
that noise or dithering on top of a 1-px shift does not defeat the rule).
A pixel that passes the test one way only is also explained when the change
conserves "ink" over its 3×3 window (it sums to about zero per channel): a
thin line or dot moved by a fraction of a pixel, as different rasterisers
place it.  The
two-way test refuses new colours, removed lines and recoloured thin lines; it
never forgives a change in a flat area (the range there is a single value).
Premultiplying first makes the colour under α = 0 irrelevant.  Explained
pixels of B take A's value.

``pixelmatch`` rule: the anti-aliased-pixel detector of Vysniauskas (2009) as
used by pixelmatch — a pixel is anti-aliasing when among its 8 neighbours at
most 2 have its brightness, it has both darker and brighter neighbours, and
the darkest or the brightest neighbour has 3 or more identical neighbours of
its own in both images.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .filters import max3x3, support_box
from .image import full_scale

__all__ = ["premultiply", "pixels_differ", "forgive_box", "forgive_pixelmatch", "forgive",
           "BOX_TOLERANCE_CODES", "INK_RATIO", "REVOKE_RADIUS"]

#: Tolerance of the box rule in 8-bit codes (scaled for 16-bit and float data):
#: a change of more than 2 codes may carry ±1–2 codes of noise or dithering on
#: top of a 1-px shift, and the widened ranges still explain it.
BOX_TOLERANCE_CODES = 2
#: Ink rule: the change over a 3×3 window must cancel to within this fraction
#: of its absolute sum (a thin line moved by a fraction of a pixel cancels to
#: ~0; a recoloured or removed one does not cancel at all).
INK_RATIO = 0.25
#: ... plus this many tolerances of slack (one for each of the 3 px a line
#: crosses the window on).
INK_SLACK_TOLERANCES = 3
#: Pixels within this distance (Chebyshev) of an unexplained difference are
#: not forgiven: they are the edge of the same change.
REVOKE_RADIUS = 1
#: The box rule reads 3×3 ranges and 3×3 ink windows around a pixel: the
#: significant changes' box is grown by 2 px before the rule runs in it.
_RULE_REACH = 2
#: pixelmatch's anti-aliasing detector: a pixel with more than this many
#: identical neighbours (the frame's edge counts as one) is on a flat area ...
_MAX_SIBLINGS = 2
#: ... and an anti-aliased pixel has at most this many neighbours of its own brightness.
_MAX_EQUAL_NEIGHBOURS = 2
#: YIQ luma weights of pixelmatch's brightness (NTSC 1953 Y row, in pixelmatch's rounding).
_YIQ_Y = (0.29889531, 0.58662247, 0.11448223)


def pixels_differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Boolean map of pixels whose RGBA differs (one comparison per pixel for integer data)."""
    if a.dtype in (np.uint8, np.uint16) and a.flags.c_contiguous and b.flags.c_contiguous:
        view = np.uint32 if a.dtype == np.uint8 else np.uint64
        return a.view(view)[..., 0] != b.view(view)[..., 0]
    return np.any(a != b, axis=-1)

# Neighbour offsets (dy, dx) in pixelmatch's scan order: x outer, y inner.
_OFFSETS = [(dy, dx) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dy, dx) != (0, 0)]


def premultiply(pixels: np.ndarray) -> np.ndarray:
    """Premultiply encoded RGBA by alpha, staying in the integer domain (rounded)."""
    if pixels.dtype in (np.uint8, np.uint16):
        wide = np.uint16 if pixels.dtype == np.uint8 else np.uint32  # holds full² + full/2
        full = int(full_scale(pixels.dtype))
        a = pixels[..., 3:4].astype(wide)
        rgb = (pixels[..., :3].astype(wide) * a + full // 2) // full
        return np.concatenate([rgb.astype(pixels.dtype), pixels[..., 3:4]], axis=-1)
    return np.concatenate([pixels[..., :3] * pixels[..., 3:4], pixels[..., 3:4]], axis=-1)


def _range3(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel min and max over each pixel's 3×3 neighbourhood (edges clamped).

    Separable: the extremes of three rows, then of three columns of those.
    """
    pad = np.pad(p, ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = p.shape[:2]
    rows = (pad[0:h], pad[1:h + 1], pad[2:h + 2])
    out = []
    for pick in (np.minimum, np.maximum):
        r = pick(pick(rows[0], rows[1]), rows[2])
        out.append(pick(pick(r[:, 0:w], r[:, 1:w + 1]), r[:, 2:w + 2]))
    return out[0], out[1]


def _all_channels(m: np.ndarray) -> np.ndarray:
    """``(H, W)``: True where every channel of the boolean ``(H, W, C)`` map is."""
    if m.shape[-1] == 4 and m.flags.c_contiguous:
        # Four bools as one 32-bit word (1 byte each): all four set reads 0x01010101
        # in either byte order; numpy's reduction over a 4-long last axis is 50x slower.
        return m.view(np.uint32)[..., 0] == np.uint32(0x01010101)
    out = m[..., 0].copy()
    for c in range(1, m.shape[-1]):
        out &= m[..., c]
    return out


def significant_changes(a: np.ndarray, b: np.ndarray, differ: np.ndarray, tolerance: float) -> np.ndarray:
    """Pixels that differ by more than ``tolerance`` in some channel."""
    if tolerance <= 0:
        return differ
    if a.dtype in (np.uint8, np.uint16):
        # |a − b| as max − min stays in the dtype; a code difference above t is one above ⌊t⌋.
        small = (np.maximum(a, b) - np.minimum(a, b)) <= a.dtype.type(min(int(tolerance), _top(a)))
        return ~_all_channels(small)
    big = np.zeros_like(differ)
    t = np.float32(tolerance)
    for c in range(a.shape[-1]):
        big |= np.abs(a[..., c].astype(np.float32) - b[..., c].astype(np.float32)) > t
    return big


def _top(p: np.ndarray) -> int:
    return int(np.iinfo(p.dtype).max)


def _whole_codes(p: np.ndarray, tolerance: float) -> bool:
    """Can the box rule run on the integer codes (8 or 16 bits, a whole-code tolerance below full)?"""
    return p.dtype in (np.uint8, np.uint16) and float(tolerance).is_integer() and tolerance < _top(p)


def _widened(lo: np.ndarray, hi: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer ranges widened by ``t`` codes each way, clipped to the dtype's codes (which holds
    every value a range is compared with, so the clip changes no comparison)."""
    top = _top(lo)
    lo = np.maximum(lo, lo.dtype.type(t))
    lo -= lo.dtype.type(t)
    hi = np.minimum(hi, hi.dtype.type(top - t))
    hi += hi.dtype.type(t)
    return lo, hi


def forgive_box(a: np.ndarray, b: np.ndarray, differ: np.ndarray | None = None,
                tolerance: float = 0, significant: np.ndarray | None = None) -> np.ndarray:
    """Boolean map of differing pixels explained by the two-way 3×3 range rule.

    ``a`` and ``b`` are premultiplied RGBA of one dtype; ``differ`` their
    difference mask if already known, ``significant`` their
    :func:`significant_changes` at ``tolerance`` likewise.  With ``tolerance`` t > 0 the ranges are
    widened by t, but only for pixels that change by more than t in some
    channel: a 1-px shift with sensor-like ±1 noise on top is still
    explained, while pure low-amplitude noise is left to the eye model
    (which finds it invisible) instead of being counted as forgiven.

    8- and 16-bit codes with a whole-code tolerance are compared as integers,
    all channels at once: the same decisions as the float comparisons, which
    are exact on such codes.
    """
    if differ is None:
        differ = pixels_differ(a, b)
    if not differ.any():
        return differ
    lo_a, hi_a = _range3(a)
    lo_b, hi_b = _range3(b)
    if tolerance <= 0:
        return differ & _all_channels((b >= lo_a) & (b <= hi_a) & (a >= lo_b) & (a <= hi_b))
    if _whole_codes(a, tolerance):
        t = int(tolerance)
        lo_a, hi_a = _widened(lo_a, hi_a, t)
        lo_b, hi_b = _widened(lo_b, hi_b, t)
        b_in_a = (b >= lo_a) & (b <= hi_a)
        a_in_b = (a >= lo_b) & (a <= hi_b)
        del lo_a, hi_a, lo_b, hi_b
        inside = differ & _all_channels(b_in_a & a_in_b)
        one_way = differ & _all_channels(b_in_a | a_in_b)
        del b_in_a, a_in_b
        shifted = one_way & ~inside
        if shifted.any():
            inside |= shifted & _ink_conserved_codes(a, b, t)
    else:
        inside = differ.copy()
        t = np.float32(tolerance)
        one_way = differ.copy()
        for c in range(a.shape[-1]):
            ac, bc = a[..., c].astype(np.float32), b[..., c].astype(np.float32)
            b_in_a = (bc >= lo_a[..., c] - t) & (bc <= hi_a[..., c] + t)
            inside &= b_in_a & (ac >= lo_b[..., c] - t) & (ac <= hi_b[..., c] + t)
            one_way &= b_in_a | ((ac >= lo_b[..., c] - t) & (ac <= hi_b[..., c] + t))
        shifted = one_way & ~inside
        if shifted.any():
            inside |= shifted & _ink_conserved(a, b, shifted, t)
    if significant is None:
        significant = significant_changes(a, b, differ, tolerance)
    return inside & significant


def _ink_conserved(a: np.ndarray, b: np.ndarray, where: np.ndarray, tolerance: np.float32) -> np.ndarray:
    """Pixels whose 3×3 neighbourhood keeps its "ink": the change sums to ~0 per channel.

    A thin line or dot moved by a fraction of a pixel redistributes its
    coverage over neighbouring pixels: its peak value changes (so the two-way
    range test refuses it), but the sum of the change over the 3×3 window
    cancels.  A recoloured, removed or added feature does not cancel.
    Accepted when, in every channel,
    ``|Σ(b − a)| ≤ INK_RATIO·Σ|b − a| + INK_SLACK_TOLERANCES·tolerance``.
    """
    ok = where.copy()
    for c in range(a.shape[-1]):
        d = b[..., c].astype(np.float32) - a[..., c].astype(np.float32)
        total = _box3(d)
        spread = _box3(np.abs(d))
        ok &= np.abs(total) <= np.float32(INK_RATIO) * spread + INK_SLACK_TOLERANCES * tolerance
    return ok


#: :data:`INK_RATIO` as a fraction ``p/q``, so that the ink test on integer codes reads
#: ``q·|Σd| ≤ p·Σ|d| + q·slack`` without rounding (exact when the ratio has a small denominator).
_INK_FRACTION = Fraction(INK_RATIO).limit_denominator(16)


def _ink_conserved_codes(a: np.ndarray, b: np.ndarray, t: int) -> np.ndarray:
    """:func:`_ink_conserved` (every pixel) on 8- or 16-bit codes with a whole-code tolerance ``t``,
    in integers, all channels at once.  Window sums of 9 codes stay exact in float32 too, so both
    give the same decision."""
    if float(_INK_FRACTION) != INK_RATIO:
        return _ink_conserved(a, b, np.ones(a.shape[:2], bool), np.float32(t))
    wide = np.int16 if a.dtype == np.uint8 else np.int32  # holds q·9·full
    d = b.astype(wide)
    d -= a
    spread = _box3(np.abs(d))
    total = np.abs(_box3(d))
    p, q = _INK_FRACTION.numerator, _INK_FRACTION.denominator
    if q != 1:
        total *= wide(q)
    if p != 1:
        spread *= wide(p)
    spread += wide(q * INK_SLACK_TOLERANCES * t)
    return _all_channels(total <= spread)


def _box3(x: np.ndarray) -> np.ndarray:
    """3×3 sums over the first two axes (zero outside the frame)."""
    p = np.pad(x, ((1, 1), (1, 1)) + ((0, 0),) * (x.ndim - 2))
    rows = p[:-2] + p[1:-1] + p[2:]
    return rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]


def _brightness_over_white(p: np.ndarray, full: float) -> np.ndarray:
    """pixelmatch's Y (YIQ luma) of the pixel blended over white, in code units."""
    white = full_scale(np.uint8)  # pixelmatch works on 8-bit codes
    rgb = p[..., :3].astype(np.float32) * np.float32(white / full)
    a = p[..., 3].astype(np.float32) * np.float32(1.0 / full)
    rgb = white + (rgb - white) * a[..., None]
    ky, ki, kq = _YIQ_Y
    return rgb[..., 0] * ky + rgb[..., 1] * ki + rgb[..., 2] * kq


def _offset_slices(h: int, w: int, dy: int, dx: int) -> tuple[slice, slice, slice, slice]:
    """``(ys, xs, yd, xd)``: ``x[ys, xs]`` is the neighbour at ``(dy, dx)`` of the pixels ``[yd, xd]``."""
    ys, yd = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
    xs, xd = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
    return ys, xs, yd, xd


def _shift(x: np.ndarray, dy: int, dx: int, fill: float | int) -> np.ndarray:
    """``out[y, x] = x[y+dy, x+dx]``, ``fill`` outside the frame."""
    h, w = x.shape[:2]
    out = np.full_like(x, fill)
    ys, xs, yd, xd = _offset_slices(h, w, dy, dx)
    out[yd, xd] = x[ys, xs]
    return out


def _on_border(h: int, w: int) -> np.ndarray:
    border = np.zeros((h, w), dtype=np.int8)
    border[0, :] = border[-1, :] = 1
    border[:, 0] = border[:, -1] = 1
    return border


def _many_siblings(packed: np.ndarray) -> np.ndarray:
    """True where a pixel has more than 2 identical neighbours (border counts as one)."""
    h, w = packed.shape
    count = _on_border(h, w).astype(np.int16)
    for dy, dx in _OFFSETS:
        ys, xs, yd, xd = _offset_slices(h, w, dy, dx)
        count[yd, xd] += packed[ys, xs] == packed[yd, xd]
    return count > _MAX_SIBLINGS


def _antialiased(y_img: np.ndarray,
                 sib_img: np.ndarray, sib_other: np.ndarray) -> np.ndarray:
    h, w = y_img.shape
    deltas = np.stack([np.where(np.isnan(s := _shift(y_img, dy, dx, np.nan)), np.nan, y_img - s)
                       for dy, dx in _OFFSETS])
    valid = ~np.isnan(deltas)
    zeroes = _on_border(h, w) + np.sum(valid & (deltas == 0), axis=0)
    d = np.where(valid, deltas, 0.0)
    imin = np.argmin(d, axis=0)
    imax = np.argmax(d, axis=0)
    dmin = np.take_along_axis(d, imin[None], 0)[0]
    dmax = np.take_along_axis(d, imax[None], 0)[0]
    candidate = (zeroes <= _MAX_EQUAL_NEIGHBOURS) & (dmin < 0) & (dmax > 0)
    yy, xx = np.mgrid[0:h, 0:w]
    offs = np.array(_OFFSETS)

    def siblings_at(idx: np.ndarray) -> np.ndarray:
        ny = np.clip(yy + offs[idx, 0], 0, h - 1)
        nx = np.clip(xx + offs[idx, 1], 0, w - 1)
        return sib_img[ny, nx] & sib_other[ny, nx]

    return candidate & (siblings_at(imin) | siblings_at(imax))


def forgive_pixelmatch(a: np.ndarray, b: np.ndarray, full: float) -> np.ndarray:
    """Boolean map of differing pixels pixelmatch's detector calls anti-aliasing.

    ``a`` and ``b`` are straight (not premultiplied) RGBA of one dtype, as
    pixelmatch reads them.
    """
    differ = pixels_differ(a, b)
    if not differ.any():
        return differ
    packed_a = _pack(a)
    packed_b = _pack(b)
    sib_a, sib_b = _many_siblings(packed_a), _many_siblings(packed_b)
    ya, yb = _brightness_over_white(a, full), _brightness_over_white(b, full)
    aa = _antialiased(ya, sib_a, sib_b) | _antialiased(yb, sib_b, sib_a)
    return differ & aa


def _pack(p: np.ndarray) -> np.ndarray:
    """One unsigned integer per pixel, equal exactly where the RGBA codes are (floats at 16 bits)."""
    if p.dtype == np.uint8:
        return np.ascontiguousarray(p).view(np.uint32)[..., 0]
    if p.dtype == np.uint16:
        return np.ascontiguousarray(p).view(np.uint64)[..., 0]
    q = np.round(np.clip(p, 0, 1) * full_scale(np.uint16)).astype(np.uint16)
    return _pack(q)


def revoke_near_unexplained(significant: np.ndarray, explained: np.ndarray,
                            radius: int = REVOKE_RADIUS) -> np.ndarray:
    """Withdraw forgiveness from explained pixels next to unexplained differences.

    Genuine anti-aliasing or jitter is explained everywhere along an edge; a
    recoloured glyph or line leaves unexplained pixels in its core, and its
    edge pixels (which happen to fall inside the neighbour range) belong to
    the same change.  Pixels within ``radius`` (Chebyshev) of an unexplained
    ``significant`` difference (one larger than the rule's tolerance) are
    therefore not forgiven.
    """
    unexplained = significant & ~explained
    if radius <= 0 or not unexplained.any() or not explained.any():
        return explained
    near = max3x3(unexplained, radius)
    return explained & ~near


def forgive(a: np.ndarray, b: np.ndarray, mode: str, full: float,
            differ: np.ndarray | None = None,
            opaque: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Apply a forgiveness rule to encoded straight RGBA ``a``, ``b``.

    Returns ``(b_forgiven, mask)``: ``b`` with explained pixels replaced by
    ``a``'s, and the boolean map of those pixels.  ``differ`` (the pixels
    that differ) and ``opaque`` (both alphas at full scale, so premultiplying
    changes nothing) save work when the caller knows them.
    """
    if differ is None:
        differ = pixels_differ(a, b)
    if mode == "off":
        return b, np.zeros(a.shape[:2], dtype=bool)
    if mode == "box":
        tol = BOX_TOLERANCE_CODES * full / full_scale(np.uint8)
        # Premultiplying an opaque pair changes nothing; its alpha (full in both) passes every
        # test, so the whole pixels are tested, contiguous, as four channels at once.
        pa_, pb_ = (a, b) if opaque else (premultiply(a), premultiply(b))
        significant = significant_changes(pa_, pb_, differ, tol)
        mask = np.zeros_like(differ)
        box = support_box(significant, _RULE_REACH)
        if box is not None:
            # Only significant changes can be forgiven: work inside their box
            # (small when the rest of the frame differs only by noise).
            y0, y1, x0, x1 = box
            ys, xs = slice(y0, y1), slice(x0, x1)
            mask[ys, xs] = forgive_box(pa_[ys, xs], pb_[ys, xs], differ[ys, xs], tolerance=tol,
                                       significant=significant[ys, xs])
    elif mode == "pixelmatch":
        mask = forgive_pixelmatch(a, b, full)
        significant = differ
    else:
        raise ValueError(f"unknown anti-aliasing mode {mode!r}")
    if mask.any():
        mask = revoke_near_unexplained(significant, mask)
    if mask.any():
        b = b.copy()
        b[mask] = a[mask]
    return b, mask

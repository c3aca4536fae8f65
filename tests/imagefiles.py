"""Byte-level writers for test images Pillow cannot write itself.

Pillow writes no 16-bit-per-channel RGB PNG or TIFF and no ICC profile but
sRGB, so the loader tests build these files here from the published formats:
PNG (ISO/IEC 15948, W3C PNG 3rd ed.), baseline TIFF 6.0 and ICC.1 v2
matrix/TRC display profiles.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# ---------------------------------------------------------------------------
# PNG
# ---------------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 over type and data."""
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _filter_rows(rows: np.ndarray, bpp: int, filters: Sequence[int]) -> bytes:
    """Apply PNG row filters (None, Sub, Up, Average, Paeth) cycling through ``filters``."""
    raw = rows.astype(np.int32)  # (h, stride) bytes
    height, stride = raw.shape
    left = np.zeros_like(raw)
    left[:, bpp:] = raw[:, :-bpp]
    up = np.zeros_like(raw)
    up[1:] = raw[:-1]
    up_left = np.zeros_like(raw)
    up_left[1:, bpp:] = raw[:-1, :-bpp]
    p = left + up - up_left
    pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - up_left)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
    predictors = {0: 0, 1: left, 2: up, 3: (left + up) // 2, 4: paeth}
    out = bytearray()
    for y in range(height):
        kind = filters[y % len(filters)]
        pred = predictors[kind]
        row = raw[y] - (pred[y] if isinstance(pred, np.ndarray) else 0)
        out.append(kind)
        out += (row % 256).astype(np.uint8).tobytes()
    return bytes(out)


_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_bytes(
    samples: np.ndarray,
    colour_type: int,
    bit_depth: int = 8,
    *,
    before_idat: Sequence[bytes] = (),
    after_idat: Sequence[bytes] = (),
    filters: Sequence[int] = (0, 1, 2, 3, 4),
    interlace: bool = False,
) -> bytes:
    """Encode ``samples`` (H, W[, C]) as PNG with the given colour type and depth (8 or 16).

    ``before_idat``/``after_idat`` are finished chunks (see :func:`png_chunk`).
    Rows cycle through ``filters`` so that decoders meet every filter type.
    """
    arr = np.asarray(samples)
    if arr.ndim == 2:
        arr = arr[..., None]
    height, width, channels = arr.shape
    dtype = ">u2" if bit_depth == 16 else "u1"
    bpp = channels * bit_depth // 8

    def encode(sub: np.ndarray) -> bytes:
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            return b""
        rows = np.frombuffer(sub.astype(dtype).tobytes(), np.uint8).reshape(sub.shape[0], -1)
        return _filter_rows(rows, bpp, filters)

    if interlace:
        data = b"".join(encode(arr[y0::dy, x0::dx]) for x0, y0, dx, dy in _ADAM7)
    else:
        data = encode(arr)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, int(interlace))
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + b"".join(before_idat)
        + png_chunk(b"IDAT", zlib.compress(data))
        + b"".join(after_idat)
        + png_chunk(b"IEND", b"")
    )


def iccp_chunk(profile: bytes, name: bytes = b"test profile") -> bytes:
    """A PNG iCCP chunk holding ``profile``."""
    return png_chunk(b"iCCP", name + b"\x00\x00" + zlib.compress(profile))


# ---------------------------------------------------------------------------
# TIFF
# ---------------------------------------------------------------------------


def tiff_bytes(
    samples: np.ndarray,
    *,
    photometric: int,
    extra_samples: int | None = None,
    big_endian: bool = False,
    deflate: bool = False,
    rows_per_strip: int = 2,
) -> bytes:
    """A single-image, chunky (interleaved) TIFF of uint8/uint16 ``samples`` (H, W, C).

    ``photometric`` 1 = grey (min-is-black), 2 = RGB; ``extra_samples`` 1 =
    associated (premultiplied) alpha, 2 = unassociated alpha.  ``deflate``
    compresses strips with zlib (compression 8), which Pillow hands to libtiff.
    """
    arr = np.asarray(samples)
    if arr.ndim == 2:
        arr = arr[..., None]
    height, width, spp = arr.shape
    bits = arr.dtype.itemsize * 8
    endian = ">" if big_endian else "<"
    pixel_dtype = np.dtype(arr.dtype).newbyteorder(endian)
    strips = []
    for y in range(0, height, rows_per_strip):
        raw = arr[y : y + rows_per_strip].astype(pixel_dtype).tobytes()
        strips.append(zlib.compress(raw) if deflate else raw)

    out = bytearray((b"MM\x00*" if big_endian else b"II*\x00") + b"\x00\x00\x00\x00")
    offsets = []
    for strip in strips:
        offsets.append(len(out))
        out += strip
        if len(out) % 2:
            out += b"\x00"

    entries: list[tuple[int, int, list[int]]] = [  # tag, type (3 SHORT, 4 LONG), values
        (256, 4, [width]),
        (257, 4, [height]),
        (258, 3, [bits] * spp),
        (259, 3, [8 if deflate else 1]),
        (262, 3, [photometric]),
        (273, 4, offsets),
        (277, 3, [spp]),
        (278, 4, [rows_per_strip]),
        (279, 4, [len(s) for s in strips]),
        (284, 3, [1]),
    ]
    if extra_samples is not None:
        entries.append((338, 3, [extra_samples]))
    entries.sort()

    ifd_offset = len(out)
    struct.pack_into(endian + "I", out, 4, ifd_offset)
    ifd_size = 2 + 12 * len(entries) + 4
    extra = bytearray()
    ifd = bytearray(struct.pack(endian + "H", len(entries)))
    for tag, kind, values in entries:
        fmt = "H" if kind == 3 else "I"
        packed = struct.pack(endian + fmt * len(values), *values)
        if len(packed) <= 4:
            field = packed.ljust(4, b"\x00")
        else:
            field = struct.pack(endian + "I", ifd_offset + ifd_size + len(extra))
            extra += packed
            if len(extra) % 2:
                extra += b"\x00"
        ifd += struct.pack(endian + "HHI", tag, kind, len(values)) + field
    ifd += b"\x00\x00\x00\x00"
    return bytes(out + ifd + extra)


# ---------------------------------------------------------------------------
# ICC profiles
# ---------------------------------------------------------------------------

D50 = (0.9642, 1.0, 0.8249)
D65_XY = (0.3127, 0.3290)

_BRADFORD = np.array(
    [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]
)


def _xy_to_xyz(x: float, y: float) -> np.ndarray:
    return np.array([x / y, 1.0, (1.0 - x - y) / y])


def colorants_d50(primaries: Sequence[tuple[float, float]], white_xy: tuple[float, float] = D65_XY) -> np.ndarray:
    """RGB-to-XYZ matrix (columns = colorants) adapted to D50 with Bradford (ICC.1 Annex E)."""
    prim = np.stack([_xy_to_xyz(*p) for p in primaries], axis=1)
    white = _xy_to_xyz(*white_xy)
    scale = np.linalg.solve(prim, white)
    m = prim * scale
    src_cone = _BRADFORD @ white
    dst_cone = _BRADFORD @ np.array(D50)
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(dst_cone / src_cone) @ _BRADFORD
    return adapt @ m


def _s15(v: float) -> bytes:
    return struct.pack(">i", int(round(v * 65536)))


def _xyz_tag(xyz: Sequence[float]) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + b"".join(_s15(v) for v in xyz)


def _desc_tag(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\x00"
    return (b"desc\x00\x00\x00\x00" + struct.pack(">I", len(ascii_)) + ascii_
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\x00" * 67)


def gamma_curve(gamma: float) -> bytes:
    """A ``curv`` tag with one u8Fixed8 gamma value."""
    return b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, int(round(gamma * 256))) + b"\x00\x00"


def srgb_curve() -> bytes:
    """A ``para`` tag (function type 3) with the IEC 61966-2-1 sRGB curve."""
    params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    return b"para\x00\x00\x00\x00" + struct.pack(">HH", 3, 0) + b"".join(_s15(p) for p in params)


def quantised_gamma(gamma: float) -> float:
    """The gamma a ``curv`` tag actually stores (u8Fixed8)."""
    return round(gamma * 256) / 256


def _profile(space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    table = struct.pack(">I", len(tags))
    body = b""
    offset = 128 + 4 + 12 * len(tags)
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\x00" * (-len(data) % 4)
    size = offset + len(body)
    header = (
        struct.pack(">I", size) + b"\x00" * 4 + struct.pack(">I", 0x02100000) + b"mntr" + space + b"XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"\x00" * 24 + struct.pack(">I", 0)
        + b"".join(_s15(v) for v in D50) + b"\x00" * 4 + b"\x00" * 16 + b"\x00" * 28
    )
    assert len(header) == 128
    return header + table + body


def rgb_profile(description: str, matrix_d50: np.ndarray, curve: bytes) -> bytes:
    """An ICC v2 RGB display profile: colorant matrix (columns r, g, b) and one TRC for all channels."""
    cols = np.asarray(matrix_d50)
    tags = [
        (b"desc", _desc_tag(description)),
        (b"cprt", b"text\x00\x00\x00\x00" + b"no copyright, test data\x00"),
        (b"wtpt", _xyz_tag(D50)),
        (b"rXYZ", _xyz_tag(cols[:, 0])),
        (b"gXYZ", _xyz_tag(cols[:, 1])),
        (b"bXYZ", _xyz_tag(cols[:, 2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    return _profile(b"RGB ", tags)


def grey_profile(description: str, curve: bytes) -> bytes:
    """An ICC v2 grey display profile with one TRC."""
    tags = [
        (b"desc", _desc_tag(description)),
        (b"cprt", b"text\x00\x00\x00\x00" + b"no copyright, test data\x00"),
        (b"wtpt", _xyz_tag(D50)),
        (b"kTRC", curve),
    ]
    return _profile(b"GRAY", tags)


P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
SRGB_PRIMARIES = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 encoding of linear values in [0, 1]."""
    lin = np.clip(linear, 0.0, 1.0)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.power(lin, 1 / 2.4) - 0.055)

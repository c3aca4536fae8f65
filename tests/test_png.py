"""The PNG encoder (perceptdiff.png): every depth and layout round-trips exactly."""

import io
import struct

import numpy as np
import pytest
from PIL import Image as PILImage

from perceptdiff import png
from perceptdiff.image import Image
from perceptdiff.loading import load_image
from perceptdiff.resample import to_uint8


def header(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    w, h, depth, kind = struct.unpack(">IIBB", data[16:26])
    return w, h, depth, kind


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [3, 4])
def test_samples_round_trip_at_their_own_depth(dtype, channels):
    rng = np.random.default_rng(channels)
    px = rng.integers(0, np.iinfo(dtype).max + 1, (9, 13, channels)).astype(dtype)
    data = png.encode_png(px)
    assert header(data) == (13, 9, 8 * np.dtype(dtype).itemsize, 2 if channels == 3 else 6)
    back = load_image(data).pixels
    np.testing.assert_array_equal(back[..., :channels], px)


def test_compression_level_changes_the_size_not_the_pixels():
    px = np.tile(np.arange(256, dtype=np.uint8), (64, 1))[..., None].repeat(3, axis=2)
    fast, small = (png.encode_png(px, compress_level=lv) for lv in (png.PICTURE_LEVEL, 9))
    assert len(small) <= len(fast)
    for data in (fast, small):
        np.testing.assert_array_equal(np.asarray(PILImage.open(io.BytesIO(data)))[..., :3], px)


def test_sixteen_bit_needs_three_or_four_channels():
    with pytest.raises(ValueError, match="expected"):
        png.encode_png(np.zeros((2, 2, 2), np.uint16))


def test_lossless_keeps_depth_and_drops_alpha_only_when_opaque():
    px = np.full((4, 5, 4), 40000, np.uint16)
    px[..., 3] = 65535
    assert header(png.encode_lossless(Image.from_pixels(px.copy())))[2:] == (16, 2)
    px[0, 0, 3] = 1
    assert header(png.encode_lossless(Image.from_pixels(px)))[2:] == (16, 6)
    f = np.full((4, 5, 4), 0.5, np.float32)
    f[..., 3] = 1.0
    data = png.encode_lossless(Image.from_pixels(f))
    assert header(data)[2:] == (16, 2)
    assert np.abs(load_image(data).pixels[..., :3].astype(np.float64) / 65535 - 0.5).max() <= 0.5 / 65535


def test_display_copy_is_eight_bit_rgba_rounded_as_to_uint8():
    rng = np.random.default_rng(2)
    px = rng.integers(0, 65536, (6, 7, 4)).astype(np.uint16)
    data = png.encode_display(Image.from_pixels(px))
    assert header(data)[2:] == (8, 6)
    np.testing.assert_array_equal(np.asarray(PILImage.open(io.BytesIO(data))), to_uint8(px))
    # v·255/65535 rounded: 128 -> 0, 129 -> 1, 65535 -> 255
    np.testing.assert_array_equal(to_uint8(np.array([128, 129, 32896, 65535], np.uint16)), [0, 1, 128, 255])

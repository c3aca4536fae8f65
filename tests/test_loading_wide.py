"""16-bit and float data (perceptdiff.loading.wide, .samples): every bit kept, ranges checked."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from imagefiles import png_bytes, png_chunk, tiff_bytes
from loading_support import RNG, encode, grey_rgba, with_alpha
from perceptdiff.errors import ImageLoadError
from perceptdiff.loading import load_image


# ---------------------------------------------------------------------------
# 16-bit and float data
# ---------------------------------------------------------------------------


class TestHighPrecision:
    def test_I16_png_keeps_neighbouring_codes(self):
        arr = np.array([[1000, 1001], [65535, 0]], np.uint16)
        data = encode(PILImage.fromarray(arr), "PNG")
        assert PILImage.open(io.BytesIO(data)).mode == "I;16"
        img = load_image(data)
        assert img.pixels.dtype == np.uint16
        np.testing.assert_array_equal(img.pixels, grey_rgba(arr, 65535))

    @pytest.mark.parametrize("mode", ["I;16", "I;16L", "I;16B"])
    def test_I16_modes(self, mode):
        arr = np.array([[1000, 1001, 40000]], np.uint16)
        order = ">" if mode == "I;16B" else "<"
        im = PILImage.frombytes(mode, (3, 1), arr.astype(order + "u2").tobytes())
        for source in (im, encode(im, "TIFF")):
            img = load_image(source)
            assert img.pixels.dtype == np.uint16
            np.testing.assert_array_equal(img.pixels, grey_rgba(arr, 65535))

    def test_I16_colour_key_transparency(self):
        arr = np.array([[1000, 1001]], np.uint16)
        data = png_bytes(arr, 0, 16, before_idat=[png_chunk(b"tRNS", (1001).to_bytes(2, "big"))])
        np.testing.assert_array_equal(load_image(data).pixels[0, :, 3], [65535, 0])

    @pytest.mark.parametrize("interlace", [False, True])
    @pytest.mark.parametrize(
        "colour_type, channels", [(2, 3), (6, 4), (4, 2), (0, 1)], ids=["RGB48", "RGBA64", "LA32", "L16"]
    )
    def test_16bit_png_full_precision(self, colour_type, channels, interlace):
        samples = RNG.integers(0, 65536, (6, 9, channels), dtype=np.uint16)
        samples[0, 0] = 1000
        samples[0, 1] = 1001
        img = load_image(png_bytes(samples, colour_type, 16, interlace=interlace))
        assert img.pixels.dtype == np.uint16
        if channels == 1:
            expected = grey_rgba(samples[..., 0], 65535)
        elif channels == 2:
            expected = grey_rgba(samples[..., 0], samples[..., 1])
        else:
            expected = with_alpha(samples, 65535) if channels == 3 else samples
        np.testing.assert_array_equal(img.pixels, expected)
        assert not any("8 bits" in n for n in img.notes)

    def test_pillow_alone_narrows_48bit_png(self):
        """The reason for the loader's second decode: Pillow 13 keeps only the high byte."""
        samples = np.array([[[1000, 1001, 65535]]], np.uint16)
        im = PILImage.open(io.BytesIO(png_bytes(samples, 2, 16)))
        assert im.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(im)[0, 0], [3, 3, 255])
        np.testing.assert_array_equal(load_image(png_bytes(samples, 2, 16)).pixels[0, 0, :3], [1000, 1001, 65535])

    def test_48bit_png_colour_key(self):
        samples = np.array([[[1000, 2000, 3000], [1000, 2000, 3001]]], np.uint16)
        trns = png_chunk(b"tRNS", samples[0, 0].astype(">u2").tobytes())
        img = load_image(png_bytes(samples, 2, 16, before_idat=[trns]))
        np.testing.assert_array_equal(img.pixels[0, :, 3], [0, 65535])  # 8-bit keys would match both

    @pytest.mark.parametrize("big_endian", [False, True])
    @pytest.mark.parametrize("deflate", [False, True], ids=["raw", "libtiff"])
    def test_16bit_rgb_tiff(self, big_endian, deflate):
        samples = RNG.integers(0, 65536, (5, 6, 3), dtype=np.uint16)
        img = load_image(tiff_bytes(samples, photometric=2, big_endian=big_endian, deflate=deflate))
        assert img.pixels.dtype == np.uint16
        np.testing.assert_array_equal(img.pixels, with_alpha(samples, 65535))

    def test_16bit_tiff_with_unspecified_fourth_sample(self):
        samples = RNG.integers(0, 65536, (5, 6, 4), dtype=np.uint16)
        img = load_image(tiff_bytes(samples, photometric=2, extra_samples=0))
        assert PILImage.open(io.BytesIO(tiff_bytes(samples, photometric=2, extra_samples=0))).mode == "RGB"
        np.testing.assert_array_equal(img.pixels, with_alpha(samples[..., :3], 65535))

    def test_16bit_cmyk_tiff_is_noted_as_8_bit(self):
        samples = RNG.integers(0, 65536, (3, 4, 4), dtype=np.uint16)
        img = load_image(tiff_bytes(samples, photometric=5))
        assert img.pixels.dtype == np.uint8
        assert "16-bit CMYK data decoded at 8 bits by Pillow" in img.notes

    def test_pillow_image_of_a_48bit_png_says_it_is_8_bit(self):
        samples = RNG.integers(0, 65536, (3, 4, 3), dtype=np.uint16)
        img = load_image(PILImage.open(io.BytesIO(png_bytes(samples, 2, 16))))
        np.testing.assert_array_equal(img.pixels[..., :3], samples >> 8)
        assert "16-bit RGB data decoded at 8 bits by Pillow" in img.notes

    def test_16bit_rgba_tiff_unassociated(self):
        samples = RNG.integers(0, 65536, (5, 6, 4), dtype=np.uint16)
        img = load_image(tiff_bytes(samples, photometric=2, extra_samples=2))
        np.testing.assert_array_equal(img.pixels, samples)

    def test_16bit_rgba_tiff_associated_alpha_is_straightened(self):
        straight = np.array([[[65535, 32768, 0, 40000], [1000, 2000, 3000, 65535], [5, 5, 5, 0]]], np.uint16)
        alpha = straight[..., 3:].astype(np.float64)
        pre = straight.copy()
        pre[..., :3] = np.rint(straight[..., :3] * alpha / 65535.0)
        img = load_image(tiff_bytes(pre, photometric=2, extra_samples=1))
        assert img.pixels.dtype == np.uint16
        assert np.abs(img.pixels[0, :2].astype(int) - straight[0, :2]).max() <= 2
        np.testing.assert_array_equal(img.pixels[0, 2], [0, 0, 0, 0])

    def test_mode_I_within_16_bits(self):
        arr = np.array([[0, 1000, 1001, 65535]], np.int32)
        im = PILImage.fromarray(arr)
        assert im.mode == "I"
        for source in (im, encode(im, "TIFF")):
            img = load_image(source)
            assert img.pixels.dtype == np.uint16
            np.testing.assert_array_equal(img.pixels[0, :, 0], arr[0])

    def test_mode_I_wider_than_16_bits_scaled_with_note(self):
        arr = np.array([[0, 2**31 - 1, 2**30]], np.int32)
        img = load_image(PILImage.fromarray(arr))
        assert img.pixels.dtype == np.float32
        np.testing.assert_allclose(img.pixels[0, :, 0], [0.0, 1.0, 0.5], atol=1e-6)
        assert any("32-bit integer" in n for n in img.notes)

    def test_mode_I_negative_is_an_error(self):
        with pytest.raises(ImageLoadError, match="<PIL image>: .*negative"):
            load_image(PILImage.fromarray(np.array([[-5, 3]], np.int32)))

    def test_mode_F(self):
        arr = np.array([[0.0, 0.125, 1.0]], np.float32)
        for source in (PILImage.fromarray(arr), encode(PILImage.fromarray(arr), "TIFF")):
            img = load_image(source)
            assert img.pixels.dtype == np.float32
            np.testing.assert_array_equal(img.pixels, grey_rgba(arr, 1.0).astype(np.float32))

    def test_mode_F_out_of_range_is_an_error(self):
        with pytest.raises(ImageLoadError, match=r"<bytes>: float samples must lie in \[0, 1\]"):
            load_image(encode(PILImage.fromarray(np.array([[0.0, 7.5]], np.float32)), "TIFF"))

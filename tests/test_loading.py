"""Tests of perceptdiff.loading: every source kind, Pillow mode and format, 16-bit
precision, ICC and EXIF handling, the decompression-bomb guard, bad input and the
identical-files fast path.  All images are built here, in memory, and are tiny."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms, ImageFile, ImageOps

from imagefiles import (
    P3_PRIMARIES,
    SRGB_PRIMARIES,
    colorants_d50,
    gamma_curve,
    grey_profile,
    iccp_chunk,
    png_bytes,
    png_chunk,
    quantised_gamma,
    rgb_profile,
    srgb_curve,
    srgb_encode,
    tiff_bytes,
)
from perceptdiff.errors import ImageLoadError, ImageTooLargeError
from perceptdiff.image import Image
from perceptdiff.loading import icc, identical_sources, load_image

RNG = np.random.default_rng(20240601)


def encode(im: PILImage.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def rgb8(h: int = 5, w: int = 7) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def with_alpha(rgb: np.ndarray, alpha: np.ndarray | int) -> np.ndarray:
    a = np.broadcast_to(np.asarray(alpha, rgb.dtype), rgb.shape[:2])
    return np.concatenate([rgb, a[..., None]], axis=-1)


def grey_rgba(grey: np.ndarray, alpha: np.ndarray | int) -> np.ndarray:
    return with_alpha(np.repeat(grey[..., None], 3, axis=-1), alpha)


# ---------------------------------------------------------------------------
# numpy arrays
# ---------------------------------------------------------------------------


class TestArrays:
    def test_rgba_uint8_is_copied_exactly(self):
        arr = with_alpha(rgb8(), RNG.integers(0, 256, (5, 7), dtype=np.uint8))
        img = load_image(arr)
        assert img.pixels.dtype == np.uint8 and img.pixels.shape == (5, 7, 4)
        np.testing.assert_array_equal(img.pixels, arr)
        assert img.source == "<array>" and not img.opaque
        # the caller's array is neither frozen nor aliased
        assert arr.flags.writeable
        arr[0, 0] = 0
        assert not np.shares_memory(img.pixels, arr)

    @pytest.mark.parametrize("shape", [(4, 6), (4, 6, 1)])
    def test_grey(self, shape):
        arr = RNG.integers(0, 256, shape, dtype=np.uint8)
        img = load_image(arr)
        g = arr.reshape(4, 6)
        np.testing.assert_array_equal(img.pixels, grey_rgba(g, 255))
        assert img.opaque

    def test_grey_alpha(self):
        arr = RNG.integers(0, 256, (4, 6, 2), dtype=np.uint8)
        np.testing.assert_array_equal(load_image(arr).pixels, grey_rgba(arr[..., 0], arr[..., 1]))

    def test_rgb(self):
        arr = rgb8()
        img = load_image(arr)
        np.testing.assert_array_equal(img.pixels, with_alpha(arr, 255))
        assert img.opaque and img.notes == ()

    def test_uint16_keeps_precision(self):
        arr = np.array([[[1000, 1001, 65535], [0, 1, 2]]], np.uint16)
        img = load_image(arr)
        assert img.pixels.dtype == np.uint16
        np.testing.assert_array_equal(img.pixels, with_alpha(arr, 65535))

    def test_big_endian_and_non_contiguous(self):
        arr = np.arange(24, dtype=">u2").reshape(2, 4, 3)[:, ::2]
        img = load_image(arr)
        assert img.pixels.dtype == np.uint16 and img.pixels.flags.c_contiguous
        np.testing.assert_array_equal(img.pixels[..., :3], arr.astype(np.uint16))

    def test_bool_is_black_and_white(self):
        arr = np.array([[True, False], [False, True]])
        np.testing.assert_array_equal(load_image(arr).pixels[..., 0], [[255, 0], [0, 255]])

    @pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
    def test_float(self, dtype):
        arr = np.array([[[0.0, 0.25, 1.0, 0.5]]], dtype)
        img = load_image(arr)
        assert img.pixels.dtype == np.float32
        np.testing.assert_array_equal(img.pixels, arr.astype(np.float32))

    def test_float_slightly_out_of_range_is_clipped_with_note(self):
        arr = np.array([[[-0.01, 0.5, 1.02]]], np.float64)
        img = load_image(arr)
        np.testing.assert_array_equal(img.pixels[0, 0, :3], [0.0, 0.5, 1.0])
        assert any("2 float samples" in n and "clipped" in n for n in img.notes)

    def test_float_on_8bit_scale_is_rejected_with_hint(self):
        with pytest.raises(ImageLoadError, match=r"<array>: float samples must lie in \[0, 1\].*255"):
            load_image(np.full((2, 2, 3), 200.0))

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_float_nan_inf_rejected(self, bad):
        arr = np.zeros((2, 2, 3), np.float32)
        arr[1, 1, 2] = bad
        with pytest.raises(ImageLoadError, match="<array>: float samples contain NaN or infinity"):
            load_image(arr)

    def test_wide_int_arrays_by_range(self):
        small = load_image(np.array([[0, 255]], np.int64))
        assert small.pixels.dtype == np.uint8 and any("8-bit" in n for n in small.notes)
        big = load_image(np.array([[0, 40000]], np.int32))
        assert big.pixels.dtype == np.uint16 and big.pixels[0, 1, 0] == 40000

    @pytest.mark.parametrize(
        "arr, reason",
        [
            (np.array([[-1, 3]], np.int16), "negative sample values"),
            (np.array([[0, 70000]], np.uint32), "exceed 16 bits"),
            (np.zeros((0, 4, 3), np.uint8), "zero-size image"),
            (np.zeros((4, 0), np.uint8), "zero-size image"),
            (np.zeros(5, np.uint8), "array shape"),
            (np.zeros((2, 2, 2, 2), np.uint8), "array shape"),
            (np.zeros((2, 2, 5), np.uint8), "array shape"),
            (np.zeros((2, 2), object), "unsupported array dtype"),
            (np.zeros((2, 2), complex), "unsupported array dtype"),
            (np.array([["a", "b"]]), "unsupported array dtype"),
        ],
    )
    def test_bad_arrays(self, arr, reason):
        with pytest.raises(ImageLoadError) as info:
            load_image(arr)
        assert str(info.value).startswith("<array>: ") and reason in info.value.reason

    def test_image_is_returned_as_is(self):
        img = load_image(rgb8())
        assert load_image(img) is img

    @pytest.mark.parametrize("source", [[[0, 1]], None, 3.5])
    def test_unsupported_source_type(self, source):
        with pytest.raises(ImageLoadError, match="unsupported source type"):
            load_image(source)


# ---------------------------------------------------------------------------
# Pillow modes, through Pillow images and encoded files
# ---------------------------------------------------------------------------

GREY = RNG.integers(0, 256, (5, 7), dtype=np.uint8)
ALPHA = RNG.integers(0, 256, (5, 7), dtype=np.uint8)
RGB = rgb8()


def palette_image() -> tuple[PILImage.Image, np.ndarray, np.ndarray]:
    palette = RNG.integers(0, 256, (16, 3), dtype=np.uint8)
    index = RNG.integers(0, 16, (5, 7), dtype=np.uint8)
    im = PILImage.fromarray(index, "L").convert("P")  # mode P, then set our palette
    im.putpalette(palette.tobytes())
    return im, index, palette


class TestModes:
    @pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP", "GIF"])
    def test_mode_1(self, fmt):
        bits = RNG.integers(0, 2, (5, 7)).astype(bool)
        im = PILImage.fromarray(bits.astype(np.uint8) * 255).convert("1")
        img = load_image(encode(im, fmt))
        np.testing.assert_array_equal(img.pixels, grey_rgba(bits.astype(np.uint8) * 255, 255))

    @pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP", "WEBP"])
    def test_mode_L(self, fmt):
        params = {"lossless": True} if fmt == "WEBP" else {}
        img = load_image(encode(PILImage.fromarray(GREY), fmt, **params))
        np.testing.assert_array_equal(img.pixels, grey_rgba(GREY, 255))

    def test_mode_L_jpeg_within_tolerance(self):
        smooth = np.tile(np.linspace(40, 200, 16).astype(np.uint8), (16, 1))
        img = load_image(encode(PILImage.fromarray(smooth), "JPEG", quality=95))
        assert np.abs(img.pixels[..., 0].astype(int) - smooth).max() <= 3
        assert (img.pixels[..., 3] == 255).all()

    @pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
    def test_mode_LA(self, fmt):
        im = PILImage.fromarray(np.stack([GREY, ALPHA], -1), "LA")
        np.testing.assert_array_equal(load_image(encode(im, fmt)).pixels, grey_rgba(GREY, ALPHA))

    def test_mode_La_is_straightened(self):
        la = np.array([[[50, 100], [0, 0], [255, 255], [10, 20]]], np.uint8)
        im = PILImage.frombytes("La", (4, 1), la.tobytes())
        img = load_image(im)
        assert img.source == "<PIL image>"
        np.testing.assert_array_equal(img.pixels[0, :, 0], [128, 0, 255, 128])  # round(L*255/A)
        np.testing.assert_array_equal(img.pixels[0, :, 3], la[0, :, 1])

    @pytest.mark.parametrize("fmt", ["PNG", "GIF", "BMP", "TIFF"])
    def test_mode_P(self, fmt):
        im, index, palette = palette_image()
        img = load_image(encode(im, fmt))
        np.testing.assert_array_equal(img.pixels, with_alpha(palette[index], 255))

    @pytest.mark.parametrize("fmt", ["PNG", "GIF"])
    def test_mode_P_single_transparent_index(self, fmt):
        im, index, palette = palette_image()
        img = load_image(encode(im, fmt, transparency=3))
        expected = with_alpha(palette[index], np.where(index == 3, 0, 255))
        np.testing.assert_array_equal(img.pixels[..., 3], expected[..., 3])
        opaque = index != 3
        np.testing.assert_array_equal(img.pixels[opaque], expected[opaque])

    def test_mode_P_palette_alpha_trns(self):
        im, index, palette = palette_image()
        alphas = RNG.integers(0, 256, 16, dtype=np.uint8)
        img = load_image(encode(im, "PNG", transparency=alphas.tobytes()))
        np.testing.assert_array_equal(img.pixels, with_alpha(palette[index], alphas[index]))

    @pytest.mark.parametrize("via", ["pil", "TIFF"])
    def test_mode_PA(self, via):
        im, index, palette = palette_image()
        pa = im.convert("PA")
        pa.putalpha(PILImage.fromarray(ALPHA))
        img = load_image(pa if via == "pil" else encode(pa, "TIFF"))
        np.testing.assert_array_equal(img.pixels, with_alpha(palette[index], ALPHA))

    @pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP", "WEBP", "pil"])
    def test_mode_RGB(self, fmt):
        im = PILImage.fromarray(RGB)
        source = im if fmt == "pil" else encode(im, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
        np.testing.assert_array_equal(load_image(source).pixels, with_alpha(RGB, 255))

    def test_mode_RGB_jpeg_within_tolerance(self):
        y, x = np.mgrid[0:16, 0:16]
        smooth = np.stack([x * 12, y * 12, (x + y) * 6], -1).astype(np.uint8)
        img = load_image(encode(PILImage.fromarray(smooth), "JPEG", quality=95, subsampling=0))
        assert np.abs(img.pixels[..., :3].astype(int) - smooth).max() <= 6
        assert img.opaque

    @pytest.mark.parametrize("fmt", ["PNG", "TIFF", "WEBP"])  # Pillow writes BMP alpha as padding
    def test_mode_RGBA(self, fmt):
        rgba = with_alpha(RGB, ALPHA)
        params = {"lossless": True, "exact": True} if fmt == "WEBP" else {}
        img = load_image(encode(PILImage.fromarray(rgba), fmt, **params))
        np.testing.assert_array_equal(img.pixels, rgba)

    def test_mode_RGBa_is_straightened(self):
        pre = np.array([[[50, 25, 10, 100], [0, 0, 0, 0], [255, 128, 0, 255]]], np.uint8)
        img = load_image(PILImage.frombytes("RGBa", (3, 1), pre.tobytes()))
        expected = PILImage.frombytes("RGBa", (3, 1), pre.tobytes()).convert("RGBA")
        np.testing.assert_array_equal(img.pixels, np.asarray(expected))
        assert abs(int(img.pixels[0, 0, 0]) - 128) <= 1  # 50 * 255 / 100 = 127.5
        np.testing.assert_array_equal(img.pixels[0, 2], [255, 128, 0, 255])

    def test_mode_RGBX(self):
        rgbx = with_alpha(RGB, 7)  # padding byte, not alpha
        img = load_image(PILImage.frombytes("RGBX", (7, 5), rgbx.tobytes()))
        np.testing.assert_array_equal(img.pixels, with_alpha(RGB, 255))

    def test_L_and_RGB_with_colour_key_transparency(self):
        grey = load_image(encode(PILImage.fromarray(GREY), "PNG", transparency=int(GREY[0, 0])))
        np.testing.assert_array_equal(grey.pixels[..., 3], np.where(GREY == GREY[0, 0], 0, 255))
        key = tuple(int(v) for v in RGB[1, 2])
        rgb = load_image(encode(PILImage.fromarray(RGB), "PNG", transparency=key))
        np.testing.assert_array_equal(rgb.pixels[..., 3], np.where((RGB == key).all(-1), 0, 255))
        np.testing.assert_array_equal(rgb.pixels[..., :3], RGB)

    @pytest.mark.parametrize("fmt", ["TIFF", "JPEG"])
    def test_mode_CMYK_naive_with_note(self, fmt):
        cmyk = PILImage.fromarray(with_alpha(RGB, 0)).convert("RGB").convert("CMYK")
        data = encode(cmyk, fmt)
        img = load_image(data)
        expected = np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))
        np.testing.assert_array_equal(img.pixels, with_alpha(expected, 255))
        assert any("CMYK" in n and "naively" in n for n in img.notes)

    @pytest.mark.parametrize("via", ["pil", "TIFF"])
    def test_mode_YCbCr(self, via):
        ycc = PILImage.fromarray(RGB).convert("YCbCr")
        source = ycc if via == "pil" else encode(ycc, "TIFF")
        img = load_image(source)
        np.testing.assert_array_equal(img.pixels, with_alpha(np.asarray(ycc.convert("RGB")), 255))

    @pytest.mark.parametrize("via", ["pil", "TIFF"])
    def test_mode_LAB(self, via):
        # Pillow's LAB: L in 0..255, a and b as signed bytes; (128, 0, 0) is mid grey.
        lab = PILImage.frombytes("LAB", (2, 1), bytes([128, 0, 0, 255, 0, 0]))
        img = load_image(lab if via == "pil" else encode(lab, "TIFF"))
        grey, white = img.pixels[0]
        assert grey[0] == grey[1] == grey[2] and 110 <= grey[0] <= 125  # L* 50 is sRGB ~119
        assert (white[:3] >= 254).all()
        assert img.opaque  # Pillow's own LAB -> RGBA leaves alpha at 0

    def test_mode_HSV(self):
        hsv = PILImage.frombytes("HSV", (2, 1), bytes([0, 255, 255, 85, 255, 128]))
        img = load_image(hsv)
        np.testing.assert_array_equal(img.pixels[0, 0], [255, 0, 0, 255])
        np.testing.assert_array_equal(img.pixels[0, 1], [0, 128, 0, 255])


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


# ---------------------------------------------------------------------------
# EXIF orientation
# ---------------------------------------------------------------------------


def exif_with_orientation(value: int) -> bytes:
    exif = PILImage.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def exif_chunk(value: int) -> bytes:
    """A PNG eXIf chunk (the TIFF-structured EXIF data without the JPEG "Exif" prefix)."""
    raw = exif_with_orientation(value)
    return png_chunk(b"eXIf", raw[6:] if raw.startswith(b"Exif\x00\x00") else raw)


class TestOrientation:
    def test_jpeg_orientation_6_rotates_clockwise(self):
        # 8 wide, 16 tall halves: left half black, right half white (JPEG-friendly blocks)
        arr = np.zeros((16, 32, 3), np.uint8)
        arr[:, 16:] = 255
        data = encode(PILImage.fromarray(arr), "JPEG", quality=95, exif=exif_with_orientation(6))
        img = load_image(data)
        assert img.size == (16, 32)  # width and height swapped
        # rotated 90° clockwise: the left (black) half is now on top
        assert img.pixels[:12, :, 0].max() < 30 and img.pixels[20:, :, 0].min() > 225
        assert any("orientation 6" in n for n in img.notes)

    @pytest.mark.parametrize("orientation", range(1, 9))
    def test_every_orientation_matches_pillow_exif_transpose(self, orientation):
        arr = with_alpha(rgb8(3, 5), 255)
        data = encode(PILImage.fromarray(arr), "PNG", exif=exif_with_orientation(orientation))
        expected = np.asarray(ImageOps.exif_transpose(PILImage.open(io.BytesIO(data))).convert("RGBA"))
        img = load_image(data)
        np.testing.assert_array_equal(img.pixels, expected)
        if orientation > 1:
            assert any(f"orientation {orientation}" in n for n in img.notes)

    def test_16bit_orientation(self):
        samples = RNG.integers(0, 65536, (3, 5, 3), dtype=np.uint16)
        img = load_image(png_bytes(samples, 2, 16, before_idat=[exif_chunk(8)]))
        np.testing.assert_array_equal(img.pixels[..., :3], np.rot90(samples, 1))


# ---------------------------------------------------------------------------
# ICC profiles
# ---------------------------------------------------------------------------

P3_GAMMA = 2.2
P3_LIKE = rgb_profile("Test wide-gamut RGB (P3 primaries, gamma 2.2)", colorants_d50(P3_PRIMARIES),
                      gamma_curve(P3_GAMMA))
SRGB_LIKE = rgb_profile("Calibrated display", colorants_d50(SRGB_PRIMARIES), srgb_curve())
GREY_18 = grey_profile("Grey gamma 1.8", gamma_curve(1.8))


def builtin_srgb_matrix() -> np.ndarray:
    p = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).profile
    return np.array([p.red_colorant[0], p.green_colorant[0], p.blue_colorant[0]]).T


def expected_from_p3_like(codes: np.ndarray) -> np.ndarray:
    """Relative-colorimetric conversion computed from the profiles' own data (ICC.1 F.3)."""
    linear = (codes / 255.0) ** quantised_gamma(P3_GAMMA)
    xyz = linear @ colorants_d50(P3_PRIMARIES).T
    srgb_linear = xyz @ np.linalg.inv(builtin_srgb_matrix()).T
    return srgb_encode(srgb_linear) * 255.0


# colours inside both gamuts
IN_GAMUT = np.array([[[200, 120, 80], [60, 160, 200], [128, 128, 128], [255, 255, 255],
                      [0, 0, 0], [90, 200, 90], [230, 60, 70], [30, 40, 150]]], np.uint8)


class TestICC:
    def test_builtin_srgb_profile_is_left_alone(self):
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        img = load_image(encode(PILImage.fromarray(RGB), "PNG", icc_profile=srgb))
        np.testing.assert_array_equal(img.pixels, with_alpha(RGB, 255))
        assert not any("ICC" in n for n in img.notes)

    def test_profile_that_behaves_as_srgb_is_skipped_whatever_its_name(self):
        img = load_image(encode(PILImage.fromarray(RGB), "PNG", icc_profile=SRGB_LIKE))
        np.testing.assert_array_equal(img.pixels, with_alpha(RGB, 255))
        assert not any("ICC" in n for n in img.notes)

    @pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
    def test_wide_gamut_profile_is_converted(self, fmt):
        img = load_image(encode(PILImage.fromarray(IN_GAMUT), fmt, icc_profile=P3_LIKE))
        expected = expected_from_p3_like(IN_GAMUT.astype(np.float64))
        assert np.abs(img.pixels[..., :3] - expected).max() <= 2.0
        assert np.abs(img.pixels[..., :3].astype(int) - IN_GAMUT).max() > 10  # it really moved
        assert "converted from ICC profile 'Test wide-gamut RGB (P3 primaries, gamma 2.2)' to sRGB" in img.notes

    def test_alpha_survives_conversion(self):
        rgba = with_alpha(IN_GAMUT, np.arange(8, dtype=np.uint8) * 30)
        img = load_image(encode(PILImage.fromarray(rgba), "PNG", icc_profile=P3_LIKE))
        np.testing.assert_array_equal(img.pixels[..., 3], rgba[..., 3])
        assert np.abs(img.pixels[..., :3] - expected_from_p3_like(IN_GAMUT.astype(float))).max() <= 2.0

    def test_palette_image_with_profile(self):
        im = PILImage.fromarray(IN_GAMUT).convert("P", palette=PILImage.Palette.ADAPTIVE, colors=8)
        rgb = np.asarray(im.convert("RGB")).astype(float)
        img = load_image(encode(im, "PNG", icc_profile=P3_LIKE))
        assert np.abs(img.pixels[..., :3] - expected_from_p3_like(rgb)).max() <= 2.0

    def test_grey_profile_on_grey_image(self):
        ramp = np.arange(0, 256, 17, dtype=np.uint8)[None, :]
        img = load_image(encode(PILImage.fromarray(ramp), "PNG", icc_profile=GREY_18))
        expected = srgb_encode((ramp / 255.0) ** quantised_gamma(1.8)) * 255.0
        for c in range(3):
            assert np.abs(img.pixels[..., c] - expected).max() <= 2.0
        assert any("Grey gamma 1.8" in n for n in img.notes)

    def test_grey_alpha_image_with_grey_profile(self):
        la = np.stack([np.arange(0, 256, 17, dtype=np.uint8), np.arange(16, dtype=np.uint8) * 16], -1)[None]
        img = load_image(encode(PILImage.fromarray(la, "LA"), "PNG", icc_profile=GREY_18))
        expected = srgb_encode((la[..., 0] / 255.0) ** quantised_gamma(1.8)) * 255.0
        assert np.abs(img.pixels[..., 1] - expected).max() <= 2.0
        np.testing.assert_array_equal(img.pixels[..., 3], la[..., 1])

    def test_16bit_png_with_profile_is_converted_smoothly(self):
        codes = IN_GAMUT.astype(np.uint16) * 257 + 100
        img = load_image(png_bytes(codes, 2, 16, before_idat=[iccp_chunk(P3_LIKE)]))
        assert img.pixels.dtype == np.uint16
        expected = expected_from_p3_like(codes / 257.0)
        assert np.abs(img.pixels[..., :3] / 257.0 - expected).max() <= 2.0
        assert any("interpolated between 8-bit LittleCMS results" in n for n in img.notes)

    def test_16bit_grey_with_grey_profile(self):
        arr = np.array([[0, 1000, 30000, 65535]], np.uint16)
        img = load_image(encode(PILImage.fromarray(arr), "PNG", icc_profile=GREY_18))
        expected = srgb_encode((arr / 65535.0) ** quantised_gamma(1.8)) * 65535.0
        assert np.abs(img.pixels[..., 0].astype(float) - expected).max() <= 2.0 * 257
        assert img.pixels[0, 1, 0] == img.pixels[0, 1, 2]

    def test_broken_profile_is_a_note_not_an_error(self):
        img = load_image(encode(PILImage.fromarray(RGB), "PNG", icc_profile=b"not a profile" * 20))
        np.testing.assert_array_equal(img.pixels, with_alpha(RGB, 255))
        assert any("unreadable" in n and "ICC" in n for n in img.notes)

    def test_profile_of_the_wrong_colour_space_is_ignored(self):
        img = load_image(encode(PILImage.fromarray(RGB), "PNG", icc_profile=GREY_18))
        np.testing.assert_array_equal(img.pixels, with_alpha(RGB, 255))
        assert any("ignored ICC profile 'Grey gamma 1.8'" in n for n in img.notes)

    @pytest.mark.parametrize("kind", ["8-bit", "16-bit"])
    def test_a_conversion_that_fails_keeps_the_codes_with_a_note(self, kind, monkeypatch):
        def refuse(im, transform):
            raise OSError("transform refused")

        monkeypatch.setattr(icc, "_apply", refuse)
        if kind == "8-bit":
            data, stored = encode(PILImage.fromarray(IN_GAMUT), "PNG", icc_profile=P3_LIKE), IN_GAMUT
        else:
            stored = IN_GAMUT.astype(np.uint16) * 257
            data = png_bytes(stored, 2, 16, before_idat=[iccp_chunk(P3_LIKE)])
        img = load_image(data)
        np.testing.assert_array_equal(img.pixels[..., :3], stored)
        assert ("could not convert from ICC profile 'Test wide-gamut RGB (P3 primaries, gamma 2.2)' "
                "(transform refused); colours taken as sRGB") in img.notes

    @staticmethod
    def fake_cmyk_profile(monkeypatch, apply):
        """Every embedded profile reads as a CMYK profile named 'Press'; LittleCMS is ``apply``."""
        stand_in = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        monkeypatch.setattr(icc, "_parse_profile", lambda data: icc._Profile(stand_in, "Press", "CMYK", False))
        monkeypatch.setattr(icc, "_transform", lambda profile, in_mode, out_mode: None)
        monkeypatch.setattr(icc, "_apply", apply)

    CMYK_RED = PILImage.new("CMYK", (3, 2), (0, 255, 255, 0))

    def test_cmyk_with_its_profile_is_converted_with_one_note(self, monkeypatch):
        self.fake_cmyk_profile(monkeypatch, lambda im, transform: im.convert("RGB").point(lambda v: v // 2))
        img = load_image(encode(self.CMYK_RED, "TIFF", icc_profile=b"stand-in for a CMYK profile"))
        np.testing.assert_array_equal(img.pixels[0, 0], [127, 0, 0, 255])
        # The converted image is RGB now: its CMYK profile is not offered to the RGB conversion.
        assert img.notes == ("converted from ICC profile 'Press' to sRGB",)

    def test_cmyk_with_an_rgb_profile_is_converted_naively_only(self):
        cmyk = PILImage.fromarray(IN_GAMUT).convert("CMYK")
        img = load_image(encode(cmyk, "TIFF", icc_profile=P3_LIKE))
        np.testing.assert_array_equal(img.pixels, np.asarray(cmyk.convert("RGBA")))
        assert img.notes == (
            "CMYK without a usable ICC profile converted naively to RGB (colours are approximate)",)

    def test_cmyk_conversion_that_fails_falls_back_to_naive_cmyk(self, monkeypatch):
        def refuse(im, transform):
            raise OSError("no")

        self.fake_cmyk_profile(monkeypatch, refuse)
        img = load_image(encode(self.CMYK_RED, "TIFF", icc_profile=b"stand-in for a CMYK profile"))
        np.testing.assert_array_equal(img.pixels[0, 0], [255, 0, 0, 255])
        assert img.notes == ("could not convert from ICC profile 'Press' (no); "
                             "CMYK converted naively to RGB (colours are approximate)",)


# ---------------------------------------------------------------------------
# animation, multi-page
# ---------------------------------------------------------------------------


def frames(n: int = 3) -> list[PILImage.Image]:
    return [PILImage.fromarray(np.full((4, 5, 3), 40 * (i + 1), np.uint8)) for i in range(n)]


class TestFrames:
    @pytest.mark.parametrize("fmt, word", [("GIF", "animated GIF"), ("PNG", "animated PNG"),
                                           ("WEBP", "animated WEBP"), ("TIFF", "3-page TIFF")])
    def test_first_frame_with_note(self, fmt, word):
        first, *rest = frames(3)
        params = {"lossless": True} if fmt == "WEBP" else {}
        data = encode(first, fmt, save_all=True, append_images=rest, **params)
        img = load_image(data)
        np.testing.assert_array_equal(img.pixels[..., :3], np.asarray(first))
        assert any(word in n and "first" in n for n in img.notes), img.notes

    def test_multi_picture_jpeg(self):
        first, second = frames(2)
        img = load_image(encode(first, "MPO", save_all=True, append_images=[second], quality=95))
        assert np.abs(img.pixels[..., :3].astype(int) - np.asarray(first)).max() <= 2
        assert "used the first of 2 images of a multi-picture JPEG (MPO)" in img.notes

    def test_single_frame_gif_has_no_note(self):
        img = load_image(encode(frames(1)[0], "GIF"))
        assert not any("frame" in n for n in img.notes)


# ---------------------------------------------------------------------------
# decompression-bomb guard
# ---------------------------------------------------------------------------


class TestDecompressionBomb:
    def test_above_twice_the_limit_is_too_large(self, monkeypatch):
        data = encode(PILImage.new("RGB", (20, 10)), "PNG")
        monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 90)
        with pytest.raises(ImageTooLargeError) as info:
            load_image(data)
        assert str(info.value) == "<bytes>: 200 pixels exceeds the limit of 180 pixels (decompression-bomb guard)"
        assert identical_sources(data, data) is None

    def test_between_limit_and_twice_is_a_note(self, monkeypatch):
        data = encode(PILImage.new("RGB", (20, 10)), "PNG")
        monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 150)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            img = load_image(data)
        assert img.size == (20, 10)
        assert any("decompression-bomb" in n and "200 pixels" in n for n in img.notes)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def good_png() -> bytes:
    return encode(PILImage.fromarray(rgb8(16, 16)), "PNG")


class TestBadInput:
    def test_missing_file(self, tmp_path):
        path = tmp_path / "nope.png"
        with pytest.raises(ImageLoadError) as info:
            load_image(path)
        assert str(info.value) == f"{path}: no such file"

    def test_directory(self, tmp_path):
        with pytest.raises(ImageLoadError, match="is a directory"):
            load_image(str(tmp_path))

    def test_parent_not_a_directory(self, tmp_path):
        f = tmp_path / "file"
        f.write_bytes(b"x")
        with pytest.raises(ImageLoadError, match="no such file"):
            load_image(f / "child.png")

    @pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
    def test_permission_denied(self, tmp_path):  # pragma: no cover - CI runs as root
        f = tmp_path / "locked.png"
        f.write_bytes(good_png())
        f.chmod(0)
        with pytest.raises(ImageLoadError, match="permission denied"):
            load_image(f)

    def test_empty_file_and_empty_bytes(self, tmp_path):
        f = tmp_path / "empty.png"
        f.write_bytes(b"")
        with pytest.raises(ImageLoadError, match=r"empty\.png: empty file"):
            load_image(f)
        with pytest.raises(ImageLoadError, match="<bytes>: empty"):
            load_image(b"")

    def test_text_file(self, tmp_path):
        f = tmp_path / "notes.png"
        f.write_text("this is not an image\n" * 5)
        with pytest.raises(ImageLoadError) as info:
            load_image(f)
        assert str(info.value) == f"{f}: not an image (unrecognised format)"

    @pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
    def test_truncated(self, fmt, tmp_path):
        data = encode(PILImage.fromarray(rgb8(32, 32)), fmt)
        f = tmp_path / f"cut.{fmt.lower()}"
        f.write_bytes(data[: len(data) // 2])
        with pytest.raises(ImageLoadError) as info:
            load_image(f)
        assert str(info.value).startswith(f"{f}: ")
        assert "truncated" in info.value.reason

    def test_truncated_even_when_pillow_is_told_to_allow_it(self, monkeypatch):
        monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
        data = good_png()
        with pytest.raises(ImageLoadError, match="truncated"):
            load_image(data[: len(data) // 2])
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the user's setting is restored

    @pytest.mark.parametrize("cut", [12, 20, 40])
    def test_cut_inside_the_png_header(self, cut):
        with pytest.raises(ImageLoadError, match="<bytes>: truncated"):
            load_image(good_png()[:cut])

    def test_bad_crc(self):
        data = bytearray(good_png())
        data[29] ^= 0xFF  # inside IHDR's CRC
        with pytest.raises(ImageLoadError, match="<bytes>: "):
            load_image(bytes(data))

    def test_zero_size_png(self):
        data = png_bytes(np.zeros((1, 1), np.uint8), 0)
        data = data[:16] + (0).to_bytes(4, "big") + data[20:]  # width 0, CRC now wrong too
        with pytest.raises(ImageLoadError, match="<bytes>: "):
            load_image(data)

    def test_corrupted_files_never_escape_as_other_exceptions(self):
        """Flip bytes all over valid files: the result is an Image or an ImageLoadError."""
        rng = np.random.default_rng(7)
        sources = [encode(PILImage.fromarray(rgb8(12, 12)), f) for f in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")]
        sources.append(png_bytes(RNG.integers(0, 65536, (6, 6, 3), dtype=np.uint16), 2, 16))
        outcomes = {"ok": 0, "error": 0}
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning escapes either
            for data in sources:
                for _ in range(60):
                    broken = bytearray(data)
                    for pos in rng.integers(0, len(data), 3):
                        broken[pos] = rng.integers(0, 256)
                    try:
                        img = load_image(bytes(broken))
                        assert isinstance(img, Image)
                        outcomes["ok"] += 1
                    except ImageLoadError as exc:
                        assert str(exc).startswith("<bytes>: ") and exc.reason
                        outcomes["error"] += 1
        assert outcomes["error"] > 50 and outcomes["ok"] > 50, outcomes

    def test_eps_is_not_opened(self):
        with pytest.raises(ImageLoadError, match="not an image"):
            load_image(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")


# ---------------------------------------------------------------------------
# source names
# ---------------------------------------------------------------------------


def test_source_names(tmp_path):
    data = good_png()
    f = tmp_path / "a.png"
    f.write_bytes(data)
    assert load_image(f).source == str(f)
    assert load_image(str(f)).source == str(f)
    assert load_image(data).source == "<bytes>"
    assert load_image(bytearray(data)).source == "<bytes>"
    assert load_image(memoryview(data)).source == "<bytes>"
    assert load_image(PILImage.open(io.BytesIO(data))).source == "<PIL image>"
    assert load_image(np.zeros((2, 2), np.uint8)).source == "<array>"
    np.testing.assert_array_equal(load_image(f).pixels, load_image(data).pixels)


# ---------------------------------------------------------------------------
# identical_sources
# ---------------------------------------------------------------------------


class TestIdenticalSources:
    def test_same_and_copied_files(self, tmp_path):
        data = encode(PILImage.fromarray(rgb8(5, 9)), "PNG")
        a, b = tmp_path / "a.png", tmp_path / "b.png"
        a.write_bytes(data)
        b.write_bytes(data)
        assert identical_sources(a, a) == (9, 5)
        assert identical_sources(str(a), b) == (9, 5)
        assert identical_sources(a, data) == (9, 5)
        assert identical_sources(bytearray(data), memoryview(data)) == (9, 5)
        os.link(a, tmp_path / "hard.png")
        assert identical_sources(a, tmp_path / "hard.png") == (9, 5)

    def test_different_content_same_size(self, tmp_path):
        one = encode(PILImage.new("RGB", (8, 8), (1, 2, 3)), "BMP")
        two = encode(PILImage.new("RGB", (8, 8), (1, 2, 4)), "BMP")
        assert len(one) == len(two)
        assert identical_sources(one, two) is None

    def test_different_sizes(self):
        assert identical_sources(good_png(), good_png() + b"\x00") is None

    @pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF"])
    def test_truncated_identical_pair_is_not_waved_through(self, fmt, tmp_path):
        data = encode(PILImage.fromarray(rgb8(32, 32)), fmt)
        cut = data[: len(data) // 2]
        a, b = tmp_path / "a", tmp_path / "b"
        a.write_bytes(cut)
        b.write_bytes(cut)
        assert identical_sources(a, b) is None
        with pytest.raises(ImageLoadError):
            load_image(a)

    def test_jpeg_identical_pair(self):
        data = encode(PILImage.fromarray(rgb8(8, 16)), "JPEG")
        assert identical_sources(data, data) == (16, 8)

    def test_non_images_and_missing_files(self, tmp_path):
        text = b"hello world\n" * 4
        assert identical_sources(text, text) is None
        assert identical_sources(b"", b"") is None
        assert identical_sources(tmp_path / "missing", tmp_path / "missing") is None
        assert identical_sources(tmp_path, tmp_path) is None
        arr = np.zeros((2, 2), np.uint8)
        assert identical_sources(arr, arr) is None
        im = PILImage.new("RGB", (2, 2))
        assert identical_sources(im, im) is None
        assert identical_sources(None, 3) is None

    def test_exif_orientation_swaps_size(self):
        data = encode(PILImage.fromarray(rgb8(8, 16)), "JPEG", exif=exif_with_orientation(6))
        assert identical_sources(data, data) == (8, 16) == load_image(data).size

    @pytest.mark.parametrize("where", ["before", "after"])
    def test_png_exif_chunk_anywhere(self, where):
        chunk = [exif_chunk(5)]
        arr = rgb8(4, 10)
        data = png_bytes(arr, 2, before_idat=chunk if where == "before" else (),
                         after_idat=chunk if where == "after" else ())
        assert identical_sources(data, data) == (4, 10) == load_image(data).size

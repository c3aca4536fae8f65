"""Decoding through Pillow (perceptdiff.loading.decoding, .messages): every mode and format, EXIF
orientation, frames, the decompression-bomb guard and bad input.  All images are built in memory."""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageFile, ImageOps

from imagefiles import png_bytes
from loading_support import (
    ALPHA,
    GREY,
    RGB,
    RNG,
    encode,
    exif_chunk,
    exif_with_orientation,
    good_png,
    grey_rgba,
    rgb8,
    with_alpha,
)
from perceptdiff.errors import ImageLoadError, ImageTooLargeError
from perceptdiff.image import Image
from perceptdiff.loading import identical_sources, load_image


# ---------------------------------------------------------------------------
# Pillow modes, through Pillow images and encoded files
# ---------------------------------------------------------------------------


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
# EXIF orientation
# ---------------------------------------------------------------------------


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


def test_open_formats_names_the_sniffed_format_alone_or_every_format_but_eps() -> None:
    from perceptdiff.loading.decoding import open_formats

    rgb = np.zeros((4, 4, 3), np.uint8)
    png = io.BytesIO()
    PILImage.fromarray(rgb).save(png, format="PNG")
    assert open_formats(png.getvalue()) == ("PNG",)
    buf = io.BytesIO()
    PILImage.fromarray(rgb).save(buf, format="JPEG")
    assert open_formats(buf.getvalue()) == ("JPEG",)
    every = open_formats(b"not an image at all")
    assert every == open_formats(None) and "EPS" not in every
    assert {"PNG", "TIFF", "WEBP"} <= set(every)

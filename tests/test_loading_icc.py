"""Colour management (perceptdiff.loading.icc): profiles converted, skipped, ignored, failing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms

from imagefiles import (
    P3_PRIMARIES,
    SRGB_PRIMARIES,
    colorants_d50,
    gamma_curve,
    grey_profile,
    iccp_chunk,
    png_bytes,
    quantised_gamma,
    rgb_profile,
    srgb_curve,
    srgb_encode,
)
from loading_support import RGB, encode, with_alpha
from perceptdiff.loading import icc, load_image


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

"""Never half-load (perceptdiff.loading.integrity, decoding): damaged data is an error unless allowed.

Issue 11, item 4: a G4 TIFF with a bad code word loaded (libtiff printed
"Fax4Decode: Bad code word"), a JPEG truncated before its end compared as
half grey, and a small JPEG claiming 60000x1000 loaded as 60 MP of nothing.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image as PILImage

from loading_support import encode
from perceptdiff.errors import ImageLoadError, TruncatedImageError
from perceptdiff.loading import load_image


def gradient(h: int = 256, w: int = 256) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x % 256, y % 256, (x + y) // 2 % 256], -1).astype(np.uint8)


def jpeg(arr: np.ndarray, **params: object) -> bytes:
    return encode(PILImage.fromarray(arr), "JPEG", quality=90, **params)


def jpeg_ending_early(cut: int = 2000) -> bytes:
    """A JPEG cut in its scan data, with the end-of-image marker put back after the cut."""
    data = jpeg(gradient())
    return data[:len(data) - cut] + b"\xff\xd9"


def inflated_jpeg() -> bytes:
    """A complete 8x8 JPEG whose frame header claims 60000x1000 pixels."""
    data = bytearray(jpeg(np.full((8, 8, 3), (10, 200, 30), np.uint8)))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 1000, 60000)
    return bytes(data)


def damaged_g4() -> bytes:
    bw = PILImage.fromarray(np.random.default_rng(0).random((64, 64)) > 0.5)
    data = bytearray(encode(bw, "TIFF", compression="group4"))
    data[20:40] = bytes(20)  # inside the first strip's coded data
    return bytes(data)


def test_jpeg_whose_data_ends_early_is_refused():
    with pytest.raises(TruncatedImageError, match="truncated JPEG data: the image data ends before"):
        load_image(jpeg_ending_early())


def test_jpeg_ending_early_loads_with_allow_truncated_and_a_note():
    img = load_image(jpeg_ending_early(), allow_truncated=True)
    assert img.size == (256, 256)
    assert "allow_truncated" in img.notes[0] and "truncated JPEG" in img.notes[0]
    assert np.all(img.pixels[-1, -1, :3] == 128)  # what the decoder filled in


@pytest.mark.parametrize("arr", [np.full((64, 64, 3), 128, np.uint8), gradient(61, 67)])
def test_complete_jpegs_ending_in_grey_still_load(arr):
    arr = arr.copy()
    arr[-16:, -16:] = 128
    for params in ({}, {"subsampling": 0}, {"progressive": True}):
        img = load_image(jpeg(arr, **params))
        assert img.notes == () and img.size == (arr.shape[1], arr.shape[0])
    img = load_image(encode(PILImage.fromarray(arr[..., 0]), "JPEG"))
    assert img.notes == ()


def test_header_claiming_more_pixels_than_the_data_holds_is_refused_before_decoding():
    with pytest.raises(TruncatedImageError, match="claims 60000x1000 pixels") as info:
        load_image(inflated_jpeg())
    assert "at least" in info.value.reason


def test_png_header_claiming_more_rows_than_deflate_can_hold():
    from imagefiles import png_chunk

    good = encode(PILImage.fromarray(np.zeros((4, 4, 3), np.uint8)), "PNG")
    ihdr = struct.pack(">IIBBBBB", 60000, 1000, 8, 2, 0, 0, 0)
    data = good[:8] + png_chunk(b"IHDR", ihdr) + good[33:]
    with pytest.raises(TruncatedImageError, match="claims 60000x1000 pixels"):
        load_image(data)


def test_libtiff_decode_errors_are_errors_and_stay_off_stderr(capfd):
    with pytest.raises(TruncatedImageError, match=r"corrupt TIFF data \(libtiff: Fax4Decode: Bad code word"):
        load_image(damaged_g4())
    img = load_image(damaged_g4(), allow_truncated=True)
    assert any("Fax4Decode" in n for n in img.notes)
    out, err = capfd.readouterr()
    assert err == "" and out == ""


def test_damage_is_a_load_error_for_callers_that_catch_those():
    assert issubclass(TruncatedImageError, ImageLoadError)


def test_broken_codec_data_is_damage():
    for seed in range(6):  # other damage to the same strip: errors, never a silent load
        bw = PILImage.fromarray(np.random.default_rng(seed).random((64, 64)) > 0.5)
        data = bytearray(encode(bw, "TIFF", compression="group4"))
        data[20:40] = bytes(20)
        with pytest.raises(TruncatedImageError):
            load_image(bytes(data))

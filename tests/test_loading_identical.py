"""The byte-identical fast path (perceptdiff.loading.identical)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image as PILImage

from imagefiles import png_bytes
from loading_support import encode, exif_chunk, exif_with_orientation, good_png, rgb8
from perceptdiff.errors import ImageLoadError
from perceptdiff.loading import identical_sources, load_image


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

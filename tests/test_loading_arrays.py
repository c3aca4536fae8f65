"""The loader's numpy inputs (perceptdiff.loading.arrays): dtypes, shapes, ranges, no aliasing."""

from __future__ import annotations

import numpy as np
import pytest

from loading_support import RNG, grey_rgba, rgb8, with_alpha
from perceptdiff.errors import ImageLoadError
from perceptdiff.loading import load_image


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

    def test_wide_int_arrays_need_a_bit_depth(self):
        # The scale follows the dtype or bit_depth, never the values (issue 11, item 7):
        # an int32 array of 200s and the same array with one 256 are both 8-bit data here.
        with pytest.raises(ImageLoadError, match="bit_depth"):
            load_image(np.full((4, 4), 200, np.int32))
        small = load_image(np.array([[0, 255]], np.int64), bit_depth=8)
        assert small.pixels.dtype == np.uint8 and small.pixels[0, 1, 0] == 255
        big = load_image(np.array([[0, 40000]], np.int32), bit_depth=16)
        assert big.pixels.dtype == np.uint16 and big.pixels[0, 1, 0] == 40000
        ten = load_image(np.array([[0, 1023]], np.int32), bit_depth=10)
        assert ten.pixels.dtype == np.float32 and ten.pixels[0, 1, 0] == 1.0

    def test_scale_does_not_follow_the_values(self):
        a = np.full((8, 8), 200, np.int32)
        b = a.copy()
        b[0, 0] = 256
        ia, ib = load_image(a, bit_depth=16), load_image(b, bit_depth=16)
        assert ia.pixels.dtype == ib.pixels.dtype == np.uint16
        assert np.count_nonzero(ia.pixels != ib.pixels) == 3  # one pixel, three colour channels

    def test_broadcast_array_over_the_pixel_limit_is_too_large(self):
        from perceptdiff.errors import ImageTooLargeError

        huge = np.broadcast_to(np.uint8(0), (100_000, 100_000))
        with pytest.raises(ImageTooLargeError, match="exceeds the limit"):
            load_image(huge)

    def test_compare_refuses_a_huge_array_with_our_error(self):
        import perceptdiff
        from perceptdiff.errors import ImageTooLargeError

        huge = np.broadcast_to(np.uint8(0), (100_000, 100_000, 3))
        with pytest.raises(ImageTooLargeError):
            perceptdiff.compare(huge, huge)

    @pytest.mark.parametrize(
        "arr, reason",
        [
            (np.array([[-1, 3]], np.int16), "negative sample values"),
            (np.array([[0, 70000]], np.uint32), "scale is not known"),
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
            load_image(arr, bit_depth=16 if arr.dtype == np.int16 else None)
        assert str(info.value).startswith("<array>: ") and reason in info.value.reason

    def test_image_is_returned_as_is(self):
        img = load_image(rgb8())
        assert load_image(img) is img

    @pytest.mark.parametrize("source", [[[0, 1]], None, 3.5])
    def test_unsupported_source_type(self, source):
        with pytest.raises(ImageLoadError, match="unsupported source type"):
            load_image(source)

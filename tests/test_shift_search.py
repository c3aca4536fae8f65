"""Finding displaced content (perceptdiff.shift_search): block matching and phase correlation."""

from __future__ import annotations

import numpy as np
import pytest

from perceptdiff import shift_search
from perceptdiff.shift_search import Shift, frame_shift, region_shift


def page(h: int = 80, w: int = 120) -> np.ndarray:
    return np.full((h, w, 4), 255, np.uint8)


def with_block(img: np.ndarray, x: int, y: int, colour=(30, 90, 200)) -> np.ndarray:
    img = img.copy()
    img[y:y + 12, x:x + 20, :3] = colour
    img[y + 4:y + 8, x + 4:x + 16, :3] = 250
    return img


@pytest.mark.parametrize("dx, dy", [(3, 0), (0, -2), (-4, 5), (1, 1)])
def test_a_moved_block_is_found_exactly(dx, dy):
    a = with_block(page(), 40, 30)
    b = with_block(page(), 40 + dx, 30 + dy)
    box = (min(40, 40 + dx), min(30, 30 + dy), 20 + abs(dx), 12 + abs(dy))
    s = region_shift(a, b, box, 6)
    assert (s.dx, s.dy) == (dx, dy) and s.exact and s.explained == 1.0
    back = region_shift(b, a, box, 6)                  # swapped images: the opposite move
    assert (back.dx, back.dy) == (-dx, -dy) and back.exact


def test_a_move_beyond_the_search_or_a_recolour_is_not_explained():
    a = with_block(page(), 40, 30)
    far = region_shift(a, with_block(page(), 50, 30), (40, 30, 30, 12), 4)
    assert not far.exact and far.after > 0
    recoloured = region_shift(a, with_block(page(), 43, 30, (200, 40, 40)), (40, 30, 23, 12), 6)
    assert not recoloured.exact and recoloured.explained < 0.5


def test_one_code_of_noise_still_counts_as_the_same_content():
    a = with_block(page(), 40, 30)
    b = with_block(page(), 43, 30)
    b[..., :3] = np.clip(b[..., :3].astype(np.int16) + 1, 0, 255).astype(np.uint8)
    s = region_shift(a, b, (40, 30, 23, 12), 5)
    assert s.exact and (s.dx, s.dy) == (3, 0)
    b[35, 50, 0] -= 3                                  # two codes beyond: a real change
    assert not region_shift(a, b, (40, 30, 23, 12), 5).exact


def test_unchanged_boxes_and_oversized_searches_give_none(monkeypatch):
    a = with_block(page(), 40, 30)
    assert region_shift(a, a, (40, 30, 20, 12), 5) is None
    assert region_shift(a, with_block(page(), 42, 30), (40, 30, 22, 12), 0) is None
    monkeypatch.setattr(shift_search, "MAX_SEARCH_WORK", 100)
    assert region_shift(a, with_block(page(), 42, 30), (40, 30, 22, 12), 5) is None


def test_sixteen_bit_and_float_images():
    a = with_block(page(), 40, 30)
    b = with_block(page(), 42, 31)
    for conv in (lambda x: x.astype(np.uint16) * 257, lambda x: x.astype(np.float32) / 255):
        s = region_shift(conv(a), conv(b), (40, 30, 22, 13), 3)
        assert s.exact and (s.dx, s.dy) == (2, 1)


def test_a_scrolled_frame_is_found_by_phase_correlation_and_checked():
    rng = np.random.default_rng(3)
    a = page(200, 160)
    for i in range(12):
        a[8 + 15 * i:14 + 15 * i, 8:8 + int(rng.integers(30, 150)), :3] = 40
    b = page(200, 160)
    b[:-4] = a[4:]                                      # scrolled up by 4 px
    s = frame_shift(a, b, 6)
    assert (s.dx, s.dy) == (0, -4) and s.exact and s.before > 0
    b[100, 50, :3] = 0                                  # and one more change
    s2 = frame_shift(a, b, 6)
    assert (s2.dx, s2.dy) == (0, -4) and s2.after == 1
    assert frame_shift(a, a, 6) is None
    assert frame_shift(a, b, 0) is None


def test_shift_figures():
    assert Shift(1, 0, before=10, after=0).exact and Shift(1, 0, 10, 5).explained == 0.5
    assert not Shift(1, 0, before=0, after=0).exact and Shift(1, 0, 0, 0).explained == 0.0

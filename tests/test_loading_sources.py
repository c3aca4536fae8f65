"""Source kinds and names (perceptdiff.loading.sources)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

from loading_support import good_png
from perceptdiff.loading import load_image


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

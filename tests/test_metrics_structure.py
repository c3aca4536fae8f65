"""The default metric's structure term (perceptdiff.metrics.structure)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("shape", [(37, 41), (200, 13), (13, 200), (300, 517), (9, 300)])
@pytest.mark.parametrize("phase", [(0, 0), (1, 2)])
def test_border_masses_are_the_planes_of_a_frame_of_ones(shape: tuple[int, int], phase: tuple[int, int]) -> None:
    """The border term keeps its masses as (column, row) profiles: their outer product must be the
    blur and the pyramid of an all-ones frame (block path, phase and pyramid depth included)."""
    from perceptdiff import filters
    from perceptdiff.metrics.default import _level_count
    from perceptdiff.metrics.structure import _SMOOTH_SIGMA, _border_masses

    h, w = shape
    levels = _level_count(h, w, 5)
    ones = np.ones(shape, np.float32)
    blur = filters.gaussian(ones, _SMOOTH_SIGMA, "zero", phase)
    pyr = filters.gaussian_pyramid(ones, levels, "zero")
    blur_mass, pyr_mass = _border_masses(h, w, levels, phase)
    assert len(pyr_mass) == len(pyr)
    for plane, (col, row) in zip([blur, *pyr], [blur_mass, *pyr_mass]):
        np.testing.assert_allclose(np.outer(col, row), plane, rtol=2e-6, atol=1e-7)
    assert blur.min() < 0.99  # the border is in the test: the masses fall off there

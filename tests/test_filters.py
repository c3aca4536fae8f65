"""Border modes of the separable filters (perceptdiff/filters.py), above all ``zero``, the
difference's border: a change touching the frame's edge is counted once, never copied."""

import numpy as np
import pytest

from perceptdiff import filters


def _point(shape, y, x, value=1.0):
    img = np.zeros(shape, np.float32)
    img[y, x] = value
    return img


@pytest.mark.parametrize("mode", filters.BORDER_MODES)
def test_every_mode_leaves_the_interior_alone(mode):
    img = _point((40, 40), 20, 20)
    ref = filters.gaussian(img, 1.5, "nearest")
    out = filters.gaussian(img, 1.5, mode)
    assert np.allclose(out[10:30, 10:30], ref[10:30, 10:30], atol=1e-7)


# sigma 6 goes through the block-averaged wide-lobe path, an approximation (hence 10 %).
@pytest.mark.parametrize("sigma,rel", [(1.0, 0.05), (1.5, 0.05), (6.0, 0.10)])
def test_zero_mode_counts_a_corner_point_once(sigma, rel):
    # A point at the corner spreads the same weights into the frame as a point
    # in the interior: the filtered sum is the in-frame part of the kernel, not more.
    corner = filters.gaussian(_point((64, 64), 0, 0), sigma, "zero")
    inside = filters.gaussian(_point((64, 64), 32, 32), sigma, "zero")
    assert corner[0, 0] == pytest.approx(inside[32, 32], rel=rel)
    assert corner.sum() < inside.sum()
    # Clamping copies the point into the padding: it counts several times.
    clamped = filters.gaussian(_point((64, 64), 0, 0), sigma, "nearest")
    assert clamped[0, 0] > 1.5 * corner[0, 0]


def test_zero_mode_known_values():
    x = np.zeros((1, 9), np.float32)
    x[0, 0] = 1.0
    half = np.array([0.5, 0.25], np.float32)  # [0.25 0.5 0.25]
    out = filters.correlate_symmetric(x, half, 1, "zero")
    assert out[0, :3].tolist() == [0.5, 0.25, 0.0]
    mirrored = filters.correlate_symmetric(x, half, 1, "reflect")
    assert mirrored[0, :3].tolist() == [0.5, 0.25, 0.0]
    clamped = filters.correlate_symmetric(x, half, 1, "nearest")
    assert clamped[0, 0] == 0.75


def test_zero_mode_is_linear_and_keeps_a_constant_inside():
    rng = np.random.default_rng(0)
    a, b = rng.random((2, 30, 50), dtype=np.float32)
    lin = filters.gaussian(a + 2 * b, 1.2, "zero")
    assert np.allclose(lin, filters.gaussian(a, 1.2, "zero") + 2 * filters.gaussian(b, 1.2, "zero"), atol=1e-5)
    ones = filters.gaussian(np.ones((30, 50), np.float32), 1.2, "zero")
    assert np.allclose(ones[6:-6, 6:-6], 1.0, atol=1e-6)
    assert ones[0, 0] < 0.5


def test_pyramid_and_local_mean_take_the_mode():
    img = _point((32, 32), 0, 1)
    zero = filters.gaussian_pyramid(img, 3, "zero")
    mirror = filters.gaussian_pyramid(img, 3)
    # Mirroring copies pixel 1 to -1; zero does not.
    assert zero[1].sum() < mirror[1].sum()
    assert filters.local_mean(img, "zero").sum() < filters.local_mean(img).sum()


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        filters.correlate_symmetric(np.zeros((3, 3), np.float32), np.array([1.0], np.float32), 0, "wrap")

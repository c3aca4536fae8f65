"""Shared test helpers.

Fixtures
--------
``peer_suites``
    Path of ``<repo>/../shared/peer-suites`` (the peers' public test images,
    present only in the project's CI checkout); skips the test otherwise.
``fixtures_dir``
    Path of the repository's ``fixtures/`` folder (the demo image pairs).
``png``
    ``png(name, array) -> Path``: writes an image array as a PNG into the
    test's ``tmp_path``.

Plain functions (``from conftest import rgba, with_noise, write_png``)
---------------------------------------------------------------------
``rgba(h, w, color, alpha)``
    A flat ``(h, w, 4)`` uint8 image.
``with_noise(arr, seed)``
    ``arr`` plus -1/0/+1 in every colour channel (clipped): noise nobody sees.
``write_png(path, arr)``
    Save ``(h, w)``, ``(h, w, 3)`` or ``(h, w, 4)`` uint8 as PNG.
``flat(value, size)``, ``with_line(base, y, x0, x1, value)``, ``text_block(colour)``, ``noise(img, amplitude, seed)``
    Flat RGB images, a horizontal line drawn on one, six lines of text in
    Pillow's font, uniform integer noise of ``±amplitude`` codes; ``WHITE``,
    ``GREY`` (256×256) and ``LINE`` (a black 1-px line on white) are made
    with them.
``need(module)``
    Import a module a test needs (matplotlib, pytest_html, playwright): skip
    without it, except in CI (:data:`IN_CI`), where the test extras install
    it, so its absence fails the test instead of hiding it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from pytest_perceptdiff.settings import ci_from_environment

pytest_plugins = ("pytester", "plugin_support")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
PEER_SUITES = REPO.parent / "shared" / "peer-suites"


#: Running in CI (the ``CI`` environment variable, read as the plugin reads it),
#: decided at start-up: the plugin's tests clear ``CI`` for their inner runs.
IN_CI = ci_from_environment(os.environ)


def need(module: str, why: str = "") -> ModuleType:
    """Import ``module`` for a test: skip when it is absent, but fail in CI, whose set-up installs it."""
    if IN_CI:
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"{module} not installed{why} (CI installs it, and "
                                              "there its absence fails the test)")


def rgba(h: int, w: int, color: Sequence[int] = (255, 255, 255), alpha: int = 255) -> np.ndarray:
    """A flat ``(h, w, 4)`` uint8 RGBA image of ``color`` with ``alpha``."""
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., :3] = np.asarray(color, dtype=np.uint8)
    out[..., 3] = alpha
    return out


def with_noise(arr: np.ndarray, seed: int = 0) -> np.ndarray:
    """``arr`` with -1, 0 or +1 added to each colour code (alpha untouched)."""
    rng = np.random.default_rng(seed)
    out = arr.astype(np.int16)
    out[..., :3] += rng.integers(-1, 2, size=out[..., :3].shape, dtype=np.int16)
    return np.clip(out, 0, 255).astype(np.uint8)


def write_png(path: Path | str, arr: np.ndarray) -> Path:
    """Save a uint8 array (grey, RGB or RGBA) as a PNG; returns the path."""
    path = Path(path)
    PILImage.fromarray(np.ascontiguousarray(arr)).save(path, format="PNG")
    return path


def flat(value: int | Sequence[int], size: tuple[int, int] = (256, 256)) -> np.ndarray:
    """A flat ``size + (3,)`` uint8 RGB image of ``value``."""
    return np.full(size + (3,), value, np.uint8)


def with_line(base: np.ndarray, y: int, x0: int, x1: int, value: int | Sequence[int]) -> np.ndarray:
    """``base`` with row ``y`` set to ``value`` from ``x0`` to ``x1``."""
    img = base.copy()
    img[y, x0:x1] = value
    return img


def text_block(colour: str, size: int = 13, shape: tuple[int, int] = (200, 320)) -> np.ndarray:
    """Six lines of text in Pillow's default font, ``colour`` on white (uint8 RGB)."""
    font = ImageFont.load_default(size=size)
    im = PILImage.new("RGB", (shape[1], shape[0]), "white")
    draw = ImageDraw.Draw(im)
    for i in range(6):
        draw.text((10, 10 + i * (size + 6)), "The quick brown fox jumps over", fill=colour, font=font)
    return np.asarray(im)


def noise(img: np.ndarray, amplitude: int = 1, seed: int = 1234) -> np.ndarray:
    """``img`` plus uniform integer noise in ``[-amplitude, amplitude]`` on every sample (clipped)."""
    rng = np.random.default_rng(seed)
    return np.clip(img.astype(np.int16) + rng.integers(-amplitude, amplitude + 1, img.shape),
                   0, 255).astype(np.uint8)


WHITE = flat(255)
GREY = flat(128)
LINE = with_line(WHITE, 100, 20, 220, 0)


@pytest.fixture
def peer_suites() -> Path:
    """``<repo>/../shared/peer-suites``, or skip when it is not there."""
    if not PEER_SUITES.is_dir():
        pytest.skip("../shared/peer-suites not found (only present in the project's CI checkout)")
    return PEER_SUITES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The repository's ``fixtures/`` folder."""
    return FIXTURES


@pytest.fixture
def png(tmp_path: Path) -> Callable[[str, np.ndarray], Path]:
    """``png(name, array)`` writes ``array`` to ``tmp_path / name`` as PNG."""

    def _write(name: str, arr: np.ndarray) -> Path:
        return write_png(tmp_path / name, arr)

    return _write


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz-inputs", type=int, default=None, metavar="N",
                     help="inputs tests/test_fuzz.py tries (default a few seconds' worth; "
                          "CI's nightly job uses 20000)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many inputs the fuzz tests tried (the count travels on the reports, also from xdist)."""
    for key in ("passed", "failed"):
        for report in terminalreporter.stats.get(key, []):
            for name, value in getattr(report, "user_properties", ()):
                if name == "fuzz_inputs":
                    terminalreporter.write_line(f"fuzz: {report.nodeid}: {value} inputs tried")

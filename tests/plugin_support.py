"""Shared set-up of the plugin tests (``tests/test_plugin_*.py``), driven through ``pytester``.

Registered as a plugin by ``tests/conftest.py``, so its fixtures are available
to every test module; the helpers are imported by name.

Every workflow test that takes the ``run`` fixture runs twice: in-process
without xdist ("serial") and in a subprocess under ``-n 2`` ("xdist", marked
slow).  The inner project draws 64x64 pictures whose variant each test
module reads from an environment variable (``SCENE_<module>``): ``base``,
``noise`` (+-1 code values, invisible) or ``visible`` (an 8x8 red square).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from perceptdiff import load_image

CONFTEST = '''
import os

import numpy as np
import pytest


def make_scene(kind):
    y, x = np.mgrid[0:64, 0:64]
    img = np.empty((64, 64, 3), np.uint8)
    img[..., 0] = x * 4
    img[..., 1] = y * 4
    img[..., 2] = 128
    img[20:40, 20:40] = 30
    if kind == "noise":
        rng = np.random.default_rng(1)
        img = np.clip(img.astype(np.int16) + rng.integers(-1, 2, img.shape), 0, 255).astype(np.uint8)
    elif kind == "visible":
        img[5:13, 40:48] = (255, 0, 0)
    elif kind != "base":
        raise ValueError(kind)
    return img


@pytest.fixture
def scene(request):
    module = request.module.__name__.rpartition(".")[2]
    return make_scene(os.environ.get("SCENE_" + module, os.environ.get("SCENE", "base")))
'''


MODULE = '''
def test_plain(image_snapshot, scene):
    image_snapshot.assert_match(scene)


def test_eq(image_snapshot, scene):
    assert scene == image_snapshot


def test_named(image_snapshot, scene):
    image_snapshot.assert_match(scene, name="left")
    assert image_snapshot(name="mirrored") == scene[:, ::-1]
'''


SNAPSHOTS = ("test_plain.png", "test_eq.png", "test_named--left.png", "test_named--mirrored.png")


@pytest.fixture
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs decide CI mode themselves; the outer CI must not leak in."""
    monkeypatch.delenv("CI", raising=False)
    for key in list(os.environ):
        if key.startswith("SCENE"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def _warm_imports(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Import everything a comparison imports lazily, before any in-process run.

    pytester restores ``sys.modules`` after each in-process run; a C extension
    first imported inside one (numpy.fft, say) cannot be imported again.
    """
    from perceptdiff import compare
    from perceptdiff.testing import write_artifacts

    base, changed = conftest_scene("base"), conftest_scene("visible")
    result = compare(base, changed)
    write_artifacts(tmp_path_factory.mktemp("warm") / "w", expected=result.expected_image,
                    actual=result.actual_image, result=result)
    compare(base, changed, metric="yee")


@pytest.fixture
def project(pytester: pytest.Pytester, _warm_imports: None, _clean_env: None) -> pytest.Pytester:
    # Hypothesis' plugin costs half a second per in-process run; pytest-benchmark
    # warns under xdist. Neither is needed here.
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider -p no:hypothesispytest -p no:benchmark\n")
    pytester.makeconftest(CONFTEST)
    return pytester


def add_modules(pytester: pytest.Pytester, *names: str, source: str = MODULE) -> None:
    pytester.makepyfile(**{name: source for name in names})


Runner = Callable[..., pytest.RunResult]


@pytest.fixture(params=["serial", pytest.param("xdist", marks=pytest.mark.slow)])
def run(request: pytest.FixtureRequest, project: pytest.Pytester,
        monkeypatch: pytest.MonkeyPatch) -> Runner:
    """``run(*args, env={...})``: one pytest run of the inner project."""
    mode = request.param

    def _run(*args: str, env: dict[str, str] | None = None) -> pytest.RunResult:
        with monkeypatch.context() as mp:
            for key, value in (env or {}).items():
                mp.setenv(key, value)
            if mode == "serial":
                return project.runpytest(*args)
            return project.runpytest_subprocess("-n", "2", f"--basetemp={basetemp(project)}",
                                                *args, timeout=120)

    _run.mode = mode  # type: ignore[attr-defined]
    return _run


def serial(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str,
           env: dict[str, str] | None = None) -> pytest.RunResult:
    """A quick in-process run, to prepare or to check."""
    with monkeypatch.context() as mp:
        for key, value in (env or {}).items():
            mp.setenv(key, value)
        return project.runpytest(*args)


def snapdir(project: pytest.Pytester, module: str) -> Path:
    return project.path / "__snapshots__" / module


def basetemp(project: pytest.Pytester) -> Path:
    """The --basetemp of inner runs (pytester's in-process default; passed to subprocesses)."""
    return project.path.parent / "basetemp"


def results_dir(project: pytest.Pytester) -> Path:
    """The default results folder when --basetemp is given."""
    return basetemp(project) / "perceptdiff-results"


def summary(result: pytest.RunResult) -> list[str]:
    """The lines of the ``perceptdiff`` terminal-summary section."""
    lines = result.stdout.lines
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"=+ perceptdiff =+$", line))
    except StopIteration:
        return []
    out = []
    for line in lines[start + 1:]:
        if re.match(r"=+ .* =+$", line):
            break
        out.append(line)
    return out


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.png"))}


def pixels(path: Path) -> np.ndarray:
    return load_image(path).pixels[..., :3]


def conftest_scene(kind: str) -> np.ndarray:
    namespace: dict[str, Any] = {}
    exec(CONFTEST, namespace)
    return namespace["make_scene"](kind)


REPORT_MODULE = '''
def test_changed(image_snapshot, scene):
    image_snapshot.assert_match(scene)


def test_fresh(image_snapshot, scene):
    image_snapshot.assert_match(scene, name="legend")
'''


def report_data(folder: Path) -> dict[str, Any]:
    """The object the report's ``data.js`` hands to the page."""
    import json

    text = (folder / "data.js").read_text("utf-8")
    start = text.index("window.PERCEPTDIFF_REPORT = ") + len("window.PERCEPTDIFF_REPORT = ")
    return json.loads(text[start:].rstrip().rstrip(";"))

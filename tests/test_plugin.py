"""The pytest plugin, driven through ``pytester``.

Every workflow test runs twice: in-process without xdist ("serial") and in a
subprocess under ``-n 2`` ("xdist").  The inner project draws 64x64 pictures
whose variant each test module reads from an environment variable
(``SCENE_<module>``): ``base``, ``noise`` (+-1 code values, invisible) or
``visible`` (an 8x8 red square).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from conftest import need
from perceptdiff import load_image
from perceptdiff.errors import ImageLoadError

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

# Three tests, four snapshots per module: the fixture method, the ``==`` form,
# and two named snapshots in one test.
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

UNSAFE_MODULE = '''
import pytest

IDS = ["../../escape", "/abs/path", "a\\\\b", "..", ".hidden", "CON", "x" * 300, "x" * 301,
       "\\u00fcn\\u00efc\\u00f8d\\u00e9", "a::b", "semi;colon|pipe*?<>", "~user", "$HOME"]


@pytest.mark.parametrize("p", IDS, ids=IDS)
def test_id(image_snapshot, scene, p):
    image_snapshot.assert_match(scene)


def test_names(image_snapshot, scene):
    image_snapshot.assert_match(scene, name="../../../outside")
    image_snapshot.assert_match(scene, name="/etc/passwd")
    image_snapshot.assert_match(scene, name="..")
'''
UNSAFE_COUNT = 13 + 3


@pytest.fixture(autouse=True)
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
def project(pytester: pytest.Pytester, _warm_imports: None) -> pytest.Pytester:
    # Hypothesis' plugin costs half a second per in-process run; pytest-benchmark
    # warns under xdist. Neither is needed here.
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider -p no:hypothesispytest -p no:benchmark\n")
    pytester.makeconftest(CONFTEST)
    return pytester


def add_modules(pytester: pytest.Pytester, *names: str, source: str = MODULE) -> None:
    pytester.makepyfile(**{name: source for name in names})


Runner = Callable[..., pytest.RunResult]


@pytest.fixture(params=["serial", "xdist"])
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


# -- the workflow ---------------------------------------------------------------

def test_first_run_writes_then_passes_invisible_passes_visible_fails(
        run: Runner, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_fresh", "test_same", "test_noise", "test_visible")
    # Baselines of three modules exist already (written by a quick serial run).
    prep = serial(project, monkeypatch, "test_same.py", "test_noise.py", "test_visible.py")
    prep.assert_outcomes(passed=9)
    before = {m: file_bytes(snapdir(project, m)) for m in ("test_same", "test_noise", "test_visible")}
    assert all(sorted(b) == sorted(SNAPSHOTS) for b in before.values())

    env = {"SCENE_test_noise": "noise", "SCENE_test_visible": "visible"}
    result = run("-v", env=env)
    # test_fresh: written and passing; test_same: passes; test_noise: the
    # invisible change passes; test_visible: all three tests fail.
    result.assert_outcomes(passed=9, failed=3)
    for name in ("test_plain", "test_eq", "test_named"):
        result.stdout.fnmatch_lines([f"FAILED test_visible.py::{name} - *"])
    if run.mode == "xdist":  # type: ignore[attr-defined]
        assert {"[gw0]", "[gw1]"} <= set(re.findall(r"\[gw\d\]", result.stdout.str()))

    # New baselines: the decoded pixels, losslessly.
    fresh = snapdir(project, "test_fresh")
    assert sorted(p.name for p in fresh.iterdir()) == sorted(SNAPSHOTS)
    np.testing.assert_array_equal(pixels(fresh / "test_plain.png"), conftest_scene("base"))
    np.testing.assert_array_equal(pixels(fresh / "test_named--mirrored.png"),
                                  conftest_scene("base")[:, ::-1])
    # Existing baselines untouched, whatever the verdict.
    for module, old in before.items():
        assert file_bytes(snapdir(project, module)) == old

    # The controller's summary lists every worker's results.
    text = "\n".join(summary(result))
    assert "4 new baselines written" in text
    assert "3 visibly different image(s)" in text
    for name in SNAPSHOTS:
        assert f"__snapshots__/test_fresh/{name}" in text
    for stem in ("test_plain", "test_eq", "test_named--left"):
        assert f"__snapshots__/test_visible/{stem}.png" in text
    # Artifacts of the failures exist and show the right pictures.
    res = results_dir(project)
    for stem in ("test_plain", "test_eq", "test_named--left"):
        folder = res / "test_visible" / stem.split("--")[0]
        for kind in ("expected", "actual", "diff"):
            assert (folder / f"{stem}.{kind}.png").is_file(), (folder, kind)
            assert f"{stem}.{kind}.png" in text
        np.testing.assert_array_equal(pixels(folder / f"{stem}.actual.png"), conftest_scene("visible"))
        np.testing.assert_array_equal(pixels(folder / f"{stem}.expected.png"), conftest_scene("base"))
    # The failure message: verdict, numbers, regions, paths, how to accept.
    out = result.stdout.str()
    assert re.search(r"image differs visibly from snapshot test_plain\n.*FAIL: ", out)
    assert re.search(r"peak [\d.]+ JND .* px visibly different", out)
    assert re.search(r"region 1: x=\d+ y=\d+ \d+x\d+", out)
    assert 'pytest --perceptdiff-update=changed "test_visible.py::test_plain"' in out
    # __tracebackhide__: the traceback ends on the test's line, not in the plugin.
    assert "test_visible.py:2: AssertionError" in out  # image_snapshot.assert_match(scene)
    assert "snapshot.py" not in out and "pytest_perceptdiff" not in out

    # Second run: everything written before now passes, nothing is rewritten.
    written = file_bytes(fresh)
    again = run("test_fresh.py", "test_noise.py", env=env)
    again.assert_outcomes(passed=6)
    assert summary(again) == []
    assert file_bytes(fresh) == written


def test_ci_mode_fails_on_missing_baseline_and_saves_the_new_image(
        run: Runner, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_known", "test_unknown")
    serial(project, monkeypatch, "test_known.py").assert_outcomes(passed=3)
    result = run(env={"CI": "true"})
    result.assert_outcomes(passed=3, failed=3)
    assert not snapdir(project, "test_unknown").exists(), "CI never writes baselines"
    out = result.stdout.str()
    assert "no baseline for snapshot test_plain" in out
    assert "CI mode (CI environment variable): baselines are not written" in out
    review = results_dir(project) / "test_unknown" / "test_plain" / "test_plain.actual.png"
    assert review.is_file()
    assert "new image for review: " in out and "test_plain.actual.png" in out
    np.testing.assert_array_equal(pixels(review), conftest_scene("base"))
    assert "3 missing baselines" in "\n".join(summary(result))


@pytest.mark.parametrize("how", [("--perceptdiff-ci",), ("-o", "perceptdiff_ci=true")])
def test_ci_mode_by_flag_or_ini(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                how: tuple[str, ...]) -> None:
    add_modules(project, "test_m")
    result = serial(project, monkeypatch, *how)
    result.assert_outcomes(failed=3)
    assert not snapdir(project, "test_m").exists()


@pytest.mark.parametrize("ci", ["0", "false", ""])
def test_ci_variable_off_values_write_baselines(project: pytest.Pytester,
                                                monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch, env={"CI": ci}).assert_outcomes(passed=3)
    assert len(list(snapdir(project, "test_m").glob("*.png"))) == 4


def test_explicit_update_flag_wins_over_ci_environment(project: pytest.Pytester,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    result = serial(project, monkeypatch, "--perceptdiff-update=missing", env={"CI": "1"})
    result.assert_outcomes(passed=3)
    assert len(list(snapdir(project, "test_m").glob("*.png"))) == 4
    # ... but the ini key does not: CI mode beats checked-in configuration.
    (snapdir(project, "test_m") / "test_plain.png").unlink()
    result = serial(project, monkeypatch, "-o", "perceptdiff_update=missing", env={"CI": "1"})
    result.assert_outcomes(passed=2, failed=1)


def test_ci_flag_contradicting_update_is_a_usage_error(project: pytest.Pytester) -> None:
    add_modules(project, "test_m")
    result = project.runpytest("--perceptdiff-ci", "--perceptdiff-update=all")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--perceptdiff-ci and --perceptdiff-update=all contradict*"])


# -- update modes ---------------------------------------------------------------

def _prepare_update(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, bytes]]:
    add_modules(project, "test_new", "test_same", "test_noise", "test_visible")
    serial(project, monkeypatch, "test_same.py", "test_noise.py", "test_visible.py").assert_outcomes(passed=9)
    return {m: file_bytes(snapdir(project, m)) for m in ("test_same", "test_noise", "test_visible")}


UPDATE_ENV = {"SCENE_test_noise": "noise", "SCENE_test_visible": "visible"}


def test_update_changed_writes_missing_and_rewrites_only_visible_changes(
        run: Runner, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _prepare_update(project, monkeypatch)
    result = run("--perceptdiff-update=changed", env=UPDATE_ENV)
    result.assert_outcomes(passed=12)
    assert file_bytes(snapdir(project, "test_same")) == before["test_same"]
    assert file_bytes(snapdir(project, "test_noise")) == before["test_noise"], "invisible jitter: no churn"
    visible = file_bytes(snapdir(project, "test_visible"))
    assert visible["test_plain.png"] != before["test_visible"]["test_plain.png"]
    np.testing.assert_array_equal(pixels(snapdir(project, "test_visible") / "test_plain.png"),
                                  conftest_scene("visible"))
    assert len(list(snapdir(project, "test_new").glob("*.png"))) == 4
    text = "\n".join(summary(result))
    assert "4 new baselines written" in text
    assert "4 baselines rewritten" in text and "rewritten: FAIL" in text
    # The rewritten baselines now pass.
    serial(project, monkeypatch, "test_visible.py", env=UPDATE_ENV).assert_outcomes(passed=3)


def test_update_all_rewrites_every_changed_baseline(project: pytest.Pytester,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    before = _prepare_update(project, monkeypatch)
    result = serial(project, monkeypatch, "--perceptdiff-update=all", env=UPDATE_ENV)
    result.assert_outcomes(passed=12)
    assert file_bytes(snapdir(project, "test_same")) == before["test_same"], "identical pixels: left alone"
    np.testing.assert_array_equal(pixels(snapdir(project, "test_noise") / "test_eq.png"),
                                  conftest_scene("noise"))
    np.testing.assert_array_equal(pixels(snapdir(project, "test_visible") / "test_eq.png"),
                                  conftest_scene("visible"))
    text = "\n".join(summary(result))
    assert "8 baselines rewritten" in text and "4 new baselines written" in text


def test_update_none_never_writes(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _prepare_update(project, monkeypatch)
    result = serial(project, monkeypatch, "--perceptdiff-update=none", env=UPDATE_ENV)
    result.assert_outcomes(passed=6, failed=6)
    assert not snapdir(project, "test_new").exists()
    for module, old in before.items():
        assert file_bytes(snapdir(project, module)) == old
    assert "update mode 'none': baselines are not written" in result.stdout.str()


def test_update_missing_from_ini_never_rewrites(project: pytest.Pytester,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = _prepare_update(project, monkeypatch)
    result = serial(project, monkeypatch, "-o", "perceptdiff_update=missing", env=UPDATE_ENV)
    result.assert_outcomes(passed=9, failed=3)
    assert file_bytes(snapdir(project, "test_visible")) == before["test_visible"]
    assert len(list(snapdir(project, "test_new").glob("*.png"))) == 4


def test_unreadable_baseline_fails_clearly_and_changed_replaces_it(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    broken = snapdir(project, "test_m") / "test_plain.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    result = serial(project, monkeypatch, "test_m.py::test_plain")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*BaselineError: baseline *test_plain.png cannot be read*"])
    assert broken.read_bytes().endswith(b"truncated"), "not overwritten without being asked"
    serial(project, monkeypatch, "test_m.py::test_plain", "--perceptdiff-update=changed").assert_outcomes(passed=1)
    np.testing.assert_array_equal(pixels(broken), conftest_scene("base"))


# -- names and paths -------------------------------------------------------------

def test_unsafe_test_ids_stay_inside_the_snapshot_folder(run: Runner, project: pytest.Pytester) -> None:
    add_modules(project, "test_unsafe", source=UNSAFE_MODULE)
    result = run()
    result.assert_outcomes(passed=14)
    folder = snapdir(project, "test_unsafe")
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == UNSAFE_COUNT, names
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.png", name), name
        assert len(name) <= 104
    every_png = [p for p in project.path.rglob("*.png") if "basetemp" not in p.parts]
    assert all(p.parent == folder for p in every_png), every_png
    for outside in (project.path, project.path.parent, project.path.parent.parent):
        assert not list(outside.glob("*escape*")) and not list(outside.glob("*outside*"))
    # A second run finds every baseline again (the mapping is deterministic).
    again = run()
    again.assert_outcomes(passed=14)
    assert "new baselines" not in "\n".join(summary(again))


def test_duplicate_snapshot_name_in_one_test_is_an_error(project: pytest.Pytester) -> None:
    project.makepyfile(test_dup='''
        def test_twice(image_snapshot, scene):
            image_snapshot.assert_match(scene, name="logo")
            image_snapshot.assert_match(scene, name="LOGO")

        def test_clash_with_numbering(image_snapshot, scene):
            image_snapshot.assert_match(scene)
            image_snapshot.assert_match(scene, name="2")
            image_snapshot.assert_match(scene)
    ''')
    result = project.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*BaselineError: snapshot 'LOGO' of test_dup.py::test_twice maps to the same file*",
        "*BaselineError: snapshot #2 of test_dup.py::test_clash_with_numbering maps to the same file*",
    ])


def test_tests_whose_names_collide_after_sanitising_are_refused(project: pytest.Pytester) -> None:
    project.makepyfile(test_clash='''
        import pytest

        @pytest.mark.parametrize("p", ["a b", "a_b", "A/B", "other"])
        def test_x(image_snapshot, scene, p):
            image_snapshot.assert_match(scene)
    ''')
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*map to the same snapshot file name 'test_x_a_b'*"])
    assert [p.name for p in snapdir(project, "test_clash").iterdir()] == ["test_x_other.png"]


def test_snapshot_dir_and_results_options(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project.mkpydir("sub")
    project.makepyfile(**{"sub/test_deep": MODULE})
    serial(project, monkeypatch, "--perceptdiff-snapshot-dir=baselines").assert_outcomes(passed=3)
    assert len(list((project.path / "sub" / "baselines" / "test_deep").glob("*.png"))) == 4
    serial(project, monkeypatch, "-o", "perceptdiff_snapshot_dir={rootdir}/central").assert_outcomes(passed=3)
    assert len(list((project.path / "central" / "sub" / "test_deep").glob("*.png"))) == 4
    result = serial(project, monkeypatch, "--perceptdiff-snapshot-dir=baselines",
                    "--perceptdiff-results=out", env={"SCENE": "visible"})
    result.assert_outcomes(failed=3)
    assert (project.path / "out" / "sub" / "test_deep" / "test_plain" / "test_plain.diff.png").is_file()


# -- options -----------------------------------------------------------------------

def test_options_from_flags_ini_marker_and_keywords(project: pytest.Pytester,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_opts='''
        import pytest

        def test_default(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        @pytest.mark.perceptdiff(max_pixels=0)
        def test_marker_strict(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        @pytest.mark.perceptdiff(max_pixels=0)
        def test_keyword_beats_marker(image_snapshot, scene):
            image_snapshot.assert_match(scene, max_pixels=100000)

        @pytest.mark.perceptdiff(ignore=[(36, 0, 28, 20)])
        def test_ignore_region(image_snapshot, scene):
            image_snapshot.assert_match(scene)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=4)
    visible = {"SCENE": "visible"}
    # Defaults: the red square fails everything but the test that ignores its area.
    serial(project, monkeypatch, env=visible).assert_outcomes(passed=2, failed=2)
    # A generous budget on the command line passes the default test; the marker's
    # strict budget still wins for its test.
    result = serial(project, monkeypatch, "--perceptdiff-max-pixels=100000", env=visible)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_opts.py::test_marker_strict*"])
    # The same through the ini key of the same name.
    result = serial(project, monkeypatch, "-o", "perceptdiff_max_pixels=100000", env=visible)
    result.assert_outcomes(passed=3, failed=1)
    # Command line beats ini.
    result = serial(project, monkeypatch, "-o", "perceptdiff_max_pixels=100000",
                    "--perceptdiff-max-pixels=0", env=visible)
    result.assert_outcomes(passed=2, failed=2)


def test_ratio_flag_and_jnd_threshold(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    visible = {"SCENE": "visible"}
    serial(project, monkeypatch, "--perceptdiff-max-ratio=0.9", env=visible).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-jnd-threshold=1000", env=visible).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-viewing=phone", "--perceptdiff-metric=yee",
           env=visible).assert_outcomes(failed=3)


def test_every_comparison_option_has_a_flag_and_ini_key(project: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    visible = {"SCENE": "visible"}
    # ignore (a list in the ini file) and antialiasing reach the comparison ...
    serial(project, monkeypatch, "-o", "perceptdiff_ignore=36,0,28,20 0,0,28,20",
           "--perceptdiff-antialiasing=pixelmatch", env=visible).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-ignore=36,0,28,20", "--perceptdiff-ignore=0,0,28,20",
           env=visible).assert_outcomes(passed=3)
    # ... and an option the chosen metric would not use is refused, not dropped.
    result = serial(project, monkeypatch, "--perceptdiff-metric=yee", "--perceptdiff-antialiasing=off")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*OptionError: antialiasing: metric yee does not use this option*"])
    help_text = project.runpytest("--help").stdout.str()
    assert "comparison defaults" in help_text and "--perceptdiff-antialiasing" in help_text
    for flag in ("--perceptdiff-resize", "--perceptdiff-pad", "--perceptdiff-background"):
        assert flag in help_text


@pytest.mark.parametrize("args, message", [
    (["--perceptdiff-update=sometimes"], "--perceptdiff-update: 'sometimes' is not one of missing, changed, all, none"),
    (["--perceptdiff-ppd=abc"], "--perceptdiff-ppd: 'abc' is not a number"),
    (["--perceptdiff-ppd=-5"], "perceptdiff option (command line): ppd: -5.0 is out of range*"),
    (["--perceptdiff-max-pixels=1.5"], "--perceptdiff-max-pixels: '1.5' is not a whole number"),
    (["--perceptdiff-metric=nope"], "perceptdiff option (command line): metric: unknown metric 'nope'*"),
    (["--perceptdiff-viewing=cinema"], "perceptdiff option (command line): viewing: 'cinema' is not one of*"),
    (["-o", "perceptdiff_jnd_threshold=0"], "perceptdiff option (ini): jnd_threshold: *out of range*"),
    (["-o", "perceptdiff_update=never"], "ini key perceptdiff_update: 'never' is not one of*"),
    (["--perceptdiff-ppd=60", "--perceptdiff-viewing=phone"], "--perceptdiff-ppd and --perceptdiff-viewing: give only one"),
    (["--perceptdiff-antialiasing=fuzzy"], "perceptdiff option (command line): antialiasing: 'fuzzy' is not one of*"),
    (["-o", "perceptdiff_ignore=1,2,3"], "perceptdiff option (ini): ignore region '1,2,3': expected x,y,width,height"),
    (["--perceptdiff-resize", "--perceptdiff-pad"], "--perceptdiff-resize and --perceptdiff-pad: give only one"),
])
def test_bad_option_values_are_usage_errors(project: pytest.Pytester, args: list[str], message: str) -> None:
    add_modules(project, "test_m")
    result = project.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_bad_marker_and_keyword_options_fail_the_test_clearly(project: pytest.Pytester) -> None:
    project.makepyfile(test_bad='''
        import pytest

        @pytest.mark.perceptdiff(ppd=-1)
        def test_marker(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        def test_keyword(image_snapshot, scene):
            image_snapshot.assert_match(scene, bogus_option=3)
    ''')
    result = project.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*OptionError: ppd: -1 is out of range*", "*OptionError: *bogus_option*"])


def test_report_header_names_the_mode(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    result = serial(project, monkeypatch, env={"CI": "1"})
    result.stdout.fnmatch_lines(["perceptdiff: update=none (CI mode: CI environment variable), snapshots=__snapshots__*"])
    plain = serial(project, monkeypatch)
    assert "perceptdiff:" not in plain.stdout.str(), "quiet unless configured"


# -- assertion forms ---------------------------------------------------------------

def test_assert_images_similar_inside_pytest(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_sim='''
        import pytest
        from perceptdiff.testing import assert_images_similar
        from conftest import make_scene

        def test_invisible():
            assert_images_similar(make_scene("noise"), make_scene("base"))

        def test_visible():
            assert_images_similar(make_scene("visible"), make_scene("base"), name="square")

        @pytest.mark.perceptdiff(max_pixels=100000)
        def test_marker_applies():
            assert_images_similar(make_scene("visible"), make_scene("base"))

        def test_expected_failure_is_not_reported():
            with pytest.raises(AssertionError):
                assert_images_similar(make_scene("visible"), make_scene("base"))
    ''')
    result = serial(project, monkeypatch, "--perceptdiff-results=res")
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    # __tracebackhide__: the traceback stops on the user's line.
    result.stdout.fnmatch_lines([
        ">       assert_images_similar(make_scene(\"visible\"), make_scene(\"base\"), name=\"square\")",
        "E       AssertionError: images differ visibly: FAIL: *",
        "test_sim.py:9: AssertionError",
    ])
    assert "perceptdiff/testing.py" not in out
    folder = project.path / "res" / "test_sim" / "test_visible"
    assert sorted(p.name for p in folder.iterdir()) == [
        "square.actual.png", "square.diff.png", "square.expected.png"]
    text = "\n".join(summary(result))
    assert "1 visibly different image(s)" in text and "test_sim.py::test_visible  square" in text
    assert "test_expected_failure_is_not_reported" not in text
    # Its artifacts were still recorded, so the next run cleans them up.
    caught = project.path / "res" / "test_sim" / "test_expected_failure_is_not_reported"
    assert (caught / "images-1.diff.png").is_file()
    serial(project, monkeypatch, "--perceptdiff-results=res", "-k", "invisible").assert_outcomes(passed=1)
    assert not caught.exists() and not folder.exists()


def test_eq_form_explains_mismatch_and_pil_pitfall(project: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_eq='''
        from PIL import Image

        def test_array(image_snapshot, scene):
            assert scene == image_snapshot

        def test_snapshot_left(image_snapshot, scene):
            assert image_snapshot == Image.fromarray(scene)

        def test_pil_left(image_snapshot, scene):
            assert Image.fromarray(scene) == image_snapshot
    ''')
    first = serial(project, monkeypatch)
    first.assert_outcomes(passed=2, failed=1)
    first.stdout.fnmatch_lines([
        ">       assert Image.fromarray(scene) == image_snapshot",
        "E       *assert PIL image == image_snapshot compared Python objects, not pixels",
        "*write `assert image_snapshot == image` or `image_snapshot.assert_match(image)`",
    ])
    result = serial(project, monkeypatch, "-k", "not pil", env={"SCENE": "visible"})
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "E       *assert image == image_snapshot('test_array.png')",
        "E         image differs visibly from snapshot test_array",
        "E         FAIL: *",
        "E         diff:     *test_array.diff.png",
    ])


def test_matplotlib_figure_snapshot(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    need("matplotlib")
    import matplotlib.pyplot  # noqa: F401  (imported once, outside the in-process runs)

    project.makepyfile(test_fig='''
        import os
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        def test_chart(image_snapshot):
            fig, ax = plt.subplots(figsize=(1.6, 1.2))
            ax.plot([0, 1, 2], [0, float(os.environ.get("PEAK", "1")), 0], lw=2)
            image_snapshot.assert_match(fig)
            plt.close(fig)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=1)
    baseline = snapdir(project, "test_fig") / "test_chart.png"
    assert load_image(baseline).size == (160, 120)
    serial(project, monkeypatch).assert_outcomes(passed=1)
    serial(project, monkeypatch, env={"PEAK": "2"}).assert_outcomes(failed=1)


def test_sixteen_bit_baseline_keeps_sixteen_bits(project: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_deep='''
        import numpy as np

        def test_deep(image_snapshot):
            ramp = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 16).astype(np.uint16)
            image_snapshot.assert_match(np.stack([ramp, ramp[::-1], ramp.T], axis=-1))
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=1)
    img = load_image(snapdir(project, "test_deep") / "test_deep.png")
    assert img.pixels.dtype == np.uint16
    ramp = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 16).astype(np.uint16)
    np.testing.assert_array_equal(img.pixels[..., 0], ramp)
    serial(project, monkeypatch).assert_outcomes(passed=1)


# -- results folder, html report ------------------------------------------------------

def test_results_of_a_previous_run_are_cleaned_but_nothing_else(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-results=res", env={"SCENE": "visible"}).assert_outcomes(failed=3)
    res = project.path / "res"
    assert (res / "test_m" / "test_plain" / "test_plain.diff.png").is_file()
    (res / "mine.txt").write_text("not perceptdiff's")
    serial(project, monkeypatch, "--perceptdiff-results=res").assert_outcomes(passed=3)
    assert not (res / "test_m").exists(), "stale artifacts of now-passing tests are removed"
    assert (res / "mine.txt").read_text() == "not perceptdiff's"


def test_pytest_html_report_gets_the_images(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    need("pytest_html")
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    result = serial(project, monkeypatch, "test_m.py::test_plain", "--html=report.html",
                    "--self-contained-html", env={"SCENE": "visible"})
    result.assert_outcomes(failed=1)
    html = (project.path / "report.html").read_text("utf-8")
    for label in ("expected", "actual", "diff"):
        assert f"test_plain {label}" in html
    assert html.count("data:image/png;base64,") >= 3


# -- prune -------------------------------------------------------------------------

def _prepare_prune(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    add_modules(project, "test_a", "test_b")
    serial(project, monkeypatch).assert_outcomes(passed=6)
    a = snapdir(project, "test_a")
    stale = {
        "renamed": a / "test_renamed.png",
        "old_name": a / "test_named--old.png",
        "temp": a / ".test_plain.png.k3j2h1.tmp",
        "gone": project.path / "__snapshots__" / "test_deleted" / "test_x.png",
    }
    stale["gone"].parent.mkdir()
    for path in stale.values():
        path.write_bytes((a / "test_plain.png").read_bytes())
    return stale


def test_prune_reports_then_deletes_only_with_update(run: Runner, project: pytest.Pytester,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    stale = _prepare_prune(project, monkeypatch)
    keep = sorted(p for p in project.path.joinpath("__snapshots__").rglob("*.png") if p not in stale.values())
    result = run("--perceptdiff-prune")
    result.assert_outcomes(passed=6)
    text = "\n".join(summary(result))
    assert "prune: 3 unused baseline(s) found, 1 leftover temporary file(s)" in text
    for path in stale.values():
        assert path.exists() and str(path.relative_to(project.path)) in text
    # Deselection makes the run incomplete: nothing is judged.
    partial = run("--perceptdiff-prune", "--perceptdiff-update=missing", "-k", "test_a")
    assert "prune skipped: 3 test(s) were deselected" in "\n".join(summary(partial))
    assert all(p.exists() for p in stale.values())
    # The whole suite with an explicit update mode: deleted.
    result = run("--perceptdiff-prune", "--perceptdiff-update=missing")
    assert "3 unused baseline(s) deleted" in "\n".join(summary(result))
    assert not any(p.exists() for p in stale.values())
    assert not stale["gone"].parent.exists()
    assert sorted(project.path.joinpath("__snapshots__").rglob("*.png")) == keep


def test_prune_keeps_baselines_of_failed_skipped_and_narrowed_tests(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_p='''
        import os
        import pytest

        def test_ok(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        def test_sometimes(image_snapshot, scene):
            if os.environ.get("SKIP_IT"):
                pytest.skip("not on this machine")
            image_snapshot.assert_match(scene)

        def test_breaks(image_snapshot, scene):
            if os.environ.get("BREAK_IT"):
                raise RuntimeError("broken before the snapshot")
            image_snapshot.assert_match(scene)
    ''')
    add_modules(project, "test_other")
    serial(project, monkeypatch).assert_outcomes(passed=6)
    (snapdir(project, "test_other") / "test_unused.png").write_bytes(b"x")
    before = sorted(project.path.joinpath("__snapshots__").rglob("*.png"))
    result = serial(project, monkeypatch, "--perceptdiff-prune", "--perceptdiff-update=missing",
                    env={"SKIP_IT": "1", "BREAK_IT": "1"})
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    text = "\n".join(summary(result))
    assert "prune: 1 unused baseline(s) deleted (2 kept: their test did not pass)" in text
    assert sorted(project.path.joinpath("__snapshots__").rglob("*.png")) == [
        p for p in before if p.name != "test_unused.png"]
    # Naming a test with :: narrows its module: that module is not judged.
    (snapdir(project, "test_p") / "test_gone.png").write_bytes(b"x")
    result = serial(project, monkeypatch, "--perceptdiff-prune", "test_p.py::test_ok", "test_other.py")
    assert "prune: 0 unused baseline(s) found" in "\n".join(summary(result))


def test_prune_skipped_when_run_stops_early(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_a", "test_b")
    serial(project, monkeypatch).assert_outcomes(passed=6)
    result = serial(project, monkeypatch, "--perceptdiff-prune", "-x", env={"SCENE": "visible"})
    assert "prune skipped: the run stopped early" in "\n".join(summary(result))


# -- a kill during an update ---------------------------------------------------------

PAUSE_HOOK = '''

# Test hook: pause inside the atomic write of test_plain.png so that the test
# driving this run can SIGKILL it there.
import os as _os
import tempfile as _tempfile
import time as _time

_MARKER = _os.environ.get("PD_PAUSE_MARKER")
_STAGE = _os.environ.get("PD_PAUSE_STAGE")


def _pause(what):
    with open(_MARKER + ".tmp", "w") as fh:
        fh.write(what)
    _os.replace(_MARKER + ".tmp", _MARKER)
    _time.sleep(120)


if _MARKER and _STAGE == "before-rename":
    _real_replace = _os.replace

    def _replace(src, dst, *args, **kwargs):
        if _os.fspath(dst).endswith(_os.path.join("__snapshots__", "test_k", "test_plain.png")):
            _pause(_os.fspath(src))
        return _real_replace(src, dst, *args, **kwargs)

    _os.replace = _replace

if _MARKER and _STAGE == "mid-write":
    _real_mkstemp, _real_fdopen = _tempfile.mkstemp, _os.fdopen
    _watched = {}

    def _mkstemp(*args, **kwargs):
        fd, name = _real_mkstemp(*args, **kwargs)
        if _os.path.basename(name).startswith(".test_plain.png."):
            _watched[fd] = name
        return fd, name

    class _HalfWriter:
        def __init__(self, fh, name):
            self._fh, self._name = fh, name

        def write(self, data):
            self._fh.write(data[: len(data) // 2])
            self._fh.flush()
            _pause(self._name)

        def __getattr__(self, attr):
            return getattr(self._fh, attr)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._fh.__exit__(*exc)

    def _fdopen(fd, *args, **kwargs):
        fh = _real_fdopen(fd, *args, **kwargs)
        return _HalfWriter(fh, _watched.pop(fd)) if fd in _watched else fh

    _tempfile.mkstemp, _os.fdopen = _mkstemp, _fdopen
'''


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
@pytest.mark.parametrize("mode, stage", [("serial", "before-rename"), ("serial", "mid-write"),
                                         ("xdist", "before-rename")])
def test_kill_during_update_leaves_the_old_baseline_intact(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        mode: str, stage: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    project.makeconftest(CONFTEST + PAUSE_HOOK)
    add_modules(project, "test_k")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    baseline = snapdir(project, "test_k") / "test_plain.png"
    old = baseline.read_bytes()

    marker = tmp_path / "paused"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(SCENE="visible", PD_PAUSE_MARKER=str(marker), PD_PAUSE_STAGE=stage)
    args = [sys.executable, "-m", "pytest", "--perceptdiff-update=all", f"--basetemp={tmp_path / 'bt'}"]
    if mode == "xdist":
        args += ["-n", "2"]
    with open(tmp_path / "out.txt", "wb") as out:
        proc = subprocess.Popen(args, cwd=project.path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while not marker.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the run never reached the write:\n" + (tmp_path / "out.txt").read_text())
                time.sleep(0.05)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: controller and workers
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # The old baseline is whole and unchanged; the new data sits in the
    # temporary file the kill left behind.
    assert baseline.read_bytes() == old
    np.testing.assert_array_equal(pixels(baseline), conftest_scene("base"))
    temp = Path(marker.read_text())
    assert temp.parent == baseline.parent and temp.name.startswith(".test_plain.png.")
    assert temp.is_file()
    if stage == "before-rename":
        np.testing.assert_array_equal(pixels(temp), conftest_scene("visible"))
    else:
        assert 0 < temp.stat().st_size < len(old) * 2
        with pytest.raises(ImageLoadError):
            load_image(temp)
    # No other file in the folder is damaged (other baselines may have been
    # rewritten before the kill: each is either the old or the new picture).
    for png in snapdir(project, "test_k").glob("*.png"):
        load_image(png)

    # The next run compares against the intact baseline, and prune reports the leftover.
    serial(project, monkeypatch, "test_k.py::test_plain").assert_outcomes(passed=1)
    result = serial(project, monkeypatch, "--perceptdiff-prune", "--perceptdiff-update=missing")
    assert "1 leftover temporary file(s)" in "\n".join(summary(result))
    assert not temp.exists()


# -- the HTML review report ------------------------------------------------------------

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


def test_report_of_a_failed_and_a_missing_snapshot(run: Runner, project: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_r", source=REPORT_MODULE)
    serial(project, monkeypatch, "-k", "test_changed").assert_outcomes(passed=1)
    result = run(env={"SCENE": "visible", "CI": "1"})
    result.assert_outcomes(failed=2)

    # Written by default into the results folder, because something failed.
    folder = results_dir(project) / "report"
    assert (folder / "index.html").is_file()
    text = "\n".join(summary(result))
    assert re.search(r"^report: .*perceptdiff-results/report/index\.html$", text, re.M), text
    data = report_data(folder)
    assert data["counts"]["total"] == 2 and data["counts"]["fail"] == 1 and data["counts"]["new"] == 1
    pairs = {p["name"]: p for p in data["pairs"]}
    assert set(pairs) == {"test_r.py::test_changed", "test_r.py::test_fresh (snapshot legend)"}

    failed = pairs["test_r.py::test_changed"]
    assert failed["status"] == "fail"
    assert failed["accept"] == 'pytest --perceptdiff-update=changed "test_r.py::test_changed"'
    assert sorted(failed["images"]) == ["actual", "diff", "expected"]
    # The comparison's numbers came along from the worker.
    r = failed["result"]
    assert r["verdict"] == "fail" and r["peak_jnd"] > 1 and r["visible_pixels"] > 0
    assert r["region_count"] >= 1 and r["regions"][0]["width"] > 0
    np.testing.assert_array_equal(pixels(folder / failed["images"]["expected"]), conftest_scene("base"))
    np.testing.assert_array_equal(pixels(folder / failed["images"]["actual"]), conftest_scene("visible"))

    missing = pairs["test_r.py::test_fresh (snapshot legend)"]
    assert missing["status"] == "new" and missing["result"] is None
    assert missing["accept"] == 'pytest --perceptdiff-update=missing "test_r.py::test_fresh"'
    assert list(missing["images"]) == ["actual"]
    assert "CI mode" in missing["reason"]
    np.testing.assert_array_equal(pixels(folder / missing["images"]["actual"]), conftest_scene("visible"))

    import json

    summary_json = json.loads((folder / "summary.json").read_text("utf-8"))
    assert [p["status"] for p in summary_json["pairs"]] == ["fail", "new"]

    # A run with nothing failing removes the stale report with the other results
    # (the controller's job, so one serial run shows it for both modes).
    again = serial(project, monkeypatch)
    again.assert_outcomes(passed=2)  # test_fresh writes its baseline now
    assert not folder.exists()
    assert "report:" not in "\n".join(summary(again))


def test_report_flag_and_ini_key_write_after_every_run(project: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_r", source=REPORT_MODULE)
    # Asked for: written although nothing failed, listing the new baselines as passes.
    first = serial(project, monkeypatch, "--perceptdiff-report=out")
    first.assert_outcomes(passed=2)
    assert "report: out/index.html" in summary(first)
    data = report_data(project.path / "out")
    assert [(p["name"], p["status"], p["accept"]) for p in data["pairs"]] == [
        ("test_r.py::test_changed", "pass", None), ("test_r.py::test_fresh (snapshot legend)", "pass", None)]
    assert all("wrote the new baseline" in p["reason"] for p in data["pairs"])
    np.testing.assert_array_equal(pixels(project.path / "out" / data["pairs"][0]["images"]["actual"]),
                                  conftest_scene("base"))

    # The ini key (relative to the ini file); a rewritten baseline keeps the numbers.
    project.mkdir("sub")
    monkeypatch.chdir(project.path / "sub")
    result = serial(project, monkeypatch, "../test_r.py", "-o", "perceptdiff_report=ini-out",
                    "--perceptdiff-update=changed", env={"SCENE": "visible"})
    result.assert_outcomes(passed=2)
    data = report_data(project.path / "ini-out")
    assert {p["status"] for p in data["pairs"]} == {"pass"}
    assert all(p["result"]["verdict"] == "fail" and "rewrote the baseline" in p["reason"]
               for p in data["pairs"])

    # Accept commands name the test as pytest finds it from where it was started
    # (the baselines now show the visible variant, so the base scene fails).
    failing = serial(project, monkeypatch, "../test_r.py", "--perceptdiff-report=here")
    failing.assert_outcomes(failed=2)
    data = report_data(project.path / "sub" / "here")
    assert {p["accept"] for p in data["pairs"]} == {
        'pytest --perceptdiff-update=changed "../test_r.py::test_changed"',
        'pytest --perceptdiff-update=changed "../test_r.py::test_fresh"'}
    assert 'pytest --perceptdiff-update=changed "../test_r.py::test_changed"' in failing.stdout.str()

    # A folder it must not replace: the run's outcome stands, the summary says why.
    (project.path / "taken").mkdir()
    (project.path / "taken" / "mine.txt").write_text("keep")
    monkeypatch.chdir(project.path)
    refused = serial(project, monkeypatch, "--perceptdiff-report=taken")
    refused.assert_outcomes(failed=2)
    assert any(line.startswith("report not written: ") and "not overwritten" in line
               for line in summary(refused)), summary(refused)
    assert (project.path / "taken" / "mine.txt").read_text() == "keep"


def test_report_can_be_built_later_from_a_moved_results_folder(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    add_modules(project, "test_r", source=REPORT_MODULE)
    serial(project, monkeypatch, "-k", "test_changed").assert_outcomes(passed=1)
    serial(project, monkeypatch, "--perceptdiff-results=res", env={"SCENE": "visible", "CI": "1"}
           ).assert_outcomes(failed=2)
    shutil.rmtree(project.path / "res" / "report")
    moved = tmp_path / "downloaded"
    shutil.move(str(project.path / "res"), moved)  # as if fetched from a CI job

    cmd = [sys.executable, "-m", "pytest_perceptdiff.review", str(moved), "-o", str(tmp_path / "rep")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("index.html")
    data = report_data(tmp_path / "rep")
    assert [(p["status"], sorted(p["images"])) for p in data["pairs"]] == [
        ("fail", ["actual", "diff", "expected"]), ("new", ["actual"])]
    assert data["pairs"][0]["result"]["peak_jnd"] > 1

    gone = subprocess.run([sys.executable, "-m", "pytest_perceptdiff.review", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=60)
    assert gone.returncode == 2 and gone.stdout == ""
    assert gone.stderr.count("\n") == 1 and "no such folder" in gone.stderr

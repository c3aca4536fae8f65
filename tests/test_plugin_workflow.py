"""The snapshot workflow: first run, CI mode, update modes, unreadable baselines."""

from __future__ import annotations

import re

import numpy as np
import pytest

from plugin_support import (
    add_modules, conftest_scene, file_bytes, pixels, results_dir, Runner,
    serial, snapdir, SNAPSHOTS, summary,
)


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


def test_update_variant_adds_an_approved_variant_and_never_replaces(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_v='''
        def test_plain(image_snapshot, scene):
            image_snapshot.assert_match(scene)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=1)
    folder = snapdir(project, "test_v")
    base = file_bytes(folder)["test_plain.png"]
    visible = {"SCENE": "visible"}
    serial(project, monkeypatch, env=visible).assert_outcomes(failed=1)
    # The visible render becomes variant 1; the baseline stays as it was.
    result = serial(project, monkeypatch, "--perceptdiff-update=variant", env=visible)
    result.assert_outcomes(passed=1)
    files = file_bytes(folder)
    assert sorted(files) == ["test_plain.png", "test_plain.variant-1.png"] and files["test_plain.png"] == base
    np.testing.assert_array_equal(pixels(folder / "test_plain.variant-1.png"), conftest_scene("visible"))
    # Now both renders pass without any update, the closest variant named; noise too.
    for scene in ("visible", "base", "noise"):
        serial(project, monkeypatch, env={"SCENE": scene}).assert_outcomes(passed=1)
    # Nothing is added when the image is within the spread.
    serial(project, monkeypatch, "--perceptdiff-update=variant", env={"SCENE": "noise"}).assert_outcomes(passed=1)
    assert sorted(file_bytes(folder)) == ["test_plain.png", "test_plain.variant-1.png"]
    # The variants are in use: prune does not list them.
    pruned = serial(project, monkeypatch, "--perceptdiff-prune")
    assert "variant-1" not in pruned.stdout.str()

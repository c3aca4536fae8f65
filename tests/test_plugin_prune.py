"""Unused baselines: prune reports, deletes only when asked, and only after complete runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin_support import add_modules, Runner, serial, snapdir, summary


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

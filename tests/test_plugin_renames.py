"""Likely renames in the pytest plugin (:mod:`pytest_perceptdiff.renames`): a new snapshot that looks
like a baseline no test used is named as its likely rename in the terminal summary, the review
entries and prune's listing; nothing is deleted or moved for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugin_support import Runner, results_dir, serial, snapdir, summary
from perceptdiff.cli import main

OLD = '''
def test_old(image_snapshot, scene):
    image_snapshot.assert_match(scene)


def test_kept(image_snapshot, scene):
    image_snapshot.assert_match(scene[:32, :32] * 0 + 77)  # flat grey, whatever the scene
'''

# test_old renamed to test_new; test_kept as it was.
NEW = OLD.replace("def test_old(", "def test_new(")


def _renamed_project(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    project.makepyfile(test_a=OLD)
    serial(project, monkeypatch).assert_outcomes(passed=2)
    project.makepyfile(test_a=NEW)
    return snapdir(project, "test_a")


def test_a_renamed_test_is_named_and_prune_offers_the_rename(run: Runner, project: pytest.Pytester,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    snaps = _renamed_project(project, monkeypatch)
    old, new = snaps / "test_old.png", snaps / "test_new.png"
    before = old.read_bytes()
    result = run("--perceptdiff-prune")
    result.assert_outcomes(passed=2)
    text = "\n".join(summary(result))
    shown_old, shown_new = "__snapshots__/test_a/test_old.png", "__snapshots__/test_a/test_new.png"
    assert "1 likely renamed snapshot(s) (a new snapshot that looks like a baseline no test used):" in text
    assert f"  test_a.py::test_new  {shown_old} -> {shown_new}" in text
    assert "      renamed (signature distance 0.000), the same pixels" in text
    assert f"      rename it with: mv -- {shown_old} {shown_new}" in text
    # Prune names the rename instead of only offering deletion.
    assert "prune: 0 unused baseline(s) found, 1 more kept: a new snapshot looks like them" in text
    assert (f"  baseline {shown_old} looks like the new snapshot {shown_new} (distance 0.000, identical): "
            f"rename it with mv -- {shown_old} {shown_new}; prune does not delete it") in text
    assert "add --perceptdiff-update=missing to delete them" not in text
    assert old.read_bytes() == before and new.is_file()


def test_prune_with_an_update_mode_keeps_a_likely_renamed_baseline(project: pytest.Pytester,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    snaps = _renamed_project(project, monkeypatch)
    (snaps / "test_gone.png").write_bytes(b"not a picture")  # unused, like nothing: deleted as asked
    result = serial(project, monkeypatch, "--perceptdiff-prune", "--perceptdiff-update=missing")
    result.assert_outcomes(passed=2)
    text = "\n".join(summary(result))
    assert "prune: 1 unused baseline(s) deleted, 1 more kept: a new snapshot looks like them" in text
    assert "looks like the new snapshot __snapshots__/test_a/test_new.png" in text
    assert "it is never deleted for you" in text
    assert (snaps / "test_old.png").is_file() and not (snaps / "test_gone.png").exists()


def test_no_rename_is_guessed_from_an_incomplete_run(project: pytest.Pytester,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _renamed_project(project, monkeypatch)
    result = serial(project, monkeypatch, "-k", "test_new")
    result.assert_outcomes(passed=1)
    assert "likely renamed" not in "\n".join(summary(result))


def test_in_ci_the_summary_holds_a_renamed_pair_that_accept_can_move(project: pytest.Pytester,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    snaps = _renamed_project(project, monkeypatch)
    # The renamed test draws a visibly changed picture, in CI: no baseline is written.
    result = serial(project, monkeypatch, "--perceptdiff-ci", env={"SCENE_test_a": "visible"})
    result.assert_outcomes(failed=1, passed=1)
    text = "\n".join(summary(result))
    assert "test_a.py::test_new  __snapshots__/test_a/test_old.png -> __snapshots__/test_a/test_new.png" in text
    assert "and the picture differs visibly" in text
    assert not (snaps / "test_new.png").exists()
    saved = json.loads((results_dir(project) / "perceptdiff-summary.json").read_text())
    rows = [r for r in saved["pairs"] if r["status"] == "renamed"]
    assert len(rows) == 1 and saved["schema_version"] == 3
    row = rows[0]
    assert row["path"] == "test_a.py::test_new" and row["from"] == "__snapshots__/test_a/test_old.png"
    assert row["expected"] == row["from"] and row["baseline"] == "__snapshots__/test_a/test_new.png"
    assert row["result"]["verdict"] == "fail" and row["images"]["actual"].endswith(".png")
    assert row["reason"].startswith("Likely renamed: the baseline __snapshots__/test_a/test_old.png, "
                                    "which no test used, shows the same picture; renamed (signature distance")
    assert row["accept"] == "mv -- __snapshots__/test_a/test_old.png __snapshots__/test_a/test_new.png"
    # The review report shows the pair, with the heatmap of their comparison.
    page = (results_dir(project) / "report" / "data.js").read_text()
    data = json.loads(page.split(" = ", 1)[1].rstrip().rstrip(";"))
    (shown,) = [p for p in data["pairs"] if p["status"] == "renamed"]
    assert shown["from"] == "__snapshots__/test_a/test_old.png" and shown["images"]["diff_framed"] is True
    assert set(shown["images"]) == {"expected", "actual", "diff", "diff_framed"}
    # The manifest keeps the rename: the report rebuilt from the results folder shows the pair too.
    from pytest_perceptdiff.review import report_from_results

    manifest = json.loads((results_dir(project) / "perceptdiff-results.json").read_text())
    assert [r["old"] for r in manifest["renames"]] == [str(snaps / "test_old.png")]
    rebuilt = report_from_results(results_dir(project), project.path / "rebuilt").with_name("data.js")
    data = json.loads(rebuilt.read_text().split(" = ", 1)[1].rstrip().rstrip(";"))
    (pair,) = [p for p in data["pairs"] if p["status"] == "renamed"]
    assert pair["name"] == "test_a.py::test_new" and pair["from"] == "__snapshots__/test_a/test_old.png"
    assert set(pair["images"]) == {"expected", "actual"}  # the pair side by side (no heatmap drawn here)
    # Nothing moved by itself; accept without --renamed leaves it alone, with it moves it.
    monkeypatch.chdir(project.path)
    summary_file = str(results_dir(project) / "perceptdiff-summary.json")
    assert main(["accept", summary_file]) == 0
    assert (snaps / "test_old.png").is_file() and not (snaps / "test_new.png").exists()
    assert main(["accept", summary_file, "--renamed", "move"]) == 0
    assert not (snaps / "test_old.png").exists() and (snaps / "test_new.png").is_file()
    serial(project, monkeypatch, "--perceptdiff-ci", env={"SCENE_test_a": "visible"}).assert_outcomes(passed=2)


def test_github_annotates_a_passing_rename_as_a_warning(project: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    _renamed_project(project, monkeypatch)
    step = tmp_path / "step.md"
    result = serial(project, monkeypatch, env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step)})
    result.assert_outcomes(passed=2)
    warnings = [ln for ln in result.stdout.lines if ln.startswith("::warning ")]
    assert len(warnings) == 1 and "title=perceptdiff%3A renamed" in warnings[0]
    assert "__snapshots__/test_a/test_old.png -> test_a.py::test_new" in warnings[0]
    assert not [ln for ln in result.stdout.lines if ln.startswith("::error ")]
    assert "1 renamed" in step.read_text()


def test_accept_move_of_a_written_rename_only_deletes_the_old_baseline(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    snaps = _renamed_project(project, monkeypatch)
    serial(project, monkeypatch).assert_outcomes(passed=2)  # default mode: test_new's baseline is written
    written = (snaps / "test_new.png").read_bytes()
    summary_file = str(results_dir(project) / "perceptdiff-summary.json")
    monkeypatch.chdir(project.path)
    assert main(["accept", summary_file, "--renamed", "copy"]) == 0
    assert (snaps / "test_old.png").is_file() and (snaps / "test_new.png").read_bytes() == written
    assert main(["accept", summary_file, "--renamed", "move"]) == 0
    assert not (snaps / "test_old.png").exists() and (snaps / "test_new.png").read_bytes() == written

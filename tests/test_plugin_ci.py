"""What a plugin run leaves for CI: GitHub annotations and job summary, JUnit attachments,
``perceptdiff-summary.json`` that ``perceptdiff merge`` and ``perceptdiff accept`` read."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from perceptdiff.cli import main
from plugin_support import (REPORT_MODULE, Runner, add_modules, conftest_scene, pixels, results_dir, serial,
                            snapdir)


def _failing_run(run: Runner, project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                 *args: str, env: dict[str, str] | None = None) -> pytest.RunResult:
    """test_changed differs visibly, test_fresh has no baseline (CI mode)."""
    add_modules(project, "test_r", source=REPORT_MODULE)
    serial(project, monkeypatch, "-k", "test_changed").assert_outcomes(passed=1)
    result = run(*args, env={"SCENE": "visible", "CI": "1", **(env or {})})
    result.assert_outcomes(failed=2)
    return result


def test_github_annotations_and_job_summary(run: Runner, project: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    step = project.path / "step-summary.md"
    result = _failing_run(run, project, monkeypatch, env={
        "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step), "GITHUB_WORKSPACE": str(project.path)})
    commands = [line for line in result.stdout.lines if line.startswith("::")]
    # At the test's own line, so GitHub shows them beside the code; the missing baseline is an
    # error too, since it fails its test.
    assert commands == [
        "::error file=test_r.py,line=1,title=perceptdiff%3A fail::test_r.py::test_changed: "
        + commands[0].split("::test_changed: ", 1)[1],
        "::error file=test_r.py,line=5,title=perceptdiff%3A new::test_r.py::test_fresh (snapshot legend): "
        "No baseline yet, and this run does not write baselines (CI mode or update mode none): the new image "
        "was saved for review. Accept it if it is right.",
    ]
    assert commands[0].split("::test_changed: ", 1)[1].startswith("visible difference at ")
    text = step.read_text(encoding="utf-8")
    assert text.startswith("### perceptdiff: pytest snapshots\n\n2 image(s): 1 fail, 1 new.")
    assert "| **FAIL** | <code>test_r.py::test_changed</code>" in text and "**Worst regions**" in text


def test_no_github_output_elsewhere_or_when_all_pass(project: pytest.Pytester,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_r", source=REPORT_MODULE)
    step = project.path / "step.md"
    passing = serial(project, monkeypatch, env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step)})
    passing.assert_outcomes(passed=2)  # two baselines written: nothing to annotate
    assert not step.exists() and "::error" not in passing.stdout.str()
    failing = serial(project, monkeypatch, env={"SCENE": "visible", "GITHUB_ACTIONS": "false"})
    failing.assert_outcomes(failed=2)
    assert "::error" not in failing.stdout.str()


@pytest.mark.parametrize("logging", ["no", "system-out"])
def test_junit_carries_the_diff_picture(run: Runner, project: pytest.Pytester,
                                        monkeypatch: pytest.MonkeyPatch, logging: str) -> None:
    _failing_run(run, project, monkeypatch, "--junitxml=junit.xml", "-o", f"junit_logging={logging}")
    cases = {c.get("name"): c for c in ET.parse(project.path / "junit.xml").getroot().iter("testcase")}
    outs = {name: "".join(o.text or "" for o in case.iter("system-out")) for name, case in cases.items()}
    assert all(len(list(case.iter("system-out"))) == 1 for case in cases.values())  # one element, as GitLab reads
    changed = [line for line in outs["test_changed"].splitlines() if line.startswith("[[ATTACHMENT|")]
    fresh = [line for line in outs["test_fresh"].splitlines() if line.startswith("[[ATTACHMENT|")]
    assert len(changed) == 1 and changed[0].endswith("test_changed.diff.png]]")
    assert len(fresh) == 1 and fresh[0].endswith("test_fresh--legend.actual.png]]")
    picture = Path(changed[0][len("[[ATTACHMENT|"):-2])
    assert (picture if picture.is_absolute() else project.path / picture).is_file()


def test_results_summary_merges_across_machines_and_accepts(run: Runner, project: pytest.Pytester,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _failing_run(run, project, monkeypatch)
    results = results_dir(project)
    summary = json.loads((results / "perceptdiff-summary.json").read_text("utf-8"))
    assert summary["schema"] == "perceptdiff-batch" and summary["counts"]["fail"] == 1
    rows = {p["path"]: p for p in summary["pairs"]}
    changed = rows["test_r.py::test_changed"]
    assert changed["baseline"] == "__snapshots__/test_r/test_changed.png"
    assert changed["location"] == "test_r.py:1"
    assert sorted(changed["images"]) == ["actual", "diff", "expected"]  # relative to the results folder
    assert all((results / rel).is_file() for rel in changed["images"].values())
    # The manifest lists the summary, so the next run removes it with the other results.
    assert "perceptdiff-summary.json" in json.loads((results / "perceptdiff-results.json").read_text())["files"]

    # Two machines' results folders, downloaded side by side, merged into one report.
    monkeypatch.chdir(project.path)
    for machine in ("linux", "mac"):
        shutil.copytree(results, project.path / "downloads" / machine)
    capsys.readouterr()
    code = main(["merge", "downloads/linux/perceptdiff-summary.json", "downloads/mac/perceptdiff-summary.json",
                 "--report", "merged", "-q"])
    assert code == 1
    merged = json.loads((project.path / "merged" / "summary.json").read_text("utf-8"))
    names = {p["path"]: p for p in merged["pairs"]}
    assert set(names) == {"test_r.py::test_changed", "test_r.py::test_changed #2",
                          "test_r.py::test_fresh (snapshot legend)", "test_r.py::test_fresh (snapshot legend) #2"}
    np.testing.assert_array_equal(
        pixels(project.path / "merged" / names["test_r.py::test_changed #2"]["images"]["actual"]),
        conftest_scene("visible"))

    # Accept from the summary: both new images become baselines; the tests pass again.
    shutil.rmtree(project.path / "downloads")
    assert main(["accept", str(results / "perceptdiff-summary.json")]) == 0
    out = capsys.readouterr().out
    assert "accepted FAIL test_r.py::test_changed" in out and "accepted NEW  test_r.py::test_fresh" in out
    np.testing.assert_array_equal(pixels(snapdir(project, "test_r") / "test_fresh--legend.png"),
                                  conftest_scene("visible"))
    serial(project, monkeypatch, env={"SCENE": "visible", "CI": "1"}).assert_outcomes(passed=2)

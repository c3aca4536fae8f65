"""The plugin's HTML review report."""

from __future__ import annotations

from pathlib import Path
import re

import numpy as np
import pytest

from plugin_support import (
    add_modules, conftest_scene, pixels, report_data, REPORT_MODULE, results_dir,
    Runner, serial, summary,
)


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


@pytest.mark.slow
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

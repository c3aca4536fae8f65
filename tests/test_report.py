"""Unit tests of the report's contracts: Status, Entry, the JSON summary, the page data, picture staging."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import rgba, write_png
from test_folder import textured, visibly_changed
from perceptdiff import compare
from perceptdiff.entry import STATUSES, Entry, Status, count_statuses, plain
from perceptdiff.errors import OptionError
from perceptdiff.report import write_report
from perceptdiff.report.images import stage_pictures
from perceptdiff.report.page import PAGE_FORMAT, page_data
from perceptdiff.summary import SUMMARY_SCHEMA_VERSION, exit_code, json_text, make_summary


def test_statuses_most_severe_first_and_their_words() -> None:
    assert STATUSES == ("error", "fail", "renamed", "removed", "new", "pass", "identical")
    assert Status.FAIL == "fail" and f"{Status.REMOVED}" == "removed" and str(Status.NEW) == "new"
    assert json.dumps({"s": Status.PASS}) == '{"s": "pass"}'
    assert Status.FAIL.word == "FAIL" and Status.IDENTICAL.label == "Identical"
    assert {s for s in Status if s.failing} == {Status.FAIL, Status.RENAMED, Status.REMOVED}
    assert Status.RENAMED.word == "RENAMED" and Status.RENAMED.label == "Renamed"
    assert {s for s in Status if not s.notable} == {Status.PASS, Status.IDENTICAL}
    with pytest.raises(OptionError, match="status 'missing' is not one of error, fail, renamed, removed"):
        Status.parse("missing")


def test_counts_and_exit_code() -> None:
    counts = count_statuses(["pass", Status.NEW, "pass"])
    assert counts == {"total": 3, "identical": 0, "pass": 2, "fail": 0, "new": 1, "removed": 0, "renamed": 0,
                      "error": 0}
    assert exit_code(counts) == 0  # new images alone do not fail
    assert exit_code(count_statuses(["pass", "removed"])) == 1
    assert exit_code(count_statuses(["pass", "renamed"])) == 1  # a rename changes the suite
    assert exit_code(count_statuses(["fail", "error"])) == 2


def test_entries_check_their_name_status_and_keys() -> None:
    e = Entry.from_mapping({"path": "a.png", "status": "fail", "expected": Path("x.png")})
    assert e.name == "a.png" and e.status is Status.FAIL and e.expected == "x.png"
    for bad, message in (({"status": "pass"}, "'name' must be"), ({"name": "", "status": "pass"}, "'name' must be"),
                         ({"name": "x", "status": "weird"}, "status 'weird'"),
                         ({"name": "x", "status": "pass", "colour": 1}, "unknown key")):
        with pytest.raises(OptionError, match=message):
            Entry.from_mapping(bad)


def test_summary_rows_are_the_schema_and_plain_json() -> None:
    e = Entry("a.png", Status.FAIL, expected="e/a.png", actual="a/a.png",
              result={"verdict": "fail", "peak": np.float32(2.5), "ratio": float("nan")},
              notes=("n",), images={"diff": "pairs/0001/diff.png"}, seconds=0.5)
    row = e.summary_row()
    assert list(row) == ["path", "status", "expected", "actual", "result", "error", "diff", "accept", "notes",
                         "baseline", "reason", "images", "diff_framed", "seconds", "location", "from"]
    assert row["status"] == "fail" and row["result"] == {"verdict": "fail", "peak": 2.5, "ratio": None}
    summary = make_summary([e], expected_dir="e", actual_dir="a", options={"ignore": ((0, 0, 1, 1),)}, jobs=1)
    assert summary["schema_version"] == SUMMARY_SCHEMA_VERSION == 3
    assert summary["options"] == {"ignore": [[0, 0, 1, 1]]} and summary["exit_code"] == 1
    json.loads(json_text(summary))  # strict JSON: no NaN
    assert plain({Status.NEW: {1, 2}}) == {"new": [1, 2]}


def test_page_data_carries_the_statuses_and_slims_results() -> None:
    e = Entry("a.png", Status.FAIL, result={"verdict": "fail", "options": {"ppd": 40}},
              images={"diff": "pairs/0001/diff.png"}, diff_framed=True)
    data = page_data([e, Entry("b.png", Status.NEW)], title="t", meta={"options": {"ignore": ((1, 2, 3, 4),)}})
    assert data["format"] == PAGE_FORMAT == 2
    assert [s["key"] for s in data["statuses"]] == list(STATUSES)
    assert data["statuses"][3] == {"key": "removed", "label": "Removed", "notable": True}
    assert data["statuses"][-1] == {"key": "identical", "label": "Identical", "notable": False}
    first = data["pairs"][0]
    assert first["images"] == {"diff": "pairs/0001/diff.png", "diff_framed": True}
    assert first["result"] == {"verdict": "fail"}  # the options are shown once, in the header
    assert data["meta"]["options"] == {"ignore": [[1, 2, 3, 4]]} and data["counts"]["new"] == 1


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    a = rgba(24, 32, (200, 200, 200))
    b = a.copy()
    b[4:12, 4:12, :3] = (20, 20, 200)
    return write_png(tmp_path / "a.png", a), write_png(tmp_path / "b.png", b)


def test_stage_pictures_draws_the_heatmap_and_notes_what_it_cannot_show(tmp_path: Path) -> None:
    a, b = _pair(tmp_path)
    staging = tmp_path / "stage"
    staging.mkdir()
    images, framed, notes = stage_pictures(staging, 3, expected=a, actual=b, diff=a, comparison=compare(a, b))
    assert framed and images == {"diff": "pairs/0003/diff.png", "expected": "pairs/0003/expected.png",
                                 "actual": "pairs/0003/actual.png"} and notes == []
    assert all((staging / rel).is_file() for rel in images.values())
    images, framed, notes = stage_pictures(staging, 4, expected=a, actual=b, same=True)
    assert images["actual"] == images["expected"] and not framed
    images, _, notes = stage_pictures(staging, 5, actual=tmp_path / "gone.png")
    assert images == {} and notes and notes[0].startswith("actual image not shown: ")


def test_write_report_takes_entries_and_mappings(tmp_path: Path) -> None:
    a, b = _pair(tmp_path)
    res = compare(a, b)
    entries = [Entry("x", Status.FAIL, expected=str(a), actual=str(b), comparison=res),
               {"name": "y", "status": "removed", "expected": a, "reason": "only in the expected folder"}]
    index = write_report(entries, tmp_path / "rep")
    summary = json.loads((index.parent / "summary.json").read_text("utf-8"))
    assert [p["status"] for p in summary["pairs"]] == ["fail", "removed"]
    assert summary["pairs"][0]["result"]["verdict"] == "fail"  # from the comparison object
    assert summary["counts"]["removed"] == 1 and summary["exit_code"] == 1


def test_write_report_for_other_callers(tmp_path: Path) -> None:
    import perceptdiff

    a, b = write_png(tmp_path / "a.png", textured()), write_png(tmp_path / "b.png", visibly_changed(textured()))
    res = perceptdiff.compare(a, b)
    entries = [
        {"name": "tests/test_ui.py::test_button", "status": res.verdict, "expected": a, "actual": b,
         "comparison": res, "accept": "pytest --perceptdiff-update"},
        {"name": "tests/test_ui.py::test_new", "status": "new", "actual": b},
        {"name": "tests/test_ui.py::test_diff_file", "status": "fail", "expected": a, "actual": b,
         "diff": a, "result": res.to_dict()},
    ]
    index = write_report(entries, tmp_path / "rep", title="UI <snapshots>")
    assert index == tmp_path / "rep" / "index.html"
    assert "UI &lt;snapshots&gt;" in index.read_text()
    js = (tmp_path / "rep" / "data.js").read_text()
    data = json.loads(js[js.index("= ") + 2:].rstrip().rstrip(";"))
    first, new, given = data["pairs"]
    assert first["images"]["diff_framed"] is True and first["result"]["verdict"] == "fail"
    assert set(new["images"]) == {"actual"}
    assert "diff_framed" not in given["images"] and "diff" in given["images"]
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert summary["counts"]["fail"] == 2 and summary["pairs"][0]["path"] == "tests/test_ui.py::test_button"
    with pytest.raises(OptionError):
        write_report([{"name": "x", "status": "weird"}], tmp_path / "rep2")

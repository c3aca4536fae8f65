"""perceptdiff.github: workflow-command escaping, annotations, the job summary, and when they are written."""

from __future__ import annotations

import io
from pathlib import Path

from perceptdiff.entry import Entry, Status
from perceptdiff.github import (MAX_ANNOTATIONS, annotation_lines, escape_data, escape_property, in_github_actions,
                                publish, step_summary, workflow_command)

GH = {"GITHUB_ACTIONS": "true"}


def _fail(name: str, peak: float = 12.5, **kw) -> Entry:
    region = {"x": 3, "y": 4, "width": 10, "height": 5, "pixels": 42, "peak_jnd": peak, "failing": True}
    return Entry(name, Status.FAIL, result={"reason": f"visible difference, peak {peak}", "peak_jnd": peak,
                                            "visible_pixels": 42, "regions": [region]}, **kw)


def test_escaping_follows_githubs_rules() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # A message may hold ':' and ',' unescaped; properties may not.
    assert workflow_command("error", "x: y, z", file="d/a,b:c.png", line=3, title=None) == \
        "::error file=d/a%2Cb%3Ac.png,line=3::x: y, z"
    assert workflow_command("warning", "plain") == "::warning::plain"


def test_annotations_point_at_the_image_or_the_test(tmp_path: Path) -> None:
    env = {**GH, "GITHUB_WORKSPACE": str(tmp_path)}
    entries = [
        _fail("charts/a.png", actual=str(tmp_path / "renders" / "charts" / "a.png")),
        Entry("gone.png", Status.REMOVED, expected=str(tmp_path / "approved" / "gone.png"),
              reason="only in the expected folder"),
        Entry("fresh.png", Status.NEW, actual="/elsewhere/fresh.png", reason="no baseline yet"),
        Entry("t.py::test_x", Status.FAIL, location=str(tmp_path / "tests" / "t.py") + ":12",
              result={"reason": "visible"}),
        Entry("ok.png", Status.PASS), Entry("same.png", Status.IDENTICAL),
        Entry("bad.png", Status.ERROR, error="truncated\nPNG"),
    ]
    lines = annotation_lines(entries, environ=env)
    assert lines == [
        "::error file=renders/charts/a.png,title=perceptdiff%3A fail::charts/a.png: visible difference, peak 12.5",
        "::error file=approved/gone.png,title=perceptdiff%3A removed::gone.png: only in the expected folder",
        "::error file=tests/t.py,line=12,title=perceptdiff%3A fail::t.py::test_x: visible",
        "::error title=perceptdiff%3A error::bad.png: truncated%0APNG",
        "::warning file=/elsewhere/fresh.png,title=perceptdiff%3A new::fresh.png: no baseline yet",
    ]
    # In the plugin a missing baseline fails its test: an error there.
    assert annotation_lines(entries[2:3], new_fails=True, environ=env)[0].startswith("::error ")


def test_annotations_beyond_githubs_limit_are_counted() -> None:
    lines = annotation_lines([_fail(f"{i:02d}.png") for i in range(25)], environ=GH)
    assert len(lines) == MAX_ANNOTATIONS
    assert lines[-1] == "::error title=perceptdiff%3A 16 more::16 more image(s) listed in the job summary"


def test_step_summary_tables_escape_names_and_rank_the_worst() -> None:
    entries = [_fail("a|b<c>.png", peak=5.0), _fail("worst.png", peak=80.0),
               Entry("ok.png", Status.PASS, result={"peak_jnd": 0.5})]
    md = step_summary(entries, title="perceptdiff", report="out/report/index.html")
    assert "3 image(s): 2 fail, 1 pass." in md
    rows = [line for line in md.splitlines() if line.startswith("| **")]
    assert rows[0].startswith("| **FAIL** | <code>worst.png</code> | 80 | 42 |")
    assert "<code>a&#124;b&lt;c&gt;.png</code>" in rows[1]  # no stray column, no HTML
    assert all(line.count("|") == 6 for line in rows)
    assert "ok.png" not in md.split("**Worst regions**")[0]  # passing pairs are not listed
    regions = md.split("**Worst regions**")[1]
    assert regions.index("worst.png") < regions.index("a&#124;b")
    assert "| 3, 4, 10×5 | 42 | 80 |" in regions
    assert "out/report/index.html" in md


def test_publish_only_inside_github_actions(tmp_path: Path) -> None:
    out = io.StringIO()
    assert not in_github_actions({"GITHUB_ACTIONS": "false"}) and in_github_actions({"GITHUB_ACTIONS": "true"})
    assert publish([_fail("a.png")], stream=out, environ={}) is False and out.getvalue() == ""
    summary = tmp_path / "step.md"
    summary.write_text("earlier step output\n", encoding="utf-8")
    env = {**GH, "GITHUB_STEP_SUMMARY": str(summary)}
    assert publish([_fail("a.png")], stream=out, environ=env, title="run 1")
    assert publish([_fail("b.png")], stream=out, environ=env, title="run 2")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step output\n")  # appended, never replaced
    assert text.index("### run 1") < text.index("### run 2")
    assert out.getvalue().count("::error ") == 2


def test_an_unwritable_job_summary_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    out = io.StringIO()
    env = {**GH, "GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "step.md")}
    assert publish([_fail("a.png")], stream=out, environ=env)
    assert "::warning title=perceptdiff::job summary not written" in out.getvalue()


def test_a_rename_is_an_error_named_old_to_new_and_lists_its_regions_when_changed(tmp_path: Path) -> None:
    region = {"x": 1, "y": 2, "width": 3, "height": 4, "pixels": 9, "peak_jnd": 7.5}
    entries = [
        Entry("new/a.png", Status.RENAMED, renamed_from="old/a.png", actual="act/new/a.png",
              reason="renamed (signature distance 0.012), no visible change", result={"verdict": "pass"}),
        Entry("new/b.png", Status.RENAMED, renamed_from="old/b.png", actual="act/new/b.png",
              reason="renamed, and the picture differs visibly",
              result={"verdict": "fail", "peak_jnd": 7.5, "regions": [region]}),
        Entry("t.py::test_y", Status.PASS, result={"verdict": "fail", "regions": [region]}),  # rewritten
    ]
    lines = annotation_lines(entries, environ={**GH, "GITHUB_WORKSPACE": str(tmp_path)})
    assert lines[0].startswith("::error file=act/new/a.png,title=perceptdiff%3A renamed::old/a.png -> new/a.png: "
                               "renamed (signature distance 0.012)")
    assert len(lines) == 2
    md = step_summary(entries)
    assert "2 renamed" in md and "<code>old/a.png -&gt; new/a.png</code>" in md
    worst = md.split("**Worst regions**")[1]
    assert "new/b.png" in worst and "test_y" not in worst  # only the rename whose picture changed

"""JUnit XML of compared pairs (:mod:`perceptdiff.junit`), with the diff picture of a failing pair
attached as GitLab and Jenkins show it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from perceptdiff.entry import Entry, Status
from perceptdiff.junit import junit_xml


def test_junit_escapes_and_strips_what_xml_cannot_hold() -> None:
    rows = [Entry("a&b/<x>\x01.png", Status.ERROR, error="bad \x02 byte & <tag>")]
    root = ET.fromstring(junit_xml(rows))
    case = root.find("./testsuite/testcase")
    assert case.get("name") == "<x>\ufffd.png" and case.get("classname") == "perceptdiff.a&b"
    assert case.find("error").get("message") == "bad \ufffd byte & <tag>"


def _cases(entries: list[Entry], **kw) -> dict[str, ET.Element]:
    root = ET.fromstring(junit_xml(entries, **kw))
    return {c.get("file"): c for c in root.iter("testcase")}


def test_attachments_name_the_picture_on_a_line_of_its_own(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    (work / "report" / "pairs" / "0001").mkdir(parents=True)
    (work / "report" / "pairs" / "0001" / "diff.png").write_bytes(b"png")
    (work / "diffs").mkdir()
    (work / "diffs" / "b.png").write_bytes(b"png")
    outside = tmp_path / "renders" / "new.png"
    outside.parent.mkdir()
    outside.write_bytes(b"png")
    monkeypatch.chdir(work)
    entries = [
        Entry("a.png", Status.FAIL, images={"diff": "pairs/0001/diff.png"}, result={"reason": "visible"}),
        Entry("b.png", Status.FAIL, diff="diffs/b.png", images={"diff": "pairs/0002/diff.png"}),
        Entry("c.png", Status.FAIL, diff="diffs/gone.png"),            # nothing on disk: no attachment
        Entry("new.png", Status.NEW, actual=str(outside), reason="no baseline yet"),
        Entry("same.png", Status.IDENTICAL, images={"diff": "pairs/0001/diff.png"}),
    ]
    cases = _cases(entries, images_root="report")
    assert cases["a.png"].find("system-out").text == "[[ATTACHMENT|report/pairs/0001/diff.png]]"
    assert cases["b.png"].find("system-out").text == "[[ATTACHMENT|diffs/b.png]]"  # the --diff image first
    assert cases["c.png"].find("system-out") is None
    new_out = cases["new.png"].find("system-out").text.splitlines()
    assert new_out[-1] == f"[[ATTACHMENT|{outside}]]"  # outside the working folder: absolute
    assert "ATTACHMENT" not in cases["same.png"].find("system-out").text
    # Without the report folder the staged picture cannot be found: no attachment, no error.
    assert _cases(entries[:1])["a.png"].find("system-out") is None


def test_a_rename_fails_as_renamed_or_as_a_visible_difference(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("new.png").write_bytes(b"png")
    Path("diff.png").write_bytes(b"png")
    entries = [
        Entry("a.png", Status.RENAMED, renamed_from="old/a.png", actual="new.png",
              reason="renamed (signature distance 0.010), no visible change", result={"verdict": "pass"}),
        Entry("b.png", Status.RENAMED, renamed_from="old/b.png", diff="diff.png",
              reason="renamed, and the picture differs visibly", result={"verdict": "fail"}),
    ]
    root = ET.fromstring(junit_xml(entries))
    assert root.get("failures") == "2" and root.get("skipped") == "0"
    cases = {c.get("file"): c for c in root.iter("testcase")}
    same, changed = cases["a.png"].find("failure"), cases["b.png"].find("failure")
    assert same.get("type") == "renamed" and changed.get("type") == "visible-difference"
    assert same.get("message").startswith("renamed from old/a.png: renamed (signature distance 0.010)")
    assert "renamed from: old/a.png" in same.text
    # The picture: the new image of an unchanged rename, the diff of a changed one.
    assert cases["a.png"].find("system-out").text == "[[ATTACHMENT|new.png]]"
    assert cases["b.png"].find("system-out").text == "[[ATTACHMENT|diff.png]]"

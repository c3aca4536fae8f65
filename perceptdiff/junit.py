"""JUnit XML of a folder comparison: one test case per image pair.

CI systems (GitLab, Jenkins, GitHub test reporters, Azure) read this format
and list every pair as a test.  The layout::

    <testsuites name="perceptdiff" tests=".." failures=".." errors=".." skipped=".." time="..">
      <testsuite name="perceptdiff" ...>
        <properties><property name="expected_dir" value="..."/>...</properties>
        <testcase classname="perceptdiff.charts" name="line.png" file="charts/line.png" time="0.031">
          <failure type="visible-difference" message="2 visible regions ...">...</failure>
        </testcase>
      </testsuite>
    </testsuites>

``classname`` is ``perceptdiff`` followed by the pair's folder with ``/``
turned into ``.`` (so tools that group by package show the folder tree);
``name`` is the file name.  ``fail``, ``renamed`` and ``removed`` pairs carry a
``<failure>`` (of type ``visible-difference``, ``renamed`` or ``removed``;
a rename whose picture changed visibly is a ``visible-difference`` whose
message names the old name), ``error``
pairs an ``<error>``, and ``new`` pairs (no baseline yet, which does not fail
the run) are ``<skipped>``.  Characters XML 1.0
cannot hold are replaced by U+FFFD.

The diff picture of a failing pair (and the new image of a ``new`` one, or of
a rename whose picture did not change visibly) is
attached the way GitLab's test reports and Jenkins' JUnit Attachments plugin
read it: a line ``[[ATTACHMENT|path]]`` in the test case's ``<system-out>``,
the path relative to the working folder (GitLab resolves it in the job's
artifacts, from the project folder) or absolute when the file is elsewhere.
The picture is the ``--diff`` image when one was written, else the report's
heatmap (``images_root``: the report folder).
"""

from __future__ import annotations

import os
import re
import socket
import time
import xml.etree.ElementTree as ET
from typing import Any, Mapping, Sequence

from .entry import Entry, Status
from .fileio import atomic_write_bytes

__all__ = ["junit_xml", "write_junit"]

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _INVALID_XML.sub("\ufffd", str(text))


def _details(entry: Entry) -> str:
    lines = []
    res = entry.result or {}
    if entry.renamed_from is not None:
        lines.append(f"renamed from: {entry.renamed_from}")
    for key, path in (("expected", entry.expected), ("actual", entry.actual)):
        if path:
            lines.append(f"{key}: {path}")
    if res:
        lines.append(f"verdict: {res.get('verdict')} ({res.get('reason')})")
        for key in ("peak_jnd", "p999_jnd", "visible_pixels", "visible_ratio", "region_count"):
            if res.get(key) is not None:
                lines.append(f"{key}: {res[key]}")
    if entry.diff:
        lines.append(f"diff image: {entry.diff}")
    for note in entry.notes:
        lines.append(f"note: {note}")
    if entry.accept:
        lines.append(f"accept the new image: {entry.accept}")
    return "\n".join(lines)


def _attachment(path: str) -> str:
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute)
    return absolute if rel.startswith("..") else rel


def _attachments(entry: Entry, images_root: str | os.PathLike[str] | None) -> list[str]:
    """``[[ATTACHMENT|path]]`` lines of the entry's picture (diff of a failure, image of a new pair)."""
    kind = {Status.FAIL: "diff", Status.NEW: "actual"}.get(entry.status)
    if entry.status is Status.RENAMED:
        kind = "diff" if entry.verdict == Status.FAIL.value else "actual"
    if kind is None:
        return []
    given = entry.diff if kind == "diff" else entry.actual
    staged = entry.images.get(kind)
    candidates = [given, os.path.join(images_root, *staged.split("/")) if staged and images_root else None]
    for path in candidates:
        if path and os.path.isfile(path):
            return [f"[[ATTACHMENT|{_attachment(path)}]]"]
    return []


def junit_xml(entries: Sequence[Entry], *, name: str = "perceptdiff",
              properties: Mapping[str, Any] | None = None, wall_s: float | None = None,
              images_root: str | os.PathLike[str] | None = None) -> bytes:
    """JUnit XML (UTF-8 bytes) of a folder comparison's entries.

    Parameters
    ----------
    entries : sequence of Entry
        One per pair; ``name`` is the pair's relative path.
    name : str
        Name of the test suite and prefix of the class names.
    properties : mapping, optional
        ``<property>`` elements of the suite.
    wall_s : float, optional
        Elapsed time of the run (defaults to the sum of the pairs' times).
    images_root : path, optional
        The folder the entries' ``images`` are relative to (the report), for
        the attachments.
    """
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    cases = []
    total_time = 0.0
    for entry in entries:
        path = entry.name.rstrip("/")
        folder, _, base = path.rpartition("/")
        classname = name + ("." + folder.replace("/", ".") if folder else "")
        seconds = float(entry.seconds or 0.0)
        total_time += seconds
        case = ET.Element("testcase", {"classname": _clean(classname), "name": _clean(base or path),
                                       "file": _clean(entry.name), "time": f"{seconds:.3f}"})
        status = entry.status
        res = entry.result or {}
        attached = _attachments(entry, images_root)
        if status is Status.FAIL:
            counts["failures"] += 1
            el = ET.SubElement(case, "failure", {"type": "visible-difference",
                                                 "message": _clean(res.get("reason", "visible difference"))})
            el.text = _clean(_details(entry))
            if attached:
                ET.SubElement(case, "system-out").text = _clean("\n".join(attached))
        elif status is Status.RENAMED:
            counts["failures"] += 1
            changed = entry.verdict == Status.FAIL.value
            el = ET.SubElement(case, "failure", {
                "type": "visible-difference" if changed else status.value,
                "message": _clean(f"renamed from {entry.renamed_from}: {entry.reason or res.get('reason', '')}")})
            el.text = _clean(_details(entry))
            if attached:
                ET.SubElement(case, "system-out").text = _clean("\n".join(attached))
        elif status is Status.REMOVED:
            counts["failures"] += 1
            el = ET.SubElement(case, "failure", {"type": status.value,
                                                 "message": _clean(entry.reason or status.value)})
            el.text = _clean(_details(entry))
        elif status is Status.ERROR:
            counts["errors"] += 1
            el = ET.SubElement(case, "error", {"type": "error", "message": _clean(entry.error or "error")})
            el.text = _clean(_details(entry))
        elif status is Status.NEW:
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", {"message": _clean(entry.reason or "no baseline")})
            out = ET.SubElement(case, "system-out")
            out.text = _clean("\n".join([_details(entry), *attached]))
        else:
            out = ET.SubElement(case, "system-out")
            out.text = _clean(f"{status.value}: {res.get('reason', '')}")
        cases.append(case)
    wall = total_time if wall_s is None else float(wall_s)
    attrs = {"name": _clean(name), "tests": str(len(cases)), "failures": str(counts["failures"]),
             "errors": str(counts["errors"]), "skipped": str(counts["skipped"]), "time": f"{wall:.3f}"}
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", {
        **attrs, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"), "hostname": _clean(socket.gethostname())})
    if properties:
        props = ET.SubElement(suite, "properties")
        for k, v in properties.items():
            ET.SubElement(props, "property", {"name": _clean(k), "value": _clean(v)})
    suite.extend(cases)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(entries: Sequence[Entry], path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Write :func:`junit_xml` to ``path`` atomically."""
    atomic_write_bytes(path, junit_xml(entries, **kwargs))

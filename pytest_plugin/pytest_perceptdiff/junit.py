"""Diff pictures in pytest's JUnit XML (``--junitxml``), as GitLab and Jenkins show them.

GitLab's test reports and Jenkins' JUnit Attachments plugin look for lines
``[[ATTACHMENT|path]]`` in a test case's ``<system-out>``.  For each test
whose snapshot failed, the plugin puts its diff picture there (the new image
when the baseline was missing), with the path relative to the folder pytest
was started in (the project folder in CI) or absolute when elsewhere.

pytest writes ``<system-out>`` itself only when ``junit_logging`` asks for
captured output (``system-out``, ``out-err``, ``all``); then the lines join
the captured output (a report section, so they also show under the failure
on the terminal).  Otherwise the plugin adds the element to the test case
through pytest's JUnit reporter (``_pytest.junitxml``: its node reporters are
not public API, so any change there costs only the attachment, never the run).

Runs where every test's results arrive: the only process or the xdist
controller (the JUnit file is written there).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from typing import Any

import pytest

__all__ = ["JUnitAttachments", "register"]

#: ``junit_logging`` values with which pytest writes captured stdout into ``<system-out>``.
_WRITES_STDOUT = ("system-out", "out-err", "all")

#: Report section holding the lines (its name starts "Captured stdout", which pytest copies).
SECTION = "Captured stdout perceptdiff"


def _shown(path: str, start: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), start)
    return os.path.abspath(path) if rel.startswith("..") else rel


def attachment_lines(payload: Any, start: str) -> list[str]:
    """The attachment lines of a test report's perceptdiff payload (failed events only)."""
    from .events import SnapshotEvent

    lines = []
    for data in (payload or {}).get("events", ()):
        event = SnapshotEvent.from_dict(data)
        if event is None or not event.kind.fails or event.expected:
            continue
        picture = event.files.get("diff") or event.files.get("actual")
        if picture and os.path.isfile(picture):
            lines.append(f"[[ATTACHMENT|{_shown(picture, start)}]]")
    return lines


class JUnitAttachments:
    """Collects each test's lines from its call report and adds them at its teardown report."""

    def __init__(self, xml: Any, start: str) -> None:
        self.xml = xml
        self.start = start
        self.pending: dict[tuple[str, Any], list[str]] = {}

    @pytest.hookimpl(tryfirst=True)  # before pytest's JUnit reporter reads the teardown report
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = (report.nodeid, getattr(report, "node", None))
        lines = attachment_lines(getattr(report, "perceptdiff", None), self.start)
        if lines:
            self.pending.setdefault(key, []).extend(lines)
        if report.when != "teardown" or key not in self.pending:
            return
        text = "\n".join(self.pending.pop(key)) + "\n"
        if getattr(self.xml, "logging", "no") in _WRITES_STDOUT:
            report.sections.append((SECTION, text))
            return
        try:
            reporter = self.xml.node_reporter(report)
            element = ET.Element("system-out")
            element.text = text
            reporter.append(element)
        except Exception:  # pytest's reporter changed: no attachment, the run goes on
            pass


def register(config: pytest.Config, start: str) -> None:
    """Register the collector when pytest writes JUnit XML in this process."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:
        return
    xml = config.stash.get(xml_key, None)
    if xml is not None:
        config.pluginmanager.register(JUnitAttachments(xml, start), "perceptdiff-junit")

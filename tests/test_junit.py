"""JUnit XML of compared pairs (:mod:`perceptdiff.junit`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from perceptdiff.entry import Entry, Status
from perceptdiff.junit import junit_xml


def test_junit_escapes_and_strips_what_xml_cannot_hold() -> None:
    rows = [Entry("a&b/<x>\x01.png", Status.ERROR, error="bad \x02 byte & <tag>")]
    root = ET.fromstring(junit_xml(rows))
    case = root.find("./testsuite/testcase")
    assert case.get("name") == "<x>\ufffd.png" and case.get("classname") == "perceptdiff.a&b"
    assert case.find("error").get("message") == "bad \ufffd byte & <tag>"

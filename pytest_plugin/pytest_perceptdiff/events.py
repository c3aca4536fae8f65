"""What a test's snapshots and assertions did: :class:`EventKind` and :class:`SnapshotEvent`.

Events are recorded by :class:`.state.TestContext`, travel from an xdist
worker to the controller as plain dicts on the test report
(``report.perceptdiff``), are listed by the terminal summary, kept in the
results manifest and turned into the review report's entries (each kind
maps to one :class:`perceptdiff.entry.Status`).

This module imports nothing heavy (``perceptdiff.entry`` is plain data).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping

from perceptdiff.entry import Status, plain

__all__ = ["EventKind", "SnapshotEvent"]


class EventKind(str, enum.Enum):
    """What happened to a snapshot (or an ``assert_images_similar`` call), in summary order."""

    FAILED = "failed"     # visibly different
    MISSING = "missing"   # no baseline, and the run does not write baselines
    WRITTEN = "written"   # a missing baseline was written
    UPDATED = "updated"   # a baseline was rewritten

    def __str__(self) -> str:
        return self.value

    @property
    def status(self) -> Status:
        """The report status: ``fail``; ``new`` (an image with no baseline); ``pass`` for the rest."""
        return {EventKind.FAILED: Status.FAIL, EventKind.MISSING: Status.NEW}.get(self, Status.PASS)

    @property
    def fails(self) -> bool:
        """The event fails its test (unless the test expected it)."""
        return self in (EventKind.FAILED, EventKind.MISSING)

    @classmethod
    def parse(cls, value: Any) -> "EventKind | None":
        """The kind named ``value`` (``new``: a manifest of version 1's ``written``); None if unknown."""
        if value == "new":
            return cls.WRITTEN
        try:
            return cls(value)
        except ValueError:
            return None


@dataclass
class SnapshotEvent:
    """One recorded event.

    Attributes
    ----------
    kind : EventKind
        What happened.
    nodeid : str
        The test.
    label : str
        The snapshot's file stem, or the name of an ``assert_images_similar`` call.
    summary : str
        One line for the terminal summary.
    baseline : str or None
        The baseline file (None for ``assert_images_similar``).
    files : dict
        Artifacts written for review (``expected``, ``actual``, ``diff``).
    result : dict or None
        The comparison's ``to_dict()``, as plain JSON.
    accept : str or None
        The command that accepts the new image.
    expected : bool
        The test expected the failure (``pytest.raises(AssertionError)``): left
        out of the summary and the report, kept so its files are cleaned up.
    """

    kind: EventKind
    nodeid: str
    label: str
    summary: str = ""
    baseline: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    accept: str | None = None
    expected: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (what pytest-xdist sends and the manifest keeps)."""
        return {"kind": self.kind.value, "nodeid": self.nodeid, "label": self.label,
                "summary": self.summary, "baseline": self.baseline, "files": dict(self.files),
                "result": plain(self.result), "accept": self.accept, "expected": self.expected}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SnapshotEvent | None":
        """The event of :meth:`to_dict` (or of a version-1 manifest); None for an unknown kind."""
        kind = EventKind.parse(data.get("kind"))
        if kind is None:
            return None
        result = data.get("result")
        return cls(kind=kind, nodeid=str(data.get("nodeid") or "?"), label=str(data.get("label") or ""),
                   summary=str(data.get("summary") or ""),
                   baseline=str(data["baseline"]) if data.get("baseline") else None,
                   files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
                   result=dict(result) if isinstance(result, Mapping) else None,
                   accept=data.get("accept"), expected=bool(data.get("expected")))

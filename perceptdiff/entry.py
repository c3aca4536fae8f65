"""What became of one compared pair: its :class:`Status` and its :class:`Entry`.

One vocabulary for folder mode, the pytest plugin's results, the HTML
report, the JSON summary and JUnit:

``identical``
    the files or their decoded pixels are equal;
``pass``
    they differ, but not visibly;
``fail``
    they differ visibly (or their sizes differ);
``new``
    an image with no baseline: in folder mode a file only in ACTUAL; in the
    plugin a snapshot whose baseline is missing and was not written;
``removed``
    a baseline with no new image: a file only in EXPECTED (folder mode);
``renamed``
    a new image and a removed baseline that show the same picture (their
    signatures are near, :func:`perceptdiff.signatures.find_renames`),
    compared with each other by the eye model as usual: the entry is named
    by the new name and carries the old one (:attr:`Entry.renamed_from`,
    ``from`` in JSON); its ``result`` holds the verdict, so a renamed image
    whose content changed visibly says so (``result["verdict"] == "fail"``).
    A rename fails a folder comparison like ``removed``: the baselines no
    longer match the suite (``diff -r`` reports "Only in" and exits 1);
``error``
    the pair could not be compared (unreadable or corrupt file, unreadable
    folder).

"missing" is only ever said of a baseline (the plugin's "missing baseline",
``--perceptdiff-update=missing``); until summary schema 2 the folder status
``removed`` was also called ``missing``.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .errors import OptionError

__all__ = ["Status", "STATUSES", "Entry", "count_statuses", "renamed_reason", "plain"]


class Status(str, enum.Enum):
    """Outcome of one pair, most severe first (the order the report sorts by)."""

    ERROR = "error"
    FAIL = "fail"
    RENAMED = "renamed"
    REMOVED = "removed"
    NEW = "new"
    PASS = "pass"
    IDENTICAL = "identical"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def word(self) -> str:
        """Upper-case word of the terminal listing (``FAIL``)."""
        return self.value.upper()

    @property
    def label(self) -> str:
        """Capitalised word of the report (``Fail``)."""
        return self.value.capitalize()

    @property
    def failing(self) -> bool:
        """This status makes a folder comparison exit 1 (``fail``, ``renamed``, ``removed``).

        A rename fails even when the picture is unchanged: the baselines still
        carry the old name, so the suite changed and a reviewer should see it
        (as ``diff -r`` exits 1 for a file only on one side).
        """
        return self in (Status.FAIL, Status.RENAMED, Status.REMOVED)

    @property
    def notable(self) -> bool:
        """Someone should look at the pair (anything but ``pass`` and ``identical``)."""
        return self not in (Status.PASS, Status.IDENTICAL)

    @classmethod
    def parse(cls, value: Any) -> "Status":
        """The status named ``value``; :class:`OptionError` for another word."""
        try:
            return cls(value)
        except ValueError:
            raise OptionError(f"status {value!r} is not one of {', '.join(STATUSES)}") from None


#: Status names, most severe first.
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)

#: Order of the ``counts`` object of summaries and the report's data.
_COUNT_ORDER = (Status.IDENTICAL, Status.PASS, Status.FAIL, Status.NEW, Status.REMOVED, Status.RENAMED,
                Status.ERROR)


def count_statuses(statuses: Iterable[Status | str]) -> dict[str, int]:
    """``{"total": n, "identical": .., "pass": .., "fail": .., "new": .., "removed": .., "renamed": ..,
    "error": ..}``."""
    seen = [Status(s) for s in statuses]
    counts = {"total": len(seen)}
    for s in _COUNT_ORDER:
        counts[s.value] = sum(1 for x in seen if x is s)
    return counts


#: What a renamed pair's comparison found, by verdict: the first half of its reason.
_RENAMED_VERDICT: Mapping[str, str] = {
    "identical": "the same pixels",
    "pass": "no visible change",
    "fail": "and the picture differs visibly",
}


def renamed_reason(distance: float | None, result: Mapping[str, Any] | None) -> str:
    """The sentence of a ``renamed`` pair: the signature distance, then the comparison's verdict.

    ``renamed (signature distance 0.012), no visible change: <the comparison's reason>``.
    """
    near = f" (signature distance {distance:.3f})" if distance is not None else ""
    if not result:
        return f"renamed{near}, not compared"
    verdict = str(result.get("verdict"))
    said = str(result.get("reason") or "").strip()
    return f"renamed{near}, {_RENAMED_VERDICT.get(verdict, verdict)}" + (f": {said}" if said else "")


@dataclass
class Entry:
    """One compared pair, as every output shows it.

    Attributes
    ----------
    name : str
        What the pair is called: a relative path (``charts/line.png``, the
        ``path`` of the JSON summary) or a test id.
    status : Status
        The outcome.
    expected, actual : str or None
        The image files (None when absent on that side).
    result : dict or None
        :meth:`perceptdiff.ComparisonResult.to_dict` of the comparison.
    error : str or None
        Why the pair could not be compared (status ``error``).
    diff : str or None
        A diff image written for the pair (``--diff DIR``, the plugin's artifact).
    accept : str or None
        Shell command that makes the new image the baseline.
    reason : str or None
        The sentence that explains the status, where the comparison's own
        reason does not (a file on one side only, a baseline just written).
    notes : list of str
        Remarks.
    images : dict
        Report-relative pictures staged for the HTML report
        (``{"expected": "pairs/0001/expected.png", ...}``).
    diff_framed : bool
        ``images["diff"]`` is the report's own heatmap, in the compared frame.
    seconds : float
        Time spent on the pair.
    comparison : perceptdiff.ComparisonResult or None
        The result object itself, while it is at hand (not serialised): the
        report draws its heatmap from it.
    baseline : str or None
        The file that accepting the new image replaces (folder mode: the
        expected file, or where it would go for a ``new`` image; the plugin:
        the snapshot's baseline).  ``perceptdiff accept`` writes there.
    location : str or None
        The code that made the image, as ``path:line`` (the test, for the
        pytest plugin): where CI annotations point.
    renamed_from : str or None
        For a ``renamed`` entry, the name it had before (``from`` in JSON):
        in folder mode the relative path of the expected file; for the pytest
        plugin the baseline file no test used.  :attr:`expected` is that
        old file, :attr:`baseline` where the new name's baseline goes.
    """

    name: str
    status: Status
    expected: str | None = None
    actual: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    diff: str | None = None
    accept: str | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)
    diff_framed: bool = False
    seconds: float = 0.0
    comparison: Any = field(default=None, repr=False, compare=False)
    baseline: str | None = None
    location: str | None = None
    renamed_from: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise OptionError(f"report entry {self.name!r}: 'name' must be a non-empty string")
        try:
            self.status = Status.parse(self.status)
        except OptionError as exc:
            raise OptionError(f"report entry {self.name!r}: {exc}") from None
        self.notes = list(self.notes or ())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Entry":
        """An entry from a mapping with the same keys (``path`` may stand for ``name``).

        Raises
        ------
        OptionError
            No name, an unknown status, or an unknown key.
        """
        known = {f for f in cls.__dataclass_fields__}
        values = dict(data)
        if "name" not in values and "path" in values:
            values["name"] = values.pop("path")
        if "from" in values:  # the JSON name of renamed_from (a Python keyword)
            values["renamed_from"] = values.pop("from")
        unknown = sorted(set(values) - known)
        if unknown:
            raise OptionError(f"report entry {values.get('name')!r}: unknown key(s) {', '.join(unknown)}")
        if "name" not in values:
            raise OptionError(f"report entry {dict(data)!r}: 'name' must be a non-empty string")
        for key in ("expected", "actual", "diff", "baseline", "renamed_from"):
            if values.get(key) is not None:
                values[key] = str(values[key])
        return cls(**values)

    @property
    def shown_name(self) -> str:
        """The name as text outputs list it: ``old -> new`` for a rename (ASCII, safe in any log)."""
        return f"{self.renamed_from} -> {self.name}" if self.renamed_from is not None else self.name

    @property
    def verdict(self) -> str | None:
        """The comparison's verdict (``identical``, ``pass``, ``fail``), None when not compared.

        The same as the status except for a ``renamed`` entry, whose status
        says the names changed and whose verdict says whether the picture did.
        """
        verdict = (self.result or {}).get("verdict")
        return str(verdict) if verdict is not None else None

    def summary_row(self) -> dict[str, Any]:
        """The pair as the JSON summary lists it (``pairs`` of schema ``perceptdiff-batch``)."""
        return plain({
            "path": self.name, "status": self.status.value, "expected": self.expected,
            "actual": self.actual, "result": self.result, "error": self.error, "diff": self.diff,
            "accept": self.accept, "notes": list(self.notes), "baseline": self.baseline,
            "reason": self.reason, "images": dict(self.images), "diff_framed": self.diff_framed,
            "seconds": round(float(self.seconds or 0.0), 4), "location": self.location,
            "from": self.renamed_from,
        })

    def page_row(self) -> dict[str, Any]:
        """The pair as the report's page shows it (see :func:`perceptdiff.report.page.page_data`)."""
        images: dict[str, Any] = dict(self.images)
        if self.diff_framed and "diff" in images:
            images["diff_framed"] = True
        result = None
        if self.result is not None:
            # The options are the same for every pair of a run; the page shows them once.
            result = {k: v for k, v in self.result.items() if k != "options"}
        return plain({"name": self.name, "status": self.status.value, "images": images,
                      "result": result, "error": self.error, "reason": self.reason,
                      "accept": self.accept, "notes": list(self.notes), "from": self.renamed_from})


def plain(obj: Any) -> Any:
    """``obj`` as JSON types only: what pytest-xdist can send and a JSON file can hold.

    Tuples and sets become lists, numpy scalars Python numbers, non-finite
    floats None, enums their value, anything else its string.
    """
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj.value if isinstance(obj, enum.Enum) else obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [plain(v) for v in obj]
    item = getattr(obj, "item", None)  # numpy scalar
    if callable(item) and getattr(obj, "shape", None) == ():
        return plain(item())
    return str(obj)

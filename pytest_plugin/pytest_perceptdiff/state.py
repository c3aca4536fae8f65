"""Per-test and per-session bookkeeping.

A :class:`TestContext` belongs to one test item: it resolves option layers,
hands out snapshot paths (refusing duplicates and collisions), chooses
artifact paths and records events (:mod:`.events`).  The events travel to the
terminal summary on the report object
(``report.perceptdiff``), which pytest-xdist serialises from the worker to
the controller, so the controller sees every worker's results.

The :class:`SessionState` (one per pytest run, in ``config.stash``) gathers
those reports, counts what prune needs to judge whether the whole suite ran,
and holds the prune outcome for the summary.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pytest

from perceptdiff.entry import plain

from . import naming
from .events import EventKind, SnapshotEvent
from .owner import Owner, read_owner
from .settings import Settings, merge_layers

__all__ = ["TestContext", "SessionState", "test_context", "STATE_KEY", "CONTEXT_KEY"]

class TestContext:
    """What the plugin knows about one running test."""

    __test__ = False  # not a test class

    def __init__(self, item: pytest.Item, state: "SessionState") -> None:
        self.item = item
        self.state = state
        self.settings: Settings = state.settings
        self.nodeid: str = item.nodeid
        self.module_path = Path(item.path)
        self.rootdir = Path(item.config.rootpath)
        self.events: list[SnapshotEvent] = []
        self.used: list[str] = []
        self._snapshot_stems: dict[str, str] = {}
        self._unnamed = 0
        self._artifact_stems: set[str] = set()
        self._images = 0
        self._marker: dict[str, Any] | None = None
        #: The owner record of the snapshot claimed last (written into its baseline).
        self.owner: Owner | None = None

    # -- options ---------------------------------------------------------
    def marker_options(self) -> dict[str, Any]:
        """Options of ``@pytest.mark.perceptdiff`` (the closest marker wins per key)."""
        if self._marker is None:
            marks = list(self.item.iter_markers("perceptdiff"))  # closest first
            merged: dict[str, Any] = {}
            for mark in reversed(marks):
                if mark.args:
                    raise TypeError(
                        "@pytest.mark.perceptdiff takes keyword options only, "
                        f"got positional {mark.args!r}")
                merged = merge_layers(merged, mark.kwargs)
            self._marker = merged
        return dict(self._marker)

    def compare_options(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Options in force: ini < command line < marker < keyword arguments."""
        ini, cli = self.settings.compare_layers()
        return merge_layers(ini, cli, self.marker_options(), dict(kwargs))

    # -- paths -----------------------------------------------------------
    @property
    def snapshot_folder(self) -> Path:
        return naming.module_folder(self.settings.snapshot_dir, self.module_path, self.rootdir)

    @property
    def results_folder(self) -> Path:
        module, _ = naming.split_nodeid(self.nodeid)
        module = module[:-3] if module.endswith(".py") else module
        parts = [naming.safe_name(p, fallback="_") for p in module.split("/") if p]
        return self.settings.results_dir.joinpath(*parts, naming.test_stem(self.nodeid))

    def claim_snapshot(self, name: str | None) -> Path:
        """The baseline path of this test's next snapshot.

        The path is the injective one of :mod:`.naming`, or the earlier naming's
        where a baseline was written under that one (and no other test of the
        session maps there).  :attr:`owner` is set to the record the baseline
        carries (:mod:`.owner`).

        Raises
        ------
        perceptdiff.errors.BaselineError
            The name was used before in this test; this test's file names
            collide with another test's of the session; or the baseline on disk
            was written by another test whose name maps to the same file.
        """
        from perceptdiff.errors import BaselineError

        if name is None:
            self._unnamed += 1
            index = self._unnamed
            label = f"#{self._unnamed}"
        else:
            if not isinstance(name, str) or not name:
                raise BaselineError(f"snapshot name must be a non-empty string, got {name!r}")
            index = 0
            label = repr(name)
        stem = naming.snapshot_stem(self.nodeid, name, index)
        key = stem.lower()  # case-insensitive file systems
        if key in self._snapshot_stems:
            raise BaselineError(
                f"snapshot {label} of {self.nodeid} maps to the same file ({stem}.png) as "
                f"snapshot {self._snapshot_stems[key]}: give each snapshot of a test its own name")
        others = self.state.colliding_tests(self.item)
        if others:
            raise BaselineError(
                f"{self.nodeid} and {others[0]} map to the same snapshot file name "
                f"{naming.test_stem(self.nodeid)!r} in {display_path(self.snapshot_folder)} (file "
                "systems that ignore case see them as one): rename one of the tests or give "
                "distinct parametrize ids")
        self._snapshot_stems[key] = label
        folder = self.snapshot_folder
        path = naming.ensure_inside(folder / f"{stem}.png", folder)
        legacy = self._legacy_path(name, index)
        if (legacy is not None and not path.exists() and legacy.exists()
                and not self.state.claimed_by_others(legacy, self.item)):
            path = legacy
        self.owner = Owner(self.nodeid, name, max(index, 1))
        self._check_owner(path)
        self.used.append(str(path))
        return path

    def _legacy_path(self, name: str | None, index: int) -> Path | None:
        """Where the earlier naming put this snapshot (None when it is the same path)."""
        folder = naming.module_folder(self.settings.snapshot_dir, self.module_path, self.rootdir, legacy=True)
        path = folder / f"{naming.snapshot_stem(self.nodeid, name, index, legacy=True)}.png"
        if path == self.snapshot_folder / f"{naming.snapshot_stem(self.nodeid, name, index)}.png":
            return None
        try:
            return naming.ensure_inside(path, folder)
        except Exception:  # noqa: BLE001 - an old name outside its folder is not used
            return None

    def _check_owner(self, path: Path) -> None:
        """Refuse a baseline another test wrote when that test's name maps to this file too."""
        from perceptdiff.errors import BaselineError

        if not path.exists():
            return
        recorded = read_owner(path)
        if recorded is None or recorded.nodeid == self.nodeid:
            return
        mine = str(path.resolve()).lower()
        theirs = {str(p.resolve()).lower() for p in self.state.snapshot_paths(recorded)}
        if mine in theirs:
            raise BaselineError(
                f"baseline {display_path(path)} was written by {recorded.nodeid} (recorded in the "
                f"file), and {self.nodeid} maps to the same file: rename one of the tests or give "
                "distinct parametrize ids")

    def artifact_base(self, name: str | None, *, stem: str | None = None) -> Path:
        """A path prefix, unique within this test, for failure artifacts."""
        if stem is None:
            if name is None:
                self._images += 1
                stem = f"images-{self._images}"
            else:
                stem = naming.safe_name(name, max_length=60)
        base, n = stem, 1
        while stem.lower() in self._artifact_stems:
            n += 1
            stem = f"{base}-{n}"
        self._artifact_stems.add(stem.lower())
        folder = self.results_folder
        return naming.ensure_inside(folder / stem, self.settings.results_dir)

    # -- events ----------------------------------------------------------
    def record(self, kind: EventKind | str, *, label: str, summary: str,
               files: Mapping[str, Path] | None = None, baseline: Path | None = None,
               result: Any = None, accept: str | None = None) -> None:
        """Note something the summary and the review report should list.

        ``result`` (a :class:`perceptdiff.ComparisonResult`) is kept as its
        ``to_dict()``, made JSON-safe, so that the numbers travel with the
        report from an xdist worker to the controller.
        """
        self.events.append(SnapshotEvent(
            kind=EventKind(kind), nodeid=self.nodeid, label=label, summary=summary,
            baseline=str(baseline) if baseline is not None else None,
            files={k: str(v) for k, v in (files or {}).items()},
            result=plain(result.to_dict()) if result is not None else None, accept=accept))

    def accept_command(self, mode: str) -> str:
        """The command that reruns this test with ``--perceptdiff-update=MODE``.

        The test is named as pytest accepts it from the folder pytest was
        started in (node ids are relative to the root directory, which may
        be elsewhere).
        """
        return f"pytest --perceptdiff-update={mode} {shell_quote(self.command_target)}"

    @property
    def command_target(self) -> str:
        """This test's node id, with its file relative to the invocation folder."""
        module, sep, rest = self.nodeid.partition("::")
        start = self.state.invocation_dir
        if not sep or start == self.rootdir:
            return self.nodeid
        path = os.path.relpath(self.rootdir / module, start)
        return path.replace(os.sep, "/") + sep + rest

    def drain(self, *, passed: bool) -> tuple[list[SnapshotEvent], list[str]]:
        """Events and used baselines since the last call (for a test report).

        When the test ``passed``, its failures were expected
        (``pytest.raises(AssertionError)``) and are marked so.
        """
        events, used = self.events, self.used
        self.events, self.used = [], []
        if passed:
            for event in events:
                if event.kind.fails:
                    event.expected = True
        return events, used


STATE_KEY = pytest.StashKey["SessionState"]()
CONTEXT_KEY = pytest.StashKey[TestContext]()


def test_context(item: pytest.Item) -> TestContext:
    """The item's context, created on first use."""
    ctx = item.stash.get(CONTEXT_KEY, None)
    if ctx is None:
        ctx = TestContext(item, item.config.stash[STATE_KEY])
        item.stash[CONTEXT_KEY] = ctx
    return ctx


test_context.__test__ = False  # type: ignore[attr-defined]


@dataclass
class PruneOutcome:
    """What prune found (and did)."""

    unused: list[Path] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    protected: int = 0
    deleted: bool = False
    skipped: str | None = None
    errors: list[str] = field(default_factory=list)
    #: Unused baselines a new snapshot looks like (:mod:`.renames`): kept, never deleted.
    kept_renamed: list[Path] = field(default_factory=list)


class SessionState:
    """Everything gathered during one pytest run (on the controller: from all workers)."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.events: list[SnapshotEvent] = []
        self.used: set[str] = set()
        self.outcomes: dict[str, str] = {}
        self.finished: set[str] = set()
        self.collected: list[str] | None = None
        self.deselected = 0
        self.collection_errors = 0
        self.prune: PruneOutcome | None = None
        #: Likely renames (:class:`.renames.LikelyRename`), found at the end of the run.
        self.renames: list[Any] = []
        self.manifest_files: list[str] = []
        self.report_index: Path | None = None
        self.report_default = False
        self.report_error: str | None = None
        #: ``path:line`` of each test that reported, by node id (for CI annotations).
        self.locations: dict[str, str] = {}
        #: What the plugin did to syrupy's cleanup (:func:`.syrupy.protect_baselines`), if anything.
        self.syrupy_note: str | None = None
        self._keys: tuple[dict[str, list[str]], dict[str, list[str]]] | None = None

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    @property
    def invocation_dir(self) -> Path:
        """The folder pytest was started in (the xdist controller's, on a worker)."""
        workerinput = getattr(self.config, "workerinput", None)
        if workerinput and workerinput.get("perceptdiff_invocation_dir"):
            return Path(workerinput["perceptdiff_invocation_dir"])
        return Path(self.config.invocation_params.dir)

    # -- collisions --------------------------------------------------------
    def _stem_keys(self, nodeid: str, *, legacy: bool) -> str:
        """The case-folded folder/stem a test's snapshot files start with."""
        module, _ = naming.split_nodeid(nodeid)
        rootdir = Path(self.config.rootpath)
        folder = naming.module_folder(self.settings.snapshot_dir, rootdir / module, rootdir, legacy=legacy)
        stem = naming.legacy_test_stem(nodeid) if legacy else naming.test_stem(nodeid)
        return str(folder / stem).lower()

    def _tables(self, item: pytest.Item) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Every collected test of the session by its (new, legacy) snapshot key."""
        if self._keys is None:
            new: dict[str, list[str]] = {}
            old: dict[str, list[str]] = {}
            for other in getattr(item.session, "items", None) or (item,):
                new.setdefault(self._stem_keys(other.nodeid, legacy=False), []).append(other.nodeid)
                old.setdefault(self._stem_keys(other.nodeid, legacy=True), []).append(other.nodeid)
            self._keys = (new, old)
        return self._keys

    def colliding_tests(self, item: pytest.Item) -> list[str]:
        """Other tests of the whole session whose snapshot files would be this one's."""
        new, _ = self._tables(item)
        same = new.get(self._stem_keys(item.nodeid, legacy=False), [])
        return [n for n in same if n != item.nodeid]

    def claimed_by_others(self, legacy_path: Path, item: pytest.Item) -> bool:
        """True when another test of the session maps to ``legacy_path``'s stem (new or old naming)."""
        new, old = self._tables(item)
        key = str(legacy_path.parent / naming.stem_owner(legacy_path.stem)).lower()
        return any(n != item.nodeid for n in new.get(key, []) + old.get(key, []))

    def snapshot_paths(self, owner: Owner) -> list[Path]:
        """The paths ``owner``'s snapshot has under the new and the earlier naming."""
        module, _ = naming.split_nodeid(owner.nodeid)
        rootdir = Path(self.config.rootpath)
        out = []
        for legacy in (False, True):
            folder = naming.module_folder(self.settings.snapshot_dir, rootdir / module, rootdir,
                                          legacy=legacy)
            index = 0 if owner.name is not None else owner.index
            out.append(folder / f"{naming.snapshot_stem(owner.nodeid, owner.name, index, legacy=legacy)}.png")
        return out

    # -- reports -----------------------------------------------------------
    def add_report(self, report: pytest.TestReport) -> None:
        nodeid = report.nodeid
        payload = getattr(report, "perceptdiff", None)
        if payload:
            found = (SnapshotEvent.from_dict(e) for e in payload.get("events", ()))
            self.events.extend(e for e in found if e is not None)
            self.used.update(payload.get("used", ()))
        if report.failed:
            self.outcomes[nodeid] = "failed"
        elif report.skipped and self.outcomes.get(nodeid) != "failed":
            self.outcomes[nodeid] = "skipped"
        else:
            self.outcomes.setdefault(nodeid, "passed")
        if report.when == "teardown":
            self.finished.add(nodeid)
        if nodeid not in self.locations and report.location:
            path, line = report.location[0], report.location[1]
            shown = display_path(Path(self.config.rootpath) / path, self.invocation_dir)
            self.locations[nodeid] = shown if line is None else f"{shown}:{line + 1}"

    def rename_dicts(self) -> list[dict[str, Any]]:
        """:attr:`renames` as plain data (what the review entries and the manifest take)."""
        return [r.to_dict() for r in self.renames]

    def events_of(self, kind: EventKind) -> list[SnapshotEvent]:
        """Events of one kind, without failures the test itself expected."""
        return [e for e in self.events if e.kind is kind and not e.expected]

    def reported_events(self) -> list[SnapshotEvent]:
        """Every event but the failures the tests themselves expected."""
        return [e for e in self.events if not e.expected]

    def worker_output(self) -> dict[str, Any]:
        return {"deselected": self.deselected, "collection_errors": self.collection_errors}

    def merge_worker_output(self, data: Mapping[str, Any]) -> None:
        # Every worker collects the whole suite, so counts are the same on
        # each; keep the largest rather than summing.
        self.deselected = max(self.deselected, int(data.get("deselected", 0)))
        self.collection_errors = max(self.collection_errors, int(data.get("collection_errors", 0)))

    def report_meta(self) -> dict[str, Any]:
        """Facts for the review report's header and for rebuilding the report later."""
        s = self.settings
        meta: dict[str, Any] = {
            "results_dir": str(s.results_dir),
            "rootdir": str(self.config.rootpath),
            "invocation_dir": str(self.invocation_dir),
        }
        options = merge_layers(*s.compare_layers())
        if options:
            meta["options"] = options
        return meta

    def files_written(self) -> Iterable[str]:
        for e in self.events:
            yield from e.files.values()


_SAFE_IN_DOUBLE_QUOTES = re.compile(r'[^"$`\\!\n\r]*')


def shell_quote(text: str) -> str:
    """Quote a command-line argument for a shell.

    Double quotes when they protect the text as it is (they work in POSIX
    shells, cmd.exe and PowerShell alike); POSIX single quotes
    (:func:`shlex.quote`) when the text holds a character that double quotes
    would not protect (``$``, a backquote, ``"``, ``\\``, ``!``);
    :func:`perceptdiff.names.shell_quote` (``$'...'``) when it holds control
    characters or undecodable bytes, so the command stays one line.
    """
    from perceptdiff.names import display, shell_quote as quote_losslessly

    if display(text) != text:
        return quote_losslessly(text)
    if _SAFE_IN_DOUBLE_QUOTES.fullmatch(text):
        return f'"{text}"'
    return shlex.quote(text)


def display_path(path: str | os.PathLike[str], start: Path | None = None) -> str:
    """A path relative to ``start`` (default: the working directory) when it is inside."""
    try:
        rel = os.path.relpath(path, start)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel

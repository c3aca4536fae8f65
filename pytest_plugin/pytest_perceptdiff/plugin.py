"""pytest plugin of perceptdiff (entry point ``pytest11: perceptdiff``).

Provides the ``image_snapshot`` fixture, the ``perceptdiff`` marker, the
``--perceptdiff-*`` options and ``perceptdiff_*`` ini keys, a terminal
summary section, an HTML review report (:mod:`.review`), pytest-html
images and pytest-xdist support.  See the README's "pytest plugin" section
for the workflow.

The plugin is loaded in every pytest run of an environment where perceptdiff
is installed, so nothing heavy (numpy, the metric) is imported until a test
uses the fixture or an option is set.
"""

from __future__ import annotations

import base64
from typing import Any, Generator

import pytest

from . import context, settings as _settings
from .events import SnapshotEvent
from .snapshot import ImageSnapshot
from .state import CONTEXT_KEY, STATE_KEY, SessionState, test_context

__all__ = ["image_snapshot", "assert_images_similar", "ImageSnapshot"]

_WORKER_KEY = "perceptdiff"


def __getattr__(name: str) -> Any:
    # ``from pytest_perceptdiff.plugin import assert_images_similar`` without
    # importing perceptdiff (and numpy) when the plugin merely loads.
    if name == "assert_images_similar":
        from perceptdiff.testing import assert_images_similar

        return assert_images_similar
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- configuration ----------------------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    _settings.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "perceptdiff(**options): perceptdiff comparison options for this test's image_snapshot "
        "and assert_images_similar calls (ppd, viewing, jnd_threshold, max_pixels, max_ratio, "
        "metric, ignore, dpi ...)",
    )
    settings = _settings.read_settings(config)
    state = SessionState(config, settings)
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(_ReportCollector(state), "perceptdiff-reports")
    if config.pluginmanager.hasplugin("syrupy"):
        from .syrupy import protect_baselines

        state.syrupy_note = protect_baselines(config)
    if not state.is_worker:
        from .summary import clean_previous_results

        clean_previous_results(settings.results_dir)


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE_KEY, None)
    if state is not None and not state.is_worker:
        from .junit import register

        register(session.config, str(state.invocation_dir))  # after --junitxml's own set-up


def pytest_unconfigure(config: pytest.Config) -> None:
    for name in ("perceptdiff-reports", "perceptdiff-junit"):
        collector = config.pluginmanager.get_plugin(name)
        if collector is not None:
            config.pluginmanager.unregister(collector)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: tell each worker where the results go."""
    state = node.config.stash.get(STATE_KEY, None)
    if state is not None:
        node.workerinput["perceptdiff_results"] = str(state.settings.results_dir)
        node.workerinput["perceptdiff_invocation_dir"] = str(state.invocation_dir)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return None
    s = state.settings
    if not (s.configured or s.ci or state.syrupy_note):
        return None
    mode = s.update + (" (CI mode: " + s.ci_source + ")" if s.ci and not s.update_explicit else "")
    lines = [f"perceptdiff: update={mode}, snapshots={s.snapshot_dir}, results={s.results_dir}"]
    if state.syrupy_note:
        lines.append(f"perceptdiff: {state.syrupy_note}")
    return lines


# -- the fixture --------------------------------------------------------------

@pytest.fixture
def image_snapshot(request: pytest.FixtureRequest) -> ImageSnapshot:
    """Compare images with baselines stored beside the test.

    ``image_snapshot.assert_match(image, name=None, **options)`` or
    ``assert image == image_snapshot``.  Baselines live in
    ``__snapshots__/<test module>/<test id>.png`` (``--perceptdiff-snapshot-dir``).
    """
    return ImageSnapshot(test_context(request.node))


# -- running tests ------------------------------------------------------------

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
    token = context.activate(item)
    try:
        return (yield)
    finally:
        context.deactivate(token)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    ctx = item.stash.get(CONTEXT_KEY, None)
    if ctx is None:
        return report
    # A failure the test expected (``pytest.raises(AssertionError)``) is no
    # failure: kept only so that its artifacts are cleaned up next run.
    events, used = ctx.drain(passed=report.passed)
    if events or used:
        # Plain data: travels with the report from an xdist worker to the controller.
        report.perceptdiff = {"events": [e.to_dict() for e in events], "used": used}
        _attach_html(item.config, report, events)
    return report


def _attach_html(config: pytest.Config, report: Any, events: list[SnapshotEvent]) -> None:
    """Add the failure images to pytest-html's report (when --html is in use)."""
    if (not report.failed or not config.pluginmanager.hasplugin("html")
            or not config.getoption("htmlpath", None)):
        return
    try:
        from pytest_html import extras  # type: ignore[import-untyped]
    except ImportError:
        return
    added = []
    for event in events:
        for label, path in event.files.items():
            try:
                with open(path, "rb") as fh:
                    data = base64.b64encode(fh.read()).decode("ascii")
            except OSError:
                continue
            added.append(extras.png(data, name=f"{event.label} {label}"))
    if added:
        report.extras = list(getattr(report, "extras", []) or []) + added


class _ReportCollector:
    """Per-run hooks whose signature carries no config (registered in pytest_configure)."""

    def __init__(self, state: SessionState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # On the xdist controller this sees every worker's reports.
        self.state.add_report(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.state.collection_errors += 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None and not state.is_worker:
        state.collected = [i.nodeid for i in items]


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        state = items[0].config.stash.get(STATE_KEY, None)
        if state is not None:
            state.deselected += len(items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    state = node.config.stash.get(STATE_KEY, None)
    if state is not None and (state.collected is None or len(ids) > len(state.collected)):
        state.collected = list(ids)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    state = node.config.stash.get(STATE_KEY, None)
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if state is not None and data:
        state.merge_worker_output(data)


# -- the end of the run ---------------------------------------------------------

def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE_KEY, None)
    if state is None:
        return
    if state.is_worker:
        session.config.workeroutput[_WORKER_KEY] = state.worker_output()  # type: ignore[attr-defined]
        return
    if state.settings.prune:
        from . import prune

        state.prune = prune.find_unused(state, session, exitstatus)
    _find_renames(state, session, exitstatus)
    if state.prune is not None and state.settings.may_delete and not state.prune.skipped:
        from . import prune

        prune.delete(state.prune)
    from .review import write_session_report

    write_session_report(state)
    if state.events or state.report_default:
        from .ci import write_results_summary
        from .summary import write_manifest

        written = write_results_summary(state)
        write_manifest(state, extra_files=[written] if written else [])


def _find_renames(state: SessionState, session: pytest.Session, exitstatus: int) -> None:
    """Pair new snapshots with unused baselines that look the same (read-only; see :mod:`.renames`).

    A likely rename's old baseline is taken off prune's deletion list.
    """
    from .renames import NEW_KINDS

    if not any(e.kind in NEW_KINDS for e in state.reported_events()):
        return
    from . import prune
    from .renames import find_likely_renames
    from .settings import merge_layers

    outcome = state.prune if state.prune is not None else prune.find_unused(state, session, exitstatus)
    if outcome.skipped or not outcome.unused:
        return
    state.renames = find_likely_renames(state.reported_events(), outcome.unused,
                                        merge_layers(*state.settings.compare_layers()))
    if state.prune is not None and state.renames:
        old = {r.old for r in state.renames}
        state.prune.kept_renamed = [p for p in state.prune.unused if p in old]
        state.prune.unused = [p for p in state.prune.unused if p not in old]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None and not state.is_worker:
        from .ci import publish_github
        from .summary import write_summary

        write_summary(terminalreporter, state)
        publish_github(terminalreporter, state)


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> list[str] | None:
    if op not in ("==", "!="):
        return None
    snap = right if isinstance(right, ImageSnapshot) else left if isinstance(left, ImageSnapshot) else None
    if snap is None:
        return None
    other = left if snap is right else right
    failure = snap.last_failure
    if failure is not None and op == "==":
        return [f"image == {snap!r}", failure.headline, *failure.lines]
    if failure is None and type(other).__module__.startswith("PIL.") and snap is right:
        return [
            f"PIL image == {snap!r} compared Python objects, not pixels",
            "PIL.Image.__eq__ answers False for any other type, so the snapshot was never consulted:",
            "write `assert image_snapshot == image` or `image_snapshot.assert_match(image)`",
        ]
    return None

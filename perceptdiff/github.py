"""GitHub Actions: annotations for failing images and a Markdown job summary.

When ``GITHUB_ACTIONS`` is ``true`` (GitHub sets it in every job), folder
mode, ``perceptdiff merge`` and the pytest plugin call :func:`publish`:

* one workflow command per failing image on stdout,
  ``::error file=charts/line.png,title=perceptdiff: fail::charts/line.png: visible difference at ...``,
  which GitHub shows on the run's page and, for files in the repository, on
  the pull request's diff;
* a Markdown section appended to the file ``$GITHUB_STEP_SUMMARY`` names:
  the counts, a table of the pairs that need a look and the worst regions.

Workflow commands are single lines: in the message ``%``, CR and LF are
written ``%25``, ``%0D`` and ``%0A``; in a property value (``file``,
``title``) also ``:`` and ``,`` (``%3A``, ``%2C``), as GitHub's
workflow-command syntax asks.  GitHub shows at most
:data:`MAX_ANNOTATIONS` annotations of each level per step, so past that the
last one counts the rest.
"""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path
from typing import Collection, Iterable, Mapping, Protocol, Sequence

from .entry import Entry, Status, count_statuses

__all__ = ["in_github_actions", "escape_data", "escape_property", "workflow_command",
           "annotation_lines", "step_summary", "publish", "MAX_ANNOTATIONS"]

#: Annotations GitHub shows per level (error, warning) and step; more are dropped.
MAX_ANNOTATIONS = 10

#: Rows of the summary's table of pairs, and of its table of regions.
MAX_ROWS = 50
MAX_REGIONS = 10


class Stream(Protocol):
    """Where workflow commands go (stdout, or pytest's terminal)."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


def in_github_actions(environ: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job (``GITHUB_ACTIONS=true``)."""
    env = os.environ if environ is None else environ
    return env.get("GITHUB_ACTIONS", "").strip().lower() == "true"


def escape_data(text: str) -> str:
    """``text`` as the message of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """``text`` as a property value of a workflow command (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str | int | None) -> str:
    """``::command k=v,...::message``, escaped; properties that are None are left out."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def _repo_path(path: str, environ: Mapping[str, str]) -> str:
    """``path`` relative to the checkout (``GITHUB_WORKSPACE``, else the working folder) when inside."""
    absolute = os.path.abspath(path)
    for base in (environ.get("GITHUB_WORKSPACE"), os.getcwd()):
        if base:
            rel = os.path.relpath(absolute, os.path.abspath(base))
            if not rel.startswith(".."):
                return Path(rel).as_posix()
    return Path(path).as_posix()


def _where(entry: Entry, environ: Mapping[str, str]) -> tuple[str | None, int | None]:
    """The file and line an annotation points at: the test that made it, else the image."""
    if entry.location:
        path, sep, line = entry.location.rpartition(":")
        if sep and line.isdigit():
            return _repo_path(path, environ), int(line)
        return _repo_path(entry.location, environ), None
    image = entry.actual or entry.expected
    return (_repo_path(image, environ), None) if image else (None, None)


def _why(entry: Entry) -> str:
    if entry.status is Status.ERROR:
        return str(entry.error or "error")
    if entry.reason:
        return entry.reason
    return str((entry.result or {}).get("reason") or entry.status.value)


def _level(entry: Entry, new_fails: bool, warnings: Collection[str] = ()) -> str | None:
    st = entry.status
    if entry.name in warnings and st.notable:
        return "warning"
    if st.failing or st is Status.ERROR or (st is Status.NEW and new_fails):
        return "error"
    return "warning" if st is Status.NEW else None


def annotation_lines(entries: Sequence[Entry], *, new_fails: bool = False,
                environ: Mapping[str, str] | None = None, warnings: Collection[str] = ()) -> list[str]:
    """Workflow commands for the entries that need a look (errors first, at most
    :data:`MAX_ANNOTATIONS` per level).

    ``warnings`` names entries that are warnings whatever their status (the
    pytest plugin: a likely rename of a snapshot whose test passed).
    """
    env = os.environ if environ is None else environ
    by_level: dict[str, list[Entry]] = {"error": [], "warning": []}
    for entry in entries:
        level = _level(entry, new_fails, warnings)
        if level is not None:
            by_level[level].append(entry)
    lines = []
    for level, chosen in by_level.items():
        shown = chosen if len(chosen) <= MAX_ANNOTATIONS else chosen[:MAX_ANNOTATIONS - 1]
        for entry in shown:
            file, line = _where(entry, env)
            lines.append(workflow_command(level, f"{entry.shown_name}: {_why(entry)}", file=file, line=line,
                                          title=f"perceptdiff: {entry.status.value}"))
        if len(shown) < len(chosen):
            rest = len(chosen) - len(shown)
            lines.append(workflow_command(level, f"{rest} more image(s) listed in the job summary",
                                          title=f"perceptdiff: {rest} more"))
    return lines


def _cell(text: object) -> str:
    """Text for a Markdown table cell: HTML-escaped, one line, pipes escaped."""
    return html.escape(" ".join(str(text).split())).replace("|", "&#124;")


def _num(value: object) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def step_summary(entries: Sequence[Entry], *, title: str = "perceptdiff",
                 report: str | None = None) -> str:
    """The Markdown section of the job summary: counts, the pairs that need a look, the worst regions."""
    c = count_statuses(e.status for e in entries)
    parts = [f"{c[s.value]} {s.value}" for s in Status if c[s.value]]
    out = [f"### {_cell(title)}", "", f"{c['total']} image(s): " + (", ".join(parts) or "none") + "."]
    notable = [e for e in entries if e.status.notable]
    rank = {s: i for i, s in enumerate(Status)}
    notable.sort(key=lambda e: (rank[e.status], -((e.result or {}).get("peak_jnd") or 0.0), e.name))
    if notable:
        out += ["", "| status | image | peak JND | visible px | why |", "|---|---|--:|--:|---|"]
        for e in notable[:MAX_ROWS]:
            res = e.result or {}
            out.append(f"| **{e.status.word}** | <code>{_cell(e.shown_name)}</code> | {_num(res.get('peak_jnd'))} "
                       f"| {_num(res.get('visible_pixels'))} | {_cell(_why(e))} |")
        if len(notable) > MAX_ROWS:
            out.append(f"\n… and {len(notable) - MAX_ROWS} more (see the report).")
    # A rename lists its regions when its picture changed.
    changed = [e for e in entries if e.status is Status.FAIL
               or (e.status is Status.RENAMED and e.verdict == Status.FAIL.value)]
    regions = [(r, e) for e in changed
               for r in (e.result or {}).get("regions") or () if isinstance(r, Mapping)]
    regions.sort(key=lambda pair: -(pair[0].get("peak_jnd") or 0.0))
    if regions:
        out += ["", "**Worst regions**", "", "| image | region (x, y, w×h) | pixels | peak JND |",
                "|---|---|--:|--:|"]
        for r, e in regions[:MAX_REGIONS]:
            out.append(f"| <code>{_cell(e.name)}</code> | {r.get('x')}, {r.get('y')}, "
                       f"{r.get('width')}×{r.get('height')} | {_num(r.get('pixels'))} "
                       f"| {_num(r.get('peak_jnd'))} |")
    if report:
        out += ["", f"Report: <code>{_cell(report)}</code> (in the job's artifacts, if uploaded)."]
    return "\n".join(out) + "\n\n"


def publish(entries: Sequence[Entry], *, title: str = "perceptdiff", report: str | None = None,
            new_fails: bool = False, stream: Stream | None = None,
            environ: Mapping[str, str] | None = None, warnings: Collection[str] = ()) -> bool:
    """Print the annotations and append the job summary, when inside GitHub Actions.

    Returns False (doing nothing) outside GitHub Actions.  A job summary that
    cannot be appended to is reported on ``stream`` as a warning command; it
    never fails the run.
    """
    env = os.environ if environ is None else environ
    if not in_github_actions(env):
        return False
    out: Stream = sys.stdout if stream is None else stream
    lines: Iterable[str] = annotation_lines(entries, new_fails=new_fails, environ=env, warnings=warnings)
    for line in lines:
        out.write(line + "\n")
    summary_file = env.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        try:
            # GitHub gives each step its own file and reads it when the step ends;
            # appending (not replacing) keeps what other tools of the step wrote.
            with open(summary_file, "a", encoding="utf-8") as fh:
                fh.write(step_summary(entries, title=title, report=report))
        except OSError as exc:
            out.write(workflow_command("warning", f"job summary not written: {exc.strerror or exc}",
                                       title="perceptdiff") + "\n")
    out.flush()
    return True

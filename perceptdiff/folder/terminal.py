"""What a folder comparison shows on the terminal: progress while it runs, the listing at the end."""

from __future__ import annotations

import time
from typing import Any, TextIO

from ..entry import Entry, Status
from ..names import display

__all__ = ["Progress", "render_summary", "describe", "shown_name"]


def shown_name(entry: Entry) -> str:
    """The pair's name as listed (:attr:`~perceptdiff.entry.Entry.shown_name`), escaped for people."""
    return display(entry.shown_name)


def describe(entry: Entry) -> str:
    """The sentence after a pair's name: why it is listed."""
    if entry.status is Status.ERROR:
        return str(entry.error)
    if entry.reason:
        return entry.reason
    return str((entry.result or {}).get("reason", ""))


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Progress of a batch on a stream (stderr).

    On a terminal: one line redrawn in place (bar, count/total, problems so
    far, ETA); with ``echo_notable`` (when the final listing does not go to the
    terminal) failing, renamed, new, removed and error pairs are also printed above it
    as they finish.
    Elsewhere (CI logs): one plain line per finished pair; past
    :attr:`LINES_LIMIT` pairs only the notable ones, plus a count every 5 %.
    Quiet: nothing.
    """

    LINES_LIMIT = 500

    def __init__(self, stream: TextIO, *, quiet: bool = False, tty: bool | None = None,
                 echo_notable: bool = True) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty() if tty is None else tty
        self.echo_notable = echo_notable
        self.total = 0
        self.done = 0
        self.problems = 0
        self.t0 = time.perf_counter()
        self._last_draw = 0.0
        self._drawn = False
        self.width = 30

    def start(self, total: int) -> None:
        self.total = total
        self.t0 = time.perf_counter()
        if not self.quiet and self.tty and total:
            self._draw(force=True)

    def update(self, entry: Entry) -> None:
        self.done += 1
        st = entry.status
        if st.failing or st is Status.ERROR:
            self.problems += 1
        if self.quiet:
            return
        if self.tty:
            if st.notable and self.echo_notable:
                self._clear()
                self.stream.write(f"{st.word:<9} {shown_name(entry)}: {display(describe(entry))}\n")
            self._draw(force=st.notable or self.done == self.total)
            return
        width = len(str(self.total))
        step = max(1, self.total // 20)
        if self.total <= self.LINES_LIMIT or st.notable:
            self.stream.write(f"[{self.done:>{width}}/{self.total}] {st.word:<9} {shown_name(entry)}\n")
        elif self.done % step == 0 or self.done == self.total:
            self.stream.write(f"[{self.done:>{width}}/{self.total}] ...\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        frac = self.done / self.total if self.total else 1.0
        filled = int(round(frac * self.width))
        elapsed = now - self.t0
        if self.done and self.done < self.total:
            eta = f"ETA {_fmt_duration(elapsed / self.done * (self.total - self.done))}"
        elif self.done >= self.total:
            eta = f"in {_fmt_duration(elapsed)}"
        else:
            eta = "ETA --:--"
        bar = "#" * filled + "-" * (self.width - filled)
        bad = f" {self.problems} not passing" if self.problems else ""
        self.stream.write(f"\r\x1b[K[{bar}] {self.done}/{self.total} {100 * frac:3.0f}%{bad} {eta}")
        self._drawn = True
        self.stream.flush()

    def close(self) -> None:
        if not self.quiet and self.tty and self._drawn:
            self.stream.write("\n")
            self._drawn = False
            self.stream.flush()


def render_summary(result: Any, verbose: bool = False) -> str:
    """Text listing of the pairs that need a look, and the closing count line.

    ``result`` is a :class:`perceptdiff.folder.FolderResult`.
    """
    lines = []
    for entry in result.pairs:
        st = entry.status
        if st.notable or (verbose and st is Status.PASS):
            lines.append(f"{st.word:<9} {shown_name(entry)}: {display(describe(entry))}")
            for note in entry.notes:
                lines.append(f"          note: {note}")
    c = result.counts
    passed = c["pass"] + c["identical"]
    parts = [f"{c['fail']} failed"]
    for key, word in (("renamed", "renamed"), ("removed", "removed"), ("new", "new"), ("error", "error")):
        if c[key]:
            parts.append(f"{c[key]} {word}" + ("s" if key == "error" and c[key] > 1 else ""))
    parts.append(f"{passed} passed ({c['identical']} identical)")
    lines.append(f"{c['total']} pair{'s' if c['total'] != 1 else ''}: " + ", ".join(parts)
                 + f" in {result.wall_s:.1f} s"
                 + (f" with {result.jobs} jobs" if result.jobs > 1 else ""))
    if verbose:
        compare_s = sum(e.seconds for e in result.pairs)
        lines.append(f"  compare time summed over pairs {compare_s:.2f} s")
    if result.report is not None:
        lines.append(f"report: {result.report}")
    return "\n".join(lines)

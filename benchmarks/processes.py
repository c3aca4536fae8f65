"""Measuring child processes: wall time from spawn to reap and the child's own peak RSS.

bench.py builds a list of jobs (one command each) and runs them here:
every job warmed up, then round-robin, one repetition per round, so a
change of background load touches every tool alike.  This module imports
neither numpy nor Pillow (a child's ``ru_maxrss`` starts from its parent's
peak at fork time on Linux).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Sequence


@dataclass
class Run:
    wall: float
    maxrss_mb: float
    status: int
    out: str = ""


def run_child(cmd: Sequence[str]) -> Run:
    """Run ``cmd``; wall time from spawn to reap and the child's own peak RSS.

    ``os.wait4`` returns the rusage of that one child (``ru_maxrss`` in KiB
    on Linux), unlike ``getrusage(RUSAGE_CHILDREN)``, which keeps the maximum
    over every child reaped so far.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(list(cmd), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            p.returncode = 0  # reaped by wait4; keep Popen from waiting again
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace").strip()
        etext = err.read().decode(errors="replace").strip()
    code = os.waitstatus_to_exitcode(status)
    return Run(wall, ru.ru_maxrss / 1024.0, code, text if code in (0, 1) else (etext or text))


@dataclass
class Measure:
    tool: str
    case: str
    runs: list[Run] = field(default_factory=list)
    ok_codes: tuple[int, ...] = (0,)
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def rss(self) -> float:
        return statistics.median(r.maxrss_mb for r in self.runs)

    @property
    def failed(self) -> bool:
        return any(r.status not in self.ok_codes for r in self.runs)


@dataclass
class Job:
    measure: Measure
    cmd: list[str]
    repeat: int
    warmup: int = 1


def run_jobs(jobs: list[Job], quiet: bool = False) -> None:
    """Warm every job up, then run them round-robin, one repetition per round.

    Interleaving spreads any change of background load over all tools alike,
    so the ratios to the floor stay fair.  A job that errors is not run again.
    """
    def once(job: Job, keep: bool) -> None:
        if job.measure.failed:
            return
        r = run_child(job.cmd)
        if keep or r.status not in job.measure.ok_codes:
            job.measure.runs.append(r)

    for job in jobs:
        for _ in range(job.warmup):
            once(job, keep=False)
    for i in range(max(j.repeat for j in jobs)):
        for job in jobs:
            if i < job.repeat:
                once(job, keep=True)
        if not quiet:
            print(f"  round {i + 1} done", file=sys.stderr)
    if not quiet:
        for job in jobs:
            m = job.measure
            extra = " FAILED: " + m.runs[-1].out[-200:] if m.failed else ""
            print(f"  {m.tool:28s} {m.case:32s} {m.wall:7.3f} s {m.rss:7.0f} MB{extra}", file=sys.stderr)

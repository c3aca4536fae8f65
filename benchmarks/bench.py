"""Benchmark perceptdiff against its peers on screenshot-sized pairs.

Makes UI-like 1920x1080 and 3840x2160 PNG pairs (deterministic: toolbar,
sidebar, cards with text rows, small charts, icons and gradients), where the
*actual* image has +-1 code of noise on every channel of every pixel plus one
visible local change (a 40x16 badge recoloured; 80x32 at 4K).  It then runs,
each as a fresh process per repetition (``python -m perceptdiff A B -q``,
and a small runner script for the others), and reports the median wall time
and the peak resident memory (the child's ``ru_maxrss`` from ``os.wait4``):

* perceptdiff (default metric) and ``--metric yee``;
* scikit-image SSIM (Wang et al. 2004 set-up), flip-evaluator (LDR-FLIP),
  and the pure-Python pixelmatch port when it is installed (one run, no
  warm-up: it takes tens of seconds);
* the floor: a process that imports Pillow and numpy and decodes both files.

Every command is warmed up once, then all commands run round-robin, one
repetition per round, so a change in background load touches every tool alike.

The pairs are written by ``pairs.py`` and the peers run by ``_runner.py``,
both in child processes: this process imports neither numpy nor Pillow, so
it stays small (on Linux a child's peak RSS starts from its parent's peak
at fork time).

Cases: the noisy 1080p and 4K pairs; a bit-identical 1080p pair (the file
copied: perceptdiff answers from the bytes); a pixel-identical 1080p pair
whose files differ (re-encoded at another PNG compression level, so both
must be decoded).  Also the in-process split of ``perceptdiff.compare`` into
decode and compare (``result.timings``).

Targets (issue 2), checked and printed: 1080p noise+local <= 0.45 s;
4K <= 1.6 s and <= 800 MB; bit-identical 1080p <= 1.3x the decode floor.

Usage::

    python benchmarks/bench.py [--repeat 5] [--keep DIR] [--json FILE]
        [--no-pixelmatch] [--only 1080p|4k|identical]

This is a measurement, not a test: it never fails on a missed target
(exit status 0), it says so in the table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Sequence


HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "_runner.py")
PAIRS = os.path.join(HERE, "pairs.py")


# --------------------------------------------------------------------------
# test images
# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# measuring a child process
# --------------------------------------------------------------------------

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


def in_process(py: str, pair: tuple[str, str], repeat: int) -> dict[str, float]:
    """Median in-process timings of ``perceptdiff.compare`` (decode / compare / total).

    Runs in a child process (``_runner.py inprocess``) to keep this one small.
    """
    out = subprocess.run([py, RUNNER, "inprocess", pair[0], pair[1], str(repeat)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def yee_available(py: str) -> bool:
    """True when ``perceptdiff.metrics.get_metric("yee")`` works (checked in a child)."""
    code = "from perceptdiff.metrics import get_metric; get_metric('yee')"
    return subprocess.run([py, "-c", code], capture_output=True).returncode == 0


def module_available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for dist in ("numpy", "scipy", "pillow", "scikit-image", "perceptdiff", "flip-evaluator",
                 "pixelmatch"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = None
    return {"date": _dt.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "cpu": cpu, "python": platform.python_version(), "platform": platform.platform(),
            "loadavg": os.getloadavg(), "versions": versions}


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="measured runs per tool and case (default 5)")
    p.add_argument("--keep", metavar="DIR", help="write the pairs to DIR and keep them")
    p.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    p.add_argument("--only", action="append", choices=("1080p", "4k", "identical"),
                   help="only these cases (repeatable)")
    p.add_argument("--no-peers", action="store_true", help="skip SSIM, FLIP and pixelmatch")
    p.add_argument("--no-pixelmatch", action="store_true", help="skip the (slow) pixelmatch run")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    which = args.only or ["1080p", "4k", "identical"]
    py = sys.executable

    info = machine_info()
    tmp = None
    folder = args.keep
    if folder is None:
        tmp = tempfile.mkdtemp(prefix="perceptdiff-bench-")
        folder = tmp
    try:
        t0 = time.perf_counter()
        made = subprocess.run([py, PAIRS, folder] + [a for w in which for a in ("--only", w)],
                              capture_output=True, text=True, check=True)
        pairs = {k: tuple(v) for k, v in json.loads(made.stdout).items()}
        if not args.quiet:
            print(f"made {len(pairs)} pairs in {time.perf_counter() - t0:.1f} s in {folder}",
                  file=sys.stderr)
        have_yee = yee_available(py)
        have_flip = module_available("flip_evaluator")
        have_pm = module_available("pixelmatch") and not args.no_pixelmatch
        results: list[Measure] = []
        floors: dict[str, Measure] = {}
        inproc: dict[str, dict[str, float]] = {}
        jobs: list[Job] = []

        def job(tool: str, case: str, cmd: list[str], repeat: int = args.repeat, warmup: int = 1,
                ok: tuple[int, ...] = (0,), note: str = "") -> Measure:
            m = Measure(tool, case, ok_codes=ok, note=note)
            jobs.append(Job(m, cmd, repeat, warmup))
            results.append(m)
            return m

        for case, (e, a) in pairs.items():
            floors[case] = job("Pillow decode (floor)", case, [py, RUNNER, "floor", e, a])
            job("perceptdiff", case, [py, "-m", "perceptdiff", e, a, "-q"], ok=(0, 1))
            if have_yee:
                job("perceptdiff --metric yee", case,
                    [py, "-m", "perceptdiff", e, a, "-q", "--metric", "yee"], ok=(0, 1))
            if not args.no_peers and "identical" not in case and "same pixels" not in case:
                job("skimage SSIM", case, [py, RUNNER, "ssim", e, a])
                if have_flip:
                    job("flip-evaluator", case, [py, RUNNER, "flip", e, a])
                if have_pm:
                    job("pixelmatch (pure Python)", case, [py, RUNNER, "pixelmatch", e, a],
                        repeat=1, warmup=0, note="1 run, no warm-up")
        run_jobs(jobs, quiet=args.quiet)
        for case, (e, a) in pairs.items():
            inproc[case] = in_process(py, (e, a), args.repeat)
        info["loadavg_after"] = os.getloadavg()

        # ---- the table -----------------------------------------------------
        targets: dict[tuple[str, str], tuple[str, bool]] = {}
        for m in results:
            if m.tool != "perceptdiff":
                continue
            if m.case == "1080p noise+local":
                targets[(m.tool, m.case)] = ("wall <= 0.45 s", m.wall <= 0.45)
            elif m.case == "4K noise+local":
                targets[(m.tool, m.case)] = ("wall <= 1.6 s, RSS <= 800 MB",
                                             m.wall <= 1.6 and m.rss <= 800)
            elif m.case == "1080p bit-identical":
                f = floors[m.case].wall
                targets[(m.tool, m.case)] = (f"<= 1.3x floor ({1.3 * f:.3f} s)", m.wall <= 1.3 * f)
        lines = []
        hdr = f"{'tool':28s} {'case':32s} {'median s':>9s} {'peak MB':>8s} {'x floor':>8s}  {'target':32s} result"
        lines.append(hdr)
        lines.append("-" * len(hdr))
        for m in results:
            floor = floors[m.case].wall
            tgt, met = targets.get((m.tool, m.case), ("", None))
            res = "" if met is None else ("met" if met else "MISSED")
            if m.failed:
                res = "ERROR: " + m.runs[-1].out.splitlines()[-1][:60] if m.runs[-1].out else "ERROR"
            note = f" ({m.note})" if m.note else ""
            lines.append(f"{m.tool:28s} {m.case:32s} {m.wall:9.3f} {m.rss:8.0f} {m.wall / floor:8.2f}  "
                         f"{tgt:32s} {res}{note}")
        if not have_yee:
            lines.append(f"{'perceptdiff --metric yee':28s} {'(all)':32s} {'n/a':>9s} {'n/a':>8s}")
        if not have_flip:
            lines.append(f"{'flip-evaluator':28s} {'(all)':32s} {'n/a (not installed)':>18s}")
        if not args.no_pixelmatch and not module_available("pixelmatch"):
            lines.append(f"{'pixelmatch (pure Python)':28s} {'(all)':32s} {'n/a (not installed)':>18s}")
        lines.append("")
        lines.append("perceptdiff.compare in process (median; one warm-up):")
        for case, t in inproc.items():
            parts = ", ".join(f"{k} {v:.3f} s" for k, v in t.items())
            lines.append(f"  {case:32s} {parts}")
        lines.append("")
        lines.append(f"{info['date']}  {info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, "
                     f"load {info['loadavg'][0]:.2f} before / {info['loadavg_after'][0]:.2f} after; "
                     f"median of {args.repeat} whole-process runs after one warm-up")
        lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
        print("\n".join(lines))

        if args.json:
            doc = {"machine": info, "repeat": args.repeat,
                   "measurements": [{"tool": m.tool, "case": m.case, "median_wall_s": m.wall,
                                     "median_peak_rss_mb": m.rss, "floor_ratio": m.wall / floors[m.case].wall,
                                     "runs": [{"wall_s": r.wall, "peak_rss_mb": r.maxrss_mb,
                                               "status": r.status, "output": r.out[-200:]}
                                              for r in m.runs],
                                     "target": targets.get((m.tool, m.case), (None, None))[0],
                                     "met": targets.get((m.tool, m.case), (None, None))[1],
                                     "error": m.failed, "note": m.note} for m in results],
                   "in_process": inproc}
            with open(args.json, "w") as fh:
                json.dump(doc, fh, indent=1)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

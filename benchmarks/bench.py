"""Benchmark perceptdiff against its peers, whole process, and check issue 10's targets.

Cases (``--only GROUP``, repeatable; names in names.py, images by pairs.py):

* ``1080p``, ``4k``: a UI-like screenshot against itself with +-1 code on
  every channel of every pixel plus one recoloured 40x16 badge (80x32 at 4K);
* ``fullframe``: a photo-like 1080p and 4K frame against the same frame
  re-encoded as JPEG quality 20 (saved as PNG): visible everywhere, so no
  part of the frame can be skipped;
* ``identical``: the 1080p file copied (answered from the bytes), and the
  same pixels saved at another PNG compression level (both decoded);
* ``folder``: 500 UI pairs of 800x600 (70 % same pixels in other bytes, 20 %
  +-1 noise only, 10 % one recoloured badge): ``perceptdiff DIR DIR --jobs 2``
  beside odiff launched once per pair, two at a time, in pairs per second;
* ``inprocess``: ``perceptdiff.compare`` on an 800x600 pair with a local
  change and with noise only, ms per pair inside one process (what a pytest
  snapshot pays), after a warm-up;
* ``8k``: peak memory of a 7680x4320 pair with noise + a local change.

Tools: perceptdiff (``python -m perceptdiff A B -q``; ``--metric yee`` on
the noise and identical cases), flip-evaluator (LDR-FLIP), perceptualdiff
(a ``perceptualdiff`` binary on PATH), odiff (the native binary of the npm
package ``odiff-bin``, installed by ``npm install`` in
calibration/crossmachine/node, or ``odiff`` on PATH), scikit-image SSIM, the
pure-Python pixelmatch (one run), and the floor: a process that imports
Pillow and numpy and decodes both files.  A peer that is missing is skipped
with a note in the table.

Every tool runs as a fresh process per repetition; every command is warmed
up once, then all commands run round-robin, one repetition per round, so a
change in background load touches every tool alike (processes.py).  The
table gives medians of ``--repeat`` runs (default 5) and each target of
issue 10 marked met / MISSED with its ratio (targets.py).

Usage::

    python benchmarks/bench.py [--repeat 5] [--only GROUP ...] [--keep DIR] [--json FILE]
        [--no-peers] [--no-pixelmatch] [--folder-pairs 500] [--jobs 2]

This is a measurement, not a test: it never fails on a missed target
(exit status 0), it says so in the table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import glob
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import names as N  # noqa: E402
import targets as T  # noqa: E402
from processes import Job, Measure, run_jobs  # noqa: E402

RUNNER = os.path.join(HERE, "_runner.py")
PAIRS = os.path.join(HERE, "pairs.py")
#: Where ``npm install`` puts odiff's native binary (calibration/crossmachine/peers.py uses the same folder).
NODE_MODULES = os.path.join(HERE, "..", "calibration", "crossmachine", "node", "node_modules")
#: Cases perceptdiff's ``--metric yee`` also runs on (as before issue 10).
YEE_CASES = (N.NOISE_1080P, N.NOISE_4K, N.IDENTICAL_1080P, N.OTHER_BYTES_1080P)
#: Cases where peers run: the pixels differ; on the identical cases only the floor matters.
PEER_CASES = (N.NOISE_1080P, N.NOISE_4K, N.FULLFRAME_1080P, N.FULLFRAME_4K)
#: compare() calls per in-process case at 800x600 for each --repeat (they take milliseconds).
INPROCESS_CALLS_PER_REPEAT = 4


def odiff_binary() -> str | None:
    """odiff's native binary from the npm package (skipping node's start-up), else ``odiff`` on PATH."""
    found = sorted(glob.glob(os.path.join(NODE_MODULES, "@odiff", "*", "odiff")))
    return os.path.abspath(found[0]) if found else shutil.which("odiff")


def odiff_npm_command() -> str | None:
    """The ``odiff`` command the npm package installs (a node script that runs the native binary)."""
    path = os.path.join(NODE_MODULES, ".bin", "odiff")
    return os.path.abspath(path) if os.path.exists(path) and shutil.which("node") else None


def yee_available(py: str) -> bool:
    """True when ``perceptdiff.metrics.get_metric("yee")`` works (checked in a child)."""
    code = "from perceptdiff.metrics import get_metric; get_metric('yee')"
    return subprocess.run([py, "-c", code], capture_output=True).returncode == 0


def module_available(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def in_process(py: str, pair: tuple[str, str], repeat: int) -> dict[str, float]:
    """Median in-process timings of ``perceptdiff.compare`` (``result.timings`` and wall), in a child."""
    out = subprocess.run([py, RUNNER, "inprocess", pair[0], pair[1], str(repeat)],
                         capture_output=True, text=True)
    if out.returncode != 0:  # reported, never raised: the benchmark always finishes
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  in process {pair[1]}: ERROR {tail}", file=sys.stderr)
        return {}
    return json.loads(out.stdout)


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
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "platform": platform.platform(), "loadavg": os.getloadavg(), "versions": versions}


def peers_missing(args: argparse.Namespace, odiff: str | None,
                  odiff_npm: str | None = None) -> dict[str, str]:
    """Tool -> why it is skipped in this run (``odiff``, ``odiff_npm``: the paths found, or None)."""
    missing: dict[str, str] = {}
    if args.no_peers:
        for tool in (N.SSIM, N.FLIP, N.PDIFF, N.ODIFF, N.ODIFF_NPM, N.PIXELMATCH):
            missing[tool] = "--no-peers"
        return missing
    if not module_available("flip_evaluator"):
        missing[N.FLIP] = "flip-evaluator not installed (pip install flip-evaluator)"
    if shutil.which("perceptualdiff") is None:
        missing[N.PDIFF] = "no perceptualdiff binary on PATH"
    if odiff is None:
        missing[N.ODIFF] = ("odiff not found: `npm install` in calibration/crossmachine/node"
                            if shutil.which("node") else "node is not on PATH")
    if odiff_npm is None:
        missing[N.ODIFF_NPM] = ("node is not on PATH" if not shutil.which("node")
                                else "no odiff command: `npm install` in calibration/crossmachine/node")
    if args.no_pixelmatch:
        missing[N.PIXELMATCH] = "--no-pixelmatch"
    elif not module_available("pixelmatch"):
        missing[N.PIXELMATCH] = "pixelmatch not installed"
    return missing


def build_jobs(cases: dict[str, dict[str, Any]], args: argparse.Namespace, py: str,
               missing: dict[str, str], odiff: str | None, have_yee: bool,
               odiff_npm: str | None = None) -> list[Job]:
    """One job per tool and case that this run measures as a whole process.

    ``odiff`` is odiff's native binary, ``odiff_npm`` the npm package's command (node's start-up
    included): the folder case and the 1080p noise case run both.
    """
    jobs: list[Job] = []

    def job(tool: str, case: str, cmd: list[str], ok: tuple[int, ...] = (0,), repeat: int = args.repeat,
            warmup: int = 1, note: str = "") -> None:
        if tool not in missing:
            jobs.append(Job(Measure(tool, case, ok_codes=ok, note=note), cmd, repeat, warmup))

    for case, c in cases.items():
        e, a = c["expected"], c["actual"]
        if c["kind"] == N.KIND_FOLDER:
            job(N.FLOOR, case, [py, RUNNER, "floor-folder", e, a])
            job(N.PERCEPTDIFF, case, [py, "-m", "perceptdiff", e, a, "-q", "--jobs", str(args.jobs)],
                ok=(0, 1), note=f"--jobs {args.jobs}")
            if odiff is not None:
                job(N.ODIFF, case, [py, RUNNER, "per-pair", str(args.jobs), e, a, odiff],
                    note=f"native binary once per pair, {args.jobs} at a time")
            if odiff_npm is not None:
                job(N.ODIFF_NPM, case, [py, RUNNER, "per-pair", str(args.jobs), e, a, odiff_npm],
                    note=f"npm command once per pair, {args.jobs} at a time")
            continue
        if c["kind"] not in (N.KIND_PAIR, N.KIND_MEMORY):
            continue
        job(N.FLOOR, case, [py, RUNNER, "floor", e, a])
        job(N.PERCEPTDIFF, case, [py, "-m", "perceptdiff", e, a, "-q"], ok=(0, 1))
        if have_yee and case in YEE_CASES:
            job(N.YEE, case, [py, "-m", "perceptdiff", e, a, "-q", "--metric", "yee"], ok=(0, 1))
        if case not in PEER_CASES:
            continue
        job(N.SSIM, case, [py, RUNNER, "ssim", e, a])
        job(N.FLIP, case, [py, RUNNER, "flip", e, a])
        job(N.PDIFF, case, ["perceptualdiff", e, a], ok=(0, 1))
        if odiff is not None:
            job(N.ODIFF, case, [odiff, e, a], ok=(0, 22))
        if odiff_npm is not None and case == N.NOISE_1080P:
            job(N.ODIFF_NPM, case, [odiff_npm, e, a], ok=(0, 22))
        job(N.PIXELMATCH, case, [py, RUNNER, "pixelmatch", e, a], repeat=1, warmup=0,
            note="1 run, no warm-up")
    return jobs


def measurement_table(measures: list[Measure], pairs: dict[str, int]) -> str:
    """A Markdown table of every measure; a folder case's peak RSS is not shown.

    ``wait4`` folds in only the descendants a process reaps itself; folder
    mode's workers are forked by a forkserver and never reaped by the command,
    so its figure would be the parent's alone.
    """
    floors = {m.case: m for m in measures if m.tool == N.FLOOR and not m.failed}
    lines = ["| tool | case | median wall s | pairs/s | peak RSS MB | x floor | note |",
             "|---|---|---:|---:|---:|---:|---|"]
    for m in measures:
        if m.failed:
            last = m.runs[-1].out.splitlines()[-1][:80] if m.runs and m.runs[-1].out else ""
            lines.append(f"| {m.tool} | {m.case} | ERROR | | | | {last} |")
            continue
        n = pairs.get(m.case, 1)
        rate = f"{n / m.wall:.1f}" if n > 1 else ""
        ratio = f"{m.wall / floors[m.case].wall:.2f}" if m.case in floors else ""
        rss = "" if n > 1 else f"{m.rss:.0f}"
        lines.append(f"| {m.tool} | {m.case} | {m.wall:.3f} | {rate} | {rss} | {ratio} | {m.note} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="measured runs per tool and case (default 5)")
    p.add_argument("--keep", metavar="DIR", help="write the pairs to DIR and keep them")
    p.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    p.add_argument("--only", action="append", choices=N.GROUPS, help="only these cases (repeatable)")
    p.add_argument("--no-peers", action="store_true", help="skip every peer (SSIM, FLIP, perceptualdiff, "
                   "odiff, pixelmatch)")
    p.add_argument("--no-pixelmatch", action="store_true", help="skip the (slow) pure-Python pixelmatch")
    p.add_argument("--folder-pairs", type=int, default=500, help="pairs in the folder case (default 500)")
    p.add_argument("--jobs", type=int, default=2, help="parallel pairs in the folder case (default 2)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    which = args.only or list(N.GROUPS)
    py = sys.executable
    info = machine_info()
    folder = args.keep or tempfile.mkdtemp(prefix="perceptdiff-bench-")
    try:
        t0 = time.perf_counter()
        made = subprocess.run([py, PAIRS, folder, "--folder-pairs", str(args.folder_pairs)]
                              + [a for w in which for a in ("--only", w)],
                              capture_output=True, text=True, check=True)
        cases: dict[str, dict[str, Any]] = json.loads(made.stdout)
        if not args.quiet:
            print(f"made {len(cases)} cases in {time.perf_counter() - t0:.1f} s in {folder}", file=sys.stderr)
        odiff, odiff_npm = odiff_binary(), odiff_npm_command()
        missing = peers_missing(args, odiff, odiff_npm)
        have_yee = yee_available(py)
        if not have_yee:
            missing[N.YEE] = "the yee metric is not available"
        jobs = build_jobs(cases, args, py, missing, odiff, have_yee, odiff_npm)
        run_jobs(jobs, quiet=args.quiet)
        measures = [j.measure for j in jobs]
        inproc: dict[str, dict[str, float]] = {}
        for case, c in cases.items():
            if c["kind"] == N.KIND_INPROCESS:
                calls = max(args.repeat, 5) * INPROCESS_CALLS_PER_REPEAT
                inproc[case] = in_process(py, (c["expected"], c["actual"]), calls)
            elif c["kind"] == N.KIND_PAIR:
                inproc[case] = in_process(py, (c["expected"], c["actual"]), args.repeat)
        inproc = {case: t for case, t in inproc.items() if t}
        info["loadavg_after"] = os.getloadavg()

        pairs = {case: int(c["pairs"]) for case, c in cases.items()}
        figures = {(m.tool, m.case): T.Figure(m.wall, m.rss) for m in measures if not m.failed}
        for m in measures:
            if m.failed:
                missing.setdefault(m.tool, f"{m.tool} failed")
        outcomes = T.evaluate_all(figures, {k: v["wall"] * 1000.0 for k, v in inproc.items()}, missing, pairs)
        out = [measurement_table(measures, pairs), ""]
        out += [f"skipped: {tool}: {why}" for tool, why in missing.items()]
        out += ["", "perceptdiff.compare in process (median after one warm-up; result.timings and wall):"]
        out += ["  " + case + ": " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in t.items())
                for case, t in inproc.items()]
        out += ["", "Targets (issue 10):", T.format_table(outcomes), ""]
        out.append(f"{info['date']}  {info['cpus']} CPUs ({info['cpu']}), {info['memory']}, Python "
                   f"{info['python']}, load {info['loadavg'][0]:.2f} before / {info['loadavg_after'][0]:.2f} "
                   f"after; median of {args.repeat} whole-process runs after one warm-up")
        out.append("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
                   + (f"; odiff {odiff}" if odiff else ""))
        print("\n".join(out))
        if args.json:
            doc = {"machine": info, "repeat": args.repeat, "cases": cases, "skipped": missing,
                   "measurements": [{"tool": m.tool, "case": m.case, "error": m.failed, "note": m.note,
                                     "median_wall_s": m.wall if m.runs else None,
                                     "median_peak_rss_mb": m.rss if m.runs else None,
                                     "runs": [{"wall_s": r.wall, "peak_rss_mb": r.maxrss_mb,
                                               "status": r.status, "output": r.out[-200:]} for r in m.runs]}
                                    for m in measures],
                   "in_process": inproc,
                   "targets": [{"case": o.target.case, "target": o.target.describe(), "measured": o.measured,
                                "value": o.value, "met": o.met, "why": o.why} for o in outcomes]}
            with open(args.json, "w") as fh:
                json.dump(doc, fh, indent=1)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

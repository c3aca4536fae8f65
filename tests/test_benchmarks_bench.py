"""bench.py's plumbing: which jobs a run builds, the measurement table, and the folder runners.

No timing is asserted: the benchmark's figures are measurements, not test results.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

import benchmarks_support  # noqa: F401  (puts benchmarks/ on sys.path)
import bench
import names as N
from processes import Measure, Run, run_child

RUNNER = str(benchmarks_support.BENCHMARKS / "_runner.py")


def _args(**kw) -> argparse.Namespace:
    base = dict(repeat=3, jobs=2, no_peers=False, no_pixelmatch=False)
    base.update(kw)
    return argparse.Namespace(**base)


CASES = {
    N.NOISE_1080P: {"kind": N.KIND_PAIR, "expected": "e.png", "actual": "a.png", "pairs": 1},
    N.IDENTICAL_1080P: {"kind": N.KIND_PAIR, "expected": "e.png", "actual": "c.png", "pairs": 1},
    N.FOLDER: {"kind": N.KIND_FOLDER, "expected": "E", "actual": "A", "pairs": 500},
    N.INPROCESS_LOCAL: {"kind": N.KIND_INPROCESS, "expected": "u.png", "actual": "l.png", "pairs": 1},
    N.NOISE_8K: {"kind": N.KIND_MEMORY, "expected": "8e.png", "actual": "8a.png", "pairs": 1},
}


def test_jobs_per_case_and_peers_skipped_when_missing() -> None:
    missing = {N.PDIFF: "not on PATH", N.PIXELMATCH: "not installed"}
    jobs = bench.build_jobs(CASES, _args(), "python", missing, "/x/odiff", have_yee=True,
                            odiff_npm="/x/bin/odiff")
    got = {(j.measure.tool, j.measure.case) for j in jobs}
    assert got == {
        (N.FLOOR, N.NOISE_1080P), (N.PERCEPTDIFF, N.NOISE_1080P), (N.YEE, N.NOISE_1080P),
        (N.SSIM, N.NOISE_1080P), (N.FLIP, N.NOISE_1080P), (N.ODIFF, N.NOISE_1080P),
        (N.ODIFF_NPM, N.NOISE_1080P), (N.ODIFF_NPM, N.FOLDER),
        (N.FLOOR, N.IDENTICAL_1080P), (N.PERCEPTDIFF, N.IDENTICAL_1080P), (N.YEE, N.IDENTICAL_1080P),
        (N.FLOOR, N.FOLDER), (N.PERCEPTDIFF, N.FOLDER), (N.ODIFF, N.FOLDER),
        (N.FLOOR, N.NOISE_8K), (N.PERCEPTDIFF, N.NOISE_8K),
    }
    folder = next(j for j in jobs if j.measure.tool == N.PERCEPTDIFF and j.measure.case == N.FOLDER)
    assert folder.cmd[1:] == ["-m", "perceptdiff", "E", "A", "-q", "--jobs", "2"]
    assert all(j.repeat == 3 for j in jobs)


def test_no_peers_leaves_perceptdiff_and_the_floor() -> None:
    args = _args(no_peers=True)
    missing = bench.peers_missing(args, odiff=None)
    jobs = bench.build_jobs(CASES, args, "python", missing, None, have_yee=False)
    assert {j.measure.tool for j in jobs} == {N.FLOOR, N.PERCEPTDIFF}


def test_measurement_table() -> None:
    floor = Measure(N.FLOOR, N.NOISE_1080P, runs=[Run(0.2, 70, 0), Run(0.4, 70, 0), Run(0.3, 71, 0)])
    mine = Measure(N.PERCEPTDIFF, N.NOISE_1080P, runs=[Run(0.6, 300, 1)], ok_codes=(0, 1))
    folder = Measure(N.PERCEPTDIFF, N.FOLDER, runs=[Run(25.0, 40, 1)], ok_codes=(0, 1))
    broken = Measure(N.FLIP, N.NOISE_1080P, runs=[Run(0.1, 10, 2, "Traceback\nValueError: bad")])
    lines = bench.measurement_table([floor, mine, folder, broken], {N.FOLDER: 500}).splitlines()
    assert lines[2] == f"| {N.FLOOR} | {N.NOISE_1080P} | 0.300 |  | 70 | 1.00 |  |"
    assert lines[3] == f"| {N.PERCEPTDIFF} | {N.NOISE_1080P} | 0.600 |  | 300 | 2.00 |  |"
    assert lines[4] == f"| {N.PERCEPTDIFF} | {N.FOLDER} | 25.000 | 20.0 |  |  |  |"
    assert lines[5] == f"| {N.FLIP} | {N.NOISE_1080P} | ERROR | | | | ValueError: bad |"


def test_run_child_reads_status_and_output() -> None:
    r = run_child([sys.executable, "-c", "print('hi'); raise SystemExit(1)"])
    assert r.status == 1 and r.out == "hi" and r.maxrss_mb > 0


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    e, a = tmp_path / "e", tmp_path / "a"
    e.mkdir()
    a.mkdir()
    for i in range(3):
        img = np.full((8, 8, 3), 40 * i, np.uint8)
        Image.fromarray(img).save(e / f"p{i}.png")
        Image.fromarray(img if i else 255 - img).save(a / f"p{i}.png")
    return e, a


def test_folder_runners(tmp_path: Path) -> None:
    e, a = _folder(tmp_path)
    out = subprocess.run([sys.executable, RUNNER, "floor-folder", str(e), str(a)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"
    # the command gets EXPECTED ACTUAL appended; it fails (exit 1) on the one pair whose bytes differ
    cmp = "import sys, filecmp; sys.exit(not filecmp.cmp(sys.argv[1], sys.argv[2], shallow=False))"
    out = subprocess.run([sys.executable, RUNNER, "per-pair", "2", str(e), str(a), sys.executable, "-c", cmp],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"

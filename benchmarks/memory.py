"""Peak memory and time of the command on large and extreme-aspect pairs (issue 11, items 1-2).

Each case runs ``python -m perceptdiff A B -q [options]`` as a fresh process
and reads the child's own peak resident memory (``ru_maxrss`` from
``os.wait4``) and its wall time; the table gives the peak in MB and in bytes
per pixel of the larger image, the figure the README's memory bound is
stated in.  The pairs are written by a child process (``--make DIR``), so
this process imports neither numpy nor Pillow and stays small (on Linux a
child's ``ru_maxrss`` starts from its parent's peak at fork time).

Cases:

* ``8K``: a 7680x4320 UI screenshot (``pairs.ui_screenshot``) against itself
  with +-1 noise everywhere and one recoloured badge; compare only, with the
  overlay diff picture, and with the side-by-side one;
* ``wide``/``tall``: 32x524288 and 524288x32 pairs with +-1 noise everywhere
  and one local change (the worst aspect ratios for the metric's horizontal
  bands: a band of a 32-row image is the whole image), compare with a diff;
* ``60000x1`` and ``1x60000`` with ``--diff-style sidebyside`` (the issue's
  152 s / 23 GB case);
* ``size differs``: a 12000x12000 PNG (450 kB) against a small one, from
  the headers alone;
* ``pad, inflated``: 64x1 against 1x1048576 with ``--pad`` (refused).

Usage::

    python benchmarks/memory.py [--only NAME ...] [--keep DIR] [--repeat N]

A measurement, not a test: it prints, it never fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))


def make_pairs(folder: str) -> dict[str, Any]:
    """Write every pair into ``folder`` (runs in a child process); returns the case table."""
    import numpy as np
    from PIL import Image

    sys.path.insert(0, HERE)
    import pairs

    def save(name: str, arr: Any) -> str:
        path = os.path.join(folder, name)
        Image.fromarray(arr).save(path, compress_level=1)
        return path

    rng = np.random.default_rng(1)
    img, (x, y, w, h) = pairs.ui_screenshot(7680, 4320)
    noisy = np.clip(img.astype(np.int16) + rng.integers(-1, 2, img.shape), 0, 255).astype(np.uint8)
    noisy[y:y + h, x:x + w] = (200, 30, 30)
    e8k, a8k = save("8k-a.png", img), save("8k-b.png", noisy)
    del img, noisy
    cases: dict[str, Any] = {}
    cases["8K compare"] = (e8k, a8k, [], 7680 * 4320)
    cases["8K --diff overlay"] = (e8k, a8k, ["--diff", os.path.join(folder, "d.png")], 7680 * 4320)
    cases["8K --diff sidebyside"] = (e8k, a8k, ["--diff", os.path.join(folder, "d.png"),
                                                "--diff-style", "sidebyside"], 7680 * 4320)
    for name, shape in (("wide 524288x32", (32, 524288)), ("tall 32x524288", (524288, 32))):
        base = rng.integers(16, 240, shape + (3,), dtype=np.uint8)
        # +-1 on every sample: the whole frame is computed (no crop to a small box)
        changed = (base.astype(np.int16) + rng.integers(-1, 2, base.shape)).astype(np.uint8)
        changed.reshape(-1, 3)[1000:3000] = 0
        a, b = save(f"{name.split()[0]}-a.png", base), save(f"{name.split()[0]}-b.png", changed)
        cases[name + " --diff"] = (a, b, ["--diff", os.path.join(folder, "d.png")], shape[0] * shape[1])
    for name, shape in (("60000x1", (1, 60000)), ("1x60000", (60000, 1))):
        base = np.full(shape + (3,), 255, np.uint8)
        changed = base.copy()
        changed.reshape(-1, 3)[100:200] = 0
        a, b = save(f"{name}-a.png", base), save(f"{name}-b.png", changed)
        cases[name + " --diff sidebyside"] = (a, b, ["--diff", os.path.join(folder, "d.png"),
                                                     "--diff-style", "sidebyside"], 60000)
    huge = os.path.join(folder, "huge.png")
    Image.new("RGB", (12000, 12000), (200, 10, 10)).save(huge)
    small = save("small.png", np.zeros((100, 100, 3), np.uint8))
    cases["size differs 12000x12000"] = (huge, small, [], 12000 * 12000)
    w64 = save("w64.png", np.zeros((1, 64, 3), np.uint8))
    t1m = save("t1m.png", np.zeros((1048576, 1, 3), np.uint8))
    cases["pad 64x1 vs 1x1048576"] = (w64, t1m, ["--pad"], 1048576)
    return cases


def run_case(expected: str, actual: str, extra: Sequence[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and the exit status of one command."""
    cmd = [sys.executable, "-m", "perceptdiff", expected, actual, "-q", *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024.0, proc.returncode


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--make", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--keep", metavar="DIR", help="write the pairs here and keep them")
    ap.add_argument("--only", action="append", default=[], help="cases whose name contains this")
    ap.add_argument("--repeat", type=int, default=1, help="runs per case (median shown)")
    args = ap.parse_args(argv)
    if args.make:
        print(json.dumps(make_pairs(args.make)))
        return 0
    folder = args.keep or tempfile.mkdtemp(prefix="perceptdiff-memory-")
    os.makedirs(folder, exist_ok=True)
    made = subprocess.run([sys.executable, __file__, "--make", folder], capture_output=True,
                          text=True, check=True)
    cases = json.loads(made.stdout)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"| case | exit | wall s | peak RSS MB | bytes per pixel of the larger image |")
    print("|---|---:|---:|---:|---:|")
    for name, (exp, act, extra, pixels) in cases.items():
        if args.only and not any(o in name for o in args.only):
            continue
        runs = [run_case(exp, act, extra) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        peak = statistics.median(r[1] for r in runs)
        print(f"| {name} | {runs[0][2]} | {wall:.2f} | {peak:.0f} | {peak * 2**20 / pixels:.1f} |",
              flush=True)
    after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} before, {after:.1f} after; pairs in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Visibility maps of the default metric, computed once per image pair and kept on disk.

The issue-9 prototypes re-read the same J maps many times while their features
are tried; this keeps them (float16, compressed) under a cache folder keyed by
the two image paths and their modification times, so a prototype run after
the first costs only its own features.  It calls the public API only.

Usage::

    python calibration/crossmachine/jmap_cache.py [--split all|fit|holdout] [--jobs 2]
        [--cache /tmp/perceptdiff-jmaps]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

#: Where maps are kept unless told otherwise (outside the repository and the shared render folder).
DEFAULT_CACHE = Path(os.environ.get("PERCEPTDIFF_JMAP_CACHE", "/tmp/perceptdiff-jmaps"))


def _key(a: str, b: str) -> str:
    sa, sb = os.stat(a), os.stat(b)
    text = f"{os.path.abspath(a)}|{os.path.abspath(b)}|{sa.st_mtime_ns}|{sb.st_mtime_ns}|{sa.st_size}|{sb.st_size}"
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def compute(a: str, b: str) -> dict:
    """The pair through :func:`perceptdiff.compare` (default options): map and verdict."""
    import perceptdiff

    r = perceptdiff.compare(a, b)
    j = r.jnd_map
    return {"j": None if j is None else j.astype(np.float16), "fail": not r.passed,
            "peak": float(r.peak_jnd or 0.0), "reason": r.reason}


def get(a: str, b: str, cache: Path = DEFAULT_CACHE) -> dict:
    """Cached :func:`compute`."""
    path = cache / f"{_key(a, b)}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        j = z["j"] if z["has_j"] else None
        return {"j": j, "fail": bool(z["fail"]), "peak": float(z["peak"]), "reason": str(z["reason"])}
    got = compute(a, b)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, j=got["j"] if got["j"] is not None else np.zeros((0, 0), np.float16),
                        has_j=got["j"] is not None, fail=got["fail"], peak=got["peak"], reason=got["reason"])
    os.replace(tmp, path)
    return got


def _warm(args: tuple[str, str, str]) -> str:
    a, b, cache = args
    get(a, b, Path(cache))
    return a


def main(argv: list[str] | None = None) -> int:
    import evaluate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="all", choices=("all", "fit", "holdout"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ns = ap.parse_args(argv)
    entries = [e for e in evaluate.select(evaluate.load_manifest(), ns.split)
               if e["label"] in evaluate.SCORED]
    work = [(str(ns.out / e["a"]["image"]), str(ns.out / e["b"]["image"]), str(ns.cache)) for e in entries]
    with ProcessPoolExecutor(max_workers=ns.jobs) as pool:
        for i, _ in enumerate(pool.map(_warm, work, chunksize=2), 1):
            if i % 25 == 0:
                print(f"jmap_cache: {i}/{len(work)}", flush=True)
    print(f"jmap_cache: {len(work)} pairs in {ns.cache}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

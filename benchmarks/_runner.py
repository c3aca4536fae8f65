"""Peer comparators and the decode floor, each run as its own process by bench.py.

``python benchmarks/_runner.py TOOL EXPECTED ACTUAL`` decodes both images with
Pillow, as perceptdiff does, then computes:

``floor``
    nothing more: the Pillow decode floor (``np.asarray(Image.open(p).convert("RGBA"))``).
``ssim``
    scikit-image ``structural_similarity`` with Wang et al.'s (2004) set-up:
    Gaussian window sigma 1.5, population covariance, data range 1, on float32 RGB.
``flip``
    flip-evaluator (PyPI) LDR-FLIP at its default 67 pixels per degree, on float32 RGB in [0, 1].
``pixelmatch``
    the pure-Python ``pixelmatch`` package (PyPI), threshold 0.1, anti-aliasing detection on.

``python benchmarks/_runner.py inprocess EXPECTED ACTUAL N`` prints, as JSON,
the median ``perceptdiff.compare`` timings over N calls after one warm-up.

Folder cases (two folders holding the same file names):

``floor-folder EXPECTED_DIR ACTUAL_DIR``
    decodes every pair in this one process (the floor of folder mode);
``per-pair JOBS EXPECTED_DIR ACTUAL_DIR COMMAND...``
    runs ``COMMAND... EXPECTED ACTUAL`` once per pair, JOBS at a time (odiff
    launched once per pair, as a CI script would); prints how many exited
    non-zero.  It imports neither numpy nor Pillow.

Prints one number (mean SSIM, mean FLIP error or mismatched pixels) on stdout.
Imports happen inside the process, so the start-up cost of each tool counts.
"""

from __future__ import annotations

import sys


def _decode(path: str):
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))


def inprocess(pa: str, pb: str, repeat: int) -> int:
    """Median ``perceptdiff.compare`` timings (``result.timings`` plus wall), one warm-up; JSON."""
    import json
    import statistics
    import time

    import perceptdiff

    perceptdiff.compare(pa, pb)
    rows: dict[str, list[float]] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = perceptdiff.compare(pa, pb)
        wall = time.perf_counter() - t0
        for k, v in r.timings.items():
            rows.setdefault(k, []).append(float(v))
        rows.setdefault("wall", []).append(wall)
    print(json.dumps({k: statistics.median(v) for k, v in rows.items()}))
    return 0


def _pairs(dir_a: str, dir_b: str) -> list[tuple[str, str]]:
    import os

    names = sorted(n for n in os.listdir(dir_a) if n.lower().endswith(".png"))
    return [(os.path.join(dir_a, n), os.path.join(dir_b, n)) for n in names]


def floor_folder(dir_a: str, dir_b: str) -> int:
    """Decode every pair of the two folders; prints the number of pairs."""
    pairs = _pairs(dir_a, dir_b)
    for pa, pb in pairs:
        _decode(pa)
        _decode(pb)
    print(len(pairs))
    return 0


def per_pair(jobs: int, dir_a: str, dir_b: str, command: list[str]) -> int:
    """Run ``command + [a, b]`` once per pair, ``jobs`` processes at a time; prints the non-zero count."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    def one(pair: tuple[str, str]) -> int:
        return subprocess.run(command + list(pair), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        codes = list(pool.map(one, _pairs(dir_a, dir_b)))
    print(sum(1 for c in codes if c != 0))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "inprocess":
        return inprocess(argv[1], argv[2], int(argv[3]))
    if len(argv) == 3 and argv[0] == "floor-folder":
        return floor_folder(argv[1], argv[2])
    if len(argv) >= 5 and argv[0] == "per-pair":
        return per_pair(int(argv[1]), argv[2], argv[3], argv[4:])
    if len(argv) != 3:
        print("usage: _runner.py floor|ssim|flip|pixelmatch EXPECTED ACTUAL", file=sys.stderr)
        return 2
    tool, pa, pb = argv
    a = _decode(pa)
    b = _decode(pb)
    if tool == "floor":
        print(int(a.shape[0]) * int(a.shape[1]))
        return 0
    if tool == "ssim":
        import numpy as np
        from skimage.metrics import structural_similarity

        fa = a[..., :3].astype(np.float32) / np.float32(255)
        fb = b[..., :3].astype(np.float32) / np.float32(255)
        s = structural_similarity(fa, fb, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False, data_range=1.0, channel_axis=-1)
        print(f"{float(s):.6f}")
        return 0
    if tool == "flip":
        import flip_evaluator as flip
        import numpy as np

        fa = a[..., :3].astype(np.float32) / np.float32(255)
        fb = b[..., :3].astype(np.float32) / np.float32(255)
        _, mean, _ = flip.evaluate(fa, fb, "LDR", applyMagma=False)
        print(f"{float(mean):.6f}")
        return 0
    if tool == "pixelmatch":
        from pixelmatch import pixelmatch

        h, w = a.shape[:2]
        n = pixelmatch(a.tobytes(), b.tobytes(), w, h, threshold=0.1)
        print(n)
        return 0
    print(f"unknown tool {tool!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

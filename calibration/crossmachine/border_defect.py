"""Issue 9 item 4: does a change's visibility depend on where in the frame it is?

The same change on the same content is placed at each corner, at the middle of
each edge and at the centre of the frame, and perceptdiff's peak JND is printed
for each position.  Visibility must not depend on position (the issue asks for
all within 10 %); today a change that touches the border scores higher,
because mirror or nearest padding copies it into the padding.

Cases (all 8-bit grey, 64 x 64 unless said):

* ``crossing``: a white frame with 1-px grey (169) lines every 16 px and along
  the frame's edges; one pixel where two lines cross goes 169 -> 144;
* ``flat-1px``: flat grey 169; one pixel -> 144;
* ``flat-2x2``: flat grey 169; a 2 x 2 patch -> 144.

Usage: ``python calibration/crossmachine/border_defect.py [--ppd 40] [--size 64]``
(``cases()`` and ``peak_by_position()`` are used by the tests).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

GREY = 169
CHANGED = 144
LINE_STEP = 16
#: The issue's tolerance: every position within 10 % of the others.
POSITION_TOLERANCE = 0.10


def positions(size: int, patch: int) -> dict[str, tuple[int, int]]:
    """Top-left corner of the changed patch at the 4 corners, 4 edge midpoints and the centre."""
    lo, hi, mid = 0, size - patch, (size - patch) // 2
    # the centre and edge midpoints sit on a line crossing (multiples of LINE_STEP)
    mid = (mid // LINE_STEP) * LINE_STEP
    return {
        "top-left": (lo, lo), "top-right": (lo, hi), "bottom-left": (hi, lo), "bottom-right": (hi, hi),
        "top": (lo, mid), "bottom": (hi, mid), "left": (mid, lo), "right": (mid, hi), "centre": (mid, mid),
    }


def crossing_grid(size: int) -> np.ndarray:
    img = np.full((size, size), 255, np.uint8)
    for k in list(range(0, size, LINE_STEP)) + [size - 1]:
        img[k, :] = GREY
        img[:, k] = GREY
    return img


def cases(size: int = 64) -> dict[str, tuple[np.ndarray, int]]:
    """case name -> (base image, patch size)."""
    return {
        "crossing": (crossing_grid(size), 1),
        "flat-1px": (np.full((size, size), GREY, np.uint8), 1),
        "flat-2x2": (np.full((size, size), GREY, np.uint8), 2),
    }


def peak_by_position(base: np.ndarray, patch: int, ppd: float = 40.0) -> dict[str, tuple[float, bool]]:
    """position -> (peak JND, failed) of ``base`` vs ``base`` with the patch set to CHANGED there."""
    import perceptdiff

    out = {}
    for name, (y, x) in positions(base.shape[0], patch).items():
        changed = base.copy()
        changed[y:y + patch, x:x + patch] = CHANGED
        r = perceptdiff.compare(np.stack([base] * 3, -1), np.stack([changed] * 3, -1), ppd=ppd)
        out[name] = (float(r.peak_jnd or 0.0), not r.passed)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ppd", type=float, default=40.0)
    ap.add_argument("--size", type=int, default=64)
    args = ap.parse_args(argv)
    names = list(positions(args.size, 1))
    print(f"peak JND by position (ppd {args.ppd:g}, {args.size}x{args.size}); * = fails")
    print(f"{'case':10s}" + "".join(f"{n:>13s}" for n in names) + f"{'max/min':>9s}")
    worst = 0.0
    for case, (base, patch) in cases(args.size).items():
        res = peak_by_position(base, patch, args.ppd)
        vals = [res[n][0] for n in names]
        ratio = max(vals) / max(min(vals), 1e-9)
        worst = max(worst, ratio)
        print(f"{case:10s}" + "".join(f"{res[n][0]:12.2f}{'*' if res[n][1] else ' '}" for n in names)
              + f"{ratio:9.2f}")
    print(f"worst max/min {worst:.2f} (the issue asks <= {1 + POSITION_TOLERANCE:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

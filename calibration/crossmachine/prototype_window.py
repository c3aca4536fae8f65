"""Fourth prototype for issue 9 item 2: unexplained ink per window, and where it fails.

Question: hinting, another rasteriser or another backend moves ink by about a pixel and changes
its weight; a changed word, digit or icon puts ink where the other side has none.  Does the share
of each window's ink that no ink of the other side explains within ``RADIUS`` px separate them?
Measured, not built into the model.

Per pair (J map of the default metric, ``jmap_cache.py``; the verdict's failing regions as in
``prototype_ink.failing_regions``):

1. Ink: sRGB-encoded luminance of each side blurred by σ px, against ONE paper for both sides
   (``perceptdiff.ink.paper_of``), ``ink = |Y - paper|``.
2. Unexplained ink: ``max(0, ink_A - max(ink_B within r px)) + the same from B``; a blur of σ = 1
   px first makes a stroke's weight and sub-pixel position matter little (a 1-px stem at full
   coverage and a 2-px stem at half coverage blur to nearly the same profile).
3. ``R``: in every w x w window (stride w/4) holding at least ``MIN_INK`` px of full contrast, the
   unexplained ink over the ink present (both sides' maximum); a region's ``R`` is its largest.
4. Colour, since ``R`` is blind to a recolour: a*b* and L* of both sides blurred by 2 and 4 px,
   each against the other's range within ``perceptdiff.ink.TOLERANCE_PX`` (as ``subpixel_text``).

A pair is forgiven when every failing region lies in a box on (R, Δa*b*₂, ΔL*₂, Δa*b*₄, ΔL*₄),
fitted on ``fit`` by ``prototype_ink.fit_box`` (most failing `same` pairs of the pairs the
default verdict fails, no `changed` pair inside the box x ``--margin``), then applied to
``holdout``.  ``at-change`` prints, for a twin, ``R`` where its change is (the difference
between side B with and without the change) beside the worst window of its `same` pair.

Usage::

    python calibration/crossmachine/prototype_window.py fit [--combo 1.0 1 16] [--margin 1.25] --now NOW.json
    python calibration/crossmachine/prototype_window.py kinds [--combo ...] [--split fit]
    python calibration/crossmachine/prototype_window.py at-change BASE_ID [...] [--change digit]

``NOW.json`` is ``evaluate.py --json`` of today's default verdict (the pairs still failing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy import ndimage

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import jmap_cache  # noqa: E402
import prototype_ink  # noqa: E402
from perceptdiff import ink  # noqa: E402

#: Blurs (px), tolerance radii (px) and window sizes (px) measured; one cache holds them all.
SIGMAS = (0.5, 1.0)
RADII = (1, 2)
WINDOWS = (8, 16)
#: A window is scored when it holds this much ink (px of full contrast): fewer is paper noise.
MIN_INK = 0.5
#: The colour terms' blurs (px): the fringe scale of ``subpixel_text`` and twice it.
COLOUR_SIGMAS = (2.0, 4.0)
FEATURES = ("R", "dab2", "dl2", "dab4", "dl4")
CACHE = Path(os.environ.get("PERCEPTDIFF_WINDOW_CACHE", "/tmp/perceptdiff-window-features.pkl"))


def ink_of(rgb8: np.ndarray, paper: np.ndarray, sigma: float) -> np.ndarray:
    return np.abs(ndimage.gaussian_filter(ink.encoded_luminance(rgb8.astype(np.float32) / 255), sigma) - paper)


def unexplained(ia: np.ndarray, ib: np.ndarray, radius: int) -> np.ndarray:
    """Ink of each side that no ink of the other side within ``radius`` px reaches, summed."""
    k = 2 * radius + 1
    return (np.maximum(0, ia - ndimage.maximum_filter(ib, k))
            + np.maximum(0, ib - ndimage.maximum_filter(ia, k)))


def window_ratio(res: np.ndarray, present: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """``(R, scored)``: unexplained over present ink per w x w window; windows on a w/4 grid with ink."""
    wr = ndimage.uniform_filter(res, w)
    wi = ndimage.uniform_filter(present, w) * w * w
    step = max(w // 4, 1)
    grid = np.zeros(res.shape, bool)
    grid[step // 2::step, step // 2::step] = True
    return wr * w * w / np.maximum(wi, MIN_INK), grid & (wi >= MIN_INK)


def pair_features(a_path: str, b_path: str) -> dict:
    """Per failing region: R for every (σ, r, w) and the four colour terms."""
    got = jmap_cache.get(a_path, b_path)
    out: dict = {"fail": got["fail"], "R": {}, "colour": []}
    if not got["fail"]:
        return out
    ra, rb = prototype_ink.load_rgb(a_path), prototype_ink.load_rgb(b_path)
    if ra.shape != rb.shape or got["j"] is None:
        out["unscorable"] = True
        return out
    regions = prototype_ink.failing_regions(got["j"])
    fa, fb = ra.astype(np.float32) / 255, rb.astype(np.float32) / 255
    paper = ink.paper_of(0.5 * (ink.encoded_luminance(fa) + ink.encoded_luminance(fb)))
    terms = []
    for sigma in COLOUR_SIGMAS:
        terms.extend(ink.tolerant_lab_diff(ink.blurred_lab(fa, sigma), ink.blurred_lab(fb, sigma)))
    out["colour"] = [tuple(float(t[m].max()) for t in terms) for m in regions]
    for sigma in SIGMAS:
        ia, ib = ink_of(ra, paper, sigma), ink_of(rb, paper, sigma)
        for radius in RADII:
            res = unexplained(ia, ib, radius)
            for w in WINDOWS:
                r, scored = window_ratio(res, np.maximum(ia, ib), w)
                out["R"][(sigma, radius, w)] = [float(r[m & scored].max()) if (m & scored).any() else 0.0
                                                for m in regions]
    return out


def _work(args: tuple[str, str]) -> dict:
    return pair_features(*args)


def features(entries: list[dict], out: Path, jobs: int) -> dict[str, dict]:
    return prototype_ink.cached_features(entries, out, CACHE, _work, (), jobs)


def pair_vector(f: dict, combo: tuple) -> np.ndarray:
    """Per feature the worst over the pair's failing regions (inf: not scorable)."""
    if f.get("unscorable") or not f["colour"]:
        return np.full(len(FEATURES), np.inf)
    return np.max([[r, *c] for r, c in zip(f["R"][combo], f["colour"])], axis=0)


def kind_of(e: dict) -> str:
    return e["jitter"] if e["label"] == "same" else e["change"]


def fit(entries: list[dict], feats: dict, now: dict[str, bool], combo: tuple, margin: float) -> None:
    fit_e = [e for e in entries if e["split"] == "fit"]
    same = [pair_vector(feats[e["id"]], combo) for e in fit_e if e["label"] == "same" and now[e["id"]]]
    changed = [pair_vector(feats[e["id"]], combo) for e in fit_e if e["label"] == "changed" and feats[e["id"]]["fail"]]
    box = prototype_ink.fit_box(same, changed, margin)
    print(f"combo σ, r, w = {combo}; fitted on fit (margin x{margin}): "
          + ", ".join(f"{n} <= {v:.4g}" for n, v in zip(FEATURES, box)))
    for split in ("fit", "holdout"):
        rows: dict = defaultdict(lambda: [0, 0, 0])
        for e in entries:
            if e["split"] != split:
                continue
            f = feats[e["id"]]
            after = now[e["id"]] and not (f["fail"] and np.all(pair_vector(f, combo) <= box))
            row = rows[(e["label"], kind_of(e))]
            row[0] += 1
            row[1] += now[e["id"]]
            row[2] += after
        print(f"\n{split}: label kind: failing now -> after / pairs")
        for (label, kind), (n, before, after) in sorted(rows.items()):
            print(f"  {label:8s} {kind:22s} {before:3d} -> {after:3d} / {n}")
        misses = sum(n - a for (label, _), (n, _, a) in rows.items() if label == "changed")
        same_b = sum(b for (label, _), (_, b, _) in rows.items() if label == "same")
        same_a = sum(a for (label, _), (_, _, a) in rows.items() if label == "same")
        print(f"  same failing {same_b} -> {same_a}; changed missed {misses}")


def kinds(entries: list[dict], feats: dict, combo: tuple, split: str) -> None:
    rows: dict = defaultdict(list)
    for e in entries:
        f = feats[e["id"]]
        if (split == "all" or e["split"] == split) and f["fail"] and not f.get("unscorable"):
            rows[(e["label"], kind_of(e))].append(float(max(f["R"][combo], default=0.0)))
    print(f"R (σ, r, w = {combo}) of the pairs the strict verdict fails, {split}:")
    for (label, kind), v in sorted(rows.items()):
        print(f"  {label:8s} {kind:22s} " + " ".join(f"{x:.3f}" for x in sorted(v)))


def at_change(manifest_ids: dict, bases: list[str], change: str, out: Path) -> None:
    for base in bases:
        same, twin = manifest_ids[f"{base}/same"], manifest_ids[f"{base}/{change}"]
        a = prototype_ink.load_rgb(str(out / twin["a"]["image"]))
        b_same = prototype_ink.load_rgb(str(out / same["b"]["image"]))
        b_twin = prototype_ink.load_rgb(str(out / twin["b"]["image"]))
        ys, xs = np.nonzero(np.abs(b_same.astype(int) - b_twin).max(-1) > 0)
        at = (slice(ys.min() - 2, ys.max() + 3), slice(xs.min() - 2, xs.max() + 3))
        for combo in [(s, r, w) for s in SIGMAS for r in RADII for w in WINDOWS]:
            s, r, w = combo
            got = []
            for b in (b_twin, b_same):
                fa, fb = a.astype(np.float32) / 255, b.astype(np.float32) / 255
                paper = ink.paper_of(0.5 * (ink.encoded_luminance(fa) + ink.encoded_luminance(fb)))
                ia, ib = ink_of(a, paper, s), ink_of(b, paper, s)
                got.append(window_ratio(unexplained(ia, ib, r), np.maximum(ia, ib), w))
            (rt, _), (rs, ok) = got
            print(f"{base:48s} {combo}: twin's R at its change {rt[at].max():.3f}; same pair's worst window {rs[ok].max():.3f}")


def main(argv: list[str] | None = None) -> int:
    import evaluate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("fit", "kinds", "at-change"))
    ap.add_argument("bases", nargs="*", help="at-change: base ids (content/jitter)")
    ap.add_argument("--combo", type=float, nargs=3, default=(1.0, 1, 16), metavar=("SIGMA", "RADIUS", "WINDOW"))
    ap.add_argument("--margin", type=float, default=1.25)
    ap.add_argument("--split", default="fit", choices=("all", "fit", "holdout"))
    ap.add_argument("--change", default="digit")
    ap.add_argument("--now", type=Path, help="evaluate.py --json of today's default verdict")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ns = ap.parse_args(argv)
    combo = (float(ns.combo[0]), int(ns.combo[1]), int(ns.combo[2]))
    manifest = evaluate.load_manifest()
    entries = [e for e in evaluate.select(manifest, "all") if e["label"] in evaluate.SCORED]
    if ns.command == "at-change":
        at_change({e["id"]: e for e in evaluate.select(manifest, "all")}, ns.bases, ns.change, ns.out)
        return 0
    feats = features(entries, ns.out, ns.jobs)
    if ns.command == "kinds":
        kinds(entries, feats, combo, ns.split)
        return 0
    if ns.now is None:
        ap.error("fit needs --now NOW.json (evaluate.py --json of today's default verdict)")
    now = {p["id"]: p["tools"]["perceptdiff"]["fail"] for p in json.loads(ns.now.read_text())["pairs"]}
    fit(entries, feats, now, combo, ns.margin)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

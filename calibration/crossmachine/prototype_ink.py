"""Third prototype for issue 9 item 2: per-connected-ink-component accounting.

Question: is a region that the default verdict fails "the same content drawn
by another rasteriser" (every glyph/line keeps its ink and position) or
"different content" (a component appears, vanishes, gains or loses ink, moves
or changes shape)?  Measured, not built into the model.

Per pair (J map of the default metric, ``jmap_cache.py``):

1. The verdict's regions: 8-connected J > 1 after the verdict's 2-px dilation;
   a region fails when its peak is >= 4 JND or it covers >= 0.025 deg².
   Only failing regions are examined; a pair is forgiven when every failing
   region is.
2. Ink: luminance of each image (``--space``: linear light, sRGB-encoded luma
   or L*/100), the paper as the median of both images' mean luminance over a
   ``PAPER_PX`` window, ink = |Y - paper| after a σ ``BLUR_PX`` blur.
3. Components: 8-connected components of (ink_A > t or ink_B > t), dilated by
   ``--merge`` px (1: glyphs, 3: words), on the whole frame; the components a
   failing region touches are its components.  Labelling the union of both
   sides pairs A's and B's ink without a matching step, and follows splits
   and merges (Cairo's two half-pixel lines, glyphs that touch in one image).
4. Per component: total ink on each side, ink-weighted centroids, their
   distance ``d``, the log ink ratio ``g`` = ln(ink_B / ink_A), and a shape
   residual ``s``: both sides' ink in the component, B moved by the centroid
   difference (bilinear) and scaled to A's total, blurred by σ ``SHAPE_SIGMA``,
   Σ|a - b| / Σ(a + b).
5. Per region: the a*b* difference after a σ ``CHROMA_SIGMA`` blur (max over
   the region), and the region's total log ink ratio.

A region is "redrawn" when every component with at least ``MIN_INK`` ink
(pixel-equivalents of full contrast) on either side has d <= 2 px,
|g| <= T_g and s <= T_s, its total |g| <= T_g, its a*b* term <= T_c, and it
touches at least one component.  T_g, T_s, T_c are fitted on ``fit`` (zero
misses, margin), then checked once on ``holdout``.

Usage::

    python calibration/crossmachine/prototype_ink.py features [--split fit] [--space linear] [--merge 1]
    python calibration/crossmachine/prototype_ink.py table   [--split fit] [--space linear] [--merge 1]
        [--tg 0.25 --ts 0.3 --tc 4]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import ndimage

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import jmap_cache  # noqa: E402

#: Paper window (px): wider than a glyph and a line of text, so the median is the paper under text.
PAPER_PX = 31
#: Blur (px) before thresholding ink: one LCD sub-pixel triplet or hinted stem edge becomes one blob.
BLUR_PX = 0.7
#: Ink threshold (fraction of full contrast): below a #f0f0f0 rule on white in linear light (0.13),
#: above LCD fringes' residual halo and JPEG-like noise.
INK_T = {"linear": 0.03, "srgb": 0.03, "lstar": 0.03}
#: A component counts when it holds this much ink (px of full contrast) on either side.
MIN_INK = 1.0
#: Centroids of a redrawn component agree within this many px (hinting, LCD, Ghostscript's glyph origins).
MAX_CENTROID_PX = 2.0
#: Blur (px) of the shape comparison after centroid alignment.
SHAPE_SIGMA = 1.0
#: Side (px) of the square over which the aligned shape residual's mass is summed: about one glyph.
LOCAL_PX = 7
#: Blur (px) of a*b* for the chroma term: LCD fringes (1 px) average out, a recoloured area does not.
CHROMA_SIGMA = 2.0
#: Region rule of the default verdict (perceptdiff.verdict: STRONG_JND, MIN_AREA_DEG2, CLUSTER_DEG at 40 ppd).
PPD = 40.0
FEATURE_CACHE = Path(os.environ.get("PERCEPTDIFF_INK_CACHE", "/tmp/perceptdiff-ink-features"))


# --------------------------------------------------------------------------- images
def load_rgb(path: str) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def luminance(rgb8: np.ndarray, space: str) -> np.ndarray:
    from perceptdiff import color

    lin = color.linear_lut(np.uint8)[rgb8]
    y = lin @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    if space == "linear":
        return y.astype(np.float32)
    if space == "srgb":
        return color.linear_to_srgb(y)
    if space == "lstar":
        return (color.lab_f(y) * 116.0 - 16.0).astype(np.float32) / 100.0
    raise ValueError(space)


def lab(rgb8: np.ndarray) -> np.ndarray:
    from perceptdiff import color

    lin = color.linear_lut(np.uint8)[rgb8]
    return color.xyz_to_lab(color.rgb_to_xyz(lin))


def paper_of(y: np.ndarray) -> np.ndarray:
    """Median luminance over PAPER_PX, computed at half resolution (the paper is smooth)."""
    h, w = y.shape
    hh, ww = (h + 1) // 2, (w + 1) // 2
    pad = np.pad(y, ((0, 2 * hh - h), (0, 2 * ww - w)), mode="edge")
    half = pad.reshape(hh, 2, ww, 2).mean(axis=(1, 3))
    med = ndimage.median_filter(half, size=PAPER_PX // 2 + 1, mode="nearest")
    return np.repeat(np.repeat(med, 2, 0), 2, 1)[:h, :w]


# --------------------------------------------------------------------------- regions of the verdict
def failing_regions(j: np.ndarray) -> list[np.ndarray]:
    """Grown masks of the regions the default verdict fails."""
    from perceptdiff import verdict

    visible = j.astype(np.float32) > 1.0
    if not visible.any():
        return []
    labels, grown, n = verdict.label_regions(visible, verdict.cluster_radius(PPD, verdict.CLUSTER_DEG))
    lab_v = labels[visible]
    sizes = np.bincount(lab_v, minlength=n + 1)
    peaks = np.zeros(n + 1)
    np.maximum.at(peaks, lab_v, j[visible].astype(np.float64))
    fail = (peaks >= verdict.STRONG_JND) | (sizes >= verdict.MIN_AREA_DEG2 * PPD * PPD)
    fail[0] = False
    return [grown == i for i in np.flatnonzero(fail)]


# --------------------------------------------------------------------------- features
def _shape_residual(a: np.ndarray, b: np.ndarray, shift: tuple[float, float]) -> tuple[float, float]:
    """(Σ|a - b'| / Σ(a + b'), the largest residual mass in a LOCAL_PX square) after aligning b to a.

    b' is b moved by ``shift`` (bilinear) and scaled to a's total ink, both blurred by SHAPE_SIGMA.
    """
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0 or sb <= 0:
        return 1.0, max(sa, sb)
    bs = ndimage.shift(b, shift, order=1, mode="constant", cval=0.0) * (sa / sb)
    fa = ndimage.gaussian_filter(a, SHAPE_SIGMA, mode="constant")
    fb = ndimage.gaussian_filter(bs, SHAPE_SIGMA, mode="constant")
    r = np.abs(fa - fb)
    local = ndimage.uniform_filter(r, LOCAL_PX, mode="constant") * (LOCAL_PX * LOCAL_PX)
    return float(r.sum() / max(float((fa + fb).sum()), 1e-9)), float(local.max())


def pair_features(a_path: str, b_path: str, space: str, merge: int) -> dict:
    """Per failing region: its components' features and its paper terms (see the module docstring)."""
    got = jmap_cache.get(a_path, b_path)
    out: dict = {"fail_today": got["fail"], "peak": got["peak"], "regions": []}
    if not got["fail"]:
        return out
    ra, rb = load_rgb(a_path), load_rgb(b_path)
    if ra.shape != rb.shape or got["j"] is None or got["j"].shape != ra.shape[:2]:
        out["unscorable"] = "sizes differ"
        return out
    regions = failing_regions(got["j"])
    ya, yb = luminance(ra, space), luminance(rb, space)
    paper_a, paper_b = paper_of(ya), paper_of(yb)
    ink_a = np.abs(ndimage.gaussian_filter(ya, BLUR_PX) - paper_a)
    ink_b = np.abs(ndimage.gaussian_filter(yb, BLUR_PX) - paper_b)
    t = INK_T[space]
    union = (ink_a > t) | (ink_b > t)
    if merge > 0:
        union = ndimage.binary_dilation(union, structure=np.ones((3, 3), bool), iterations=merge)
    comp, ncomp = ndimage.label(union, structure=np.ones((3, 3), int))
    idx = np.arange(1, ncomp + 1)
    tot_a = ndimage.sum_labels(ink_a, comp, idx)
    tot_b = ndimage.sum_labels(ink_b, comp, idx)
    yy, xx = np.mgrid[0:ya.shape[0], 0:ya.shape[1]].astype(np.float32)

    def wmean(w: np.ndarray, v: np.ndarray, tot: np.ndarray) -> np.ndarray:
        return ndimage.sum_labels(w * v, comp, idx) / np.maximum(tot, 1e-9)

    cya, cxa = wmean(ink_a, yy, tot_a), wmean(ink_a, xx, tot_a)
    cyb, cxb = wmean(ink_b, yy, tot_b), wmean(ink_b, xx, tot_b)
    la, lb = lab(ra), lab(rb)
    # Ink colour: ink-weighted mean a*, b* of each side over the component (LCD fringes, red on
    # one side of a stem and blue on the other, cancel; a recoloured glyph or icon does not).
    aa, ba = wmean(ink_a, la[..., 1], tot_a), wmean(ink_a, la[..., 2], tot_a)
    ab_, bb = wmean(ink_b, lb[..., 1], tot_b), wmean(ink_b, lb[..., 2], tot_b)
    cab = np.hypot(aa - ab_, ba - bb)
    slices = ndimage.find_objects(comp)
    # Paper terms: each side's paper (median over PAPER_PX) in L* and a*b*: a recoloured or
    # re-lit fill has no ink of its own.
    lin_a = color_linear(ra)
    lin_b = color_linear(rb)
    for mask in regions:
        ids = np.unique(comp[mask])
        ids = ids[ids > 0]
        comps = []
        for c in ids:
            ia, ib = float(tot_a[c - 1]), float(tot_b[c - 1])
            if max(ia, ib) < MIN_INK:
                continue
            d = math.hypot(cya[c - 1] - cyb[c - 1], cxa[c - 1] - cxb[c - 1]) if min(ia, ib) > 0 else 99.0
            g = math.log(max(ib, 1e-3) / max(ia, 1e-3))
            sl = slices[c - 1]
            sl = (slice(max(sl[0].start - 3, 0), sl[0].stop + 3), slice(max(sl[1].start - 3, 0), sl[1].stop + 3))
            m = comp[sl] == c
            s, mass = _shape_residual(np.where(m, ink_a[sl], 0), np.where(m, ink_b[sl], 0),
                                      (cya[c - 1] - cyb[c - 1], cxa[c - 1] - cxb[c - 1]))
            comps.append((ia, ib, d, g, s, mass, float(cab[c - 1]) if min(ia, ib) > 0 else 99.0, int(m.sum())))
        ta = sum(c[0] for c in comps)
        tb = sum(c[1] for c in comps)
        out["regions"].append({
            "px": int(mask.sum()), "comps": comps,
            "total_g": math.log(max(tb, 1e-3) / max(ta, 1e-3)) if comps else 0.0,
            **_region_means(mask, lin_a, lin_b),
            "box": [int(v) for v in _box(mask)],
        })
    return out


def color_linear(rgb8: np.ndarray) -> np.ndarray:
    from perceptdiff import color

    return color.linear_lut(np.uint8)[rgb8]


def _region_means(mask: np.ndarray, lin_a: np.ndarray, lin_b: np.ndarray) -> dict:
    """ΔL* and Δa*b* of the two sides' mean linear colour over the region.

    Rasterisers move coverage but keep a region's mean light (in linear RGB), and LCD
    fringes, red on one side of a stem and blue on the other, cancel in the mean; a
    recoloured or re-lit fill moves it.
    """
    from perceptdiff import color

    ma = lin_a[mask].mean(axis=0)
    mb = lin_b[mask].mean(axis=0)
    la, lb = color.xyz_to_lab(color.rgb_to_xyz(np.stack([ma, mb])))
    return {"paper_dl": float(abs(la[0] - lb[0])), "paper_dab": float(np.hypot(la[1] - lb[1], la[2] - lb[2]))}


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def _work(args: tuple) -> dict:
    return pair_features(*args)


def features(entries: list[dict], out: Path, space: str, merge: int, jobs: int) -> list[dict]:
    FEATURE_CACHE.mkdir(parents=True, exist_ok=True)
    key = f"v3-{space}-m{merge}-{PAPER_PX}-{BLUR_PX}-{INK_T[space]}-{MIN_INK}-{SHAPE_SIGMA}-{LOCAL_PX}"
    path = FEATURE_CACHE / f"{key}.pkl"
    known: dict = pickle.loads(path.read_bytes()) if path.exists() else {}
    todo = [e for e in entries if e["id"] not in known]
    if todo:
        work = [(str(out / e["a"]["image"]), str(out / e["b"]["image"]), space, merge) for e in todo]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for e, f in zip(todo, pool.map(_work, work, chunksize=2)):
                known[e["id"]] = f
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(known))
        os.replace(tmp, path)
    return [known[e["id"]] for e in entries]


# --------------------------------------------------------------------------- the rule
#: The per-region features, in the order of :func:`region_scores`.
FEATURES = ("d", "g", "s", "m", "c", "p")
#: Region-mean term held fixed (not fitted): a region whose mean colour moves by this much ΔE
#: (L* or a*b*) is not "redrawn".
PAPER_T = 2.0


def region_scores(reg: dict) -> np.ndarray:
    """Worst (d, |g|, s, m, chroma, paper) over a region's components; inf when it touches none."""
    comps = reg["comps"]
    p = max(reg["paper_dl"], reg["paper_dab"])
    if not comps:
        return np.array([math.inf] * 5 + [p])
    c = np.array([x[:7] for x in comps], dtype=np.float64)
    g = max(float(np.abs(c[:, 3]).max()), abs(reg["total_g"]))
    return np.array([c[:, 2].max(), g, c[:, 4].max(), c[:, 5].max(), c[:, 6].max(), p])


def score_matrix(f: dict) -> np.ndarray:
    """(regions, features) of a failing pair; an unscorable pair gets one region of inf."""
    if not f["fail_today"]:
        return np.zeros((0, len(FEATURES)))
    if f.get("unscorable") or not f["regions"]:
        return np.full((1, len(FEATURES)), math.inf)
    return np.stack([region_scores(r) for r in f["regions"]])


def thresholds(tg: float, ts: float, tm: float, tc: float) -> np.ndarray:
    return np.array([MAX_CENTROID_PX, tg, ts, tm, tc, PAPER_T])


def forgiven(f: dict, t: np.ndarray) -> bool:
    """Would the rule turn this pair's FAIL into PASS?  (A passing pair stays passing.)"""
    m = score_matrix(f)
    return bool(np.all(m <= t))


def _mmm(v: list[float]) -> str:
    v = sorted(x for x in v if math.isfinite(x))
    if not v:
        return "-"
    return f"{v[0]:.2f}/{v[len(v) // 2]:.2f}/{v[-1]:.2f}"


def print_tables(entries: list[dict], feats: list[dict], t: np.ndarray) -> dict:
    rows: dict[tuple[str, str], list] = {}
    for e, f in zip(entries, feats):
        kind = e["jitter"] if e["label"] == "same" else e["change"]
        rows.setdefault((e["label"], kind), []).append((e, f))
    print("\nPer kind (pairs failing today): per feature the pair's worst region (what one test alone"
          " sees), min/median/max over pairs. Rule: " + ", ".join(f"{n}<={v:g}" for n, v in zip(FEATURES, t)))
    print(f"{'label':8s} {'kind':21s} {'n':>3s} {'now':>3s} " + "".join(f"{n:>17s}" for n in FEATURES) + "  after")
    totals = {"same": [0, 0, 0], "changed": [0, 0, 0]}
    for (label, kind), items in sorted(rows.items()):
        failing = [f for _, f in items if f["fail_today"]]
        cols: list[list[float]] = [[] for _ in FEATURES]
        for f in failing:
            m = score_matrix(f)
            v = m.max(axis=0)
            for k in range(len(FEATURES)):
                cols[k].append(float(v[k]))
        after = sum(not forgiven(f, t) for _, f in items)
        totals[label][0] += len(items)
        totals[label][1] += len(failing)
        totals[label][2] += after
        print(f"{label:8s} {kind:21s} {len(items):3d} {len(failing):3d} "
              + "".join(f"{_mmm(c):>17s}" for c in cols) + f"  {after:5d}")
    s_, c_ = totals["same"], totals["changed"]
    print(f"\nsame: {s_[1]} of {s_[0]} fail today -> {s_[2]} after (false fails); "
          f"changed: {c_[0] - c_[1]} of {c_[0]} missed today -> {c_[0] - c_[2]} after (misses)")
    return totals


GRID = {
    "tg": (0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5),
    "ts": (0.03, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5),
    "tm": (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 1e9),
    "tc": (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 1e9),
}


def fit_thresholds(entries: list[dict], feats: list[dict], margin: float) -> tuple[np.ndarray, int]:
    """Most failing `same` pairs forgiven while no `changed` pair is forgiven at (T x margin)."""
    import itertools

    same = [score_matrix(f) for e, f in zip(entries, feats) if e["label"] == "same" and f["fail_today"]]
    changed = [score_matrix(f) for e, f in zip(entries, feats) if e["label"] == "changed" and f["fail_today"]]
    best, best_n = thresholds(0, 0, 0, 0), -1
    for tg, ts, tm, tc in itertools.product(*GRID.values()):
        t = thresholds(tg, ts, tm, tc)
        tl = t * margin
        tl[0], tl[5] = t[0], t[5]
        if any(np.all(m <= tl) for m in changed):
            continue
        n = sum(bool(np.all(m <= t)) for m in same)
        if n > best_n:
            best, best_n = t, n
    return best, best_n


def main(argv: list[str] | None = None) -> int:
    import evaluate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("features", "table", "fit", "dump"))
    ap.add_argument("--split", default="fit", choices=("all", "fit", "holdout"))
    ap.add_argument("--space", default="linear", choices=tuple(INK_T))
    ap.add_argument("--merge", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tg", type=float, default=0.15)
    ap.add_argument("--ts", type=float, default=0.15)
    ap.add_argument("--tm", type=float, default=2.0)
    ap.add_argument("--tc", type=float, default=3.0)
    ap.add_argument("--margin", type=float, default=1.25)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ns = ap.parse_args(argv)
    entries = [e for e in evaluate.select(evaluate.load_manifest(), ns.split, ns.only)
               if e["label"] in evaluate.SCORED]
    feats = features(entries, ns.out, ns.space, ns.merge, ns.jobs)
    if ns.command == "features":
        print(f"prototype_ink: features of {len(entries)} pairs ({ns.space}, merge {ns.merge})")
    elif ns.command == "table":
        print_tables(entries, feats, thresholds(ns.tg, ns.ts, ns.tm, ns.tc))
    elif ns.command == "fit":
        t, n = fit_thresholds(entries, feats, ns.margin)
        print(f"fit ({ns.space}, merge {ns.merge}, margin x{ns.margin}): "
              + ", ".join(f"{k}<={v:g}" for k, v in zip(FEATURES, t))
              + f" forgives {n} failing same pairs; no changed pair forgiven at T x margin")
        print_tables(entries, feats, t)
    elif ns.command == "dump":
        for e, f in zip(entries, feats):
            if f["fail_today"]:
                m = score_matrix(f)
                order = np.argsort(-(m / thresholds(ns.tg, ns.ts, ns.tm, ns.tc)).max(axis=1))
                print(e["id"], e["label"], len(m), np.round(m[order[:3]], 2).tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

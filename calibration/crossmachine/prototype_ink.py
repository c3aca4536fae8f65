"""Third prototype for issue 9 item 2: per-connected-ink-component accounting.

Question: is a region that the default verdict fails "the same content drawn
by another rasteriser" (every glyph/line keeps its ink, colour and position)
or "different content" (a component appears, vanishes, gains or loses ink,
moves, changes shape or colour)?  Measured, not built into the model.

Per pair (J map of the default metric, ``jmap_cache.py``):

1. The verdict's regions: 8-connected J > 1 after the verdict's 2-px dilation;
   a region fails when its peak is >= 4 JND or it covers >= 0.025 deg².
   Only failing regions are examined; a pair is forgiven when every failing
   region is.
2. Ink: luminance of each image (``--space``: linear light or sRGB-encoded),
   ONE paper for both sides (median of the two images' mean over a
   ``PAPER_PX`` window), ink = |Y - paper| after a σ ``BLUR_PX`` blur.
3. Components: 8-connected components of (ink_A > t or ink_B > t), dilated by
   ``--merge`` px (0: glyphs, 2: words), on the whole frame, optionally cut
   into ``--tile`` px tiles when larger; the components a failing region
   touches are its components.  Labelling the union of both sides pairs A's
   and B's ink without a matching step, and follows splits and merges
   (Cairo's two half-pixel lines, glyphs that touch in one image only).
4. Per component with at least ``--min-ink`` ink (px of full contrast) on
   either side: centroid distance ``d`` (99 when one side has no ink), |log
   ink ratio| ``g``, shape residual ``s`` (B moved by the centroid difference
   and scaled to A's total, both blurred by ``SHAPE_SIGMA``, Σ|a-b|/Σ(a+b)),
   the largest residual mass ``m`` in a ``LOCAL_PX`` square, and the ink
   colour angle ``q`` between the two sides' per-channel ink vectors.
   The region's total |log ink ratio| counts into ``g`` too.
5. Area terms over the region: a*b* (``c``) and L* (``l``) of both sides
   blurred by ``CHROMA_SIGMA``, the same at ``WIDE_SIGMA`` (``c4``, ``l4``),
   each side against the other's range within ``TOLERANCE_PX``; and the
   sign-coherent line residual ``n`` (B - A blurred across, averaged along
   ``LINE_PX`` horizontally or vertically).

A pair is forgiven when each feature's worst value over its failing regions
is within its threshold (a box); d <= 2 px is fixed, the others are fitted on
``fit`` (greedy: most failing `same` pairs inside the box while no `changed`
pair lies inside the box scaled by ``--margin``), then applied to ``holdout``,
the old calibration corpus and the peers' suites (``others``).

Usage::

    python calibration/crossmachine/prototype_ink.py fit [--split fit|holdout|all] [--space linear|srgb]
        [--merge 0] [--tile 0] [--min-ink 1] [--margin 1.25] [--html-only] [--drop q c ...]
    python calibration/crossmachine/prototype_ink.py table --t d g s m q c l c4 l4 n [...]
    python calibration/crossmachine/prototype_ink.py dump  [...]     # every pair's features
    ... --lcd-shape    # s from LCD-blind coverage (sub-pixels moved back to the centre; also unshifted)
    python calibration/crossmachine/prototype_ink.py others [...]    # old corpus, peers' suites
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import jmap_cache  # noqa: E402

# The measurements and their constants are the built step's (perceptdiff.ink, perceptdiff.subpixel_text):
# this prototype keeps only what the model does not have (the linear-light variant, merging, tiling, the fit).
from perceptdiff.ink import (  # noqa: E402
    BLUR_PX, LCD_ORDERS, LINE_ACROSS_SIGMA, LINE_PX, LOCAL_PX, PAPER_PX, SHAPE_SIGMA,
    TOLERANCE_PX, lcd_coverage, line_residual, paper_of, tolerant_lab_diff)
from perceptdiff.ink import INK_T as _INK_T  # noqa: E402
from perceptdiff.ink import shape_residual as _shape_residual  # noqa: E402
from perceptdiff.subpixel_text import CHROMA_SIGMA, MAX_CENTROID_PX, MIN_INK, WIDE_SIGMA  # noqa: E402

#: Ink threshold per --space (fraction of full contrast); the built step's, in both spaces.
INK_T = {"linear": _INK_T, "srgb": _INK_T}
#: Which shape feature the rule uses: "s" (luminance ink) or "s_lcd" (LCD-blind); set by main().
SHAPE_FEATURE = ["s"]
#: Region rule of the default verdict (perceptdiff.verdict: STRONG_JND, MIN_AREA_DEG2, CLUSTER_DEG at 40 ppd).
PPD = 40.0
FEATURE_CACHE = Path(os.environ.get("PERCEPTDIFF_INK_CACHE", "/tmp/perceptdiff-ink-features"))


# --------------------------------------------------------------------------- images
def load_rgb(path: str) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def color_linear(rgb8: np.ndarray) -> np.ndarray:
    from perceptdiff import color

    return color.linear_lut(np.uint8)[rgb8]


def luminance(rgb8: np.ndarray, space: str) -> np.ndarray:
    from perceptdiff import color

    lin = color_linear(rgb8)
    y = lin @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    if space == "linear":
        return y.astype(np.float32)
    if space == "srgb":
        return color.linear_to_srgb(y)
    raise ValueError(space)


def lab(rgb8: np.ndarray) -> np.ndarray:
    from perceptdiff import color

    return color.xyz_to_lab(color.rgb_to_xyz(color_linear(rgb8)))


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
def blurred_lab(chan: np.ndarray, sigma: float, space: str) -> np.ndarray:
    """CIELAB of RGB channels blurred by ``sigma`` px each.

    ``chan`` is linear RGB, or sRGB-encoded RGB in [0, 1] when ``space`` is "srgb": a rasteriser
    that blends coverage in encoded values (Agg, Cairo and FreeType's usual path) keeps the
    encoded mean of a line, not its light, so that is the space in which its ink is conserved.
    """
    from perceptdiff import color, ink

    if space == "srgb":
        return ink.blurred_lab(chan, sigma)
    blur = np.stack([ndimage.gaussian_filter(chan[..., k], sigma, mode="nearest") for k in range(3)], -1)
    return color.xyz_to_lab(color.rgb_to_xyz(blur.astype(np.float32)))


def split_large(comp: np.ndarray, n: int, tile: int) -> tuple[np.ndarray, int]:
    """Cut components whose box exceeds ``tile`` px into their parts in a ``tile``-px grid.

    A frame, a chart line or a table grid is one connected component; its centroid and shape
    over hundreds of pixels say nothing about a glyph-sized change, so such components are
    accounted per tile (ink moves across a tile edge by a pixel at most).  0: no cutting.
    """
    if tile <= 0 or n == 0:
        return comp, n
    sl = ndimage.find_objects(comp)
    big = np.zeros(n + 1, bool)
    big[1:] = [(s[0].stop - s[0].start) > tile or (s[1].stop - s[1].start) > tile for s in sl]
    if not big.any():
        return comp, n
    h, w = comp.shape
    ty = (np.arange(h) // tile)[:, None]
    tx = (np.arange(w) // tile)[None, :]
    cell = ty * (w // tile + 1) + tx + 1
    key = comp.astype(np.int64) * (int(cell.max()) + 1) + np.where(big[comp], cell, 0)
    uniq, inv = np.unique(key, return_inverse=True)
    labels = inv.reshape(comp.shape).astype(np.int32)
    if uniq[0] != 0:  # no background at all
        labels += 1
    return labels, int(labels.max())


def pair_features(a_path: str, b_path: str, space: str, merge: int, split: int = 0) -> dict:
    """Per failing region: its components' features and its area terms (see the module docstring)."""
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
    # One paper for both sides: a paper estimated per side is biased by that side's own ink
    # (LCD tails darken the median of a dense text line by 3-5 %, which turned plain paper
    # beside B's text into "ink" that A lacked).
    paper = paper_of(0.5 * (ya + yb))
    ink_a = np.abs(ndimage.gaussian_filter(ya, BLUR_PX) - paper)
    ink_b = np.abs(ndimage.gaussian_filter(yb, BLUR_PX) - paper)
    rgb_a, rgb_b = ra.astype(np.float32) / 255.0, rb.astype(np.float32) / 255.0
    lcd_inks = []
    for order in LCD_ORDERS:
        ca, cb = lcd_coverage(rgb_a, order), lcd_coverage(rgb_b, order)
        pc = paper_of(0.5 * (ca + cb))
        lcd_inks.append((np.abs(ndimage.gaussian_filter(ca, BLUR_PX) - pc),
                         np.abs(ndimage.gaussian_filter(cb, BLUR_PX) - pc)))
    t = INK_T[space]
    union = (ink_a > t) | (ink_b > t)
    if merge > 0:
        union = ndimage.binary_dilation(union, structure=np.ones((3, 3), bool), iterations=merge)
    comp, ncomp = ndimage.label(union, structure=np.ones((3, 3), int))
    comp, ncomp = split_large(comp, ncomp, split)
    idx = np.arange(1, ncomp + 1)
    tot_a = ndimage.sum_labels(ink_a, comp, idx)
    tot_b = ndimage.sum_labels(ink_b, comp, idx)
    yy, xx = np.mgrid[0:ya.shape[0], 0:ya.shape[1]].astype(np.float32)

    def wmean(w: np.ndarray, v: np.ndarray, tot: np.ndarray) -> np.ndarray:
        return ndimage.sum_labels(w * v, comp, idx) / np.maximum(tot, 1e-9)

    cya, cxa = wmean(ink_a, yy, tot_a), wmean(ink_a, xx, tot_a)
    cyb, cxb = wmean(ink_b, yy, tot_b), wmean(ink_b, xx, tot_b)
    if space == "srgb":
        lin_a, lin_b = ra.astype(np.float32) / 255.0, rb.astype(np.float32) / 255.0
    else:
        lin_a, lin_b = color_linear(ra), color_linear(rb)
    # Ink colour: per channel, the light each side's ink takes from the common paper, summed
    # over the component.  Rasterisers move coverage within a channel (LCD filters are
    # normalised per channel), so each channel's total is kept; a recolour turns the vector.
    ch_a, ch_b = [], []
    for k in range(3):
        pk = paper_of(0.5 * (lin_a[..., k] + lin_b[..., k]))
        ch_a.append(ndimage.sum_labels(np.abs(ndimage.gaussian_filter(lin_a[..., k], BLUR_PX) - pk), comp, idx))
        ch_b.append(ndimage.sum_labels(np.abs(ndimage.gaussian_filter(lin_b[..., k], BLUR_PX) - pk), comp, idx))
    va, vb = np.stack(ch_a, 1), np.stack(ch_b, 1)
    cos = (va * vb).sum(1) / np.maximum(np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1), 1e-12)
    angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    slices = ndimage.find_objects(comp)
    # Area terms: a*b* and L* of both sides blurred by CHROMA_SIGMA, and the line residual.
    lab2a, lab2b = blurred_lab(lin_a, CHROMA_SIGMA, space), blurred_lab(lin_b, CHROMA_SIGMA, space)
    dab, dl2 = tolerant_lab_diff(lab2a, lab2b)
    lab4a, lab4b = blurred_lab(lin_a, WIDE_SIGMA, space), blurred_lab(lin_b, WIDE_SIGMA, space)
    dab4, dl4 = tolerant_lab_diff(lab4a, lab4b)
    line = line_residual(ya, yb)
    for mask in regions:
        ids = np.unique(comp[mask])
        ids = ids[ids > 0]
        comps = []
        for c in ids:
            ia, ib = float(tot_a[c - 1]), float(tot_b[c - 1])
            if max(ia, ib) < MIN_INK:
                continue
            both = min(ia, ib) > 0
            d = math.hypot(cya[c - 1] - cyb[c - 1], cxa[c - 1] - cxb[c - 1]) if both else 99.0
            g = math.log(max(ib, 1e-3) / max(ia, 1e-3))
            sl = slices[c - 1]
            sl = (slice(max(sl[0].start - 3, 0), sl[0].stop + 3), slice(max(sl[1].start - 3, 0), sl[1].stop + 3))
            m = comp[sl] == c
            s, mass = _shape_residual(np.where(m, ink_a[sl], 0), np.where(m, ink_b[sl], 0),
                                      (cya[c - 1] - cyb[c - 1], cxa[c - 1] - cxb[c - 1]))
            s_lcd = s
            if both:
                for la_, lb_ in lcd_inks:
                    pa, pb = np.where(m, la_[sl], 0), np.where(m, lb_[sl], 0)
                    sa_, sb_ = float(pa.sum()), float(pb.sum())
                    if sa_ <= 0 or sb_ <= 0:
                        continue
                    gy, gx = np.mgrid[0:pa.shape[0], 0:pa.shape[1]]
                    shift = (float((pa * gy).sum() / sa_ - (pb * gy).sum() / sb_),
                             float((pa * gx).sum() / sa_ - (pb * gx).sum() / sb_))
                    # Centroid-aligned, and in place: a large component (a table's grid with
                    # the glyphs touching it) has a centroid that says nothing about its parts.
                    s_lcd = min(s_lcd, _shape_residual(pa, pb, shift)[0], _shape_residual(pa, pb, (0.0, 0.0))[0])
            comps.append((ia, ib, d, g, s, mass, float(angle[c - 1]) if both else 99.0, int(m.sum()),
                          float(cya[c - 1]), float(cxa[c - 1]), s_lcd))
        ta = sum(c[0] for c in comps)
        tb = sum(c[1] for c in comps)
        out["regions"].append({
            "px": int(mask.sum()), "comps": comps,
            "total_g": math.log(max(tb, 1e-3) / max(ta, 1e-3)) if comps else 0.0,
            "dab": float(dab[mask].max()), "dl2": float(dl2[mask].max()),
            "dab4": float(dab4[mask].max()), "dl4": float(dl4[mask].max()),
            "line": float(line[mask].max()),
            "box": [int(v) for v in _box(mask)],
        })
    return out


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def _work(args: tuple) -> dict:
    return pair_features(*args)


def features(entries: list[dict], out: Path, space: str, merge: int, jobs: int, split: int = 0) -> list[dict]:
    key = (f"v6-{space}-m{merge}-{PAPER_PX}-{BLUR_PX}-{INK_T[space]}-{MIN_INK}-{SHAPE_SIGMA}-{LOCAL_PX}"
           f"-{CHROMA_SIGMA}-{WIDE_SIGMA}-{TOLERANCE_PX}-{LINE_ACROSS_SIGMA}-{LINE_PX}-s{split}")
    known = cached_features(entries, out, FEATURE_CACHE / f"{key}.pkl", _work, (space, merge, split), jobs)
    return [known[e["id"]] for e in entries]


def cached_features(entries: list[dict], out: Path, path: Path, work: Any, args: tuple, jobs: int) -> dict:
    """``{pair id: work((a, b) + args)}`` for ``entries``, computed in ``jobs`` processes once and kept in ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    known: dict = pickle.loads(path.read_bytes()) if path.exists() else {}
    todo = [e for e in entries if e["id"] not in known]
    if todo:
        tasks = [(str(out / e["a"]["image"]), str(out / e["b"]["image"]), *args) for e in todo]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for e, f in zip(todo, pool.map(work, tasks, chunksize=2)):
                known[e["id"]] = f
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(known))
        os.replace(tmp, path)
    return known


# --------------------------------------------------------------------------- the rule
#: The per-pair features (each the worst over the pair's failing regions), in the order of
#: :func:`pair_vector`: centroid distance d (px), |log ink ratio| g, aligned shape residual s,
#: local residual mass m (px of full contrast), ink colour angle q (deg), a*b* difference at
#: CHROMA_SIGMA c, L* difference at CHROMA_SIGMA l, the same two at WIDE_SIGMA c4 and l4,
#: line residual n (linear light).
FEATURES = ("d", "g", "s", "m", "q", "c", "l", "c4", "l4", "n")


def region_vector(reg: dict, min_ink: float) -> np.ndarray:
    """Worst value of each feature over a region's components with at least ``min_ink`` ink."""
    comps = [c for c in reg["comps"] if max(c[0], c[1]) >= min_ink]
    area = [reg["dab"], reg["dl2"], reg["dab4"], reg["dl4"], reg["line"]]
    if not comps:
        return np.array([math.inf] * 5 + area)
    c = np.array([x[:7] for x in comps], dtype=np.float64)
    if SHAPE_FEATURE[0] == "s_lcd":
        c[:, 4] = [x[10] for x in comps]
    ta, tb = c[:, 0].sum(), c[:, 1].sum()
    g = max(float(np.abs(c[:, 3]).max()), abs(math.log(max(tb, 1e-3) / max(ta, 1e-3))))
    return np.array([c[:, 2].max(), g, c[:, 4].max(), c[:, 5].max(), c[:, 6].max()] + area)


def pair_vector(f: dict, min_ink: float) -> np.ndarray | None:
    """Per feature the worst over the failing regions; None for a pair passing today.

    The rule forgives a pair when every failing region is "redrawn", i.e. when this
    vector is within the thresholds everywhere (a box classifier on these maxima).
    """
    if not f["fail_today"]:
        return None
    if f.get("unscorable") or not f["regions"]:
        return np.full(len(FEATURES), math.inf)
    return np.stack([region_vector(r, min_ink) for r in f["regions"]]).max(axis=0)


#: Sub-pixel gate (``--fringe-floor``): when > 0, a region is forgiven only if its a*b*
#: difference at CHROMA_SIGMA reaches this, i.e. it shows the colour fringes every region of
#: LCD text has; set by :func:`main` from the command line, 0 = no gate.
FRINGE_FLOOR = [0.0]


def fringe_min(f: dict) -> float:
    """Smallest a*b* difference at CHROMA_SIGMA over a pair's failing regions."""
    return min((r["dab"] for r in f["regions"]), default=0.0)


def forgiven(f: dict, t: np.ndarray, min_ink: float) -> bool:
    """Would the rule turn this pair's FAIL into PASS?  (A passing pair stays passing.)"""
    v = pair_vector(f, min_ink)
    if v is None or not np.all(v <= t):
        return False
    return FRINGE_FLOOR[0] <= 0 or fringe_min(f) >= FRINGE_FLOOR[0]


def _mmm(v: list[float]) -> str:
    v = sorted(x for x in v if math.isfinite(x))
    if not v:
        return "-"
    return f"{v[0]:.2f}/{v[len(v) // 2]:.2f}/{v[-1]:.2f}"


def print_tables(entries: list[dict], feats: list[dict], t: np.ndarray, min_ink: float) -> dict:
    rows: dict[tuple[str, str], list] = {}
    for e, f in zip(entries, feats):
        kind = e["jitter"] if e["label"] == "same" else e["change"]
        rows.setdefault((e["label"], kind), []).append((e, f))
    print("\nPer kind (pairs failing today): per feature the pair's worst failing region, min/median/max"
          " over pairs. Rule: " + ", ".join(f"{n}<={v:.3g}" for n, v in zip(FEATURES, t)) + f", min ink {min_ink:g}")
    print(f"{'label':8s} {'kind':21s} {'n':>3s} {'now':>3s} " + "".join(f"{n:>16s}" for n in FEATURES) + " after")
    totals = {"same": [0, 0, 0], "changed": [0, 0, 0]}
    for (label, kind), items in sorted(rows.items()):
        vecs = [v for _, f in items if (v := pair_vector(f, min_ink)) is not None]
        cols = [[float(v[k]) for v in vecs] for k in range(len(FEATURES))]
        after = sum(f["fail_today"] and not forgiven(f, t, min_ink) for _, f in items)
        totals[label][0] += len(items)
        totals[label][1] += len(vecs)
        totals[label][2] += after
        print(f"{label:8s} {kind:21s} {len(items):3d} {len(vecs):3d} "
              + "".join(f"{_mmm(c):>16s}" for c in cols) + f" {after:5d}")
    s_, c_ = totals["same"], totals["changed"]
    print(f"\nsame: {s_[1]} of {s_[0]} fail today -> {s_[2]} after (false fails); "
          f"changed: {c_[0] - c_[1]} of {c_[0]} missed today -> {c_[0] - c_[2]} after (misses)")
    return totals


def fit_thresholds(entries: list[dict], feats: list[dict], margin: float, min_ink: float,
                   fixed: dict[int, float], kinds: set[str] | None = None) -> np.ndarray:
    """Thresholds forgiving many failing `same` pairs while no `changed` pair is forgiven at T x margin.

    ``fixed`` holds thresholds not fitted (the 2-px centroid match); ``kinds`` limits the `same`
    pairs sought to these jitter kinds (a partial rule).  The fit itself is :func:`fit_box`.
    """
    same = [pair_vector(f, min_ink) for e, f in zip(entries, feats)
            if e["label"] == "same" and f["fail_today"] and (kinds is None or e["jitter"] in kinds)]
    changed = [pair_vector(f, min_ink) for e, f in zip(entries, feats)
               if e["label"] == "changed" and f["fail_today"]]
    return fit_box(same, changed, margin, fixed)


def fit_box(same: list[np.ndarray], changed: list[np.ndarray], margin: float,
            fixed: dict[int, float] | None = None) -> np.ndarray:
    """The box (one upper limit per feature) holding most ``same`` vectors and, scaled by ``margin``, no ``changed`` one.

    A solution is the tightest box around a set of `same` pairs, grown one pair at a time in a
    given order, a pair being taken when every `changed` pair stays outside the box scaled by
    ``margin``; many orders are tried and the box holding most pairs is kept.  ``fixed`` maps
    feature indices to limits that are not fitted (``math.inf``: the feature is left out).
    """
    fixed = fixed or {}
    nfeat = len(same[0]) if same else len(changed[0])
    changed_a = np.array(changed)
    free = [k for k in range(nfeat) if k not in fixed]
    cap = np.array([fixed.get(k, math.inf) for k in range(nfeat)])
    same = [v for v in same if np.all(v[list(fixed)] <= cap[list(fixed)]) and np.all(np.isfinite(v))]
    base = np.zeros(nfeat)
    for k, v in fixed.items():
        base[k] = v
    if not same:
        return base
    vs = np.array(same)
    free_idx = np.array(free)

    def feasible(b: np.ndarray) -> bool:
        bl = b.copy()
        bl[free_idx] = b[free_idx] * margin
        return not np.any(np.all(changed_a <= bl, axis=1))

    def grow(order: list[int]) -> tuple[int, np.ndarray]:
        box, n = base.copy(), 0
        for i in order:
            nb = box.copy()
            nb[free_idx] = np.maximum(box[free_idx], vs[i, free_idx])
            if feasible(nb):
                box, n = nb, n + 1
        return n, box

    # Orders tried: by each pair's largest feature relative to the median, then random orders
    # (seeded: the fit is reproducible); the box holding most pairs wins, ties to the smaller box.
    scale = np.maximum(np.median(vs, axis=0), 1e-6)
    rel = (vs[:, free_idx] / scale[free_idx]).max(axis=1)
    orders = [list(np.argsort(rel))]
    rng = np.random.default_rng(FIT_SEED)
    orders += [list(rng.permutation(len(vs))) for _ in range(FIT_ORDERS)]
    best_n, best_box, best_size = -1, base, float("inf")
    for order in orders:
        n, box = grow(order)
        size = float(np.sum(np.log1p(box[free_idx] / scale[free_idx])))
        if n > best_n or (n == best_n and size < best_size):
            best_n, best_box, best_size = n, box, size
    return best_box


#: Random orders tried by :func:`fit_box`, and their seed.
FIT_ORDERS = 3000
FIT_SEED = 9


#: Jitter kinds of Chromium pages (the "HTML" subset a partial rule might serve).
HTML_KINDS = {"hint-none", "lcd-rgb", "lcd-bgr-light", "laptop", "subpixel-positioning", "hint-full"}


def _up4(v: float) -> str:
    """``v`` rounded UP to 4 significant digits: the box's edges are `same` pairs' own values,
    so printing them rounded to nearest would drop the pairs that made them."""
    if not math.isfinite(v) or v <= 0:
        return f"{v:g}"
    step = 10.0 ** (math.floor(math.log10(v)) - 3)
    return f"{math.ceil(v / step - 1e-9) * step:.4g}"


def main(argv: list[str] | None = None) -> int:
    import evaluate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("features", "table", "fit", "dump", "others"))
    ap.add_argument("--split", default="fit", choices=("all", "fit", "holdout"))
    ap.add_argument("--space", default="linear", choices=tuple(INK_T))
    ap.add_argument("--merge", type=int, default=0)
    ap.add_argument("--tile", type=int, default=0,
                    help="cut components larger than this into tiles of this size (0: never)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--t", type=float, nargs=len(FEATURES), metavar=FEATURES,
                    help="thresholds for 'table' (else fitted on --fit-split)")
    ap.add_argument("--fit-split", default="fit", choices=("fit",))
    ap.add_argument("--min-ink", type=float, default=MIN_INK)
    ap.add_argument("--margin", type=float, default=1.25)
    ap.add_argument("--html-only", action="store_true", help="fit on the HTML jitter kinds' same pairs only")
    ap.add_argument("--kinds", nargs="*", help="fit on these jitter kinds' same pairs only (a partial rule)")
    ap.add_argument("--drop", nargs="*", default=[], choices=FEATURES, help="features left out of the rule")
    ap.add_argument("--fringe-floor", type=float, default=0.0,
                    help="forgive a region only if its a*b* difference at CHROMA_SIGMA reaches this (0: off)")
    ap.add_argument("--lcd-shape", action="store_true",
                    help="use the LCD-blind shape residual (channels moved back to the pixel centre) for s")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ns = ap.parse_args(argv)
    FRINGE_FLOOR[0] = ns.fringe_floor
    SHAPE_FEATURE[0] = "s_lcd" if ns.lcd_shape else "s"
    manifest = evaluate.load_manifest()
    entries = [e for e in evaluate.select(manifest, ns.split, ns.only) if e["label"] in evaluate.SCORED]
    feats = features(entries, ns.out, ns.space, ns.merge, ns.jobs, ns.tile)
    print(f"prototype_ink: {len(entries)} pairs of {ns.split} ({ns.space}, merge {ns.merge}, tile {ns.tile})")
    if ns.command == "features":
        return 0
    fixed = {0: MAX_CENTROID_PX}
    fixed.update({FEATURES.index(n): math.inf for n in ns.drop})
    if ns.t is not None:
        t = np.array(ns.t)
    else:
        fit_entries = [e for e in evaluate.select(manifest, "fit") if e["label"] in evaluate.SCORED]
        fit_feats = features(fit_entries, ns.out, ns.space, ns.merge, ns.jobs, ns.tile)
        t = fit_thresholds(fit_entries, fit_feats, ns.margin, ns.min_ink, fixed,
                           set(ns.kinds) if ns.kinds else HTML_KINDS if ns.html_only else None)
        print(f"fitted on fit (margin x{ns.margin}" + (f", same pairs of {' '.join(ns.kinds)}" if ns.kinds else ", HTML same pairs" if ns.html_only else "")
              + "): --t " + " ".join(_up4(v) for v in t))
    if ns.command in ("table", "fit"):
        print_tables(entries, feats, t, ns.min_ink)
    elif ns.command == "others":
        from ink_others import check_others

        check_others(pair_features, lambda f: forgiven(f, t, ns.min_ink), ns.space, ns.merge, ns.tile, ns.jobs)
    elif ns.command == "dump":
        for e, f in zip(entries, feats):
            v = pair_vector(f, ns.min_ink)
            if v is not None:
                over = [FEATURES[k] for k in range(len(FEATURES)) if v[k] > t[k]]
                print(f"{e['id']:45s} {e['label']:8s} {'forgiven' if not over else 'kept':8s} "
                      + " ".join(f"{n}={x:.3g}" for n, x in zip(FEATURES, v)) + "  over: " + ",".join(over))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

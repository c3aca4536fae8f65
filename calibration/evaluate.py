"""Score perceptdiff's verdicts against the labelled calibration corpus.

Reads ``<corpus>/labels.json`` (written by ``make_corpus.py``; generated first
if missing), compares every pair with :func:`perceptdiff.compare`, and prints

* the corpus composition (kind x label);
* a confusion matrix per content kind and overall, with accuracy, the
  false-fail rate on invisible pairs and the miss rate on visible pairs
  (``borderline`` pairs are listed with their verdicts but not scored);
* every misclassified pair with its numbers (peak JND, largest region);
* a sweep over the verdict rule's parameters -- J_strong, the area limit
  A_min, the JND threshold and the clustering distance -- re-applying
  :func:`perceptdiff.verdict.decide` to each pair's visibility map, to show
  how robust the defaults are;
* optionally (``--peers``) the same scores for other comparators with their
  usual pass/fail conventions: the ``yee`` metric (perceptualdiff rule),
  exact pixel equality, pixelmatch (threshold 0.1, fail on any pixel), FLIP
  (mean > 0.01) and SSIM (mean < 0.99).

It tunes nothing: the numbers are reported, and the defaults stay what the
metric's README says.

Usage::

    python calibration/evaluate.py [--corpus DIR] [--metric perceptdiff] [--ppd 40]
        [--peers] [--jobs N] [--json FILE] [--kind ui ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Iterable, Sequence

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import make_corpus  # noqa: E402

SCORED = ("visible", "invisible")

#: The sweep grid (inf = that arm of the rule switched off).  The metric's
#: defaults are marked in the printout.
INF = float("inf")
SWEEP_STRONG = (2.0, 3.0, 4.0, 6.0, 8.0, 16.0, INF)
SWEEP_AREA = (0.01, 0.015, 0.025, 0.04, 0.06, 0.1, 0.25, INF)
SWEEP_THRESHOLD = (0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
SWEEP_CLUSTER = (0.0, 0.025, 0.05, 0.1)


# --------------------------------------------------------------------------
# per-pair work (runs in worker processes)
# --------------------------------------------------------------------------

def _regions(jnd: np.ndarray, threshold: float, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Sizes (px) and peaks of the regions of ``jnd > threshold``, clustered as the verdict does."""
    from perceptdiff import verdict

    visible = jnd > threshold
    if not visible.any():
        return np.zeros(0, np.int64), np.zeros(0)
    labels, _, n = verdict.label_regions(visible, radius)
    lab = labels[visible]
    sizes = np.bincount(lab, minlength=n + 1)[1:]
    peaks = np.zeros(n + 1)
    np.maximum.at(peaks, lab, jnd[visible].astype(np.float64))
    return sizes, peaks[1:]


def _fails(sizes: np.ndarray, peaks: np.ndarray, threshold: float, strong: float, area_deg2: float,
           ppd: float) -> bool:
    """The region rule of :mod:`perceptdiff.verdict` (peak >= J_strong x threshold, or area >= A_min)."""
    if sizes.size == 0:
        return False
    return bool(np.any(peaks >= strong * threshold) or np.any(sizes >= area_deg2 * ppd * ppd))


def rule_sweep(jnd: np.ndarray | None, ppd: float, cluster_deg: float) -> dict[str, bool]:
    """Verdict (True = fail) at every sweep point, from one visibility map.

    Regions are labelled once per (threshold, clustering distance) with
    :func:`perceptdiff.verdict.label_regions`; the rule is then applied to
    their sizes and peaks for every (J_strong, A_min).  Only failing points
    are stored (a missing key means PASS).
    """
    from perceptdiff import verdict

    out: dict[str, bool] = {}
    if jnd is None or jnd.size == 0 or float(jnd.max()) <= min(SWEEP_THRESHOLD):
        return out
    ys, xs = np.nonzero(jnd > min(SWEEP_THRESHOLD))
    pad = 2 * int(np.ceil(max(SWEEP_CLUSTER) * ppd)) + 2
    crop = jnd[max(ys.min() - pad, 0):ys.max() + pad + 1, max(xs.min() - pad, 0):xs.max() + pad + 1]
    for t in SWEEP_THRESHOLD:
        sizes, peaks = _regions(crop, t, verdict.cluster_radius(ppd, cluster_deg))
        for s in SWEEP_STRONG:
            for a in SWEEP_AREA:
                if _fails(sizes, peaks, t, s, a, ppd):
                    out[f"t={t:g},s={s:g},a={a:g}"] = True
        for c in SWEEP_CLUSTER:
            if c == cluster_deg:
                cs, cp = sizes, peaks
            else:
                cs, cp = _regions(crop, t, verdict.cluster_radius(ppd, c))
            out[f"t={t:g},c={c:g}"] = True if _fails(cs, cp, t, DEFAULT_RULE["strong"],
                                                     DEFAULT_RULE["area"], ppd) else False
    return {k: v for k, v in out.items() if v}


DEFAULT_RULE: dict[str, float] = {}


def evaluate_pair(task: dict[str, Any]) -> dict[str, Any]:
    """Compare one pair; return its numbers (JSON-ready) and its sweep verdicts."""
    import perceptdiff
    from perceptdiff.metrics import get_metric

    a, b = task["expected"], task["actual"]
    kw: dict[str, Any] = {"metric": task["metric"], **task.get("options", {})}
    if task.get("ppd") is not None:
        kw["ppd"] = task["ppd"]
    t0 = time.perf_counter()
    r = perceptdiff.compare(a, b, **kw)
    elapsed = time.perf_counter() - t0
    largest = max(r.regions, key=lambda g: g.pixels) if r.regions else None
    out: dict[str, Any] = {
        "pair": task["pair"], "verdict": r.verdict, "fail": not r.passed,
        "peak_jnd": r.peak_jnd, "p999_jnd": r.p999_jnd, "visible_pixels": r.visible_pixels,
        "visible_area_deg2": r.visible_area_deg2, "region_count": r.region_count,
        "forgiven_pixels": r.forgiven_pixels, "reason": r.reason, "seconds": elapsed,
        "largest_region": largest.to_dict() if largest is not None else None,
        "worst_region": r.regions[0].to_dict() if r.regions else None,
    }
    if task.get("sweep") and task["metric"] == "perceptdiff":
        metric = get_metric("perceptdiff")
        opts = perceptdiff.Options.from_kwargs(**kw)
        rule = metric.verdict_rule(opts, metric.validate(opts.metric_options))
        DEFAULT_RULE.update(strong=rule.strong_jnd, area=rule.min_area_deg2,
                            threshold=opts.jnd_threshold, cluster=rule.cluster_deg)
        sweep = rule_sweep(r.jnd_map if r.verdict != "identical" else None,
                           r.pixels_per_degree, rule.cluster_deg)
        key = f"t={opts.jnd_threshold:g},s={rule.strong_jnd:g},a={rule.min_area_deg2:g}"
        out["sweep"] = sweep
        # The sweep re-applies the rule; it must agree with compare() at the defaults.
        out["sweep_consistent"] = (key in sweep) == (not r.passed) if (
            opts.jnd_threshold in SWEEP_THRESHOLD and rule.strong_jnd in SWEEP_STRONG
            and rule.min_area_deg2 in SWEEP_AREA) else None
    if task.get("peers"):
        out["peers"] = peer_verdicts(a, b, task.get("ppd") or 40.0)
    return out


def peer_verdicts(path_a: str, path_b: str, ppd: float) -> dict[str, Any]:
    """Verdicts of other comparators with their customary pass/fail rules.

    Each entry is ``{"fail": bool | None, "value": number}``; ``None`` when
    the tool is not installed.
    """
    import perceptdiff
    from PIL import Image as PILImage

    res: dict[str, Any] = {}
    ya = perceptdiff.compare(path_a, path_b, metric="yee")
    res["yee (pdiff rule: >= 100 px)"] = {"fail": not ya.passed, "value": ya.visible_pixels}
    ia = np.asarray(PILImage.open(path_a).convert("RGBA"))
    ib = np.asarray(PILImage.open(path_b).convert("RGBA"))
    nd = int(np.count_nonzero(np.any(ia != ib, axis=-1)))
    res["exact (any pixel differs)"] = {"fail": nd > 0, "value": nd}
    try:
        from pixelmatch import pixelmatch as _pm

        h, w = ia.shape[:2]
        n = _pm(ia.ravel().tolist(), ib.ravel().tolist(), w, h, threshold=0.1)
        res["pixelmatch (t=0.1, fail if > 0 px)"] = {"fail": n > 0, "value": n}
    except ImportError:
        res["pixelmatch (t=0.1, fail if > 0 px)"] = {"fail": None, "value": None}
    fa = ia[..., :3].astype(np.float32) / 255.0
    fb = ib[..., :3].astype(np.float32) / 255.0
    try:
        import flip_evaluator as flip

        _, mean, _ = flip.evaluate(fa, fb, "LDR", applyMagma=False, parameters={"ppd": float(ppd)})
        res["FLIP (mean > 0.01)"] = {"fail": float(mean) > 0.01, "value": float(mean)}
    except ImportError:
        res["FLIP (mean > 0.01)"] = {"fail": None, "value": None}
    from skimage.metrics import structural_similarity

    s = structural_similarity(fa, fb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                              data_range=1.0, channel_axis=-1)
    res["SSIM (mean < 0.99)"] = {"fail": float(s) < 0.99, "value": float(s)}
    return res


# --------------------------------------------------------------------------
# scoring and printing
# --------------------------------------------------------------------------

def confusion(rows: Iterable[tuple[str, bool]]) -> dict[str, Any]:
    """Counts and rates from (label, failed) pairs; borderline rows are counted apart."""
    c: dict[str, Any] = {"visible_fail": 0, "visible_pass": 0, "invisible_fail": 0,
                         "invisible_pass": 0, "borderline_fail": 0, "borderline_pass": 0}
    for label, failed in rows:
        c[f"{label}_{'fail' if failed else 'pass'}"] += 1
    nv = c["visible_fail"] + c["visible_pass"]
    ni = c["invisible_fail"] + c["invisible_pass"]
    scored = nv + ni
    c["scored"] = scored
    c["errors"] = c["visible_pass"] + c["invisible_fail"]
    c["accuracy"] = (scored - c["errors"]) / scored if scored else None
    c["miss_rate"] = c["visible_pass"] / nv if nv else None
    c["false_fail_rate"] = c["invisible_fail"] / ni if ni else None
    return c


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{100 * x:5.1f}%"


def format_confusion(title: str, c: dict[str, Any]) -> str:
    lines = [
        f"{title}",
        f"                  FAIL   PASS",
        f"  visible       {c['visible_fail']:6d} {c['visible_pass']:6d}   miss rate {_pct(c['miss_rate'])}",
        f"  invisible     {c['invisible_fail']:6d} {c['invisible_pass']:6d}   false-fail rate {_pct(c['false_fail_rate'])}",
        f"  (borderline)  {c['borderline_fail']:6d} {c['borderline_pass']:6d}   not scored",
        f"  accuracy {_pct(c['accuracy'])} on {c['scored']} scored pairs ({c['errors']} wrong)",
    ]
    return "\n".join(lines)


def _region_text(r: dict[str, Any] | None) -> str:
    if not r:
        return "no region"
    return (f"{r['visible_pixels']} px ({r['area_deg2']:.3g} deg²) peak {r['peak_jnd']:.2f} "
            f"at {r['x']},{r['y']} {r['width']}x{r['height']}")


def _by_design(lab: dict[str, Any]) -> bool:
    return str(lab.get("basis", "")).startswith("by design")


def sweep_tables(results: list[dict[str, Any]], labels: dict[str, Any], defaults: dict[str, float]) -> str:
    """Errors over the sweep grid, one table per JND threshold.

    Each cell is ``misses/false-fails(false-fails on psychophysics labels
    only)``; the last number leaves out the pairs that are invisible only by
    design (aliased vs anti-aliased, 1-px glyph jitter).
    """
    scored = [r for r in results if labels[r["pair"]]["label"] in SCORED and "sweep" in r]
    if not scored:
        return "(no sweep data)"

    def counts(key: str) -> tuple[int, int, int]:
        miss = ff = ffp = 0
        for r in scored:
            lab = labels[r["pair"]]
            failed = bool(r["sweep"].get(key, False))
            if lab["label"] == "visible" and not failed:
                miss += 1
            elif lab["label"] == "invisible" and failed:
                ff += 1
                ffp += not _by_design(lab)
        return miss, ff, ffp

    def cell(key: str, star: bool) -> str:
        m, f, g = counts(key)
        return f"{m:>3d}/{f:<2d}({g:>2d}){'*' if star else ' '}"

    nv = sum(1 for r in scored if labels[r["pair"]]["label"] == "visible")
    ni = sum(1 for r in scored if labels[r["pair"]]["label"] == "invisible")
    out = [f"Sweep of the verdict rule over {len(scored)} scored pairs ({nv} visible, {ni} invisible).",
           "Each cell: misses/false-fails(false-fails excluding 'by design' pairs); * = the defaults;",
           "inf = that arm of the rule off (J_strong inf: area only; A_min inf: peak only)."]
    bad = [r["pair"] for r in results if r.get("sweep_consistent") is False]
    if bad:
        out.append(f"  WARNING: the re-applied rule disagrees with compare() on {len(bad)} pairs: "
                   + ", ".join(bad[:5]))
    for t in SWEEP_THRESHOLD:
        out.append(f"\n  JND threshold {t:g}" + ("  (default)" if t == defaults["threshold"] else ""))
        out.append("  J_strong \\ A_min" + "".join(f"{a:>11g}" for a in SWEEP_AREA))
        for s in SWEEP_STRONG:
            cells = [cell(f"t={t:g},s={s:g},a={a:g}",
                          (t, s, a) == (defaults["threshold"], defaults["strong"], defaults["area"]))
                     for a in SWEEP_AREA]
            out.append(f"  {s:>15g} " + "".join(cells))
    out.append("\n  Clustering distance of the regions (J_strong, A_min at their defaults)")
    out.append("  threshold \\ cluster_deg" + "".join(f"{c:>11g}" for c in SWEEP_CLUSTER))
    for t in SWEEP_THRESHOLD:
        cells = [cell(f"t={t:g},c={c:g}", (t, c) == (defaults["threshold"], defaults["cluster"]))
                 for c in SWEEP_CLUSTER]
        out.append(f"  {t:>23g} " + "".join(cells))
    return "\n".join(out)


def load_labels(corpus: str, regenerate: bool, quiet: bool) -> dict[str, Any]:
    path = os.path.join(corpus, "labels.json")
    if regenerate or not os.path.exists(path):
        if not quiet:
            print(f"generating the corpus in {corpus} ...", file=sys.stderr)
        make_corpus.write_corpus(corpus, quiet=True)
    with open(path) as fh:
        return json.load(fh)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=os.path.join(HERE, "out", "corpus"),
                   help="corpus folder with labels.json (default: calibration/out/corpus; "
                        "generated when missing)")
    p.add_argument("--regenerate", action="store_true", help="write the corpus again first")
    p.add_argument("--metric", default="perceptdiff", help="metric to score (default perceptdiff)")
    p.add_argument("--ppd", type=float, default=None,
                   help="pixels per degree (default: the metric's, 40; labels assume 40)")
    p.add_argument("--kind", action="append", choices=make_corpus.KINDS, help="only this kind")
    p.add_argument("--peers", action="store_true",
                   help="also score yee, exact match, pixelmatch, FLIP and SSIM (slower)")
    p.add_argument("--no-sweep", action="store_true", help="skip the verdict-rule sweep")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--json", metavar="FILE", help="write every number to FILE as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="an option of perceptdiff.compare (repeatable), e.g. subpixel_text=strict")
    args = p.parse_args(argv)

    meta = load_labels(args.corpus, args.regenerate, args.quiet)
    labels: dict[str, Any] = meta["pairs"]
    names = sorted(n for n, v in labels.items() if not args.kind or v["kind"] in args.kind)
    tasks = [{"pair": n, "expected": os.path.join(args.corpus, labels[n]["expected"]),
              "actual": os.path.join(args.corpus, labels[n]["actual"]), "metric": args.metric,
              "ppd": args.ppd, "sweep": not args.no_sweep, "peers": args.peers,
              "options": dict(o.split("=", 1) for o in args.option)} for n in names]

    t0 = time.perf_counter()
    results: list[dict[str, Any]] = []
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as ex:
            for i, r in enumerate(ex.map(evaluate_pair, tasks, chunksize=4)):
                results.append(r)
                if not args.quiet:
                    print(f"\r{i + 1}/{len(tasks)}", end="", file=sys.stderr)
    else:
        for i, t in enumerate(tasks):
            results.append(evaluate_pair(t))
            if not args.quiet:
                print(f"\r{i + 1}/{len(tasks)} {t['pair']:50s}", end="", file=sys.stderr)
    if not args.quiet:
        print(file=sys.stderr)
    wall = time.perf_counter() - t0

    import perceptdiff
    from perceptdiff.metrics import get_metric
    from perceptdiff.verdict import VerdictRule

    ppd = args.ppd or perceptdiff.Options().pixels_per_degree
    print(f"perceptdiff {perceptdiff.__version__}, metric {args.metric}, {ppd:g} px/deg; "
          f"corpus v{meta.get('corpus_version')} seeds {meta.get('seeds')}; {len(results)} pairs "
          f"in {wall:.1f} s")
    print()
    print(make_corpus.composition({n: labels[n] for n in names}))
    print()

    by_kind: dict[str, Any] = {}
    for k in make_corpus.KINDS:
        rows = [(labels[r["pair"]]["label"], r["fail"]) for r in results if labels[r["pair"]]["kind"] == k]
        if rows:
            by_kind[k] = confusion(rows)
            print(format_confusion(f"[{k}]", by_kind[k]))
            print()
    overall = confusion((labels[r["pair"]]["label"], r["fail"]) for r in results)
    print(format_confusion("[all kinds]", overall))
    print()
    psy = confusion((labels[r["pair"]]["label"], r["fail"]) for r in results
                    if not _by_design(labels[r["pair"]]))
    print(format_confusion("[all kinds, leaving out the pairs invisible only by design]", psy))
    print()

    wrong = [r for r in results if labels[r["pair"]]["label"] in SCORED
             and r["fail"] != (labels[r["pair"]]["label"] == "visible")]
    print(f"Misclassified ({len(wrong)}):")
    for r in wrong:
        lab = labels[r["pair"]]
        print(f"  {r['pair']:42s} {lab['label']:9s} -> {r['verdict'].upper():9s} "
              f"peak {r['peak_jnd'] or 0:.2f} JND, {r['visible_pixels']} px > 1 JND, "
              f"largest region {_region_text(r['largest_region'])}")
        print(f"  {'':42s} change: {lab['change']}")
    print()

    border = [r for r in results if labels[r["pair"]]["label"] == "borderline"]
    if border:
        print("Borderline pairs (not scored):")
        for r in border:
            print(f"  {r['pair']:42s} {r['verdict'].upper():9s} peak {r['peak_jnd'] or 0:.2f} JND, "
                  f"largest region {_region_text(r['largest_region'])}")
        print()

    sweep_text = None
    defaults: dict[str, float] = {}
    if not args.no_sweep and args.metric == "perceptdiff":
        m = get_metric("perceptdiff")
        mo = m.validate({})
        defaults = {"threshold": perceptdiff.Options().jnd_threshold, "strong": mo["strong_jnd"],
                    "area": mo["min_area_deg2"], "cluster": VerdictRule().cluster_deg}
        sweep_text = sweep_tables(results, labels, defaults)
        print(sweep_text)
        print()

    peers_summary: dict[str, Any] = {}
    if args.peers:
        tools = list(results[0]["peers"]) if results else []
        print("Other comparators with their customary pass/fail rules (same pairs):")
        print(f"  {'comparator':38s} {'accuracy':>9s} {'miss':>7s} {'false-fail':>11s}")
        c_self = overall
        print(f"  {'perceptdiff (' + args.metric + ')':38s} {_pct(c_self['accuracy']):>9s} "
              f"{_pct(c_self['miss_rate']):>7s} {_pct(c_self['false_fail_rate']):>11s}")
        for tool in tools:
            rows = [(labels[r["pair"]]["label"], r["peers"][tool]["fail"]) for r in results
                    if r["peers"][tool]["fail"] is not None]
            if not rows:
                print(f"  {tool:38s} {'n/a (not installed)':>29s}")
                continue
            c = confusion(rows)
            peers_summary[tool] = c
            print(f"  {tool:38s} {_pct(c['accuracy']):>9s} {_pct(c['miss_rate']):>7s} "
                  f"{_pct(c['false_fail_rate']):>11s}")
        print()

    secs = sorted(r["seconds"] for r in results)
    if secs:
        print(f"compare() time per pair: median {1000 * secs[len(secs) // 2]:.0f} ms, "
              f"max {1000 * secs[-1]:.0f} ms")

    if args.json:
        doc = {"metric": args.metric, "ppd": ppd, "corpus": os.path.abspath(args.corpus),
               "corpus_version": meta.get("corpus_version"), "overall": overall,
               "overall_psychophysics_only": psy,
               "by_kind": by_kind, "defaults": defaults, "peers": peers_summary,
               "misclassified": [r["pair"] for r in wrong],
               "pairs": [{**r, **{"label": labels[r["pair"]]["label"], "kind": labels[r["pair"]]["kind"],
                                  "change": labels[r["pair"]]["change"]}} for r in results]}
        with open(args.json, "w") as fh:
            json.dump(doc, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Score perceptdiff (and peers) on the cross-machine corpus.

Reads ``manifest.json`` (the labels), renders any image that is missing or
stale (``render.py``), compares every pair with :func:`perceptdiff.compare`
(public API only) and prints

* the corpus shape (label x jitter kind, label x change kind);
* per tool: the false-fail rate on ``same`` pairs per jitter kind and the
  miss rate on ``changed`` pairs per change kind;
* perceptdiff's peak JND and visible area per kind (min / median / max);
* the hardest pairs: changed twins with the lowest peak JND, same pairs with
  the highest;
* whether one threshold on peak JND could separate the labels: fitted on the
  ``fit`` split, checked on ``holdout``.

``--json FILE`` writes every pair's numbers and the summary, and
``--compare BEFORE.json`` prints the per-kind rates of an earlier run beside
this one, so a model change can be reported before/after.

Usage::

    python calibration/crossmachine/evaluate.py [--split all|fit|holdout] [--peers] [--jobs 2]
        [--json out/evaluation.json] [--compare BEFORE.json] [--only SUBSTR ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import peers as peer_tools  # noqa: E402
import plan  # noqa: E402
from render import DEFAULT_OUT  # noqa: E402

MANIFEST = HERE / "manifest.json"
SCORED = ("same", "changed")
TOOL = "perceptdiff"


def load_manifest(path: Path = MANIFEST) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def select(manifest: dict, split: str = "all", only: list[str] | None = None) -> list[dict]:
    out = []
    for e in manifest["pairs"]:
        if split != "all" and e["split"] != split:
            continue
        if only and not any(s in e["id"] for s in only):
            continue
        out.append(e)
    return out


def ensure_rendered(entries: list[dict], out: Path, jobs: int) -> None:
    import render

    wanted = {e["id"] for e in entries}
    render.render([p for p in plan.pairs() if p.id in wanted], out, jobs=jobs)


# --------------------------------------------------------------------------- perceptdiff
def score_perceptdiff(args: tuple[str, str, dict]) -> dict:
    """One pair through the public API with the given options (runs in a worker process)."""
    import perceptdiff

    a, b, options = args
    r = perceptdiff.compare(a, b, **options)
    regions = list(getattr(r, "regions", ()) or ())
    largest = max((g.pixels for g in regions), default=0)
    return {
        "fail": not r.passed,
        "verdict": r.verdict,
        "value": r.peak_jnd,
        "peak_jnd": r.peak_jnd,
        "visible_pixels": r.visible_pixels,
        "visible_area_deg2": r.visible_area_deg2,
        "largest_region_px": int(largest),
        "region_count": getattr(r, "region_count", len(regions)),
        "reason": r.reason,
    }


def run_perceptdiff(entries: list[dict], out: Path, jobs: int, options: dict | None = None) -> list[dict]:
    work = [(str(out / e["a"]["image"]), str(out / e["b"]["image"]), options or {}) for e in entries]
    if jobs <= 1:
        return [score_perceptdiff(w) for w in work]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(score_perceptdiff, work, chunksize=4))


def _cache_key(a: str, b: str) -> str:
    return f"{a}|{b}|{os.stat(a).st_mtime_ns}|{os.stat(b).st_mtime_ns}"


def _guarded(fn, a: str, b: str) -> dict:
    try:
        return fn(a, b)
    except Exception as exc:   # one peer failing on one pair must not lose the run
        return {"fail": None, "value": None, "error": str(exc)[-300:]}


def run_peers(entries: list[dict], out: Path, jobs: int, log=print) -> dict[str, list[dict] | str]:
    """peer name -> per-pair results (or the reason it did not run).

    Peers do not change when perceptdiff does, so their results are cached in
    ``<out>/peer-cache.json`` by image path and modification time.
    """
    work = [(str(out / e["a"]["image"]), str(out / e["b"]["image"])) for e in entries]
    cache_path = out / "peer-cache.json"
    cache: dict[str, dict[str, dict]] = {}
    if cache_path.exists():
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    keys = [_cache_key(a, b) for a, b in work]
    results: dict[str, list[dict] | str] = {}
    for name, (why, fn) in peer_tools.available().items():
        if why:
            results[name] = why
            log(f"evaluate: {name} skipped: {why}")
            continue
        t0 = time.perf_counter()
        known = cache.setdefault(name, {})
        todo = [i for i, k in enumerate(keys) if k not in known or known[k].get("fail") is None]
        if todo:
            sub = [work[i] for i in todo]
            if name == "pixelmatch":
                got = peer_tools.pixelmatch_batch(sub)
            else:
                with ThreadPoolExecutor(max_workers=jobs) as pool:   # subprocesses, or numpy releasing the GIL
                    got = list(pool.map(lambda ab: _guarded(fn, *ab), sub))
            for i, r in zip(todo, got):
                known[keys[i]] = r
            cache_path.write_text(json.dumps(cache), encoding="utf-8")
        per_pair = [known[k] for k in keys]
        results[name] = per_pair
        errors = sum(r.get("fail") is None for r in per_pair)
        log(f"evaluate: {name}: {len(todo)} of {len(work)} pairs computed in {time.perf_counter() - t0:.0f} s"
            + (f", {errors} errors" if errors else ""))
    return results


# --------------------------------------------------------------------------- summaries
def rates(entries: list[dict], res: list[dict]) -> dict[str, Any]:
    """False-fail per jitter kind (same pairs), miss per change kind (changed pairs), and totals."""
    ff: dict[str, list[int]] = {}
    miss: dict[str, list[int]] = {}
    for e, r in zip(entries, res):
        if r.get("fail") is None:
            continue
        if e["label"] == "same":
            ff.setdefault(e["jitter"], [0, 0])
            ff[e["jitter"]][0] += bool(r["fail"])
            ff[e["jitter"]][1] += 1
        elif e["label"] == "changed":
            miss.setdefault(e["change"], [0, 0])
            miss[e["change"]][0] += not r["fail"]
            miss[e["change"]][1] += 1
    tot_ff = [sum(v[0] for v in ff.values()), sum(v[1] for v in ff.values())]
    tot_miss = [sum(v[0] for v in miss.values()), sum(v[1] for v in miss.values())]
    return {"false_fail": ff, "miss": miss, "false_fail_total": tot_ff, "miss_total": tot_miss}


def _pct(v: list[int]) -> str:
    return "   -  " if v[1] == 0 else f"{100.0 * v[0] / v[1]:5.0f}%"


def print_table(entries: list[dict], tools: dict[str, list[dict] | str]) -> None:
    names = [n for n, r in tools.items() if not isinstance(r, str)]
    summ = {n: rates(entries, tools[n]) for n in names}  # type: ignore[arg-type]
    w = 12
    head = f"{'':26s}" + "".join(f"{n[:w]:>{w}s}" for n in names)
    jitters = [j for j in plan.JITTERS if any(e["jitter"] == j and e["label"] == "same" for e in entries)]
    changes = [c.value for c in plan.ChangeKind if any(e["change"] == c.value and e["label"] == "changed"
                                                        for e in entries)]
    print("\nFalse-fail rate on `same` pairs, per jitter kind (n = pairs)")
    print(head)
    for j in jitters:
        n = summ[names[0]]["false_fail"][j][1]
        print(f"{j + f' (n={n})':26s}" + "".join(f"{_pct(summ[t]['false_fail'][j]):>{w}s}" for t in names))
    print(f"{'all same (n=%d)' % summ[names[0]]['false_fail_total'][1]:26s}"
          + "".join(f"{_pct(summ[t]['false_fail_total']):>{w}s}" for t in names))
    print("\nMiss rate on `changed` pairs, per change kind")
    print(head)
    for c in changes:
        n = summ[names[0]]["miss"][c][1]
        print(f"{c + f' (n={n})':26s}" + "".join(f"{_pct(summ[t]['miss'][c]):>{w}s}" for t in names))
    print(f"{'all changed (n=%d)' % summ[names[0]]['miss_total'][1]:26s}"
          + "".join(f"{_pct(summ[t]['miss_total']):>{w}s}" for t in names))
    for n, r in tools.items():
        if isinstance(r, str):
            print(f"  ({n}: not run: {r})")


def _stats(values: list[float]) -> str:
    if not values:
        return "-"
    v = np.asarray(values, float)
    return f"{v.min():6.2f} {np.median(v):6.2f} {v.max():6.2f}"


def print_distributions(entries: list[dict], res: list[dict]) -> None:
    print("\nperceptdiff peak JND and visible area (deg²) per kind: min median max")
    print(f"{'':34s}{'peak JND':>21s}   {'visible area deg²':>21s}")
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(entries):
        if e["label"] == "same":
            groups.setdefault(f"same / {e['jitter']}", []).append(i)
        elif e["label"] == "changed":
            groups.setdefault(f"changed / {e['change']}", []).append(i)
    for k in sorted(groups):
        idx = groups[k]
        pk = [res[i]["peak_jnd"] or 0.0 for i in idx]
        ar = [res[i]["visible_area_deg2"] or 0.0 for i in idx]
        print(f"{k:34s}{_stats(pk):>21s}   {_stats(ar):>21s}")


def print_hardest(entries: list[dict], res: list[dict], n: int = 10) -> None:
    changed = sorted((res[i]["peak_jnd"] or 0.0, e["id"], res[i]["visible_area_deg2"] or 0.0)
                     for i, e in enumerate(entries) if e["label"] == "changed")
    same = sorted(((res[i]["peak_jnd"] or 0.0, e["id"], res[i]["visible_area_deg2"] or 0.0)
                   for i, e in enumerate(entries) if e["label"] == "same"), reverse=True)
    print("\nHardest changed twins (lowest peak JND)")
    for pk, pid, ar in changed[:n]:
        print(f"  {pk:7.2f} JND  {ar:8.4f} deg²  {pid}")
    print("Hardest same pairs (highest peak JND)")
    for pk, pid, ar in same[:n]:
        print(f"  {pk:7.2f} JND  {ar:8.4f} deg²  {pid}")


def separability(entries: list[dict], res: list[dict], key: str = "peak_jnd") -> dict:
    """The best single threshold on ``key`` fitted on ``fit``, and its errors on ``holdout``."""
    def errors(split: str, t: float) -> tuple[int, int, int]:
        ff = miss = n = 0
        for e, r in zip(entries, res):
            if e["label"] not in SCORED or e["split"] != split:
                continue
            n += 1
            v = r[key] or 0.0
            ff += e["label"] == "same" and v >= t
            miss += e["label"] == "changed" and v < t
        return ff, miss, n

    vals = sorted({(r[key] or 0.0) for e, r in zip(entries, res) if e["label"] in SCORED and e["split"] == "fit"})
    if not vals:
        return {}
    cands = [vals[0] - 1e-6] + [(x + y) / 2 for x, y in zip(vals, vals[1:])] + [vals[-1] + 1e-6]
    best = min(cands, key=lambda t: sum(errors("fit", t)[:2]))
    f = errors("fit", best)
    h = errors("holdout", best)
    return {"key": key, "threshold": best, "fit": {"false_fail": f[0], "miss": f[1], "n": f[2]},
            "holdout": {"false_fail": h[0], "miss": h[1], "n": h[2]}}


def print_compare(before_path: Path, entries: list[dict], res: list[dict]) -> None:
    before = json.loads(before_path.read_text(encoding="utf-8"))
    old = {p["id"]: p["tools"].get(TOOL) for p in before["pairs"]}
    now = rates(entries, res)
    prev_res = [old.get(e["id"]) or {"fail": None} for e in entries]
    keep = [i for i, r in enumerate(prev_res) if r["fail"] is not None]
    prev = rates([entries[i] for i in keep], [prev_res[i] for i in keep])
    print(f"\nBefore ({before_path.name}) -> now, perceptdiff")
    for j, v in now["false_fail"].items():
        print(f"  false-fail {j:24s} {_pct(prev['false_fail'].get(j, [0, 0]))} -> {_pct(v)}")
    for c, v in now["miss"].items():
        print(f"  miss       {c:24s} {_pct(prev['miss'].get(c, [0, 0]))} -> {_pct(v)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="score perceptdiff and peers on the cross-machine corpus")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where render.py put the images")
    ap.add_argument("--split", choices=("all", "fit", "holdout"), default="all")
    ap.add_argument("--only", nargs="*", help="pairs whose id contains one of these")
    ap.add_argument("--peers", action="store_true", help="also run pixelmatch, odiff, FLIP, SSIM, butteraugli")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="write per-pair results and the summary here")
    ap.add_argument("--compare", type=Path, default=None, help="an earlier --json file to compare with")
    ap.add_argument("--no-render", action="store_true", help="do not (re)render missing or stale images")
    ap.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                    help="an option of perceptdiff.compare (repeatable), e.g. subpixel_text=strict for the "
                         "model without LCD text forgiveness")
    args = ap.parse_args(argv)

    manifest = load_manifest()
    entries = select(manifest, args.split, args.only)
    if not args.no_render:
        ensure_rendered(entries, args.out, args.jobs)
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["label"]] = counts.get(e["label"], 0) + 1
    print(f"evaluate: {len(entries)} pairs ({counts}), split {args.split}")

    t0 = time.perf_counter()
    pd_res = run_perceptdiff(entries, args.out, args.jobs, dict(o.split("=", 1) for o in args.option))
    t_pd = time.perf_counter() - t0
    print(f"evaluate: perceptdiff: {len(entries)} pairs in {t_pd:.0f} s")
    tools: dict[str, list[dict] | str] = {TOOL: pd_res}
    if args.peers:
        tools.update(run_peers(entries, args.out, args.jobs))

    print_table(entries, tools)
    print_distributions(entries, pd_res)
    print_hardest(entries, pd_res)
    sep = {k: separability(entries, pd_res, k) for k in ("peak_jnd", "visible_area_deg2")}
    print("\nOne threshold on perceptdiff's numbers, fitted on `fit`, checked on `holdout`:")
    for k, s in sep.items():
        if s:
            print(f"  {k}: threshold {s['threshold']:.4g}: fit {s['fit']['false_fail']} false fails + "
                  f"{s['fit']['miss']} misses of {s['fit']['n']}; holdout {s['holdout']['false_fail']} + "
                  f"{s['holdout']['miss']} of {s['holdout']['n']}")
    borderline = [(e["id"], r) for e, r in zip(entries, pd_res) if e["label"] == "borderline"]
    if borderline:
        nf = sum(bool(r["fail"]) for _, r in borderline)
        print(f"\nborderline (not scored): {len(borderline)} pairs, perceptdiff fails {nf}")
    if args.compare:
        print_compare(args.compare, entries, pd_res)

    if args.json:
        import perceptdiff

        doc = {
            "perceptdiff_version": getattr(perceptdiff, "__version__", "?"),
            "split": args.split,
            "seconds": {"perceptdiff": round(t_pd, 1)},
            "peer_rules": {k: v for k, v in peer_tools.PEER_RULES.items() if k in tools},
            "summary": {n: rates(entries, r) for n, r in tools.items() if not isinstance(r, str)},
            "not_run": {n: r for n, r in tools.items() if isinstance(r, str)},
            "separability": sep,
            "pairs": [{"id": e["id"], "label": e["label"], "jitter": e["jitter"], "change": e["change"],
                       "split": e["split"],
                       "tools": {n: r[i] for n, r in tools.items() if not isinstance(r, str)}}
                      for i, e in enumerate(entries)],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        print(f"evaluate: wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

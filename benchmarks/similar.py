"""Similar-image search: speed and retrieval quality of perceptdiff's signatures against imagehash.

``python benchmarks/similar.py`` generates a corpus of 1 000 and one of
10 000 images (``similar_corpus.py``: UI windows, charts, photo-like
textures, text pages; 100 originals, each with five transformed copies, the
rest distractors of the same families), then measures, in this one process
and alternating the tools:

- indexing rate (images/s): perceptdiff's :class:`SignatureIndex` (decode
  with ``perceptdiff.load_image``, the three stored signatures) against
  imagehash's pHash and dHash (decode with Pillow, convert, hash);
- query time: one query image signed and ranked against every entry (the
  index already in memory), and ranking alone; for perceptdiff also loading
  the saved index, and the whole ``perceptdiff similar``
  process on the 10 000-image index;
- retrieval quality on the labelled copies: each original queries the whole
  corpus (its five copies are the relevant answers): precision@1, recall@5,
  mAP; and each copy queries for its original (precision@1 per kind);
- near-duplicate grouping (``--duplicates``): time and pair precision/recall
  against the true groups (an original and its copies).

imagehash (PyPI) is a peer for this benchmark only, never a dependency of
perceptdiff; its Hamming distances are compared with one vectorised numpy
expression (not imagehash's per-pair ``-``), so the query times compare the
signatures, not Python loops.  Equal distances are ordered at random (same
seed for every tool).

``--calibrate`` prints the figures the signatures' constants come from: the
median raw distance between unrelated images per signature (its ``scale``)
and the normalised combined distances of the copies and of the nearest
distractors, from which the rename and duplicate thresholds are chosen.

This is a measurement, not a test: it never fails.  Options: ``--sizes``,
``--keep DIR`` (reuse the generated images), ``--json FILE``,
``--no-imagehash``, ``--no-cli``.
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
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import similar_corpus as corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SIGNATURES = ("wavelet", "tiny", "histogram", "combined")
HASHES = ("phash", "dhash")
ORIGINALS = 100


# ------------------------------------------------------------------ corpus

def ensure_corpus(folder: Path, total: int, originals: int) -> dict[str, tuple[str, str, int, str]]:
    """Generate (or reuse) the corpus; returns file name -> plan row."""
    rows = corpus.plan(total, originals)
    manifest = folder / "manifest.json"
    wanted = [list(r) for r in rows]
    if manifest.exists():
        saved = json.loads(manifest.read_text())
        if saved.get("rows") == wanted:
            return {n: tuple(r) for n, r in saved["names"].items()}  # type: ignore[misc]
    t0 = time.perf_counter()
    names = corpus.write_corpus(folder / "images", rows)
    manifest.write_text(json.dumps({"rows": wanted, "names": names}))
    print(f"  generated {total} images in {time.perf_counter() - t0:.0f} s", flush=True)
    return names


def warm(folder: Path) -> None:
    """Read every file once so that no tool pays for the first disk read."""
    for p in sorted(folder.iterdir()):
        p.read_bytes()


# ------------------------------------------------------------------ tools

def index_ours(folder: Path, index_file: Path) -> Any:
    from perceptdiff.signatures import SignatureIndex

    index = SignatureIndex.build(folder)
    index.save(index_file)
    return index


def index_hash(folder: Path, kind: str) -> tuple[list[str], np.ndarray]:
    import imagehash
    from PIL import Image

    fn = getattr(imagehash, kind)
    names, bits = [], []
    for p in sorted(folder.iterdir()):
        with Image.open(p) as im:
            h = fn(im)
        names.append(p.name)
        bits.append(np.asarray(h.hash, dtype=bool).reshape(-1))
    return names, np.stack(bits)


def hash_query(path: Path, kind: str, bits: np.ndarray, top: int = 10) -> np.ndarray:
    import imagehash
    from PIL import Image

    with Image.open(path) as im:
        q = np.asarray(getattr(imagehash, kind)(im).hash, dtype=bool).reshape(-1)
    d = np.count_nonzero(bits != q, axis=1)
    return np.argsort(d, kind="stable")[:top]


# ------------------------------------------------------------------ quality

def ranking(d: np.ndarray, exclude: int, rng_key: np.ndarray) -> np.ndarray:
    d = d.astype(np.float64).copy()
    d[exclude] = np.inf
    return np.lexsort((rng_key, d))[:-1]


def quality(distance_of: Callable[[int], np.ndarray], names: list[str],
            rows: dict[str, tuple[str, str, int, str]]) -> dict[str, float]:
    """P@1, R@5, mAP over original queries; P@1 per kind over copy queries."""
    pos = {n: k for k, n in enumerate(names)}
    by_origin: dict[str, list[int]] = {}
    for n, r in rows.items():
        if r[3] != "distractor":
            by_origin.setdefault(r[0].split("-")[0], []).append(pos[n])
    key = np.random.default_rng(12345).random(len(names))
    p1, r5, aps = [], [], []
    kind_hits: dict[str, list[bool]] = {t: [] for t in corpus.TRANSFORMS}
    for members in by_origin.values():
        for q in members:
            role = rows[names[q]][3]
            order = ranking(distance_of(q), q, key)
            relevant = set(members) - {q}
            if role == "original":
                hit = np.isin(order, list(relevant))
                p1.append(bool(hit[0]))
                r5.append(hit[:5].sum() / len(relevant))
                ranks = np.nonzero(hit)[0] + 1
                aps.append(float(np.mean(np.arange(1, len(ranks) + 1) / ranks)))
            else:
                kind_hits[role].append(int(order[0]) in relevant)
    out = {"P@1": float(np.mean(p1)), "R@5": float(np.mean(r5)), "mAP": float(np.mean(aps))}
    out.update({f"P@1 {t}": float(np.mean(v)) for t, v in kind_hits.items()})
    return out


# ------------------------------------------------------------------ calibration

def calibrate(index: Any, rows: dict[str, tuple[str, str, int, str]]) -> dict[str, Any]:
    from perceptdiff.signatures import get_signature, normalised_distances
    from perceptdiff.signatures.base import symmetric_distances

    names = [Path(p).name for p in index.paths]
    pos = {n: k for k, n in enumerate(names)}
    distractors = [k for k, n in enumerate(names) if rows[n][3] == "distractor"]
    rng = np.random.default_rng(7)
    a = rng.choice(distractors, 4000)
    b = rng.choice(distractors, 4000)
    keep = a != b
    a, b = a[keep], b[keep]
    scales = {}
    for name in ("wavelet", "tiny", "histogram"):
        sig = get_signature(name)
        t = index.tables[name]
        d = np.array([symmetric_distances(sig, t[i], t[j][None, :])[0] for i, j in zip(a, b)])
        scales[name] = float(np.median(d))
    print("  median raw distance of unrelated pairs (scale): "
          + ", ".join(f"{k} {v:.4g}" for k, v in scales.items()))
    comb = get_signature("combined")
    copy_of = {(r[0].split("-")[0], r[3]): n for n, r in rows.items()}
    per_kind: dict[str, list[float]] = {t: [] for t in corpus.TRANSFORMS}
    nearest_neg = []
    for n, r in rows.items():
        if r[3] != "original":
            continue
        q = pos[n]
        query = {k: v[q] for k, v in index.tables.items()}
        d = normalised_distances(comb, query, index.tables, symmetric=True)
        for t in corpus.TRANSFORMS:
            per_kind[t].append(float(d[pos[copy_of[(r[0].split("-")[0], t)]]]))
        neg = d[distractors]
        nearest_neg.append(float(neg.min()))
    print("  combined (symmetrised, normalised) distance of each copy to its original:")
    for t, v in per_kind.items():
        v = np.asarray(v)
        print(f"    {t:<11} median {np.median(v):.3f}  95% {np.quantile(v, 0.95):.3f}  max {v.max():.3f}")
    nn = np.asarray(nearest_neg)
    print(f"  nearest distractor of each original: min {nn.min():.3f}  5% {np.quantile(nn, 0.05):.3f}  "
          f"median {np.median(nn):.3f}")
    return {"scales": scales, "copies": {t: sorted(v) for t, v in per_kind.items()},
            "nearest_distractor": sorted(nearest_neg)}


# ------------------------------------------------------------------ main

def cli_query(query: Path, folder: Path, index_file: Path, repeat: int) -> dict[str, float]:
    """Median wall time of the whole ``similar`` process, and of a process that only imports perceptdiff."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    commands = {
        "cli": [sys.executable, "-m", "perceptdiff", "similar", str(query), str(folder),
                "--index", str(index_file), "--top", "10"],
        "import": [sys.executable, "-c", "import perceptdiff, PIL.Image"],
    }
    for cmd in commands.values():
        subprocess.run(cmd, capture_output=True, check=True, env=env)  # warm-up
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():  # alternating, so background load hits both alike
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True, env=env)
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def run_size(base: Path, total: int, args: argparse.Namespace) -> dict[str, Any]:
    from perceptdiff.signatures import SignatureIndex

    print(f"\n== {total} images ==", flush=True)
    folder = base / f"corpus-{total}"
    rows = ensure_corpus(folder, total, args.originals)
    images = folder / "images"
    warm(images)
    index_file = base / f"index-{total}.npz"
    rounds = 3 if total <= 2000 else 1
    tools: list[str] = ["perceptdiff"] + ([] if args.no_imagehash else list(HASHES))
    build_times: dict[str, list[float]] = {t: [] for t in tools}
    hashes: dict[str, tuple[list[str], np.ndarray]] = {}
    index = None
    for _ in range(rounds):
        for tool in tools:
            t0 = time.perf_counter()
            if tool == "perceptdiff":
                index = index_ours(images, index_file)
            else:
                hashes[tool] = index_hash(images, tool)
            build_times[tool].append(time.perf_counter() - t0)
            print(f"  indexed with {tool}: {build_times[tool][-1]:.1f} s", flush=True)
    assert index is not None
    res: dict[str, Any] = {"images": total, "index_bytes": index_file.stat().st_size, "tools": {}}

    t0 = time.perf_counter()
    loaded = SignatureIndex.load(index_file, root=images)
    res["index_load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert not loaded.update().modified
    res["index_update_s"] = time.perf_counter() - t0      # walk and stat every file, nothing changed

    names = [Path(p).name for p in index.paths]
    queries = [images / n for n in names if rows[n][3] == "original"]
    q_times: dict[str, list[float]] = {t: [] for t in (*SIGNATURES, *(() if args.no_imagehash else HASHES))}
    rank_times: dict[str, list[float]] = {t: [] for t in q_times}
    for q in queries:
        for tool in q_times:
            t0 = time.perf_counter()
            if tool in SIGNATURES:
                loaded.search(q, signature=tool, top=10)
            else:
                hash_query(q, tool, hashes[tool][1])
            q_times[tool].append(time.perf_counter() - t0)
        row = names.index(q.name)
        for tool in rank_times:
            t0 = time.perf_counter()
            if tool in SIGNATURES:
                vec = {k: v[row] for k, v in loaded.tables.items()}
                np.argsort(loaded.distances(vec, signature=tool), kind="stable")[:10]
            else:
                bits = hashes[tool][1]
                np.argsort(np.count_nonzero(bits != bits[row], axis=1), kind="stable")[:10]
            rank_times[tool].append(time.perf_counter() - t0)

    for tool in q_times:
        build = build_times["perceptdiff" if tool in SIGNATURES else tool]
        entry: dict[str, Any] = {
            "index_rate": total / statistics.median(build),
            "query_s": statistics.median(q_times[tool]),
            "rank_s": statistics.median(rank_times[tool]),
        }
        if tool in SIGNATURES:
            def dist(k: int, tool: str = tool) -> np.ndarray:
                return loaded.distances({n: v[k] for n, v in loaded.tables.items()}, signature=tool)
            entry.update(quality(dist, names, rows))
        else:
            hnames, bits = hashes[tool]
            assert hnames == names
            entry.update(quality(lambda k, b=bits: np.count_nonzero(b != b[k], axis=1), names, rows))
        res["tools"][tool] = entry

    t0 = time.perf_counter()
    groups = loaded.duplicates(signature="combined")
    res["duplicates_s"] = time.perf_counter() - t0
    truth = {}
    for n in names:
        r = rows[n]
        if r[3] != "distractor":
            truth[n] = r[0].split("-")[0]
    found = {(a, b) for g in groups for a in g.paths for b in g.paths if a < b}
    true_pairs = {(a, b) for a in truth for b in truth if a < b and truth[a] == truth[b]}
    res["duplicates"] = {
        "groups": len(groups),
        "pair_precision": len(found & true_pairs) / len(found) if found else 1.0,
        "pair_recall": len(found & true_pairs) / len(true_pairs),
    }
    if not args.no_cli and total >= 10000:
        res["cli"] = cli_query(queries[0], images, index_file, repeat=7)
    if args.calibrate:
        res["calibration"] = calibrate(loaded, rows)
    return res


def print_table(results: list[dict[str, Any]]) -> None:
    kinds = list(corpus.TRANSFORMS)
    print("\n| images | tool | index img/s | query ms | rank ms | P@1 | R@5 | mAP | "
          + " | ".join(f"P@1 {k}" for k in kinds) + " |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(kinds))
    for res in results:
        for tool, e in res["tools"].items():
            name = f"perceptdiff {tool}" if tool in SIGNATURES else f"imagehash {tool}"
            print(f"| {res['images']} | {name} | {e['index_rate']:.0f} | {e['query_s'] * 1000:.1f} | "
                  f"{e['rank_s'] * 1000:.2f} | {e['P@1']:.2f} | {e['R@5']:.2f} | {e['mAP']:.2f} | "
                  + " | ".join(f"{e['P@1 ' + k]:.2f}" for k in kinds) + " |")
    print()
    for res in results:
        dup = res["duplicates"]
        print(f"{res['images']} images: index file {res['index_bytes'] / 1e6:.1f} MB, loaded in "
              f"{res['index_load_s'] * 1000:.0f} ms, brought up to date (nothing changed) in "
              f"{res['index_update_s'] * 1000:.0f} ms; duplicates (combined, default threshold) "
              f"{res['duplicates_s']:.2f} s, {dup['groups']} groups, pair precision "
              f"{dup['pair_precision']:.2f} recall {dup['pair_recall']:.2f}")
        if "cli" in res:
            print(f"{res['images']} images: whole-process `similar QUERY DIR --index FILE` "
                  f"{res['cli']['cli'] * 1000:.0f} ms (median of 7), of which starting Python and "
                  f"importing perceptdiff {res['cli']['import'] * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000")
    p.add_argument("--originals", type=int, default=ORIGINALS)
    p.add_argument("--keep", metavar="DIR", help="generate into (and reuse) DIR")
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--calibrate", action="store_true")
    p.add_argument("--no-imagehash", action="store_true")
    p.add_argument("--no-cli", action="store_true")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="similar-bench-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        results = [run_size(base, n, args) for n in sizes]
    print_table(results)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

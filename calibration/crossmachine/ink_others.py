"""The third prototype's rule on pairs outside the cross-machine corpus.

Which pairs that the default verdict fails would ``prototype_ink``'s rule forgive, in the
old calibration corpus (``calibration/make_corpus.py``; a visible pair forgiven makes the rule
unsafe) and in the peers' suites (``../shared/peer-suites``, read in place, never copied)?
Run through ``prototype_ink.py others``.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from typing import Callable

#: This folder (calibration/crossmachine).
HERE = Path(__file__).resolve().parent
OLD_CORPUS = Path(os.environ.get("PERCEPTDIFF_OLD_CORPUS", HERE.parent / "out" / "corpus"))
PEER_SUITES = HERE.parents[2] / "shared" / "peer-suites"
#: Peer-suite pairs and what their authors expect ("different": the peer reports a difference).
PDIFF_PAIRS = (("Bug1102605_ref.tif", "Bug1102605.tif", "different"), ("Bug1471457_ref.tif", "Bug1471457.tif", "same"),
               ("cam_mb_ref.tif", "cam_mb.tif", "same"), ("fish2.png", "fish1.png", "different"),
               ("square.png", "square_scaled.png", "same"), ("Aqsis_vase.png", "Aqsis_vase_ref.png", "different"),
               ("alpha1.png", "alpha2.png", "different"))
PIXELMATCH_PAIRS = (("1a.png", "1b.png", "different"), ("2a.png", "2b.png", "different"), ("3a.png", "3b.png", "different"),
                    ("4a.png", "4b.png", "different"), ("5a.png", "5b.png", "same"), ("6a.png", "6b.png", "different"),
                    ("7a.png", "7b.png", "different"), ("8a.png", "5b.png", "different"))


def other_pairs() -> list[tuple[str, str, str, str]]:
    """(name, a, b, label) of the old calibration corpus and the peers' suites, where present.

    Labels: the old corpus's own (visible / invisible / borderline); peers: different / same.
    """
    pairs = []
    labels = OLD_CORPUS / "labels.json"
    if labels.exists():
        for name, p in sorted(json.loads(labels.read_text())["pairs"].items()):
            pairs.append((f"old/{name}", str(OLD_CORPUS / p["expected"]), str(OLD_CORPUS / p["actual"]), p["label"]))
    for suite, table in (("pdiff", PDIFF_PAIRS), ("pixelmatch", PIXELMATCH_PAIRS)):
        for a, b, label in table:
            if (PEER_SUITES / suite / a).exists():
                pairs.append((f"{suite}/{a}|{b}", str(PEER_SUITES / suite / a), str(PEER_SUITES / suite / b), label))
    return pairs


def _other_work(args: tuple) -> dict:
    features, a, b, space, merge, split = args
    try:
        return features(a, b, space, merge, split)
    except Exception as exc:  # a peer image the prototype cannot read is kept failing
        return {"fail_today": True, "peak": 0.0, "regions": [], "unscorable": repr(exc)}


def check_others(features: Callable[..., dict], is_forgiven: Callable[[dict], bool], space: str, merge: int,
                 split: int, jobs: int) -> None:
    """Which pairs failing today would the rule forgive, in the old corpus and the peers' suites?

    ``features`` is the prototype's per-pair feature function (``prototype_ink.pair_features``,
    passed in so this module does not import the prototype back).
    """
    pairs = other_pairs()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        feats = list(pool.map(_other_work, [(features, a, b, space, merge, split) for _, a, b, _ in pairs], chunksize=2))
    count: dict[str, list[int]] = {}
    for (name, _, _, label), f in zip(pairs, feats):
        group = name.split("/")[0] + " " + label
        c = count.setdefault(group, [0, 0, 0])
        c[0] += 1
        c[1] += bool(f["fail_today"])
        fg = is_forgiven(f)
        c[2] += fg
        if fg:
            print(f"  forgiven: {name} ({label})")
    print(f"{'group':22s} {'n':>4s} {'fail today':>10s} {'forgiven':>8s}")
    for g, (n, ft, fg) in sorted(count.items()):
        print(f"{g:22s} {n:4d} {ft:10d} {fg:8d}")

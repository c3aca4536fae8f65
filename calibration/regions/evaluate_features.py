"""Measure what issue 12's features buy: false alarms removed, visible changes kept.

For each feature, cases whose label follows from how they are made (as in
``calibration/make_corpus.py``, whose scenes they reuse; no metric's output
decides a label):

* **moves** (``--max-shift 8 --allow-shift``): the UI scene's Save button
  moved by 1, 2, 3, 5 px, and cards of three sizes moved on a flat page.
  A test that opted into moves wants these to pass ("allowed" cases); the
  same button moved *and* recoloured must still fail ("visible").
* **scrolls** (same options): the page scrolled by 1, 2, 4 px: one fact,
  passing with ``--allow-shift``; a scroll with an edited word must fail.
* **masks** (``--region x,y,w,h:ignore`` over a clock): the clock's digits
  changed (allowed); a clock change plus the Save button recoloured by
  ΔE00 5 elsewhere (visible).
* **variants** (``compare_variants`` over 3 approved renders with font
  jitter: text reduced from 2x with box, Lanczos and Hamming filters, drawn
  at sub-pixel offsets): a further render of the same scene (allowed); the
  same with a word swapped or the button recoloured (visible).

Then, for the calibration corpus, whether any pair labelled *visible* starts
passing with moves allowed, or against its expected image plus an invisible
variant of it (every code ±1).

Prints one table per feature: cases, false alarms without the feature, with
it, and visible changes that pass with it (which must be 0 except where the
feature's purpose is to let them pass, said in the line).  About 2 minutes::

    python calibration/regions/evaluate_features.py [--seeds 0 1 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image as PILImage, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import make_corpus as mc  # noqa: E402

import perceptdiff  # noqa: E402

#: (name, label "allowed"/"visible", () -> (expected, actual), compare options with the feature)
Case = tuple[str, str, Callable[[], tuple[np.ndarray, np.ndarray]], dict[str, Any]]

#: Where the clock is drawn on the UI scene (toolbar, right), and the region rule that hides it.
CLOCK_XY = (404, 8)
CLOCK_RULE = "398,4,60,22:ignore"


def passes(a: np.ndarray, b: np.ndarray, **kw: Any) -> bool:
    return perceptdiff.compare(a, b, **kw).passed


def card_page(x: int, y: int, w: int, h: int) -> np.ndarray:
    im = PILImage.new("RGB", (480, 320), (246, 247, 249))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((x, y, x + w, y + h), radius=6, fill=(255, 255, 255), outline=(210, 214, 220))
    d.text((x + 8, y + 6), "Card", font=mc.font(14), fill=(40, 40, 40))
    d.rectangle((x + 8, y + h - 14, x + w - 8, y + h - 8), fill=(45, 127, 249))
    return np.asarray(im)


def with_clock(img: np.ndarray, text: str) -> np.ndarray:
    im = PILImage.fromarray(np.ascontiguousarray(img))
    ImageDraw.Draw(im).text(CLOCK_XY, text, font=mc.font(16), fill=(250, 250, 250))
    return np.asarray(im)


def move_cases(seeds: Sequence[int]) -> list[Case]:
    kw: dict[str, Any] = {"max_shift": 8, "allow_shift": True}
    cases: list[Case] = []
    for s in seeds:
        base = mc.ui_scene(s)
        for dx in (1, 2, 3, 5):
            moved = mc.ui_scene(s, button_dx=dx)
            cases.append((f"ui{s} button +{dx}px", "allowed", lambda a=base, b=moved: (a, b), kw))
        recol = mc.ui_scene(s, button_dx=3, button_colour=mc.ui_button_colour(s, 5.0))
        cases.append((f"ui{s} button +3px and recoloured", "visible", lambda a=base, b=recol: (a, b), kw))
    for w, h in ((40, 30), (120, 60), (260, 160)):
        for d in ((3, 0), (0, 4), (5, 5)):
            a, b = card_page(60, 60, w, h), card_page(60 + d[0], 60 + d[1], w, h)
            cases.append((f"card {w}x{h} moved {d}", "allowed", lambda a=a, b=b: (a, b), kw))
    return cases


def scroll_cases(seeds: Sequence[int]) -> list[Any]:
    kw = {"max_shift": 8, "allow_shift": True}
    out = []
    for s in seeds:
        tall = np.concatenate([mc.ui_scene(s), mc.ui_scene(s + 10)], axis=0)
        exp = tall[:320]
        for d in (1, 2, 4):
            out.append((f"ui{s} scrolled {d}px", "allowed", lambda a=exp, b=tall[d:320 + d]: (a, b), kw))
        edited = mc.ui_scene(s, word_swap=True)
        tall_e = np.concatenate([edited, mc.ui_scene(s + 10)], axis=0)
        out.append((f"ui{s} scrolled 2px, a word swapped", "visible",
                    lambda a=exp, b=tall_e[2:322]: (a, b), kw))
    return out


def mask_cases(seeds: Sequence[int]) -> list[Any]:
    kw = {"regions": [CLOCK_RULE]}
    out = []
    for s in seeds:
        base = mc.ui_scene(s)
        for t in ("12:35", "12:41", "09:07"):
            out.append((f"ui{s} clock 12:34 -> {t}", "allowed",
                        lambda a=with_clock(base, "12:34"), b=with_clock(base, t): (a, b), kw))
        other = mc.ui_scene(s, button_colour=mc.ui_button_colour(s, 5.0))
        out.append((f"ui{s} clock changed and button recoloured", "visible",
                    lambda a=with_clock(base, "12:34"), b=with_clock(other, "12:35"): (a, b), kw))
    return out


JITTER = ({"text_mode": "2x-box"}, {"text_mode": "2x-lanczos", "offset": (0.25, 0.0)},
          {"text_mode": "2x-hamming", "offset": (0.0, 0.25)})


def variant_cases(seeds: Sequence[int]) -> list[Any]:
    out = []
    for s in seeds:
        variants = [mc.ui_scene(s, **j) for j in JITTER]
        for j in ({"text_mode": "2x-bilinear"}, {"text_mode": "2x-box", "offset": (0.25, 0.25)},
                  {"text_mode": "2x-lanczos", "offset": (0.5, 0.0)}, {"text_mode": "direct"}):
            out.append((f"ui{s} render {j}", "allowed", variants, mc.ui_scene(s, **j)))
        for j in ({"text_mode": "2x-box", "word_swap": True},
                  {"text_mode": "2x-lanczos", "button_colour": mc.ui_button_colour(s, 5.0)},
                  {"text_mode": "2x-box", "drop_icon": True}):
            out.append((f"ui{s} render {j}", "visible", variants, mc.ui_scene(s, **j)))
    return out


def run_pairs(title: str, cases: list[Any]) -> dict[str, Any]:
    rows = []
    for name, label, make, kw in cases:
        a, b = make()
        rows.append({"case": name, "label": label, "without": passes(a, b), "with": passes(a, b, **kw)})
    return summarise(title, rows)


def run_variants(cases: list[Any]) -> dict[str, Any]:
    rows = []
    for name, label, variants, actual in cases:
        rows.append({"case": name, "label": label, "without": passes(variants[0], actual),
                     "with": perceptdiff.compare_variants(variants, actual).passed})
    return summarise("variants (3 approved renders with font jitter)", rows)


def summarise(title: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    allowed = [r for r in rows if r["label"] == "allowed"]
    visible = [r for r in rows if r["label"] == "visible"]
    fa_without = sum(not r["without"] for r in allowed)
    fa_with = sum(not r["with"] for r in allowed)
    leaked = [r["case"] for r in visible if r["with"]]
    print(f"\n{title}")
    print(f"  allowed changes: {len(allowed)}; false alarms without the feature {fa_without}, "
          f"with it {fa_with} (removed {fa_without - fa_with})")
    print(f"  visible changes: {len(visible)}; passing without {sum(r['without'] for r in visible)}, "
          f"with the feature {len(leaked)}" + (f": {', '.join(leaked)}" if leaked else ""))
    for r in rows:
        if (r["label"] == "allowed" and not r["with"]) or (r["label"] == "visible" and r["with"]):
            print(f"    {'still alarms' if r['label'] == 'allowed' else 'LEAKS'}: {r['case']}")
    return {"title": title, "rows": rows, "false_alarms_without": fa_without, "false_alarms_with": fa_with,
            "visible_passing_with": leaked}


def corpus_check(corpus: str) -> dict[str, Any]:
    """Visible corpus pairs that pass with moves allowed, or against expected + an invisible variant."""
    with open(os.path.join(corpus, "labels.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    pairs = meta["pairs"] if "pairs" in meta else meta
    visible = {k: v for k, v in pairs.items() if v.get("label") == "visible"}
    moved_pass, variant_pass = [], []
    for name, lab in sorted(visible.items()):
        exp = np.asarray(PILImage.open(os.path.join(corpus, lab["expected"])).convert("RGB"))
        act = np.asarray(PILImage.open(os.path.join(corpus, lab["actual"])).convert("RGB"))
        if perceptdiff.compare(exp, act, max_shift=8, allow_shift=True).passed:
            moved_pass.append(f"{name} ({lab.get('change')})")
        if perceptdiff.compare_variants([exp, mc.plus_minus_one(exp, 7)], act).passed:
            variant_pass.append(name)
    print(f"\ncorpus ({corpus}): {len(visible)} pairs labelled visible")
    print(f"  passing with --max-shift 8 --allow-shift: {len(moved_pass)}"
          + (f": {', '.join(moved_pass)}" if moved_pass else ""))
    print(f"  passing against [expected, expected ±1 code]: {len(variant_pass)}"
          + (f": {', '.join(variant_pass)}" if variant_pass else ""))
    return {"visible": len(visible), "moves_allowed_pass": moved_pass, "variants_pass": variant_pass}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--corpus", default=os.path.join(os.path.dirname(HERE), "out", "corpus"))
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    if not os.path.exists(os.path.join(args.corpus, "labels.json")):
        mc.write_corpus(args.corpus)
    report = {
        "moves": run_pairs("moves (--max-shift 8 --allow-shift)", move_cases(args.seeds)),
        "scrolls": run_pairs("scrolls (--max-shift 8 --allow-shift)", scroll_cases(args.seeds)),
        "masks": run_pairs(f"masks (--region {CLOCK_RULE})", mask_cases(args.seeds)),
        "variants": run_variants(variant_cases(args.seeds)),
        "corpus": corpus_check(args.corpus),
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

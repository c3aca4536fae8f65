"""Label the cross-machine corpus and write ``manifest.json``.

Labels
------
* ``changed`` (must fail): a twin, whose second side was drawn from the content
  with one real change (plan.ChangeKind) -- by construction, and checked by eye.
* ``same`` (must pass): a base pair, the same content drawn under the two
  settings of a jitter kind, whose layout check finds every inked tile within
  ``LAYOUT_LIMIT_PX`` of its counterpart and in which the eye sees the same
  words, shapes, colours and layout.
* ``borderline`` (not scored): a base pair whose layout moves by more than
  ``LAYOUT_LIMIT_PX`` or whose glyphs differ in choice (review.py says which,
  and why), and the twins of such a base pair (their jitter is not clean).

Usage::

    python calibration/crossmachine/label.py sheets [--only SUBSTR ...]   # side-by-side sheets to look at
    python calibration/crossmachine/label.py boards [--only SUBSTR ...]   # 3x crops at each change, 8 pairs a board
    python calibration/crossmachine/label.py write                         # layout check + review -> manifest.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import layout  # noqa: E402
import plan  # noqa: E402
import review  # noqa: E402
from render import DEFAULT_OUT, image_path  # noqa: E402

MANIFEST = HERE / "manifest.json"
MANIFEST_VERSION = 1

#: A jitter that moves inked tiles further than this is a reflow, not jitter ...
LAYOUT_LIMIT_PX = 2
#: ... when at least this many tiles move that far.  One far tile alone was, on
#: every sheet looked at, an ambiguous match (a tile crossed by one gridline or
#: rule matches at many shifts), not a moved element.
LAYOUT_FAR_TILES = 2

#: Magnification of the crops on a review sheet.
ZOOM = 4
CROP = (110, 60)   # (w, h) of each magnified crop, in source pixels


def load(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


# --------------------------------------------------------------------------- review sheets
def _crop_centres(a: np.ndarray, b: np.ndarray, n: int = 2) -> list[tuple[int, int]]:
    """Centres of the n largest blurred differences (spread apart)."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2).astype(np.float32)
    d = ndimage.uniform_filter(d, 15)
    out = []
    for _ in range(n):
        if d.max() <= 0:
            break
        y, x = np.unravel_index(int(np.argmax(d)), d.shape)
        out.append((int(y), int(x)))
        d[max(0, y - 60):y + 60, max(0, x - 100):x + 100] = 0
    return out or [(a.shape[0] // 2, a.shape[1] // 2)]


def sheet(a: np.ndarray, b: np.ndarray, check: layout.LayoutCheck | None, title: str) -> Image.Image:
    """A | B | amplified difference at 1:1, layout tiles marked; magnified crops below."""
    if a.shape != b.shape:   # show what there is: both on the larger white canvas
        hh, ww = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
        a, b = (np.pad(x, ((0, hh - x.shape[0]), (0, ww - x.shape[1]), (0, 0)), constant_values=255) for x in (a, b))
    h, w = a.shape[:2]
    d = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)
    diff = Image.fromarray((255 - np.clip(d * 3, 0, 255)).astype(np.uint8)).convert("RGB")
    dd = ImageDraw.Draw(diff)
    if check is not None:
        for y, x, dy, dx, matched in check.tiles:
            r = max(abs(dy), abs(dx))
            if not matched:
                dd.rectangle([x, y, x + layout.TILE_PX - 1, y + layout.TILE_PX - 1], outline=(200, 0, 200))
            elif r > LAYOUT_LIMIT_PX:
                dd.rectangle([x, y, x + layout.TILE_PX - 1, y + layout.TILE_PX - 1], outline=(230, 0, 0))
            elif r > 0:
                dd.rectangle([x + 2, y + 2, x + layout.TILE_PX - 3, y + layout.TILE_PX - 3], outline=(240, 190, 0))
    cw, ch = CROP
    centres = _crop_centres(a, b)
    rows_h = ch * ZOOM * len(centres)
    out = Image.new("RGB", (max(3 * w + 20, 2 * cw * ZOOM + 10), h + 24 + rows_h + 10 * len(centres)), "white")
    draw = ImageDraw.Draw(out)
    draw.text((4, 4), title, fill=(0, 0, 0))
    for i, im in enumerate((Image.fromarray(a), Image.fromarray(b), diff)):
        out.paste(im, (i * (w + 10), 20))
    y0 = h + 24
    for cy, cx in centres:
        x1 = int(np.clip(cx - cw // 2, 0, max(0, w - cw)))
        y1 = int(np.clip(cy - ch // 2, 0, max(0, h - ch)))
        for i, arr in enumerate((a, b)):
            crop = Image.fromarray(arr[y1:y1 + ch, x1:x1 + cw]).resize((cw * ZOOM, ch * ZOOM), Image.Resampling.NEAREST)
            out.paste(crop, (i * (cw * ZOOM + 10), y0))
        y0 += ch * ZOOM + 10
    return out


def _focus(p: plan.Pair, out: Path, a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Where to look: for a twin, where its change is (B changed vs B unchanged, one renderer);
    for a base pair, its largest difference."""
    if p.change is not None:
        base_b = image_path(out, plan.Side(p.content, p.b.setting))
        if base_b.exists():
            bb = load(base_b)
            if bb.shape == b.shape and not np.array_equal(bb, b):
                return _crop_centres(bb, b, 1)[0]
    return _crop_centres(a, b, 1)[0]


def make_boards(out: Path, only: list[str] | None, per_board: int = 8, zoom: int = 3) -> int:
    """Review boards: per pair one row, A | B crops magnified around the change (or the largest jitter)."""
    cw, ch = 150, 44
    rows = []
    for p in plan.pairs():
        if only and not any(s in p.id for s in only):
            continue
        a, b = load(image_path(out, p.a)), load(image_path(out, p.b))
        if a.shape != b.shape:
            continue
        cy, cx = _focus(p, out, a, b)
        h, w = a.shape[:2]
        x1 = int(np.clip(cx - cw // 2, 0, max(0, w - cw)))
        y1 = int(np.clip(cy - ch // 2, 0, max(0, h - ch)))
        row = Image.new("RGB", (2 * cw * zoom + 10, ch * zoom + 14), "white")
        ImageDraw.Draw(row).text((2, 0), p.id, fill=(0, 0, 160))
        for i, arr in enumerate((a, b)):
            crop = Image.fromarray(arr[y1:y1 + ch, x1:x1 + cw]).resize((cw * zoom, ch * zoom), Image.Resampling.NEAREST)
            row.paste(crop, (i * (cw * zoom + 10), 12))
        rows.append(row)
    dest = out / "boards"
    dest.mkdir(parents=True, exist_ok=True)
    for k in range(0, len(rows), per_board):
        chunk = rows[k:k + per_board]
        board = Image.new("RGB", (chunk[0].width, sum(r.height + 6 for r in chunk)), (200, 200, 200))
        y = 0
        for r in chunk:
            board.paste(r, (0, y))
            y += r.height + 6
        board.save(dest / f"board-{k // per_board:03d}.png")
    print(f"label: {len(rows)} pairs on {(len(rows) + per_board - 1) // per_board} boards in {dest}")
    return len(rows)


def make_sheets(out: Path, only: list[str] | None) -> int:
    n = 0
    for p in plan.pairs():
        if only and not any(s in p.id for s in only):
            continue
        pa, pb = image_path(out, p.a), image_path(out, p.b)
        if not (pa.exists() and pb.exists()):
            continue
        a, b = load(pa), load(pb)
        chk = layout.check(a, b) if a.shape == b.shape else None
        dest = out / "sheets" / (p.id.replace("/", "__") + ".png")
        dest.parent.mkdir(parents=True, exist_ok=True)
        info = "" if chk is None else f"  max shift {chk.max_shift_px} px, unmatched {chk.unmatched_tiles}"
        sheet(a, b, chk, f"{p.id}  [{p.a.setting} | {p.b.setting}]{info}").save(dest)
        n += 1
    print(f"label: {n} sheets in {out / 'sheets'}")
    return n


# --------------------------------------------------------------------------- manifest
def decide(pair: plan.Pair, base_check: dict | None) -> tuple[str, str]:
    """(label, basis) of one pair from the layout check of its base pair and the review notes."""
    base_id = f"{pair.content}/{pair.jitter}/same"
    note = review.BORDERLINE.get(base_id)
    if base_check is None:
        raise RuntimeError(f"no layout check for {base_id}: render the corpus first")
    reflow = base_check["far_tiles"] >= LAYOUT_FAR_TILES or base_check["size_differs"]
    if pair.change is None:
        if note:
            return "borderline", f"review: {note}"
        if reflow:
            return "borderline", (f"layout check: {base_check['far_tiles']} tiles move more than "
                                  f"{LAYOUT_LIMIT_PX} px (up to {base_check['max_shift_px']} px)")
        return "same", (f"same content; layout check: max shift {base_check['max_shift_px']} px; "
                        f"{review.LOOKED_BASIS}")
    if note or reflow:
        why = f"review: {note}" if note else f"layout check: {base_check['far_tiles']} tiles of the base move > {LAYOUT_LIMIT_PX} px"
        return "borderline", f"twin of a borderline base pair ({why})"
    return "changed", f"{plan.CHANGE_NOTES[plan.ChangeKind(pair.change)]} (constructed; {review.LOOKED_BASIS})"


def write_manifest(out: Path) -> dict:
    pairs = plan.pairs()
    checks: dict[str, dict] = {}
    for p in pairs:
        if p.change is not None:
            continue
        a, b = load(image_path(out, p.a)), load(image_path(out, p.b))
        if a.shape != b.shape:
            checks[p.id] = {"max_shift_px": 0, "size_differs": True, "unmatched_tiles": 0,
                            "shifted_tiles": 0, "far_tiles": 0, "inked_tiles": 0}
            continue
        checks[p.id] = dict(layout.check(a, b).to_dict(), size_differs=False)
    entries: list[dict[str, Any]] = []
    for p in pairs:
        base = checks.get(f"{p.content}/{p.jitter}/same")
        label, basis = decide(p, base)
        jit = plan.JITTERS[p.jitter]
        entries.append({
            "id": p.id, "content": p.content, "template": p.template, "family": p.family.value,
            "split": p.split, "jitter": p.jitter, "change": p.change, "label": label, "basis": basis,
            "a": {"setting": p.a.setting, "change": p.a.change, "image": str(image_path(Path(), p.a))},
            "b": {"setting": p.b.setting, "change": p.b.change, "image": str(image_path(Path(), p.b))},
            "layout": base if p.change is None else None,
            "jitter_note": jit.note,
        })
    manifest = {
        "version": MANIFEST_VERSION,
        "about": "cross-machine corpus of perceptdiff: labelled pairs of real renders (images made by render.py)",
        "layout_limit_px": LAYOUT_LIMIT_PX,
        "layout_far_tiles": LAYOUT_FAR_TILES,
        "labels": {"same": "must pass", "changed": "must fail", "borderline": "not scored"},
        "jitters": {k: {"family": j.family.value, "a": j.a, "b": j.b, "note": j.note} for k, j in plan.JITTERS.items()},
        "changes": {k.value: v for k, v in plan.CHANGE_NOTES.items()},
        "settings": {k: s.to_dict() for k, s in plan.SETTINGS.items()},
        "pairs": entries,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["label"]] = counts.get(e["label"], 0) + 1
    print(f"label: {len(entries)} pairs -> {MANIFEST.name}: {counts}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="label the cross-machine corpus")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sheets")
    s.add_argument("--out", type=Path, default=DEFAULT_OUT)
    s.add_argument("--only", nargs="*")
    bo = sub.add_parser("boards")
    bo.add_argument("--out", type=Path, default=DEFAULT_OUT)
    bo.add_argument("--only", nargs="*")
    w = sub.add_parser("write")
    w.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.cmd == "sheets":
        make_sheets(args.out, args.only)
    elif args.cmd == "boards":
        make_boards(args.out, args.only)
    else:
        write_manifest(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

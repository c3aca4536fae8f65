"""The benchmark's image pairs: deterministic UI-like screenshots.

``python benchmarks/pairs.py DIR [--only 1080p|4k|identical ...]`` writes the
pairs into DIR and prints ``{case: [expected, actual]}`` as JSON.  bench.py
runs it as a child process so that the measuring process stays small (on
Linux a child's ``ru_maxrss`` starts from its parent's peak at fork time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

CASES = ("1080p", "4k", "identical")


WORDS = ("settings account profile update export import preview layout window display "
         "network storage project version release history filter search report status "
         "review module render canvas shadow colour border margin padding server client "
         "invoice payment order item total amount").split()


def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size=size)
    except Exception:  # Pillow without FreeType
        return ImageFont.load_default()


def _vgradient(h: int, w: int, c0: Sequence[int], c1: Sequence[int]) -> np.ndarray:
    t = (np.arange(h, dtype=np.float32) + 0.5) / h
    col = np.asarray(c0, np.float32) + (np.asarray(c1, np.float32) - np.asarray(c0, np.float32)) * t[:, None]
    return np.broadcast_to(np.round(col)[:, None, :], (h, w, 3)).astype(np.uint8)


def ui_screenshot(width: int, height: int, seed: int = 0) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A deterministic application-window screenshot.

    Returns the RGB image and the box (x, y, w, h) of the badge that the
    *actual* image recolours.
    """
    k = max(1, round(height / 1080))
    rng = np.random.default_rng(seed)
    img = np.empty((height, width, 3), np.uint8)
    img[...] = (245, 246, 248)
    top, side = 56 * k, 260 * k
    img[:top] = _vgradient(top, width, (60, 74, 92), (46, 58, 73))
    img[top:, :side] = _vgradient(height - top, side, (238, 242, 247), (217, 224, 234))
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    f_small, f_text, f_title = _font(12 * k), _font(14 * k), _font(20 * k)
    palette = [(45, 127, 249), (31, 157, 85), (142, 68, 173), (211, 84, 0), (214, 39, 40)]
    # toolbar icons and title
    for i in range(10):
        x = 16 * k + 36 * k * i
        shape = i % 3
        box = [x, 16 * k, x + 22 * k, 38 * k]
        if shape == 0:
            d.ellipse(box, fill=(232, 237, 243))
        elif shape == 1:
            d.rounded_rectangle(box, radius=4 * k, fill=(232, 237, 243))
        else:
            d.polygon([(x + 11 * k, 14 * k), (x + 22 * k, 40 * k), (x, 40 * k)], fill=(232, 237, 243))
    d.text((width - 220 * k, 18 * k), "Signed in as reviewer", font=f_text, fill=(232, 237, 243))
    # sidebar menu
    sel = int(rng.integers(0, 14))
    for i in range(14):
        y = top + 20 * k + 38 * k * i
        label = str(rng.choice(WORDS)).capitalize() + " " + str(rng.choice(WORDS))
        if i == sel:
            d.rounded_rectangle([10 * k, y - 8 * k, side - 10 * k, y + 26 * k], radius=6 * k,
                                fill=palette[0])
            d.text((26 * k, y), label, font=f_text, fill=(255, 255, 255))
        else:
            d.text((26 * k, y), label, font=f_text, fill=(58, 70, 86))
    d.line([(side, top), (side, height)], fill=(200, 208, 218), width=k)
    # cards
    badge = None
    gap, ch = 24 * k, 300 * k
    cw = (width - side - 5 * gap) // 4  # four columns of cards
    y = top + gap
    row = 0
    while y + ch <= height - gap:
        x = side + gap
        col = 0
        while x + cw <= width - gap:
            d.rounded_rectangle([x, y, x + cw, y + ch], radius=8 * k, fill=(255, 255, 255),
                                outline=(221, 225, 231), width=k)
            title = " ".join(rng.choice(WORDS, size=2)).title()
            d.text((x + 20 * k, y + 16 * k), title, font=f_title, fill=(34, 34, 34))
            for j in range(4):
                words = " ".join(rng.choice(WORDS, size=int(rng.integers(3, 6))))
                d.text((x + 20 * k, y + 56 * k + 22 * k * j), words, font=f_text, fill=(51, 51, 51))
            d.line([(x + 20 * k, y + 150 * k), (x + cw - 20 * k, y + 150 * k)], fill=(207, 212, 218),
                   width=k)
            # mini bar chart with a line series
            base = y + ch - 24 * k
            n = 8
            vals = rng.uniform(0.2, 1.0, n)
            bw = (cw - 160 * k) // n
            pts = []
            for b_i, v in enumerate(vals):
                bx = x + 20 * k + b_i * bw
                d.rectangle([bx + 3 * k, base - int(v * 100 * k), bx + bw - 3 * k, base],
                            fill=palette[(row + col) % len(palette)])
                pts.append((bx + bw // 2, base - int(rng.uniform(0.2, 1.0) * 100 * k)))
            d.line(pts, fill=(214, 39, 40), width=2 * k, joint="curve")
            for px, py in pts:
                d.ellipse([px - 3 * k, py - 3 * k, px + 3 * k, py + 3 * k], fill=(214, 39, 40))
            # status badge (40x16 at 1080p) and button
            bxy = (x + cw - 120 * k, y + 170 * k)
            d.rectangle([bxy[0], bxy[1], bxy[0] + 40 * k - 1, bxy[1] + 16 * k - 1], fill=(31, 157, 85))
            d.text((bxy[0] + 6 * k, bxy[1] + 2 * k), "ok", font=f_small, fill=(255, 255, 255))
            if badge is None and row == 1 and col == 1:
                badge = (bxy[0], bxy[1], 40 * k, 16 * k)
            d.rounded_rectangle([x + cw - 120 * k, y + ch - 60 * k, x + cw - 20 * k, y + ch - 28 * k],
                                radius=5 * k, fill=palette[0])
            d.text((x + cw - 96 * k, y + ch - 52 * k), "Open", font=f_text, fill=(255, 255, 255))
            x += cw + gap
            col += 1
        y += ch + gap
        row += 1
    out = np.asarray(pil).copy()
    if badge is None:
        badge = (side + 200 * k, top + 200 * k, 40 * k, 16 * k)
    return out, badge


def noisy_with_change(img: np.ndarray, badge: tuple[int, int, int, int], seed: int = 1) -> np.ndarray:
    """+-1 code on every channel of every pixel, and the badge recoloured."""
    rng = np.random.default_rng(seed)
    d = np.where(rng.random(img.shape, dtype=np.float32) < 0.5, -1, 1).astype(np.int16)
    v = img.astype(np.int16) + d
    v = np.where((v < 0) | (v > 255), img.astype(np.int16) - d, v).astype(np.uint8)
    x, y, w, h = badge
    v[y:y + h, x:x + w] = (214, 39, 40)
    return v


def write_png(path: str, img: np.ndarray, level: int = 6) -> None:
    Image.fromarray(img).save(path, "PNG", compress_level=level)


def make_pairs(folder: str, which: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Write the benchmark pairs into ``folder``; returns case -> (expected, actual)."""
    os.makedirs(folder, exist_ok=True)
    pairs: dict[str, tuple[str, str]] = {}
    if {"1080p", "identical"} & set(which):
        base, badge = ui_screenshot(1920, 1080)
        e = os.path.join(folder, "1080p_expected.png")
        write_png(e, base)
        if "1080p" in which:
            a = os.path.join(folder, "1080p_actual.png")
            write_png(a, noisy_with_change(base, badge))
            pairs["1080p noise+local"] = (e, a)
        if "identical" in which:
            c = os.path.join(folder, "1080p_copy.png")
            shutil.copyfile(e, c)
            pairs["1080p bit-identical"] = (e, c)
            r = os.path.join(folder, "1080p_reencoded.png")
            write_png(r, base, level=1)
            pairs["1080p same pixels, other bytes"] = (e, r)
    if "4k" in which:
        base, badge = ui_screenshot(3840, 2160)
        e = os.path.join(folder, "4k_expected.png")
        a = os.path.join(folder, "4k_actual.png")
        write_png(e, base)
        write_png(a, noisy_with_change(base, badge))
        pairs["4K noise+local"] = (e, a)
    return pairs


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="write the benchmark pairs")
    p.add_argument("folder")
    p.add_argument("--only", action="append", choices=CASES)
    args = p.parse_args(argv)
    print(json.dumps(make_pairs(args.folder, args.only or list(CASES))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

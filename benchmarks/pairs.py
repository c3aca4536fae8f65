"""The benchmark's image pairs: deterministic UI-like screenshots and photo-like frames.

``python benchmarks/pairs.py DIR [--only GROUP ...]`` writes the pairs into
DIR and prints ``{case: {"kind", "expected", "actual", "pairs"}}`` as JSON
(the groups and case names are in names.py; a folder case gives two
folders).  bench.py runs it as a child process so that the measuring process
stays small (on Linux a child's ``ru_maxrss`` starts from its parent's peak
at fork time).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

import names as N

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
    badge = first_badge = None
    gap, ch = 24 * k, 300 * k
    cols = max(1, (width - side) // (400 * k))  # four columns at 1080p, 4K and 8K; one at 800x600
    cw = (width - side - (cols + 1) * gap) // cols
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
            here = (bxy[0], bxy[1], 40 * k, 16 * k)
            first_badge = first_badge or here
            if badge is None and row == 1 and col == 1:
                badge = here
            d.rounded_rectangle([x + cw - 120 * k, y + ch - 60 * k, x + cw - 20 * k, y + ch - 28 * k],
                                radius=5 * k, fill=palette[0])
            d.text((x + cw - 96 * k, y + ch - 52 * k), "Open", font=f_text, fill=(255, 255, 255))
            x += cw + gap
            col += 1
        y += ch + gap
        row += 1
    out = np.asarray(pil).copy()
    if badge is None:  # fewer than two rows of cards (UI-sized frames): the first card's badge
        badge = first_badge or (side + 200 * k, top + 200 * k, 40 * k, 16 * k)
    return out, badge


#: The badge's new colour: red instead of green, a change anyone sees.
CHANGED_BADGE = (214, 39, 40)
#: JPEG quality of the full-frame change: blocking and ringing visible over the whole frame.
FULLFRAME_JPEG_QUALITY = 20
#: The folder's mix (issue 10 item 6): pair ``i`` is a local change when ``i % 10`` is 9, noise
#: only when it is 7 or 8, and otherwise the same pixels saved at another PNG compression level.
FOLDER_PAIRS = 500
FOLDER_SIZE = (800, 600)
FOLDER_NOISE, FOLDER_LOCAL = (7, 8), (9,)
#: The smallest frame ``make_pairs(scale=...)`` makes: ui_screenshot lays out one card in it.
MIN_SIZE = (640, 480)
#: PNG compression levels: the expected files at Pillow's default, the "other bytes" at the fastest.
LEVEL_EXPECTED, LEVEL_OTHER = 6, 1


def noisy(img: np.ndarray, seed: int = 1) -> np.ndarray:
    """+-1 code on every channel of every pixel (reflected at 0 and 255, so every sample moves)."""
    rng = np.random.default_rng(seed)
    d = np.where(rng.random(img.shape, dtype=np.float32) < 0.5, -1, 1).astype(np.int16)
    v = img.astype(np.int16) + d
    return np.where((v < 0) | (v > 255), img.astype(np.int16) - d, v).astype(np.uint8)


def with_change(img: np.ndarray, badge: tuple[int, int, int, int]) -> np.ndarray:
    """A copy of ``img`` with the badge recoloured."""
    out = img.copy()
    x, y, w, h = badge
    out[y:y + h, x:x + w] = CHANGED_BADGE
    return out


def noisy_with_change(img: np.ndarray, badge: tuple[int, int, int, int], seed: int = 1) -> np.ndarray:
    """+-1 code on every channel of every pixel, and the badge recoloured."""
    return with_change(noisy(img, seed), badge)


def photo_like(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A deterministic photo-like RGB frame: 1/f-like colour texture under soft-edged shapes.

    Octaves of bicubically upsampled Gaussian noise, each with an amplitude
    proportional to its scale (a roughly 1/f spectrum, as in natural images),
    then ellipses and rectangles of random colours blurred by 1.5 px.
    """
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), np.float32)
    scale = max(4, min(width, height) // 4)
    while scale >= 2:
        coarse = rng.standard_normal((height // scale + 2, width // scale + 2, 3)).astype(np.float32)
        for c in range(3):
            up = Image.fromarray(coarse[..., c], mode="F").resize(
                ((width // scale + 2) * scale, (height // scale + 2) * scale), Image.BICUBIC)
            acc[..., c] += np.asarray(up)[:height, :width] * scale
        scale //= 2
    acc -= acc.min()
    acc *= 255.0 / max(float(acc.max()), 1e-6)
    pil = Image.fromarray(acc.astype(np.uint8))
    d = ImageDraw.Draw(pil)
    for _ in range(40):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.02, 0.12) * min(width, height)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        box = [cx - r, cy - r * rng.uniform(0.4, 1.0), cx + r, cy + r * rng.uniform(0.4, 1.0)]
        (d.ellipse if rng.random() < 0.6 else d.rectangle)(box, fill=colour)
    return np.asarray(pil.filter(ImageFilter.GaussianBlur(1.5))).copy()


def jpeg_reencoded(img: np.ndarray, quality: int = FULLFRAME_JPEG_QUALITY) -> np.ndarray:
    """``img`` after a round trip through JPEG at ``quality`` (decoded back to RGB)."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB")).copy()


def write_png(path: str, img: np.ndarray, level: int = LEVEL_EXPECTED) -> None:
    Image.fromarray(img).save(path, "PNG", compress_level=level)


def folder_kind(i: int) -> str:
    """What pair ``i`` of the folder is: "other bytes", "noise" or "local"."""
    if i % 10 in FOLDER_LOCAL:
        return "local"
    if i % 10 in FOLDER_NOISE:
        return "noise"
    return "other bytes"


def make_folder(folder: str, n: int = FOLDER_PAIRS, size: tuple[int, int] = FOLDER_SIZE) -> dict[str, int]:
    """Write ``n`` UI pairs into ``folder``/expected and ``folder``/actual; returns the count of each kind.

    Every pair is its own screenshot (seed ``i``), so no two pairs share content.
    """
    counts: dict[str, int] = {}
    for sub in ("expected", "actual"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    for i in range(n):
        base, badge = ui_screenshot(size[0], size[1], seed=i)
        kind = folder_kind(i)
        name = f"screen_{i:04d}.png"
        write_png(os.path.join(folder, "expected", name), base)
        if kind == "local":
            write_png(os.path.join(folder, "actual", name), with_change(base, badge))
        elif kind == "noise":
            write_png(os.path.join(folder, "actual", name), noisy(base, seed=i + 1))
        else:
            write_png(os.path.join(folder, "actual", name), base, level=LEVEL_OTHER)
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _case(kind: str, expected: str, actual: str, pairs: int = 1) -> dict[str, Any]:
    return {"kind": kind, "expected": expected, "actual": actual, "pairs": pairs}


def make_pairs(folder: str, which: Sequence[str], folder_pairs: int = FOLDER_PAIRS,
               scale: float = 1.0) -> dict[str, dict[str, Any]]:
    """Write the benchmark pairs into ``folder``; returns case -> {kind, expected, actual, pairs}.

    ``scale`` shrinks every frame (the tests use it to make the same cases tiny).
    """
    os.makedirs(folder, exist_ok=True)
    out: dict[str, dict[str, Any]] = {}

    def size(w: int, h: int) -> tuple[int, int]:
        return max(MIN_SIZE[0], round(w * scale)), max(MIN_SIZE[1], round(h * scale))

    def path(name: str) -> str:
        return os.path.join(folder, name)

    if {N.GROUP_1080P, N.GROUP_IDENTICAL} & set(which):
        base, badge = ui_screenshot(*size(1920, 1080))
        e = path("1080p_expected.png")
        write_png(e, base)
        if N.GROUP_1080P in which:
            write_png(path("1080p_actual.png"), noisy_with_change(base, badge))
            out[N.NOISE_1080P] = _case(N.KIND_PAIR, e, path("1080p_actual.png"))
        if N.GROUP_IDENTICAL in which:
            shutil.copyfile(e, path("1080p_copy.png"))
            out[N.IDENTICAL_1080P] = _case(N.KIND_PAIR, e, path("1080p_copy.png"))
            write_png(path("1080p_reencoded.png"), base, level=LEVEL_OTHER)
            out[N.OTHER_BYTES_1080P] = _case(N.KIND_PAIR, e, path("1080p_reencoded.png"))
    if N.GROUP_4K in which:
        base, badge = ui_screenshot(*size(3840, 2160))
        write_png(path("4k_expected.png"), base)
        write_png(path("4k_actual.png"), noisy_with_change(base, badge))
        out[N.NOISE_4K] = _case(N.KIND_PAIR, path("4k_expected.png"), path("4k_actual.png"))
    if N.GROUP_FULLFRAME in which:
        for case, (w, h), tag in ((N.FULLFRAME_1080P, (1920, 1080), "1080p"),
                                  (N.FULLFRAME_4K, (3840, 2160), "4k")):
            base = photo_like(*size(w, h))
            write_png(path(f"{tag}_photo.png"), base)
            write_png(path(f"{tag}_photo_jpeg.png"), jpeg_reencoded(base))
            out[case] = _case(N.KIND_PAIR, path(f"{tag}_photo.png"), path(f"{tag}_photo_jpeg.png"))
    if N.GROUP_FOLDER in which:
        counts = make_folder(path("folder"), n=folder_pairs, size=size(*FOLDER_SIZE))
        out[N.FOLDER] = _case(N.KIND_FOLDER, path("folder/expected"), path("folder/actual"),
                              pairs=sum(counts.values()))
    if N.GROUP_INPROCESS in which:
        base, badge = ui_screenshot(*size(*FOLDER_SIZE), seed=FOLDER_PAIRS)
        write_png(path("ui_expected.png"), base)
        write_png(path("ui_local.png"), with_change(base, badge))
        write_png(path("ui_noise.png"), noisy(base))
        out[N.INPROCESS_LOCAL] = _case(N.KIND_INPROCESS, path("ui_expected.png"), path("ui_local.png"))
        out[N.INPROCESS_NOISE] = _case(N.KIND_INPROCESS, path("ui_expected.png"), path("ui_noise.png"))
    if N.GROUP_8K in which:
        base, badge = ui_screenshot(*size(7680, 4320))
        write_png(path("8k_expected.png"), base, level=LEVEL_OTHER)
        write_png(path("8k_actual.png"), noisy_with_change(base, badge), level=LEVEL_OTHER)
        out[N.NOISE_8K] = _case(N.KIND_MEMORY, path("8k_expected.png"), path("8k_actual.png"))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="write the benchmark pairs")
    p.add_argument("folder")
    p.add_argument("--only", action="append", choices=N.GROUPS)
    p.add_argument("--folder-pairs", type=int, default=FOLDER_PAIRS, help="pairs in the folder case")
    args = p.parse_args(argv)
    print(json.dumps(make_pairs(args.folder, args.only or list(N.GROUPS), folder_pairs=args.folder_pairs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The similarity benchmark's images: four families of synthetic pictures and five transformations.

Families (each deterministic in its seed):

``ui``
    An application window: toolbar, optional sidebar menu, a grid of cards
    with titles, text bars and buttons.
``chart``
    A bar or line chart with axes, grid, tick labels and a title.
``photo``
    Photo-like content: smooth random colour fields at several scales with
    soft blobs, and a caption.
``text``
    A page of text: a headline and paragraphs of real glyphs.

Every picture carries a *headline*; :func:`generate` with ``variant=1``
changes its last word, which is the "small text edit" transformation.  Two
pictures of one family with different seeds share their style (palette
range, layout grammar), so distractors are as alike as the screenshots of
one application are.

Transformations (:data:`TRANSFORMS`): JPEG re-encoding at quality 75, a
resize to 60 %, a crop of 8 % off the right and bottom edges, a brightness
change (encoded codes × 1.08 + 12), and the text edit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FAMILIES = ("ui", "chart", "photo", "text")

WORDS = ("settings account profile update export import preview layout window display network "
         "storage project version release history filter search report status review module "
         "render canvas shadow colour border margin padding server client invoice payment order "
         "item total amount weekly monthly revenue traffic users session active pending failed "
         "archive library gallery editor console metrics budget forecast sales region north south "
         "east west quarter annual growth").split()

_FONTS: dict[int, Any] = {}


def _font(size: int) -> Any:
    if size not in _FONTS:
        try:
            _FONTS[size] = ImageFont.load_default(size=size)
        except Exception:  # Pillow without FreeType
            _FONTS[size] = ImageFont.load_default()
    return _FONTS[size]


def _words(rng: np.random.Generator, n: int) -> str:
    return " ".join(WORDS[int(k)] for k in rng.integers(0, len(WORDS), n))


def _headline(rng: np.random.Generator, variant: int) -> str:
    words = [WORDS[int(k)] for k in rng.integers(0, len(WORDS), 3)]
    alt = WORDS[int(rng.integers(0, len(WORDS)))]
    if variant:
        words[-1] = alt if alt != words[-1] else "changed"
    return " ".join(words).capitalize()


def _colour(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    c = rng.integers(lo, hi, 3)
    return int(c[0]), int(c[1]), int(c[2])


def _size(rng: np.random.Generator) -> tuple[int, int]:
    w = int(rng.integers(36, 65)) * 10
    h = int(w * rng.uniform(0.55, 0.85)) // 2 * 2
    return w, h


def _ui(rng: np.random.Generator, variant: int) -> Image.Image:
    w, h = _size(rng)
    bg = _colour(rng, 225, 256) if rng.random() < 0.8 else _colour(rng, 20, 60)
    dark = sum(bg) < 300
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    accent = _colour(rng, 30, 220)
    bar_h = int(rng.integers(28, 48))
    d.rectangle([0, 0, w, bar_h], fill=_colour(rng, 40, 120) if rng.random() < 0.6 else accent)
    title = _headline(rng, variant)
    d.text((12, bar_h // 2 - 7), title, fill=(255, 255, 255), font=_font(14))
    x0 = 0
    if rng.random() < 0.7:
        x0 = int(rng.integers(90, 150))
        d.rectangle([0, bar_h, x0, h], fill=_colour(rng, 200, 240) if not dark else _colour(rng, 30, 70))
        for k in range(int(rng.integers(4, 9))):
            y = bar_h + 14 + k * 24
            if k == int(rng.integers(0, 4)):
                d.rectangle([4, y - 4, x0 - 4, y + 16], fill=accent)
            d.text((12, y), _words(rng, 1).capitalize(), fill=(60, 60, 60) if not dark else (220, 220, 220),
                   font=_font(12))
    cols = int(rng.integers(1, 4))
    rows = int(rng.integers(1, 4))
    pad = 12
    cw = (w - x0 - pad * (cols + 1)) // cols
    ch = (h - bar_h - pad * (rows + 1)) // rows
    card = _colour(rng, 245, 256) if not dark else _colour(rng, 50, 90)
    ink = (40, 40, 40) if not dark else (230, 230, 230)
    for r in range(rows):
        for c in range(cols):
            x = x0 + pad + c * (cw + pad)
            y = bar_h + pad + r * (ch + pad)
            d.rounded_rectangle([x, y, x + cw, y + ch], radius=6, fill=card, outline=_colour(rng, 180, 220))
            d.text((x + 8, y + 6), _words(rng, 2).capitalize(), fill=ink, font=_font(13))
            for k in range(int(rng.integers(1, max(2, ch // 22)))):
                yy = y + 28 + k * 14
                if yy > y + ch - 26:
                    break
                ll = int(cw * rng.uniform(0.3, 0.9))
                d.rectangle([x + 8, yy, x + 8 + ll, yy + 6], fill=_colour(rng, 150, 200))
            if rng.random() < 0.5 and ch > 60:
                d.rounded_rectangle([x + cw - 70, y + ch - 26, x + cw - 8, y + ch - 8], radius=4, fill=accent)
                d.text((x + cw - 62, y + ch - 24), "OK", fill=(255, 255, 255), font=_font(12))
    return im


def _chart(rng: np.random.Generator, variant: int) -> Image.Image:
    w, h = _size(rng)
    im = Image.new("RGB", (w, h), _colour(rng, 240, 256))
    d = ImageDraw.Draw(im)
    d.text((w // 2 - 80, 8), _headline(rng, variant), fill=(20, 20, 20), font=_font(15))
    left, top, right, bottom = 50, 36, w - 16, h - 30
    for k in range(6):
        y = bottom - k * (bottom - top) / 5
        d.line([left, y, right, y], fill=(225, 225, 225))
        d.text((8, y - 6), f"{k * int(rng.integers(5, 50))}", fill=(90, 90, 90), font=_font(10))
    d.line([left, top, left, bottom], fill=(0, 0, 0), width=1)
    d.line([left, bottom, right, bottom], fill=(0, 0, 0), width=1)
    n = int(rng.integers(4, 14))
    values = rng.uniform(0.1, 1.0, n)
    series = int(rng.integers(1, 3))
    colours = [_colour(rng, 20, 230) for _ in range(series)]
    step = (right - left) / n
    if rng.random() < 0.5:
        for s in range(series):
            vals = values if s == 0 else rng.uniform(0.1, 1.0, n)
            for k, v in enumerate(vals):
                x = left + k * step + step * (0.15 + 0.35 * s)
                d.rectangle([x, bottom - v * (bottom - top), x + step * 0.3, bottom - 1], fill=colours[s])
    else:
        for s in range(series):
            vals = values if s == 0 else rng.uniform(0.1, 1.0, n)
            pts = [(left + (k + 0.5) * step, bottom - v * (bottom - top)) for k, v in enumerate(vals)]
            d.line(pts, fill=colours[s], width=2)
            for p in pts:
                d.ellipse([p[0] - 3, p[1] - 3, p[0] + 3, p[1] + 3], fill=colours[s])
    for k in range(n):
        d.text((left + k * step + 2, bottom + 6), WORDS[int(rng.integers(0, len(WORDS)))][:3],
               fill=(90, 90, 90), font=_font(10))
    return im


def _photo(rng: np.random.Generator, variant: int) -> Image.Image:
    w, h = _size(rng)
    out = np.zeros((h, w, 3), np.float32)
    for scale, amp in ((8, 1.0), (24, 0.5), (64, 0.25)):
        gh, gw = max(2, h // scale), max(2, w // scale)
        noise = rng.standard_normal((gh, gw, 3)).astype(np.float32)
        layer = np.stack([np.asarray(Image.fromarray(noise[..., c], "F").resize((w, h), Image.Resampling.BICUBIC))
                          for c in range(3)], axis=-1)
        out += amp * layer
    mix = rng.uniform(-1, 1, (3, 3)).astype(np.float32)
    base = np.asarray(_colour(rng, 40, 200), np.float32)
    img = base + 40 * (out @ mix)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(2, 6))):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(15, min(w, h) / 3)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
        img += blob[..., None] * (np.asarray(_colour(rng), np.float32) - img) * 0.8
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    d = ImageDraw.Draw(pil)
    text = _headline(rng, variant)
    d.rectangle([0, h - 24, w, h], fill=(0, 0, 0))
    d.text((8, h - 20), text, fill=(255, 255, 255), font=_font(13))
    return pil


def _text(rng: np.random.Generator, variant: int) -> Image.Image:
    w, h = _size(rng)
    paper = _colour(rng, 235, 256)
    im = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(im)
    d.text((20, 14), _headline(rng, variant), fill=_colour(rng, 0, 120), font=_font(20))
    size = int(rng.integers(10, 15))
    y = 50
    ink = _colour(rng, 0, 70)
    while y < h - 20:
        if rng.random() < 0.15:
            y += size
            continue
        d.text((20, y), _words(rng, int(rng.integers(3, max(4, w // (size * 4))))), fill=ink, font=_font(size))
        y += int(size * 1.5)
    return im


_MAKERS: dict[str, Callable[[np.random.Generator, int], Image.Image]] = {
    "ui": _ui, "chart": _chart, "photo": _photo, "text": _text}


def generate(family: str, seed: int, variant: int = 0) -> Image.Image:
    """The picture of ``family`` for ``seed``; ``variant=1`` edits one word of its headline."""
    return _MAKERS[family](np.random.default_rng([FAMILIES.index(family), seed]), variant)


# ----------------------------------------------------------------- transformations

def _jpeg(im: Image.Image, quality: int = 75) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def t_jpeg(family: str, seed: int) -> tuple[bytes, str]:
    return _jpeg(generate(family, seed)), ".jpg"


def t_resize(family: str, seed: int) -> tuple[bytes, str]:
    im = generate(family, seed)
    return _png(im.resize((round(im.width * 0.6), round(im.height * 0.6)), Image.Resampling.LANCZOS)), ".png"


def t_crop(family: str, seed: int) -> tuple[bytes, str]:
    im = generate(family, seed)
    return _png(im.crop((0, 0, round(im.width * 0.92), round(im.height * 0.92)))), ".png"


def t_brightness(family: str, seed: int) -> tuple[bytes, str]:
    arr = np.asarray(generate(family, seed), np.float32)
    return _png(Image.fromarray(np.clip(arr * 1.08 + 12, 0, 255).astype(np.uint8))), ".png"


def t_text_edit(family: str, seed: int) -> tuple[bytes, str]:
    return _png(generate(family, seed, variant=1)), ".png"


#: Transformation name -> function(family, seed) -> (encoded bytes, suffix).
TRANSFORMS: dict[str, Callable[[str, int], tuple[bytes, str]]] = {
    "jpeg75": t_jpeg, "resize60": t_resize, "crop8": t_crop, "brightness": t_brightness,
    "text-edit": t_text_edit,
}


def original(family: str, seed: int) -> tuple[bytes, str]:
    return _png(generate(family, seed)), ".png"


def plan(total: int, originals: int, seed0: int = 0) -> list[tuple[str, str, int, str]]:
    """The corpus: ``(file name, family, seed, role)``; role is ``original``, a transform name or ``distractor``.

    ``originals`` pictures (families in turn) each with one copy per
    transformation, and distractors (other seeds of the same families) up to
    ``total`` files.
    """
    rows: list[tuple[str, str, int, str]] = []
    for k in range(originals):
        fam = FAMILIES[k % len(FAMILIES)]
        seed = seed0 + k
        rows.append((f"q{k:04d}-{fam}-original", fam, seed, "original"))
        for t in TRANSFORMS:
            rows.append((f"q{k:04d}-{fam}-{t}", fam, seed, t))
    k = 0
    while len(rows) < total:
        fam = FAMILIES[k % len(FAMILIES)]
        rows.append((f"d{k:05d}-{fam}", fam, seed0 + 100_000 + k, "distractor"))
        k += 1
    return rows[:total]


def render(row: tuple[str, str, int, str]) -> tuple[bytes, str]:
    """Encoded bytes and file suffix of one planned file."""
    _, fam, seed, role = row
    if role in TRANSFORMS:
        return TRANSFORMS[role](fam, seed)
    return original(fam, seed)


def write_corpus(folder: Any, rows: Sequence[tuple[str, str, int, str]]) -> dict[str, tuple[str, str, int, str]]:
    """Write every planned file into ``folder``; returns file name -> plan row."""
    import os

    os.makedirs(folder, exist_ok=True)
    names: dict[str, tuple[str, str, int, str]] = {}
    for row in rows:
        data, suffix = render(row)
        name = row[0] + suffix
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(data)
        names[name] = row
    return names

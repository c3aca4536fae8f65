"""Make ``docs/region-kinds.png``, the README's picture of a diff with labelled regions.

Starts from the demo pair (``fixtures/ui-expected.png``; ``ui-actual.png``
lost the notification badge and recoloured the Save label) and makes two more
changes to the actual image: the stripe of the table's "Icon set" row darker, and
the fill of the sidebar's selected row made lighter (their shapes unchanged).  ``perceptdiff --diff`` of the pair then tags each
region with its number and kind.  Run from anywhere::

    python docs/make_kinds_png.py
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

import perceptdiff
from perceptdiff.diffimage import write_diff

REPO = Path(__file__).resolve().parents[1]
FIX = REPO / "fixtures"
OUT = REPO / "docs" / "region-kinds.png"

#: (x, y, w, h) around the "Icon set" row's stripe and around the sidebar's
#: selected row in the demo image, and the fill colour of each (read from the image).
STRIPE = ((140, 160, 316, 24), (248, 250, 252))
SELECTED_ROW = ((0, 80, 120, 30), (209, 213, 219))


def refill(img: np.ndarray, where: tuple[tuple[int, int, int, int], tuple[int, int, int]],
           change: object) -> None:
    """Apply ``change`` to the pixels of a box within 3 codes of its fill colour (the shapes stay)."""
    (x, y, w, h), colour = where
    block = img[y:y + h, x:x + w, :3]
    fill = np.all(np.abs(block.astype(np.int16) - colour) <= 3, axis=-1)
    block[fill] = np.clip(change(block[fill].astype(np.float32)), 0, 255).astype(np.uint8)  # type: ignore[operator]


def actual() -> np.ndarray:
    img = np.asarray(Image.open(FIX / "ui-actual.png").convert("RGBA")).copy()
    refill(img, STRIPE, lambda c: c - 30)            # the stripe darker
    refill(img, SELECTED_ROW, lambda c: c + 12)      # the selected row lighter
    return img


def main() -> None:
    expected = np.asarray(Image.open(FIX / "ui-expected.png").convert("RGBA"))
    result = perceptdiff.compare(expected, actual())
    for i, r in enumerate(result.regions, 1):
        print(r.describe(i))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "diff.png"
        write_diff(result, path)
        png = path.read_bytes()
    im = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    im.save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

"""Peer comparators for the cross-machine evaluator, each with its usual pass/fail convention.

None of them is a dependency of perceptdiff: each is used where it is
installed and reported as missing otherwise.

* pixelmatch (npm, run by ``node/peers.mjs``): fail if any pixel differs at its
  default threshold 0.1, anti-aliasing detection on;
* odiff (npm ``odiff-bin``): fail if any pixel differs at its default threshold
  0.1; ``odiff --aa`` with its anti-aliasing detection on;
* FLIP (PyPI ``flip-evaluator``, LDR-FLIP at the same pixels per degree):
  fail if the mean FLIP error exceeds ``FLIP_MEAN_LIMIT``;
* SSIM (scikit-image, on luminance): fail if below ``SSIM_LIMIT``;
* butteraugli (Debian ``butteraugli``): fail if the max distance exceeds
  ``BUTTERAUGLI_LIMIT``.

The limits are the ones calibration/evaluate.py uses for the synthetic corpus
(FLIP, SSIM) or the tool's own documented boundary (butteraugli: 1.0 is
"good quality").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"

FLIP_MEAN_LIMIT = 0.01
SSIM_LIMIT = 0.99
BUTTERAUGLI_LIMIT = 1.0
PPD = 40.0   # perceptdiff's default viewing (desktop); FLIP gets the same


def _rgb(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def node_available() -> str | None:
    """None if the npm peers can run, else why not."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not (NODE_DIR / "node_modules" / "pixelmatch").is_dir():
        return f"npm packages missing: run `npm install` in {NODE_DIR}"
    return None


def pixelmatch_batch(pairs: list[tuple[str, str]]) -> list[dict]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([[os.path.abspath(a), os.path.abspath(b)] for a, b in pairs], f)
        spec = f.name
    try:
        proc = subprocess.run(["node", str(NODE_DIR / "peers.mjs"), spec], capture_output=True, text=True,
                              cwd=NODE_DIR, check=True)
    finally:
        os.unlink(spec)
    counts = json.loads(proc.stdout)
    return [{"fail": True if n is None else n > 0, "value": n} for n in counts]


def _odiff_bin() -> str:
    return str(NODE_DIR / "node_modules" / ".bin" / "odiff")


def odiff(a: str, b: str, aa: bool = False) -> dict:
    cmd = [_odiff_bin(), a, b, "--parsable-stdout"] + (["--aa"] if aa else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 0:
        return {"fail": False, "value": 0}
    if proc.returncode in (21, 22):
        first = (proc.stdout.strip().split(";") or ["0"])[0]
        try:
            n = int(first)
        except ValueError:
            n = None
        return {"fail": True, "value": n}
    raise RuntimeError(f"odiff failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")


def flip(a: str, b: str) -> dict:
    import flip_evaluator as fl

    fa = _rgb(a).astype(np.float32) / 255.0
    fb = _rgb(b).astype(np.float32) / 255.0
    _, mean, _ = fl.evaluate(fa, fb, "LDR", applyMagma=False, parameters={"ppd": PPD})
    return {"fail": bool(mean > FLIP_MEAN_LIMIT), "value": float(mean)}


def ssim(a: str, b: str) -> dict:
    from skimage.metrics import structural_similarity

    w = np.array([0.2126, 0.7152, 0.0722], np.float32)
    ga = _rgb(a).astype(np.float32) @ w
    gb = _rgb(b).astype(np.float32) @ w
    v = float(structural_similarity(ga, gb, data_range=255.0))
    return {"fail": v < SSIM_LIMIT, "value": v}


def butteraugli(a: str, b: str) -> dict:
    # butteraugli refuses pairs whose channel counts differ (librsvg writes RGBA, the others RGB)
    with tempfile.TemporaryDirectory(prefix="butteraugli-") as tmp:
        ra, rb = os.path.join(tmp, "a.png"), os.path.join(tmp, "b.png")
        Image.fromarray(_rgb(a)).save(ra)
        Image.fromarray(_rgb(b)).save(rb)
        proc = subprocess.run(["butteraugli", ra, rb], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"butteraugli failed: {proc.stderr.strip()[-300:]}")
    v = float(proc.stdout.strip().splitlines()[0])
    return {"fail": v > BUTTERAUGLI_LIMIT, "value": v}


def _have_module(name: str) -> str | None:
    import importlib.util

    return None if importlib.util.find_spec(name) else f"Python module {name} missing"


#: peer name -> (why it cannot run or None, per-pair function or None for the batch peer)
def available() -> dict[str, tuple[str | None, Callable[[str, str], dict] | None]]:
    node_why = node_available()
    return {
        "pixelmatch": (node_why, None),
        "odiff": (node_why, lambda a, b: odiff(a, b)),
        "odiff --aa": (node_why, lambda a, b: odiff(a, b, aa=True)),
        "FLIP": (_have_module("flip_evaluator"), flip),
        "SSIM": (None, ssim),
        "butteraugli": (None if shutil.which("butteraugli") else "butteraugli not on PATH (apt-get install "
                        "butteraugli)", butteraugli),
    }


PEER_RULES = {
    "pixelmatch": "fail if any pixel differs (threshold 0.1, AA detection on)",
    "odiff": "fail if any pixel differs (threshold 0.1)",
    "odiff --aa": "fail if any pixel differs (threshold 0.1, --aa)",
    "FLIP": f"fail if mean LDR-FLIP > {FLIP_MEAN_LIMIT} (ppd {PPD:g})",
    "SSIM": f"fail if SSIM on luminance < {SSIM_LIMIT}",
    "butteraugli": f"fail if max distance > {BUTTERAUGLI_LIMIT}",
}

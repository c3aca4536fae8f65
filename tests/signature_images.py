"""Small deterministic test pictures and transformations for the signature tests.

``scene(seed)`` is a 128×128 picture with layout (panels, a bar, a disc,
text-like strokes) and smooth colour; the transformations are the ones the
signatures' documented invariances speak about.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw


def scene(seed: int = 0, size: tuple[int, int] = (128, 128)) -> np.ndarray:
    """A ``(h, w, 3)`` uint8 picture: smooth gradient background, panels, a disc and strokes."""
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c0, c1 = rng.uniform(60, 190, 3), rng.uniform(60, 190, 3)
    t = (xx / w * rng.uniform(0.3, 1) + yy / h * rng.uniform(0.3, 1))[..., None] / 2
    base = (c0 + (c1 - c0) * t).astype(np.uint8)
    im = PILImage.fromarray(base)
    d = ImageDraw.Draw(im)
    for _ in range(3):
        x0, y0 = rng.integers(0, w * 3 // 4), rng.integers(0, h * 3 // 4)
        d.rectangle([int(x0), int(y0), int(x0 + rng.integers(w // 8, w // 3)), int(y0 + rng.integers(h // 8, h // 3))],
                    fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    cx, cy, r = rng.integers(w // 4, 3 * w // 4), rng.integers(h // 4, 3 * h // 4), rng.integers(w // 10, w // 5)
    d.ellipse([int(cx - r), int(cy - r), int(cx + r), int(cy + r)], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    for k in range(4):
        y = int(h * (0.1 + 0.2 * k))
        d.line([int(w * 0.1), y, int(w * rng.uniform(0.4, 0.9)), y], fill=(20, 20, 20), width=2)
    return np.asarray(im)


def jpeg(arr: np.ndarray, quality: int = 90) -> bytes:
    """``arr`` encoded as JPEG."""
    buf = io.BytesIO()
    PILImage.fromarray(arr).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def png_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def crop(arr: np.ndarray, frac: float = 0.2) -> np.ndarray:
    """Cut ``frac`` off the right and bottom edges."""
    h, w = arr.shape[:2]
    return np.ascontiguousarray(arr[: round(h * (1 - frac)), : round(w * (1 - frac))])


def brighten(arr: np.ndarray, codes: int = 20) -> np.ndarray:
    """Add ``codes`` to every channel (clipped)."""
    return np.clip(arr.astype(np.int16) + codes, 0, 255).astype(np.uint8)


def hue_rotate(arr: np.ndarray, degrees: float = 120.0) -> np.ndarray:
    """Rotate hue by ``degrees`` (HSV hue channel, Pillow's conversion)."""
    hsv = np.asarray(PILImage.fromarray(arr).convert("HSV")).copy()
    hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + round(degrees / 360 * 256)) % 256).astype(np.uint8)
    return np.asarray(PILImage.fromarray(hsv, "HSV").convert("RGB"))


def mirror(arr: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(arr[:, ::-1])


def variants(seed: int = 0) -> dict[str, bytes]:
    """``scene(seed)`` (PNG) and its transformed copies, encoded, plus another picture."""
    a = scene(seed)
    return {
        "original": png_bytes(a),
        "jpeg90": jpeg(a, 90),
        "crop": png_bytes(crop(a, 0.1)),
        "brighter": png_bytes(brighten(a, 20)),
        "hue": png_bytes(hue_rotate(a, 120)),
        "mirror": png_bytes(mirror(a)),
        "other": png_bytes(scene(seed + 100)),
    }


def flat(color: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> np.ndarray:
    out = np.empty((size[1], size[0], 3), np.uint8)
    out[...] = color
    return out

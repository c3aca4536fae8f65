"""Fuzzing the loader and the engine (issue 11, item 9): every input loads, compares, or raises our own error.

Inputs are a mutation corpus built from images made here (PNG 8/16-bit,
palette, grey+alpha, JPEG baseline and progressive, TIFF raw/LZW/G4, GIF,
WebP, BMP), mutated by hypothesis: bytes flipped, the data cut, bytes
inserted, size fields overwritten with large numbers, slices repeated.  Each
input is compared with its original and with itself; the outcome must be a
result or a :class:`perceptdiff.PerceptdiffError`, within a time bound, with
nothing on stderr, and the whole run within a memory bound.

The pixel limit is lowered to 4 MP for the run (Pillow's
``MAX_IMAGE_PIXELS``, so the loader refuses anything above 8 MP), which
bounds what a mutated header can make the decoder allocate.

``--fuzz-inputs=N`` (or ``PERCEPTDIFF_FUZZ_INPUTS``) sets how many inputs are
tried; the default keeps the run to seconds, CI's nightly job asks for
20000.  The count is printed in the terminal summary.
"""

from __future__ import annotations

import io
import os
import resource
import struct
import time

import numpy as np
import pytest
from PIL import Image as PILImage

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis not installed (pip install -e '.[test]')")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perceptdiff  # noqa: E402
from perceptdiff.errors import PerceptdiffError  # noqa: E402

#: Inputs tried by default: a few seconds on the project's machine.
DEFAULT_INPUTS = 150
#: Longest one input may take (compare with its original and with itself).
TIME_BOUND_S = 10.0
#: Largest growth of the process's peak memory over the whole run.
MEMORY_BOUND_MB = 1500
#: Pillow's limit during the run (the loader refuses twice this).
FUZZ_MAX_IMAGE_PIXELS = 4_000_000


def _encode(im: PILImage.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def corpus() -> list[bytes]:
    rng = np.random.default_rng(11)
    rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    rgb[4:12, 4:20] = (200, 30, 30)
    rgba = np.dstack([rgb, rng.integers(0, 256, (24, 32), dtype=np.uint8)])
    im, ima = PILImage.fromarray(rgb), PILImage.fromarray(rgba)
    grey16 = PILImage.fromarray((rng.integers(0, 65536, (24, 32))).astype(np.uint16))
    bw = PILImage.fromarray(rng.random((24, 32)) > 0.5)
    out = [
        _encode(im, "PNG"), _encode(ima, "PNG"), _encode(im.convert("P"), "PNG"),
        _encode(ima.convert("LA"), "PNG"), _encode(grey16, "PNG"), _encode(im, "PNG", optimize=True),
        _encode(im, "JPEG", quality=90), _encode(im, "JPEG", quality=75, progressive=True),
        _encode(im, "TIFF"), _encode(im, "TIFF", compression="tiff_lzw"),
        _encode(bw, "TIFF", compression="group4"), _encode(im.convert("P"), "GIF"),
        _encode(im, "WEBP", lossless=True), _encode(im, "BMP"),
    ]
    return out


CORPUS = corpus()


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, bytes]:
    original = draw(st.sampled_from(CORPUS))
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "big", "repeat", "zero"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "big" and len(data) >= pos + 4:
            value = draw(st.sampled_from([0, 1, 0x7FFF, 0xFFFF, 60000, 1 << 20, 0x7FFFFFFF, 0xFFFFFFFF]))
            width = draw(st.sampled_from([2, 4]))
            fmt = ">H" if width == 2 else ">I"
            struct.pack_into(fmt, data, pos, value & (0xFFFF if width == 2 else 0xFFFFFFFF))
        elif kind == "repeat":
            end = draw(st.integers(pos, min(len(data), pos + 256)))
            data[pos:pos] = data[pos:end]
        elif kind == "zero":
            end = draw(st.integers(pos, min(len(data), pos + 64)))
            data[pos:end] = bytes(end - pos)
    return bytes(data), original


def _inputs(config: pytest.Config) -> int:
    value = config.getoption("--fuzz-inputs", default=None) or os.environ.get("PERCEPTDIFF_FUZZ_INPUTS")
    return int(value) if value else DEFAULT_INPUTS


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def test_every_mutated_input_compares_or_raises_our_error(pytestconfig, record_property, monkeypatch, capfd):
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", FUZZ_MAX_IMAGE_PIXELS)
    tried = {"inputs": 0, "errors": 0, "slowest": 0.0}
    start_mb = _peak_mb()

    @settings(max_examples=_inputs(pytestconfig), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(mutated())
    def run(case: tuple[bytes, bytes]) -> None:
        data, original = case
        t0 = time.perf_counter()
        for other in (original, data):
            try:
                result = perceptdiff.compare(data, other)
                assert result.verdict in ("identical", "pass", "fail")
            except PerceptdiffError as exc:
                tried["errors"] += 1
                assert str(exc) and "\n" not in str(exc)
        elapsed = time.perf_counter() - t0
        tried["inputs"] += 1
        tried["slowest"] = max(tried["slowest"], elapsed)
        assert elapsed < TIME_BOUND_S, f"{elapsed:.1f} s for one input"

    run()
    grown = _peak_mb() - start_mb
    record_property("fuzz_inputs", tried["inputs"])
    print(f"fuzz: {tried['inputs']} inputs tried, {tried['errors']} refused with our errors, "
          f"slowest {tried['slowest']:.2f} s, peak memory grew {grown:.0f} MB")
    assert tried["inputs"] >= min(_inputs(pytestconfig), 20)
    assert grown < MEMORY_BOUND_MB
    out, err = capfd.readouterr()
    assert err == "", err[-2000:]


@given(st.integers(1, 40), st.integers(1, 40), st.sampled_from(["u8", "u16", "f32", "bool"]),
       st.sampled_from([1, 2, 3, 4]), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None, database=None)
def test_arrays_of_any_shape_and_dtype_compare(h, w, kind, channels, seed):
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels == 1 else (h, w, channels)
    if kind == "u8":
        a = rng.integers(0, 256, shape, dtype=np.uint8)
    elif kind == "u16":
        a = rng.integers(0, 65536, shape, dtype=np.uint16)
    elif kind == "f32":
        a = rng.random(shape, dtype=np.float32)
    else:
        a = rng.random(shape) > 0.5
    b = a.copy()
    b.reshape(-1)[0] = b.reshape(-1)[-1]
    result = perceptdiff.compare(a, b)
    assert result.verdict in ("identical", "pass", "fail")
    assert perceptdiff.compare(a, a).verdict == "identical"

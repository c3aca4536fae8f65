"""Decoders' diagnostics captured deterministically (perceptdiff.loading.capture).

Issue 11, item 5: the two images decoded in threads under
``warnings.catch_warnings`` (not thread-safe), so in 9 of 20 runs a Pillow
warning leaked to stderr and its note was lost; libtiff's C-level messages
broke "one line on stderr".  Every run must now give the same notes and
nothing on stderr.
"""

from __future__ import annotations

import io
import os
import sys
import threading

import numpy as np
import pytest
from PIL import Image as PILImage

import perceptdiff
from loading_support import encode
from perceptdiff.loading import load_image
from perceptdiff.loading.capture import captured_diagnostics

RUNS = 25


def bomb_warning_pngs(tmp_path, monkeypatch) -> tuple[str, str]:
    """Two different 40x40 PNGs that each raise Pillow's DecompressionBombWarning (limit lowered)."""
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1000)  # 1600 px: between 1x and 2x
    paths = []
    for i, value in enumerate((10, 240)):
        p = tmp_path / f"{i}.png"
        p.write_bytes(encode(PILImage.fromarray(np.full((40, 40, 3), value, np.uint8)), "PNG"))
        paths.append(str(p))
    return paths[0], paths[1]


def test_warnings_become_notes_in_every_run(tmp_path, monkeypatch, capfd):
    a, b = bomb_warning_pngs(tmp_path, monkeypatch)
    for _ in range(RUNS):
        result = perceptdiff.compare(a, b)
        assert any("decompression-bomb guard" in n for n in result.notes), result.notes
    out, err = capfd.readouterr()
    assert err == ""


def test_concurrent_loads_each_keep_their_warning(tmp_path, monkeypatch, capfd):
    a, b = bomb_warning_pngs(tmp_path, monkeypatch)
    notes: list[tuple[str, ...]] = []
    lock = threading.Lock()

    def work() -> None:
        for src in (a, b) * 5:
            img = load_image(src)
            with lock:
                notes.append(img.notes)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(notes) == 40 and all(any("decompression-bomb" in n for n in ns) for ns in notes)
    assert capfd.readouterr().err == ""


def test_c_level_messages_are_captured_and_foreign_text_given_back(capfd):
    with captured_diagnostics() as diag:
        os.write(2, b"TIFFFillStrip: Read error on strip 3.\n")
        os.write(2, b"TIFFReadDirectory: Warning, Unknown field with tag 999.\n")
        os.write(2, b"some other program's text\n")
        os.write(2, b"tempfile.tif: Using code not yet in table.\n")  # found by the fuzz suite
    assert diag.c_errors == ["TIFFFillStrip: Read error on strip 3.",
                             "tempfile.tif: Using code not yet in table."]
    assert diag.c_warnings == ["TIFFReadDirectory: Unknown field with tag 999."]
    assert capfd.readouterr().err == "some other program's text\n"


def test_stderr_works_after_a_capture(capfd):
    with captured_diagnostics():
        pass
    print("after", file=sys.stderr)
    os.write(2, b"fd after\n")
    assert capfd.readouterr().err == "after\nfd after\n"

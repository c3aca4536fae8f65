"""``metric="yee"`` against perceptualdiff's own test pairs (../shared/peer-suites/pdiff).

The expected verdicts and pixel counts are read from the table of
``shared/peer-suites/README.md``: the column "pixels (RGB order)" is what the
model computes in true channel order (our default), "pixels (binary)" what the
perceptualdiff 2.1 binary prints on a little-endian machine, where it reads
blue as red (``channel_order="bgr"``).  Counts must agree within 1 %.

perceptualdiff decodes with FreeImage, which ignores embedded ICC profiles;
the metric-level tests therefore decode the files the same way (Pillow,
straight RGBA codes, no colour management).  The end-to-end tests go through
``perceptdiff.compare`` and the command line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import perceptdiff
from perceptdiff.image import Image
from perceptdiff.options import Options

from conftest import PEER_SUITES

ROW = re.compile(r"^\|\s*(PASS|FAIL)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|\s*([\d–-]+)\s*\|\s*([\d–-]+)\s*\|")


def _table() -> list[tuple[str, str, str, int | None, int | None]]:
    """(verdict, reference, test, binary count, RGB-order count) rows of the pdiff table."""
    readme = PEER_SUITES / "README.md"
    if not readme.is_file():
        return []
    rows = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            verdict, ref, test, binary, rgb = m.groups()
            count = lambda s: int(s) if s.isdigit() else None  # noqa: E731
            rows.append((verdict.lower(), ref, test, count(binary), count(rgb)))
    return rows


TABLE = _table()
COUNTED = [r for r in TABLE if r[3] is not None]
_ABSENT = [pytest.param(None, marks=pytest.mark.skip(
    reason="../shared/peer-suites not found (only present in the project's CI checkout)"), id="no-peer-suites")]


def rows(table: list) -> list:
    """Parameters for the rows of a table, or one skipped placeholder without the suite."""
    return [pytest.param(r, id=r[2]) for r in table] or _ABSENT


@pytest.fixture
def pdiff_dir(peer_suites: Path) -> Path:
    return peer_suites / "pdiff"


def test_the_table_lists_perceptualdiffs_seven_pairs(peer_suites):
    assert len(TABLE) == 7, "could not read the pdiff table of shared/peer-suites/README.md"
    assert len(COUNTED) == 6


def raw_codes(path: Path) -> Image:
    """The stored RGBA codes, as FreeImage gives them to perceptualdiff (no ICC)."""
    with PILImage.open(path) as im:
        return Image.from_pixels(np.asarray(im.convert("RGBA")), str(path))


def within_one_percent(got: int, expected: int) -> bool:
    return abs(got - expected) <= 0.01 * expected


@pytest.mark.parametrize("order,column", [("rgb", 4), ("bgr", 3)], ids=["rgb-order", "binary-bgr"])
@pytest.mark.parametrize("row", rows(COUNTED))
def test_pixel_counts_and_verdicts(pdiff_dir, row, order, column):
    expected_count = row[column]
    a, b = raw_codes(pdiff_dir / row[1]), raw_codes(pdiff_dir / row[2])
    r = perceptdiff.compare_images(a, b, Options(metric="yee", metric_options={"channel_order": order}))
    assert within_one_percent(r.details["failed_pixels"], expected_count), (
        f"{row[2]} ({order}): {r.details['failed_pixels']} failing pixels, perceptualdiff {expected_count}")
    assert r.visible_pixels == r.details["failed_pixels"]
    assert r.verdict == row[0], r.summary()


def test_square_pair_passes_with_resize(pdiff_dir):
    (row,) = [r for r in TABLE if r[3] is None]
    a, b = pdiff_dir / row[1], pdiff_dir / row[2]
    assert perceptdiff.compare(a, b, metric="yee").verdict == "fail"  # 36x36 against 18x39
    r = perceptdiff.compare(a, b, metric="yee", resize=True)
    assert r.verdict == row[0] == "pass", r.summary()


@pytest.mark.parametrize("row", rows(TABLE))
def test_end_to_end_verdicts(pdiff_dir, row):
    r = perceptdiff.compare(pdiff_dir / row[1], pdiff_dir / row[2], metric="yee", resize=True)
    assert r.verdict == row[0], r.summary()


def _has_icc(path: Path) -> bool:
    with PILImage.open(path) as im:
        return "icc_profile" in im.info


@pytest.mark.parametrize("row", rows(COUNTED))
def test_end_to_end_counts(pdiff_dir, row):
    # fish2.png carries an ICC profile: metric yee decodes without colour
    # management, as perceptualdiff (FreeImage) does.
    r = perceptdiff.compare(pdiff_dir / row[1], pdiff_dir / row[2], metric="yee")
    assert within_one_percent(r.details["failed_pixels"], row[4]), r.details
    if _has_icc(pdiff_dir / row[1]) or _has_icc(pdiff_dir / row[2]):
        assert any("ICC profile ignored" in n for n in r.notes)


@pytest.mark.slow
def test_cli_as_perceptualdiffs_test_script(pdiff_dir):
    # run_tests.bash runs every pair with --scale; exit status 0 = PASS, 1 = FAIL.
    for verdict, ref, test, _, _ in TABLE:
        if verdict == "pass" or ref.startswith(("fish", "Bug1102605")):
            r = subprocess.run([sys.executable, "-m", "perceptdiff", str(pdiff_dir / ref), str(pdiff_dir / test),
                                "--metric", "yee", "--scale"], capture_output=True, text=True, timeout=120)
            assert r.returncode == (0 if verdict == "pass" else 1), (ref, r.stdout, r.stderr)

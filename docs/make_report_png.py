"""Make ``docs/report.png``, the README's picture of the HTML review report.

Builds two folders from the demo fixtures (``fixtures/``: the UI pair with two
visible changes, the chart pair that differs only invisibly) plus a few
variants, compares them with ``perceptdiff EXPECTED ACTUAL --report``, opens
the report in headless chromium (Playwright, ``/usr/bin/chromium``) on the
UI pair's diff view and saves a palette PNG.  Run from anywhere::

    python docs/make_report_png.py
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from perceptdiff.folder import compare_folders

REPO = Path(__file__).resolve().parents[1]
FIX = REPO / "fixtures"


def build(root: Path) -> tuple[Path, Path]:
    exp, act = root / "approved", root / "renders"
    for side in (exp, act):
        (side / "screens").mkdir(parents=True)
        (side / "charts").mkdir(parents=True)
    shutil.copyfile(FIX / "ui-expected.png", exp / "screens" / "settings.png")
    shutil.copyfile(FIX / "ui-actual.png", act / "screens" / "settings.png")
    shutil.copyfile(FIX / "chart-expected.png", exp / "charts" / "revenue.png")
    shutil.copyfile(FIX / "chart-actual.png", act / "charts" / "revenue.png")
    for name, src in (("screens/home.png", "ui-expected.png"), ("charts/users.png", "chart-expected.png")):
        shutil.copyfile(FIX / src, exp / name)
        shutil.copyfile(FIX / src, act / name)
    # A render with no baseline yet, and a baseline whose render is gone.
    Image.open(FIX / "chart-expected.png").rotate(180).save(act / "charts" / "latency.png")
    Image.open(FIX / "ui-expected.png").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(
        exp / "screens" / "about.png")
    return exp, act


def main() -> None:
    from playwright.sync_api import sync_playwright

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root)
        os.chdir(root)  # the report shows the folders as given: relative names read better
        result = compare_folders("approved", "renders", jobs=1, report="report", title="perceptdiff report")
        assert result.report is not None
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            page.goto(result.report.resolve().as_uri() + "#screens%2Fsettings.png")
            page.wait_for_selector("html[data-ready=true]")
            page.keyboard.press("4")  # the diff view with region boxes
            page.wait_for_function("Array.from(document.images).every(i => i.complete)")
            png = page.screenshot()
            browser.close()
        os.chdir(cwd)
    im = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    out = REPO / "docs" / "report.png"
    im.save(out, optimize=True)
    print(f"{out}: {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()

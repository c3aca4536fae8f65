"""perceptdiff.screenshot: Playwright pages and locators, screenshotted as toHaveScreenshot does.

The rules are checked against stand-ins that record what they are asked (quick); the real
thing, through the ``image_snapshot`` fixture in Debian's chromium, is at the end (slow).
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from conftest import IN_CI, need
from perceptdiff.errors import OptionError, PerceptdiffError
from perceptdiff.screenshot import capture, capture_async, is_async, is_playwright, split_capture_options
from perceptdiff.testing import assert_images_similar, to_image


def _png(value: int) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(np.full((8, 12, 3), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


class Page:
    """Stands in for playwright.sync_api.Page: returns the given screenshots in turn."""

    def __init__(self, *values: int) -> None:
        self.shots = [_png(v) for v in values]
        self.calls: list[dict] = []

    def screenshot(self, **kw):
        self.calls.append(kw)
        return self.shots[min(len(self.calls), len(self.shots)) - 1]


class Locator(Page):
    pass


class AsyncPage(Page):
    async def screenshot(self, **kw):  # type: ignore[override]
        return Page.screenshot(self, **kw)


for _cls in (Page, Locator):
    _cls.__module__ = "playwright.sync_api._generated"
AsyncPage.__module__ = "playwright.async_api._generated"
AsyncPage.__name__ = "Page"


def test_recognised_by_type_not_by_import() -> None:
    assert is_playwright(Page(1)) and is_playwright(Locator(1)) and is_playwright(AsyncPage(1))
    assert not is_playwright(b"png") and not is_playwright(np.zeros((2, 2)))
    assert is_async(AsyncPage(1)) and not is_async(Page(1))
    loc = Locator(1)
    assert split_capture_options({"mask": [loc], "ppd": 40, "full_page": True}) == (
        {"mask": [loc], "full_page": True}, {"ppd": 40})


def test_mask_is_the_screenshots_for_locators_and_the_comparisons_otherwise() -> None:
    """Playwright's mask=[locator, ...] is painted in the screenshot; an image mask goes to compare()."""
    from perceptdiff.screenshot import is_locator_mask

    loc = Locator(1)
    for screenshot_mask in (loc, [loc], (loc, Locator(2)), [], None):
        assert is_locator_mask(screenshot_mask)
        assert split_capture_options({"mask": screenshot_mask})[0] == {"mask": screenshot_mask}
    arr = np.zeros((2, 2))
    for compare_mask in ("mask.png", arr, b"\x89PNG", [[0, 1], [1, 0]], [loc, "mask.png"]):
        assert not is_locator_mask(compare_mask)
        shot, rest = split_capture_options({"mask": compare_mask, "full_page": True})
        assert shot == {"full_page": True} and rest["mask"] is compare_mask


def test_the_screenshot_is_taken_as_to_have_screenshot_takes_it() -> None:
    page = Page(10)
    mask = ["locator-a", "locator-b"]
    assert capture(page, mask=mask, full_page=True) == _png(10)
    kw = page.calls[0]
    assert kw == {"animations": "disabled", "caret": "hide", "scale": "css", "type": "png",
                  "omit_background": False, "mask": mask, "mask_color": "#FF00FF", "full_page": True,
                  "timeout": 5000.0}
    assert len(page.calls) == 2  # two identical screenshots in a row
    one = Locator(10)
    capture(one, mask="just-one", mask_color="#000000")
    assert one.calls[0]["mask"] == ["just-one"] and one.calls[0]["mask_color"] == "#000000"
    assert "full_page" not in one.calls[0]


def test_it_waits_for_the_page_to_hold_still() -> None:
    settling = Page(1, 2, 3, 3)
    assert capture(settling) == _png(3) and len(settling.calls) == 4
    restless = Page(*range(200))
    with pytest.raises(PerceptdiffError, match="did not hold still.*within 300 ms"):
        capture(restless, timeout=300)
    assert 2 <= len(restless.calls) <= 5  # 0, 100, 250 ms pauses: a few tries, then stop


def test_bad_capture_options_are_refused() -> None:
    with pytest.raises(OptionError, match="full_page=True: only for a Page"):
        capture(Locator(1), full_page=True)
    with pytest.raises(OptionError, match="unknown screenshot option"):
        capture(Page(1), colour="red")
    with pytest.raises(OptionError, match="timeout"):
        capture(Page(1), timeout=0)
    with pytest.raises(OptionError, match="assert_match_async"):
        capture(AsyncPage(1))
    with pytest.raises(OptionError, match="mask=: only with a Playwright Page or Locator, not bytes"):
        to_image(_png(1), capture={"mask": ["x"]})
    with pytest.raises(OptionError, match="full_page=: only with a Playwright"):
        assert_images_similar(_png(1), _png(1), full_page=True)


def test_a_failing_screenshot_is_one_line() -> None:
    class Broken(Page):
        def screenshot(self, **kw):
            raise RuntimeError("Timeout 5000ms exceeded.\n=== logs ===\nwaiting for locator")

    Broken.__module__ = Page.__module__
    Broken.__name__ = "Locator"
    with pytest.raises(PerceptdiffError, match=r"^screenshot failed: Timeout 5000ms exceeded\.$"):
        capture(Broken())


def test_pages_in_assert_images_similar_and_async_capture() -> None:
    result = assert_images_similar(Page(200), _png(200))
    assert result.verdict == "identical" and result.sources[1] == "<Page>"
    with pytest.raises(AssertionError, match="images differ visibly"):
        assert_images_similar(Page(0), _png(255), results_dir=os.devnull + "-never-written")
    assert asyncio.run(capture_async(AsyncPage(5, 6, 6), mask=["m"])) == _png(6)


# ---------------------------------------------------------------------------
# The real thing: image_snapshot with Playwright in Debian's chromium
# ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

BROWSER_CONFTEST = '''
import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = {chromium!r}
ARGS = ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"]
PAGE = """<style>
@keyframes spin {{ from {{ transform: rotate(0deg) }} to {{ transform: rotate(360deg) }} }}
#spinner {{ width: 40px; height: 40px; background: #36c; animation: spin 0.7s linear infinite; }}
body {{ font: 16px sans-serif; margin: 10px }}
</style>
<div id="spinner"></div><input id="name" value="hello"><p id="clock">%s</p>
<h1 id="title">%s</h1><div style="height: 600px"></div><p>bottom</p>"""


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    pg = browser.new_page(viewport={{"width": 320, "height": 200}})
    import time
    pg.set_content(PAGE % (time.time(), os.environ.get("TITLE", "Welcome")))
    pg.focus("#name")  # a blinking caret, which the screenshot hides
    pg.wait_for_timeout(int(os.environ.get("WAIT_MS", "0")))  # the spinner at another angle
    yield pg
    pg.close()
'''

BROWSER_TESTS = '''
import asyncio
import os
import threading

from playwright.async_api import async_playwright

from conftest import ARGS, CHROMIUM, PAGE


def test_page(page, image_snapshot):
    mask = [page.locator("#clock")] if os.environ.get("MASK", "1") == "1" else []
    image_snapshot.assert_match(page, mask=mask)


def test_locator(page, image_snapshot):
    image_snapshot.assert_match(page.locator("#title"))


def test_full_page(page, image_snapshot):
    image_snapshot.assert_match(page, full_page=True, mask=page.locator("#clock"))


def test_bytes_still_work(page, image_snapshot):
    image_snapshot.assert_match(page.locator("#title").screenshot(animations="disabled"))


def test_async_page(image_snapshot):
    async def main():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = await browser.new_page(viewport={"width": 320, "height": 200})
            await page.set_content(PAGE % ("12:00", os.environ.get("TITLE", "Welcome")))
            try:
                await image_snapshot.assert_match_async(page, mask=[page.locator("#clock")])
            finally:
                await browser.close()

    # The sync API of the other tests keeps an event loop in this thread: run beside it.
    failure = []
    thread = threading.Thread(target=lambda: failure.extend(_run(main)))
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _run(main):
    try:
        asyncio.run(main())
    except BaseException as exc:
        return [exc]
    return []
'''


@pytest.fixture
def browser_project(project: pytest.Pytester) -> pytest.Pytester:
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("chromium not installed, and CI must run the browser tests (.ci/install-browser)")
        pytest.skip("chromium not installed (CI installs it: .ci/install-browser)")
    need("playwright.sync_api", " (pip install 'perceptdiff[playwright]'; .ci/install-browser)")
    project.makepyfile(conftest=BROWSER_CONFTEST.format(chromium=CHROMIUM), test_pages=BROWSER_TESTS)
    return project


@pytest.mark.slow
def test_image_snapshot_of_playwright_pages_in_chromium(browser_project: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    project = browser_project

    def run(*args: str, **env: str) -> pytest.RunResult:
        with monkeypatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            return project.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=180)

    run().assert_outcomes(passed=5)  # baselines written
    folder = project.path / "__snapshots__" / "test_pages"
    sizes = {p.name: PILImage.open(p).size for p in folder.glob("*.png")}
    assert sizes["test_page.png"] == (320, 200) and sizes["test_async_page.png"] == (320, 200)
    assert sizes["test_full_page.png"][0] == 320 and sizes["test_full_page.png"][1] > 600  # whole page
    assert sizes["test_locator.png"][1] < 60  # the heading alone
    page = np.asarray(PILImage.open(folder / "test_page.png").convert("RGB"))
    magenta = (page[..., 0] == 255) & (page[..., 1] == 0) & (page[..., 2] == 255)
    assert magenta.sum() > 1000  # the clock is painted over

    # Later: the clock has moved on, the spinner turned and the caret blinks; masked, disabled,
    # hidden: everything passes in CI mode (nothing written).
    run("--perceptdiff-ci", WAIT_MS="350").assert_outcomes(passed=5)
    # Without the mask the clock's new time is a visible difference.
    unmasked = run("--perceptdiff-ci", "test_pages.py::test_page", MASK="0")
    unmasked.assert_outcomes(failed=1)
    assert "image differs visibly from snapshot test_page" in unmasked.stdout.str()
    # A visible change of the page fails every view of it, with perceptdiff's explanation.
    changed = run("--perceptdiff-ci", TITLE="Welcome back")
    changed.assert_outcomes(failed=5)
    text = changed.stdout.str()
    assert text.count("image differs visibly from snapshot") >= 5 and "region 1:" in text

"""The HTML report in a real headless browser (Debian's chromium).

Two ways in:

* Playwright for Python driving ``/usr/bin/chromium`` (never a downloaded
  browser): the page loads with no console error, no failed request and no
  uncaught exception; filters, sorting, pair selection, the four views
  (side by side, slider, flicker, diff with region boxes) and the accept
  block work.
* chromium's own ``--dump-dom`` and ``--screenshot`` (no Python package
  needed): the script ran and built the table, and the page renders.

Both skip with the reason when chromium (or Playwright) is absent; CI installs
them with ``.ci/install-browser``.  Screenshots are kept in
``tests/artifacts/`` (or ``$PERCEPTDIFF_ARTIFACTS``) and their paths printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from conftest import IN_CI, REPO, need
from test_folder import make_tree, textured, write_png
from perceptdiff import folder

#: Every test here drives a browser (or builds a report in a subprocess first).
pytestmark = pytest.mark.slow

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


CHROMIUM = find_chromium()
#: Without chromium the browser tests skip, except in CI, which installs it
#: (.ci/install-browser): there they fail rather than pass unseen.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not IN_CI, reason="chromium not installed (CI installs it: .ci/install-browser)")


def artifacts_dir() -> Path:
    d = Path(os.environ.get("PERCEPTDIFF_ARTIFACTS", REPO / "tests" / "artifacts"))
    d.mkdir(parents=True, exist_ok=True)
    ignore = d / ".gitignore"
    if d == REPO / "tests" / "artifacts" and not ignore.exists():
        ignore.write_text("*\n")  # keeps screenshots out of git without touching the root .gitignore
    return d


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report with a pair of every status; returns its index.html."""
    root = tmp_path_factory.mktemp("browser")
    exp, act = make_tree(root)
    # A second failing pair, to check sorting and stepping between pairs.
    img = textured(9)
    write_png(exp / "sub" / "b.png", img)
    changed = img.copy()
    changed[2:12, 2:20, :3] = 0
    write_png(act / "sub" / "b.png", changed)
    result = folder.compare_folders(exp, act, jobs=1, report=root / "report")
    assert result.report is not None
    return result.report


def chromium_flags(profile: str) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
            f"--user-data-dir={profile}"]


# ---------------------------------------------------------------------------
# chromium alone
# ---------------------------------------------------------------------------

@needs_chromium
def test_dump_dom_shows_the_script_built_the_table(report: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([CHROMIUM, *chromium_flags(profile), "--virtual-time-budget=3000",
                               "--dump-dom", report.as_uri()],
                              capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'data-ready="true"' in dom, "report.js did not finish (see the browser's stderr)"
    # The default filter shows the pairs that need review: fail x2, removed, new, error.
    assert dom.count('class="row s-') == 5
    for status in ("fail", "removed", "new", "error"):
        assert f'class="row s-{status}"' in dom
    # The worst pair (the error) is selected and described.
    assert "<h2>corrupt.png</h2>" in dom and "truncated or corrupt" in dom


@needs_chromium
def test_screenshot_renders_the_page(report: Path) -> None:
    out = artifacts_dir() / "report-chromium.png"
    if out.exists():
        out.unlink()
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([CHROMIUM, *chromium_flags(profile), "--window-size=1280,800",
                               "--virtual-time-budget=3000", f"--screenshot={out}", report.as_uri()],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and out.is_file(), proc.stderr[-2000:]
    print(f"screenshot: {out}")
    with PILImage.open(out) as im:
        assert im.size == (1280, 800)
        px = np.asarray(im.convert("RGB"), dtype=np.int16)
    # Not a blank page: the badges' colours are there (FAIL red).
    red = (px[..., 0] > 170) & (px[..., 1] < 80) & (px[..., 2] < 80)
    assert red.sum() > 200


# ---------------------------------------------------------------------------
# Playwright
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("chromium not installed, and CI must run the browser tests (.ci/install-browser)")
        pytest.skip("chromium not installed (CI installs it: .ci/install-browser)")
    sync_api = need("playwright.sync_api", why=" (pip install playwright; .ci/install-browser)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class PageWatch:
    """Console errors, uncaught exceptions and failed requests of a page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))


def open_report(browser, report: Path, fragment: str = ""):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    watch = PageWatch(page)
    page.goto(report.as_uri() + fragment)
    page.wait_for_selector("html[data-ready=true]", timeout=10000)
    page.wait_for_load_state("load")
    return page, watch


def visible_panes(page) -> list[str]:
    return page.eval_on_selector_all(
        ".pane", "els => els.filter(e => !e.hidden && e.offsetParent !== null).map(e => e.id)")


def test_page_loads_cleanly_and_lists_pairs(browser, report: Path) -> None:
    page, watch = open_report(browser, report)
    try:
        rows = page.locator("#pairs tbody tr")
        assert rows.count() == 5  # needs review: 2 fail, removed, new, error
        assert page.locator("#filters button[aria-pressed=true]").inner_text().startswith("Needs review")
        # Worst first: the error, then the failures (highest peak first).
        statuses = [c.split()[-1] for c in rows.evaluate_all("rs => rs.map(r => r.className)")]
        assert statuses == ["s-error", "s-fail", "s-fail", "s-removed", "s-new"]
        # The first pair is selected and shown.
        assert page.locator("#detail h2").inner_text() == "corrupt.png"
        page.click("#filters button[data-filter=all]")
        assert rows.count() == 8
        page.click("#filters button[data-filter=passed]")
        assert rows.count() == 3
        assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.name)")) == {"same.png", "UPPER.PNG", "noise.png"}
        page.click("#filters button[data-filter=all]")
        page.fill("#search", "deep/")
        assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.name)")) == {
            "sub/deep/new.png", "sub/deep/removed.png"}
        page.fill("#search", "")
        # Sorting by path, then reversed.
        page.click("#pairs th[data-sort=path] button")
        names = rows.evaluate_all("rs => rs.map(r => r.dataset.name)")
        assert names == sorted(names, key=str.lower)
        page.click("#pairs th[data-sort=path] button")
        assert rows.evaluate_all("rs => rs.map(r => r.dataset.name)") == names[::-1]
        assert page.get_attribute("#pairs th[data-sort=path]", "aria-sort") == "descending"
        page.wait_for_timeout(200)
        assert watch.problems == []
    finally:
        page.close()


def test_views_switch_and_a_screenshot_is_kept(browser, report: Path) -> None:
    page, watch = open_report(browser, report, "#sub%2Fvisible.png")
    try:
        assert page.locator("#detail h2").inner_text() == "sub/visible.png"
        assert page.get_attribute("#pairs tr[data-name='sub/visible.png']", "aria-selected") == "true"
        assert visible_panes(page) == ["pane-side"]
        assert page.locator("#pane-side img").count() == 3  # expected, actual, diff
        # Every picture loaded (none broken).
        page.wait_for_function("Array.from(document.images).every(i => i.complete)")
        broken = page.eval_on_selector_all("#viewer img", "is => is.filter(i => !i.naturalWidth).length")
        assert broken == 0

        page.click("#tab-slider")
        assert visible_panes(page) == ["pane-slider"]
        assert page.get_attribute("#tab-slider", "aria-selected") == "true"
        page.fill("#pane-slider input[type=range]", "20")
        assert "inset(0px 0px 0px 20%)" in page.eval_on_selector("#pane-slider img.over", "e => getComputedStyle(e).clipPath")

        page.click("#tab-flicker")
        assert visible_panes(page) == ["pane-flicker"]
        first = page.get_attribute("#flicker-img", "src")
        page.wait_for_function(f"document.getElementById('flicker-img').getAttribute('src') !== {first!r}",
                               timeout=3000)  # flips by itself
        page.click("#flicker-play")  # pause, then flip by hand
        label = page.inner_text("#flicker-label")
        page.keyboard.press("f")
        assert page.inner_text("#flicker-label") != label

        page.keyboard.press("4")
        assert visible_panes(page) == ["pane-diff"]
        boxes = page.locator("#diff-stage .box")
        regions = page.locator("table.regions tbody tr")
        assert boxes.count() == regions.count() >= 1
        # What changed, on the box's tag and in the table (result schema 3).
        kind = page.inner_text("table.regions tbody tr td.kind")
        assert kind.endswith("changed") or kind.startswith("lightness changed"), kind
        assert page.inner_text("#diff-stage .box span").split(" ", 1)[1] in (
            "lightness", "lighter", "darker", "colour", "structure", "alpha")
        assert boxes.first.is_visible()
        page.keyboard.press("b")
        assert not boxes.first.is_visible()
        page.keyboard.press("b")
        # A box sits inside the heatmap.
        stage = page.locator("#diff-stage img").bounding_box()
        box = boxes.first.bounding_box()
        assert stage and box
        assert stage["x"] - 1 <= box["x"] and box["x"] + box["width"] <= stage["x"] + stage["width"] + 1

        page.select_option("#zoom", "2")
        natural = page.eval_on_selector("#diff-stage img", "i => [i.naturalWidth, i.getBoundingClientRect().width]")
        assert natural[1] == pytest.approx(2 * natural[0], abs=1)
        page.select_option("#zoom", "fit")

        assert page.inner_text("#accept-cmd").startswith("cp -- ")
        out = artifacts_dir() / "report.png"
        page.screenshot(path=str(out), full_page=False)
        print(f"screenshot: {out}")
        assert watch.problems == []
    finally:
        page.close()


def test_keyboard_steps_through_pairs_and_single_sided_pairs_show_one_image(browser, report: Path) -> None:
    page, watch = open_report(browser, report)
    try:
        order = page.locator("#pairs tbody tr").evaluate_all("rs => rs.map(r => r.dataset.name)")
        page.keyboard.press("j")
        assert page.locator("#detail h2").inner_text() == order[1]
        page.keyboard.press("k")
        assert page.locator("#detail h2").inner_text() == order[0]
        page.click("#pairs tr[data-name='sub/deep/new.png']")
        assert page.url.endswith("#sub%2Fdeep%2Fnew.png")
        assert page.is_disabled("#tab-slider") and page.is_disabled("#tab-flicker")
        assert page.locator("#pane-side img").count() == 1
        assert "no expected image" in page.inner_text("#pane-side")
        assert page.inner_text("#accept-cmd").startswith("mkdir -p -- ")
        # The accept-all block gathers every command (2 fail, new, removed).
        assert page.inner_text("#accept-count") == "4"
        page.click("#accept-all summary")
        assert page.inner_text("#accept-all-cmds").count("\n") == 3
        page.click("#pairs tr[data-name='corrupt.png']")
        assert page.locator("#viewer").count() == 0  # nothing to show but the message
        assert "corrupt" in page.inner_text("#detail .reason")
        assert watch.problems == []
    finally:
        page.close()


def test_a_renamed_pair_shows_as_old_to_new_with_its_own_filter(browser, tmp_path: Path) -> None:
    exp, act = tmp_path / "exp", tmp_path / "act"
    (exp / "old").mkdir(parents=True)
    (act / "moved").mkdir(parents=True)
    img = textured(5)
    changed = img.copy()
    changed[30:36, 40:46, :3] = (200, 30, 30)  # small enough to pair, visible enough to fail
    write_png(exp / "old" / "chart.png", img)
    write_png(act / "moved" / "chart.png", changed)
    write_png(exp / "same.png", textured(1))
    write_png(act / "same.png", textured(1))
    result = folder.compare_folders(exp, act, jobs=1, report=tmp_path / "report")
    assert [e.status.value for e in result.pairs] == ["renamed", "identical"]
    page, watch = open_report(browser, result.report)
    try:
        rows = page.locator("#pairs tbody tr")
        assert rows.count() == 1  # needs review: the rename
        assert page.is_visible("#filters button[data-filter=renamed]")
        assert page.inner_text("#filters button[data-filter=renamed] .n") == "1"
        assert rows.first.inner_text().split("\t")[1] == "old/chart.png → moved/chart.png"
        assert page.locator("#detail h2").inner_text() == "old/chart.png → moved/chart.png"
        assert page.inner_text("#detail .badge").lower() == "renamed"  # upper-cased by the style
        # Both pictures, under their own names, and the comparison between them.
        captions = page.locator("#pane-side figcaption").all_inner_texts()
        assert captions[0].startswith("expected (old/chart.png)") and captions[1].startswith("actual (moved/chart.png)")
        assert not page.is_disabled("#tab-slider") and not page.is_disabled("#tab-diff")
        assert "differs visibly" in page.inner_text("#detail .reason")
        facts = page.inner_text("#detail dl.facts")
        assert "Renamed from\nold/chart.png" in facts.replace("\t", "\n") and "fail" in facts
        assert page.inner_text("#accept-cmd").endswith("rm -- " + os.path.join(str(exp), "old", "chart.png"))
        page.fill("#search", "old/")  # the old name finds it too
        assert rows.count() == 1
        page.fill("#search", "")
        page.click("#filters button[data-filter=passed]")
        assert rows.count() == 1
        page.click("#filters button[data-filter=renamed]")
        assert rows.count() == 1
        assert watch.problems == []
    finally:
        page.close()


def test_an_empty_report_opens_cleanly(browser, tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    (tmp_path / "a").mkdir()
    result = folder.compare_folders(tmp_path / "e", tmp_path / "a", report=tmp_path / "r")
    page, watch = open_report(browser, result.report)
    try:
        assert page.locator("#pairs tbody tr").count() == 0
        assert page.is_visible("#empty")
        assert page.locator("#accept-all").is_hidden()
        page.keyboard.press("j")  # nothing to step to: no error
        assert watch.problems == []
    finally:
        page.close()


# ---------------------------------------------------------------------------
# The pytest plugin's report
# ---------------------------------------------------------------------------

PLUGIN_TESTS = '''
import os

import numpy as np


def scene():
    y, x = np.mgrid[0:40, 0:40]
    img = np.empty((40, 40, 3), np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = x * 6, y * 6, 128
    if os.environ.get("SCENE") == "visible":
        img[4:12, 20:28] = (255, 0, 0)
    return img


def test_changed(image_snapshot):
    # Both snapshots are checked before the test fails.
    same = [scene() == image_snapshot, scene()[::-1] == image_snapshot(name="flipped")]
    assert all(same)


def test_fresh(image_snapshot):
    image_snapshot.assert_match(scene(), name="legend")
'''


@pytest.fixture(scope="module")
def plugin_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Reports the pytest plugin wrote: (first run: new baselines; CI run: 2 failures + 1 missing baseline)."""
    import sys

    root = tmp_path_factory.mktemp("plugin")
    (root / "test_shots.py").write_text(PLUGIN_TESTS)
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SCENE", "PYTEST_ADDOPTS")}
    base = [sys.executable, "-m", "pytest", "-q", "--perceptdiff-results=res"]
    first = subprocess.run([*base, "-k", "test_changed", "--perceptdiff-report=first"],
                           cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout[-3000:]
    env["SCENE"] = "visible"
    second = subprocess.run([*base, "--perceptdiff-ci", "--perceptdiff-report=second"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 1, second.stdout[-3000:]
    assert "report: second/index.html" in second.stdout
    return root / "first" / "index.html", root / "second" / "index.html"


def test_plugin_report_of_failures_opens_cleanly(browser, plugin_reports: tuple[Path, Path]) -> None:
    page, watch = open_report(browser, plugin_reports[1])
    try:
        rows = page.locator("#pairs tbody tr")
        names = rows.evaluate_all("rs => rs.map(r => r.dataset.name)")
        assert set(names[:2]) == {"test_shots.py::test_changed", "test_shots.py::test_changed (snapshot flipped)"}
        assert names[2:] == ["test_shots.py::test_fresh (snapshot legend)"]  # fails first, then new
        page.click("#pairs tr[data-name='test_shots.py::test_changed']")
        assert page.locator("#detail h2").inner_text() == "test_shots.py::test_changed"
        peak = page.locator("#pairs tr[data-name='test_shots.py::test_changed'] td.num").first.inner_text()
        assert float(peak) > 1  # the numbers came from the plugin's comparison
        assert page.locator("#pane-side img").count() == 3
        page.wait_for_function("Array.from(document.images).every(i => i.complete)")
        assert page.eval_on_selector_all("#viewer img", "is => is.filter(i => !i.naturalWidth).length") == 0
        page.keyboard.press("4")
        assert visible_panes(page) == ["pane-diff"]
        assert page.inner_text("#accept-cmd") == 'pytest --perceptdiff-update=changed "test_shots.py::test_changed"'

        page.click("#pairs tr[data-name='test_shots.py::test_fresh (snapshot legend)']")
        assert "CI mode" in page.inner_text("#detail .reason")
        assert page.locator("#pane-side img").count() == 1
        assert page.inner_text("#accept-cmd") == 'pytest --perceptdiff-update=missing "test_shots.py::test_fresh"'
        # Both snapshots of test_changed are accepted by one command, listed once.
        assert page.inner_text("#accept-count") == "2"
        page.wait_for_timeout(200)
        assert watch.problems == []
    finally:
        page.close()


def test_plugin_report_of_new_baselines_opens_cleanly(browser, plugin_reports: tuple[Path, Path]) -> None:
    page, watch = open_report(browser, plugin_reports[0])
    try:
        rows = page.locator("#pairs tbody tr")
        # Nothing needs review, so every pair is shown: the two new baselines.
        assert page.locator("#filters button[aria-pressed=true]").get_attribute("data-filter") == "all"
        assert rows.count() == 2
        page.click("#filters button[data-filter=passed]")
        assert rows.count() == 2
        rows.first.click()
        assert "wrote the new baseline" in page.inner_text("#detail .reason")
        assert page.locator("#pane-side img").count() == 1
        assert page.locator("#accept-all").is_hidden()
        page.wait_for_timeout(200)
        assert watch.problems == []
    finally:
        page.close()


# ---------------------------------------------------------------------------
# Names that are data, not control (issue 11, item 8)
# ---------------------------------------------------------------------------

#: Names as bytes: not UTF-8, an ESC sequence, a CR, a right-to-left override.
HOSTILE_NAMES = (b"caf\xe9.png", b"esc\x1b[2Jx.png", b"cr\rline.png", b"rtl\xe2\x80\xaeevil.png")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.name != "posix":
        pytest.skip("file names with arbitrary bytes need POSIX")
    root = tmp_path_factory.mktemp("hostile")
    exp, act = root / "exp", root / "act"
    exp.mkdir()
    act.mkdir()
    img = textured(3)
    changed = img.copy()
    changed[2:12, 2:20, :3] = 0
    for name in HOSTILE_NAMES:
        write_png(os.fsdecode(os.fsencode(exp) + b"/" + name), img)
        write_png(os.fsdecode(os.fsencode(act) + b"/" + name), changed)
    result = folder.compare_folders(exp, act, jobs=1, report=root / "report")
    assert result.report is not None
    return result.report


def test_hostile_names_leave_the_data_valid_text(hostile_report: Path) -> None:
    data = (hostile_report.parent / "data.js").read_text(encoding="utf-8")
    assert "\\udc" not in data.lower()  # no lone surrogates, which broke the page
    assert "\x1b" not in data and "\r" not in data


def test_page_with_hostile_names_opens_and_shows_them_escaped(browser, hostile_report: Path) -> None:
    page, watch = open_report(browser, hostile_report)
    crashed: list[str] = []
    page.on("crash", lambda *_: crashed.append("renderer crashed"))
    try:
        page.click("#filters button[data-filter=all]")
        names = page.locator("#pairs tbody tr").evaluate_all("rs => rs.map(r => r.dataset.name)")
        assert sorted(names) == sorted(["caf\\xe9.png", "esc\\x1b[2Jx.png", "cr\\rline.png",
                                        "rtl\\u202eevil.png"])
        text = page.inner_text("#pairs tbody")
        assert "\x1b" not in text and "\u202e" not in text
        page.click("#accept-all summary")
        cmds = page.text_content("#accept-all-cmds") or ""
        lines = cmds.split("\n")
        assert len(lines) == len(HOSTILE_NAMES), lines  # a CR no longer breaks the block
        assert all("\r" not in line and "\x1b" not in line for line in lines)
        assert any("$'" in line and "\\xe9" in line for line in lines)
        page.wait_for_timeout(200)
        assert watch.problems == [] and crashed == []
    finally:
        page.close()


def test_accept_commands_of_hostile_names_work_in_a_shell(hostile_report: Path, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not installed")
    from perceptdiff.names import shell_quote

    for name in HOSTILE_NAMES:
        target = os.fsencode(tmp_path) + b"/" + name
        proc = subprocess.run([bash, "-c", f"printf x > {shell_quote(os.fsdecode(target))}"],
                              capture_output=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert os.path.exists(target)

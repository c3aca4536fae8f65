"""The ``perceptdiff`` command through a real subprocess.

Exit status as diff(1): 0 same to the eye, 1 visibly different, 2 trouble.
Every kind of trouble must give exactly one line on stderr that names the
file (or option) and the reason, and never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import perceptdiff

from conftest import REPO, rgba, write_png

TIMEOUT = 120


def run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m perceptdiff ARGS`` on this checkout; text output captured."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, "-m", "perceptdiff", *(str(a) for a in args)],
        capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd, env=env,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, one stderr line naming each of ``needles``, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("perceptdiff: error: "), line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


# --------------------------------------------------------------- inputs ---

@pytest.fixture(scope="module")
def ui(fixtures_dir: Path) -> tuple[Path, Path]:
    """The visibly different demo pair."""
    return fixtures_dir / "ui-expected.png", fixtures_dir / "ui-actual.png"


@pytest.fixture(scope="module")
def chart(fixtures_dir: Path) -> tuple[Path, Path]:
    """The demo pair that differs only invisibly."""
    return fixtures_dir / "chart-expected.png", fixtures_dir / "chart-actual.png"


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """64x48 images: a dark square turns red in the actual one (FAIL)."""
    d = tmp_path_factory.mktemp("small")
    a = rgba(48, 64, (245, 245, 245))
    a[8:24, 8:24, :3] = (30, 30, 30)
    b = a.copy()
    b[8:24, 8:24, :3] = (200, 30, 30)
    return write_png(d / "a.png", a), write_png(d / "b.png", b)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory, fixtures_dir: Path) -> dict[str, Path]:
    """Files no image loader should accept."""
    d = tmp_path_factory.mktemp("bad")
    good = (fixtures_dir / "ui-expected.png").read_bytes()
    files = {
        "empty": d / "empty.png",
        "text": d / "notes.png",
        "truncated": d / "truncated.png",
        "bomb": d / "bomb.png",
        "folder": d / "a-folder",
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not an image\n")
    files["truncated"].write_bytes(good[: len(good) // 3])
    files["bomb"].write_bytes(_flat_png(14000, 14000))
    files["folder"].mkdir()
    return files


def _flat_png(width: int, height: int) -> bytes:
    """A 1-bit all-black greyscale PNG: declares width*height pixels, a few KiB on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte "None" + packed bits
    idat = zlib.compress(row * height, 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# -------------------------------------------------------------- verdicts ---

@pytest.mark.slow
def test_invisible_pair_exits_0(chart: tuple[Path, Path]) -> None:
    proc = run(*chart)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("PASS") and proc.stderr == ""


@pytest.mark.slow
def test_visible_pair_exits_1(ui: tuple[Path, Path]) -> None:
    proc = run(*ui)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("FAIL") and proc.stderr == ""
    assert "480x320" in proc.stdout


@pytest.mark.slow
def test_identical_files_exit_0(ui: tuple[Path, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy.png"
    copy.write_bytes(ui[0].read_bytes())
    for pair in ((ui[0], ui[0]), (ui[0], copy)):
        proc = run(*pair)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.startswith("IDENTICAL")


@pytest.mark.slow
def test_identical_pixels_in_different_files_exit_0(tmp_path: Path) -> None:
    img = rgba(30, 40, (10, 120, 200))
    a = write_png(tmp_path / "a.png", img)
    PILImage.fromarray(img[..., :3]).save(tmp_path / "b.bmp")   # same pixels, other format
    proc = run(a, tmp_path / "b.bmp")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_quiet_prints_nothing(ui: tuple[Path, Path], chart: tuple[Path, Path]) -> None:
    for pair, code in ((ui, 1), (chart, 0)):
        proc = run(*pair, "-q")
        assert proc.returncode == code
        assert proc.stdout == "" and proc.stderr == ""


@pytest.mark.slow
def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"perceptdiff {perceptdiff.__version__}"


@pytest.mark.slow
def test_verbose_lists_regions(ui: tuple[Path, Path]) -> None:
    proc = run(*ui, "-v")
    assert proc.returncode == 1
    assert "FAIL region 1 at x=" in proc.stdout and "time decode" in proc.stdout
    assert "mean " in proc.stdout and "structure changed" in proc.stdout


@pytest.mark.slow
def test_default_output_says_what_changed_in_each_failing_region(ui: tuple[Path, Path]) -> None:
    """The ui pair: a notification badge vanished, the Save label was recoloured."""
    proc = run(*ui)
    assert proc.returncode == 1
    lines = [line.strip() for line in proc.stdout.splitlines()]
    # The badge touches the frame's top edge: metric 1.1 counts a border change once, so its box
    # and peak are those of the border-corrected map (58x36, about 45 JND).
    assert any(re.fullmatch(r"region 1 at x=391 y=0 5[89]\u00d736: structure changed, peak 4[45]\.\d JND", line)
               for line in lines)
    assert any(re.fullmatch(r"region 2 at x=\d+ y=\d+ \d+\u00d7\d+: colour changed, peak [\d.]+ JND", line)
               for line in lines)


@pytest.mark.slow
def test_max_area_is_a_budget_in_square_degrees(ui: tuple[Path, Path]) -> None:
    """The ui pair is visible over 1.48 deg² at desktop distance (40 ppd), 0.43 deg² on a 4K screen (67 ppd)."""
    roomy, tight = run(*ui, "--max-area", "1.6"), run(*ui, "--max-area", "1.4")
    assert (roomy.returncode, tight.returncode) == (0, 1)
    assert "within the budget of 1.6 deg² visible" in roomy.stdout
    assert "exceeds the budget of 1.4 deg² visible" in tight.stdout
    assert run(*ui, "--max-area", "0.6", "--viewing", "4k").returncode == 0
    both = run(*ui, "--max-area", "1", "--max-pixels", "3")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    bad = run(*ui, "--max-area", "-1")
    assert bad.returncode == 2 and "max_area" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_mask_and_region_rules(ui: tuple[Path, Path], tmp_path: Path) -> None:
    """The ui pair's two changes: a badge at x=391 y=0 and the Save label at x=384 y=264."""
    from PIL import Image as PILImage

    mask = np.full((320, 480), 255, np.uint8)
    mask[0:40, 380:460] = 0
    PILImage.fromarray(mask).save(tmp_path / "mask.png")
    one_left = run(*ui, "--mask", str(tmp_path / "mask.png"), "--json")
    data = json.loads(one_left.stdout)
    assert one_left.returncode == 1 and [r["y"] for r in data["regions"] if r["failing"]] == [264]
    assert data["options"]["mask"] == str(tmp_path / "mask.png")
    both = run(*ui, "--mask", str(tmp_path / "mask.png"), "--region", "370,250,90,60:ignore",
               "--diff", str(tmp_path / "d.png"))
    assert both.returncode == 0 and (tmp_path / "d.png").is_file()
    lenient = run(*ui, "--region", "370,250,90,60:jnd=50", "--regions", "380,0,80,40:jnd=50")
    assert lenient.returncode == 0, lenient.stdout
    for args, words in ((["--region", "1,2,3,4"], "expected x,y,width,height:ignore"),
                        (["--region", "1,2,3,4:jnd=0"], "jnd= needs a number > 0"),
                        (["--mask", str(tmp_path / "none.png")], "none.png")):
        bad = run(*ui, *args)
        assert bad.returncode == 2 and words in bad.stderr and "Traceback" not in bad.stderr
    small = tmp_path / "small.png"
    PILImage.fromarray(mask[:10, :10]).save(small)
    bad = run(*ui, "--mask", str(small))
    assert bad.returncode == 2 and "10x10 does not match the compared frame 480x320" in bad.stderr


@pytest.mark.slow
def test_max_shift_and_allow_shift(tmp_path: Path) -> None:
    from PIL import Image as PILImage

    def screen(x: int) -> np.ndarray:
        img = np.full((120, 200, 3), 255, np.uint8)
        img[40:60, x:x + 50] = (37, 99, 235)
        img[48:52, x + 10:x + 40] = 255
        img[80:100, 120:170] = (20, 160, 60)
        return img

    PILImage.fromarray(screen(40)).save(tmp_path / "a.png")
    PILImage.fromarray(screen(44)).save(tmp_path / "b.png")
    pair = (tmp_path / "a.png", tmp_path / "b.png")
    found = run(*pair, "--max-shift", "6")
    assert found.returncode == 1 and "region 1 at x=40 y=40 54\u00d720: moved by (4, 0)" in found.stdout
    data = json.loads(run(*pair, "--max-shift", "6", "--json").stdout)
    assert data["regions"][0]["kind"] == "moved" and data["regions"][0]["shift"] == [4, 0]
    allowed = run(*pair, "--max-shift", "6", "--allow-shift")
    assert allowed.returncode == 0 and "moved content only" in allowed.stdout
    bad = run(*pair, "--allow-shift")
    assert bad.returncode == 2 and "allow_shift: needs max_shift" in bad.stderr


@pytest.mark.slow
def test_baseline_variants(tmp_path: Path) -> None:
    from PIL import Image as PILImage
    from test_variants import VARIANTS, render

    names = []
    for i, v in enumerate(VARIANTS):
        names += ["--baseline", str(tmp_path / f"v{i}.png")]
        PILImage.fromarray(render(*v)).save(tmp_path / f"v{i}.png")
    PILImage.fromarray(render("Invoice 1042", 0.375)).save(tmp_path / "between.png")
    PILImage.fromarray(render("Invoice 1043", 0.25)).save(tmp_path / "edit.png")
    ok = run(*names, tmp_path / "between.png")
    assert ok.returncode == 0 and "within the spread of 3 baseline variants" in ok.stdout
    assert "baseline variants: 1 " in ok.stdout
    bad = run(*names, tmp_path / "edit.png", "--json")
    data = json.loads(bad.stdout)
    assert bad.returncode == 1 and data["details"]["closest_variant"] in (1, 2, 3)
    assert len(data["details"]["variants"]) == 3
    assert_one_line_error(run(*names, tmp_path / "v0.png", tmp_path / "edit.png"), "give only ACTUAL")
    assert_one_line_error(run(tmp_path / "v0.png"), "required: ACTUAL")


@pytest.mark.slow
def test_verbose_lists_forgiven_antialiasing_apart(chart: tuple[Path, Path]) -> None:
    plain = run(*chart)
    verbose = run(*chart, "-v")
    assert plain.returncode == verbose.returncode == 0
    assert "anti-aliasing forgiven" not in plain.stdout
    assert re.search(r"ok   forgiven 1 at x=\d+ y=\d+ \d+\u00d7\d+: anti-aliasing forgiven, \d+ px",
                     verbose.stdout)


# ------------------------------------------------------------------ JSON ---

RESULT_KEYS = {
    "schema_version", "verdict", "passed", "reason", "metric", "metric_version", "expected",
    "actual", "compared_size", "pixels_per_degree", "peak_jnd", "p999_jnd", "visible_pixels",
    "visible_area_deg2", "visible_ratio", "region_count", "regions", "forgiven_pixels",
    "forgiven_regions", "options", "timings", "notes", "details", "complete",
}


@pytest.mark.slow
def test_json_prints_one_object_with_every_field(ui: tuple[Path, Path]) -> None:
    proc = run(*ui, "--json")
    assert proc.returncode == 1 and proc.stderr == ""
    data = json.loads(proc.stdout)             # the whole of stdout is one JSON object
    assert RESULT_KEYS <= set(data)
    assert data["verdict"] == "fail" and data["passed"] is False
    assert data["expected"] == {"source": str(ui[0]), "width": 480, "height": 320}
    assert data["actual"]["width"] == 480 and data["actual"]["height"] == 320
    assert data["peak_jnd"] >= 4 and data["p999_jnd"] <= data["peak_jnd"]
    assert data["visible_pixels"] > 0 and data["visible_area_deg2"] > 0
    assert data["region_count"] == len(data["regions"]) >= 1
    assert {"x", "y", "width", "height", "changed_pixels", "visible_pixels", "area_deg2", "peak_jnd",
            "mean_jnd", "kind", "kinds", "direction", "failing"} <= set(data["regions"][0])
    assert data["schema_version"] == 3 and data["changed_pixels"] > 0
    assert [r["kind"] for r in data["regions"]] == ["structure", "colour"]
    assert all(0 < r["mean_jnd"] <= r["peak_jnd"] for r in data["regions"])
    assert data["forgiven_regions"] == []
    assert any(r["failing"] for r in data["regions"])
    # The ui pair's changes are a recoloured label and a new badge: nothing in
    # them is anti-aliasing, so nothing is forgiven (test_json_for_a_pass
    # sees forgiveness at work on the chart pair).
    assert isinstance(data["forgiven_pixels"], int) and data["forgiven_pixels"] == 0
    assert data["forgiven_pixels"] <= data["visible_pixels"]
    assert data["options"]["jnd_threshold"] == 1.0 and data["options"]["metric"] == "perceptdiff"
    assert data["metric_version"]
    assert {"decode", "compare", "total"} <= set(data["timings"])


@pytest.mark.slow
def test_json_for_a_pass(chart: tuple[Path, Path]) -> None:
    proc = run(*chart, "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert data["verdict"] == "pass" and data["passed"] is True
    assert data["visible_pixels"] == 0 and data["regions"] == []
    assert data["forgiven_pixels"] > 0


@pytest.mark.slow
def test_json_to_file(ui: tuple[Path, Path], tmp_path: Path) -> None:
    dest = tmp_path / "out" / "result.json"
    proc = run(*ui, f"--json={dest}")
    assert proc.returncode == 1
    assert proc.stdout.startswith("FAIL")                   # human text still on stdout
    data = json.loads(dest.read_text())
    assert RESULT_KEYS <= set(data) and data["verdict"] == "fail"
    assert os.listdir(dest.parent) == ["result.json"]


# ------------------------------------------------------------ diff image ---

@pytest.mark.slow
def test_diff_writes_a_png(ui: tuple[Path, Path], tmp_path: Path) -> None:
    dest = tmp_path / "new" / "diff.png"
    proc = run(*ui, "--diff", dest)
    assert proc.returncode == 1 and proc.stderr == ""
    with PILImage.open(dest) as im:
        assert im.format == "PNG"
        assert im.size[0] == 480 and im.size[1] > 320           # legend strip below
        pixels = np.asarray(im.convert("RGB"))
    # the changed Save button label is painted in the ramp, not faded grey
    label = pixels[272:286, 398:425].reshape(-1, 3).astype(int)
    assert (label.max(axis=1) - label.min(axis=1) > 80).mean() > 0.5
    assert os.listdir(dest.parent) == ["diff.png"]


@pytest.mark.slow
def test_diff_style_sidebyside(ui: tuple[Path, Path], tmp_path: Path) -> None:
    dest = tmp_path / "sbs.png"
    proc = run(*ui, "--diff", dest, "--diff-style", "sidebyside")
    assert proc.returncode == 1
    with PILImage.open(dest) as im:
        assert im.size[0] == 3 * 480 + 2 * 3 and im.size[1] > 320


@pytest.mark.slow
def test_diff_for_identical_files(ui: tuple[Path, Path], tmp_path: Path) -> None:
    dest = tmp_path / "same.png"
    proc = run(ui[0], ui[0], "--diff", dest)
    assert proc.returncode == 0, proc.stderr
    with PILImage.open(dest) as im:
        assert im.format == "PNG"


# ------------------------------------------------------- sizes, ignoring ---

@pytest.mark.slow
def test_different_sizes_exit_1_naming_both(tmp_path: Path) -> None:
    a = write_png(tmp_path / "a.png", rgba(30, 40, (200, 200, 200)))
    b = write_png(tmp_path / "b.png", rgba(36, 50, (200, 200, 200)))
    proc = run(a, b)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    first = proc.stdout.splitlines()[0]
    assert "40x30" in first and "50x36" in first
    data = json.loads(run(a, b, "--json").stdout)
    assert data["compared_size"] is None and data["verdict"] == "fail"
    diff = tmp_path / "sizes-diff.png"
    assert run(a, b, "--diff", diff, "-q").returncode == 1
    assert diff.stat().st_size > 0


@pytest.mark.slow
def test_resize_and_pad_compare_different_sizes(tmp_path: Path) -> None:
    a = write_png(tmp_path / "a.png", rgba(30, 40, (200, 200, 200)))
    b = write_png(tmp_path / "b.png", rgba(60, 80, (200, 200, 200)))
    resized = json.loads(run(a, b, "--resize", "--json").stdout)
    assert resized["compared_size"] == [40, 30] and resized["verdict"] != "fail"
    padded = run(a, b, "--pad", "--json")
    data = json.loads(padded.stdout)
    assert data["compared_size"] == [80, 60]
    assert padded.returncode == 1   # the padding is transparent where b is grey: visible


@pytest.mark.slow
def test_ignore_over_the_changes_passes(ui: tuple[Path, Path]) -> None:
    data = json.loads(run(*ui, "--json").stdout)
    boxes = [f"{r['x']},{r['y']},{r['width']},{r['height']}" for r in data["regions"]]
    assert len(boxes) == 2                      # the badge and the Save label
    args: list[object] = [*ui]
    for box in boxes:
        args += ["--ignore", box]
    proc = run(*args)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.startswith("PASS")
    assert run(*ui, "--ignore", boxes[0], "-q").returncode == 1   # the other change remains


@pytest.mark.slow
def test_ppd_changes_the_geometry(small_pair: tuple[Path, Path]) -> None:
    data = json.loads(run(*small_pair, "--ppd", "95", "--json").stdout)
    assert data["pixels_per_degree"] == 95.0
    data = json.loads(run(*small_pair, "--viewing", "retina", "--json").stdout)
    assert data["pixels_per_degree"] == 67.0


# ------------------------------------------------------------- bad input ---

@pytest.mark.slow
def test_missing_file(small_pair: tuple[Path, Path], tmp_path: Path) -> None:
    missing = tmp_path / "nope.png"
    assert_one_line_error(run(missing, small_pair[1]), str(missing), "no such file")
    assert_one_line_error(run(small_pair[0], missing), str(missing), "no such file")


@pytest.mark.slow
def test_folder_against_file(small_pair: tuple[Path, Path], bad_files: dict[str, Path]) -> None:
    folder = bad_files["folder"]
    assert_one_line_error(run(folder, small_pair[1]), str(folder), "directory")
    assert_one_line_error(run(small_pair[0], folder), str(folder), "directory")


@pytest.mark.slow
@pytest.mark.parametrize("kind, reason", [
    ("empty", "empty"),
    ("text", "not an image"),
    ("truncated", "truncated"),
    ("bomb", "pixels"),
])
def test_unloadable_files(kind: str, reason: str, small_pair: tuple[Path, Path],
                          bad_files: dict[str, Path]) -> None:
    path = bad_files[kind]
    line = assert_one_line_error(run(path, small_pair[1]), str(path))
    assert reason in line.lower()
    assert_one_line_error(run(small_pair[0], path), str(path))


@pytest.mark.slow
def test_decompression_bomb_is_small_on_disk_and_named(bad_files: dict[str, Path],
                                                       small_pair: tuple[Path, Path]) -> None:
    assert bad_files["bomb"].stat().st_size < 100_000
    line = assert_one_line_error(run(bad_files["bomb"], small_pair[1]), "196000000")
    assert "limit" in line


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a non-root user (root can read anything)")
def test_unreadable_file(small_pair: tuple[Path, Path], tmp_path: Path) -> None:
    locked = tmp_path / "locked.png"
    locked.write_bytes(small_pair[0].read_bytes())
    locked.chmod(0)
    try:
        line = assert_one_line_error(run(locked, small_pair[1]), str(locked))
        assert "permission" in line.lower()
    finally:
        locked.chmod(0o600)


@pytest.mark.slow
@pytest.mark.parametrize("args, needle", [
    (["--ppd", "-1"], "ppd"),
    (["--ppd", "abc"], "--ppd"),
    (["--max-ratio", "2"], "max_ratio"),
    (["--max-pixels", "-3"], "max_pixels"),
    (["--jnd-threshold", "0"], "jnd_threshold"),
    (["--ignore", "1,2,3"], "1,2,3"),
    (["--ignore", "0,0,-5,5"], "0,0,-5,5"),
    (["--background", "nonsense"], "nonsense"),
    (["--resize", "--pad"], "--pad"),
    (["--fov", "30"], "--fov"),
    (["--metric", "psnr"], "--metric"),
    (["--diff-style", "collage"], "--diff-style"),
    (["--report", "out"], "--report"),
    (["--no-such-option"], "--no-such-option"),
])
def test_bad_option_values(args: list[str], needle: str, small_pair: tuple[Path, Path]) -> None:
    assert_one_line_error(run(*small_pair, *args), needle)


@pytest.mark.slow
def test_missing_arguments() -> None:
    assert_one_line_error(run(), "required")
    assert_one_line_error(run("only-one.png"), "ACTUAL")


@pytest.mark.slow
def test_unwritable_outputs(small_pair: tuple[Path, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("a file, not a folder")
    bad = blocker / "diff.png"
    assert_one_line_error(run(*small_pair, "--diff", bad), str(bad))
    assert_one_line_error(run(*small_pair, "--diff", tmp_path), str(tmp_path), "folder")
    assert_one_line_error(run(*small_pair, "--diff", tmp_path / "d.jpg"), "d.jpg", ".png")
    bad_json = blocker / "result.json"
    assert_one_line_error(run(*small_pair, f"--json={bad_json}"), str(bad_json))
    assert sorted(os.listdir(tmp_path)) == ["plain-file"]      # nothing left behind


# ------------------------------------------------- in process: the parser ---

def test_every_comparison_option_is_a_flag() -> None:
    from perceptdiff.cli import build_parser
    from perceptdiff.optionspec import COMMON_OPTIONS, METRIC_OPTIONS

    flags = {f for action in build_parser()._actions for f in action.option_strings}
    for spec in COMMON_OPTIONS + tuple(s for specs in METRIC_OPTIONS.values() for s in specs):
        assert spec.flag in flags and set(spec.aliases) <= flags, spec.name


class _Renamed:
    """The default metric under another name, as a user's own metric would be registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._inner = perceptdiff.get_metric("perceptdiff")

    def __getattr__(self, attr: str):
        return getattr(self._inner, attr)


def test_a_registered_metric_is_a_choice_of_the_command(small_pair: tuple[Path, Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from perceptdiff.cli import main

    perceptdiff.register_metric("cli-test-metric", _Renamed("cli-test-metric"))
    assert main([str(small_pair[0]), str(small_pair[1]), "--metric", "cli-test-metric", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["metric"] == "cli-test-metric"


@pytest.mark.parametrize("args, describes", [
    (["-q"], False),
    (["-q", "--json"], True),
    ([], True),
    (["-v"], True),
])
def test_regions_are_described_unless_only_the_exit_status_is_asked(
        args: list[str], describes: bool, small_pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from perceptdiff import engine
    from perceptdiff.cli import main

    seen = {}
    real = engine.compare

    def spy(*a, **kw):
        seen["describe"] = kw.get("describe", True)
        return real(*a, **kw)

    monkeypatch.setattr(engine, "compare", spy)
    assert main([str(small_pair[0]), str(small_pair[1]), *args]) == 1
    assert seen["describe"] is describes


@pytest.mark.parametrize("args, needle", [
    (["--metric", "yee", "--antialiasing", "off"], "antialiasing: metric yee does not use this option"),
    (["--metric", "yee", "--background", "#fff"], "background: metric yee does not use this option"),
    (["--fov", "30"], "--fov: only with --metric yee"),
])
def test_options_the_metric_would_not_use_are_one_line_errors(
        args: list[str], needle: str, small_pair: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    from perceptdiff.cli import main

    assert main([str(small_pair[0]), str(small_pair[1]), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("perceptdiff: error: ") and needle in err


# ----------------------------------------------------------- issue 11 ---

def run_stdin(data: bytes, *args: object) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, "-m", "perceptdiff", *(str(a) for a in args)], input=data,
                          capture_output=True, timeout=TIMEOUT, env=env)


@pytest.mark.slow
def test_dash_reads_standard_input(small_pair: tuple[Path, Path]) -> None:
    a, b = small_pair
    proc = run_stdin(a.read_bytes(), "-", b)
    assert proc.returncode == 1 and b"expected <stdin> (64x48)" in proc.stdout, proc
    assert run_stdin(a.read_bytes(), a, "-").returncode == 0
    proc = run_stdin(a.read_bytes(), "-", b, "--max-file-mb", "0.0001")
    assert proc.returncode == 2 and b"<stdin>: file of more than" in proc.stderr
    proc = run_stdin(b"", "-", "-")
    assert proc.returncode == 2 and b"only one of EXPECTED and ACTUAL can be -" in proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX special files")
def test_special_files_are_refused_at_once(small_pair: tuple[Path, Path], tmp_path: Path) -> None:
    assert_one_line_error(run(small_pair[0], "/dev/zero"), "/dev/zero", "character device")
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert_one_line_error(run(small_pair[0], fifo), str(fifo), "FIFO")  # would hang before


@pytest.mark.slow
def test_control_characters_in_names_are_shown_escaped(small_pair: tuple[Path, Path], tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("names with control characters need POSIX")
    evil = tmp_path / "esc\x1b[2J\rx.png"
    evil.write_bytes(small_pair[0].read_bytes())
    proc = run(evil, small_pair[1])
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
    assert "esc\\x1b[2J\\rx.png" in proc.stdout
    missing = tmp_path / "gone\x1b[31m.png"
    line = assert_one_line_error(run(missing, small_pair[1]), "gone\\x1b[31m.png")
    assert "\x1b" not in line
    raw = os.fsencode(tmp_path) + b"/caf\xe9.png"
    with open(raw, "wb") as fh:
        fh.write(small_pair[0].read_bytes())
    proc = run(os.fsdecode(raw), small_pair[1], "--json")
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 3
    assert data["expected"]["source"].endswith("caf\\xe9.png")
    import base64
    assert base64.b64decode(data["expected"]["source_bytes"]) == raw


@pytest.mark.slow
@pytest.mark.parametrize("args, needles", [
    (["--threshold", "0.1"], ["not a whole number", "--jnd-threshold"]),
    (["--threshold", "5"], ["only with --metric yee", "--jnd-threshold"]),
    (["--ignore", "-10,0,5,5"], ["--ignore=-10,0,5,5"]),
])
def test_messages_say_what_to_do(args: list[str], needles: list[str], small_pair: tuple[Path, Path]) -> None:
    assert_one_line_error(run(*small_pair, *args), *needles)


@pytest.mark.slow
def test_json_before_the_images_is_explained(small_pair: tuple[Path, Path]) -> None:
    line = assert_one_line_error(run("--json", *small_pair), "--json took", "--json=FILE")
    assert str(small_pair[0]) in line
    assert small_pair[0].stat().st_size > 0  # and the image was not overwritten


@pytest.mark.slow
def test_diff_under_a_regular_file_names_it(small_pair: tuple[Path, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    line = assert_one_line_error(run(*small_pair, "--diff", blocker / "x.png"), f"{blocker} is a file, not a folder")
    assert "File exists" not in line


@pytest.mark.slow
def test_damaged_files_exit_2_unless_allowed(tmp_path: Path) -> None:
    y, x = np.mgrid[0:128, 0:128]
    img = np.stack([x * 2, y * 2, x + y], -1).astype(np.uint8)
    good = write_png(tmp_path / "good.png", img)
    buf = tmp_path / "cut.jpg"
    PILImage.fromarray(img).save(buf, "JPEG", quality=90)
    data = buf.read_bytes()
    buf.write_bytes(data[:len(data) // 2] + b"\xff\xd9")
    ref = tmp_path / "ref.jpg"
    PILImage.fromarray(img).save(ref, "JPEG", quality=90)
    assert_one_line_error(run(ref, buf), str(buf), "truncated JPEG")
    proc = run(ref, buf, "--allow-truncated")
    assert proc.returncode == 1 and "allow_truncated" in proc.stdout
    assert good.exists()


@pytest.mark.slow
def test_diff_options_of_the_command(ui: tuple[Path, Path], tmp_path: Path) -> None:
    mask = tmp_path / "mask.png"
    assert run(*ui, "--diff", mask, "--diff-style", "mask", "--diff-color", "#00ff00").returncode == 1
    with PILImage.open(mask) as im:
        assert im.mode == "RGBA" and im.size == (480, 320)
        px = np.asarray(im)
    seen = px[..., 3] == 255
    assert seen.any() and np.all(px[seen][:, :3] == (0, 255, 0)) and np.all(px[~seen] == 0)
    actual = tmp_path / "actual.png"
    assert run(*ui, "--diff", actual, "--diff-base", "actual").returncode == 1
    assert_one_line_error(run(*ui, "--diff-color", "nope"), "--diff-color")


def _imported_by(*args: object) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """The command run with ``-X importtime``, and every module it imported."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "perceptdiff", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=120)
    return proc, {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines()
                  if line.startswith("import time:")}


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_and_help_import_neither_numpy_nor_pillow(args: tuple[str, ...]) -> None:
    """Start-up (issue 10 item 4): answering --version or --help costs the interpreter and our own
    light modules, not numpy's or Pillow's import (``-X importtime`` lists every module imported)."""
    proc, imported = _imported_by(*args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "perceptdiff.cli" in imported  # the listing is real
    heavy = sorted(m for m in imported if m.split(".")[0] in {"numpy", "PIL", "scipy", "skimage"})
    assert heavy == []


def test_identical_files_import_no_model_and_one_pillow_plugin(ui: tuple[Path, Path], tmp_path: Path) -> None:
    """Start-up (issue 10 item 4): byte-identical PNGs are answered without scipy or the model,
    and Pillow opens them with its PNG plugin alone (its forty other plugins cost ~30 ms)."""
    copy = tmp_path / "copy.png"
    copy.write_bytes(ui[0].read_bytes())
    proc, imported = _imported_by(ui[0], copy, "-q")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "PIL.PngImagePlugin" in imported  # the listing is real
    assert not {"PIL.PdfImagePlugin", "PIL.TiffImagePlugin", "PIL.WebPImagePlugin"} & imported
    assert not {m for m in imported if m.split(".")[0] in {"scipy", "skimage"}}


def test_a_tiff_still_opens_with_every_plugin_at_hand(ui: tuple[Path, Path], tmp_path: Path) -> None:
    """The PNG-only shortcut is taken on the magic number: another format still finds its plugin."""
    tiff = tmp_path / "expected.tiff"
    with PILImage.open(ui[0]) as im:
        im.save(tiff)
    proc, imported = _imported_by(tiff, ui[0], "-q")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "PIL.TiffImagePlugin" in imported

"""Folder mode (:mod:`perceptdiff.folder`): pairing, statuses, exit codes, the JSON summary,
JUnit and report outputs of a run, progress.

The report itself is tested in ``test_report.py``, JUnit XML in ``test_junit.py``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from conftest import REPO, rgba, with_noise, write_png
import perceptdiff
from perceptdiff import folder
from perceptdiff.entry import Entry, Status
from perceptdiff.errors import OptionError, PerceptdiffError
from perceptdiff.report import MARKER

H, W = 48, 64


def textured(seed: int = 0) -> np.ndarray:
    """A small picture with gradients and a block: something a metric can see changes in."""
    y, x = np.mgrid[0:H, 0:W]
    img = rgba(H, W, (240, 240, 240))
    img[..., 0] = (x * 4 + seed * 7).astype(np.uint8)
    img[..., 1] = (y * 5).astype(np.uint8)
    img[10:30, 8:28, :3] = (30, 60, 160)
    return img


def striped(seed: int = 0) -> np.ndarray:
    """A picture nothing like :func:`textured` (stripes and a yellow block): a removed file
    that no new file resembles, so that folder mode does not pair them as a rename."""
    y, x = np.mgrid[0:H, 0:W]
    img = rgba(H, W, (20, 20, 20))
    img[..., 1] = np.where((x // (4 + seed)) % 2 == 0, 230, 40).astype(np.uint8)
    img[30:44, 40:60, :3] = (250, 200, 0)
    return img


def visibly_changed(img: np.ndarray) -> np.ndarray:
    out = img.copy()
    out[20:40, 36:56, :3] = (200, 30, 30)
    return out


# Expected status of each relative path in the standard tree.
STATUSES = {
    "same.png": "identical",
    "UPPER.PNG": "identical",
    "noise.png": "pass",
    "corrupt.png": "error",
    "sub/visible.png": "fail",
    "sub/deep/removed.png": "removed",
    "sub/deep/new.png": "new",
}


def make_tree(root: Path, *, corrupt: bool = True) -> tuple[Path, Path]:
    """exp/ and act/ under ``root`` with one pair of every status (and things to ignore)."""
    exp, act = root / "exp", root / "act"
    for side in (exp, act):
        (side / "sub" / "deep").mkdir(parents=True)
        (side / ".hidden").mkdir()
    base = textured()
    for side in (exp, act):
        write_png(side / "same.png", base)
        write_png(side / "UPPER.PNG", textured(1))
        write_png(side / ".hidden" / "ignored.png", base)      # hidden folder: ignored
        write_png(side / ".dot.png", base)                       # hidden file: ignored
        (side / "notes.txt").write_text("not an image\n")        # not an image: ignored
    write_png(exp / ".hidden" / "ignored.png", visibly_changed(base))
    write_png(exp / "noise.png", textured(2))
    write_png(act / "noise.png", with_noise(textured(2), seed=3))
    write_png(exp / "sub" / "visible.png", base)
    write_png(act / "sub" / "visible.png", visibly_changed(base))
    write_png(exp / "sub" / "deep" / "removed.png", striped())  # unlike new.png: not a rename
    write_png(act / "sub" / "deep" / "new.png", textured(4))
    if corrupt:
        write_png(exp / "corrupt.png", base)
        (act / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    return exp, act


def run_cli(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "perceptdiff", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=120)


def statuses(rows: list[dict] | list[Entry]) -> dict[str, str]:
    """Status by path, of JSON summary rows or of entries."""
    return {r.name: r.status.value for r in rows} if rows and isinstance(rows[0], Entry) else {
        r["path"]: r["status"] for r in rows}


# ---------------------------------------------------------------------------
# Finding files
# ---------------------------------------------------------------------------

def test_find_images_walks_recursively_and_skips_hidden_and_non_images(tmp_path: Path) -> None:
    exp, _ = make_tree(tmp_path)
    files, problems = folder.find_images(exp)
    assert set(files) == {"same.png", "UPPER.PNG", "noise.png", "corrupt.png", "sub/visible.png",
                          "sub/deep/removed.png"}
    assert files["sub/visible.png"] == os.path.join(str(exp), "sub", "visible.png")
    assert problems == {}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_find_images_follows_links_without_looping(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "a").mkdir(parents=True)
    write_png(root / "a" / "x.png", textured())
    os.symlink(root, root / "a" / "loop")              # a link back up: must not loop
    os.symlink(root / "a" / "x.png", root / "link.png")  # a link to a file: followed
    os.symlink(root / "a", root / "b")                 # a link to a sibling folder: walked
    files, _ = folder.find_images(root)
    assert set(files) == {"a/x.png", "link.png", "b/x.png"}


def test_match_folders_pairs_by_relative_path(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path)
    specs = {s.path: s for s in folder.match_folders(exp, act)}
    assert set(specs) == set(STATUSES)
    assert specs["sub/deep/new.png"].expected is None and specs["sub/deep/new.png"].actual
    assert specs["sub/deep/removed.png"].actual is None and specs["sub/deep/removed.png"].expected
    assert [s.path for s in folder.match_folders(exp, act)] == sorted(
        STATUSES, key=lambda p: p.split("/"))


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------

@pytest.mark.slow
def test_command_statuses_json_junit_and_exit_2_on_error(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path)
    proc = run_cli("exp", "act", "--json", "sum.json", "--junit", "out/junit.xml", "--jobs", "2",
                   cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    # The listing names every pair that needs a look, and ends with the counts.
    for path in ("corrupt.png", "sub/visible.png", "sub/deep/removed.png", "sub/deep/new.png"):
        assert path in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("7 pairs: 1 failed")

    summary = json.loads((tmp_path / "sum.json").read_text())
    assert summary["schema"] == "perceptdiff-batch" and summary["schema_version"] == 3
    assert summary["expected_dir"] == "exp" and summary["actual_dir"] == "act"
    assert summary["exit_code"] == 2
    assert summary["counts"] == {"total": 7, "identical": 2, "pass": 1, "fail": 1, "new": 1,
                                 "removed": 1, "renamed": 0, "error": 1}
    assert statuses(summary["pairs"]) == STATUSES
    assert [p["path"] for p in summary["pairs"]] == sorted(STATUSES, key=lambda p: p.split("/"))
    assert set(summary["timings"]) == {"wall_s", "compare_s", "jobs"}
    rows = {p["path"]: p for p in summary["pairs"]}
    for row in rows.values():
        assert set(row) == {"path", "status", "expected", "actual", "result", "error", "diff",
                            "accept", "notes", "baseline", "reason", "images", "diff_framed",
                            "seconds", "location", "from"}
    assert rows["sub/deep/new.png"]["baseline"] == "exp/sub/deep/new.png"  # where accepting writes
    assert rows["sub/deep/new.png"]["reason"] == "only in the actual folder: no baseline yet"
    assert rows["sub/visible.png"]["result"]["verdict"] == "fail"
    assert rows["sub/visible.png"]["result"]["regions"]
    assert rows["noise.png"]["result"]["verdict"] == "pass"
    assert rows["corrupt.png"]["result"] is None and "act/corrupt.png" in rows["corrupt.png"]["error"]
    assert rows["sub/deep/new.png"]["expected"] is None and rows["sub/deep/new.png"]["result"] is None
    assert rows["same.png"]["accept"] is None
    assert rows["sub/visible.png"]["accept"] == "cp -- act/sub/visible.png exp/sub/visible.png"
    assert rows["sub/deep/new.png"]["accept"] == (
        "mkdir -p -- exp/sub/deep && cp -- act/sub/deep/new.png exp/sub/deep/new.png")
    assert rows["sub/deep/removed.png"]["accept"] == "rm -- exp/sub/deep/removed.png"

    suite_root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    cases = suite_root.findall("./testsuite/testcase")
    assert len(suite_root.findall("./testsuite")) == 1
    assert len(cases) == 7
    by_file = {c.get("file"): c for c in cases}
    assert by_file["sub/visible.png"].get("classname") == "perceptdiff.sub"
    assert by_file["sub/visible.png"].get("name") == "visible.png"
    assert by_file["sub/visible.png"].find("failure").get("type") == "visible-difference"
    assert by_file["sub/deep/removed.png"].find("failure").get("type") == "removed"
    assert by_file["corrupt.png"].find("error") is not None
    assert by_file["sub/deep/new.png"].find("skipped") is not None
    assert by_file["same.png"].find("failure") is None and by_file["noise.png"].find("failure") is None
    suite = suite_root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == \
        ("7", "2", "1", "1")


@pytest.mark.slow
def test_exit_1_on_fail_or_removed_and_0_when_only_new(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path, corrupt=False)
    assert run_cli(exp, act, "-q", cwd=tmp_path).returncode == 1
    # Only identical, invisible and new pairs left: nothing fails.
    os.remove(act / "sub" / "visible.png")
    os.remove(exp / "sub" / "visible.png")
    os.remove(exp / "sub" / "deep" / "removed.png")
    proc = run_cli(exp, act, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "NEW" in proc.stdout and "1 new" in proc.stdout


@pytest.mark.slow
def test_quiet_prints_only_errors_and_json_to_stdout(tmp_path: Path) -> None:
    make_tree(tmp_path)
    proc = run_cli("exp", "act", "-q", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == ("perceptdiff: error: corrupt.png: act/corrupt.png: "
                                   + proc.stderr.split("act/corrupt.png: ", 1)[1].strip())
    assert len(proc.stderr.strip().splitlines()) == 1

    proc = run_cli("exp", "act", "--jobs", "1", "--json", cwd=tmp_path)
    summary = json.loads(proc.stdout)  # stdout is the JSON alone
    assert statuses(summary["pairs"]) == STATUSES
    # Without a terminal, progress is one plain line per pair on stderr.
    progress = [ln for ln in proc.stderr.splitlines() if ln.startswith("[")]
    assert len(progress) == 7 and progress[-1].startswith("[7/7]")


@pytest.mark.slow
def test_bad_options_with_folders_are_one_line_exit_2(tmp_path: Path) -> None:
    make_tree(tmp_path)
    for args in (["--jobs", "0"], ["--report", "exp/report"], ["--ppd", "-3"]):
        proc = run_cli("exp", "act", *args, cwd=tmp_path)
        assert proc.returncode == 2, args
        assert proc.stderr.startswith("perceptdiff: error:"), proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "exp" / "report").exists()


@pytest.mark.slow
def test_accept_commands_make_the_run_pass_even_with_awkward_names(tmp_path: Path) -> None:
    exp, act = tmp_path / "my exp", tmp_path / "act"
    name = "it's a \"chart\" $HOME.png"
    for side in (exp, act):
        (side / "new dir").mkdir(parents=True)
    write_png(exp / name, textured())
    write_png(act / name, visibly_changed(textured()))
    write_png(act / "new dir" / name, textured(5))
    write_png(exp / "gone.png", striped(1))
    proc = run_cli("my exp", "act", "--json", "s.json", cwd=tmp_path)
    assert proc.returncode == 1
    rows = json.loads((tmp_path / "s.json").read_text())["pairs"]
    assert statuses(rows) == {name: "fail", f"new dir/{name}": "new", "gone.png": "removed"}
    script = "\n".join(r["accept"] for r in rows if r["accept"])
    subprocess.run(["sh", "-e", "-c", script], cwd=tmp_path, check=True)
    proc = run_cli("my exp", "act", "--json", "s.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    rows = json.loads((tmp_path / "s.json").read_text())["pairs"]
    assert statuses(rows) == {name: "identical", f"new dir/{name}": "identical"}


# ---------------------------------------------------------------------------
# In-process API
# ---------------------------------------------------------------------------

def _comparable(rows: list[Entry]) -> list[dict]:
    out = []
    for r in rows:
        res = dict(r.result or {})
        res.pop("timings", None)
        out.append({"path": r.name, "status": r.status, "error": r.error, "accept": r.accept, "result": res})
    return out


@pytest.mark.slow
def test_jobs_1_and_jobs_2_give_the_same_results(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path)
    one = folder.compare_folders(exp, act, jobs=1)
    two = folder.compare_folders(exp, act, jobs=2)
    assert one.jobs == 1 and two.jobs == 2
    assert _comparable(one.pairs) == _comparable(two.pairs)
    assert statuses(one.pairs) == STATUSES
    assert one.exit_code == two.exit_code == 2


class RenamedMetric(type(perceptdiff.get_metric("perceptdiff"))):  # type: ignore[misc]
    """The default model under another name: a metric a program registers itself.

    Its class is found through the registry, so the test does not depend on
    the module that defines the default metric.
    """

    name = "folder-test-metric"


@pytest.mark.slow
def test_a_registered_metric_reaches_the_worker_processes(tmp_path: Path) -> None:
    # Workers start from a fresh interpreter (forkserver): the metric travels to them.
    perceptdiff.register_metric(RenamedMetric.name, RenamedMetric())
    exp, act = make_tree(tmp_path, corrupt=False)
    options = {"metric": RenamedMetric.name}
    one = folder.compare_folders(exp, act, jobs=1, options=options)
    two = folder.compare_folders(exp, act, jobs=2, options=options)
    assert two.jobs == 2
    assert Status.ERROR not in {r.status for r in two.pairs}, [r.error for r in two.pairs]
    assert _comparable(two.pairs) == _comparable(one.pairs)
    assert {r.result["metric"] for r in two.pairs if r.result} == {RenamedMetric.name}


def test_options_apply_to_every_pair(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path, corrupt=False)
    # A huge threshold makes the visible change pass; the options are recorded.
    result = folder.compare_folders(exp, act, jobs=1, options={"jnd_threshold": 1e5})
    assert statuses(result.pairs)["sub/visible.png"] == "pass"
    assert result.to_dict()["options"] == {"jnd_threshold": 1e5}
    with pytest.raises(OptionError):
        folder.compare_folders(exp, act, options={"jnd_threshold": -1})


def test_diff_folder_gets_one_diff_image_per_non_identical_pair(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path)
    result = folder.compare_folders(exp, act, jobs=1, diff_dir=tmp_path / "diffs")
    written = sorted(p.relative_to(tmp_path / "diffs").as_posix()
                     for p in (tmp_path / "diffs").rglob("*") if p.is_file())
    assert written == ["noise.png", "sub/visible.png"]
    rows = {r.name: r for r in result.pairs}
    assert rows["sub/visible.png"].diff == str(tmp_path / "diffs" / "sub" / "visible.png")
    assert rows["same.png"].diff is None
    with PILImage.open(tmp_path / "diffs" / "sub" / "visible.png") as im:
        assert im.format == "PNG" and im.width >= W
    # --diff must name a folder when comparing folders.
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(OptionError):
        folder.compare_folders(exp, act, diff_dir=tmp_path / "file.png")


@pytest.mark.slow
def test_report_folder_contents(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path)
    write_png(exp / "t.tiff", textured(7))
    PILImage.fromarray(visibly_changed(textured(7))).save(act / "t.tiff")
    result = folder.compare_folders(exp, act, jobs=2, report=tmp_path / "rep")
    rep = tmp_path / "rep"
    assert result.report == rep / "index.html"
    assert {p.name for p in rep.iterdir()} == {"index.html", "data.js", "summary.json", "assets",
                                              "pairs", MARKER}
    assert (rep / "assets" / "report.js").is_file() and (rep / "assets" / "report.css").is_file()
    html = (rep / "index.html").read_text()
    assert 'src="data.js"' in html and 'src="assets/report.js"' in html
    assert "http://" not in html and "https://" not in html  # nothing from the network
    js = (rep / "data.js").read_text()
    prefix = "window.PERCEPTDIFF_REPORT = "
    data = json.loads(js[js.index(prefix) + len(prefix):].rstrip().rstrip(";"))
    assert data["counts"]["total"] == 8
    pairs = {p["name"]: p for p in data["pairs"]}
    # Every picture the page refers to is in the report.
    for p in pairs.values():
        for kind, rel in p["images"].items():
            if kind != "diff_framed":
                assert (rep / rel).is_file(), (p["name"], rel)
    vis = pairs["sub/visible.png"]
    assert set(vis["images"]) == {"expected", "actual", "diff", "diff_framed"}
    with PILImage.open(rep / vis["images"]["diff"]) as im:  # the heatmap is in the compared frame
        assert im.size == (W, H)
    assert pairs["same.png"]["images"]["expected"] == pairs["same.png"]["images"]["actual"]
    assert set(pairs["sub/deep/new.png"]["images"]) == {"actual"}
    assert set(pairs["sub/deep/removed.png"]["images"]) == {"expected"}
    assert pairs["t.tiff"]["images"]["actual"].endswith(".png")  # browsers do not show TIFF
    assert pairs["sub/visible.png"]["accept"].startswith("cp -- ")
    summary = json.loads((rep / "summary.json").read_text())
    assert summary["schema"] == "perceptdiff-batch" and summary["counts"] == data["counts"]


def test_report_replaces_its_own_folder_and_nothing_else(tmp_path: Path) -> None:
    exp, act = make_tree(tmp_path)
    rep = tmp_path / "rep"
    folder.compare_folders(exp, act, jobs=1, report=rep)
    # A second run with fewer pairs replaces the report whole: no stale pictures.
    shutil.rmtree(exp / "sub")
    shutil.rmtree(act / "sub")
    folder.compare_folders(exp, act, jobs=1, report=rep)
    assert len(list((rep / "pairs").iterdir())) <= 4
    assert not any(p.name.startswith(".rep.") for p in tmp_path.iterdir())  # no staging left over
    # A folder with other content is never overwritten.
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(PerceptdiffError, match="not overwritten"):
        folder.compare_folders(exp, act, jobs=1, report=other)
    assert [p.name for p in other.iterdir()] == ["keep.txt"]
    # A report folder inside the compared actual folder is not compared itself.
    result = folder.compare_folders(exp, act, jobs=1, report=act / "report")
    assert all(not r.name.startswith("report/") for r in result.pairs)



# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------

def _progress(entries: list[Entry], **kwargs: bool) -> str:
    """What :class:`folder.Progress` writes while ``entries`` finish."""
    out = io.StringIO()
    p = folder.Progress(out, **kwargs)
    p.start(len(entries))
    for entry in entries:
        p.update(entry)
    p.close()
    return out.getvalue()


def test_progress_bar_on_a_terminal_and_lines_elsewhere() -> None:
    row = Entry("a.png", Status.FAIL, result={"reason": "visible"})
    ok = Entry("b.png", Status.IDENTICAL, result={"reason": "same"})
    out = _progress([row, ok], tty=True)
    assert "FAIL      a.png: visible\n" in out
    assert "\r\x1b[K[" in out and "2/2 100% 1 not passing" in out and out.endswith("\n")
    assert "b.png" not in out  # passing pairs only move the bar

    # The listing goes to the same terminal: no line printed twice.
    out = _progress([row], tty=True, echo_notable=False)
    assert "a.png" not in out and "1/1 100% 1 not passing" in out

    assert _progress([row, ok], tty=False) == "[1/2] FAIL      a.png\n[2/2] IDENTICAL b.png\n"
    assert _progress([row], quiet=True, tty=True) == ""



@pytest.mark.slow
def test_empty_folders_pass_and_diff_must_name_a_folder(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    (tmp_path / "a").mkdir()
    proc = run_cli("e", "a", "--report", "r", "--json", "s.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "0 pairs" in proc.stdout
    assert json.loads((tmp_path / "s.json").read_text())["counts"]["total"] == 0
    assert (tmp_path / "r" / "index.html").is_file()
    proc = run_cli("e", "a", "--diff", "out.png", cwd=tmp_path)
    assert proc.returncode == 2 and "--diff out.png" in proc.stderr
    assert not (tmp_path / "out.png").exists()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes in names")
def test_file_names_that_are_not_utf8_do_not_break_the_outputs(tmp_path: Path) -> None:
    exp, act = tmp_path / "e", tmp_path / "a"
    exp.mkdir()
    act.mkdir()
    name = os.fsdecode(b"caf\xe9.png")  # Latin-1 name: a lone surrogate in Python
    write_png(exp / name, textured())
    write_png(act / name, visibly_changed(textured()))
    proc = run_cli("e", "a", "--report", "r", "--json", "s.json", "--junit", "j.xml", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr
    assert "caf\\xe9.png" in proc.stdout  # the undecodable byte shown as itself (perceptdiff.names)
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert summary["pairs"][0]["path"] == name  # the JSON escape is the same character
    assert json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))["counts"]["fail"] == 1
    assert ET.parse(tmp_path / "j.xml").getroot().find("./testsuite/testcase").get("name") == "caf\ufffd.png"


def test_variants_beside_a_baseline_are_its_approved_spread(tmp_path: Path) -> None:
    """``name.variant-*.png`` beside ``name.png``: one pair compared against every variant."""
    from PIL import Image as PILImage
    from test_variants import VARIANTS, render

    exp, act = tmp_path / "exp", tmp_path / "act"
    (exp / "sub").mkdir(parents=True)
    (act / "sub").mkdir(parents=True)
    names = ["label.png", "label.variant-mac.png", "label.variant-win.png"]
    for name, v in zip(names, VARIANTS):
        PILImage.fromarray(render(*v)).save(exp / "sub" / name)
    PILImage.fromarray(render("Invoice 1042", 0.375)).save(act / "sub" / "label.png")
    PILImage.fromarray(render("Invoice 1043", 0.25)).save(exp / "edited.png")
    PILImage.fromarray(render("Invoice 1042", 0.25)).save(act / "edited.png")
    PILImage.fromarray(render("Invoice 1042")).save(act / "lone.variant-x.png")   # no base: a new image
    out = folder.compare_folders(exp, act, jobs=1)
    by_path = {e.name: e for e in out.pairs}
    assert sorted(by_path) == ["edited.png", "lone.variant-x.png", "sub/label.png"]
    label = by_path["sub/label.png"]
    assert label.status.value == "pass" and "within the spread of 3 baseline variants" in label.result["reason"]
    assert by_path["edited.png"].status.value == "fail"
    assert by_path["lone.variant-x.png"].status.value == "new"
    assert folder.pairing.variant_base("a/b.variant-mac.png") == "a/b.png"
    assert folder.pairing.variant_base("a/b.png") is None

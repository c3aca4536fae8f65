"""Renamed files in folder mode (:func:`perceptdiff.folder.pairing.pair_renamed`): a file only in
ACTUAL and one only in EXPECTED that show the same picture are one ``renamed`` pair, compared as
usual; through the real command (JSON, exit status, listing, accept commands) and in-process.

Pairing by path is tested in ``test_folder.py``; ``perceptdiff accept --renamed`` in
``test_commands_accept.py``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from test_folder import run_cli, statuses, striped, textured, write_png
from perceptdiff import folder
from perceptdiff.entry import Status
from perceptdiff.folder.pairing import PairSpec, pair_renamed


def small_change(img: np.ndarray) -> np.ndarray:
    """A 6×6 red block: plainly visible, yet the picture's signature stays near (0.10)."""
    out = img.copy()
    out[30:36, 40:46, :3] = (200, 30, 30)
    return out


def _rows(path: Path) -> dict[str, dict]:
    return {r["path"]: r for r in json.loads(path.read_text())["pairs"]}


@pytest.mark.slow
def test_a_rename_is_one_pair_with_its_old_name_and_exits_1(tmp_path: Path) -> None:
    exp, act = tmp_path / "exp", tmp_path / "act"
    (exp / "old").mkdir(parents=True)
    (act / "new").mkdir(parents=True)
    write_png(exp / "old" / "chart.png", textured(0))
    write_png(act / "new" / "chart.png", textured(0))
    write_png(exp / "same.png", textured(1))
    write_png(act / "same.png", textured(1))
    proc = run_cli("exp", "act", "--json", "s.json", cwd=tmp_path)
    # A clean rename still fails the run: the baselines carry the old name.
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "RENAMED   old/chart.png -> new/chart.png: renamed (signature distance 0.000), the same pixels" \
        in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("2 pairs: 0 failed, 1 renamed, 1 passed")
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["schema_version"] == 3 and summary["exit_code"] == 1
    assert summary["counts"]["renamed"] == 1 and summary["counts"]["new"] == summary["counts"]["removed"] == 0
    row = _rows(tmp_path / "s.json")["new/chart.png"]
    assert row["status"] == "renamed" and row["from"] == "old/chart.png"
    assert row["expected"] == "exp/old/chart.png" and row["actual"] == "act/new/chart.png"
    assert row["result"]["verdict"] == "identical" and row["baseline"] == "exp/new/chart.png"
    assert _rows(tmp_path / "s.json")["same.png"]["from"] is None
    # --no-renames: the old listing, a new and a removed file.
    proc = run_cli("exp", "act", "--json", "s.json", "--no-renames", cwd=tmp_path)
    assert proc.returncode == 1
    assert statuses(list(_rows(tmp_path / "s.json").values())) == {
        "new/chart.png": "new", "old/chart.png": "removed", "same.png": "identical"}
    proc = run_cli("exp/same.png", "act/same.png", "--no-renames", cwd=tmp_path)
    assert proc.returncode == 2 and "--no-renames: only when both arguments are folders" in proc.stderr
    # The accept command makes the folders agree: afterwards the run passes.
    subprocess.run(["sh", "-e", "-c", row["accept"]], cwd=tmp_path, check=True)
    assert not (exp / "old" / "chart.png").exists()
    proc = run_cli("exp", "act", "--json", "s.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert statuses(list(_rows(tmp_path / "s.json").values())) == {"new/chart.png": "identical",
                                                                   "same.png": "identical"}


@pytest.mark.slow
def test_a_rename_whose_picture_changed_visibly_says_so(tmp_path: Path) -> None:
    exp, act = tmp_path / "exp", tmp_path / "act"
    for side in (exp, act):
        side.mkdir()
    write_png(exp / "login.png", textured(5))
    write_png(act / "sign-in.png", small_change(textured(5)))
    proc = run_cli("exp", "act", "--json", "s.json", "--diff", "diffs", "--junit", "j.xml", cwd=tmp_path)
    assert proc.returncode == 1
    row = _rows(tmp_path / "s.json")["sign-in.png"]
    assert row["status"] == "renamed" and row["from"] == "login.png"
    assert row["result"]["verdict"] == "fail" and row["result"]["region_count"] >= 1
    assert row["reason"].startswith("renamed (signature distance 0.")
    assert "and the picture differs visibly: " in row["reason"]
    assert "RENAMED   login.png -> sign-in.png: renamed (signature distance" in proc.stdout
    assert row["diff"] == "diffs/sign-in.png" and (tmp_path / "diffs" / "sign-in.png").is_file()
    junit = (tmp_path / "j.xml").read_text()
    assert 'type="visible-difference" message="renamed from login.png: renamed' in junit


def test_two_renames_at_once_are_not_crossed(tmp_path: Path) -> None:
    # The two pictures are near each other too (0.19, under the threshold): only the
    # one-to-one assignment with the smallest total keeps each with its own copy.
    exp, act = tmp_path / "exp", tmp_path / "act"
    for side in (exp, act):
        side.mkdir()
    write_png(exp / "a.png", textured(0))
    write_png(exp / "b.png", textured(5))
    write_png(act / "x.png", textured(5))
    write_png(act / "y.png", textured(0))
    result = folder.compare_folders(exp, act, jobs=1)
    assert [(e.name, e.status, e.renamed_from, e.verdict) for e in result.pairs] == [
        ("x.png", Status.RENAMED, "b.png", "identical"), ("y.png", Status.RENAMED, "a.png", "identical")]
    assert result.exit_code == 1


def test_a_new_file_that_resembles_nothing_stays_new(tmp_path: Path) -> None:
    exp, act = tmp_path / "exp", tmp_path / "act"
    for side in (exp, act):
        side.mkdir()
    write_png(exp / "gone.png", striped(0))
    write_png(act / "fresh.png", textured(2))
    (act / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)  # unreadable: never paired
    result = folder.compare_folders(exp, act, jobs=1)
    assert {e.name: (e.status, e.renamed_from) for e in result.pairs} == {
        "broken.png": (Status.NEW, None), "fresh.png": (Status.NEW, None), "gone.png": (Status.REMOVED, None)}
    # Asked not to pair renames, even a copy stays new and removed.
    write_png(act / "gone-too.png", striped(0))
    off = folder.compare_folders(exp, act, jobs=1, renames=False)
    assert statuses(off.pairs)["gone.png"] == "removed" and statuses(off.pairs)["gone-too.png"] == "new"
    on = folder.compare_folders(exp, act, jobs=1)
    assert statuses(on.pairs) == {"broken.png": "new", "fresh.png": "new", "gone-too.png": "renamed"}


def test_every_shard_pairs_the_same_rename_and_only_the_new_paths_shard_lists_it(tmp_path: Path) -> None:
    exp, act = tmp_path / "exp", tmp_path / "act"
    for side in (exp, act):
        side.mkdir()
    for i in range(6):
        write_png(exp / f"old{i}.png", textured(10 * i))
        write_png(act / f"new{i}.png", textured(10 * i))
    shards = [folder.compare_folders(exp, act, jobs=1, shard=(k, 3)) for k in (1, 2, 3)]
    listed = [(e.name, e.status.value, e.renamed_from) for s in shards for e in s.pairs]
    assert sorted(listed) == [(f"new{i}.png", "renamed", f"old{i}.png") for i in range(6)]


def test_pair_renamed_leaves_big_files_and_problems_alone(tmp_path: Path) -> None:
    write_png(tmp_path / "a.png", textured(0))
    write_png(tmp_path / "b.png", textured(0))
    specs = [PairSpec("a.png", str(tmp_path / "a.png"), None), PairSpec("b.png", None, str(tmp_path / "b.png")),
             PairSpec("sub/", None, None, "actual cannot read folder (Permission denied)")]
    assert pair_renamed(specs, max_file_bytes=10) == specs  # too big to sign: as they were
    joined = pair_renamed(specs)
    assert [(s.path, s.renamed_from, s.problem is None) for s in joined] == [
        ("b.png", "a.png", True), ("sub/", None, False)]
    assert joined[0].distance == pytest.approx(0.0, abs=1e-6)


def test_diff_base_and_color_reach_every_diff_image_of_a_folder_run(tmp_path: Path) -> None:
    # Folder mode honours --diff-base and --diff-color as the two-image command does.
    from perceptdiff.errors import OptionError
    from PIL import Image as PILImage

    exp, act = tmp_path / "exp", tmp_path / "act"
    for side in (exp, act):
        side.mkdir()
    base = textured(3)
    write_png(exp / "a.png", base)
    write_png(act / "a.png", small_change(base))
    write_png(exp / "size.png", base)
    write_png(act / "size.png", base[:40])  # sizes differ: the picture still shows both images
    result = folder.compare_folders(exp, act, jobs=1, diff_dir=tmp_path / "d", diff_style="mask",
                                    diff_color=(0, 255, 0))
    assert {e.name: e.notes for e in result.pairs} == {"a.png": [], "size.png": []}
    mask = np.asarray(PILImage.open(tmp_path / "d" / "a.png").convert("RGBA"))
    marked = mask[..., 3] > 0
    assert marked.any() and (mask[marked][:, :3] == (0, 255, 0)).all()  # the one colour asked for
    assert (tmp_path / "d" / "size.png").is_file()
    with pytest.raises(OptionError, match="--diff-base: 'middle' is not one of expected, actual"):
        folder.compare_folders(exp, act, diff_dir=tmp_path / "d", diff_base="middle")


@pytest.mark.slow
def test_diff_base_and_color_through_the_command_match_the_two_image_command(tmp_path: Path) -> None:
    exp, act = tmp_path / "exp", tmp_path / "act"
    for side in (exp, act):
        side.mkdir()
    write_png(exp / "a.png", textured(3))
    write_png(act / "a.png", small_change(textured(3)))
    flags = ("--diff-base", "actual", "--diff-color", "#00ff00", "--diff-style", "sidebyside")
    assert run_cli("exp", "act", "--diff", "d", *flags, cwd=tmp_path).returncode == 1
    assert run_cli("exp/a.png", "act/a.png", "--diff", "one.png", *flags, cwd=tmp_path).returncode == 1
    assert (tmp_path / "d" / "a.png").read_bytes() == (tmp_path / "one.png").read_bytes()
    assert run_cli("exp", "act", "--diff", "plain", cwd=tmp_path).returncode == 1
    assert (tmp_path / "plain" / "a.png").read_bytes() != (tmp_path / "one.png").read_bytes()

"""``perceptdiff accept``: new images of failing and new pairs over their baselines, nothing else."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from perceptdiff.cli import main
from test_folder import make_tree, run_cli


@pytest.fixture
def compared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder comparison of a tree with one pair of every status, its summary in s.json."""
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["exp", "act", "--jobs", "1", "-q", "--json", "s.json", "--report", "rep"]) == 2
    return tmp_path


def _snapshot(folder: str) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in Path(folder).rglob("*") if p.is_file()}


def test_accept_copies_fail_and_new_and_touches_nothing_else(compared: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot("exp")
    assert main(["accept", "s.json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"accepted NEW  sub/deep/new.png: {os.path.join('act', 'sub', 'deep', 'new.png')} -> "
        f"{os.path.join('exp', 'sub', 'deep', 'new.png')}",
        f"accepted FAIL sub/visible.png: {os.path.join('act', 'sub', 'visible.png')} -> "
        f"{os.path.join('exp', 'sub', 'visible.png')}",
        "2 baseline(s) written (2 removed/error pair(s) left alone)",
    ]
    after = _snapshot("exp")
    assert after["sub/visible.png"][0] == Path("act/sub/visible.png").read_bytes()
    assert after["sub/deep/new.png"][0] == Path("act/sub/deep/new.png").read_bytes()
    # Removed, error, pass and identical pairs: not a byte or a timestamp changed.
    for rel in ("sub/deep/removed.png", "corrupt.png", "noise.png", "same.png", "UPPER.PNG"):
        assert after[rel] == before[rel], rel
    assert set(after) == set(before) | {"sub/deep/new.png"}
    assert not [p for p in Path("exp").rglob("*.tmp")]  # atomic writes leave nothing behind
    # Now the comparison has only the removed and the corrupt pair to complain about.
    assert main(["exp", "act", "--jobs", "1", "-q", "--json", "again.json"]) == 2
    counts = json.loads(Path("again.json").read_text())["counts"]
    assert counts["fail"] == 0 and counts["new"] == 0 and counts["removed"] == 1


def test_dry_run_writes_nothing_and_only_filters(compared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot("exp")
    assert main(["accept", "s.json", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("would accept") == 2 and "2 baseline(s) to write" in out
    assert _snapshot("exp") == before
    assert main(["accept", "rep/summary.json", "--only", "sub/deep/*"]) == 0
    out = capsys.readouterr().out
    assert "accepted NEW  sub/deep/new.png" in out and "visible" not in out
    assert main(["accept", "s.json", "--only", "nothing*"]) == 0
    assert "0 baseline(s) written" in capsys.readouterr().out


def test_a_staged_copy_stands_in_for_a_missing_new_image(compared: Path) -> None:
    # The summary came from CI with its report; the renders are not here.
    shutil.rmtree("act")
    assert main(["accept", "rep/summary.json", "--only", "sub/visible.png"]) == 0
    staged = json.loads(Path("rep/summary.json").read_text())
    row = next(p for p in staged["pairs"] if p["path"] == "sub/visible.png")
    assert Path("exp/sub/visible.png").read_bytes() == Path("rep", row["images"]["actual"]).read_bytes()


def test_missing_new_image_is_trouble(compared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree("act")
    # --json elsewhere names the report's staged copies from its own folder: they stand in.
    assert main(["accept", "s.json", "--only", "sub/visible.png"]) == 0
    capsys.readouterr()
    shutil.rmtree("rep")  # and now neither the renders nor the report are here
    assert main(["accept", "s.json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("perceptdiff accept: error: sub/deep/new.png: new image") and "not found" in err
    assert len(err.splitlines()) == 1


def test_a_baseline_outside_the_expected_folder_is_refused(compared: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    summary = json.loads(Path("s.json").read_text())
    for row in summary["pairs"]:
        if row["path"] == "sub/visible.png":
            row["baseline"] = "elsewhere/visible.png"
        if row["path"] == "sub/deep/new.png":
            row["baseline"] = "exp/sub/notes.txt"
    Path("evil.json").write_text(json.dumps(summary))
    assert main(["accept", "evil.json", "--only", "sub/visible.png"]) == 2
    assert "is outside exp; not written" in capsys.readouterr().err
    assert main(["accept", "evil.json", "--only", "sub/deep/*"]) == 2
    assert "is not an image file name" in capsys.readouterr().err
    assert not Path("elsewhere").exists() and not Path("exp/sub/notes.txt").exists()


@pytest.mark.slow
def test_accept_through_the_command(tmp_path: Path) -> None:
    make_tree(tmp_path, corrupt=False)
    assert run_cli("exp", "act", "--json", "s.json", "-q", cwd=tmp_path).returncode == 1
    proc = run_cli("accept", "s.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("accepted ") == 2
    assert run_cli("exp", "act", "-q", cwd=tmp_path).returncode == 1  # the removed file stays removed
    assert run_cli("accept", "--help", cwd=tmp_path).stdout.startswith("usage: perceptdiff accept")

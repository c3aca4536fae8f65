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


@pytest.fixture
def renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder comparison with one clean rename (old/a.png -> new/a.png), one changed rename
    (b.png -> b2.png) and a failing pair; its summary in s.json."""
    from test_folder import striped, textured, visibly_changed, write_png
    from test_folder_pairing import small_change

    exp, act = tmp_path / "exp", tmp_path / "act"
    (exp / "old").mkdir(parents=True)
    (act / "new").mkdir(parents=True)
    write_png(exp / "old" / "a.png", textured(0))
    write_png(act / "new" / "a.png", textured(0))
    write_png(exp / "b.png", striped(0))
    write_png(act / "b2.png", small_change(striped(0)))
    write_png(exp / "c.png", textured(9))
    write_png(act / "c.png", visibly_changed(textured(9)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["exp", "act", "--jobs", "1", "-q", "--json", "s.json"]) == 1
    rows = {r["path"]: (r["status"], r["from"]) for r in json.loads(Path("s.json").read_text())["pairs"]}
    assert rows == {"new/a.png": ("renamed", "old/a.png"), "b2.png": ("renamed", "b.png"), "c.png": ("fail", None)}
    return tmp_path


def test_renamed_pairs_are_left_alone_without_the_flag(renamed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot("exp")
    assert main(["accept", "s.json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == ("1 baseline(s) written (2 renamed pair(s) left alone); "
                       "--renamed copy|move accepts the renamed ones")
    after = _snapshot("exp")
    assert set(after) == set(before) and after["old/a.png"] == before["old/a.png"]
    assert after["b.png"] == before["b.png"]


def test_renamed_copy_keeps_the_old_baseline(renamed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot("exp")
    assert main(["accept", "s.json", "--renamed", "copy", "--only", "old/*"]) == 0  # the old name chooses too
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"accepted RENAMED new/a.png: {os.path.join('act', 'new', 'a.png')} -> "
                      f"{os.path.join('exp', 'new', 'a.png')}")
    after = _snapshot("exp")
    assert after["new/a.png"][0] == Path("act/new/a.png").read_bytes()
    assert after["old/a.png"] == before["old/a.png"] and after["b.png"] == before["b.png"]


def test_renamed_move_deletes_the_old_baseline_after_writing_the_new(renamed: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot("exp")
    assert main(["accept", "s.json", "--renamed", "move", "--dry-run"]) == 0
    assert "(old baseline exp/b.png to delete)" in capsys.readouterr().out
    assert _snapshot("exp") == before
    assert main(["accept", "s.json", "--renamed", "move"]) == 0
    out = capsys.readouterr().out
    assert "3 baseline(s) written, 2 old baseline(s) deleted" in out
    assert sorted(_snapshot("exp")) == ["b2.png", "c.png", "new/a.png"]
    assert not [p for p in Path("exp").rglob("*.tmp")]
    # The changed rename's new image became the baseline: the folders now agree.
    assert Path("exp/b2.png").read_bytes() == Path("act/b2.png").read_bytes()
    assert main(["exp", "act", "--jobs", "1", "-q"]) == 0


def test_renamed_move_refuses_an_old_baseline_outside_the_expected_folder(
        renamed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = json.loads(Path("s.json").read_text())
    for row in summary["pairs"]:
        if row["path"] == "b2.png":
            row["expected"] = "act/c.png"
    Path("evil.json").write_text(json.dumps(summary))
    assert main(["accept", "evil.json", "--renamed", "move", "--only", "b2.png"]) == 2
    assert "b2.png: old baseline 'act/c.png' is outside exp; not deleted" in capsys.readouterr().err
    assert Path("act/c.png").exists() and not Path("exp/b2.png").exists()


@pytest.fixture
def with_variants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A failing pair c.png whose baseline has two approved variants (neither matches), and a new pair."""
    from test_folder import textured, visibly_changed, write_png

    exp, act = tmp_path / "exp", tmp_path / "act"
    exp.mkdir()
    act.mkdir()
    write_png(exp / "c.png", textured(9))
    write_png(exp / "c.variant-1.png", textured(10))
    write_png(exp / "c.variant-mac.png", textured(11))
    write_png(act / "c.png", visibly_changed(textured(9)))
    write_png(act / "n.png", textured(4))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["exp", "act", "--jobs", "1", "-q", "--json", "s.json"]) == 1
    rows = {r["path"]: r["status"] for r in json.loads(Path("s.json").read_text())["pairs"]}
    assert rows == {"c.png": "fail", "n.png": "new"}
    return tmp_path


def test_a_baseline_with_variants_is_refused_without_being_told_what_the_new_image_is(
        with_variants: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot("exp")
    assert main(["accept", "s.json"]) == 2
    err = capsys.readouterr().err
    assert "c.png: its baseline has 2 approved variant(s) (c.variant-1.png, c.variant-mac.png)" in err
    assert "--variants add" in err and "--variants drop" in err
    assert _snapshot("exp") == before  # refused before anything was written: not even the new pair


def test_variants_add_writes_the_next_free_variant_and_keeps_the_rest(with_variants: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot("exp")
    taken = with_variants / "exp" / "c.variant-3.png"
    shutil.copyfile(with_variants / "exp" / "c.variant-1.png", taken)  # a name that exists is never written
    before = _snapshot("exp")
    assert main(["accept", "s.json", "--variants", "add", "--dry-run"]) == 0
    assert "c.variant-4.png (a new variant; the baseline stays)" in capsys.readouterr().out
    assert main(["accept", "s.json", "--variants", "add"]) == 0
    out = capsys.readouterr().out
    assert f"-> {os.path.join('exp', 'c.variant-4.png')} (a new variant; the baseline stays)" in out
    after = _snapshot("exp")
    for rel in before:
        assert after[rel] == before[rel], rel
    assert after["c.variant-4.png"][0] == Path("act/c.png").read_bytes()
    assert after["n.png"][0] == Path("act/n.png").read_bytes()  # a new pair is a baseline, as always
    # The new look is approved now: the same comparison passes.
    assert main(["exp", "act", "--jobs", "1", "-q"]) == 0


def test_variants_drop_replaces_the_baseline_then_deletes_its_variants(with_variants: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accept", "s.json", "--variants", "drop", "--dry-run"]) == 0
    assert "(2 variant(s) to delete)" in capsys.readouterr().out
    assert sorted(p.name for p in Path("exp").iterdir()) == ["c.png", "c.variant-1.png", "c.variant-mac.png"]
    assert main(["accept", "s.json", "--variants", "drop"]) == 0
    assert "(2 variant(s) deleted)" in capsys.readouterr().out
    assert sorted(p.name for p in Path("exp").iterdir()) == ["c.png", "n.png"]
    assert Path("exp/c.png").read_bytes() == Path("act/c.png").read_bytes()
    assert main(["exp", "act", "--jobs", "1", "-q"]) == 0


def test_variants_add_without_variants_keeps_the_baseline(compared: Path) -> None:
    old = Path("exp/sub/visible.png").read_bytes()
    assert main(["accept", "s.json", "--variants", "add"]) == 0
    assert Path("exp/sub/visible.png").read_bytes() == old
    assert Path("exp/sub/visible.variant-1.png").read_bytes() == Path("act/sub/visible.png").read_bytes()

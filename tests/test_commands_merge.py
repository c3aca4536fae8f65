"""--shard K/N and ``perceptdiff merge``: split a folder comparison, join the pieces into one review."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO
from perceptdiff.cli import main
from perceptdiff.folder.pairing import parse_shard, shard_of
from test_folder import STATUSES, make_tree, run_cli, statuses


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """exp/ and act/ (one pair of every status) in the working folder."""
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def _shards(n: int, *extra: str) -> list[dict]:
    out = []
    for k in range(1, n + 1):
        code = main(["exp", "act", "--shard", f"{k}/{n}", "--report", f"r{k}", "--jobs", "1", "-q", *extra])
        summary = json.loads(Path(f"r{k}", "summary.json").read_text())
        assert code == summary["exit_code"]
        assert summary["shard"] == {"index": k, "total": n}
        out.append(summary)
    return out


def test_shard_of_is_a_stable_partition() -> None:
    paths = [f"dir{i % 7}/image{i}.png" for i in range(400)]
    for n in (1, 2, 3, 8):
        shards = [shard_of(p, n) for p in paths]
        assert set(shards) <= set(range(1, n + 1))
        assert shards == [shard_of(p, n) for p in paths]  # the same on every call (and machine)
    counts = [sum(1 for p in paths if shard_of(p, 4) == k) for k in range(1, 5)]
    assert min(counts) > 60  # a hash, not a bias towards one shard
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "2", "a/b", "1/0", "-1/3"):
        with pytest.raises(ValueError, match="K/N"):
            parse_shard(bad)


def test_shard_values_do_not_change() -> None:
    # Machines of one matrix may run different perceptdiff versions: the assignment is fixed,
    # SHA-256 of the UTF-8 path, its first 8 bytes big-endian, mod N, plus 1.
    assert [shard_of("charts/line.png", 4), shard_of("a.png", 3), shard_of("é/ü.png", 5)] == [4, 3, 4]
    undecodable = "bad\udcff.png"  # a file name that is not UTF-8
    assert shard_of(undecodable, 7) == int.from_bytes(
        hashlib.sha256(b"bad\xff.png").digest()[:8], "big") % 7 + 1


def test_shards_cover_every_pair_once(tree: Path) -> None:
    summaries = _shards(3)
    seen = [p["path"] for s in summaries for p in s["pairs"]]
    assert sorted(seen) == sorted(STATUSES)
    for s in summaries:
        assert all(shard_of(p["path"], 3) == s["shard"]["index"] for p in s["pairs"])


def test_bad_shard_is_a_usage_error(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["exp", "act", "--shard", "3/2"])
    assert exc.value.code == 2
    assert "--shard: '3/2' is not K/N" in capsys.readouterr().err
    assert main(["exp/same.png", "act/same.png", "--shard", "1/2"]) == 2
    assert "--shard: only when both arguments are folders" in capsys.readouterr().err


def test_merge_joins_shards_into_one_report_summary_and_junit(tree: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    full = main(["exp", "act", "--jobs", "1", "-q", "--json", "full.json"])
    _shards(3)
    # The shards' report folders arrive from other machines: moved, the run's folders gone.
    for k in (1, 2, 3):
        shutil.move(f"r{k}", f"downloads/shard-{k}/report")
    shutil.rmtree("act")
    code = main(["merge", *(f"downloads/shard-{k}/report/summary.json" for k in (1, 2, 3)),
                 "--report", "merged", "--junit", "merged.xml", "--json", "out/merged.json"])
    out = capsys.readouterr().out
    assert code == full == 2  # the corrupt pair is an error in the merge as in the whole run
    assert "merged 3 summaries" in out and "7 pairs: 1 failed, 1 removed, 1 new, 1 error" in out
    merged = json.loads(Path("out/merged.json").read_text())
    assert statuses(merged["pairs"]) == STATUSES
    assert merged["counts"] == json.loads(Path("full.json").read_text())["counts"]
    assert [s["shard"]["index"] for s in merged["merged_from"]] == [1, 2, 3]
    # Every picture was restaged into the merged report (the originals are gone).
    report = json.loads(Path("merged/summary.json").read_text())
    rows = {p["path"]: p for p in report["pairs"]}
    visible = rows["sub/visible.png"]
    assert set(visible["images"]) == {"expected", "actual", "diff"} and visible["diff_framed"]
    for row in rows.values():
        for rel in row["images"].values():
            assert Path("merged", rel).is_file()
    # --json elsewhere names the same pictures from its own folder.
    assert merged["pairs"][0]["images"] and all(
        (Path("out") / rel).resolve() == (Path("merged") / rows[p["path"]]["images"][k]).resolve()
        for p in merged["pairs"] for k, rel in p["images"].items())
    data = Path("merged/data.js").read_text()
    assert '"diff_framed":true' in data
    # JUnit: one case per pair, the failure's heatmap attached as GitLab and Jenkins read it.
    cases = {c.get("file"): c for c in ET.parse("merged.xml").getroot().iter("testcase")}
    assert set(cases) == set(STATUSES)
    attached = cases["sub/visible.png"].find("system-out").text
    assert attached == f"[[ATTACHMENT|merged/{visible['images']['diff']}]]"


def test_merge_keeps_a_name_twice_and_says_where_it_came_from(tree: Path) -> None:
    main(["exp", "act", "--jobs", "1", "-q", "--json", "a.json"])
    shutil.copy("a.json", "b.json")
    assert main(["merge", "a.json", "b.json", "--json", "m.json", "-q"]) == 2
    names = [p["path"] for p in json.loads(Path("m.json").read_text())["pairs"]]
    assert len(names) == 2 * len(STATUSES) and "sub/visible.png #2" in names
    twice = next(p for p in json.loads(Path("m.json").read_text())["pairs"] if p["path"] == "same.png #2")
    assert "same.png is also in a.json" in twice["notes"]


def test_merge_without_a_report_keeps_the_runs_paths(tree: Path) -> None:
    main(["exp", "act", "--jobs", "1", "-q", "--json", "a.json", "--diff", "diffs"])
    assert main(["merge", "a.json", "--junit", "j.xml", "-q"]) == 2
    cases = {c.get("file"): c for c in ET.parse("j.xml").getroot().iter("testcase")}
    # No report: the --diff image the run wrote is the attachment.
    assert cases["sub/visible.png"].find("system-out").text == "[[ATTACHMENT|diffs/sub/visible.png]]"
    assert cases["sub/deep/new.png"].find("system-out").text.endswith(
        "[[ATTACHMENT|act/sub/deep/new.png]]")


@pytest.mark.parametrize("content, message", [
    ("{", "not JSON"),
    ('{"schema": "other"}', "not a perceptdiff summary"),
    ('{"schema": "perceptdiff-batch", "schema_version": 9, "pairs": []}', "schema version 9"),
    ('{"schema": "perceptdiff-batch", "schema_version": 2, "pairs": [{"path": "a", "status": "odd"}]}',
     "status 'odd'"),
])
def test_merge_refuses_what_is_not_a_summary(tree: Path, capsys: pytest.CaptureFixture[str],
                                             content: str, message: str) -> None:
    Path("s.json").write_text(content)
    assert main(["merge", "s.json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("perceptdiff merge: error: s.json") and message in err and len(err.splitlines()) == 1


def test_merge_reads_schema_1(tree: Path) -> None:
    Path("old.json").write_text(json.dumps({
        "schema": "perceptdiff-batch", "schema_version": 1, "expected_dir": "exp", "actual_dir": "act",
        "pairs": [{"path": "gone.png", "status": "missing", "expected": "exp/gone.png", "actual": None}]}))
    assert main(["merge", "old.json", "--json", "m.json", "-q"]) == 1
    assert json.loads(Path("m.json").read_text())["pairs"][0]["status"] == "removed"


@pytest.mark.slow
def test_a_matrix_of_shards_merged_by_the_command(tmp_path: Path) -> None:
    """The README's workflow, as processes: N shard jobs, then one merge job."""
    make_tree(tmp_path, corrupt=False)
    for k in (1, 2):
        proc = run_cli("exp", "act", "--shard", f"{k}/2", "--report", f"shard-{k}", cwd=tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
    env_summary = tmp_path / "step.md"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(env_summary),
           "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "perceptdiff", "merge", "shard-1/summary.json",
                           "shard-2/summary.json", "--report", "report", "--junit", "junit.xml"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "::error file=act/sub/visible.png,title=perceptdiff%3A fail::sub/visible.png: visible" in proc.stdout
    assert "::warning file=act/sub/deep/new.png" in proc.stdout
    assert "| **FAIL** | <code>sub/visible.png</code>" in env_summary.read_text()
    assert (tmp_path / "report" / "index.html").is_file()


def test_a_new_row_of_the_subcommand_table_is_a_subcommand(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import types

    from perceptdiff import commands
    from perceptdiff.errors import OptionError

    own = types.ModuleType("own_main")
    own.add_arguments = lambda p: p.add_argument("--x")  # type: ignore[attr-defined]

    def run(args):
        if args.x == "bad":
            raise OptionError("x is bad")
        print("own", args.x)
        return 7

    own.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "own_main", own)
    monkeypatch.setitem(commands.SUBCOMMANDS, "own", commands.Subcommand("own", "a test row", "own_main"))
    assert main(["own", "--x", "y"]) == 7
    assert capsys.readouterr().out == "own y\n"
    assert main(["own", "--x", "bad"]) == 2
    assert capsys.readouterr().err == "perceptdiff own: error: x is bad\n"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "'perceptdiff own': a test row" in " ".join(capsys.readouterr().out.split())


def test_merged_shards_hold_each_rename_once_and_read_back_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from test_folder import textured, write_png

    for side in ("exp", "act"):
        (tmp_path / side).mkdir()
    for i in range(5):
        write_png(tmp_path / "exp" / f"old{i}.png", textured(40 * i))
        write_png(tmp_path / "act" / f"new{i}.png", textured(40 * i))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    _shards(3)
    assert main(["merge", "r1/summary.json", "r2/summary.json", "r3/summary.json", "--json", "m.json"]) == 1
    assert "5 pairs: 0 failed, 5 renamed, 0 passed" in capsys.readouterr().out
    merged = json.loads(Path("m.json").read_text())
    assert merged["schema_version"] == 3 and merged["counts"]["renamed"] == 5
    assert sorted((p["path"], p["from"]) for p in merged["pairs"]) == [
        (f"new{i}.png", f"old{i}.png") for i in range(5)]

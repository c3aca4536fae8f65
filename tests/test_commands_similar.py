"""``perceptdiff similar`` through a real subprocess (``perceptdiff similar``).

Exit status: 0 found, 1 nothing found, 2 trouble with exactly one line on
stderr and never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from perceptdiff.signatures import FORMAT_VERSION

from conftest import REPO, write_png
from signature_images import brighten, jpeg, scene

TIMEOUT = 120
PROG = "perceptdiff similar"


def run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "perceptdiff", "similar", *(str(a) for a in args)],
                          capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd, env=env)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"{PROG}: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("similar") / "shots"
    (root / "nested").mkdir(parents=True)
    write_png(root / "login.png", scene(0))
    (root / "nested" / "login-old.jpg").write_bytes(jpeg(scene(0)))
    write_png(root / "chart.png", scene(1))
    write_png(root / "nested" / "chart-dim.png", brighten(scene(1), 3))
    write_png(root / "other.png", scene(2))
    return root


def ranked(stdout: str) -> list[tuple[float, str]]:
    out = []
    for line in stdout.splitlines():
        dist, path = line.split(None, 1)
        out.append((float(dist), path))
    return out


def test_query_ranks_the_folder(shots: Path, tmp_path: Path) -> None:
    query = tmp_path / "query.png"
    write_png(query, scene(0))
    proc = run(query, shots)
    assert proc.returncode == 0, proc.stderr
    rows = ranked(proc.stdout)
    assert [Path(p).name for _, p in rows[:2]] == ["login.png", "login-old.jpg"]
    assert len(rows) == 5 and [d for d, _ in rows] == sorted(d for d, _ in rows)
    assert rows[0][0] == 0.0 and rows[0][1] == os.path.join(str(shots), "login.png")
    assert proc.stderr == ""


def test_the_query_itself_is_left_out_and_top_limits(shots: Path) -> None:
    proc = run(shots / "login.png", shots, "--top", "1")
    assert proc.returncode == 0
    assert [Path(p).name for _, p in ranked(proc.stdout)] == ["login-old.jpg"]


@pytest.mark.parametrize("signature", ["wavelet", "tiny", "histogram", "combined"])
def test_every_signature(shots: Path, signature: str) -> None:
    proc = run(shots / "chart.png", shots, "--signature", signature, "--top", "1")
    assert proc.returncode == 0, proc.stderr
    assert Path(ranked(proc.stdout)[0][1]).name == "chart-dim.png"


def test_json(shots: Path, tmp_path: Path) -> None:
    proc = run(shots / "login.png", shots, "--json", "--top", "2")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert doc["signature"] == "combined" and doc["images"] == 5
    assert len(doc["results"]) == 2 and doc["results"][0]["relative"] == "nested/login-old.jpg"
    assert doc["results"][0]["path"] == os.path.join(str(shots), "nested", "login-old.jpg")
    assert doc["results"][0]["distance"] < doc["results"][1]["distance"]
    out = tmp_path / "r.json"
    proc = run(shots / "login.png", shots, f"--json={out}")
    assert proc.returncode == 0 and proc.stdout.strip()            # text still printed
    assert json.loads(out.read_text())["results"]


def test_threshold_and_nothing_found(shots: Path, tmp_path: Path) -> None:
    proc = run(shots / "login.png", shots, "--threshold", "0.2")
    assert proc.returncode == 0 and [Path(p).name for _, p in ranked(proc.stdout)] == ["login-old.jpg"]
    proc = run(shots / "other.png", shots, "--threshold", "0")
    assert proc.returncode == 1 and proc.stdout == ""
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run(shots / "login.png", empty)
    assert proc.returncode == 1 and proc.stdout == "" and proc.stderr == ""


def test_index_is_created_reused_and_updated(tmp_path: Path) -> None:
    root = tmp_path / "shots"
    root.mkdir()
    for k in range(3):
        write_png(root / f"{k}.png", scene(k))
    index = tmp_path / "shots.sigindex.npz"
    first = run(root / "0.png", root, "--index", index, "-v")
    assert first.returncode == 0 and index.exists()
    assert "3 added" in first.stderr
    again = run(root / "0.png", root, "--index", index, "-v")
    assert again.stdout == first.stdout and "0 added, 0 re-signed, 0 removed, 3 unchanged" in again.stderr
    mtime = index.stat().st_mtime_ns
    write_png(root / "3.png", scene(0))
    third = run(root / "0.png", root, "--index", index, "-v")
    assert "1 added" in third.stderr and index.stat().st_mtime_ns != mtime
    assert Path(ranked(third.stdout)[0][1]).name == "3.png"


def test_duplicates(shots: Path, tmp_path: Path) -> None:
    proc = run("--duplicates", shots)
    assert proc.returncode == 0, proc.stderr
    groups = [block.splitlines() for block in proc.stdout.strip().split("\n\n")]
    assert [[Path(p.strip()).name for p in g[1:]] for g in groups] == [
        ["chart.png", "chart-dim.png"], ["login.png", "login-old.jpg"]]
    assert all(g[0].startswith("group ") for g in groups)
    doc = json.loads(run("--duplicates", shots, "--json").stdout)
    assert len(doc["groups"]) == 2 and doc["threshold"] > 0
    proc = run("--duplicates", shots, "--threshold", "0")
    assert proc.returncode == 1 and proc.stdout == ""


def test_unreadable_files_are_noted_once(tmp_path: Path) -> None:
    root = tmp_path / "shots"
    root.mkdir()
    write_png(root / "ok.png", scene(0))
    (root / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (root / "worse.jpg").write_bytes(b"nope")
    proc = run(root / "ok.png", root)
    assert proc.returncode == 1                       # the query itself is left out; nothing else readable
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{PROG}: note: skipped unreadable image bad.png")
    assert "and 1 more" in lines[0]


def test_trouble_is_one_line(shots: Path, tmp_path: Path) -> None:
    assert_one_line_error(run(tmp_path / "missing.png", shots), "missing.png", "no such file")
    assert_one_line_error(run(shots / "login.png", tmp_path / "nowhere"), "nowhere", "no such folder")
    assert_one_line_error(run(shots / "login.png", shots / "login.png"), "not a folder")
    assert_one_line_error(run(shots), "give a query image and a folder")
    assert_one_line_error(run("--duplicates", shots, shots), "--duplicates takes one folder")
    assert_one_line_error(run(shots / "login.png", shots, "--top", "0"), "--top")
    assert_one_line_error(run(shots / "login.png", shots, "--signature", "nope"), "--signature")
    assert_one_line_error(run(shots / "login.png", shots, "--threshold", "-1"), "--threshold")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an index")
    assert_one_line_error(run(shots / "login.png", shots, "--index", bad), "bad.npz")


def test_unknown_index_version_is_refused_and_kept(shots: Path, tmp_path: Path) -> None:
    index = tmp_path / "i.npz"
    assert run(shots / "login.png", shots, "--index", index).returncode == 0
    with np.load(index) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays["header"][()]))
    header["format_version"] = FORMAT_VERSION + 7
    arrays["header"] = np.array(json.dumps(header))
    np.savez(index, **arrays)
    before = index.read_bytes()
    assert_one_line_error(run(shots / "login.png", shots, "--index", index), "not supported")
    assert index.read_bytes() == before                       # never overwritten


def test_index_of_another_folder_is_refused(shots: Path, tmp_path: Path) -> None:
    index = tmp_path / "i.npz"
    assert run(shots / "login.png", shots, "--index", index).returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    assert_one_line_error(run(shots / "login.png", other, "--index", index), "is the index of")


def test_help() -> None:
    proc = run("--help")
    assert proc.returncode == 0 and "--duplicates" in proc.stdout and "--index" in proc.stdout

"""The signature index: incremental updates, the versioned file, queries, duplicate groups."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from perceptdiff.errors import SignatureIndexError
from perceptdiff.signatures import FORMAT_VERSION, SignatureIndex
from perceptdiff.signatures import base as base_mod
from perceptdiff.signatures.index import iter_image_files
from perceptdiff.signatures.tiny import TinySignature

from conftest import write_png
from signature_images import brighten, jpeg, scene


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "shots"
    (root / "sub" / "deeper").mkdir(parents=True)
    write_png(root / "a.png", scene(0))
    (root / "a-copy.jpg").write_bytes(jpeg(scene(0)))
    write_png(root / "sub" / "b.png", scene(1))
    write_png(root / "sub" / "deeper" / "c.png", scene(2))
    write_png(root / "sub" / "b-brighter.png", brighten(scene(1), 4))
    (root / "notes.txt").write_text("not an image")
    write_png(root / ".hidden.png", scene(3))
    return root


class Counting:
    """Counts the files an index signs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.signed: list[str] = []
        real = SignatureIndex._sign

        def sign(index: SignatureIndex, rel: str):  # type: ignore[no-untyped-def]
            self.signed.append(rel)
            return real(index, rel)

        monkeypatch.setattr(SignatureIndex, "_sign", sign)


def touch(path: Path, data: bytes) -> None:
    """Rewrite ``path`` and move its time on, as a later render would."""
    st = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_walk_is_recursive_sorted_and_skips_hidden_and_other_files(folder: Path) -> None:
    rels = [r for r, _, _ in iter_image_files(folder)]
    assert sorted(rels) == ["a-copy.jpg", "a.png", "sub/b-brighter.png", "sub/b.png", "sub/deeper/c.png"]


def test_build_and_search(folder: Path) -> None:
    index = SignatureIndex.build(folder)
    assert len(index) == 5 and index.paths == sorted(index.paths)
    for table in index.tables.values():
        assert table.dtype == np.float32 and len(table) == 5
    hits = index.search(folder / "a.png", top=3)
    assert [h.path for h in hits[:2]] == ["a.png", "a-copy.jpg"]
    assert hits[0].distance == 0.0 and hits[0].distance <= hits[1].distance <= hits[2].distance
    assert [h.path for h in index.search(folder / "a.png", exclude=["a.png"], top=1)] == ["a-copy.jpg"]
    assert len(index.search(folder / "a.png")) == 5
    for sig in ("wavelet", "tiny", "histogram"):
        assert index.search(folder / "sub" / "b.png", signature=sig, top=1)[0].path == "sub/b.png"


def test_save_and_load_round_trip(folder: Path, tmp_path: Path) -> None:
    index = SignatureIndex.build(folder)
    target = index.save(tmp_path / "idx.npz")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temporary file left
    again = SignatureIndex.load(target, root=folder)
    assert again.paths == index.paths and again.root == index.root
    np.testing.assert_array_equal(again.sizes, index.sizes)
    np.testing.assert_array_equal(again.mtimes, index.mtimes)
    for name in index.tables:
        np.testing.assert_array_equal(again.tables[name], index.tables[name])
    assert again.update().modified is False


def test_update_re_signs_only_what_changed(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = SignatureIndex.build(folder)
    index.save(tmp_path / "idx.npz")
    count = Counting(monkeypatch)
    index = SignatureIndex.load(tmp_path / "idx.npz", root=folder)
    report = index.update()
    assert count.signed == [] and report.unchanged == 5 and not report.modified

    touch(folder / "sub" / "b.png", (folder / "sub" / "b-brighter.png").read_bytes())
    write_png(folder / "new.png", scene(9))
    (folder / "sub" / "deeper" / "c.png").unlink()
    report = index.update()
    assert sorted(count.signed) == ["new.png", "sub/b.png"]
    assert report.added == ("new.png",) and report.changed == ("sub/b.png",)
    assert report.removed == ("sub/deeper/c.png",) and report.unchanged == 3
    assert index.paths == sorted(["a-copy.jpg", "a.png", "new.png", "sub/b-brighter.png", "sub/b.png"])
    # the re-signed row is the new picture's
    fresh = SignatureIndex.build(folder)
    for name in index.tables:
        np.testing.assert_array_equal(index.tables[name], fresh.tables[name])


def test_unreadable_files_are_remembered_until_they_change(folder: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    index = SignatureIndex.build(folder)
    report = index.update()
    assert [p for p, _ in report.failed] == ["broken.png"] and "broken.png" not in index.paths
    index.save(tmp_path / "idx.npz")
    count = Counting(monkeypatch)
    index = SignatureIndex.load(tmp_path / "idx.npz", root=folder)
    assert index.update().failed and count.signed == []             # not retried
    touch(folder / "broken.png", (folder / "a.png").read_bytes())
    report = index.update()
    assert count.signed == ["broken.png"] and report.failed == () and "broken.png" in index.paths
    (folder / "broken.png").unlink()
    assert index.update().removed == ("broken.png",)


def test_changed_signature_version_re_signs_everything(folder: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    SignatureIndex.build(folder).save(tmp_path / "idx.npz")
    monkeypatch.setattr(base_mod, "_REGISTRY", dict(base_mod._REGISTRY))
    newer = TinySignature()
    newer.version += "+changed"
    base_mod.register_signature(newer)
    count = Counting(monkeypatch)
    index = SignatureIndex.load(tmp_path / "idx.npz", root=folder)
    report = index.update()
    assert report.resigned_all and len(count.signed) == 5 and report.modified


def _rewrite_header(path: Path, change: dict) -> None:
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays["header"][()]))
    header.update(change)
    arrays["header"] = np.array(json.dumps(header))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def test_unknown_format_version_is_refused(folder: Path, tmp_path: Path) -> None:
    path = SignatureIndex.build(folder).save(tmp_path / "idx.npz")
    _rewrite_header(path, {"format_version": FORMAT_VERSION + 1})
    with pytest.raises(SignatureIndexError, match=r"format version 2 is not supported .*delete the file"):
        SignatureIndex.load(path)


@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04broken zip"])
def test_what_is_not_an_index_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "idx.npz"
    path.write_bytes(content)
    with pytest.raises(SignatureIndexError, match="idx.npz"):
        SignatureIndex.load(path)


def test_other_npz_files_and_damage_are_refused(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(SignatureIndexError, match="not a perceptdiff signature index"):
        SignatureIndex.load(other)
    path = SignatureIndex.build(folder).save(tmp_path / "idx.npz")
    _rewrite_header(path, {"kind": "something else"})
    with pytest.raises(SignatureIndexError, match="not a perceptdiff signature index"):
        SignatureIndex.load(path)
    path = SignatureIndex.build(folder).save(tmp_path / "idx.npz")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["sizes"] = arrays["sizes"][:2]
    np.savez(path, **arrays)
    with pytest.raises(SignatureIndexError, match="damaged"):
        SignatureIndex.load(path)
    with pytest.raises(SignatureIndexError, match="no such file"):
        SignatureIndex.load(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(path)


def test_index_of_another_folder_is_refused(folder: Path, tmp_path: Path) -> None:
    path = SignatureIndex.build(folder).save(tmp_path / "idx.npz")
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(SignatureIndexError, match="is the index of"):
        SignatureIndex.load(path, root=tmp_path / "elsewhere")


def test_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SignatureIndexError, match="not a folder"):
        SignatureIndex.build(tmp_path / "nothing")


def test_empty_folder(tmp_path: Path) -> None:
    index = SignatureIndex.build(tmp_path)
    assert len(index) == 0 and index.search(scene(0)) == [] and index.duplicates() == []
    again = SignatureIndex.load(index.save(tmp_path / "i.npz"), root=tmp_path)
    assert len(again) == 0


def test_duplicates(folder: Path) -> None:
    index = SignatureIndex.build(folder)
    groups = index.duplicates()
    assert [g.paths for g in groups] == [("a-copy.jpg", "a.png"), ("sub/b-brighter.png", "sub/b.png")]
    assert all(0 < g.max_distance <= 0.25 for g in groups)
    assert index.duplicates(threshold=0.0) == []


def test_parallel_signing_gives_the_same_index(folder: Path) -> None:
    one, two = SignatureIndex.build(folder), SignatureIndex.build(folder, workers=2)
    assert one.paths == two.paths
    for name in one.tables:
        np.testing.assert_array_equal(one.tables[name], two.tables[name])

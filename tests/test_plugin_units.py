"""Unit tests of the pytest plugin's building blocks and perceptdiff.testing.

Safe file names, snapshot paths, option layering, CI detection, the lossless
PNG writer, and assert_images_similar called directly (outside a pytester run).
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from conftest import need
from plugin_support import conftest_scene
from perceptdiff import Image, load_image
from perceptdiff.errors import BaselineError, PerceptdiffError
from perceptdiff.testing import (
    assert_images_similar,
    describe_result,
    encode_png,
    figure_to_png,
    to_image,
)
from pytest_perceptdiff import naming
from pytest_perceptdiff.settings import ci_from_environment, merge_layers


def scene(kind: str = "base") -> np.ndarray:
    """64x64 RGB test picture of the plugin tests' inner project: ``base``, ``noise`` (+-1 codes) or ``visible``."""
    return conftest_scene(kind)


# -- safe names ----------------------------------------------------------------

NASTY = [
    "../../etc/passwd", "..", ".", "...", "/abs/path", "C:\\Windows\\system32", "a\\b",
    ".hidden", "CON", "con.txt", "nul", "LPT1", "com9.png", "", "   ", "a" * 400,
    "ünïcødé ✓", "a::b", "semi;colon|pipe*?<>\"'", "tab\tnew\nline", "trailing. ",
    "x--y---z", "-leading-dash", "__dunder__", "\x00nul\x00", "emoji 🎨", "a/../../b",
]


@pytest.mark.parametrize("text", NASTY)
def test_safe_name_is_portable(text):
    s = naming.safe_name(text)
    assert s, "never empty"
    assert re.fullmatch(r"[A-Za-z0-9._-]+", s)
    assert not s.startswith((".", "-")), "no hidden files, no option-like names"
    assert not s.endswith((".", " ")), "Windows strips trailing dots and spaces"
    assert "--" not in s, "'--' is reserved as the snapshot-name separator"
    assert ".." not in s
    assert s.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM9"}
    assert len(s) <= naming.MAX_STEM


def test_safe_name_keeps_plain_names_and_is_deterministic():
    assert naming.safe_name("test_plot") == "test_plot"
    assert naming.safe_name("TestDialog.test_ok") == "TestDialog.test_ok"
    assert naming.safe_name("test_x[a b]") == naming.safe_name("test_x[a b]")
    assert naming.safe_name("test_x[a b]").startswith("test_x_a_b-")
    assert naming.legacy_safe_name("test_x[a b]") == "test_x_a_b"


@pytest.mark.parametrize("group", [
    ["a b", "a_b", "a+b"],                      # folders of tests/<x>/test_x.py (issue 11)
    ["test_\u00fc", "test_\u00e9", "test_"],     # module names
    ["test_p[..]", "test_p[.]", "test_p_"],     # parametrize ids
    ["x" * 120 + "1", "x" * 120 + "2"],         # cut to the length limit
    ["..", ".", "snapshot", ""],                # nothing printable left
    ["CON", "_CON"],                            # reserved on Windows
])
def test_safe_names_are_injective(group):
    names = [naming.safe_name(t) for t in group]
    assert len(set(names)) == len(group), names
    for text, name in zip(group, names):
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", name) and "--" not in name


def test_test_stems_are_injective():
    ids = ["m.py::test_x[a b]", "m.py::test_x[a_b]", "m.py::test_x_a_b", "m.py::A::b", "m.py::A.b",
           "m.py::test_p[..]", "m.py::test_p[.]"]
    stems = [naming.test_stem(i) for i in ids]
    assert len(set(stems)) == len(ids), stems
    assert naming.test_stem("m.py::TestDialog::test_ok") == "TestDialog.test_ok"  # plain stays plain


def test_long_names_differing_at_the_end_get_different_hash_suffixes():
    a = naming.safe_name("test_" + "x" * 300 + "1")
    b = naming.safe_name("test_" + "x" * 300 + "2")
    assert a != b and len(a) == len(b) == naming.MAX_STEM
    assert re.search(r"-[0-9a-f]{8}$", a)


def test_random_names_are_always_safe():
    rng = np.random.default_rng(7)
    alphabet = list("abcAB01._-/\\:*?\"<>| \t[]()ü€🎨") + [".."]
    for _ in range(500):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(0, 40))))
        s = naming.safe_name(text)
        assert re.fullmatch(r"[A-Za-z0-9._-]+", s) and not s.startswith(".") and "--" not in s


def test_snapshot_stems_and_owner():
    nodeid = "tests/test_ui.py::TestDialog::test_ok[dark-../../x]"
    stem = naming.test_stem(nodeid)
    assert re.fullmatch(r"TestDialog\.test_ok_dark-\._\._x-[0-9a-f]{8}", stem)
    assert naming.snapshot_stem(nodeid, None, 1) == stem
    assert naming.snapshot_stem(nodeid, None, 2) == stem + "--2"
    assert re.fullmatch(re.escape(stem) + r"--legend-big-[0-9a-f]{8}",
                        naming.snapshot_stem(nodeid, "../legend--big", 0))
    assert naming.snapshot_stem(nodeid, "logo", 0) == stem + "--logo"
    for name in (None, "logo", "a--b--c"):
        assert naming.stem_owner(naming.snapshot_stem(nodeid, name, 3)) == stem


def test_split_nodeid_only_splits_the_module():
    assert naming.split_nodeid("t/test_a.py::test_b[x::y]") == ("t/test_a.py", "test_b[x::y]")


def test_module_folder_relative_and_absolute(tmp_path):
    root = tmp_path / "proj"
    module = root / "tests" / "ui" / "test_dialog.py"
    rel = naming.module_folder("__snapshots__", module, root)
    assert rel == root / "tests" / "ui" / "__snapshots__" / "test_dialog"
    absolute = naming.module_folder("{rootdir}/baselines", module, root)
    assert absolute == root / "baselines" / "tests" / "ui" / "test_dialog"
    outside = naming.module_folder(str(tmp_path / "b"), tmp_path / "elsewhere" / "test_x.py", root)
    assert outside.parent.name.startswith("outside-") and outside.name == "test_x"


def test_ensure_inside_rejects_escapes(tmp_path):
    folder = tmp_path / "snaps"
    folder.mkdir()
    assert naming.ensure_inside(folder / "a.png", folder) == folder / "a.png"
    with pytest.raises(BaselineError):
        naming.ensure_inside(folder / ".." / "a.png", folder)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", folder / "link")
    with pytest.raises(BaselineError):
        naming.ensure_inside(folder / "link" / "a.png", folder)


# -- settings --------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("", False), ("0", False), ("false", False), ("False", False), ("no", False), ("off", False),
    ("1", True), ("true", True), ("yes", True), ("github-actions", True), (" TRUE ", True),
])
def test_ci_detection(value, expected):
    assert ci_from_environment({"CI": value}) is expected


def test_ci_detection_without_variable():
    assert ci_from_environment({}) is False


def test_merge_layers_later_wins_and_groups_replace_each_other():
    ini = {"ppd": 60.0, "max_pixels": 10, "jnd_threshold": 2.0}
    cli = {"max_ratio": 0.01}
    marker = {"viewing": "phone"}
    kwargs = {"jnd_threshold": 1.5}
    merged = merge_layers(ini, cli, marker, kwargs)
    assert merged == {"viewing": "phone", "max_ratio": 0.01, "jnd_threshold": 1.5}


# -- lossless PNG ----------------------------------------------------------------

def _png_header(data: bytes) -> tuple[int, int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
    assert zlib.crc32(data[12:16 + length]) & 0xFFFFFFFF == struct.unpack(">I", data[16 + length:20 + length])[0]
    return w, h, depth, ctype


@pytest.mark.parametrize("opaque", [True, False])
def test_encode_png_keeps_16_bits(opaque):
    rng = np.random.default_rng(3)
    px = rng.integers(0, 65536, (9, 13, 4), dtype=np.uint16)
    if opaque:
        px[..., 3] = 65535
    data = encode_png(Image.from_pixels(px))
    assert _png_header(data) == (13, 9, 16, 2 if opaque else 6)
    back = load_image(data)
    assert back.pixels.dtype == np.uint16
    np.testing.assert_array_equal(back.pixels, px)


def test_encode_png_8_bit_round_trip():
    rng = np.random.default_rng(4)
    px = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
    data = encode_png(Image.from_pixels(px))
    assert _png_header(data)[2:] == (8, 6)
    np.testing.assert_array_equal(load_image(data).pixels, px)
    opaque = px.copy()
    opaque[..., 3] = 255
    assert _png_header(encode_png(Image.from_pixels(opaque)))[2:] == (8, 2)


def test_encode_png_float_stored_at_16_bits_within_half_a_step():
    rng = np.random.default_rng(5)
    px = rng.random((6, 6, 4)).astype(np.float32)
    back = load_image(encode_png(Image.from_pixels(px)))
    assert back.pixels.dtype == np.uint16
    assert np.abs(back.pixels / 65535.0 - px).max() <= 0.5 / 65535 + 1e-7


# -- assert_images_similar outside pytester ---------------------------------------

def test_assert_images_similar_passes_invisible_noise(tmp_path):
    result = assert_images_similar(scene("noise"), scene(), results_dir=tmp_path)
    assert result.passed and result.verdict == "pass"
    assert list(tmp_path.iterdir()) == []


def test_assert_images_similar_failure_message_and_artifacts(tmp_path):
    with pytest.raises(AssertionError) as info:
        assert_images_similar(scene("visible"), scene(), name="red square", results_dir=tmp_path)
    msg = str(info.value)
    assert msg.startswith("images differ visibly: FAIL")
    assert re.search(r"peak [\d.]+ JND", msg) and "px visibly different" in msg
    assert re.search(r"region 1: x=\d+ y=\d+ \d+x\d+", msg)
    for label in ("expected", "actual", "diff"):
        path = tmp_path / f"red_square.{label}.png"
        assert path.is_file()
        assert path.name in msg
    np.testing.assert_array_equal(load_image(tmp_path / "red_square.actual.png").pixels[..., :3],
                                  scene("visible"))
    np.testing.assert_array_equal(load_image(tmp_path / "red_square.expected.png").pixels[..., :3],
                                  scene())


def test_assert_images_similar_accepts_every_input_kind(tmp_path):
    from PIL import Image as PILImage

    arr = scene()
    path = tmp_path / "a.png"
    PILImage.fromarray(arr).save(path)
    for obj in (arr, path, str(path), path.read_bytes(), PILImage.fromarray(arr), load_image(arr)):
        assert assert_images_similar(obj, arr).verdict == "identical"


def test_bad_input_raises_perceptdiff_error_not_assertion(tmp_path):
    with pytest.raises(PerceptdiffError):
        assert_images_similar(tmp_path / "missing.png", scene())
    with pytest.raises(PerceptdiffError):
        assert_images_similar(scene(), scene(), ppd=-3)


def test_size_mismatch_is_a_failure_naming_both_sizes(tmp_path):
    with pytest.raises(AssertionError, match="size differs: 64x64 vs 32x32"):
        assert_images_similar(scene()[:32, :32], scene(), name="sizes", results_dir=tmp_path)
    # Not compared, so no diff picture; both inputs are saved for review.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sizes.actual.png", "sizes.expected.png"]


def test_describe_result_counts_hidden_regions():
    import perceptdiff

    img = scene()
    other = img.copy()
    for i in range(8):  # eight separate, visible dots
        other[4 + 7 * i: 7 + 7 * i, 2:5] = (255, 255, 0)
    result = perceptdiff.compare(img, other)
    lines = describe_result(result, max_regions=2)
    assert sum(line.startswith("region ") for line in lines) == min(2, len(result.regions))
    if result.region_count > 2:
        assert any(line.startswith(f"... and {result.region_count - 2} more") for line in lines)


def test_matplotlib_figure_renders_deterministically():
    mpl = need("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.6, 1.2))
    ax.plot([0, 1, 2], [0, 1, 0])
    try:
        a = figure_to_png(fig)
        b = figure_to_png(fig)
        assert a == b and b"Software" not in a and b"Matplotlib" not in a
        img = to_image(fig)
        assert img.size == (160, 120) and img.source == "<Figure>"
        assert to_image(fig, dpi=50).size == (80, 60)
        assert_images_similar(fig, img)
    finally:
        plt.close(fig)


@pytest.mark.slow
def test_plugin_import_stays_light():
    """pytest loads the plugin in every run: it must not pull in numpy or the metric.

    The plugin reads the option specs (plain data in ``perceptdiff.optionspec``),
    so the ``perceptdiff`` package itself is imported, but not its engine.
    """
    code = ("import sys, pytest_perceptdiff.plugin; "
            "heavy = [m for m in ('numpy', 'scipy', 'PIL', 'perceptdiff.engine', 'perceptdiff.metrics',"
            " 'perceptdiff.options') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_assert_images_similar_importable_from_plugin():
    from pytest_perceptdiff import assert_images_similar as a
    from pytest_perceptdiff.plugin import assert_images_similar as b

    assert a is b is assert_images_similar


def test_writes_are_atomic_temp_names_match_prune_pattern(tmp_path, monkeypatch):
    """Prune recognises leftovers of atomic_write_bytes by their name."""
    from perceptdiff import fileio
    from pytest_perceptdiff.prune import _is_temp

    seen = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (seen.append(Path(src)), real(src, dst)))
    fileio.atomic_write_bytes(tmp_path / "x.png", b"data")
    assert seen and _is_temp(seen[0])
    assert not _is_temp(tmp_path / "x.png")


# -- the review report's entries ---------------------------------------------------

def test_shell_quote_uses_double_quotes_only_where_they_protect():
    from pytest_perceptdiff.state import shell_quote

    assert shell_quote("t.py::test_a[x y]") == '"t.py::test_a[x y]"'
    for nasty in ("t.py::t[$HOME]", 't.py::t[a"b]', "t.py::t[`id`]", "t.py::t[a\\b]", "t.py::t[!x]"):
        quoted = shell_quote(nasty)
        assert quoted.startswith("'")
        out = subprocess.run(["sh", "-c", f"printf %s {quoted}"], capture_output=True, text=True)
        assert out.stdout == nasty


def test_recorded_results_are_plain_json():
    from perceptdiff.entry import plain as _plain

    data = _plain({"a": (1, 2), "b": np.float32(0.5), "c": float("nan"), 3: {np.int64(4)}, "d": Path("x")})
    assert data == {"a": [1, 2], "b": 0.5, "c": None, "3": [4], "d": "x"}


def _event(kind, nodeid, label, **extra):
    return {"kind": kind, "nodeid": nodeid, "label": label, "summary": extra.pop("summary", "s"),
            "baseline": extra.pop("baseline", None), "files": extra.pop("files", {}),
            "result": extra.pop("result", None), "accept": extra.pop("accept", None), **extra}


def test_entries_from_events_statuses_names_order_and_left_out():
    from pytest_perceptdiff.review import entries_from_events

    snap = "/s/__snapshots__/t"
    files = {"expected": "/r/a.expected.png", "actual": "/r/a.actual.png", "diff": "/r/a.diff.png"}
    events = [
        _event("written", "t.py::test_z", "test_z", baseline=f"{snap}/test_z.png"),
        _event("updated", "t.py::test_u", "test_u", baseline=f"{snap}/test_u.png",
               summary="rewritten: FAIL: x", result={"verdict": "fail"}),
        _event("missing", "t.py::test_m", "test_m--legend", baseline=f"{snap}/test_m--legend.png",
               files={"actual": "/r/m.actual.png"}, accept="pytest --perceptdiff-update=missing \"t.py::test_m\""),
        _event("failed", "t.py::test_f", "test_f", baseline=f"{snap}/test_f.png", files=files,
               result={"verdict": "fail", "peak_jnd": 9.0}, accept="A"),
        _event("failed", "t.py::test_f", "test_f", baseline=f"{snap}/test_f.png", files=files, accept="A"),
        _event("failed", "t.py::test_s", "square", files=files, result={"verdict": "fail"}),
        _event("failed", "t.py::test_s", "assert_images_similar", files=files),
        _event("failed", "t.py::test_caught", "assert_images_similar", files=files, expected=True),
        _event("renamed", "t.py::test_q", "test_q"),
    ]
    rows = entries_from_events(events, locate=lambda p: p.replace("/r/", "/moved/"))
    got = [(r.name, r.status, r.accept) for r in rows]
    assert got == [
        ("t.py::test_f", "fail", "A"),
        ("t.py::test_f #2", "fail", "A"),
        ("t.py::test_s (assert_images_similar name='square')", "fail", None),
        ("t.py::test_s (assert_images_similar)", "fail", None),
        ("t.py::test_m (snapshot legend)", "new", 'pytest --perceptdiff-update=missing "t.py::test_m"'),
        ("t.py::test_u", "pass", None),
        ("t.py::test_z", "pass", None),
    ]
    by = {r.name: r for r in rows}
    assert by["t.py::test_f"].diff == "/moved/a.diff.png"
    assert by["t.py::test_f"].result == {"verdict": "fail", "peak_jnd": 9.0}
    assert by["t.py::test_f"].reason is None  # the page shows the comparison's own reason
    assert by["t.py::test_f #2"].reason == "s"  # no numbers recorded: the summary instead
    assert by["t.py::test_m (snapshot legend)"].actual == "/moved/m.actual.png"
    assert by["t.py::test_m (snapshot legend)"].expected is None
    assert by["t.py::test_z"].actual == f"{snap}/test_z.png"
    assert "rewritten: FAIL: x" in by["t.py::test_u"].reason
    assert any("no baseline to accept" in n for n in by["t.py::test_s (assert_images_similar)"].notes)


def test_report_written_from_entries_has_the_pictures(tmp_path):
    from PIL import Image as PILImage

    from perceptdiff.report import write_report
    from pytest_perceptdiff.review import entries_from_events

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    PILImage.fromarray(scene()).save(a)
    PILImage.fromarray(scene("visible")).save(b)
    rows = entries_from_events([
        _event("failed", "t.py::test_f", "test_f", baseline=str(a), files={"expected": str(a), "actual": str(b)},
               accept="A"),
        _event("missing", "t.py::test_g", "test_g", baseline=str(tmp_path / "g.png"),
               files={"actual": str(tmp_path / "gone.png")}),
    ])
    index = write_report(rows, tmp_path / "rep")
    text = (index.parent / "data.js").read_text()
    assert '"accept":"A"' in text and "pairs/0001/actual.png" in text
    # A picture that vanished becomes a note, not a crash.
    assert "actual image not shown" in text


def test_events_round_trip_and_version_1_manifests_still_read():
    from perceptdiff.entry import Status
    from pytest_perceptdiff.events import EventKind, SnapshotEvent
    from pytest_perceptdiff.review import entries_from_events

    event = SnapshotEvent(EventKind.FAILED, "t.py::test_a", "test_a", summary="s", files={"diff": "/r/d.png"},
                          result={"verdict": "fail"})
    assert SnapshotEvent.from_dict(event.to_dict()) == event
    assert [k.status for k in EventKind] == [Status.FAIL, Status.NEW, Status.PASS, Status.PASS]
    # Version 1 of the manifest called a written baseline "new".
    old = SnapshotEvent.from_dict(_event("new", "t.py::test_z", "test_z", baseline="/s/test_z.png"))
    assert old is not None and old.kind is EventKind.WRITTEN
    assert SnapshotEvent.from_dict(_event("renamed", "t.py::test_q", "test_q")) is None
    [entry] = entries_from_events([_event("new", "t.py::test_z", "test_z", baseline="/s/test_z.png")])
    assert entry.status is Status.PASS and "wrote the new baseline" in entry.reason

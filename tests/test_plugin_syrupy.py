"""pytest_perceptdiff.syrupy.PerceptualImageExtension, driven through pytester."""

from __future__ import annotations

import pytest

from conftest import need
from plugin_support import add_modules, conftest_scene, file_bytes, pixels, serial, snapdir

SYRUPY_MODULE = '''
import io

from PIL import Image

from pytest_perceptdiff.syrupy import PerceptualImageExtension


def png(array):
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def test_chart(snapshot, scene):
    # The issue's form: encoded bytes on the left (a numpy array goes on the right instead,
    # since numpy would compare element by element).
    assert png(scene) == snapshot.use_extension(PerceptualImageExtension)


def test_loose(snapshot, scene):
    assert snapshot.use_extension(PerceptualImageExtension.with_options(max_pixels=5000)) == scene


def test_plugin(image_snapshot, scene):
    image_snapshot.assert_match(scene)
'''


@pytest.fixture
def syrupy_project(project: pytest.Pytester) -> pytest.Pytester:
    need("syrupy", " (pip install syrupy)")
    add_modules(project, "test_s", source=SYRUPY_MODULE)
    return project


def test_snapshots_match_by_eye_and_update_only_visible_changes(syrupy_project: pytest.Pytester,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    project = syrupy_project
    first = serial(project, monkeypatch, "--snapshot-update")
    first.assert_outcomes(passed=3)
    folder = snapdir(project, "test_s")
    assert sorted(file_bytes(folder)) == ["test_chart.png", "test_loose.png", "test_plugin.png"]
    assert (pixels(folder / "test_chart.png") == conftest_scene("base")).all()
    written = file_bytes(folder)

    # Invisible noise: passes, and --snapshot-update leaves every file as it was.
    serial(project, monkeypatch, env={"SCENE": "noise"}).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--snapshot-update", env={"SCENE": "noise"}).assert_outcomes(passed=3)
    assert file_bytes(folder) == written

    # A visible change: perceptdiff's explanation, its artifacts, and the plugin's summary.
    failed = serial(project, monkeypatch, "-vv", env={"SCENE": "visible"})
    failed.assert_outcomes(passed=1, failed=2)  # test_loose allows 5000 pixels
    out = failed.stdout.str()
    assert "image differs visibly from snapshot test_chart" in out
    assert "region 1: x=40 y=5 8x8" in out and "to accept the new image: pytest --snapshot-update" in out
    assert "test_s/test_chart/test_chart.diff.png" in out
    assert "2 visibly different image(s):" in out  # syrupy's failure is listed beside image_snapshot's

    # --snapshot-update rewrites the visibly different snapshot (and image_snapshot's baseline stays).
    update = serial(project, monkeypatch, "--snapshot-update", env={"SCENE": "visible"})
    update.assert_outcomes(passed=2, failed=1)  # test_plugin: --snapshot-update is syrupy's flag only
    after = file_bytes(folder)
    assert after["test_chart.png"] != written["test_chart.png"]
    assert after["test_loose.png"] == written["test_loose.png"]  # it matched: untouched
    assert after["test_plugin.png"] == written["test_plugin.png"]
    assert (pixels(folder / "test_chart.png") == conftest_scene("visible")).all()
    assert not list(folder.glob(".*.tmp"))  # written atomically


def test_syrupy_update_does_not_delete_image_snapshot_baselines(syrupy_project: pytest.Pytester,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    project = syrupy_project
    serial(project, monkeypatch).assert_outcomes(passed=1, failed=2)  # syrupy snapshots missing
    folder = snapdir(project, "test_s")
    assert (folder / "test_plugin.png").is_file()
    # syrupy's --snapshot-update would delete test_plugin.png as an "unknown snapshot collection";
    # the plugin keeps PNG files out of that cleanup and says so.
    result = serial(project, monkeypatch, "--snapshot-update")
    result.assert_outcomes(passed=3)
    assert (folder / "test_plugin.png").is_file()
    assert "PNG files are left out of syrupy's unused-snapshot cleanup" in result.stdout.str()
    assert "unknown snapshot collection" not in result.stdout.str()


def test_with_options_checks_the_options_at_once() -> None:
    need("syrupy", " (pip install syrupy)")
    from perceptdiff.errors import OptionError
    from pytest_perceptdiff.syrupy import PerceptualImageExtension

    strict = PerceptualImageExtension.with_options(viewing="laptop")
    assert strict.options == {"viewing": "laptop"} and issubclass(strict, PerceptualImageExtension)
    assert strict.with_options(max_pixels=3).options == {"viewing": "laptop", "max_pixels": 3}
    assert PerceptualImageExtension.options == {}
    with pytest.raises(OptionError):
        PerceptualImageExtension.with_options(jnd_threshold=-1)

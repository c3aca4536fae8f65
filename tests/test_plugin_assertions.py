"""The assertion forms and inputs: assert_images_similar, ==, figures, 16-bit; results and pytest-html."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import need
from perceptdiff import load_image
from plugin_support import add_modules, serial, snapdir, summary


def test_assert_images_similar_inside_pytest(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_sim='''
        import pytest
        from perceptdiff.testing import assert_images_similar
        from conftest import make_scene

        def test_invisible():
            assert_images_similar(make_scene("noise"), make_scene("base"))

        def test_visible():
            assert_images_similar(make_scene("visible"), make_scene("base"), name="square")

        @pytest.mark.perceptdiff(max_pixels=100000)
        def test_marker_applies():
            assert_images_similar(make_scene("visible"), make_scene("base"))

        def test_expected_failure_is_not_reported():
            with pytest.raises(AssertionError):
                assert_images_similar(make_scene("visible"), make_scene("base"))
    ''')
    result = serial(project, monkeypatch, "--perceptdiff-results=res")
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    # __tracebackhide__: the traceback stops on the user's line.
    result.stdout.fnmatch_lines([
        ">       assert_images_similar(make_scene(\"visible\"), make_scene(\"base\"), name=\"square\")",
        "E       AssertionError: images differ visibly: FAIL: *",
        "test_sim.py:9: AssertionError",
    ])
    assert "perceptdiff/testing.py" not in out
    folder = project.path / "res" / "test_sim" / "test_visible"
    assert sorted(p.name for p in folder.iterdir()) == [
        "square.actual.png", "square.diff.png", "square.expected.png"]
    text = "\n".join(summary(result))
    assert "1 visibly different image(s)" in text and "test_sim.py::test_visible  square" in text
    assert "test_expected_failure_is_not_reported" not in text
    # Its artifacts were still recorded, so the next run cleans them up.
    caught = project.path / "res" / "test_sim" / "test_expected_failure_is_not_reported"
    assert (caught / "images-1.diff.png").is_file()
    serial(project, monkeypatch, "--perceptdiff-results=res", "-k", "invisible").assert_outcomes(passed=1)
    assert not caught.exists() and not folder.exists()


def test_eq_form_explains_mismatch_and_pil_pitfall(project: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_eq='''
        from PIL import Image

        def test_array(image_snapshot, scene):
            assert scene == image_snapshot

        def test_snapshot_left(image_snapshot, scene):
            assert image_snapshot == Image.fromarray(scene)

        def test_pil_left(image_snapshot, scene):
            assert Image.fromarray(scene) == image_snapshot
    ''')
    first = serial(project, monkeypatch)
    first.assert_outcomes(passed=2, failed=1)
    first.stdout.fnmatch_lines([
        ">       assert Image.fromarray(scene) == image_snapshot",
        "E       *assert PIL image == image_snapshot compared Python objects, not pixels",
        "*write `assert image_snapshot == image` or `image_snapshot.assert_match(image)`",
    ])
    result = serial(project, monkeypatch, "-k", "not pil", env={"SCENE": "visible"})
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "E       *assert image == image_snapshot('test_array.png')",
        "E         image differs visibly from snapshot test_array",
        "E         FAIL: *",
        "E         diff:     *test_array.diff.png",
    ])


def test_matplotlib_figure_snapshot(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    need("matplotlib")
    import matplotlib.pyplot  # noqa: F401  (imported once, outside the in-process runs)

    project.makepyfile(test_fig='''
        import os
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        def test_chart(image_snapshot):
            fig, ax = plt.subplots(figsize=(1.6, 1.2))
            ax.plot([0, 1, 2], [0, float(os.environ.get("PEAK", "1")), 0], lw=2)
            image_snapshot.assert_match(fig)
            plt.close(fig)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=1)
    baseline = snapdir(project, "test_fig") / "test_chart.png"
    assert load_image(baseline).size == (160, 120)
    serial(project, monkeypatch).assert_outcomes(passed=1)
    serial(project, monkeypatch, env={"PEAK": "2"}).assert_outcomes(failed=1)


def test_sixteen_bit_baseline_keeps_sixteen_bits(project: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_deep='''
        import numpy as np

        def test_deep(image_snapshot):
            ramp = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 16).astype(np.uint16)
            image_snapshot.assert_match(np.stack([ramp, ramp[::-1], ramp.T], axis=-1))
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=1)
    img = load_image(snapdir(project, "test_deep") / "test_deep.png")
    assert img.pixels.dtype == np.uint16
    ramp = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 16).astype(np.uint16)
    np.testing.assert_array_equal(img.pixels[..., 0], ramp)
    serial(project, monkeypatch).assert_outcomes(passed=1)


def test_results_of_a_previous_run_are_cleaned_but_nothing_else(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-results=res", env={"SCENE": "visible"}).assert_outcomes(failed=3)
    res = project.path / "res"
    assert (res / "test_m" / "test_plain" / "test_plain.diff.png").is_file()
    (res / "mine.txt").write_text("not perceptdiff's")
    serial(project, monkeypatch, "--perceptdiff-results=res").assert_outcomes(passed=3)
    assert not (res / "test_m").exists(), "stale artifacts of now-passing tests are removed"
    assert (res / "mine.txt").read_text() == "not perceptdiff's"


def test_pytest_html_report_gets_the_images(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    need("pytest_html")
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    result = serial(project, monkeypatch, "test_m.py::test_plain", "--html=report.html",
                    "--self-contained-html", env={"SCENE": "visible"})
    result.assert_outcomes(failed=1)
    html = (project.path / "report.html").read_text("utf-8")
    for label in ("expected", "actual", "diff"):
        assert f"test_plain {label}" in html
    assert html.count("data:image/png;base64,") >= 3

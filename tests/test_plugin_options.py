"""Comparison options: flags, ini keys, markers and keywords, and their errors."""

from __future__ import annotations

import pytest

from plugin_support import add_modules, serial


def test_options_from_flags_ini_marker_and_keywords(project: pytest.Pytester,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_opts='''
        import pytest

        def test_default(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        @pytest.mark.perceptdiff(max_pixels=0)
        def test_marker_strict(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        @pytest.mark.perceptdiff(max_pixels=0)
        def test_keyword_beats_marker(image_snapshot, scene):
            image_snapshot.assert_match(scene, max_pixels=100000)

        @pytest.mark.perceptdiff(ignore=[(36, 0, 28, 20)])
        def test_ignore_region(image_snapshot, scene):
            image_snapshot.assert_match(scene)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=4)
    visible = {"SCENE": "visible"}
    # Defaults: the red square fails everything but the test that ignores its area.
    serial(project, monkeypatch, env=visible).assert_outcomes(passed=2, failed=2)
    # A generous budget on the command line passes the default test; the marker's
    # strict budget still wins for its test.
    result = serial(project, monkeypatch, "--perceptdiff-max-pixels=100000", env=visible)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_opts.py::test_marker_strict*"])
    # The same through the ini key of the same name.
    result = serial(project, monkeypatch, "-o", "perceptdiff_max_pixels=100000", env=visible)
    result.assert_outcomes(passed=3, failed=1)
    # Command line beats ini.
    result = serial(project, monkeypatch, "-o", "perceptdiff_max_pixels=100000",
                    "--perceptdiff-max-pixels=0", env=visible)
    result.assert_outcomes(passed=2, failed=2)


def test_ratio_flag_and_jnd_threshold(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    visible = {"SCENE": "visible"}
    serial(project, monkeypatch, "--perceptdiff-max-ratio=0.9", env=visible).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-jnd-threshold=1000", env=visible).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-viewing=phone", "--perceptdiff-metric=yee",
           env=visible).assert_outcomes(failed=3)


def test_max_area_from_flag_ini_and_marker(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The visible scene's red square is visible over about 0.2 deg² at 40 ppd."""
    project.makepyfile(test_area='''
        import pytest

        def test_default(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        @pytest.mark.perceptdiff(max_area=0.001)
        def test_marker_strict(image_snapshot, scene):
            image_snapshot.assert_match(scene)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=2)
    visible = {"SCENE": "visible"}
    serial(project, monkeypatch, env=visible).assert_outcomes(failed=2)
    result = serial(project, monkeypatch, "--perceptdiff-max-area=100", env=visible)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_area.py::test_marker_strict*"])
    serial(project, monkeypatch, "-o", "perceptdiff_max_area=100", env=visible).assert_outcomes(passed=1, failed=1)
    # One budget at a time, as on the command line.
    bad = project.runpytest("--perceptdiff-max-area=1", "--perceptdiff-max-pixels=3")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_compare_masks_and_region_rules_by_keyword_and_marker(project: pytest.Pytester,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The visible scene's change is a red square at x 40..48, y 5..13."""
    project.makepyfile(test_mask='''
        import numpy as np
        import pytest

        MASK = np.full((64, 64), 255, np.uint8)
        MASK[0:20, 36:52] = 0

        def test_array_mask(image_snapshot, scene):
            image_snapshot.assert_match(scene, mask=MASK)

        def test_path_mask(image_snapshot, scene, tmp_path):
            from PIL import Image
            Image.fromarray(MASK).save(tmp_path / "mask.png")
            image_snapshot.assert_match(scene, mask=tmp_path / "mask.png")

        def test_region_ignore(image_snapshot, scene):
            image_snapshot.assert_match(scene, regions=["36,0,16,20:ignore"])

        @pytest.mark.perceptdiff(regions=["36,0,16,20:jnd=1000"])
        def test_marker_rule(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        def test_rule_elsewhere(image_snapshot, scene):
            image_snapshot.assert_match(scene, regions=["0,40,10,10:ignore"])

        def test_no_rule(image_snapshot, scene):
            image_snapshot.assert_match(scene)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=6)
    result = serial(project, monkeypatch, env={"SCENE": "visible"})
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["*FAILED test_mask.py::test_rule_elsewhere*", "*FAILED test_mask.py::test_no_rule*"])
    # A default rule from the command line or the ini file (a list separated by spaces there);
    # a test's own keyword replaces it.
    flag = serial(project, monkeypatch, "--perceptdiff-regions=36,0,16,20:ignore", "-k", "rule",
                  env={"SCENE": "visible"})
    flag.assert_outcomes(passed=2, failed=1)
    flag.stdout.fnmatch_lines(["*FAILED test_mask.py::test_rule_elsewhere*"])
    serial(project, monkeypatch, "-o", "perceptdiff_regions=0,0,1,1:ignore 36,0,16,20:ignore",
           "-k", "no_rule", env={"SCENE": "visible"}).assert_outcomes(passed=1)


def test_max_shift_and_allow_shift_from_flag_and_marker(project: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    project.makepyfile(test_shift='''
        import os
        import numpy as np
        import pytest

        def card():
            img = np.full((64, 96, 3), 255, np.uint8)
            dx = int(os.environ.get("CARD_DX", "0"))
            img[20:36, 20 + dx:50 + dx] = (37, 99, 235)
            return img

        def test_default(image_snapshot):
            image_snapshot.assert_match(card())

        @pytest.mark.perceptdiff(max_shift=6, allow_shift=True)
        def test_marker(image_snapshot):
            image_snapshot.assert_match(card())
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=2)
    moved = {"CARD_DX": "3"}
    result = serial(project, monkeypatch, env=moved)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_shift.py::test_default*"])
    serial(project, monkeypatch, "--perceptdiff-max-shift=6", "--perceptdiff-allow-shift",
           env=moved).assert_outcomes(passed=2)
    found = serial(project, monkeypatch, "--perceptdiff-max-shift=6", "-k", "default", env=moved)
    found.assert_outcomes(failed=1)
    found.stdout.fnmatch_lines(["*moved*"])


def test_subpixel_text_from_default_marker_and_ini(project: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from text_support import FORM, render

    np.save(project.path / "grey.npy", render(FORM))
    np.save(project.path / "lcd.npy", render(FORM, lcd="rgb"))
    project.makepyfile(test_text='''
        import os
        import numpy as np
        import pytest

        def page():
            return np.load(os.environ.get("TEXT", "grey") + ".npy")

        def test_default(image_snapshot):
            image_snapshot.assert_match(page())

        @pytest.mark.perceptdiff(subpixel_text="strict")
        def test_marker_strict(image_snapshot):
            image_snapshot.assert_match(page())
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=2)
    lcd = {"TEXT": "lcd"}
    # The same text drawn with LCD sub-pixel anti-aliasing: forgiven by default, not under strict.
    result = serial(project, monkeypatch, env=lcd)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_text.py::test_marker_strict*"])
    serial(project, monkeypatch, "-o", "perceptdiff_subpixel_text=strict", "-k", "default",
           env=lcd).assert_outcomes(failed=1)


def test_every_comparison_option_has_a_flag_and_ini_key(project: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    serial(project, monkeypatch).assert_outcomes(passed=3)
    visible = {"SCENE": "visible"}
    # ignore (a list in the ini file) and antialiasing reach the comparison ...
    serial(project, monkeypatch, "-o", "perceptdiff_ignore=36,0,28,20 0,0,28,20",
           "--perceptdiff-antialiasing=pixelmatch", env=visible).assert_outcomes(passed=3)
    serial(project, monkeypatch, "--perceptdiff-ignore=36,0,28,20", "--perceptdiff-ignore=0,0,28,20",
           env=visible).assert_outcomes(passed=3)
    # ... and an option the chosen metric would not use is refused, not dropped.
    result = serial(project, monkeypatch, "--perceptdiff-metric=yee", "--perceptdiff-antialiasing=off")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*OptionError: antialiasing: metric yee does not use this option*"])
    help_text = project.runpytest("--help").stdout.str()
    assert "comparison defaults" in help_text and "--perceptdiff-antialiasing" in help_text
    for flag in ("--perceptdiff-resize", "--perceptdiff-pad", "--perceptdiff-background"):
        assert flag in help_text


@pytest.mark.parametrize("args, message", [
    (["--perceptdiff-update=sometimes"], "--perceptdiff-update: 'sometimes' is not one of missing, changed, all, none, variant"),
    (["--perceptdiff-ppd=abc"], "--perceptdiff-ppd: 'abc' is not a number"),
    (["--perceptdiff-ppd=-5"], "perceptdiff option (command line): ppd: -5.0 is out of range*"),
    (["--perceptdiff-max-pixels=1.5"], "--perceptdiff-max-pixels: '1.5' is not a whole number"),
    (["--perceptdiff-metric=nope"], "perceptdiff option (command line): metric: unknown metric 'nope'*"),
    (["--perceptdiff-viewing=cinema"], "perceptdiff option (command line): viewing: 'cinema' is not one of*"),
    (["-o", "perceptdiff_jnd_threshold=0"], "perceptdiff option (ini): jnd_threshold: *out of range*"),
    (["-o", "perceptdiff_update=never"], "ini key perceptdiff_update: 'never' is not one of*"),
    (["--perceptdiff-ppd=60", "--perceptdiff-viewing=phone"], "--perceptdiff-ppd and --perceptdiff-viewing: give only one"),
    (["--perceptdiff-antialiasing=fuzzy"], "perceptdiff option (command line): antialiasing: 'fuzzy' is not one of*"),
    (["-o", "perceptdiff_ignore=1,2,3"], "perceptdiff option (ini): ignore region '1,2,3': expected x,y,width,height"),
    (["--perceptdiff-resize", "--perceptdiff-pad"], "--perceptdiff-resize and --perceptdiff-pad: give only one"),
])
def test_bad_option_values_are_usage_errors(project: pytest.Pytester, args: list[str], message: str) -> None:
    add_modules(project, "test_m")
    result = project.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_bad_marker_and_keyword_options_fail_the_test_clearly(project: pytest.Pytester) -> None:
    project.makepyfile(test_bad='''
        import pytest

        @pytest.mark.perceptdiff(ppd=-1)
        def test_marker(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        def test_keyword(image_snapshot, scene):
            image_snapshot.assert_match(scene, bogus_option=3)
    ''')
    result = project.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*OptionError: ppd: -1 is out of range*", "*OptionError: *bogus_option*"])


def test_report_header_names_the_mode(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    add_modules(project, "test_m")
    result = serial(project, monkeypatch, env={"CI": "1"})
    result.stdout.fnmatch_lines(["perceptdiff: update=none (CI mode: CI environment variable), snapshots=__snapshots__*"])
    plain = serial(project, monkeypatch)
    assert "perceptdiff:" not in plain.stdout.str(), "quiet unless configured"

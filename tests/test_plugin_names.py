"""Snapshot file names and folders: unsafe test ids, duplicates, collisions, folder options."""

from __future__ import annotations

import re

import pytest

from plugin_support import add_modules, MODULE, Runner, serial, snapdir, summary


UNSAFE_MODULE = '''
import pytest

IDS = ["../../escape", "/abs/path", "a\\\\b", "..", ".hidden", "CON", "x" * 300, "x" * 301,
       "\\u00fcn\\u00efc\\u00f8d\\u00e9", "a::b", "semi;colon|pipe*?<>", "~user", "$HOME"]


@pytest.mark.parametrize("p", IDS, ids=IDS)
def test_id(image_snapshot, scene, p):
    image_snapshot.assert_match(scene)


def test_names(image_snapshot, scene):
    image_snapshot.assert_match(scene, name="../../../outside")
    image_snapshot.assert_match(scene, name="/etc/passwd")
    image_snapshot.assert_match(scene, name="..")
'''


UNSAFE_COUNT = 13 + 3


def test_unsafe_test_ids_stay_inside_the_snapshot_folder(run: Runner, project: pytest.Pytester) -> None:
    add_modules(project, "test_unsafe", source=UNSAFE_MODULE)
    result = run()
    result.assert_outcomes(passed=14)
    folder = snapdir(project, "test_unsafe")
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == UNSAFE_COUNT, names
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.png", name), name
        assert len(name) <= 104
    every_png = [p for p in project.path.rglob("*.png") if "basetemp" not in p.parts]
    assert all(p.parent == folder for p in every_png), every_png
    for outside in (project.path, project.path.parent, project.path.parent.parent):
        assert not list(outside.glob("*escape*")) and not list(outside.glob("*outside*"))
    # A second run finds every baseline again (the mapping is deterministic).
    again = run()
    again.assert_outcomes(passed=14)
    assert "new baselines" not in "\n".join(summary(again))


def test_duplicate_snapshot_name_in_one_test_is_an_error(project: pytest.Pytester) -> None:
    project.makepyfile(test_dup='''
        def test_twice(image_snapshot, scene):
            image_snapshot.assert_match(scene, name="logo")
            image_snapshot.assert_match(scene, name="LOGO")

        def test_clash_with_numbering(image_snapshot, scene):
            image_snapshot.assert_match(scene)
            image_snapshot.assert_match(scene, name="2")
            image_snapshot.assert_match(scene)
    ''')
    result = project.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*BaselineError: snapshot 'LOGO' of test_dup.py::test_twice maps to the same file*",
        "*BaselineError: snapshot #2 of test_dup.py::test_clash_with_numbering maps to the same file*",
    ])


def test_tests_whose_names_collide_after_sanitising_are_refused(project: pytest.Pytester) -> None:
    project.makepyfile(test_clash='''
        import pytest

        @pytest.mark.parametrize("p", ["a b", "a_b", "A/B", "other"])
        def test_x(image_snapshot, scene, p):
            image_snapshot.assert_match(scene)
    ''')
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*map to the same snapshot file name 'test_x_a_b'*"])
    assert [p.name for p in snapdir(project, "test_clash").iterdir()] == ["test_x_other.png"]


def test_snapshot_dir_and_results_options(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    project.mkpydir("sub")
    project.makepyfile(**{"sub/test_deep": MODULE})
    serial(project, monkeypatch, "--perceptdiff-snapshot-dir=baselines").assert_outcomes(passed=3)
    assert len(list((project.path / "sub" / "baselines" / "test_deep").glob("*.png"))) == 4
    serial(project, monkeypatch, "-o", "perceptdiff_snapshot_dir={rootdir}/central").assert_outcomes(passed=3)
    assert len(list((project.path / "central" / "sub" / "test_deep").glob("*.png"))) == 4
    result = serial(project, monkeypatch, "--perceptdiff-snapshot-dir=baselines",
                    "--perceptdiff-results=out", env={"SCENE": "visible"})
    result.assert_outcomes(failed=3)
    assert (project.path / "out" / "sub" / "test_deep" / "test_plain" / "test_plain.diff.png").is_file()

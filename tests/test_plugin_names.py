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
    # Only image files count: the folders beside the project are other tests' own tmp_path
    # folders, named after those tests (``test_a_baseline_outside_...``).
    for outside in (project.path, project.path.parent, project.path.parent.parent):
        for pattern in ("*escape*.png", "*outside*.png", "*escape*/*.png", "*outside*/*.png"):
            assert not list(outside.glob(pattern)), (outside, pattern)
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


def test_ids_that_sanitise_alike_get_their_own_baselines(project: pytest.Pytester) -> None:
    project.makepyfile(test_clash='''
        import pytest

        @pytest.mark.parametrize("p", ["a b", "a_b", "A/B", "other", "..", "."])
        def test_x(image_snapshot, scene, p):
            image_snapshot.assert_match(scene)
    ''')
    result = project.runpytest()
    result.assert_outcomes(passed=6)
    names = sorted(p.name for p in snapdir(project, "test_clash").iterdir())
    assert len(set(n.lower() for n in names)) == 6, names


def test_names_differing_in_case_are_refused(project: pytest.Pytester) -> None:
    project.makepyfile(test_case='''
        def test_a(image_snapshot, scene):
            image_snapshot.assert_match(scene)

        def test_A(image_snapshot, scene):
            image_snapshot.assert_match(scene)
    ''')
    result = project.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*test_case.py::test_a and test_case.py::test_A map to the same snapshot file*"])


FOLDER_MODULE = '''
def test_x(image_snapshot, scene):
    image_snapshot.assert_match(scene)
'''


def test_modules_whose_paths_sanitise_alike_do_not_share_baselines(project: pytest.Pytester,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 11: tests/a b/, tests/a_b/ and tests/a+b/ all mapped to one baseline (absolute
    # snapshot folder); so did test_\u00fc.py and test_\u00e9.py.
    for folder in ("a b", "a_b", "a+b"):
        (project.path / folder).mkdir()
        (project.path / folder / "test_x.py").write_text(FOLDER_MODULE)
    for module in ("test_\u00fc.py", "test_\u00e9.py"):
        (project.path / module).write_text(FOLDER_MODULE)
    project.makeini("[pytest]\nperceptdiff_snapshot_dir = {rootdir}/snaps\n")
    first = serial(project, monkeypatch, "--import-mode=importlib")
    first.assert_outcomes(passed=5)
    pngs = sorted(project.path.joinpath("snaps").rglob("*.png"))
    assert len(pngs) == 5, pngs
    changed = serial(project, monkeypatch, "--import-mode=importlib", "--perceptdiff-update=changed",
                     env={"SCENE": "visible"})
    changed.assert_outcomes(passed=5)
    assert len(sorted(project.path.joinpath("snaps").rglob("*.png"))) == 5


def test_a_baseline_records_its_test_and_another_test_mapping_to_it_is_refused(
        project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_perceptdiff import naming
    from pytest_perceptdiff.owner import read_owner

    project.makepyfile(test_own='''
        def test_one(image_snapshot, scene):
            image_snapshot.assert_match(scene)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=1)
    baseline = snapdir(project, "test_own") / "test_one.png"
    owner = read_owner(baseline)
    assert owner is not None and owner.nodeid == "test_own.py::test_one" and owner.label == "#1"
    # A test that reaches the same file by a route the session cannot see (here: the
    # earlier naming's file of a parametrized id) stops with both names.
    project.makepyfile(test_own='''
        import pytest

        @pytest.mark.parametrize("p", ["x y"])
        def test_two(image_snapshot, scene, p):
            image_snapshot.assert_match(scene)
    ''')
    legacy = snapdir(project, "test_own") / (naming.legacy_test_stem("test_own.py::test_two[x y]") + ".png")
    baseline.rename(legacy)
    from PIL import Image
    from pytest_perceptdiff.owner import Owner
    from perceptdiff.png import encode_png
    import numpy as np

    pixels = np.asarray(Image.open(legacy).convert("RGB"))
    # A stranger's record naming a test whose old name is this file.
    legacy.write_bytes(encode_png(pixels, text=Owner("test_own.py::test_two[x_y]", None).text()))
    result = serial(project, monkeypatch)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*was written by test_own.py::test_two[[]x_y[]]*and test_own.py::test_two[[]x y[]]*"])


def test_existing_baselines_of_the_earlier_naming_are_still_used(project: pytest.Pytester,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_perceptdiff import naming

    project.makepyfile(test_old='''
        import pytest

        @pytest.mark.parametrize("p", ["dark mode"])
        def test_theme(image_snapshot, scene, p):
            image_snapshot.assert_match(scene)
    ''')
    serial(project, monkeypatch).assert_outcomes(passed=1)
    folder = snapdir(project, "test_old")
    (new,) = folder.iterdir()
    old = folder / (naming.legacy_test_stem("test_old.py::test_theme[dark mode]") + ".png")
    assert new.name != old.name
    new.rename(old)  # as the earlier naming wrote it, without an owner record
    again = serial(project, monkeypatch)
    again.assert_outcomes(passed=1)
    assert [p.name for p in folder.iterdir()] == [old.name]  # read, not rewritten under the new name


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

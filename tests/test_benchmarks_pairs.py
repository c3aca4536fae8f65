"""benchmarks/pairs.py makes what each case says, at a tiny size (no timings here)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import benchmarks_support  # noqa: F401  (puts benchmarks/ on sys.path)
import names as N
import pairs


def _rgb(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(np.int16)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("pairs")
    return pairs.make_pairs(str(folder), list(N.GROUPS), folder_pairs=20, scale=0.1)


def test_every_group_makes_its_cases(made: dict) -> None:
    assert set(made) == {N.NOISE_1080P, N.NOISE_4K, N.IDENTICAL_1080P, N.OTHER_BYTES_1080P,
                         N.FULLFRAME_1080P, N.FULLFRAME_4K, N.FOLDER, N.INPROCESS_LOCAL,
                         N.INPROCESS_NOISE, N.NOISE_8K}
    kinds = {case: c["kind"] for case, c in made.items()}
    assert kinds[N.FOLDER] == N.KIND_FOLDER and kinds[N.NOISE_8K] == N.KIND_MEMORY
    assert kinds[N.INPROCESS_LOCAL] == kinds[N.INPROCESS_NOISE] == N.KIND_INPROCESS
    assert kinds[N.NOISE_1080P] == kinds[N.FULLFRAME_4K] == N.KIND_PAIR


def test_identical_cases(made: dict) -> None:
    same = made[N.IDENTICAL_1080P]
    assert filecmp.cmp(same["expected"], same["actual"], shallow=False)
    other = made[N.OTHER_BYTES_1080P]
    assert Path(other["expected"]).read_bytes() != Path(other["actual"]).read_bytes()
    assert np.array_equal(_rgb(other["expected"]), _rgb(other["actual"]))


@pytest.mark.parametrize("case", [N.NOISE_1080P, N.NOISE_4K, N.NOISE_8K])
def test_noise_everywhere_plus_one_local_change(made: dict, case: str) -> None:
    a, b = _rgb(made[case]["expected"]), _rgb(made[case]["actual"])
    d = np.abs(a - b)
    big = d.max(axis=-1) > 1
    assert (d >= 1).all()                      # every sample moves
    ys, xs = np.nonzero(big)
    assert 0 < big.sum() == (np.ptp(ys) + 1) * (np.ptp(xs) + 1)   # one filled box: the badge


@pytest.mark.parametrize("case", [N.FULLFRAME_1080P, N.FULLFRAME_4K])
def test_full_frame_change_is_everywhere(made: dict, case: str) -> None:
    a, b = _rgb(made[case]["expected"]), _rgb(made[case]["actual"])
    h, w = a.shape[:2]
    d = np.abs(a - b).max(axis=-1)
    # every quarter of the frame is changed, not one spot
    for qy in (slice(0, h // 2), slice(h // 2, h)):
        for qx in (slice(0, w // 2), slice(w // 2, w)):
            assert (d[qy, qx] > 2).mean() > 0.05


def test_in_process_pairs(made: dict) -> None:
    base = _rgb(made[N.INPROCESS_LOCAL]["expected"])
    local = _rgb(made[N.INPROCESS_LOCAL]["actual"])
    noise = _rgb(made[N.INPROCESS_NOISE]["actual"])
    assert 0 < (np.abs(base - local).max(axis=-1) > 0).mean() < 0.05
    assert np.abs(base - noise).max() == 1 and (base != noise).all()


def test_folder_mix(made: dict) -> None:
    c = made[N.FOLDER]
    names = sorted(p.name for p in Path(c["expected"]).iterdir())
    assert c["pairs"] == len(names) == 20
    assert names == sorted(p.name for p in Path(c["actual"]).iterdir())
    kinds = [pairs.folder_kind(i) for i in range(20)]
    assert kinds.count("other bytes") == 14 and kinds.count("noise") == 4 and kinds.count("local") == 2
    for i, name in enumerate(names):
        e, a = str(Path(c["expected"]) / name), str(Path(c["actual"]) / name)
        d = np.abs(_rgb(e) - _rgb(a))
        if kinds[i] == "other bytes":
            assert d.max() == 0 and not filecmp.cmp(e, a, shallow=False)
        elif kinds[i] == "noise":
            assert d.max() == 1
        else:
            assert d.max() > 100 and (d.max(axis=-1) > 0).mean() < 0.05


def test_ui_screenshot_is_deterministic_and_seeded() -> None:
    a, box_a = pairs.ui_screenshot(320, 200, seed=3)
    b, box_b = pairs.ui_screenshot(320, 200, seed=3)
    c, _ = pairs.ui_screenshot(320, 200, seed=4)
    assert np.array_equal(a, b) and box_a == box_b
    assert not np.array_equal(a, c)

"""benchmarks/targets.py judges issue 10's targets from given figures (made-up numbers, no timings)."""

from __future__ import annotations

import benchmarks_support  # noqa: F401  (puts benchmarks/ on sys.path)
import names as N
import targets as T


def _target(case: str) -> list[T.Target]:
    return [t for t in T.TARGETS if t.case == case]


def test_every_target_of_the_issue_is_declared() -> None:
    got = {(t.case, t.rule, t.limit, t.peer) for t in T.TARGETS}
    assert got == {
        (N.NOISE_1080P, T.Rule.FLOOR_AT_MOST, 2.0, None),
        (N.NOISE_1080P, T.Rule.FASTER_AT_LEAST, 4.0, N.FLIP),
        (N.NOISE_1080P, T.Rule.FASTER_AT_LEAST, 4.0, N.PDIFF),
        (N.NOISE_4K, T.Rule.FASTER_AT_LEAST, 5.0, N.FLIP),
        (N.FULLFRAME_1080P, T.Rule.FASTER_AT_LEAST, 2.0, N.FLIP),
        (N.IDENTICAL_1080P, T.Rule.FLOOR_AT_MOST, 1.1, None),
        (N.OTHER_BYTES_1080P, T.Rule.FLOOR_AT_MOST, 1.3, None),
        (N.FOLDER, T.Rule.FASTER_AT_LEAST, 1.0, N.ODIFF),
        (N.FOLDER, T.Rule.FASTER_AT_LEAST, 1.0, N.ODIFF_NPM),
        (N.INPROCESS_LOCAL, T.Rule.MS_AT_MOST, 25.0, None),
        (N.INPROCESS_NOISE, T.Rule.MS_AT_MOST, 40.0, None),
        (N.NOISE_8K, T.Rule.MB_AT_MOST, 1500.0, None),
    }


def test_ratio_to_the_floor() -> None:
    (t,) = _target(N.IDENTICAL_1080P)
    figs = {(N.PERCEPTDIFF, t.case): T.Figure(0.21, 40), (N.FLOOR, t.case): T.Figure(0.20, 70)}
    o = T.evaluate(t, figs, {}, {}, {})
    assert o.met is True and abs(o.value - 1.05) < 1e-9 and o.verdict == "met"
    figs[(N.PERCEPTDIFF, t.case)] = T.Figure(0.23, 40)
    o = T.evaluate(t, figs, {}, {}, {})
    assert o.met is False and o.verdict == "MISSED"


def test_speed_up_over_a_peer_is_peer_over_perceptdiff() -> None:
    (t,) = _target(N.NOISE_4K)
    figs = {(N.PERCEPTDIFF, t.case): T.Figure(1.0, 500), (N.FLIP, t.case): T.Figure(6.0, 1200)}
    o = T.evaluate(t, figs, {}, {}, {})
    assert o.met is True and abs(o.value - 6.0) < 1e-9
    figs[(N.FLIP, t.case)] = T.Figure(4.0, 1200)
    assert T.evaluate(t, figs, {}, {}, {}).met is False


def test_folder_is_quoted_in_pairs_per_second() -> None:
    t, t_npm = _target(N.FOLDER)
    assert (t.peer, t_npm.peer) == (N.ODIFF, N.ODIFF_NPM)
    figs = {(N.PERCEPTDIFF, t.case): T.Figure(20.0, 0), (N.ODIFF, t.case): T.Figure(25.0, 0)}
    o = T.evaluate(t, figs, {}, {}, {t.case: 500})
    assert o.met is True and "25.0 pairs/s" in o.measured and "20.0 pairs/s" in o.measured


def test_in_process_and_memory_limits() -> None:
    (local,) = _target(N.INPROCESS_LOCAL)
    assert T.evaluate(local, {}, {local.case: 24.9}, {}, {}).met is True
    assert T.evaluate(local, {}, {local.case: 25.1}, {}, {}).met is False
    (mem,) = _target(N.NOISE_8K)
    assert T.evaluate(mem, {(N.PERCEPTDIFF, mem.case): T.Figure(9.0, 1400.0)}, {}, {}, {}).met is True
    assert T.evaluate(mem, {(N.PERCEPTDIFF, mem.case): T.Figure(9.0, 1600.0)}, {}, {}, {}).met is False


def test_missing_figures_are_never_met() -> None:
    (t,) = [t for t in _target(N.NOISE_1080P) if t.peer == N.PDIFF]
    figs = {(N.PERCEPTDIFF, t.case): T.Figure(0.3, 100)}
    o = T.evaluate(t, figs, {}, {N.PDIFF: "no perceptualdiff binary on PATH"}, {})
    assert o.met is None and o.verdict == "n/a (no perceptualdiff binary on PATH)"
    assert T.evaluate(t, {}, {}, {}, {}).verdict == "n/a (case not run)"


def test_table_has_one_row_per_target() -> None:
    outcomes = T.evaluate_all({}, {N.INPROCESS_NOISE: 50.0}, {}, {})
    table = T.format_table(outcomes).splitlines()
    assert len(table) == 2 + len(T.TARGETS)
    assert table[0].startswith("| case | target |")
    row = next(line for line in table if line.startswith(f"| {N.INPROCESS_NOISE} "))
    assert "50.0 ms" in row and row.endswith("| MISSED |")

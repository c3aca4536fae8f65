"""The test suite's own guards: a dependency CI installs is never skipped there."""

from __future__ import annotations

import pytest

import conftest


def test_need_skips_outside_ci_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no_such_module_xyz not installed"):
        conftest.need("no_such_module_xyz")
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(ImportError):
        conftest.need("no_such_module_xyz")
    assert conftest.need("json").dumps([1]) == "[1]"


def test_ci_is_read_as_the_plugin_reads_it() -> None:
    from pytest_perceptdiff.settings import ci_from_environment

    assert conftest.IN_CI is ci_from_environment()

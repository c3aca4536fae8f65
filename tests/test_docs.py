"""The README's option tables are the option specifications (docs/option_tables.py makes them)."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import REPO


def _tables():
    spec = importlib.util.spec_from_file_location("option_tables", REPO / "docs" / "option_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TABLES = _tables()


@pytest.mark.parametrize("name", sorted(TABLES.TABLES))
def test_readme_option_table_matches_the_specs(name: str) -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    found = TABLES.current(readme, name)
    assert found is not None, f"README.md lacks <!-- options:{name} --> ... <!-- /options:{name} -->"
    assert found == TABLES.TABLES[name](), (
        f"README.md's {name!r} option table is out of date: run python docs/option_tables.py --write")


def test_every_comparison_option_is_in_the_tables() -> None:
    from perceptdiff.optionspec import COMMON_OPTIONS, YEE_OPTIONS

    cli, yee, plugin = TABLES.cli_table(), TABLES.yee_table(), TABLES.plugin_defaults_table()
    for spec in COMMON_OPTIONS:
        assert f"`{spec.flag}" in cli and f"`perceptdiff_{spec.name}`" in plugin, spec.name
    for spec in YEE_OPTIONS:
        assert f"`{spec.flag}" in yee, spec.name

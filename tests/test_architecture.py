"""docs/architecture.md stays true: every module is in its layer table, and imports follow the layers.

The table is the one declaration of the layers; this test reads it.  A module
may import from its own layer and from layers listed before it, never from a
later one (imports inside functions count too).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "perceptdiff"
DOC = REPO / "docs" / "architecture.md"
#: The package's own entry points belong to no layer.
UNLAYERED = {"perceptdiff", "perceptdiff.__main__", "perceptdiff._version"}
#: Imports against the layering that a branch in flight removes:
#: (importer, imported) -> why it is still allowed.  Delete an entry with the import.
KNOWN_EXCEPTIONS = {
}


def _layer_table() -> list[tuple[str, str]]:
    """``(layer, path)`` for every module path named in the table, in table order."""
    rows: list[tuple[str, str]] = []
    layer = ""
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| layer |"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if not in_table or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        layer = cells[0] or layer
        for path in re.findall(r"`([\w/.]+)`", cells[1]):
            rows.append((layer, path))
    return rows


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer_of(module: str, table: list[tuple[str, str]]) -> str | None:
    """The layer of the longest table path that contains ``module``."""
    best, best_len = None, -1
    for layer, path in table:
        name = "perceptdiff." + path.removesuffix(".py").rstrip("/").replace("/", ".")
        if (module == name or module.startswith(name + ".")) and len(name) > best_len:
            best, best_len = layer, len(name)
    return best


def _package_layer(package: str, table: list[tuple[str, str]], modules: dict[str, Path]) -> str | None:
    """A package named by no row takes the layer of its modules, if they share one."""
    layers = {_layer_of(m, table) for m in modules if m.startswith(package + ".")}
    return layers.pop() if len(layers) == 1 else None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The perceptdiff modules ``module`` imports (anywhere in its body)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in modules and m != module}


def test_every_module_is_in_the_table():
    table = _layer_table()
    assert table, f"no layer table found in {DOC}"
    modules = _modules()
    missing = [m for m in modules if m not in UNLAYERED and _layer_of(m, table) is None
               and _package_layer(m, table, modules) is None]
    assert not missing, f"modules missing from the layer table of {DOC.name}: {missing}"


def test_table_names_only_existing_modules():
    stale = [path for _, path in _layer_table()
             if not path.startswith("pytest_plugin/") and not (PACKAGE / path).exists()]
    assert not stale, f"{DOC.name} names modules that do not exist: {stale}"


def test_imports_follow_the_layers():
    table = _layer_table()
    order = list(dict.fromkeys(layer for layer, _ in table))
    modules = _modules()

    def rank(m: str) -> int | None:
        layer = _layer_of(m, table) or _package_layer(m, table, modules)
        return order.index(layer) if layer else None

    wrong = []
    for module, path in modules.items():
        own = rank(module)
        if own is None:
            continue
        for target in sorted(_imports(module, path, modules)):
            theirs = rank(target)
            if theirs is not None and theirs > own and (module, target) not in KNOWN_EXCEPTIONS:
                wrong.append(f"{module} ({order[own]}) imports {target} ({order[theirs]})")
    assert not wrong, "imports against the layers of docs/architecture.md:\n" + "\n".join(wrong)


@pytest.mark.parametrize("importer, imported", sorted(KNOWN_EXCEPTIONS))
def test_known_exceptions_still_exist(importer, imported):
    """An allowance outlives its import only by mistake: delete it when the import goes."""
    modules = _modules()
    assert imported in _imports(importer, modules[importer], modules), (
        f"{importer} no longer imports {imported}: delete its entry in KNOWN_EXCEPTIONS")

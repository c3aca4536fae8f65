"""The README's option tables, made from the option specifications.

The tables sit between ``<!-- options:NAME -->`` and ``<!-- /options:NAME -->``
in ``README.md``; ``tests/test_docs.py`` fails when they differ from what
this script makes.  To refresh them after changing an option::

    python docs/option_tables.py --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from perceptdiff.metrics import get_metric
from perceptdiff.optionspec import COMMON_OPTIONS, YEE_OPTIONS, Kind, OptionSpec
from pytest_perceptdiff import settings

README = Path(__file__).resolve().parents[1] / "README.md"

#: The metrics the README documents (a program may register more).
BUILT_IN_METRICS = ("perceptdiff", "yee")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _usage(spec: OptionSpec) -> str:
    if spec.kind is Kind.FLAG:
        return f"`{spec.flag}`"
    return f"`{spec.flag} {spec.metavar or 'X'}`"


def _default(spec: OptionSpec) -> str:
    text = spec.default_text()
    return f"`{text}`" if text is not None else "–"


def _metrics(spec: OptionSpec) -> str:
    if spec.engine:
        return "all"
    users = [m for m in BUILT_IN_METRICS if spec.name in get_metric(m).supported_options]
    return ", ".join(users) if users else "–"


def _meaning(spec: OptionSpec, specs: tuple[OptionSpec, ...], *, command: bool = True) -> str:
    text = spec.help
    if spec.choices is not None and spec.kind is Kind.CHOICE and not any(c in text for c in spec.choices):
        text += ": " + ", ".join(f"`{c}`" for c in spec.choices)
    rng = spec.short_range() or spec.range_text()
    if rng and spec.kind in (Kind.NUMBER, Kind.WHOLE):
        text += f"; {rng}"
    others = [s for s in specs if s.group is not None and s.group == spec.group and s is not spec]
    if others and command:
        text += "; not with " + ", ".join(f"`{s.flag}`" for s in others)
    elif others:
        text += "; replaces " + ", ".join(f"`{s.name}`" for s in others) + " set at a lower level"
    if spec.kind in (Kind.RECTS, Kind.RULES) and not command:
        text += "; in the ini file, separated by spaces"
    if spec.aliases and command:
        text += "; also " + ", ".join(f"`{a}`" for a in spec.aliases)
    return _cell(text)


def _command_table(specs: tuple[OptionSpec, ...], *, metrics: bool) -> str:
    head = ["option", "meaning", "default"] + (["metrics"] if metrics else [])
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for spec in specs:
        cells = [_usage(spec), _meaning(spec, specs), _default(spec)] + ([_metrics(spec)] if metrics else [])
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def cli_table() -> str:
    """Comparison options of the ``perceptdiff`` command."""
    return _command_table(COMMON_OPTIONS, metrics=True)


def yee_table() -> str:
    """Options of ``--metric yee``."""
    return _command_table(YEE_OPTIONS, metrics=False)


def _plugin_rows(items: tuple[settings._Setting, ...], meaning: dict[str, str]) -> list[str]:
    rows = ["| flag | ini key | meaning |", "|---|---|---|"]
    for s in items:
        flag = s.flag if s.flag_only_bool else f"{s.flag}={s.metavar or 'X'}"
        rows.append(f"| `{flag}` | `{s.ini}` | {_cell(meaning[s.name])} |")
    return rows


def plugin_table() -> str:
    """The plugin's own settings."""
    return "\n".join(_plugin_rows(settings._PLUGIN_SETTINGS,
                                  {s.name: s.help for s in settings._PLUGIN_SETTINGS}))


def plugin_defaults_table() -> str:
    """The plugin's comparison defaults: one per comparison option."""
    specs = {s.name: s for s in COMMON_OPTIONS}
    meaning = {name: _meaning(spec, COMMON_OPTIONS, command=False).replace("\\|", "|")
                     + (f" (default {spec.default_text()})" if spec.default_text() else "")
               for name, spec in specs.items()}
    return "\n".join(_plugin_rows(settings._DEFAULT_SETTINGS, meaning))


TABLES = {"cli": cli_table, "yee": yee_table, "plugin": plugin_table,
          "plugin-defaults": plugin_defaults_table}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- options:{re.escape(name)} -->\n)(.*?)(<!-- /options:{re.escape(name)} -->)",
                      re.S)


def current(text: str, name: str) -> str | None:
    """The table ``name`` as the README has it (None when its markers are missing)."""
    m = _pattern(name).search(text)
    return m.group(2).rstrip("\n") if m else None


def refresh(text: str) -> str:
    """``text`` with every table remade."""
    for name, make in TABLES.items():
        text, n = _pattern(name).subn(lambda m, t=make(): m.group(1) + t + "\n" + m.group(3), text)
        if n != 1:
            raise SystemExit(f"README.md: markers of table {name!r} found {n} times")
    return text


def main(argv: list[str]) -> int:
    if "--write" in argv:
        text = README.read_text("utf-8")
        new = refresh(text)
        if new != text:
            README.write_text(new, "utf-8")
            print("README.md: option tables rewritten")
        return 0
    for name, make in TABLES.items():
        print(f"<!-- options:{name} -->\n{make()}\n<!-- /options:{name} -->\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

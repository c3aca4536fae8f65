"""The plugin's options: command-line flags, ini keys, and how they combine.

Every option exists as a flag ``--perceptdiff-NAME`` and as an ini key
``perceptdiff_NAME`` (pytest-mpl's convention).  The flag wins over the ini
key; comparison options are then overridden per test by
``@pytest.mark.perceptdiff(...)`` and per call by keyword arguments.

This module imports nothing heavy: the plugin is loaded in every pytest run
of a project that has perceptdiff installed, used or not.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pytest

__all__ = [
    "UPDATE_MODES",
    "COMPARE_OPTIONS",
    "Settings",
    "add_options",
    "read_settings",
    "ci_from_environment",
    "merge_layers",
]

#: Baseline update modes.
UPDATE_MODES = ("missing", "changed", "all", "none")

#: Option groups whose members replace each other: a layer that sets one
#: member of a group discards the whole group from less specific layers (a
#: test's ``viewing="phone"`` beats a suite-wide ``ppd``).
EXCLUSIVE_GROUPS = (frozenset({"ppd", "viewing"}), frozenset({"max_pixels", "max_ratio"}))

_FALSE_WORDS = ("", "0", "false", "no", "off")


def _text(value: str) -> str:
    return value


def _number(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{value!r} is not a finite number")
    return v


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _update_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in UPDATE_MODES:
        raise ValueError(f"{value!r} is not one of {', '.join(UPDATE_MODES)}")
    return mode


@dataclass(frozen=True)
class _Spec:
    name: str
    help: str
    parse: Callable[[str], Any] = _text
    metavar: str | None = None
    flag_only_bool: bool = False  # store_true flag and bool ini key

    @property
    def flag(self) -> str:
        return "--perceptdiff-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "perceptdiff_" + self.name

    @property
    def dest(self) -> str:
        return "perceptdiff_" + self.name


_PLUGIN_SPECS = (
    _Spec("update", "write baselines: missing (default outside CI) writes absent ones; changed also "
                    "rewrites visibly different ones; all rewrites every used baseline whose pixels "
                    "differ; none never writes (default in CI)", _update_mode, "MODE"),
    _Spec("ci", "CI mode: a missing baseline fails the test (default when the CI environment "
                "variable is set to anything but 0/false)", flag_only_bool=True),
    _Spec("prune", "list baselines no test used (delete them when --perceptdiff-update is also "
                   "given on the command line)", flag_only_bool=True),
    _Spec("results", "folder for failure artifacts (default: .perceptdiff-results under the root "
                     "directory, or perceptdiff-results under --basetemp)", _text, "DIR"),
    _Spec("report", "write the HTML review report of this run's image comparisons to DIR after "
                    "every run (default: <results>/report, written only when an image differed "
                    "visibly or a baseline was missing)",
          _text, "DIR"),
    _Spec("snapshot_dir", "snapshot folder: relative (default __snapshots__) is beside each test "
                          "module; absolute (may start with {rootdir}) is one tree for the suite",
          _text, "DIR"),
)

#: Options passed to :func:`perceptdiff.compare`, by keyword name.
_COMPARE_SPECS = (
    _Spec("metric", "metric: perceptdiff (default) or yee", _text, "NAME"),
    _Spec("ppd", "pixels per degree of visual angle (overrides the viewing preset)", _number, "N"),
    _Spec("viewing", "viewing preset: desktop (default), laptop, retina, 4k, phone", _text, "PRESET"),
    _Spec("jnd_threshold", "visibility, in just-noticeable differences, above which a pixel "
                           "counts as visibly different (default 1)", _number, "X"),
    _Spec("max_pixels", "pass while at most N pixels are visibly different (replaces the "
                        "region rule)", _whole, "N"),
    _Spec("max_ratio", "pass while at most this fraction (0..1) of pixels is visibly different",
          _number, "R"),
)

COMPARE_OPTIONS = tuple(s.name for s in _COMPARE_SPECS)
_SPECS = _PLUGIN_SPECS + _COMPARE_SPECS
_SPEC = {s.name: s for s in _SPECS}


def add_options(parser: pytest.Parser) -> None:
    """Declare every flag and ini key."""
    group = parser.getgroup("perceptdiff", "perceptual image comparison (perceptdiff)")
    for spec in _SPECS:
        if spec.flag_only_bool:
            group.addoption(spec.flag, action="store_true", dest=spec.dest, default=None,
                            help=spec.help)
            parser.addini(spec.ini, spec.help, type="bool", default=False)
        else:
            group.addoption(spec.flag, action="store", dest=spec.dest, default=None,
                            metavar=spec.metavar, help=spec.help + f" (ini: {spec.ini})")
            parser.addini(spec.ini, spec.help, type="string", default="")


def ci_from_environment(environ: Mapping[str, str] | None = None) -> bool:
    """True when the ``CI`` environment variable is set to something other
    than empty, ``0``, ``false``, ``no`` or ``off`` (any case)."""
    env = os.environ if environ is None else environ
    return env.get("CI", "").strip().lower() not in _FALSE_WORDS


def merge_layers(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Combine option layers, least specific first.

    A later layer's keys win; a layer that sets any member of an exclusive
    group (``ppd``/``viewing``, ``max_pixels``/``max_ratio``) removes the
    whole group from the layers before it.
    """
    out: dict[str, Any] = {}
    for layer in layers:
        for group in EXCLUSIVE_GROUPS:
            if group & layer.keys():
                for key in group:
                    out.pop(key, None)
        out.update(layer)
    return out


@dataclass(frozen=True)
class Settings:
    """Everything the plugin decided at start-up.

    Attributes
    ----------
    update : str
        The update mode in force (one of :data:`UPDATE_MODES`).
    update_explicit : bool
        True when ``--perceptdiff-update`` was given on the command line.
    ci : bool
        CI mode (from ``--perceptdiff-ci``, the ini key or the environment).
    ci_source : str
        Where CI mode came from, for the report header.
    prune : bool
        Report unused baselines at the end of the run.
    results_dir : Path
        Absolute folder for failure artifacts.
    report_dir : Path or None
        Absolute folder of the HTML review report asked for with
        ``--perceptdiff-report`` / ``perceptdiff_report`` (written after every
        run); None when not asked for (then ``<results_dir>/report`` is
        written only when something failed).
    snapshot_dir : str
        The configured snapshot folder (see :func:`naming.module_folder`).
    ini_options, cli_options : mapping
        Comparison options from the ini file and the command line.
    configured : bool
        True when the user set any perceptdiff flag or ini key.
    """

    update: str = "missing"
    update_explicit: bool = False
    ci: bool = False
    ci_source: str = ""
    prune: bool = False
    results_dir: Path = Path(".perceptdiff-results")
    report_dir: Path | None = None
    snapshot_dir: str = "__snapshots__"
    ini_options: Mapping[str, Any] = field(default_factory=dict)
    cli_options: Mapping[str, Any] = field(default_factory=dict)
    configured: bool = False

    @property
    def writes_missing(self) -> bool:
        return self.update in ("missing", "changed", "all")

    @property
    def may_delete(self) -> bool:
        """Prune may delete: an explicit command-line update mode that writes."""
        return self.prune and self.update_explicit and self.update != "none"

    def compare_layers(self) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        return (self.ini_options, self.cli_options)


def _raw(config: pytest.Config, spec: _Spec) -> tuple[str | None, str | None]:
    """(command-line value, ini value) as given, None when absent."""
    cli = config.getoption(spec.dest, default=None)
    ini = config.getini(spec.ini)
    if spec.flag_only_bool:
        return (None if cli is None else str(bool(cli))), (str(ini) if ini else None)
    ini_text = str(ini).strip() if ini is not None else ""
    return cli, (ini_text or None)


def _parse(spec: _Spec, value: str, source: str) -> Any:
    try:
        return spec.parse(value)
    except ValueError as exc:
        where = spec.flag if source == "cli" else f"ini key {spec.ini}"
        raise pytest.UsageError(f"{where}: {exc}") from None


def read_settings(config: pytest.Config) -> Settings:
    """Read and validate every option; raise :class:`pytest.UsageError` on a bad one."""
    values: dict[str, dict[str, Any]] = {"cli": {}, "ini": {}}
    for spec in _SPECS:
        cli, ini = _raw(config, spec)
        if cli is not None:
            values["cli"][spec.name] = _parse(spec, cli, "cli")
        if ini is not None:
            values["ini"][spec.name] = _parse(spec, ini, "ini")
    cli_v, ini_v = values["cli"], values["ini"]
    configured = bool(cli_v or ini_v)

    # CI mode and the update mode.
    ci_flag = bool(cli_v.get("ci"))
    ci_ini = ini_v.get("ci") is True or str(ini_v.get("ci", "")).lower() == "true"
    ci_env = ci_from_environment()
    ci = ci_flag or ci_ini or ci_env
    ci_source = ("--perceptdiff-ci" if ci_flag else "ini perceptdiff_ci" if ci_ini
                 else "CI environment variable" if ci_env else "")
    explicit = "update" in cli_v
    if explicit:
        update = cli_v["update"]
        if ci_flag and update != "none":
            raise pytest.UsageError(
                f"--perceptdiff-ci and --perceptdiff-update={update} contradict each other: "
                "CI mode never writes baselines; drop one of them")
    elif ci:
        update = "none"
    else:
        update = ini_v.get("update", "missing")

    prune = bool(cli_v.get("prune")) or str(ini_v.get("prune", "")).lower() == "true"

    # Comparison options: validate each layer on its own and merged, so a bad
    # value is reported at start-up rather than in every test.
    ini_cmp = {k: v for k, v in ini_v.items() if k in COMPARE_OPTIONS}
    cli_cmp = {k: v for k, v in cli_v.items() if k in COMPARE_OPTIONS}
    for layer, where in ((ini_cmp, "ini key perceptdiff_"), (cli_cmp, "--perceptdiff-")):
        for a, b in (("ppd", "viewing"), ("max_pixels", "max_ratio")):
            if a in layer and b in layer:
                sep = "-" if where.startswith("--") else "_"
                fa, fb = (where + x.replace("_", sep) for x in (a, b))
                raise pytest.UsageError(f"{fa} and {fb}: give only one")
    if ini_cmp or cli_cmp:
        _validate_compare_options(ini_cmp, "ini")
        _validate_compare_options(cli_cmp, "command line")
        _validate_compare_options(merge_layers(ini_cmp, cli_cmp), "ini and command line")

    return Settings(
        update=update, update_explicit=explicit, ci=ci, ci_source=ci_source, prune=prune,
        results_dir=_results_dir(config, cli_v.get("results"), ini_v.get("results")),
        report_dir=_report_dir(config, cli_v.get("report"), ini_v.get("report")),
        snapshot_dir=str(cli_v.get("snapshot_dir") or ini_v.get("snapshot_dir") or "__snapshots__"),
        ini_options=ini_cmp, cli_options=cli_cmp, configured=configured,
    )


def _validate_compare_options(options: Mapping[str, Any], where: str) -> None:
    if not options:
        return
    try:
        from perceptdiff.errors import PerceptdiffError
        from perceptdiff.metrics import get_metric
        from perceptdiff.options import Options
    except ImportError as exc:  # a broken installation, not a user error
        raise pytest.UsageError(f"perceptdiff options given but perceptdiff cannot be imported: {exc}")
    try:
        opts = Options.from_kwargs(**options)
        get_metric(opts.metric)
    except PerceptdiffError as exc:
        raise pytest.UsageError(f"perceptdiff option ({where}): {exc}") from None


def _report_dir(config: pytest.Config, cli: str | None, ini: str | None) -> Path | None:
    """The report folder asked for: a flag is relative to the working directory, an ini key to the ini file."""
    if cli:
        path, base = Path(cli).expanduser(), config.invocation_params.dir
    elif ini:
        path = Path(ini).expanduser()
        base = config.inipath.parent if config.inipath else config.rootpath
    else:
        return None
    return Path(os.path.abspath(base / path))


def _results_dir(config: pytest.Config, cli: str | None, ini: str | None) -> Path:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and workerinput.get("perceptdiff_results"):
        return Path(workerinput["perceptdiff_results"])  # decided by the xdist controller
    if cli:
        path = Path(cli).expanduser()
        base = config.invocation_params.dir
    elif ini:
        path = Path(ini).expanduser()
        base = config.inipath.parent if config.inipath else config.rootpath
    else:
        basetemp = config.option.basetemp
        if basetemp:
            path = Path(basetemp).expanduser() / "perceptdiff-results"
            base = config.invocation_params.dir
        else:
            path, base = Path(".perceptdiff-results"), config.rootpath
    return Path(os.path.abspath(base / path))

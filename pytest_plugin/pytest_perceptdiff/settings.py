"""The plugin's options: command-line flags, ini keys, and how they combine.

Every option exists as a flag ``--perceptdiff-NAME`` and as an ini key
``perceptdiff_NAME`` (pytest-mpl's convention).  The flag wins over the ini
key.  Two kinds:

* the plugin's own settings (update mode, CI mode, folders), declared here;
* **comparison defaults**: one per option of :func:`perceptdiff.compare`,
  derived from :data:`perceptdiff.optionspec.COMMON_OPTIONS`.  They are
  defaults for every comparison of the run: ``@pytest.mark.perceptdiff(...)``
  overrides them per test and keyword arguments per call.

This module imports nothing heavy (the option specs are plain data): the
plugin is loaded in every pytest run of a project that has perceptdiff
installed, used or not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pytest

from perceptdiff.optionspec import COMMON_OPTIONS, EXCLUSIVE_GROUPS, Kind, OptionSpec

__all__ = [
    "UPDATE_MODES",
    "COMPARE_OPTIONS",
    "EXCLUSIVE_GROUPS",
    "Settings",
    "add_options",
    "read_settings",
    "ci_from_environment",
    "merge_layers",
]

#: Baseline update modes.
UPDATE_MODES = ("missing", "changed", "all", "none", "variant")

_FALSE_WORDS = ("", "0", "false", "no", "off")


def _text(value: str) -> str:
    return value


def _update_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in UPDATE_MODES:
        raise ValueError(f"{value!r} is not one of {', '.join(UPDATE_MODES)}")
    return mode


@dataclass(frozen=True)
class _Setting:
    """A flag and ini key: its name, help, text parser and how it is given."""

    name: str
    help: str
    parse: Callable[[str], Any] = _text
    metavar: str | None = None
    flag_only_bool: bool = False  # store_true flag and bool ini key
    repeatable: bool = False      # appending flag and whitespace-separated ini list

    @property
    def flag(self) -> str:
        return "--perceptdiff-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "perceptdiff_" + self.name

    @property
    def dest(self) -> str:
        return "perceptdiff_" + self.name


_PLUGIN_SETTINGS = (
    _Setting("update", "write baselines: missing (default outside CI) writes absent ones; changed "
                       "also rewrites visibly different ones; all rewrites every used baseline whose "
                       "pixels differ; none never writes (default in CI); variant adds a visibly different "
                       "image as one more approved variant (NAME.variant-N.png) beside its baseline, "
                       "never replacing it", _update_mode, "MODE"),
    _Setting("ci", "CI mode: a missing baseline fails the test (default when the CI environment "
                   "variable is set to anything but 0/false)", flag_only_bool=True),
    _Setting("prune", "list baselines no test used (delete them when --perceptdiff-update is also "
                      "given on the command line)", flag_only_bool=True),
    _Setting("results", "folder for failure artifacts (default: .perceptdiff-results under the root "
                        "directory, or perceptdiff-results under --basetemp)", _text, "DIR"),
    _Setting("report", "write the HTML review report of this run's image comparisons to DIR after "
                       "every run (default: <results>/report, written only when an image differed "
                       "visibly or a baseline was missing)",
             _text, "DIR"),
    _Setting("snapshot_dir", "snapshot folder: relative (default __snapshots__) is beside each test "
                             "module; absolute (may start with {rootdir}) is one tree for the suite",
             _text, "DIR"),
)


def _default_setting(spec: OptionSpec) -> _Setting:
    """The comparison default of one option of :func:`perceptdiff.compare`."""
    return _Setting(spec.name, "default for every comparison: " + spec.help_text(), spec.from_text,
                    spec.metavar or "X", flag_only_bool=spec.kind is Kind.FLAG,
                    repeatable=spec.kind in (Kind.RECTS, Kind.RULES))


#: Comparison defaults, one per option of :func:`perceptdiff.compare`.
_DEFAULT_SETTINGS = tuple(_default_setting(s) for s in COMMON_OPTIONS)

#: Names of the comparison options the plugin takes defaults for.
COMPARE_OPTIONS = tuple(s.name for s in _DEFAULT_SETTINGS)
_SETTINGS = _PLUGIN_SETTINGS + _DEFAULT_SETTINGS

#: Heading of the comparison defaults in ``pytest --help``.
DEFAULTS_GROUP = ("perceptdiff comparison defaults (@pytest.mark.perceptdiff and keyword "
                  "arguments override them)")


def add_options(parser: pytest.Parser) -> None:
    """Declare every flag and ini key."""
    groups = {id(_PLUGIN_SETTINGS): parser.getgroup("perceptdiff", "perceptual image comparison (perceptdiff)"),
              id(_DEFAULT_SETTINGS): parser.getgroup("perceptdiff-defaults", DEFAULTS_GROUP)}
    for settings in (_PLUGIN_SETTINGS, _DEFAULT_SETTINGS):
        group = groups[id(settings)]
        for spec in settings:
            if spec.flag_only_bool:
                group.addoption(spec.flag, action="store_true", dest=spec.dest, default=None,
                                help=spec.help + f" (ini: {spec.ini})")
                parser.addini(spec.ini, spec.help, type="bool", default=False)
            elif spec.repeatable:
                group.addoption(spec.flag, action="append", dest=spec.dest, default=None,
                                metavar=spec.metavar,
                                help=spec.help + f" (ini: {spec.ini}, separated by spaces)")
                parser.addini(spec.ini, spec.help, type="args", default=[])
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
        return self.update in ("missing", "changed", "all", "variant")

    @property
    def may_delete(self) -> bool:
        """Prune may delete: an explicit command-line update mode that writes."""
        return self.prune and self.update_explicit and self.update != "none"

    def compare_layers(self) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        return (self.ini_options, self.cli_options)


def _raw(config: pytest.Config, spec: _Setting) -> tuple[Any, Any]:
    """(command-line value, ini value) as given, None when absent.

    Texts, except: a bare flag gives ``"True"`` and a bool ini key ``"True"``
    when set; a repeatable option gives a list of texts.
    """
    cli = config.getoption(spec.dest, default=None)
    ini = config.getini(spec.ini)
    if spec.flag_only_bool:
        return (None if cli is None else str(bool(cli))), (str(ini) if ini else None)
    if spec.repeatable:
        return cli, (list(ini) or None)
    ini_text = str(ini).strip() if ini is not None else ""
    return cli, (ini_text or None)


def _parse(spec: _Setting, value: Any, source: str) -> Any:
    try:
        if spec.repeatable:
            return tuple(part for text in value for part in spec.parse(text))
        return spec.parse(value)
    except ValueError as exc:
        where = spec.flag if source == "cli" else f"ini key {spec.ini}"
        raise pytest.UsageError(f"{where}: {exc}") from None


def read_settings(config: pytest.Config) -> Settings:
    """Read and validate every option; raise :class:`pytest.UsageError` on a bad one."""
    values: dict[str, dict[str, Any]] = {"cli": {}, "ini": {}}
    for spec in _SETTINGS:
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
        for group in EXCLUSIVE_GROUPS:
            both = [s.name for s in COMMON_OPTIONS if s.name in group and s.name in layer]
            if len(both) > 1:
                sep = "-" if where.startswith("--") else "_"
                named = " and ".join(where + x.replace("_", sep) for x in both)
                raise pytest.UsageError(f"{named}: give only one")
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
        # Each value, and that the metric exists.  Whether the metric uses an
        # option is judged per comparison (a marker may choose another metric).
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

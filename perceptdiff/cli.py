"""The ``perceptdiff`` command.

Exit status follows diff(1): 0 when the images look the same, 1 when they
differ visibly, 2 on trouble (unreadable input, bad option).  Errors are one
line on stderr, never a traceback (``-v`` adds the traceback of an internal
error).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Any, NoReturn, Sequence

from ._version import __version__
from .errors import OptionError, PerceptdiffError
from .optionspec import COMMON_OPTIONS, DEFAULT_METRIC, METRIC_OPTIONS, Kind, OptionSpec

__all__ = ["main", "build_parser", "options_from_args"]

PROG = "perceptdiff"

#: Headings of ``--help`` sections holding comparison options.
_SECTIONS = {"model": "model", "framing": "framing"}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (still exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _text_type(spec: OptionSpec) -> Any:
    """argparse ``type`` for a spec: its text parser, with argparse's error class."""
    def convert(text: str) -> Any:
        try:
            return spec.from_text(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = spec.kind.value  # argparse names the type in some messages
    return convert


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _shard(text: str) -> tuple[int, int]:
    from .folder.pairing import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _metric_dest(metric: str, name: str) -> str:
    return f"{metric}__{name}"


def _add_option(group: Any, spec: OptionSpec, dest: str) -> None:
    """One flag (and its aliases) for a spec; every default is None, so only given options pass."""
    kw: dict[str, Any] = {"dest": dest, "default": None, "help": spec.help_text()}
    if spec.kind is Kind.FLAG:
        kw["action"] = "store_true"
    elif spec.kind is Kind.RECTS:
        kw.update(action="append", metavar=spec.metavar)
    elif spec.kind is Kind.CHOICE:
        kw["choices"] = spec.choices
    elif spec.kind is Kind.METRIC:
        from .metrics import metric_names

        kw["choices"] = metric_names()  # registered metrics included
    else:
        kw["metavar"] = spec.metavar or "X"
        if spec.kind in (Kind.NUMBER, Kind.WHOLE):
            kw["type"] = _text_type(spec)
    group.add_argument(spec.flag, *spec.aliases, **kw)


def _add_specs(parser: argparse.ArgumentParser, sections: dict[str, Any],
               specs: tuple[OptionSpec, ...], dest: Any) -> None:
    """Flags of ``specs``; options of one exclusive group share a mutually exclusive group."""
    exclusive: dict[str, Any] = {}
    for spec in specs:
        group = sections[spec.section]
        if spec.group is not None:
            if spec.group not in exclusive:
                exclusive[spec.group] = group.add_mutually_exclusive_group()
            group = exclusive[spec.group]
        _add_option(group, spec, dest(spec))


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser; comparison flags come from :mod:`perceptdiff.optionspec`."""
    p = _Parser(
        prog=PROG,
        description=(
            "Tell whether two images differ visibly. Exit 0: no visible difference; "
            "1: visibly different; 2: trouble. When both arguments are folders, compare "
            "them recursively (matching files by relative path). Subcommands: "
            + "; ".join(f"'{PROG} {s.name}': {s.help}" for s in _subcommands().values())
            + f" ('{PROG} NAME --help' for each)."
        ),
    )
    p.add_argument("expected", metavar="EXPECTED", help="the approved image (or folder)")
    p.add_argument("actual", metavar="ACTUAL", help="the new image (or folder)")
    out = p.add_argument_group("output")
    out.add_argument("--diff", metavar="PATH", help="write a diff image (PNG) to PATH")
    out.add_argument("--diff-style", choices=("overlay", "sidebyside"), default="overlay",
                     help="overlay: differences over the faded expected image (default); "
                          "sidebyside: expected | actual | diff")
    out.add_argument("--json", metavar="FILE", nargs="?", const="-", default=None,
                     help="print the result as one JSON object (to FILE if given; put --json "
                          "after the images or write --json=FILE)")
    verb = out.add_mutually_exclusive_group()
    verb.add_argument("-v", "--verbose", action="store_true", help="more detail: regions, notes, timings")
    verb.add_argument("-q", "--quiet", action="store_true", help="print nothing; the exit status tells")
    out.add_argument("--version", action="version", version=f"%(prog)s {__version__}")

    sections = {key: p.add_argument_group(title) for key, title in _SECTIONS.items()}
    _add_specs(p, sections, COMMON_OPTIONS, lambda spec: spec.name)
    for metric, specs in METRIC_OPTIONS.items():
        group = p.add_argument_group(f"options of --metric {metric}")
        _add_specs(p, {s.section: group for s in specs}, specs,
                   lambda spec, m=metric: _metric_dest(m, spec.name))

    batch = p.add_argument_group("folders (when EXPECTED and ACTUAL are directories)")
    batch.add_argument("--report", metavar="DIR", help="write an HTML review report to DIR")
    batch.add_argument("--junit", metavar="FILE", help="write JUnit XML, one test case per pair")
    batch.add_argument("--jobs", type=_int, metavar="N", help="pairs compared in parallel (default: all cores)")
    batch.add_argument("--shard", type=_shard, metavar="K/N",
                       help="compare only shard K of N (a stable hash of each relative path decides), "
                            "one shard per machine; 'perceptdiff merge' joins their summaries")
    return p


def _subcommands() -> dict[str, Any]:
    from .commands import SUBCOMMANDS

    return SUBCOMMANDS


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword options of :func:`perceptdiff.compare` given on the command line.

    Raises
    ------
    OptionError
        A metric's own option was given with another metric.
    """
    kw: dict[str, Any] = {}
    for spec in COMMON_OPTIONS:
        value = getattr(args, spec.name)
        if value is not None:
            kw[spec.name] = tuple(value) if spec.kind is Kind.RECTS else value
    chosen = kw.get("metric", DEFAULT_METRIC)
    for metric, specs in METRIC_OPTIONS.items():
        given = {s.name: getattr(args, _metric_dest(metric, s.name)) for s in specs}
        given = {k: v for k, v in given.items() if v is not None}
        if given and chosen != metric:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise OptionError(f"{flags}: only with --metric {metric}")
        kw.update(given)
    return kw


def _fmt_num(v: float | None, unit: str = "") -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f}{unit}" if v < 100 else f"{v:.0f}{unit}"


def render_text(result: Any, verbose: bool = False) -> str:
    """Human output: the verdict line, then a few numbers."""
    lines = [result.summary()]
    es, as_ = result.expected_size, result.actual_size
    lines.append(f"  expected {result.sources[0]} ({es[0]}x{es[1]}), "
                 f"actual {result.sources[1]} ({as_[0]}x{as_[1]})")
    if result.compared_size is not None and result.verdict != "identical":
        lines.append(
            f"  visible {result.visible_pixels} px ({result.visible_area_deg2:.3g} deg², "
            f"{100 * result.visible_ratio:.3g}%), peak {_fmt_num(result.peak_jnd)} JND, "
            f"p99.9 {_fmt_num(result.p999_jnd)} JND, forgiven {result.forgiven_pixels} px, "
            f"{result.region_count} region(s)")
    if "sum_errors" in result.details:
        se = result.details["sum_errors"]
        lines.append(f"  sum of errors {se}, normalised {result.details.get('sum_errors_normalized')}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    if verbose:
        lines.append(f"  metric {result.metric} {result.metric_version}, "
                     f"{result.pixels_per_degree:.3g} pixels per degree")
        for r in result.regions:
            flag = "FAIL" if r.failing else "ok  "
            lines.append(f"  {flag} region at x={r.x} y={r.y} {r.width}x{r.height}: {r.pixels} px "
                         f"({r.area_deg2:.3g} deg²), peak {r.peak_jnd:.2f} JND")
        if result.region_count > len(result.regions):
            lines.append(f"  ... and {result.region_count - len(result.regions)} more region(s)")
        t = result.timings
        lines.append("  time " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in t.items()))
    return "\n".join(lines)


def _write_text_atomic(path: str, text: str) -> None:
    from .fileio import atomic_write_bytes
    atomic_write_bytes(path, text.encode("utf-8"))


def run_pair(args: argparse.Namespace, kw: dict[str, Any]) -> int:
    from .engine import compare

    result = compare(args.expected, args.actual, **kw)
    if args.diff:
        from .diffimage import write_diff
        write_diff(result, args.diff, style=args.diff_style)
    if args.json is not None:
        text = result.to_json(indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
        else:
            _write_text_atomic(args.json, text + "\n")
    if not args.quiet and args.json != "-":
        print(render_text(result, verbose=args.verbose))
    return result.exit_code


def _compare(args: argparse.Namespace) -> int:
    """The two-image and two-folder forms of the command."""
    kw = options_from_args(args)
    both_dirs = os.path.isdir(args.expected) and os.path.isdir(args.actual)
    if both_dirs:
        from .folder.command import run_cli as run_batch
        return run_batch(args, kw)
    for flag in ("report", "junit", "jobs", "shard"):
        if getattr(args, flag) is not None:
            raise OptionError(f"--{flag}: only when both arguments are folders")
    return run_pair(args, kw)


def _parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Any, str]:
    """The arguments, the function that runs them (a subcommand's, or the comparison), and its name."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    sub = _subcommands().get(args_list[0]) if args_list else None
    if sub is None:
        return build_parser().parse_args(args_list), _compare, PROG
    module = sub.load()
    prog = f"{PROG} {sub.name}"
    parser = _Parser(prog=prog, description=sub.help[0].upper() + sub.help[1:] + ".")
    module.add_arguments(parser)
    return parser.parse_args(args_list[1:]), module.run, prog


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``perceptdiff`` command; returns the exit status."""
    args, run, prog = _parse(argv)
    try:
        return int(run(args))
    except PerceptdiffError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{prog}: error: out of memory (images too large for this machine)", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 2
    except Exception as exc:  # a bug of ours: still one line, traceback with -v
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"{prog}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

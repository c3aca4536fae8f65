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
from .names import display
from .optionspec import COMMON_OPTIONS, DEFAULT_METRIC, METRIC_OPTIONS, Kind, OptionSpec, parse_color

#: Diff picture styles and bases (as :mod:`perceptdiff.diffimage` defines them;
#: repeated here so that ``--help`` does not import numpy).
STYLES = ("overlay", "sidebyside", "mask")
BASES = ("expected", "actual")
#: Failing regions listed in the default output (``-v`` lists every region).
MAX_REGIONS_PRINTED = 5
#: What EXPECTED or ACTUAL says to read standard input.
STDIN = "-"

__all__ = ["main", "build_parser", "options_from_args"]

PROG = "perceptdiff"

#: Headings of ``--help`` sections holding comparison options.
_SECTIONS = {"model": "model", "framing": "framing", "input": "input"}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (still exit status 2) that says what to do where it can."""

    argv: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        hint = usage_hint(message, self.argv)
        text = f"{message}: {hint}" if hint else f"{message} (see --help)"
        self.exit(2, f"{self.prog}: error: {display(text)}\n")


def usage_hint(message: str, argv: Sequence[str]) -> str | None:
    """What to do about an argparse error, read from the arguments given (None: no advice)."""
    argv = list(argv)
    if "required: ACTUAL" in message or "required: EXPECTED" in message:
        for flag, value in zip(argv, argv[1:]):
            if flag == "--json" and not value.startswith("-"):
                return (f"--json took {value!r} as the FILE to write; put --json after the two images, "
                        "or write --json=FILE")
    if message.endswith("expected one argument"):
        flag = message.split(":")[0].replace("argument", "").strip().split("/")[0]
        for given, value in zip(argv, argv[1:]):
            if given == flag and value.startswith("-"):
                return f"a value starting with - must be joined to its flag: write {flag}={value}"
    return None


def _text_type(spec: OptionSpec) -> Any:
    """argparse ``type`` for a spec: its text parser, with argparse's error class."""
    def convert(text: str) -> Any:
        try:
            return spec.from_text(text)
        except ValueError as exc:
            hint = f" ({spec.hint})" if spec.hint else ""
            raise argparse.ArgumentTypeError(f"{exc}{hint}") from None
    convert.__name__ = spec.kind.value  # argparse names the type in some messages
    return convert


def _color(text: str) -> tuple[int, int, int]:
    try:
        return parse_color(text)
    except OptionError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("background colour", "colour")) from None


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
    elif spec.kind in (Kind.RECTS, Kind.RULES):
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
    p.add_argument("expected", metavar="EXPECTED", help="the approved image (or folder; - reads "
                                                         "standard input)")
    p.add_argument("actual", metavar="ACTUAL", nargs="?",
                   help="the new image (or folder; - reads standard input); with --baseline, the one "
                        "image given")
    p.add_argument("--baseline", metavar="PATH", action="append",
                   help="an approved variant of the baseline (repeatable): perceptdiff --baseline a.png "
                        "--baseline b.png ACTUAL passes an image within the variants' spread, per pixel")
    out = p.add_argument_group("output")
    out.add_argument("--diff", metavar="PATH", help="write a diff image (PNG) to PATH")
    out.add_argument("--diff-style", choices=STYLES, default="overlay",
                     help="overlay: differences over the faded image (default); "
                          "sidebyside: expected | actual | diff; mask: only the visibly different "
                          "pixels on transparency (RGBA, no legend)")
    out.add_argument("--diff-base", choices=BASES, default="expected",
                     help="the image faded under the marks: expected (default) or actual (shows "
                          "what is new)")
    out.add_argument("--diff-color", metavar="COLOR", type=_color,
                     help="paint visibly different pixels in this one colour (#rrggbb) instead "
                          "of the visibility ramp")
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
    batch.add_argument("--no-renames", dest="renames", action="store_false", default=None,
                       help="list a file only in ACTUAL and one only in EXPECTED as new and removed "
                            "even when they show the same picture (default: one renamed pair)")
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
            kw[spec.name] = tuple(value) if spec.kind in (Kind.RECTS, Kind.RULES) else value
    chosen = kw.get("metric", DEFAULT_METRIC)
    for metric, specs in METRIC_OPTIONS.items():
        given = {s.name: getattr(args, _metric_dest(metric, s.name)) for s in specs}
        given = {k: v for k, v in given.items() if v is not None}
        if given and chosen != metric:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            hints = [s.hint for s in specs if s.name in given and s.hint]
            raise OptionError(f"{flags}: only with --metric {metric}" + (f" ({hints[0]})" if hints else ""))
        kw.update(given)
    return kw


def _fmt_num(v: float | None, unit: str = "") -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f}{unit}" if v < 100 else f"{v:.0f}{unit}"


def render_text(result: Any, verbose: bool = False) -> str:
    """Human output: the verdict line, then a few numbers (names shown with :func:`~perceptdiff.names.display`)."""
    lines = [result.summary()]
    es, as_ = result.expected_size, result.actual_size
    lines.append(f"  expected {display(result.sources[0])} ({es[0]}x{es[1]}), "
                 f"actual {display(result.sources[1])} ({as_[0]}x{as_[1]})")
    if result.compared_size is not None and result.verdict != "identical":
        changed = f"changed {result.changed_pixels} px, " if result.changed_pixels is not None else ""
        lines.append(
            f"  {changed}visible {result.visible_pixels} px ({result.visible_area_deg2:.3g} deg², "
            f"{100 * result.visible_ratio:.3g}%), peak {_fmt_num(result.peak_jnd)} JND, "
            f"p99.9 {_fmt_num(result.p999_jnd)} JND, forgiven {result.forgiven_pixels} px, "
            f"{result.region_count} region(s)")
    variants = result.details.get("variants")
    if variants:
        lines.append("  baseline variants: " + ", ".join(
            f"{v['index']} {display(v['source'])} ({v['verdict']}, {v['visible_pixels']} px visible)"
            for v in variants) + f"; closest {result.details.get('closest_variant')}")
    if "sum_errors" in result.details:
        se = result.details["sum_errors"]
        lines.append(f"  sum of errors {se}, normalised {result.details.get('sum_errors_normalized')}")
    if not verbose:
        failing = [(i, r) for i, r in enumerate(result.regions, 1) if r.failing]
        for i, r in failing[:MAX_REGIONS_PRINTED]:
            lines.append(f"  {r.describe(i)}")
        if len(failing) > MAX_REGIONS_PRINTED:
            lines.append(f"  ... and {len(failing) - MAX_REGIONS_PRINTED} more failing region(s) (-v lists them)")
    for note in result.notes:
        lines.append(f"  note: {display(note)}")
    if verbose:
        lines.append(f"  metric {result.metric} {result.metric_version}, "
                     f"{result.pixels_per_degree:.3g} pixels per degree")
        for i, r in enumerate(result.regions, 1):
            flag = "FAIL" if r.failing else "ok  "
            changed = f"{r.changed_pixels} px changed, " if r.changed_pixels is not None else ""
            mean = f", mean {r.mean_jnd:.2f}" if r.mean_jnd is not None else ""
            lines.append(f"  {flag} {r.describe(i)}{mean}; {changed}visible over {r.visible_pixels} px "
                         f"({r.area_deg2:.3g} deg²)")
        if result.region_count > len(result.regions):
            lines.append(f"  ... and {result.region_count - len(result.regions)} more region(s)")
        for i, r in enumerate(result.forgiven_regions, 1):
            lines.append(f"  ok   forgiven {i} at x={r.x} y={r.y} {r.width}\u00d7{r.height}: "
                         f"{r.kind_words}, {r.changed_pixels} px")
        t = result.timings
        lines.append("  time " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in t.items()))
    return "\n".join(lines)


def _write_text_atomic(path: str, text: str) -> None:
    from .fileio import atomic_write_bytes
    atomic_write_bytes(path, text.encode("utf-8"))


def _stdin_source(args: argparse.Namespace, kw: dict[str, Any]) -> Any:
    """The ``-`` argument's image read from standard input (bounded by max_file_mb)."""
    from .loading import EncodedData, read_stream
    from .options import Options

    if args.expected == STDIN and args.actual == STDIN:
        raise OptionError("only one of EXPECTED and ACTUAL can be - (standard input)")
    if sys.stdin is None or sys.stdin.isatty():
        raise OptionError("- reads an image from standard input, but standard input is a terminal: "
                          "pipe an image into it (perceptdiff - b.png < a.png)")
    limit = Options.from_kwargs(**{k: v for k, v in kw.items() if k == "max_file_mb"}).max_file_bytes
    return EncodedData(read_stream(sys.stdin.buffer, "<stdin>", limit), "<stdin>")


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse output paths that cannot be written before comparing (not after)."""
    from .fileio import check_parent_folders

    if args.diff:
        from .diffimage import check_diff_path

        check_diff_path(args.diff)
    if args.json not in (None, "-"):
        check_parent_folders(args.json)


def _verdict_only(args: argparse.Namespace) -> bool:
    """Only the verdict is asked for: ``-q``, or plain text without ``--diff``, ``--json`` or ``-v``
    (a failing pair may then stop at its first failing part; the text says so)."""
    return bool(args.quiet or not (args.diff or args.json is not None or args.verbose))


def _describes(args: argparse.Namespace) -> bool:
    """Something is written that shows the regions: all but ``-q`` without ``--diff`` or ``--json``
    (the exit status alone says nothing of what changed in a region)."""
    return bool(not args.quiet or args.diff or args.json is not None)


def run_pair(args: argparse.Namespace, kw: dict[str, Any]) -> int:
    from .engine import compare

    _check_outputs(args)
    expected, actual = args.expected, args.actual
    if STDIN in (expected, actual):
        stdin = _stdin_source(args, kw)
        expected = stdin if expected == STDIN else expected
        actual = stdin if actual == STDIN else actual
    result = compare(expected, actual, verdict_only=_verdict_only(args), describe=_describes(args), **kw)
    images = None
    if args.diff:
        from .diffimage import images_for_picture

        images = images_for_picture(result, expected, actual, kw)
    return _emit(args, result, images)


def _emit(args: argparse.Namespace, result: Any, images: Any = None) -> int:
    """Write the diff picture and the JSON, print the text; the exit status."""
    if args.diff:
        from .diffimage import write_diff

        write_diff(result, args.diff, style=args.diff_style, base=args.diff_base,
                   color=args.diff_color, images=images)
    if args.json is not None:
        text = result.to_json(indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
        else:
            _write_text_atomic(args.json, text + "\n")
    if not args.quiet and args.json != "-":
        print(render_text(result, verbose=args.verbose))
    return result.exit_code


def run_variants(args: argparse.Namespace, kw: dict[str, Any]) -> int:
    """``--baseline a.png --baseline b.png ACTUAL``: the actual image against approved variants."""
    from .variants import compare_variants

    _check_outputs(args)
    if STDIN in args.baseline or args.expected == STDIN:
        raise OptionError("--baseline: standard input (-) is not read with baseline variants")
    result = compare_variants(args.baseline, args.expected, **kw)
    return _emit(args, result)


def _compare(args: argparse.Namespace) -> int:
    """The two-image and two-folder forms of the command."""
    kw = options_from_args(args)
    if args.baseline:
        if args.actual is not None:
            raise OptionError("with --baseline, give only ACTUAL: the baselines are the --baseline images")
        return run_variants(args, kw)
    both_dirs = os.path.isdir(args.expected) and os.path.isdir(args.actual)
    if both_dirs:
        from .folder.command import run_cli as run_batch
        return run_batch(args, kw)
    for flag in ("report", "junit", "jobs", "shard"):
        if getattr(args, flag) is not None:
            raise OptionError(f"--{flag}: only when both arguments are folders")
    if args.renames is not None:
        raise OptionError("--no-renames: only when both arguments are folders")
    return run_pair(args, kw)


def _parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Any, str]:
    """The arguments, the function that runs them (a subcommand's, or the comparison), and its name."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    sub = _subcommands().get(args_list[0]) if args_list else None
    if sub is None:
        parser = build_parser()
        parser.argv = args_list  # type: ignore[attr-defined]  # for usage_hint
        args = parser.parse_args(args_list)
        if args.actual is None and not args.baseline:
            parser.error("the following arguments are required: ACTUAL")
        return args, _compare, PROG
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
        print(f"{prog}: error: {display(str(exc))}", file=sys.stderr)
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
        print(f"{prog}: internal error: {type(exc).__name__}: {display(str(exc))}", file=sys.stderr)
        return 2

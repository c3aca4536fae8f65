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
from typing import Any, Sequence

from ._version import __version__
from .errors import OptionError, PerceptdiffError
from .options import VIEWING_PRESETS

__all__ = ["main", "build_parser", "options_from_args"]

PROG = "perceptdiff"

#: Options that only Yee's metric understands: CLI dest -> metric option name.
YEE_OPTIONS = {
    "fov": "fov", "threshold": "threshold", "gamma": "gamma", "luminance": "luminance",
    "luminance_only": "luminance_only", "color_factor": "color_factor",
    "down_sample": "down_sample", "sum_errors": "sum_errors", "channel_order": "channel_order",
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (still exit status 2)."""

    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description=(
            "Tell whether two images differ visibly. Exit 0: no visible difference; "
            "1: visibly different; 2: trouble. When both arguments are folders, compare "
            "them recursively (matching files by relative path)."
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

    model = p.add_argument_group("model")
    model.add_argument("--metric", default="perceptdiff", choices=("perceptdiff", "yee"),
                       help="perceptdiff (default) or yee (compatible with perceptualdiff)")
    view = model.add_mutually_exclusive_group()
    view.add_argument("--ppd", type=_float, metavar="N",
                      help="pixels per degree of visual angle (overrides --viewing)")
    view.add_argument("--viewing", choices=tuple(VIEWING_PRESETS), default=None,
                      help="viewing preset: " + ", ".join(f"{k} ({v:g} ppd)" for k, v in VIEWING_PRESETS.items())
                           + "; default desktop")
    model.add_argument("--jnd-threshold", type=_float, metavar="X", default=1.0,
                       help="visibility (in just-noticeable differences) above which a pixel counts "
                            "as visibly different (default 1)")
    budget = model.add_mutually_exclusive_group()
    budget.add_argument("--max-pixels", type=_int, metavar="N",
                        help="pass while at most N pixels are visibly different (replaces the region rule)")
    budget.add_argument("--max-ratio", type=_float, metavar="R",
                        help="pass while at most this fraction (0..1) of pixels is visibly different")
    model.add_argument("--antialiasing", choices=("box", "pixelmatch", "off"), default="box",
                       help="how anti-aliasing and 1-px jitter are forgiven (default box)")

    frame = p.add_argument_group("framing")
    frame.add_argument("--ignore", action="append", metavar="x,y,w,h", default=[],
                       help="do not compare this rectangle (repeatable)")
    size = frame.add_mutually_exclusive_group()
    size.add_argument("--resize", "--scale", action="store_true",
                      help="compare images of different sizes at the smaller size")
    size.add_argument("--pad", action="store_true",
                      help="compare images of different sizes on the larger canvas")
    frame.add_argument("--background", metavar="COLOR",
                       help="page colour translucent images are shown on (#rrggbb); "
                            "default: both white and black are checked")

    yee = p.add_argument_group("Yee / perceptualdiff compatibility (with --metric yee)")
    yee.add_argument("--fov", type=_float, help="field of view in degrees, 0.1..89.9 (default 45)")
    yee.add_argument("--threshold", type=_int,
                     help="number of differing pixels at which the images FAIL (default 100)")
    yee.add_argument("--gamma", type=_float, help="gamma of the display (default 2.2)")
    yee.add_argument("--luminance", type=_float, help="white luminance in cd/m² (default 100)")
    yee.add_argument("--luminance-only", action="store_true", default=None,
                     help="only compare luminance, not colour")
    yee.add_argument("--color-factor", type=_float, help="weight of the colour test, 0..1 (default 1)")
    yee.add_argument("--down-sample", type=_int, help="halve both images N times first (default 0)")
    yee.add_argument("--sum-errors", action="store_true", default=None,
                     help="report the sum of the luminance and colour errors")
    yee.add_argument("--channel-order", choices=("rgb", "bgr"),
                     help="rgb (default); bgr reproduces the perceptualdiff binary on little-endian "
                          "machines, which reads blue as red")

    batch = p.add_argument_group("folders (when EXPECTED and ACTUAL are directories)")
    batch.add_argument("--report", metavar="DIR", help="write an HTML review report to DIR")
    batch.add_argument("--junit", metavar="FILE", help="write JUnit XML, one test case per pair")
    batch.add_argument("--jobs", type=_int, metavar="N", help="pairs compared in parallel (default: all cores)")
    return p


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword options for :func:`perceptdiff.compare` from parsed arguments."""
    kw: dict[str, Any] = {
        "metric": args.metric,
        "jnd_threshold": args.jnd_threshold,
        "ignore": tuple(args.ignore),
        "resize": args.resize,
        "pad": args.pad,
        "antialiasing": args.antialiasing,
    }
    if args.ppd is not None:
        kw["ppd"] = args.ppd
    if args.viewing is not None:
        kw["viewing"] = args.viewing
    if args.max_pixels is not None:
        kw["max_pixels"] = args.max_pixels
    if args.max_ratio is not None:
        kw["max_ratio"] = args.max_ratio
    if args.background is not None:
        kw["background"] = args.background
    given = {opt: getattr(args, dest) for dest, opt in YEE_OPTIONS.items()
             if getattr(args, dest) is not None}
    if given and args.metric != "yee":
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        raise OptionError(f"{flags}: only with --metric yee")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``perceptdiff`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        kw = options_from_args(args)
        both_dirs = os.path.isdir(args.expected) and os.path.isdir(args.actual)
        if both_dirs:
            from .batch import run_cli as run_batch
            return run_batch(args, kw)
        for flag in ("report", "junit", "jobs"):
            if getattr(args, flag) is not None:
                raise OptionError(f"--{flag}: only when both arguments are folders")
        return run_pair(args, kw)
    except PerceptdiffError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{PROG}: error: out of memory (images too large for this machine)", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 2
    except Exception as exc:  # a bug of ours: still one line, traceback with -v
        if args.verbose:
            traceback.print_exc()
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

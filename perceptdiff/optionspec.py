"""The comparison options, each declared once.

Every option of :func:`perceptdiff.compare` is an :class:`OptionSpec` here:
its name, kind, default, range or choices, help sentence, exclusive group
and whether the engine applies it for every metric or the metric must honour
it.  Derived from these declarations:

* :class:`perceptdiff.options.Options` validates and normalises each field
  with :meth:`OptionSpec.check`;
* the ``perceptdiff`` command's flags (:mod:`perceptdiff.cli`);
* the pytest plugin's flags, ini keys and the keys its option layers replace
  as a group (:mod:`pytest_perceptdiff.settings`);
* the option tables of the README (``docs/option_tables.py``; a test checks
  them).

:data:`METRIC_OPTIONS` declares the options a metric keeps for itself (Yee's
``fov``, ``threshold`` ...) the same way; they travel in
:attr:`Options.metric_options` and are validated by the metric.

This module imports nothing heavy: the pytest plugin reads it in every run.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

from .errors import OptionError

__all__ = [
    "Kind", "OptionSpec", "COMMON_OPTIONS", "COMMON", "YEE_OPTIONS", "METRIC_OPTIONS",
    "EXCLUSIVE_GROUPS", "VIEWING_PRESETS", "ANTIALIASING_MODES", "SUBPIXEL_TEXT_MODES", "DEFAULT_METRIC",
    "parse_number", "parse_color", "parse_rect", "parse_region_rule", "RegionRule", "defaults_of",
    "refuse_unsupported", "describe_source",
]

#: Pixels per degree of visual angle for common viewing set-ups (see
#: ``docs/science.md`` §1): a 24-inch 1920-px desktop monitor at 0.6 m is
#: 37.9 ppd (rounded up to 40, which is slightly stricter); a DPR-2 laptop or
#: 4K monitor at arm's length is ~67 (FLIP's default); a phone at 30 cm ~95.
VIEWING_PRESETS: Mapping[str, float] = MappingProxyType(
    {"desktop": 40.0, "laptop": 55.0, "retina": 67.0, "4k": 67.0, "phone": 95.0}
)

#: Allowed values of ``antialiasing``.
ANTIALIASING_MODES = ("box", "pixelmatch", "off")

#: Allowed values of ``subpixel_text``: forgive LCD sub-pixel text (:mod:`perceptdiff.subpixel_text`) or not.
SUBPIXEL_TEXT_MODES = ("forgive", "strict")

#: The metric used unless another is named.
DEFAULT_METRIC = "perceptdiff"


class Kind(Enum):
    """How an option's value is written and checked."""

    NUMBER = "number"   # a finite float, optionally bounded
    WHOLE = "whole"     # a whole number, optionally bounded
    FLAG = "flag"       # true or false (a bare command-line flag)
    CHOICE = "choice"   # one of a fixed set of words
    METRIC = "metric"   # the name of a registered metric
    COLOR = "color"     # a colour (#rrggbb, #rgb, a name, or 3 integers)
    RECTS = "rects"     # rectangles x,y,w,h (repeatable)
    RULES = "rules"     # rectangles with a setting, x,y,w,h:ignore or x,y,w,h:jnd=X (repeatable)
    IMAGE = "image"     # an image: a path (or, in Python, anything compare() reads)
    TEXT = "text"       # any text


def parse_number(name: str, value: Any) -> float:
    """``value`` as a finite float; :class:`OptionError` naming ``name`` otherwise (bools refused)."""
    if isinstance(value, bool):
        raise OptionError(f"{name}: expected a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(v):
        raise OptionError(f"{name}: expected a finite number, got {value!r}")
    return v


_NAMED_COLORS = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
}


def parse_color(value: Any) -> tuple[int, int, int]:
    """Parse a background colour: ``#rgb``, ``#rrggbb``, a name, or 3 ints.

    Returns sRGB codes 0..255.  Raises :class:`OptionError` otherwise.
    """
    if isinstance(value, (tuple, list)) and len(value) == 3:
        try:
            codes = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise OptionError(f"background colour {value!r}: expected three integers") from None
        if all(0 <= c <= 255 for c in codes):
            return codes  # type: ignore[return-value]
        raise OptionError(f"background colour {value!r}: components must be 0..255")
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _NAMED_COLORS:
            return _NAMED_COLORS[text]
        m = re.fullmatch(r"#?([0-9a-f]{3}|[0-9a-f]{6})", text)
        if m:
            hx = m.group(1)
            if len(hx) == 3:
                hx = "".join(ch * 2 for ch in hx)
            return (int(hx[0:2], 16), int(hx[2:4], 16), int(hx[4:6], 16))
    raise OptionError(
        f"background colour {value!r}: expected #rrggbb, #rgb, white, black or grey"
    )


def parse_rect(value: Any) -> tuple[int, int, int, int]:
    """Parse an ignore rectangle ``x,y,w,h`` (string or 4 ints), w and h > 0."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
    else:
        try:
            parts = list(value)
        except TypeError:
            parts = []
    if len(parts) != 4:
        raise OptionError(f"ignore region {value!r}: expected x,y,width,height")
    try:
        x, y, w, h = (int(p) for p in parts)
    except (TypeError, ValueError):
        raise OptionError(f"ignore region {value!r}: expected four integers") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise OptionError(f"ignore region {value!r}: x, y must be >= 0 and width, height > 0")
    return (x, y, w, h)


@dataclass(frozen=True)
class RegionRule:
    """A rectangle of the frame with its own rule: not compared, or its own JND threshold.

    Attributes
    ----------
    x, y, width, height : int
        The rectangle, in pixels of the compared frame.
    ignore : bool
        The rectangle is not compared (``x,y,w,h:ignore``).
    jnd : float or None
        The JND threshold inside it (``x,y,w,h:jnd=2``); None with ``ignore``.
    """

    x: int
    y: int
    width: int
    height: int
    ignore: bool = False
    jnd: float | None = None

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.width, self.height)

    def __str__(self) -> str:
        setting = "ignore" if self.ignore else f"jnd={self.jnd:g}"
        return f"{self.x},{self.y},{self.width},{self.height}:{setting}"


def parse_region_rule(value: Any) -> RegionRule:
    """Parse ``x,y,w,h:ignore`` or ``x,y,w,h:jnd=X`` (or a :class:`RegionRule`); OptionError otherwise."""
    if isinstance(value, RegionRule):
        return value
    if not isinstance(value, str) or ":" not in value:
        raise OptionError(f"region {value!r}: expected x,y,width,height:ignore or "
                          "x,y,width,height:jnd=X")
    rect, _, setting = value.partition(":")
    try:
        x, y, w, h = parse_rect(rect)
    except OptionError as exc:
        raise OptionError(str(exc).replace("ignore region", "region")) from None
    setting = setting.strip().lower()
    if setting == "ignore":
        return RegionRule(x, y, w, h, ignore=True)
    key, eq, number = setting.partition("=")
    if key.strip() == "jnd" and eq:
        try:
            jnd = float(number)
        except ValueError:
            jnd = math.nan
        if not (math.isfinite(jnd) and jnd > 0):
            raise OptionError(f"region {value!r}: jnd= needs a number > 0, got {number.strip()!r}")
        return RegionRule(x, y, w, h, jnd=jnd)
    raise OptionError(f"region {value!r}: the setting after ':' is ignore or jnd=X, not {setting!r}")


def describe_source(value: Any) -> Any:
    """A JSON-ready stand-in for an image source: a path as text, anything else by its type."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "__fspath__"):
        import os

        return os.fspath(value)
    shape = getattr(value, "shape", None)
    what = type(value).__name__
    return f"<{what} {'x'.join(str(n) for n in shape)}>" if shape is not None else f"<{what}>"


def _text_number(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{text!r} is not a finite number")
    return v


def _text_whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _fmt(v: float) -> str:
    return f"{v:g}"


@dataclass(frozen=True)
class OptionSpec:
    """One option: everything the library, the command line, the plugin and the docs say about it.

    Attributes
    ----------
    name : str
        Keyword name (``jnd_threshold``); the flag is ``--jnd-threshold``.
    kind : Kind
        How the value is written and checked.
    default : object
        The value when the option is not given.
    help : str
        What the option does, one phrase (the default is added where shown).
    metavar : str or None
        Placeholder of the value in usage lines (``N``, ``COLOR``).
    low, high : float or None
        Allowed range of a number (inclusive unless ``low_open``).
    low_open : bool
        The lower bound itself is not allowed (``> 0``).
    choices : tuple of str or None
        Allowed words of a :attr:`Kind.CHOICE` option.
    group : str or None
        Name of an exclusive group: options of one group replace each other
        (the command line accepts one of them; a plugin layer that sets one
        drops the whole group from the layers below).
    engine : bool
        True when the engine applies the option for every metric; otherwise
        the metric must list it in its ``supported_options`` or the option is
        refused unless left at its default.
    aliases : tuple of str
        Other command-line spellings (``--scale`` for ``--resize``).
    section : str
        Heading the option is listed under in ``--help``.
    hint : str or None
        Said after a refusal of the option's value or of its use, for users
        who reach for it with another tool's meaning in mind.
    """

    name: str
    kind: Kind
    default: Any
    help: str
    metavar: str | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] | None = None
    group: str | None = None
    engine: bool = False
    aliases: tuple[str, ...] = ()
    section: str = "model"
    hint: str | None = None

    # -- names -------------------------------------------------------------
    @property
    def flag(self) -> str:
        """The command-line flag, ``--jnd-threshold``."""
        return "--" + self.name.replace("_", "-")

    # -- checking ----------------------------------------------------------
    def check(self, value: Any) -> Any:
        """``value`` validated and normalised; :class:`OptionError` naming the option otherwise.

        ``None`` is accepted (and kept) where the default is ``None``.
        """
        if value is None and self.default is None:
            return None
        kind = self.kind
        if kind is Kind.NUMBER:
            return self._bounded(value)
        if kind is Kind.WHOLE:
            v = self._bounded(value)
            if v != int(v):
                raise OptionError(f"{self.name}: expected a whole number, got {value!r}")
            return int(v)
        if kind is Kind.FLAG:
            return bool(value)
        if kind is Kind.CHOICE:
            assert self.choices is not None
            if value not in self.choices:
                raise OptionError(f"{self.name}: {value!r} is not one of {', '.join(self.choices)}")
            return value
        if kind is Kind.METRIC or kind is Kind.TEXT:
            if not isinstance(value, str) or not value:
                raise OptionError(f"{self.name}: expected a name, got {value!r}")
            return value
        if kind is Kind.COLOR:
            return parse_color(value)
        if kind is Kind.RECTS:
            return tuple(parse_rect(r) for r in (value or ()))
        if kind is Kind.RULES:
            if isinstance(value, (str, RegionRule)):
                value = (value,)
            return tuple(parse_region_rule(r) for r in (value or ()))
        if kind is Kind.IMAGE:
            if isinstance(value, (bool, int, float)) or (isinstance(value, str) and not value):
                raise OptionError(f"{self.name}: expected an image (a path, an array, an image), "
                                  f"got {value!r}")
            return value
        raise AssertionError(kind)  # pragma: no cover

    def _bounded(self, value: Any) -> float:
        v = parse_number(self.name, value)
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        if v < low or v > high or (self.low_open and v == low):
            raise OptionError(f"{self.name}: {value!r} is out of range (must be {self.range_text()})")
        return v

    def range_text(self) -> str:
        """The allowed range in words (``> 0 and <= 1e+06``), or ``""`` when unbounded."""
        parts = []
        if self.low is not None:
            parts.append(f"> {_fmt(self.low)}" if self.low_open else f">= {_fmt(self.low)}")
        if self.high is not None:
            parts.append(f"<= {_fmt(self.high)}")
        return " and ".join(parts)

    def from_text(self, text: str) -> Any:
        """The value of a command-line or ini text; ValueError (``'abc' is not a number``) if malformed.

        Only the form is checked here; :meth:`check` judges the value.
        """
        if self.kind is Kind.NUMBER:
            return _text_number(text)
        if self.kind is Kind.WHOLE:
            return _text_whole(text)
        if self.kind is Kind.FLAG:
            word = text.strip().lower()
            if word in ("1", "true", "yes", "on"):
                return True
            if word in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"{text!r} is not true or false")
        if self.kind in (Kind.RECTS, Kind.RULES):
            return tuple(part for part in text.split() if part)
        return text

    # -- describing --------------------------------------------------------
    def default_text(self) -> str | None:
        """The default as the docs show it; None when there is nothing to show."""
        if self.default is None or self.kind in (Kind.FLAG, Kind.RECTS, Kind.RULES):
            return None
        if isinstance(self.default, float):
            return _fmt(self.default)
        return str(self.default)

    def values_text(self) -> str:
        """The allowed values in words, for tables (``box, pixelmatch, off``; ``> 0``)."""
        if self.choices is not None:
            return ", ".join(self.choices)
        return self.range_text()

    def short_range(self) -> str | None:
        """``0.1..89.9`` for a number bounded on both sides (sanity bounds of one-sided ranges are not shown)."""
        if self.low is None or self.high is None or self.low_open:
            return None
        return f"{_fmt(self.low)}..{_fmt(self.high)}"

    def help_text(self) -> str:
        """The help phrase with the range and default, as ``--help`` shows it."""
        extra = [x for x in (self.short_range(),) if x]
        default = self.default_text()
        if default is not None:
            extra.append(f"default {default}")
        return f"{self.help} ({'; '.join(extra)})" if extra else self.help


def _presets_text() -> str:
    return ", ".join(f"{k} ({v:g} ppd)" for k, v in VIEWING_PRESETS.items())


#: The options of :class:`perceptdiff.options.Options`, in the order the
#: docs list them.
COMMON_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("metric", Kind.METRIC, DEFAULT_METRIC,
               "the metric that decides: perceptdiff, or yee (compatible with perceptualdiff); "
               "any name given to perceptdiff.register_metric", metavar="NAME", engine=True),
    OptionSpec("ppd", Kind.NUMBER, None,
               "pixels per degree of visual angle (replaces the viewing preset)", metavar="N",
               low=1.0, high=1000.0, group="viewing geometry"),
    OptionSpec("viewing", Kind.CHOICE, "desktop",
               "viewing preset: " + _presets_text(), metavar="PRESET",
               choices=tuple(VIEWING_PRESETS), group="viewing geometry"),
    OptionSpec("jnd_threshold", Kind.NUMBER, 1.0,
               "visibility, in just-noticeable differences, above which a pixel counts as "
               "visibly different", metavar="X", low=0.0, low_open=True, high=1e6, engine=True),
    OptionSpec("max_pixels", Kind.WHOLE, None,
               "pass while at most N pixels are visibly different, counting the area the eye "
               "model spreads each change over (replaces the region rule)",
               metavar="N", low=0.0, group="pixel budget"),
    OptionSpec("max_changed_pixels", Kind.WHOLE, None,
               "pass while at most N pixels changed inside the visibly different regions, "
               "counting changed pixels as Playwright's maxDiffPixels does, invisible changes "
               "left out (replaces the region rule)",
               metavar="N", low=0.0, group="pixel budget", engine=True),
    OptionSpec("max_area", Kind.NUMBER, None,
               "pass while at most this many square degrees of visual angle are visibly different "
               "(visible pixels / ppd²), so one limit means the same at any image size and viewing "
               "distance (replaces the region rule)",
               metavar="DEG2", low=0.0, high=1e6, group="pixel budget", engine=True),
    OptionSpec("max_ratio", Kind.NUMBER, None,
               "pass while at most this fraction of the pixels is visibly different "
               "(replaces the region rule)", metavar="R", low=0.0, high=1.0, group="pixel budget"),
    OptionSpec("antialiasing", Kind.CHOICE, "box",
               "how anti-aliasing and 1-px jitter are forgiven: box (a changed pixel within "
               "its old 3x3 neighbourhood's range), pixelmatch (its Vysniauskas 2009 detector) or off", metavar="MODE",
               choices=ANTIALIASING_MODES),
    OptionSpec("subpixel_text", Kind.CHOICE, "forgive",
               "a failing region that holds the same text drawn with LCD sub-pixel (colour-fringed) "
               "anti-aliasing on one side: forgive it (ink, shape and colour of every glyph kept) or "
               "strict (fail it as the eye model does); with the region rule", metavar="MODE",
               choices=SUBPIXEL_TEXT_MODES, engine=True),
    OptionSpec("max_shift", Kind.WHOLE, 0,
               "look for content displaced by up to N px in each differing region (block matching) "
               "and report such a region as moved, with its shift; a whole-frame shift (a scroll) "
               "is reported as one fact", metavar="N", low=0.0, high=64.0, engine=True),
    OptionSpec("allow_shift", Kind.FLAG, False,
               "with --max-shift: a region exactly explained by a move (the content otherwise the "
               "same) does not fail; a move with any other change still does", engine=True),
    OptionSpec("ignore", Kind.RECTS, (),
               "a rectangle x,y,w,h of the expected image that is not compared (repeatable)",
               metavar="x,y,w,h", engine=True, section="framing"),
    OptionSpec("mask", Kind.IMAGE, None,
               "an image of the frame's size saying where to compare: white compares, black "
               "ignores, grey in between weighs the threshold (mid-grey: differences count half)",
               metavar="PATH", engine=True, section="framing"),
    OptionSpec("regions", Kind.RULES, (),
               "a rectangle with its own rule: x,y,w,h:ignore (not compared) or x,y,w,h:jnd=X (its "
               "own JND threshold); repeatable, later ones win where they overlap",
               metavar="x,y,w,h:RULE", engine=True, aliases=("--region",), section="framing"),
    OptionSpec("resize", Kind.FLAG, False,
               "compare images of different sizes at the smaller size (area average in linear light)",
               group="size mismatch", engine=True, aliases=("--scale",), section="framing"),
    OptionSpec("pad", Kind.FLAG, False,
               "compare images of different sizes on the larger canvas (padding is transparent)",
               group="size mismatch", engine=True, section="framing"),
    OptionSpec("background", Kind.COLOR, None,
               "page colour translucent images are shown on (#rrggbb); by default both white "
               "and black are checked", metavar="COLOR", section="framing"),
    OptionSpec("allow_truncated", Kind.FLAG, False,
               "load truncated or corrupt image data as far as the decoder gets (the rest filled "
               "by the decoder, with a note) instead of refusing it", engine=True, section="input"),
    OptionSpec("max_file_mb", Kind.NUMBER, 1000.0,
               "refuse image files larger than this many megabytes (10^6 bytes) unread",
               metavar="MB", low=0.0, low_open=True, high=1e9, engine=True, section="input"),
)

#: :data:`COMMON_OPTIONS` by name.
COMMON: Mapping[str, OptionSpec] = MappingProxyType({s.name: s for s in COMMON_OPTIONS})


def _groups(specs: tuple[OptionSpec, ...]) -> tuple[frozenset[str], ...]:
    out: dict[str, set[str]] = {}
    for s in specs:
        if s.group is not None:
            out.setdefault(s.group, set()).add(s.name)
    return tuple(frozenset(g) for g in out.values())


#: Names that replace each other (``ppd``/``viewing``, ``max_pixels``/``max_ratio``,
#: ``resize``/``pad``).
EXCLUSIVE_GROUPS: tuple[frozenset[str], ...] = _groups(COMMON_OPTIONS)

#: Yee's own options: perceptualdiff 2.1's names, defaults and ranges
#: (``compare_args.cpp``), plus ``channel_order``.
YEE_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("fov", Kind.NUMBER, 45.0, "field of view of the image width, in degrees",
               metavar="DEG", low=0.1, high=89.9, section="yee"),
    OptionSpec("threshold", Kind.WHOLE, 100, "number of failing pixels at which the images FAIL",
               metavar="N", low=0.0, section="yee",
               hint="--threshold is the failing-pixel count of --metric yee; the visibility "
                    "threshold of the default metric is --jnd-threshold X, in just-noticeable "
                    "differences (pixelmatch's and odiff's colour threshold 0.1 has no "
                    "counterpart: the eye model replaces it)"),
    OptionSpec("gamma", Kind.NUMBER, 2.2, "gamma of the display", metavar="G", low=0.0, low_open=True,
               section="yee"),
    OptionSpec("luminance", Kind.NUMBER, 100.0, "white luminance of the display in cd/m²",
               metavar="CD", low=0.0, low_open=True, section="yee"),
    OptionSpec("luminance_only", Kind.FLAG, False, "only compare luminance, not colour",
               section="yee"),
    OptionSpec("color_factor", Kind.NUMBER, 1.0, "weight of the colour test", metavar="F", low=0.0, high=1.0,
               section="yee"),
    OptionSpec("down_sample", Kind.WHOLE, 0, "halve both images N times first", metavar="N",
               low=0.0, section="yee"),
    OptionSpec("sum_errors", Kind.FLAG, False, "report the sum of the luminance and colour errors",
               section="yee"),
    OptionSpec("channel_order", Kind.CHOICE, "rgb",
               "rgb; bgr reproduces the perceptualdiff binary on little-endian machines, which "
               "reads blue as red", choices=("rgb", "bgr"), section="yee"),
)

#: Options a metric keeps for itself, by metric name (the command line offers
#: them as flags; they are valid only with that metric).
METRIC_OPTIONS: Mapping[str, tuple[OptionSpec, ...]] = MappingProxyType({"yee": YEE_OPTIONS})


def defaults_of(specs: tuple[OptionSpec, ...]) -> dict[str, Any]:
    """``{name: default}`` of some specs."""
    return {s.name: s.default for s in specs}


def refuse_unsupported(options: Any, metric: Any) -> None:
    """Raise :class:`OptionError` for an option the metric would ignore.

    Parameters
    ----------
    options : perceptdiff.Options
        The options in force.
    metric
        The metric that will run; its ``supported_options`` names the
        :class:`~perceptdiff.Options` fields it honours.  Options the engine
        applies itself (``engine=True``) are never refused; the others must be
        left at their default when the metric does not honour them.
    """
    supported: frozenset[str] = metric.supported_options
    given = [s for s in COMMON_OPTIONS
             if not s.engine and s.name not in supported and getattr(options, s.name) != s.default]
    if len(given) == 1:
        spec = given[0]
        default = spec.default_text()
        leave = f"leave it at its default, {default}" if default is not None else "leave it unset"
        raise OptionError(f"{spec.name}: metric {metric.name} does not use this option, so it is "
                          f"refused rather than ignored ({leave})")
    if given:
        raise OptionError(f"{', '.join(s.name for s in given)}: metric {metric.name} does not use "
                          "these options, so they are refused rather than ignored (leave them "
                          "at their defaults)")


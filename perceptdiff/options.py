"""Options shared by every metric, their validation and the viewing presets.

A metric's own options (Yee's ``fov``, ``threshold`` ...) travel in
:attr:`Options.metric_options` and are validated by that metric.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping

from .errors import OptionError

__all__ = ["Options", "VIEWING_PRESETS", "parse_color", "parse_rect", "parse_number"]

#: Pixels per degree of visual angle for common viewing set-ups (see
#: ``perceptual-metric.md`` §1): a 24-inch 1920-px desktop monitor at 0.6 m is
#: 37.9 ppd (rounded up to 40, which is slightly stricter); a DPR-2 laptop or
#: 4K monitor at arm's length is ~67 (FLIP's default); a phone at 30 cm ~95.
VIEWING_PRESETS: Mapping[str, float] = MappingProxyType(
    {"desktop": 40.0, "laptop": 55.0, "retina": 67.0, "4k": 67.0, "phone": 95.0}
)

#: Allowed values of :attr:`Options.antialiasing`.
ANTIALIASING_MODES = ("box", "pixelmatch", "off")

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


def _number(name: str, value: Any, *, low: float, high: float = math.inf,
            low_open: bool = False) -> float:
    v = parse_number(name, value)
    if v < low or v > high or (low_open and v == low):
        bound = f"> {low:g}" if low_open else f">= {low:g}"
        if math.isfinite(high):
            bound += f" and <= {high:g}"
        raise OptionError(f"{name}: {value!r} is out of range (must be {bound})")
    return v


@dataclass(frozen=True)
class Options:
    """Options common to every metric.

    Attributes
    ----------
    metric : str
        Name of the metric: ``"perceptdiff"`` (default) or ``"yee"``.
    viewing : str
        A key of :data:`VIEWING_PRESETS`; used when ``ppd`` is None.
    ppd : float or None
        Pixels per degree of visual angle; overrides ``viewing``.
    jnd_threshold : float
        The visibility-map value above which a pixel counts as visibly
        different (1.0 = one just-noticeable difference).
    max_pixels, max_ratio : int, float or None
        A pixel budget: when either is given, the verdict is FAIL iff more than
        ``max_pixels`` pixels (or more than ``max_ratio`` of all pixels) are
        visibly different, replacing the metric's default region rule.
    ignore : tuple of (x, y, w, h)
        Rectangles of the expected image's frame that are not compared.
    resize, pad : bool
        How to compare images of different sizes (otherwise: FAIL).
        ``resize`` area-averages both to the smaller size in linear light;
        ``pad`` places both on the larger canvas, padding with transparency.
    background : (r, g, b) or None
        sRGB codes of a known page colour to composite translucent images
        over; by default both white and black are used.
    antialiasing : str
        ``"box"`` (default forgiveness), ``"pixelmatch"`` (Vysniauskas 2009
        detector as in pixelmatch) or ``"off"``.
    metric_options : mapping
        Options specific to the metric, validated by it.
    """

    metric: str = "perceptdiff"
    viewing: str = "desktop"
    ppd: float | None = None
    jnd_threshold: float = 1.0
    max_pixels: int | None = None
    max_ratio: float | None = None
    ignore: tuple[tuple[int, int, int, int], ...] = ()
    resize: bool = False
    pad: bool = False
    background: tuple[int, int, int] | None = None
    antialiasing: str = "box"
    metric_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        # Normalise and validate; frozen, so go through object.__setattr__.
        set_ = object.__setattr__
        if not isinstance(self.metric, str) or not self.metric:
            raise OptionError(f"metric: expected a name, got {self.metric!r}")
        if self.viewing not in VIEWING_PRESETS:
            raise OptionError(
                f"viewing: {self.viewing!r} is not one of {', '.join(VIEWING_PRESETS)}"
            )
        if self.ppd is not None:
            set_(self, "ppd", _number("ppd", self.ppd, low=1.0, high=1000.0))
        set_(self, "jnd_threshold",
             _number("jnd_threshold", self.jnd_threshold, low=0.0, low_open=True, high=1e6))
        if self.max_pixels is not None:
            v = _number("max_pixels", self.max_pixels, low=0)
            if v != int(v):
                raise OptionError(f"max_pixels: expected a whole number, got {self.max_pixels!r}")
            set_(self, "max_pixels", int(v))
        if self.max_ratio is not None:
            set_(self, "max_ratio", _number("max_ratio", self.max_ratio, low=0.0, high=1.0))
        set_(self, "ignore", tuple(parse_rect(r) for r in (self.ignore or ())))
        if self.resize and self.pad:
            raise OptionError("resize and pad cannot be combined: choose one")
        set_(self, "resize", bool(self.resize))
        set_(self, "pad", bool(self.pad))
        if self.background is not None:
            set_(self, "background", parse_color(self.background))
        if self.antialiasing not in ANTIALIASING_MODES:
            raise OptionError(
                f"antialiasing: {self.antialiasing!r} is not one of {', '.join(ANTIALIASING_MODES)}"
            )
        set_(self, "metric_options", MappingProxyType(dict(self.metric_options or {})))

    @property
    def pixels_per_degree(self) -> float:
        """The ppd in force: ``ppd`` if given, else the viewing preset's."""
        return float(self.ppd) if self.ppd is not None else VIEWING_PRESETS[self.viewing]

    @property
    def has_budget(self) -> bool:
        """True when the user set a pixel budget (``max_pixels``/``max_ratio``)."""
        return self.max_pixels is not None or self.max_ratio is not None

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> "Options":
        """Build options from keyword arguments.

        Keywords naming a field of :class:`Options` set it; every other keyword
        goes to :attr:`metric_options` (the metric rejects unknown ones).
        """
        names = {f.name for f in fields(cls)}
        common = {k: v for k, v in kwargs.items() if k in names}
        extra = {k: v for k, v in kwargs.items() if k not in names}
        if extra:
            merged = dict(common.get("metric_options") or {})
            merged.update(extra)
            common["metric_options"] = merged
        return cls(**common)

    def replace(self, **changes: Any) -> "Options":
        """A copy with some fields (or metric options) changed."""
        current = self.to_dict()
        current.pop("pixels_per_degree", None)
        mo = dict(current.pop("metric_options"))
        names = {f.name for f in fields(self)}
        for k, v in changes.items():
            if k in names and k != "metric_options":
                current[k] = v
            elif k == "metric_options":
                mo.update(v)
            else:
                mo[k] = v
        return Options(**current, metric_options=mo)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary of the options (plus the ppd in force)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["ignore"] = [list(r) for r in self.ignore]
        d["background"] = list(self.background) if self.background is not None else None
        d["metric_options"] = dict(self.metric_options)
        d["pixels_per_degree"] = self.pixels_per_degree
        return d

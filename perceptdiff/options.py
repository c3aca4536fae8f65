"""Options shared by every metric: the :class:`Options` record and value parsers.

Each field is declared once, in :mod:`perceptdiff.optionspec`, which also
gives the command line and the pytest plugin their flags.  A metric's own
options (Yee's ``fov``, ``threshold`` ...) travel in
:attr:`Options.metric_options` and are validated by that metric.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping

from .errors import OptionError
from .optionspec import (ANTIALIASING_MODES, COMMON, COMMON_OPTIONS, VIEWING_PRESETS, RegionRule,
                         describe_source, parse_color, parse_number, parse_rect)

__all__ = ["Options", "VIEWING_PRESETS", "ANTIALIASING_MODES", "parse_color", "parse_rect",
           "parse_number"]

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
    max_changed_pixels : int or None
        A budget of changed pixels inside the visible regions (what the
        region boxes are drawn around), replacing the region rule.
    max_area : float or None
        A budget of visibly different area in square degrees of visual
        angle (visible pixels / ppd²), replacing the region rule: the same
        limit holds on a small image and on a 4K one.
    max_shift : int
        Look for content displaced by up to this many pixels in each
        differing region (0: not at all).
    allow_shift : bool
        A region exactly explained by a move (within ``max_shift``) passes.
    ignore : tuple of (x, y, w, h)
        Rectangles of the expected image's frame that are not compared.
    mask : path, array or image, or None
        Where to compare: an image of the frame's size, white compared,
        black not compared, grey a weight of the threshold (a pixel at grey
        level g counts its visibility times g).
    regions : tuple of RegionRule
        Rectangles with their own rule (``x,y,w,h:ignore``,
        ``x,y,w,h:jnd=X``), applied after the mask, later ones winning.
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
    subpixel_text : str
        ``"forgive"`` (default): a failing region holding the same text drawn
        with LCD sub-pixel anti-aliasing on one side does not fail
        (:mod:`perceptdiff.subpixel_text`; region rule only); ``"strict"``
        fails it as the eye model says.
    allow_truncated : bool
        Load truncated or corrupt data as far as the decoder gets (with a
        note) instead of refusing it.
    max_file_mb : float
        Image files larger than this many megabytes (10^6 bytes) are refused unread.
    metric_options : mapping
        Options specific to the metric, validated by it.
    """

    # Defaults come from the specs (perceptdiff.optionspec), declared once there.
    metric: str = COMMON["metric"].default
    viewing: str = COMMON["viewing"].default
    ppd: float | None = COMMON["ppd"].default
    jnd_threshold: float = COMMON["jnd_threshold"].default
    max_pixels: int | None = COMMON["max_pixels"].default
    max_ratio: float | None = COMMON["max_ratio"].default
    max_changed_pixels: int | None = COMMON["max_changed_pixels"].default
    max_area: float | None = COMMON["max_area"].default
    max_shift: int = COMMON["max_shift"].default
    allow_shift: bool = COMMON["allow_shift"].default
    ignore: tuple[tuple[int, int, int, int], ...] = COMMON["ignore"].default
    mask: Any = COMMON["mask"].default
    regions: tuple[RegionRule, ...] = COMMON["regions"].default
    resize: bool = COMMON["resize"].default
    pad: bool = COMMON["pad"].default
    background: tuple[int, int, int] | None = COMMON["background"].default
    antialiasing: str = COMMON["antialiasing"].default
    subpixel_text: str = COMMON["subpixel_text"].default
    allow_truncated: bool = COMMON["allow_truncated"].default
    max_file_mb: float = COMMON["max_file_mb"].default
    metric_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        # Normalise and validate (each field by its spec); frozen, so go
        # through object.__setattr__.
        if self.resize and self.pad:
            raise OptionError("resize and pad cannot be combined: choose one")
        if self.allow_shift and not self.max_shift:
            raise OptionError("allow_shift: needs max_shift N > 0 (how far content may move)")
        for spec in COMMON_OPTIONS:
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name)))
        object.__setattr__(self, "metric_options", MappingProxyType(dict(self.metric_options or {})))

    @property
    def pixels_per_degree(self) -> float:
        """The ppd in force: ``ppd`` if given, else the viewing preset's."""
        return float(self.ppd) if self.ppd is not None else VIEWING_PRESETS[self.viewing]

    @property
    def max_file_bytes(self) -> int:
        """:attr:`max_file_mb` in bytes."""
        return int(self.max_file_mb * 1e6)

    @property
    def has_mask(self) -> bool:
        """True when a mask or region rules weigh or hide parts of the frame."""
        return self.mask is not None or bool(self.regions)

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
        current["mask"] = self.mask  # the source itself, not its JSON stand-in
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
        d["mask"] = describe_source(self.mask)
        d["regions"] = [str(r) for r in self.regions]
        d["background"] = list(self.background) if self.background is not None else None
        d["metric_options"] = dict(self.metric_options)
        d["pixels_per_degree"] = self.pixels_per_degree
        return d

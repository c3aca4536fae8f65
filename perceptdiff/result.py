"""The immutable outcome of a comparison.

:class:`ComparisonResult` carries the verdict, the numbers behind it, the
visibly different regions and (on demand) the per-pixel visibility map in
JND units.  ``to_dict()`` gives the JSON object of the command line's
``--json`` output; its layout is versioned by :data:`RESULT_SCHEMA_VERSION`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from .image import Image
from .names import display, is_text, json_fields

__all__ = ["Region", "RegionKind", "ComparisonResult", "MapStore", "RESULT_SCHEMA_VERSION"]

#: Version of the JSON layout produced by :meth:`ComparisonResult.to_dict`
#: (2: a region's ``pixels`` is ``visible_pixels``, and regions and the result
#: count ``changed_pixels``; names that are not valid text carry ``source_bytes``;
#: 3: a region says what changed, ``kind``, ``kinds``, ``direction``, ``shift``
#: and ``mean_jnd``, and ``forgiven_regions`` lists the forgiven anti-aliasing).
RESULT_SCHEMA_VERSION = 3


class RegionKind(str, Enum):
    """What changed in a region (:mod:`perceptdiff.region_kinds` decides it from the two images).

    The value is the word of the JSON output.
    """

    #: Only the lightness changed (``direction`` says ``lighter`` or ``darker``).
    LIGHTNESS = "lightness"
    #: Chroma or hue changed more than lightness did, the shapes staying the same.
    COLOUR = "colour"
    #: Edges or shapes appeared, vanished or changed: text, icons, lines.
    STRUCTURE = "structure"
    #: Only the transparency changed: the stored colour is the same.
    ALPHA = "alpha"
    #: Content displaced (``shift`` says by how much), otherwise the same.
    MOVED = "moved"
    #: A difference forgiven as anti-aliasing or 1-px jitter (listed apart, never failing).
    ANTIALIASING = "antialiasing"
    #: Text drawn with LCD sub-pixel anti-aliasing on one side, the same text otherwise
    #: (:mod:`perceptdiff.subpixel_text`; listed, no longer failing).
    SUBPIXEL_TEXT = "subpixel-text"

    @property
    def phrase(self) -> str:
        """How a person reads it: ``structure changed``."""
        return _KIND_PHRASES[self]


_KIND_PHRASES = {
    RegionKind.LIGHTNESS: "lightness changed",
    RegionKind.COLOUR: "colour changed",
    RegionKind.STRUCTURE: "structure changed",
    RegionKind.ALPHA: "transparency changed",
    RegionKind.MOVED: "moved",
    RegionKind.ANTIALIASING: "anti-aliasing forgiven",
    RegionKind.SUBPIXEL_TEXT: "LCD sub-pixel text forgiven",
}

VERDICTS = ("identical", "pass", "fail")


@dataclass(frozen=True)
class Region:
    """An 8-connected area of visibly different pixels.

    Attributes
    ----------
    x, y, width, height : int
        Box in the compared frame (pixels) around the pixels that actually
        changed in this region (for metrics that report them; otherwise
        around its visible pixels).  Visibility spreads a few pixels beyond a
        change through the eye's filters, so ``visible_pixels`` may exceed the
        box's area: one changed pixel can be visible over ~300 px.
    visible_pixels : int
        Number of visibly different pixels in the region (above the JND
        threshold): the area the eye model spreads the change over, which the
        area rule counts.  (``pixels`` is its earlier name.)
    area_deg2 : float
        ``pixels / ppd**2``: the region's area in square degrees of visual angle.
    peak_jnd : float
        Largest visibility-map value inside the region.
    failing : bool
        True if this region alone makes the verdict FAIL under the rule in force.
    changed_pixels : int or None
        Pixels whose values changed (not forgiven) inside the region: what
        the box is drawn around.  None when the metric does not say.
    mean_jnd : float or None
        Mean visibility over the region's visible pixels (beside the peak:
        a faint but wide change has a low mean and a low peak, an edited
        glyph a high peak and a lower mean).
    kind : RegionKind or None
        What changed: the first of :attr:`kinds`.  None when not decided
        (a region built by hand, or images not at hand).
    kinds : tuple of RegionKind
        Every kind the region shows, the winning one first
        (:mod:`perceptdiff.region_kinds` says which wins and why).
    direction : {"lighter", "darker"} or None
        The sign of the mean lightness change, when ``lightness`` is among
        the kinds.
    shift : (int, int) or None
        ``(dx, dy)``: the displacement that explains most of the change
        (``max_shift`` searches for it), when one does.
    """

    x: int
    y: int
    width: int
    height: int
    visible_pixels: int
    area_deg2: float
    peak_jnd: float
    failing: bool
    changed_pixels: int | None = None
    mean_jnd: float | None = None
    kind: RegionKind | None = None
    kinds: tuple[RegionKind, ...] = ()
    direction: str | None = None
    shift: tuple[int, int] | None = None

    @property
    def pixels(self) -> int:
        """The earlier name of :attr:`visible_pixels`."""
        return self.visible_pixels

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(x, y, width, height)``."""
        return (self.x, self.y, self.width, self.height)

    @property
    def kind_words(self) -> str:
        """What changed, in words: ``structure changed``, ``lightness changed (lighter)``."""
        if self.kind is None:
            return "changed"
        words = self.kind.phrase
        if self.kind is RegionKind.LIGHTNESS and self.direction:
            words += f" ({self.direction})"
        if self.kind is RegionKind.MOVED and self.shift is not None:
            words += f" by ({self.shift[0]}, {self.shift[1]})"
        return words

    def describe(self, number: int) -> str:
        """``region 1 at x=120 y=40 64×18: structure changed, peak 7.2 JND``."""
        return (f"region {number} at x={self.x} y={self.y} {self.width}\u00d7{self.height}: "
                f"{self.kind_words}, peak {self.peak_jnd:.1f} JND")

    def to_dict(self) -> dict[str, Any]:
        return {
            "x": self.x, "y": self.y, "width": self.width, "height": self.height,
            "kind": self.kind.value if self.kind is not None else None,
            "kinds": [k.value for k in self.kinds],
            "direction": self.direction,
            "shift": list(self.shift) if self.shift is not None else None,
            "changed_pixels": self.changed_pixels, "visible_pixels": self.visible_pixels,
            "area_deg2": _num(self.area_deg2), "peak_jnd": _num(self.peak_jnd),
            "mean_jnd": _num(self.mean_jnd), "failing": self.failing,
        }


def _num(v: float | None, digits: int = 6) -> float | None:
    if v is None or not math.isfinite(v):
        return None
    return float(round(float(v), digits))


class MapStore:
    """Holds a map computed over a box of the frame; expands it on demand.

    Metrics often compute only inside the bounding box of the differences
    (everything outside is exactly zero), so the full-frame array is built the
    first time somebody asks for it and cached.
    """

    def __init__(self, shape: tuple[int, int], crop: np.ndarray | None,
                 offset: tuple[int, int] = (0, 0), dtype: Any = np.float32) -> None:
        self.shape = shape
        self.crop = crop
        self.offset = offset
        self.dtype = np.dtype(dtype)
        self._full: np.ndarray | None = None

    def full(self) -> np.ndarray:
        if self._full is None:
            out = np.zeros(self.shape, dtype=self.dtype)
            if self.crop is not None:
                y, x = self.offset
                h, w = self.crop.shape
                out[y:y + h, x:x + w] = self.crop
            out.setflags(write=False)
            self._full = out
        return self._full


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """Outcome of :func:`perceptdiff.compare`.

    Attributes
    ----------
    verdict : {"identical", "pass", "fail"}
        ``identical``: the decoded pixels are equal; ``pass``: differences, none
        visible under the rule in force; ``fail``: a visible difference (or the
        sizes differ and neither resize nor pad was asked for).
    reason : str
        One sentence a person can read: why this verdict.
    metric, metric_version : str
        Which model decided, and its version (changes when verdicts may change).
    expected_size, actual_size : (int, int)
        ``(width, height)`` of the inputs as decoded.
    compared_size : (int, int) or None
        Frame actually compared (after resize/pad); None if not compared.
    pixels_per_degree : float
        Viewing geometry used.
    peak_jnd, p999_jnd : float or None
        Maximum and 99.9th percentile of the visibility map (None when the
        images were not compared).
    visible_pixels : int
        Pixels whose visibility exceeds the JND threshold.
    visible_area_deg2 : float
        ``visible_pixels / ppd**2``.
    visible_ratio : float
        ``visible_pixels`` over the frame's pixel count.
    regions : tuple of Region
        Visibly different regions, most severe first (at most 100 listed).
    region_count : int
        Number of regions before truncation to ``regions``.
    forgiven_regions : tuple of Region
        Connected areas of pixels forgiven as anti-aliasing or 1-px jitter
        (kind ``antialiasing``, never failing), largest first, at most 100.
    forgiven_pixels : int
        Pixels whose difference was explained as anti-aliasing or 1-px jitter.
    changed_pixels : int or None
        Pixels whose values changed (not forgiven) inside the visible regions:
        what ``max_changed_pixels`` counts.  None when the metric does not say.
    options : mapping
        The options in force (JSON-ready).
    timings : mapping
        Seconds spent in ``decode``, ``compare`` and ``total``.
    notes : tuple of str
        Loader and engine remarks ("first frame of an animated GIF ...").
    details : mapping
        Metric-specific figures (Yee: ``failed_pixels``, ``sum_errors``...).
    sources : (str, str)
        Display names of the expected and actual inputs.
    complete : bool
        False only for a verdict-only comparison (``compare(...,
        verdict_only=True)``) that stopped at the first part of the frame that
        fails: its counts, regions and map cover that part.
    """

    verdict: str
    reason: str
    metric: str
    metric_version: str
    expected_size: tuple[int, int]
    actual_size: tuple[int, int]
    compared_size: tuple[int, int] | None
    pixels_per_degree: float
    peak_jnd: float | None
    p999_jnd: float | None
    visible_pixels: int
    visible_area_deg2: float
    visible_ratio: float
    regions: tuple[Region, ...]
    region_count: int
    forgiven_pixels: int
    options: Mapping[str, Any]
    timings: Mapping[str, float]
    notes: tuple[str, ...] = ()
    changed_pixels: int | None = None
    forgiven_regions: tuple[Region, ...] = ()
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    sources: tuple[str, str] = ("?", "?")
    complete: bool = True
    expected_image: Image | None = field(default=None, repr=False)
    actual_image: Image | None = field(default=None, repr=False)
    _jnd: MapStore | None = field(default=None, repr=False)
    _forgiven: MapStore | None = field(default=None, repr=False)
    _ignored: MapStore | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    # -- convenience -----------------------------------------------------
    @property
    def passed(self) -> bool:
        """True unless the verdict is ``fail``."""
        return self.verdict != "fail"

    @property
    def exit_code(self) -> int:
        """0 when the images look the same, 1 when they differ (as diff(1))."""
        return 0 if self.passed else 1

    def __bool__(self) -> bool:  # ``if compare(a, b): ...`` reads as "same?"
        return self.passed

    @property
    def jnd_map(self) -> np.ndarray | None:
        """Per-pixel visibility in JND units over the compared frame (read-only).

        None when the images were not compared (size mismatch).
        """
        return None if self._jnd is None else self._jnd.full()

    @property
    def forgiven_mask(self) -> np.ndarray | None:
        """Boolean map of the pixels forgiven as anti-aliasing / jitter."""
        if self._forgiven is None:
            if self._jnd is None:
                return None
            return MapStore(self._jnd.shape, None, dtype=bool).full()
        return self._forgiven.full()

    @property
    def ignored_mask(self) -> np.ndarray | None:
        """Boolean map of the pixels not compared by the mask or ``:ignore`` region rules (None: none)."""
        return None if self._ignored is None else self._ignored.full()

    def summary(self) -> str:
        """One line: the verdict and its key numbers."""
        word = {"identical": "IDENTICAL", "pass": "PASS", "fail": "FAIL"}[self.verdict]
        return f"{word}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """Every field except the maps and images, JSON-ready."""
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "verdict": self.verdict,
            "passed": self.passed,
            "reason": self.reason,
            "metric": self.metric,
            "metric_version": self.metric_version,
            "expected": {**json_fields("source", self.sources[0]),
                         "width": self.expected_size[0], "height": self.expected_size[1]},
            "actual": {**json_fields("source", self.sources[1]),
                       "width": self.actual_size[0], "height": self.actual_size[1]},
            "compared_size": list(self.compared_size) if self.compared_size else None,
            "pixels_per_degree": _num(self.pixels_per_degree),
            "peak_jnd": _num(self.peak_jnd),
            "p999_jnd": _num(self.p999_jnd),
            "changed_pixels": self.changed_pixels,
            "visible_pixels": int(self.visible_pixels),
            "visible_area_deg2": _num(self.visible_area_deg2),
            "visible_ratio": _num(self.visible_ratio, 9),
            "region_count": int(self.region_count),
            "regions": [r.to_dict() for r in self.regions],
            "forgiven_pixels": int(self.forgiven_pixels),
            "forgiven_regions": [r.to_dict() for r in self.forgiven_regions],
            "options": dict(self.options),
            "timings": {k: _num(v) for k, v in self.timings.items()},
            "notes": [n if is_text(n) else display(n) for n in self.notes],
            "details": {k: (_num(v) if isinstance(v, float) else v) for k, v in self.details.items()},
            "complete": self.complete,
        }

    def to_json(self, **kwargs: Any) -> str:
        """``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict(), **kwargs)

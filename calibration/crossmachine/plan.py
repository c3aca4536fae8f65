"""The pairs of the cross-machine corpus: renderer settings, jitter kinds, change kinds.

One declaration per fact: every renderer setting, every kind of jitter (a pair
of settings that differ between machines) and every kind of change is named
here once; ``render.py``, ``label.py``, ``evaluate.py`` and the tests derive
everything from these tables.

A *base pair* draws the same content under the two settings of a jitter kind
(label ``same`` unless the layout check or the eye says ``borderline``).  Its
*twins* draw the second side from the content with one real change (label
``changed``): the same jitter, plus a difference a reviewer must be shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

import contents_doc
import contents_html
import contents_mpl
import contents_svg


class Family(str, Enum):
    """What kind of source a content is, which decides the renderers that draw it."""

    HTML = "html"
    PDF = "pdf"
    SVG = "svg"
    MPL = "mpl"


@dataclass(frozen=True)
class Setting:
    """One side's renderer configuration.

    ``fontconfig`` holds ``<match target="font">`` edits for Chromium runs
    (name -> (type, value)), written to a per-run ``FONTCONFIG_FILE``;
    ``flags`` are extra Chromium switches.
    """

    id: str
    renderer: str                     # chromium | pdftoppm | mutool | gs | rsvg | mpl
    description: str
    fontconfig: tuple[tuple[str, str, str], ...] = ()
    flags: tuple[str, ...] = ()
    mpl_env: str = ""                 # "mpl-current" | "mpl-3.8"
    mpl_backend: str = ""             # agg | cairo

    def to_dict(self) -> dict:
        d: dict = {"id": self.id, "renderer": self.renderer, "description": self.description}
        if self.fontconfig:
            d["fontconfig"] = {name: value for name, _, value in self.fontconfig}
        if self.flags:
            d["flags"] = list(self.flags)
        if self.mpl_env:
            d["matplotlib"] = self.mpl_env
            d["backend"] = self.mpl_backend
        return d


NO_SUBPIXEL_POSITIONING = "--disable-font-subpixel-positioning"

SETTINGS: dict[str, Setting] = {s.id: s for s in (
    Setting("chromium-ci", "chromium", "Debian's fontconfig defaults (hintslight, greyscale anti-aliasing)"),
    Setting("chromium-hint-none", "chromium", "hintstyle hintnone", (("hintstyle", "const", "hintnone"),)),
    Setting("chromium-hint-full", "chromium", "hintstyle hintfull", (("hintstyle", "const", "hintfull"),)),
    Setting("chromium-lcd-rgb", "chromium", "LCD sub-pixel text: rgba rgb, lcdfilter lcddefault",
            (("rgba", "const", "rgb"), ("lcdfilter", "const", "lcddefault"))),
    Setting("chromium-lcd-bgr-light", "chromium", "LCD sub-pixel text: rgba bgr, lcdfilter lcdlight",
            (("rgba", "const", "bgr"), ("lcdfilter", "const", "lcdlight"))),
    Setting("chromium-laptop", "chromium",
            "a developer laptop: rgba rgb + lcddefault, hintnone, no sub-pixel glyph positioning",
            (("rgba", "const", "rgb"), ("lcdfilter", "const", "lcddefault"), ("hintstyle", "const", "hintnone")),
            (NO_SUBPIXEL_POSITIONING,)),
    Setting("chromium-no-subpixel-pos", "chromium", "glyph origins snapped to whole pixels",
            (), (NO_SUBPIXEL_POSITIONING,)),
    Setting("chromium-aa-off", "chromium", "antialias false (bilevel glyphs), hintstyle hintfull",
            (("antialias", "bool", "false"), ("hintstyle", "const", "hintfull"))),
    Setting("pdftoppm", "pdftoppm", "poppler's pdftoppm (Splash, anti-aliased)"),
    Setting("mutool", "mutool", "MuPDF's mutool draw"),
    Setting("gs", "gs", "Ghostscript png16m, TextAlphaBits=4 GraphicsAlphaBits=4"),
    Setting("rsvg", "rsvg", "librsvg's rsvg-convert"),
    Setting("chromium-svg", "chromium", "the SVG file opened in Chromium (Debian defaults)"),
    Setting("mpl-agg", "mpl", "matplotlib (current) Agg", mpl_env="mpl-current", mpl_backend="agg"),
    Setting("mpl-cairo", "mpl", "matplotlib (current) Cairo via cairocffi", mpl_env="mpl-current",
            mpl_backend="cairo"),
    Setting("mpl38-agg", "mpl", "matplotlib 3.8 Agg (bundled FreeType 2.6.1)", mpl_env="mpl-3.8",
            mpl_backend="agg"),
)}

#: Resolution of every PDF rasterisation (dots per inch).
PDF_DPI = 96


@dataclass(frozen=True)
class Jitter:
    """A kind of cross-machine jitter: the same content drawn under settings ``a`` and ``b``."""

    kind: str
    family: Family
    a: str
    b: str
    note: str


JITTERS: dict[str, Jitter] = {j.kind: j for j in (
    Jitter("hint-none", Family.HTML, "chromium-ci", "chromium-hint-none", "glyph hinting off vs slight"),
    Jitter("lcd-rgb", Family.HTML, "chromium-ci", "chromium-lcd-rgb", "LCD sub-pixel text vs greyscale"),
    Jitter("lcd-bgr-light", Family.HTML, "chromium-ci", "chromium-lcd-bgr-light",
           "BGR sub-pixel text with the light filter vs greyscale"),
    Jitter("laptop", Family.HTML, "chromium-ci", "chromium-laptop",
           "LCD + no hinting + no sub-pixel positioning vs CI defaults"),
    Jitter("subpixel-positioning", Family.HTML, "chromium-ci", "chromium-no-subpixel-pos",
           "with and without sub-pixel glyph positioning"),
    # Full hinting rounds glyph advances, so lines get longer or shorter and
    # words wrap elsewhere: mostly borderline (reflow); listed last so the
    # changes rotate through the scored kinds first.
    Jitter("hint-full", Family.HTML, "chromium-ci", "chromium-hint-full", "full vs slight hinting"),
    Jitter("aa-off", Family.HTML, "chromium-ci", "chromium-aa-off", "bilevel (aliased) glyphs vs anti-aliased"),
    Jitter("pdf-poppler-mupdf", Family.PDF, "pdftoppm", "mutool", "poppler vs MuPDF at one DPI"),
    Jitter("pdf-poppler-gs", Family.PDF, "pdftoppm", "gs", "poppler vs Ghostscript at one DPI"),
    Jitter("pdf-mupdf-gs", Family.PDF, "mutool", "gs", "MuPDF vs Ghostscript at one DPI"),
    Jitter("svg-rsvg-chromium", Family.SVG, "rsvg", "chromium-svg", "librsvg vs Chromium"),
    Jitter("mpl-agg-cairo", Family.MPL, "mpl-agg", "mpl-cairo", "matplotlib Agg vs Cairo backend"),
    Jitter("mpl-3.8-current", Family.MPL, "mpl38-agg", "mpl-agg", "matplotlib 3.8 vs current (both Agg)"),
    Jitter("mpl-3.8agg-cairo", Family.MPL, "mpl38-agg", "mpl-cairo", "matplotlib 3.8 Agg vs current Cairo"),
)}


class ChangeKind(str, Enum):
    """Kinds of real change a twin adds (all must fail)."""

    WORD = "word"                    # one word of the text replaced
    DIGIT = "digit"                  # one digit of a number changed
    ICON_REMOVED = "icon_removed"    # an icon or a data marker removed
    COLOUR = "colour"                # an element's colour changed by ΔE00 >= 5
    MOVED_3PX = "moved_3px"          # an element moved by 3 px
    BORDER_REMOVED = "border_removed"  # a 1-px (or thinner) light border, rule or gridline removed
    CHART_LINE = "chart_line"        # a data value of a chart changed (a line bends, a bar grows)


CHANGE_NOTES = {
    ChangeKind.WORD: "one word of the text replaced",
    ChangeKind.DIGIT: "one digit of a number changed",
    ChangeKind.ICON_REMOVED: "an icon or a data marker removed",
    ChangeKind.COLOUR: "an element's colour changed by ΔE00 >= 5",
    ChangeKind.MOVED_3PX: "an element moved by 3 px",
    ChangeKind.BORDER_REMOVED: "a 1-px (or thinner) light border, rule or gridline removed",
    ChangeKind.CHART_LINE: "one data value of a chart changed",
}


@dataclass(frozen=True)
class Content:
    id: str
    family: Family
    template: str
    changes: tuple[str, ...]


def _contents() -> dict[str, Content]:
    out: dict[str, Content] = {}
    for cid, (template, _font) in contents_html.CONTENTS.items():
        out[cid] = Content(cid, Family.HTML, f"html-{template}", tuple(contents_html.changes_of(cid)))
    for cid, (template, _font) in contents_doc.CONTENTS.items():
        out[cid] = Content(cid, Family.PDF, f"doc-{template}", tuple(contents_doc.changes_of(cid)))
    for cid, (template, _font) in contents_mpl.PDF_CONTENTS.items():
        out[cid] = Content(cid, Family.PDF, f"mplpdf-{template}", tuple(contents_mpl.changes_of(cid)))
    for cid, (template, _zoom) in contents_svg.CONTENTS.items():
        out[cid] = Content(cid, Family.SVG, f"svg-{template}", tuple(contents_svg.changes_of(cid)))
    for cid, (template, _font) in contents_mpl.CONTENTS.items():
        out[cid] = Content(cid, Family.MPL, f"mpl-{template}", tuple(contents_mpl.changes_of(cid)))
    return out


CONTENTS: dict[str, Content] = _contents()

#: Twins per base pair, by family: enough changed pairs to balance the
#: ``same`` ones (HTML has eight jitter kinds, the others one to three).
TWINS_PER_BASE = {Family.HTML: 1, Family.PDF: 2, Family.SVG: 3, Family.MPL: 2}

#: Every HOLDOUT_EVERY-th template of each family (in order of its name's
#: SHA-1) is held out, so rules fitted on the ``fit`` part can be checked on
#: templates they never saw; font and zoom variants of a template stay together.
HOLDOUT_EVERY = 3


def _splits() -> dict[str, str]:
    out: dict[str, str] = {}
    for family in Family:
        templates = sorted({c.template for c in CONTENTS.values() if c.family is family},
                           key=lambda t: hashlib.sha1(t.encode()).hexdigest())
        for i, t in enumerate(templates):
            out[t] = "holdout" if i % HOLDOUT_EVERY == 0 else "fit"
    return out


SPLITS: dict[str, str] = _splits()


@dataclass(frozen=True)
class Side:
    """One image of a pair: a content, optionally changed, drawn under one setting."""

    content: str
    setting: str
    change: str | None = None

    @property
    def key(self) -> str:
        return f"{self.content}/{self.setting}/{self.change or 'base'}"


@dataclass(frozen=True)
class Pair:
    id: str
    content: str
    family: Family
    template: str
    jitter: str
    change: str | None
    a: Side
    b: Side
    split: str = field(default="fit")


def pairs() -> list[Pair]:
    """Every pair of the corpus, in a stable order."""
    out: list[Pair] = []
    for content in CONTENTS.values():
        jitters = [j for j in JITTERS.values() if j.family is content.family]
        n_twins = min(TWINS_PER_BASE[content.family], len(content.changes))
        for i, jit in enumerate(jitters):
            a = Side(content.id, jit.a)
            split = SPLITS[content.template]
            out.append(Pair(f"{content.id}/{jit.kind}/same", content.id, content.family, content.template,
                            jit.kind, None, a, Side(content.id, jit.b), split))
            for t in range(n_twins):
                change = content.changes[(i * n_twins + t) % len(content.changes)]
                out.append(Pair(f"{content.id}/{jit.kind}/{change}", content.id, content.family,
                                content.template, jit.kind, change, a, Side(content.id, jit.b, change), split))
    return out


def sides(selected: list[Pair]) -> list[Side]:
    """The distinct images the given pairs need."""
    seen: dict[str, Side] = {}
    for p in selected:
        seen.setdefault(p.a.key, p.a)
        seen.setdefault(p.b.key, p.b)
    return list(seen.values())

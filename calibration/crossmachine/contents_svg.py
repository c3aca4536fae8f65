"""SVG drawings of the cross-machine corpus (drawn by librsvg and by Chromium).

Icon sheets and a small flow diagram with text, as template functions with
named parameters; changes are parameter overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from contents_html import COLOUR_CHANGES, ICON_BELL, ICON_CHART, ICON_GEAR, ICON_MAIL, ICON_USER, ICON_WARN


@dataclass(frozen=True)
class SvgContent:
    name: str
    size: tuple[int, int]
    build: Callable[[dict], str]
    defaults: dict
    changes: dict[str, dict] = field(default_factory=dict)

    def svg(self, change: str | None = None) -> str:
        params = dict(self.defaults)
        if change is not None:
            params.update(self.changes[change])
        return self.build(params)


def _inner(template: str) -> str:
    """The drawing of one of the page icons without its <svg> wrapper."""
    body = template.split(">", 1)[1].rsplit("</svg>", 1)[0]
    return body


ICONS = {"bell": ICON_BELL, "user": ICON_USER, "chart": ICON_CHART, "gear": ICON_GEAR, "mail": ICON_MAIL,
         "warn": ICON_WARN}


def _icon_sheet(p: dict) -> str:
    w, h = ICON_SHEET_SIZE
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' viewBox='0 0 {w} {h}'>",
           f"<rect x='0' y='0' width='{w}' height='{h}' fill='#ffffff'/>",
           f"<rect x='6.5' y='6.5' width='{w - 13}' height='{h - 13}' rx='6' fill='none' stroke='{p['frame']}'/>"]
    names = list(ICONS)
    colours = ["#333333", p["accent"], "#16a34a", "#777777", "#dc2626", "#f59e0b"]
    for row, size in enumerate((16, 24, 32)):
        for col, name in enumerate(names):
            if (row, col) in p["removed"]:
                continue
            x = 20 + col * 50 + (p["dx"] if (row, col) == (1, 2) else 0)
            y = 18 + row * 46
            s = size / 24.0
            fill = colours[col] if name == "warn" else "none"
            drawing = _inner(ICONS[name]).replace('fill="none"', "")
            out.append(f"<g transform='translate({x} {y}) scale({s})' fill='{fill}' stroke='{colours[col]}' "
                       f"stroke-width='2' stroke-linecap='round' stroke-linejoin='round'>{drawing}</g>")
    out.append("</svg>")
    return "".join(out)


ICON_SHEET_SIZE = (320, 170)

ICON_SHEET = SvgContent(
    "icons", ICON_SHEET_SIZE, _icon_sheet,
    dict(frame="#dddddd", accent=COLOUR_CHANGES["primary"][0], removed=(), dx=0),
    {
        "icon_removed": dict(removed=((2, 3),)),
        "colour": dict(accent=COLOUR_CHANGES["primary"][1]),
        "moved_3px": dict(dx=3),
        "border_removed": dict(frame="#ffffff"),
    },
)


def _flow(p: dict) -> str:
    w, h = FLOW_SIZE
    boxes = [(20, 30, "render"), (150, 30, p["mid"]), (280, 30, "verdict")]
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' viewBox='0 0 {w} {h}' "
           "font-family='DejaVu Sans' font-size='13'>",
           f"<rect width='{w}' height='{h}' fill='#ffffff'/>",
           "<defs><marker id='a' markerWidth='8' markerHeight='8' refX='7' refY='4' orient='auto'>"
           "<path d='M0,0 L8,4 L0,8 z' fill='#666'/></marker></defs>"]
    for i, (x, y, label) in enumerate(boxes):
        fill = p["box2"] if i == 1 else "#f3f4f6"
        out.append(f"<rect x='{x + 0.5}' y='{y + 0.5}' width='100' height='40' rx='6' fill='{fill}' "
                   f"stroke='{p['stroke']}'/>")
        out.append(f"<text x='{x + 50}' y='{y + 25}' text-anchor='middle' fill='#222'>{label}</text>")
    for x0 in (120, 250):
        out.append(f"<line x1='{x0 + 1}' y1='50.5' x2='{x0 + 29}' y2='50.5' stroke='#666' stroke-width='1.5' "
                   "marker-end='url(#a)'/>")
    out.append(f"<text x='{w // 2}' y='100' text-anchor='middle' fill='#999' font-size='11'>{p['caption']}</text>")
    out.append(f"<circle cx='{330 + p['dot_dx']}' cy='96' r='4' fill='{COLOUR_CHANGES['ok'][0]}'/>")
    out.append("</svg>")
    return "".join(out)


FLOW_SIZE = (400, 120)

FLOW = SvgContent(
    "flow", FLOW_SIZE, _flow,
    dict(mid="compare", box2=COLOUR_CHANGES["tint"][0], stroke="#9ca3af", caption="three steps, one verdict", dot_dx=0),
    {
        "word": dict(mid="measure"),
        "colour": dict(box2=COLOUR_CHANGES["tint"][1]),
        "moved_3px": dict(dot_dx=3),
        "digit": dict(caption="three steps, 1 verdict"),
    },
)

TEMPLATES: dict[str, SvgContent] = {c.name: c for c in (ICON_SHEET, FLOW)}

#: content id -> (template, zoom).  Zoom draws the same drawing at another size.
CONTENTS: dict[str, tuple[str, float]] = {
    "svg-icons-1x": ("icons", 1.0),
    "svg-icons-1.5x": ("icons", 1.5),
    "svg-flow-1x": ("flow", 1.0),
    "svg-flow-1.5x": ("flow", 1.5),
}


def svg_for(content_id: str, change: str | None = None) -> str:
    template, zoom = CONTENTS[content_id]
    text = TEMPLATES[template].svg(change)
    if zoom != 1.0:
        w, h = TEMPLATES[template].size
        text = text.replace(f"width='{w}' height='{h}' viewBox", f"width='{round(w * zoom)}' "
                            f"height='{round(h * zoom)}' viewBox", 1)
    return text


def size_of(content_id: str) -> tuple[int, int]:
    template, zoom = CONTENTS[content_id]
    w, h = TEMPLATES[template].size
    return round(w * zoom), round(h * zoom)


def changes_of(content_id: str) -> list[str]:
    return list(TEMPLATES[CONTENTS[content_id][0]].changes)

"""Documents of the cross-machine corpus: HTML pages printed to PDF by Chromium.

The PDF (fonts embedded as subsets) is then rasterised by poppler, MuPDF and
Ghostscript at one DPI.  Changes are template parameters, as for the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from contents_html import COLOUR_CHANGES, FONTS

#: Page size of every document (CSS inches), small enough to compare quickly.
PAGE_IN = (5.0, 4.0)


@dataclass(frozen=True)
class DocContent:
    name: str
    build: Callable[[str, dict], str]
    defaults: dict
    changes: dict[str, dict] = field(default_factory=dict)

    def html(self, font: str, change: str | None = None) -> str:
        params = dict(self.defaults)
        if change is not None:
            params.update(self.changes[change])
        return self.build(FONTS[font], params)


def _doc_page(font: str, body: str, css: str) -> str:
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
            f"@page{{size:{PAGE_IN[0]}in {PAGE_IN[1]}in;margin:0}}"
            "html,body{margin:0;padding:0;background:#fff;-webkit-print-color-adjust:exact}"
            f"body{{font-family:{font},sans-serif;color:#222;padding:0.25in 0.3in}}" + css +
            "</style></head><body>" + body + "</body></html>")


def _report(font: str, p: dict) -> str:
    css = ("h1{font-size:17px;margin:0 0 2px}.meta{font-size:9px;color:#999;margin-bottom:8px}"
           "p{font-size:10.5px;line-height:1.45;margin:0 0 6px;color:#333;text-align:justify}"
           "table{border-collapse:collapse;font-size:9.5px;margin:6px 0;width:100%%}"
           "th{text-align:left;border-bottom:1px solid #999;padding:2px 4px}"
           "td{padding:2px 4px;border-bottom:0.75px solid %s}td.n{text-align:right}"
           ".hi{color:%s;font-weight:bold}.fn{font-size:8px;color:#aaa;border-top:0.75px solid #ddd;padding-top:3px}"
           ) % (p["rule_colour"], p["hi_colour"])
    body = ("<h1>%s</h1><div class='meta'>Internal report &middot; quarter 3</div>"
            "<p>Across the quarter the rendering farm served %s screenshots. Failures caused by font "
            "rasterisation fell after baselines were regenerated inside the same container image.</p>"
            "<table><tr><th>Suite</th><th>Runs</th><th>False alarms</th></tr>"
            "<tr><td>web-ui</td><td class='n'>4,210</td><td class='n'>37</td></tr>"
            "<tr><td>charts</td><td class='n'>1,862</td><td class='n hi'>%s</td></tr>"
            "<tr><td>pdf-export</td><td class='n'>955</td><td class='n'>8</td></tr></table>"
            "<p>The remaining alarms come from %s machines whose fonts differ.</p>"
            "<div class='fn'>Figures rounded to the nearest run.</div>"
            ) % (p["title"], p["shots"], p["charts_alarms"], p["word"])
    return _doc_page(font, body, css)


REPORT = DocContent(
    "report", _report,
    dict(title="Rendering farm: quarterly summary", shots="182,340", charts_alarms="21", word="developer",
         rule_colour="#dddddd", hi_colour=COLOUR_CHANGES["danger"][0]),
    {
        "word": dict(word="designer"),
        "digit": dict(shots="182,370"),
        "border_removed": dict(rule_colour="transparent"),
        "colour": dict(hi_colour=COLOUR_CHANGES["danger"][1]),
    },
)


def _invoice(font: str, p: dict) -> str:
    css = (".hd{display:flex;justify-content:space-between}.co{font-size:16px;font-weight:bold;color:%s}"
           ".addr{font-size:9px;color:#777;line-height:1.4;text-align:right}"
           "h2{font-size:13px;margin:10px 0 4px}"
           ".li{display:flex;font-size:10px;padding:3px 0;border-bottom:0.75px solid %s}.li span{flex:1}"
           ".li b{font-weight:normal;width:60px;text-align:right}.tot{font-size:12px;font-weight:bold;"
           "text-align:right;margin-top:6px;position:relative;left:%dpx}"
           ".note{font-size:8.5px;color:#999;margin-top:10px}"
           ) % (p["co_colour"], p["rule_colour"], p["tot_x"])
    body = ("<div class='hd'><div class='co'>Northwind Studio</div><div class='addr'>12 Harbour Road<br>"
            "Port Ellen, PA42 7DX<br>hello@northwind.example</div></div>"
            "<h2>%s no. 2024-118</h2>"
            "<div class='li'><span>Design review, 6 hours</span><b>540.00</b></div>"
            "<div class='li'><span>Icon set, 24 glyphs</span><b>%s</b></div>"
            "<div class='li'><span>Print proofs</span><b>75.00</b></div>"
            "<div class='tot'>Total EUR 1,335.00</div>"
            "<div class='note'>Payable within 30 days. Thank you for your business.</div>"
            ) % (p["title"], p["icons"])
    return _doc_page(font, body, css)


INVOICE = DocContent(
    "invoice", _invoice,
    dict(title="Invoice", icons="720.00", co_colour=COLOUR_CHANGES["primary"][0], rule_colour="#dddddd", tot_x=0),
    {
        "word": dict(title="Estimate"),
        "digit": dict(icons="726.00"),
        "colour": dict(co_colour=COLOUR_CHANGES["primary"][1]),
        "moved_3px": dict(tot_x=-3),
        "border_removed": dict(rule_colour="transparent"),
    },
)

TEMPLATES: dict[str, DocContent] = {c.name: c for c in (REPORT, INVOICE)}

#: content id -> (template, font)
CONTENTS: dict[str, tuple[str, str]] = {
    "pdf-report-dejavu-serif": ("report", "dejavu-serif"),
    "pdf-report-open-sans": ("report", "open-sans"),
    "pdf-invoice-liberation-sans": ("invoice", "liberation-sans"),
    "pdf-invoice-lato": ("invoice", "lato"),
}


def html_for(content_id: str, change: str | None = None) -> str:
    template, font = CONTENTS[content_id]
    return TEMPLATES[template].html(font, change)


def changes_of(content_id: str) -> list[str]:
    return list(TEMPLATES[CONTENTS[content_id][0]].changes)

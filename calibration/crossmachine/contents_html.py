"""HTML pages of the cross-machine corpus: our own forms, dashboards, articles, tables, dialogs, menus.

Every page is a template with named parameters.  A content's *changes* are
parameter overrides, so a changed twin is the same page with one real
difference rendered by the same renderer -- never an edit of pixels.

Text runs 10-24 px in several families (DejaVu, Liberation, Open Sans, Lato,
Inter; Debian packages, recorded by ``render.py``), in dark, light-grey and
coloured ink.  Icons are inline SVG.  Each page has a fixed viewport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

#: Font stacks a page can be drawn in (each content id names one).
FONTS: dict[str, str] = {
    "dejavu-sans": "'DejaVu Sans'",
    "liberation-sans": "'Liberation Sans'",
    "liberation-serif": "'Liberation Serif'",
    "dejavu-serif": "'DejaVu Serif'",
    "open-sans": "'Open Sans'",
    "lato": "'Lato'",
    "inter": "'Inter'",
}

#: Colour changes used by the twins, (from, to).  Each is ΔE00 >= 5
#: (tests/test_crossmachine_corpus.py checks it with scikit-image).
COLOUR_CHANGES: dict[str, tuple[str, str]] = {
    "primary": ("#2563eb", "#3b4fd8"),      # ΔE00 7.2
    "danger": ("#dc2626", "#c2410c"),       # ΔE00 9.6
    "ok": ("#16a34a", "#0f8a6a"),           # ΔE00 14.1
    "link": ("#1d4ed8", "#2f6fe0"),         # ΔE00 11.0
    "accent": ("#0ea5e9", "#1e88c8"),       # ΔE00 9.6
    "text": ("#555555", "#4a5a78"),         # ΔE00 13.5
    "tint": ("#e0ecff", "#e6e0ff"),         # ΔE00 9.8 (a pale box fill)
    "series": ("#1f77b4", "#2f8fd0"),       # ΔE00 9.0 (matplotlib's first colour)
    "bars": ("#ff7f0e", "#e8590c"),         # ΔE00 11.3
}

ICON_BELL = ('<svg width="{s}" height="{s}" viewBox="0 0 24 24" fill="none" stroke="{c}" stroke-width="2">'
             '<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>')
ICON_USER = ('<svg width="{s}" height="{s}" viewBox="0 0 24 24" fill="none" stroke="{c}" stroke-width="2">'
             '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/></svg>')
ICON_CHART = ('<svg width="{s}" height="{s}" viewBox="0 0 24 24" fill="none" stroke="{c}" stroke-width="2">'
              '<path d="M3 3v18h18"/><path d="M7 15l4-4 3 3 5-6"/></svg>')
ICON_WARN = ('<svg width="{s}" height="{s}" viewBox="0 0 24 24" fill="{f}" stroke="{c}" stroke-width="1.5">'
             '<path d="M12 2L1 21h22z"/><path d="M12 9v5M12 17v1" stroke="#fff" stroke-width="2"/></svg>')
ICON_GEAR = ('<svg width="{s}" height="{s}" viewBox="0 0 24 24" fill="none" stroke="{c}" stroke-width="2">'
             '<circle cx="12" cy="12" r="3"/><path d="M12 1v4M12 19v4M1 12h4M19 12h4M4.2 4.2l2.8 2.8M17 17l2.8 2.8'
             'M4.2 19.8L7 17M17 7l2.8-2.8"/></svg>')
ICON_MAIL = ('<svg width="{s}" height="{s}" viewBox="0 0 24 24" fill="none" stroke="{c}" stroke-width="2">'
             '<rect x="2" y="4" width="20" height="16" rx="2"/><path d="M2 6l10 7 10-7"/></svg>')


def icon(template: str, size: int, colour: str, fill: str = "none") -> str:
    return template.format(s=size, c=colour, f=fill)


@dataclass(frozen=True)
class HtmlContent:
    """A page template, its viewport, its default parameters and its changes."""

    name: str
    size: tuple[int, int]                      # viewport (width, height)
    build: Callable[[str, dict], str]          # (font stack, params) -> HTML
    defaults: dict
    changes: dict[str, dict] = field(default_factory=dict)   # change kind -> overrides

    def html(self, font: str, change: str | None = None) -> str:
        params = dict(self.defaults)
        if change is not None:
            params.update(self.changes[change])
        return self.build(FONTS[font], params)


def _page(font: str, body: str, css: str = "") -> str:
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
            "html,body{margin:0;padding:0;background:#fff}"
            f"body{{font-family:{font},sans-serif;color:#222}}" + css +
            "</style></head><body>" + body + "</body></html>")


# --------------------------------------------------------------------------- form
def _form(font: str, p: dict) -> str:
    css = (".card{margin:16px;padding:18px 22px;width:380px;border:1px solid %s;border-radius:6px}"
           "h1{font-size:22px;margin:0 0 4px 0;font-weight:600}"
           ".sub{font-size:13px;color:#999;margin-bottom:14px}"
           "label{display:block;font-size:13px;color:%s;margin:10px 0 4px}"
           ".in{height:30px;border:1px solid %s;border-radius:4px;font-size:14px;color:#aaa;"
           "line-height:30px;padding-left:8px}"
           ".help{font-size:11px;color:#8a8a8a;margin-top:4px}"
           ".row{margin-top:14px;font-size:13px;color:#333}"
           ".box{display:inline-block;width:13px;height:13px;border:1px solid #999;border-radius:2px;"
           "vertical-align:-2px;margin-right:6px}"
           ".btn{display:inline-block;margin-top:16px;margin-left:%dpx;padding:8px 18px;border-radius:4px;"
           "background:%s;color:#fff;font-size:15px;font-weight:600}"
           ".alt{display:inline-block;margin-left:12px;font-size:13px;color:#1d4ed8}"
           ) % (p["card_border"], p["label_colour"], p["input_border"], p["btn_x"], p["btn_colour"])
    body = ("<div class='card'><h1>%s</h1><div class='sub'>It takes less than a minute.</div>"
            "<label>Full name</label><div class='in'>Ada Lovelace</div>"
            "<label>Email address</label><div class='in'>ada@example.org</div>"
            "<label>Password</label><div class='in'>&#8226;&#8226;&#8226;&#8226;&#8226;&#8226;&#8226;&#8226;</div>"
            "<div class='help'>Use at least %s characters, one of them a digit.</div>"
            "<div class='row'><span class='box'></span>I agree to the terms of service</div>"
            "<span class='btn'>Create account</span><span class='alt'>Sign in instead</span></div>"
            ) % (p["title"], p["min_chars"])
    return _page(font, body, css)


FORM = HtmlContent(
    "form", (440, 470), _form,
    dict(title="Create your account", min_chars="8", btn_x=0, btn_colour=COLOUR_CHANGES["primary"][0],
         card_border="#dddddd", input_border="#cccccc", label_colour="#555555"),
    {
        "word": dict(title="Create your profile"),
        "digit": dict(min_chars="9"),
        "moved_3px": dict(btn_x=3),
        "colour": dict(btn_colour=COLOUR_CHANGES["primary"][1]),
        "border_removed": dict(card_border="#ffffff"),
    },
)


# --------------------------------------------------------------------------- dashboard
def _dashboard(font: str, p: dict) -> str:
    css = (".top{height:44px;border-bottom:1px solid #e5e5e5;display:flex;align-items:center;padding:0 16px}"
           ".brand{font-size:17px;font-weight:700;flex:1}.top svg{margin-left:14px}"
           ".grid{display:grid;grid-template-columns:repeat(3,170px);gap:12px;padding:14px 16px}"
           ".kpi{border:1px solid #e8e8e8;border-radius:6px;padding:10px 12px;height:78px}"
           ".kpi.first{border-color:%s}"
           ".lab{font-size:10px;letter-spacing:.06em;text-transform:uppercase;color:#9a9a9a}"
           ".num{font-size:24px;font-weight:600;margin:4px 0 2px}"
           ".delta{font-size:12px}.up{color:%s}.down{color:#dc2626}"
           ".list{margin:0 16px;border-top:1px solid #eee}"
           ".item{display:flex;align-items:center;height:30px;border-bottom:1px solid #eee;font-size:13px}"
           ".item span{flex:1;margin-left:8px}.item em{font-style:normal;color:#999;font-size:12px}"
           ) % (p["kpi_border"], p["up_colour"])
    icons = "".join(icon(t, 18, "#666") for t in p["top_icons"])
    body = ("<div class='top'><div class='brand'>Acme Analytics</div>%s</div>"
            "<div class='grid'>"
            "<div class='kpi first'><div class='lab'>Active users</div><div class='num'>%s</div>"
            "<div class='delta up'>+4.2%% this week</div></div>"
            "<div class='kpi'><div class='lab'>Revenue</div><div class='num'>$38,410</div>"
            "<div class='delta down'>-1.3%% this week</div></div>"
            "<div class='kpi'><div class='lab'>Tickets</div><div class='num'>57</div>"
            "<div class='delta up'>%s</div></div></div>"
            "<div class='list'>"
            "<div class='item'>%s<span>Weekly report generated</span><em>2 min ago</em></div>"
            "<div class='item'>%s<span>New sign-up: grace@example.org</span><em>14 min ago</em></div>"
            "<div class='item'>%s<span>Quota at 82%% for project Orion</span><em>1 h ago</em></div>"
            "</div>"
            ) % (icons, p["users"], p["tickets_note"], icon(ICON_CHART, 16, "#2563eb"),
                 icon(ICON_USER, 16, "#16a34a"), p["list_icon3"])
    return _page(font, body, css)


DASHBOARD = HtmlContent(
    "dashboard", (580, 260), _dashboard,
    dict(top_icons=(ICON_BELL, ICON_MAIL, ICON_GEAR), users="1,284", tickets_note="+3 open today",
         up_colour=COLOUR_CHANGES["ok"][0], kpi_border="#e8e8e8", list_icon3=icon(ICON_WARN, 16, "#f59e0b", "#f59e0b")),
    {
        "digit": dict(users="1,289"),
        "icon_removed": dict(top_icons=(ICON_BELL, ICON_GEAR)),
        "colour": dict(up_colour=COLOUR_CHANGES["ok"][1]),
        "border_removed": dict(kpi_border="#ffffff"),
        "word": dict(tickets_note="+3 closed today"),
    },
)


# --------------------------------------------------------------------------- article
def _article(font: str, p: dict) -> str:
    css = ("main{margin:18px 26px;width:500px}h1{font-size:24px;margin:0 0 6px;line-height:1.2}"
           ".meta{font-size:12px;color:#999;margin-bottom:12px}"
           "p{font-size:15px;line-height:1.5;margin:0 0 10px;color:#333}"
           "a{color:%s;text-decoration:none;border-bottom:1px solid #c7d2fe}"
           "hr{border:0;border-top:1px solid %s;margin:12px 0}"
           "blockquote{margin:0 0 10px;padding-left:12px;border-left:3px solid #ddd;font-size:14px;color:#666;"
           "font-style:italic}.fig{margin-left:%dpx;width:120px;height:40px;background:#eef2ff;border-radius:4px;"
           "font-size:11px;color:#6366f1;text-align:center;line-height:40px}"
           ) % (p["link_colour"], p["hr_colour"], p["fig_x"])
    body = ("<main><h1>%s</h1><div class='meta'>Published 12 March %s &middot; 6 min read</div>"
            "<p>Visual regression tests compare a fresh render with a stored baseline. When the baseline was "
            "made on another machine, <a>font rasterisation</a> differs a little, and a strict tool fails "
            "although nothing a reader would notice has changed.</p>"
            "<blockquote>The same words, the same shapes, drawn by another rasteriser.</blockquote><hr>"
            "<p>%s</p><div class='fig'>Figure 1</div></main>"
            ) % (p["title"], p["year"], p["para2"])
    return _page(font, body, css)


ARTICLE = HtmlContent(
    "article", (560, 430), _article,
    dict(title="Why baselines drift between machines", year="2024",
         para2="Hinting snaps stems to whole pixels, sub-pixel filters add colour fringes, and each PDF "
               "library has its own way of darkening thin text.",
         link_colour=COLOUR_CHANGES["link"][0], hr_colour="#e0e0e0", fig_x=0),
    {
        "word": dict(title="Why baselines shift between machines"),
        "digit": dict(year="2026"),
        "colour": dict(link_colour=COLOUR_CHANGES["link"][1]),
        "border_removed": dict(hr_colour="#ffffff"),
        "moved_3px": dict(fig_x=3),
    },
)


# --------------------------------------------------------------------------- table
def _table(font: str, p: dict) -> str:
    css = ("table{margin:14px;border-collapse:collapse;font-size:12px}"
           "th{font-size:11px;text-transform:uppercase;color:#888;text-align:left;padding:6px 10px;"
           "border-bottom:1px solid #ccc}"
           "td{padding:5px 10px;border-bottom:1px solid #e4e4e4}td.n{text-align:right;font-variant-numeric:tabular-nums}"
           "tr:nth-child(even) td{background:#f7f7f7}tr.r3 td{border-bottom-color:%s}"
           ".st{font-weight:600}.ok{color:#16a34a}.bad{color:%s}.cap{margin:0 14px;font-size:10px;color:#aaa}"
           ) % (p["row3_border"], p["bad_colour"])
    rows = [("Orion", "eu-west", "1,204", "98.2", "ok", "healthy"),
            ("Lyra", "us-east", "877", "97.9", "ok", "healthy"),
            ("Vega", "ap-south", p["vega_req"], "91.4", "bad", "degraded"),
            ("Cygnus", "eu-north", "2,318", "99.1", "ok", "healthy"),
            ("Draco", p["draco_region"], "640", "96.5", "ok", "healthy"),
            ("Perseus", "us-west", "1,055", "98.8", "ok", "healthy")]
    trs = "".join(
        f"<tr class='r{i}'><td>{a}</td><td>{b}</td><td class='n'>{c}</td><td class='n'>{d}%</td>"
        f"<td class='st {e}'>{f}</td></tr>" for i, (a, b, c, d, e, f) in enumerate(rows, 1))
    body = ("<table><tr><th>Service</th><th>Region</th><th>Req/s</th><th>Uptime</th><th>Status</th></tr>"
            f"{trs}</table><div class='cap'>Updated every 60 seconds. All times UTC.</div>")
    return _page(font, body, css)


TABLE = HtmlContent(
    "table", (420, 260), _table,
    dict(vega_req="312", draco_region="sa-east", row3_border="#e4e4e4", bad_colour=COLOUR_CHANGES["danger"][0]),
    {
        "digit": dict(vega_req="318"),
        "word": dict(draco_region="sa-west"),
        "border_removed": dict(row3_border="transparent"),
        "colour": dict(bad_colour=COLOUR_CHANGES["danger"][1]),
    },
)


# --------------------------------------------------------------------------- dialog
def _dialog(font: str, p: dict) -> str:
    css = ("body{background:#f1f1f1}.dlg{margin:20px;width:380px;background:#fff;border-radius:8px;"
           "box-shadow:0 2px 8px rgba(0,0,0,.18);padding:18px 20px}"
           ".hd{display:flex;align-items:center;font-size:18px;font-weight:600}.hd svg{margin-right:10px}"
           ".txt{font-size:14px;line-height:1.45;color:#444;margin:10px 0 4px}"
           ".small{font-size:11px;color:#999}"
           ".btns{text-align:right;margin-top:18px}"
           ".b{display:inline-block;padding:7px 16px;border-radius:5px;font-size:14px;margin-left:10px}"
           ".cancel{border:1px solid %s;color:#333}.del{background:%s;color:#fff;position:relative;left:%dpx}"
           ) % (p["cancel_border"], p["del_colour"], p["del_x"])
    body = ("<div class='dlg'><div class='hd'>%s%s</div>"
            "<div class='txt'>This removes the project <b>orion-web</b>, its 14 environments and every stored "
            "baseline. You cannot undo this.</div><div class='small'>Type the project name to confirm.</div>"
            "<div class='btns'><span class='b cancel'>Cancel</span><span class='b del'>Delete project</span></div></div>"
            ) % (p["icon"], p["title"])
    return _page(font, body, css)


DIALOG = HtmlContent(
    "dialog", (440, 250), _dialog,
    dict(title="Delete this project?", icon=icon(ICON_WARN, 22, "#dc2626", "#dc2626"),
         cancel_border="#cccccc", del_colour=COLOUR_CHANGES["danger"][0], del_x=0),
    {
        "word": dict(title="Delete this folder?"),
        "icon_removed": dict(icon=""),
        "moved_3px": dict(del_x=3),
        "colour": dict(del_colour=COLOUR_CHANGES["danger"][1]),
        "border_removed": dict(cancel_border="transparent"),
    },
)


# --------------------------------------------------------------------------- settings menu
def _settings(font: str, p: dict) -> str:
    css = ("body{display:flex}.side{width:150px;background:#fafafa;border-right:1px solid #e6e6e6;height:300px;"
           "padding-top:10px}.nav{display:flex;align-items:center;font-size:13px;padding:7px 14px;color:#444}"
           ".nav svg{margin-right:8px}.nav.sel{background:#e8f0fe;color:#1d4ed8;font-weight:600}"
           ".main{padding:14px 20px;width:330px}h2{font-size:18px;margin:0 0 10px}"
           ".opt{display:flex;align-items:center;border-bottom:1px solid #eee;padding:8px 0}"
           ".opt div{flex:1}.t{font-size:14px}.d{font-size:10px;color:#9b9b9b;margin-top:2px}"
           ".sw{width:30px;height:16px;border-radius:8px;background:#ccc;position:relative}"
           ".sw.on{background:%s}.sw i{position:absolute;top:2px;left:2px;width:12px;height:12px;border-radius:6px;"
           "background:#fff}.sw.on i{left:%dpx}.ver{font-size:11px;color:#aaa;margin-top:14px}"
           ) % (p["on_colour"], p["knob_x"])
    navs = [(ICON_USER, "Account"), (ICON_BELL, "Notifications"), (ICON_MAIL, "Email"), (ICON_GEAR, "Advanced")]
    side = "".join(
        f"<div class='nav{' sel' if i == 1 else ''}'>"
        f"{icon(t, 14, '#1d4ed8' if i == 1 else '#777') if (i != 2 or p['mail_icon']) else ''}{n}</div>"
        for i, (t, n) in enumerate(navs))
    body = ("<div class='side'>%s</div><div class='main'><h2>Notifications</h2>"
            "<div class='opt'><div><div class='t'>Email digests</div><div class='d'>A summary every Monday</div></div>"
            "<span class='sw on'><i></i></span></div>"
            "<div class='opt'><div><div class='t'>%s</div><div class='d'>When a test run fails on main</div></div>"
            "<span class='sw on'><i></i></span></div>"
            "<div class='opt'><div><div class='t'>Desktop alerts</div><div class='d'>Only while the app is open</div></div>"
            "<span class='sw'><i></i></span></div><div class='ver'>Version %s</div></div>"
            ) % (side, p["opt2"], p["version"])
    return _page(font, body, css)


SETTINGS = HtmlContent(
    "settings", (500, 300), _settings,
    dict(on_colour=COLOUR_CHANGES["accent"][0], knob_x=16, mail_icon=True, opt2="Failure alerts", version="3.14.2"),
    {
        "colour": dict(on_colour=COLOUR_CHANGES["accent"][1]),
        "icon_removed": dict(mail_icon=False),
        "word": dict(opt2="Failure notices"),
        "digit": dict(version="3.14.7"),
        "moved_3px": dict(knob_x=13),
    },
)

TEMPLATES: dict[str, HtmlContent] = {c.name: c for c in (FORM, DASHBOARD, ARTICLE, TABLE, DIALOG, SETTINGS)}

#: The HTML contents of the corpus: content id -> (template, font).
CONTENTS: dict[str, tuple[str, str]] = {
    "form-liberation-sans": ("form", "liberation-sans"),
    "form-open-sans": ("form", "open-sans"),
    "dashboard-inter": ("dashboard", "inter"),
    "dashboard-dejavu-sans": ("dashboard", "dejavu-sans"),
    "article-liberation-serif": ("article", "liberation-serif"),
    "article-dejavu-serif": ("article", "dejavu-serif"),
    "table-dejavu-sans": ("table", "dejavu-sans"),
    "table-lato": ("table", "lato"),
    "dialog-open-sans": ("dialog", "open-sans"),
    "dialog-liberation-sans": ("dialog", "liberation-sans"),
    "settings-lato": ("settings", "lato"),
    "settings-inter": ("settings", "inter"),
}


def html_for(content_id: str, change: str | None = None) -> str:
    template, font = CONTENTS[content_id]
    return TEMPLATES[template].html(font, change)


def viewport(content_id: str) -> tuple[int, int]:
    return TEMPLATES[CONTENTS[content_id][0]].size


def changes_of(content_id: str) -> list[str]:
    return list(TEMPLATES[CONTENTS[content_id][0]].changes)

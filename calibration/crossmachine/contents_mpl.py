"""matplotlib figures of the cross-machine corpus.

Imported by ``mpl_render.py`` inside each matplotlib virtualenv (3.8 and the
current release), so it needs nothing but matplotlib and numpy and must work
with both versions.  Data are fixed numbers; changes are parameter overrides.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Colour changes (from, to); the same values as contents_html.COLOUR_CHANGES
#: "series" and "bars" (repeated here because this module must import without
#: the project; tests check that the two agree and that each is ΔE00 >= 5).
SERIES = ("#1f77b4", "#2f8fd0")
BARS = ("#ff7f0e", "#e8590c")

#: Figure size (inches): whole pixels at 96 DPI (PDF pages) and at DPI (PNGs),
#: so every rasteriser makes the same size.
FIGSIZE = (5.0, 3.5)
DPI = 100

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug"]


def _line(fig, p):
    ax = fig.add_subplot(111)
    x = np.arange(8)
    ax.plot(x, p["a"], color=p["series"], lw=1.8, marker="o", ms=4, label="latency p50")
    ax.plot(x, [31, 33, 30, 36, 35, 38, 37, 41], color="#2ca02c", lw=1.2, ls="--", label="latency p95")
    ax.set_xticks(x)
    ax.set_xticklabels(MONTHS)
    ax.set_ylabel("ms")
    ax.set_title(p["title"], fontsize=12)
    ax.grid(True, color="#dddddd", lw=0.8)
    if not p["grid_y"]:
        ax.yaxis.grid(False)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.set_ylim(10, 45)


def _bar(fig, p):
    ax = fig.add_subplot(111)
    vals = p["vals"]
    ax.bar(range(len(vals)), vals, color=p["bars"], width=0.6)
    ax.set_xticks(range(len(vals)))
    ax.set_xticklabels(["web", "api", "pdf", "maps", "3d"])
    for i, v in enumerate(vals):
        ax.text(i, v + 1.5, str(v), ha="center", fontsize=9, color="#555555")
    ax.set_title("Snapshots per suite", fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(0, 100)
    ax.text(0.99, 0.97, p["note"], transform=ax.transAxes, ha="right", va="top", fontsize=8, color="#999999")


def _scatter(fig, p):
    ax = fig.add_subplot(111)
    rng = np.random.default_rng(7)
    xs = rng.uniform(0, 10, 40)
    ys = 0.8 * xs + rng.normal(0, 1.2, 40)
    keep = np.ones(40, bool)
    if p["drop_point"]:
        keep[p["drop_point"]] = False
    ax.scatter(xs[keep], ys[keep], s=14, color=p["series"], alpha=0.85)
    ax.plot([0, 10], [0, p["fit_end"]], color="#d62728", lw=1)
    ax.set_xlabel("render time (s)")
    ax.set_ylabel("diff time (s)")
    ax.annotate(p["label"], xy=(8, 6.4), xytext=(4.5, 9), fontsize=9, arrowprops=dict(arrowstyle="->", lw=0.8))
    ax.set_xlim(0, 10)
    ax.set_ylim(-2, 11)


def _panels(fig, p):
    a1 = fig.add_subplot(121)
    a2 = fig.add_subplot(122)
    t = np.linspace(0, 2 * np.pi, 120)
    a1.plot(t, np.sin(t), color=p["series"], lw=1.4)
    a1.plot(t, np.cos(t) * p["cos_amp"], color="#9467bd", lw=1.0)
    a1.set_title("signals", fontsize=10)
    a1.tick_params(labelsize=8)
    a2.barh(["alpha", "beta", p["word"]], [3, 5, 2], color=p["bars"], height=0.5)
    a2.set_title("counts", fontsize=10)
    a2.tick_params(labelsize=8)
    fig.suptitle(p["title"], fontsize=11)
    fig.subplots_adjust(wspace=0.4)


#: figure -> (drawing function, default parameters, change kind -> overrides)
FIGURES: dict[str, tuple[Any, dict[str, Any], dict[str, dict[str, Any]]]] = {
    "line": (_line, dict(a=[22, 24, 21, 27, 26, 29, 28, 31], series=SERIES[0], title="Latency by month",
                         grid_y=True),
             {"chart_line": dict(a=[22, 24, 21, 27, 30, 29, 28, 31]),
              "colour": dict(series=SERIES[1]),
              "word": dict(title="Latency per month"),
              "border_removed": dict(grid_y=False)}),
    "bar": (_bar, dict(vals=[64, 48, 31, 22, 12], bars=BARS[0], note="last 30 days"),
            {"chart_line": dict(vals=[64, 48, 35, 22, 12]),
             "digit": dict(vals=[64, 46, 31, 22, 12]),
             "colour": dict(bars=BARS[1]),
             "word": dict(note="past 30 days")}),
    "scatter": (_scatter, dict(series=SERIES[0], drop_point=0, fit_end=8.0, label="outlier run"),
                {"icon_removed": dict(drop_point=5),
                 "chart_line": dict(fit_end=8.6),
                 "word": dict(label="slowest run"),
                 "colour": dict(series=SERIES[1])}),
    "panels": (_panels, dict(series=SERIES[0], cos_amp=1.0, word="gamma", bars=BARS[0], title="Overview 2024"),
               {"chart_line": dict(cos_amp=0.9),
                "word": dict(word="delta"),
                "digit": dict(title="Overview 2025"),
                "colour": dict(bars=BARS[1])}),
}

#: content id -> (figure, font family)
CONTENTS = {
    "mpl-line-dejavu": ("line", "DejaVu Sans"),
    "mpl-line-liberation": ("line", "Liberation Sans"),
    "mpl-bar-dejavu": ("bar", "DejaVu Sans"),
    "mpl-bar-liberation": ("bar", "Liberation Sans"),
    "mpl-scatter-dejavu": ("scatter", "DejaVu Sans"),
    "mpl-panels-liberation": ("panels", "Liberation Sans"),
}

#: Figures saved as PDF with matplotlib's PDF backend, rasterised like the documents.
PDF_CONTENTS = {
    "pdf-mpl-line-dejavu": ("line", "DejaVu Sans"),
    "pdf-mpl-panels-liberation": ("panels", "Liberation Sans"),
}


def changes_of(content_id: str) -> list[str]:
    name = (CONTENTS.get(content_id) or PDF_CONTENTS[content_id])[0]
    return list(FIGURES[name][2])


def draw(content_id: str, change: str | None, out: str, fmt: str = "png") -> None:
    """Draw one figure with the backend already selected and save it to ``out``."""
    import matplotlib
    import matplotlib.pyplot as plt

    name, family = (CONTENTS.get(content_id) or PDF_CONTENTS[content_id])
    build, defaults, changes = FIGURES[name]
    p = dict(defaults)
    if change is not None:
        p.update(changes[change])
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": [family],
                                "svg.hashsalt": "perceptdiff", "pdf.fonttype": 42}):
        fig = plt.figure(figsize=FIGSIZE, dpi=DPI)
        build(fig, p)
        kwargs: dict[str, Any] = {}
        if fmt == "pdf":
            kwargs["metadata"] = {"Creator": None, "Producer": None, "CreationDate": None}
        elif matplotlib.get_backend().lower() == "agg":
            kwargs["metadata"] = {"Software": None}
        fig.savefig(out, dpi=DPI, format=fmt, **kwargs)
        plt.close(fig)

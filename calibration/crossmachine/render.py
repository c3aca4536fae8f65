"""Render the cross-machine corpus with real renderers.

For every image the pairs of ``plan.py`` need, write its source (HTML, SVG,
PDF) and draw it with the renderer and settings of its side:

* Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright for Python
  through ``executable_path``; no browser is downloaded), one browser per
  setting, each with its own ``FONTCONFIG_FILE`` (the system configuration
  plus ``<match target="font">`` edits) and its own switches;
* documents: Chromium prints HTML to PDF (fonts embedded), matplotlib's PDF
  backend draws figures; poppler ``pdftoppm``, MuPDF ``mutool draw`` and
  Ghostscript rasterise them at ``plan.PDF_DPI``;
* SVG by ``rsvg-convert`` and by Chromium;
* matplotlib figures by Agg and Cairo in the current matplotlib (the Python
  running this script) and by Agg in matplotlib 3.8 (``make_venvs.sh``).

Images go to ``<out>/images/<content>/<setting>/<change|base>.png``; an image
whose source and setting have not changed since the last run is kept.
``<out>/metadata.json`` records the renderer and font versions.  Rendered
images are not committed: run this script to regenerate them.

Usage::

    python calibration/crossmachine/render.py [--out DIR] [--jobs 2] [--only SUBSTRING ...] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import contents_doc  # noqa: E402
import contents_html  # noqa: E402
import contents_mpl  # noqa: E402
import contents_svg  # noqa: E402
import plan  # noqa: E402
from plan import Family, Setting, Side  # noqa: E402

DEFAULT_OUT = HERE / "out"
CHROMIUM = os.environ.get("PERCEPTDIFF_CHROMIUM", "/usr/bin/chromium")
MPL38_PYTHON = Path(os.environ.get("PERCEPTDIFF_MPL38_PYTHON", HERE / ".venvs" / "mpl38" / "bin" / "python"))

#: Chromium switches of every run (Playwright adds --headless and a fresh
#: temporary --user-data-dir of its own).
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--force-color-profile=srgb")

SYSTEM_FONTS_CONF = "/etc/fonts/fonts.conf"

#: Debian packages whose versions the metadata records.
PACKAGES = ("chromium", "poppler-utils", "libpoppler126", "mupdf-tools", "ghostscript", "librsvg2-bin",
            "librsvg2-2", "libcairo2", "libfreetype6", "fontconfig", "libfontconfig1", "fonts-dejavu-core",
            "fonts-dejavu-extra", "fonts-liberation", "fonts-liberation2", "fonts-open-sans", "fonts-lato",
            "fonts-inter")


# --------------------------------------------------------------------------- sources
#: matplotlib figures are code, not text: their stamp covers the drawing code.
_MPL_CODE = hashlib.sha1((HERE / "contents_mpl.py").read_bytes() + (HERE / "mpl_render.py").read_bytes()).hexdigest()


def _source(side: Side) -> tuple[str, str]:
    """(kind, text) of the source an image is drawn from."""
    content = plan.CONTENTS[side.content]
    if content.family is Family.HTML:
        return "html", contents_html.html_for(side.content, side.change)
    if content.family is Family.SVG:
        return "svg", contents_svg.svg_for(side.content, side.change)
    if content.family is Family.PDF:
        if side.content in contents_doc.CONTENTS:
            return "pdf-html", contents_doc.html_for(side.content, side.change)
        return "pdf-mpl", json.dumps([side.content, side.change, _MPL_CODE])
    return "mpl", json.dumps([side.content, side.change, _MPL_CODE])


def _stamp(side: Side) -> str:
    kind, text = _source(side)
    setting = plan.SETTINGS[side.setting]
    blob = json.dumps([kind, text, setting.to_dict(), CHROMIUM_ARGS, plan.PDF_DPI], sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()


def image_path(out: Path, side: Side) -> Path:
    return out / "images" / side.content / side.setting / f"{side.change or 'base'}.png"


def _src_path(out: Path, side: Side, ext: str) -> Path:
    return out / "src" / side.content / f"{side.change or 'base'}.{ext}"


def fontconfig_file(setting: Setting, directory: Path) -> Path:
    """A FONTCONFIG_FILE: the system configuration, then this setting's edits."""
    edits = "".join(f'<edit name="{name}" mode="assign"><{typ}>{value}</{typ}></edit>'
                    for name, typ, value in setting.fontconfig)
    match = f'<match target="font">{edits}</match>' if edits else ""
    text = ('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
            f'<include ignore_missing="no">{SYSTEM_FONTS_CONF}</include>{match}</fontconfig>\n')
    path = directory / f"fonts-{setting.id}.conf"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- renderers
@dataclass
class Job:
    side: Side
    out: Path


def _run(cmd: list[str], **kw) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")


class Chromium:
    """One headless Chromium per setting (its own fontconfig file and switches)."""

    def __init__(self, setting: Setting, workdir: Path) -> None:
        from playwright.sync_api import sync_playwright

        self.setting = setting
        env: dict[str, str | float | bool] = dict(os.environ)
        env["FONTCONFIG_FILE"] = str(fontconfig_file(setting, workdir))
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *setting.flags],
                                                env=env)
        self._page: Any = None   # one page per browser, reused for every screenshot

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()

    def screenshot(self, url: str, size: tuple[int, int], out: Path) -> None:
        if self._page is None:
            self._page = self.browser.new_page(viewport={"width": size[0], "height": size[1]},
                                               device_scale_factor=1)
        page = self._page
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.goto(url, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), animations="disabled", caret="hide")

    def pdf(self, url: str, out: Path) -> None:
        page = self.browser.new_page()
        try:
            page.goto(url, wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), width=f"{contents_doc.PAGE_IN[0]}in", height=f"{contents_doc.PAGE_IN[1]}in",
                     print_background=True, prefer_css_page_size=True)
        finally:
            page.close()


def rasterise_pdf(renderer: str, pdf: Path, out: Path) -> None:
    """Page 1 of ``pdf`` as an RGB PNG at plan.PDF_DPI."""
    out.parent.mkdir(parents=True, exist_ok=True)
    dpi = str(plan.PDF_DPI)
    if renderer == "pdftoppm":
        prefix = out.with_suffix("")
        _run(["pdftoppm", "-png", "-r", dpi, "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)])
    elif renderer == "mutool":
        _run(["mutool", "draw", "-q", "-r", dpi, "-c", "rgb", "-o", str(out), str(pdf), "1"])
    elif renderer == "gs":
        _run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=png16m", f"-r{dpi}",
              "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", "-dFirstPage=1", "-dLastPage=1",
              f"-sOutputFile={out}", str(pdf)])
    else:
        raise ValueError(renderer)


def rsvg(svg: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(["rsvg-convert", "-f", "png", "-o", str(out), str(svg)])


def mpl_python(env: str) -> str:
    if env == "mpl-current":
        return sys.executable
    if env == "mpl-3.8":
        if not MPL38_PYTHON.exists():
            raise RuntimeError(f"matplotlib 3.8 interpreter missing: {MPL38_PYTHON} (run make_venvs.sh)")
        return str(MPL38_PYTHON)
    raise ValueError(env)


def run_mpl(env: str, backend: str, jobs: list[dict], workdir: Path, mplconfig: Path) -> dict:
    """Draw matplotlib jobs in the interpreter of ``env``; returns the versions it reports."""
    spec = workdir / f"mpl-{env}-{backend}-{hashlib.sha1(json.dumps(jobs).encode()).hexdigest()[:8]}.json"
    spec.write_text(json.dumps({"backend": backend, "jobs": jobs}), encoding="utf-8")
    for j in jobs:
        Path(j["out"]).parent.mkdir(parents=True, exist_ok=True)
    mplconfig.mkdir(parents=True, exist_ok=True)
    env_vars = dict(os.environ, MPLCONFIGDIR=str(mplconfig), PYTHONHASHSEED="0")
    proc = subprocess.run([mpl_python(env), str(HERE / "mpl_render.py"), str(spec)], capture_output=True,
                          text=True, env=env_vars)
    if proc.returncode != 0:
        raise RuntimeError(f"matplotlib ({env}, {backend}) failed: {proc.stderr.strip()[-600:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- versions
def _cmd_version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "missing"
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0].strip() if text else "?"


def versions() -> dict:
    """Versions of every renderer, font package and library the corpus was drawn with."""
    out: dict[str, Any] = {
        "chromium": _cmd_version([CHROMIUM, "--version"]),
        "pdftoppm": _cmd_version(["pdftoppm", "-v"]),
        "mutool": _cmd_version(["mutool", "-v"]),
        "ghostscript": _cmd_version(["gs", "--version"]),
        "rsvg-convert": _cmd_version(["rsvg-convert", "--version"]),
        "fontconfig": _cmd_version(["fc-match", "--version"]),
        "python": sys.version.split()[0],
    }
    try:
        import playwright
        from importlib.metadata import version
        out["playwright"] = version("playwright")
        del playwright
    except Exception:
        out["playwright"] = "missing"
    out["fonts"] = {family: _cmd_version(["fc-match", "-f", "%{file} (%{fontversion})", family])
                    for family in ("DejaVu Sans", "DejaVu Serif", "Liberation Sans", "Liberation Serif",
                                   "Open Sans", "Lato", "Inter")}
    pk = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *PACKAGES], capture_output=True,
                        text=True)
    out["debian_packages"] = dict(line.split(" ", 1) for line in pk.stdout.splitlines() if " " in line)
    return out


# --------------------------------------------------------------------------- driver
def render(selected: list[plan.Pair], out: Path = DEFAULT_OUT, *, jobs: int = 2, force: bool = False,
           log=print) -> dict:
    """Render every image the pairs need into ``out``; returns the metadata written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stamps_path = out / "stamps.json"
    stamps: dict[str, str] = {}
    if stamps_path.exists() and not force:
        stamps = json.loads(stamps_path.read_text(encoding="utf-8"))
    todo: list[Side] = []
    wanted: dict[str, str] = {}
    for side in plan.sides(selected):
        stamp = _stamp(side)
        wanted[side.key] = stamp
        if force or stamps.get(side.key) != stamp or not image_path(out, side).exists():
            todo.append(side)
    log(f"render: {len(wanted)} images needed, {len(todo)} to draw")
    t0 = time.perf_counter()
    meta_path = out / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    meta.setdefault("matplotlib", {})
    workdir = Path(tempfile.mkdtemp(prefix="crossmachine-"))
    try:
        if todo:
            _render_sides(todo, out, workdir, jobs, meta, log)
        stamps.update({s.key: wanted[s.key] for s in todo})
        stamps_path.write_text(json.dumps(stamps, indent=0, sort_keys=True), encoding="utf-8")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    meta["renderers"] = versions()
    meta["settings"] = {k: s.to_dict() for k, s in plan.SETTINGS.items()}
    meta["chromium_args"] = list(CHROMIUM_ARGS)
    meta["pdf_dpi"] = plan.PDF_DPI
    meta["render_seconds_last_run"] = round(time.perf_counter() - t0, 1)
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    log(f"render: done in {meta['render_seconds_last_run']} s -> {out}")
    return meta


def _render_sides(todo: list[Side], out: Path, workdir: Path, jobs: int, meta: dict, log) -> None:
    by_family: dict[Family, list[Side]] = {}
    for s in todo:
        by_family.setdefault(plan.CONTENTS[s.content].family, []).append(s)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs - 1))
    futures: list[Future] = []
    try:
        # matplotlib PNGs (one interpreter per environment and backend), in the background
        mpl_groups: dict[tuple[str, str], list[dict]] = {}
        for s in by_family.get(Family.MPL, []):
            st = plan.SETTINGS[s.setting]
            mpl_groups.setdefault((st.mpl_env, st.mpl_backend), []).append(
                {"content": s.content, "change": s.change, "out": str(image_path(out, s)), "format": "png"})
        mpl_futures: dict[str, Future] = {}
        for (env, backend), jobs_ in mpl_groups.items():
            mpl_futures[f"{env}/{backend}"] = pool.submit(run_mpl, env, backend, jobs_, workdir,
                                                          out / "mplconfig" / env)
        # SVG by librsvg, in the background
        svg_chromium: list[Side] = []
        for s in by_family.get(Family.SVG, []):
            kind, text = _source(s)
            src = _src_path(out, s, "svg")
            src.parent.mkdir(parents=True, exist_ok=True)
            src.write_text(text, encoding="utf-8")
            if s.setting == "rsvg":
                futures.append(pool.submit(rsvg, src, image_path(out, s)))
            else:
                svg_chromium.append(s)
        # documents: make each PDF once, then rasterise it in the background
        pdf_sides = by_family.get(Family.PDF, [])
        pdfs: dict[tuple[str, str | None], Path] = {}
        html_docs: list[Side] = []
        mpl_docs: list[Side] = []
        for s in pdf_sides:
            key = (s.content, s.change)
            if key in pdfs:
                continue
            pdfs[key] = _src_path(out, s, "pdf")
            (html_docs if s.content in contents_doc.CONTENTS else mpl_docs).append(s)
        if mpl_docs:
            doc_jobs = [{"content": s.content, "change": s.change, "out": str(pdfs[(s.content, s.change)]),
                      "format": "pdf"} for s in mpl_docs]
            meta["matplotlib"]["mpl-current/pdf"] = run_mpl("mpl-current", "pdf", doc_jobs, workdir,
                                                            out / "mplconfig" / "mpl-current")
        # Chromium: PDFs first (so rasterising can start), then one browser per setting
        chromium_sides: dict[str, list[Side]] = {}
        for s in by_family.get(Family.HTML, []) + svg_chromium:
            chromium_sides.setdefault(s.setting, []).append(s)
        # documents are printed by the CI-default browser, which then also takes that setting's screenshots
        ci_browser: Chromium | None = None
        if html_docs:
            ci_browser = Chromium(plan.SETTINGS["chromium-ci"], workdir)
            try:
                for s in html_docs:
                    src = _src_path(out, s, "html")
                    src.parent.mkdir(parents=True, exist_ok=True)
                    src.write_text(_source(s)[1], encoding="utf-8")
                    ci_browser.pdf(src.as_uri(), pdfs[(s.content, s.change)])
            except BaseException:
                ci_browser.close()
                raise
        for s in pdf_sides:
            futures.append(pool.submit(rasterise_pdf, plan.SETTINGS[s.setting].renderer,
                                       pdfs[(s.content, s.change)], image_path(out, s)))
        if ci_browser is not None and "chromium-ci" not in chromium_sides:
            ci_browser.close()
        for setting_id, shots in chromium_sides.items():
            if setting_id == "chromium-ci" and ci_browser is not None:
                browser = ci_browser
            else:
                browser = Chromium(plan.SETTINGS[setting_id], workdir)
            try:
                for s in shots:
                    kind, text = _source(s)
                    if kind == "html":
                        src = _src_path(out, s, "html")
                        src.parent.mkdir(parents=True, exist_ok=True)
                        src.write_text(text, encoding="utf-8")
                        size = contents_html.viewport(s.content)
                    else:
                        src = _src_path(out, s, "svg")
                        size = contents_svg.size_of(s.content)
                    browser.screenshot(src.as_uri(), size, image_path(out, s))
            finally:
                browser.close()
            log(f"render: chromium {setting_id}: {len(shots)} images")
        for f in futures:
            f.result()
        for mpl_key, mpl_fut in mpl_futures.items():
            meta["matplotlib"][mpl_key] = mpl_fut.result()
    finally:
        pool.shutdown(wait=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--jobs", type=int, default=2, help="processes at once (default 2; the machine is shared)")
    ap.add_argument("--only", nargs="*", default=None, help="render only pairs whose id contains one of these")
    ap.add_argument("--force", action="store_true", help="redraw every image")
    args = ap.parse_args(argv)
    selected = plan.pairs()
    if args.only:
        selected = [p for p in selected if any(s in p.id for s in args.only)]
    render(selected, args.out, jobs=args.jobs, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write a :class:`~territoria.report.document.Document` as HTML, PDF or XLSX.

HTML embeds plotly.js from the installed plotly package (no CDN; the file opens offline). PDF is the
HTML printed by headless Chromium (``--print-to-pdf``): the charts are drawn by plotly.js in the
browser and printed as vectors. XLSX has a sheet per table. Column headers are in the document's
language (:func:`territoria.report.messages.headers`); numbers use its decimal separator.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from territoria.errors import TerritoriaError
from territoria.report.document import Document
from territoria.report.i18n import words
from territoria.report.messages import headers, number
from territoria.store.export import neutralise_formulas

__all__ = ["CHROMIUM_FLAGS", "chromium_path", "plotly_js_path", "to_html", "to_pdf", "to_xlsx", "write"]

#: Flags of every headless Chromium run: no sandbox (containers), no network services, no first-run UI.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def plotly_js_path() -> Path:
    """The plotly.min.js shipped inside the installed plotly package."""
    return Path(str(resources.files("plotly").joinpath("package_data/plotly.min.js")))


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    return plotly_js_path().read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("territoria.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]))
    return env.get_template("report.html")


def _fmt(value: Any, lang: str = "en") -> str:
    """A table cell: integers as they are, thousands grouped, a decimal comma in ru and kk."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1000:
            return str(int(value)).replace("-", "−")
        if abs(value) >= 1000:
            return number(value, lang, ",.0f")
        return number(value, lang, ".3g" if abs(value) < 10 else ".1f")
    return str(value)


def to_html(doc: Document, *, inline_js: bool = True, static: bool = False) -> str:
    """The document as one HTML page; ``inline_js`` embeds plotly.js, ``static`` draws non-interactive
    charts (for printing)."""
    sections = []
    config = {"staticPlot": static, "displaylogo": False, "responsive": not static}
    for s in doc.sections:
        item = s.to_dict(doc.lang)
        item["figure"] = s.figure.to_html(full_html=False, include_plotlyjs=False, config=config) \
            if s.figure is not None else None
        sections.append(item)
    return _template().render(doc=doc, sections=sections, words=words(doc.lang),
                              fmt=lambda v: _fmt(v, doc.lang),
                              plotly_js=_plotly_js() if inline_js else None,
                              generated=dt.date.today().isoformat())


def chromium_path() -> str:
    """Debian's Chromium (``TERRITORIA_CHROMIUM`` overrides); raises when none is installed."""
    for candidate in (os.environ.get("TERRITORIA_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    raise TerritoriaError("PDF output needs Chromium: install it (apt-get install chromium) or set "
                          "TERRITORIA_CHROMIUM to its path")


def to_pdf(html: str, path: str | Path, *, timeout: float = 90.0) -> Path:
    """Print ``html`` to a PDF file with headless Chromium (charts rendered by plotly.js first)."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="territoria-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        cmd = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
               "--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw",
               f"--print-to-pdf={path}", page.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TerritoriaError(f"{path}: Chromium did not finish printing within {timeout:.0f} s") from None
    if not path.exists() or path.stat().st_size == 0:
        raise TerritoriaError(f"{path}: Chromium wrote no PDF (exit {done.returncode}): {done.stderr[-400:]}")
    return path


def to_xlsx(doc: Document, path: str | Path) -> Path:
    """One sheet per table of the document, plus a first sheet with the title and every text line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [[doc.title], [doc.subtitle]]
    for s in doc.sections:
        lines += [[""], [s.title], *[[line] for line in s.text]]
    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        neutralise_formulas(pd.DataFrame(lines)).to_excel(book, sheet_name="summary", index=False, header=False)
        for s in doc.sections:
            if s.table is None:
                continue
            name = s.id[:31]
            while name in used:
                name = name[:28] + f"_{len(used)}"
            used.add(name)
            table = neutralise_formulas(s.table.set_axis(headers(s.table.columns, doc.lang), axis=1))
            table.to_excel(book, sheet_name=name, index=False)
    return path


def write(doc: Document, path: str | Path) -> Path:
    """Write by suffix: ``.html``, ``.pdf`` or ``.xlsx``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_html(doc), encoding="utf-8")
        return path
    if suffix == ".pdf":
        return to_pdf(to_html(doc, static=True), path)
    if suffix == ".xlsx":
        return to_xlsx(doc, path)
    raise TerritoriaError(f"{path}: unsupported report format {suffix!r}; use .html, .pdf or .xlsx")

"""Write a :class:`~territoria.report.document.Document` as HTML, PDF or XLSX.

HTML embeds plotly.js from the installed plotly package (no CDN; the file opens offline). PDF is the
HTML printed by headless Chromium (``--print-to-pdf``): the charts are drawn by plotly.js in the
browser and printed as vectors. XLSX has a sheet per table. Column headers are in the document's
language (:func:`territoria.report.messages.headers`); numbers use its decimal separator.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import docx
import jinja2
import markupsafe
import pandas as pd
import plotly.graph_objects as go
from docx.shared import Mm, Pt

from territoria.errors import TerritoriaError
from territoria.report.document import Document, frame_to_json
from territoria.report.i18n import words
from territoria.report.messages import Translator, headers, number
from territoria.store.export import neutralise_formulas

__all__ = ["CHROMIUM_FLAGS", "PAGE_WIDTH_PX", "chromium_path", "figure_png", "inline_code", "plain_text",
           "plotly_js_path", "split_years", "to_docx", "to_html", "to_pdf", "to_xlsx", "write"]

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


#: Width of the printed text in CSS pixels (96 dpi) of an A4 page less its 12 mm side margins.
PAGE_WIDTH_PX = {"portrait": 700, "landscape": 1030}
_YEAR = re.compile(r"^\d{4}$")
_CODE = re.compile(r"`([^`]+)`")
_CHAR_PX = 6.2  # a digit or a letter of the tables' 10 px DejaVu Sans, with some room
_CELL_PX = 14   # a cell's padding and border
_WRAP_CHARS = 18  # a text column wraps; it is counted at most this wide


def inline_code(text: Any) -> markupsafe.Markup:
    """A text line as HTML: escaped, with its `inline code` (between backticks) as ``<code>``."""
    escaped = str(markupsafe.escape("" if text is None else text))
    return markupsafe.Markup(_CODE.sub(r"<code>\1</code>", escaped))


def plain_text(text: Any) -> str:
    """A text line for a file without markup (XLSX, DOCX): the backticks of inline code taken out."""
    return _CODE.sub(r"\1", "" if text is None else str(text))


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (for the page's running header); every character that could end
    the string or the style element is escaped."""
    return '"' + "".join(c if c.isalnum() or c in " ·,.-()" else f"\\{ord(c):x} " for c in text) + '"'


def _column_px(values: list[Any], head: str, lang: str, *, wraps: bool) -> float:
    chars = max([len(_fmt(v, lang)) for v in values] + [len(head) if not wraps else min(len(head), 12)])
    return min(chars, _WRAP_CHARS) * _CHAR_PX + _CELL_PX if wraps else chars * _CHAR_PX + _CELL_PX


def split_years(table: dict[str, Any], *, lang: str = "en", width: float = PAGE_WIDTH_PX["landscape"]
                ) -> list[dict[str, Any]]:
    """A table (:func:`territoria.report.document.frame_to_json`) as parts that fit ``width`` pixels.

    Columns named by a year (``"2015"``) are cut into consecutive runs of years, as even as possible;
    the other columns (block, name, unit of measure...) are repeated in every part. A part leaves out the
    rows without a value in its years and its caption says how many. A table that fits, or has fewer
    than two year columns, is one part without a caption. Each part: ``caption``, ``headers``, ``rows``.
    """
    columns = [str(c) for c in table["columns"]]
    heads = table.get("headers") or columns
    rows = table["rows"]
    years = [i for i, c in enumerate(columns) if _YEAR.match(c)]
    whole = [{"caption": None, "headers": heads, "rows": rows}]
    if len(years) < 2:
        return whole
    keys = [i for i in range(len(columns)) if i not in years]
    key_px = sum(_column_px([r[i] for r in rows], heads[i], lang, wraps=not all(
        isinstance(r[i], (int, float)) or r[i] is None for r in rows)) for i in keys)
    widths = {i: _column_px([r[i] for r in rows], heads[i], lang, wraps=False) for i in years}
    room = width - key_px
    if sum(widths.values()) <= room:
        return whole
    greedy: list[list[int]] = [[]]
    for i in years:  # as many years a part as fit; a year column wider than the room still gets its part
        if greedy[-1] and sum(widths[j] for j in greedy[-1]) + widths[i] > room:
            greedy.append([])
        greedy[-1].append(i)
    size = -(-len(years) // len(greedy))  # the same parts as even as possible, when they fit too
    even = [years[k:k + size] for k in range(0, len(years), size)]
    chunks = even if len(even) == len(greedy) and all(sum(widths[j] for j in c) <= room for c in even) else greedy
    tr = Translator(lang)
    parts = []
    for chunk in chunks:
        kept = [r for r in rows if any(r[i] is not None for i in chunk)]
        cols = keys + chunk
        parts.append({"caption": tr.text("report.years_part", {"first": columns[chunk[0]], "last": columns[chunk[-1]],
                                                              "left": len(rows) - len(kept)}),
                      "headers": [heads[i] for i in cols], "rows": [[r[i] for i in cols] for r in kept]})
    return parts


def _fits(table: dict[str, Any], lang: str, width: float) -> bool:
    return len(split_years(table, lang=lang, width=width)) == 1


def to_html(doc: Document, *, inline_js: bool = True, static: bool = False) -> str:
    """The document as one HTML page; ``inline_js`` embeds plotly.js, ``static`` draws non-interactive
    charts and lays the page out for printing: a table with more year columns than an A4 page holds
    goes on landscape pages, cut into runs of years (:func:`split_years`)."""
    sections = []
    config = {"staticPlot": static, "displaylogo": False, "responsive": not static}
    for s in doc.sections:
        item = s.to_dict(doc.lang)
        item["figure"] = s.figure.to_html(full_html=False, include_plotlyjs=False, config=config) \
            if s.figure is not None else None
        item["wide"] = False
        table = item["table"]
        if table is None:
            item["parts"] = []
        elif static and not _fits(table, doc.lang, PAGE_WIDTH_PX["portrait"]):
            item["wide"] = True
            item["parts"] = split_years(table, lang=doc.lang, width=PAGE_WIDTH_PX["landscape"])
        else:
            item["parts"] = [{"caption": None, "headers": table.get("headers") or table["columns"],
                              "rows": table["rows"]}]
        sections.append(item)
    today = dt.date.today().isoformat()
    app_word = words(doc.lang)["app"]
    return _template().render(doc=doc, sections=sections, words=words(doc.lang),
                              fmt=lambda v: _fmt(v, doc.lang), inline=inline_code,
                              plotly_js=_plotly_js() if inline_js else None, generated=today,
                              running_header=markupsafe.Markup(_css_string(f"{app_word} · {doc.title}")),
                              running_date=markupsafe.Markup(_css_string(today)))


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
    return _chromium(html, path, ["--no-pdf-header-footer", "--virtual-time-budget=15000",
                                  "--run-all-compositor-stages-before-draw", f"--print-to-pdf={path}"],
                     timeout=timeout, what=("finish printing", "PDF"))


def _chromium(html: str, path: Path, flags: list[str], *, timeout: float, what: tuple[str, str]) -> Path:
    """Open ``html`` in headless Chromium with ``flags`` (which write ``path``); errors name the file."""
    with tempfile.TemporaryDirectory(prefix="territoria-chromium-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        cmd = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", *flags, page.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TerritoriaError(f"{path}: Chromium did not {what[0]} within {timeout:.0f} s") from None
    if not path.exists() or path.stat().st_size == 0:
        raise TerritoriaError(f"{path}: Chromium wrote no {what[1]} (exit {done.returncode}): {done.stderr[-400:]}")
    return path


def to_xlsx(doc: Document, path: str | Path) -> Path:
    """One sheet per table of the document, plus a first sheet with the title and every text line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [[doc.title], [doc.subtitle]]
    for s in doc.sections:
        lines += [[""], [s.title], *[[plain_text(line)] for line in s.text]]
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


def figure_png(figure: go.Figure, path: str | Path, *, width: int = 900, timeout: float = 60.0) -> Path:
    """A Plotly figure as a PNG picture: drawn by plotly.js in headless Chromium and captured
    (``--screenshot``), at the figure's height (or 450 px) and ``width`` CSS pixels."""
    path = Path(path).resolve()
    height = int(figure.layout.height or 450)
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><script>' + _plotly_js() +
            '</script></head><body style="margin:0;background:#fff">' +
            figure.to_html(full_html=False, include_plotlyjs=False, default_width=f"{width}px",
                           default_height=f"{height}px", config={"staticPlot": True}) + "</body></html>")
    return _chromium(page, path, ["--hide-scrollbars", f"--window-size={width},{height}",
                                  "--virtual-time-budget=10000", f"--screenshot={path}"],
                     timeout=timeout, what=("draw the chart", "picture"))


def to_docx(doc: Document, path: str | Path) -> Path:
    """A Word document (python-docx): the title, each section's heading, its lines, its chart as a
    picture (:func:`figure_png`) and its table (cut into runs of years that fit the page, as in the PDF)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = docx.Document()
    page = book.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.left_margin = page.right_margin = Mm(15)
    book.styles["Normal"].font.size = Pt(10)
    book.core_properties.title = doc.title
    book.core_properties.language = doc.lang
    book.add_heading(doc.title, level=0)
    book.add_paragraph(doc.subtitle)
    with tempfile.TemporaryDirectory(prefix="territoria-docx-") as tmp:
        for number_, s in enumerate(doc.sections):
            book.add_heading(s.title, level=1)
            for line in s.text:
                book.add_paragraph(plain_text(line))
            if s.figure is not None:
                book.add_picture(str(figure_png(s.figure, Path(tmp) / f"figure_{number_}.png")), width=Mm(175))
            if s.table is None:
                continue
            for part in split_years(frame_to_json(s.table, doc.lang), lang=doc.lang, width=PAGE_WIDTH_PX["portrait"]):
                if part["caption"]:
                    book.add_paragraph(part["caption"]).runs[0].bold = True
                table = book.add_table(rows=1, cols=len(part["headers"]))
                table.style = "Table Grid"
                for cell, head in zip(table.rows[0].cells, part["headers"], strict=True):
                    cell.text = str(head)
                    cell.paragraphs[0].runs[0].bold = True
                for row in part["rows"]:
                    for cell, value in zip(table.add_row().cells, row, strict=True):
                        cell.text = _fmt(value, doc.lang)
        book.save(str(path))
    return path


def write(doc: Document, path: str | Path) -> Path:
    """Write by suffix: ``.html``, ``.pdf``, ``.xlsx`` or ``.docx``."""
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
    if suffix == ".docx":
        return to_docx(doc, path)
    raise TerritoriaError(f"{path}: unsupported report format {suffix!r}; use .html, .pdf, .xlsx or .docx")

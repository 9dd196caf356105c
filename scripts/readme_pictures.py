"""Make the README's pictures (docs/img/) from the bundled real data: one picture of each output.

    PYTHONPATH=src .venv/bin/python scripts/readme_pictures.py [--out docs/img] [--keep WORKDIR]

Needs Chromium (``/usr/bin/chromium`` or TERRITORIA_CHROMIUM), Playwright (the Python package only: it drives
that Chromium) and pdftoppm (poppler-utils). Not part of ``make test``: it takes a few minutes.

* ``terminal.png`` — ``territoria units --level region --lang ru`` printed at 100 columns, recorded by Rich
  (``Console(record=True).save_svg``) and the SVG photographed by Chromium;
* ``workbook.png`` — the first rows of that command's ``-o units.xlsx``: an HTML rendering of the workbook
  made here from the cells' values, number formats, widths, bold header, frozen panes and filter (LibreOffice
  is not at hand), photographed by Chromium;
* ``profile.png``, ``summary.png`` — the first page of the PDF region profile (North Kazakhstan) and of the
  summary report (``pdftoppm``);
* ``chart.png`` — the block scores of North Kazakhstan against the mean of the regions (report/charts.py radar);
* ``map.png`` — the regions coloured by grade (``territoria map``);
* ``web.png`` — the overview page in Russian (``territoria serve --local``), photographed by Playwright.

Every picture is kept under 200 KB (PNG quantised to a palette; a larger one is refused).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from PIL import Image
from playwright.sync_api import Browser, sync_playwright
from typer.testing import CliRunner

from territoria.interfaces.cli import app
from territoria.interfaces.cli.app import console as cli_console
from territoria.report.formats import format_number
from territoria.report.render import chromium_path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 200_000
REGION = "590000000"  # North Kazakhstan region, the seeds' region
TERMINAL_ARGS = ["units", "--level", "region", "--lang", "ru"]


def run(db: Path, *args: str, columns: int = 100) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"COLUMNS": str(columns)})
    if result.exit_code != 0:
        raise SystemExit(f"territoria {' '.join(args)} failed:\n{result.output}\n{result.exception!r}")
    return result.output


def small_png(source: Path, target: Path, *, width: int | None = None) -> Path:
    """``source`` as a palette PNG (optionally scaled to ``width``) no larger than :data:`LIMIT`."""
    image = Image.open(source).convert("RGB")
    if width is not None and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    if target.stat().st_size > LIMIT:
        raise SystemExit(f"{target}: {target.stat().st_size} bytes, over the {LIMIT} byte limit")
    return target


def shoot(browser: Browser, url: str, path: Path, *, width: int, selector: str | None = None,
          wait: str = "load", pause_ms: int = 0, sign_in: str | None = None) -> Path:
    page = browser.new_page(viewport={"width": width, "height": 800}, device_scale_factor=1)
    if sign_in is not None:
        page.goto(sign_in, wait_until="load", timeout=120_000)
    page.goto(url, wait_until=wait, timeout=120_000)
    if pause_ms:
        page.wait_for_timeout(pause_ms)
    (page.locator(selector).first if selector else page).screenshot(path=str(path), **(
        {} if selector else {"full_page": False}))
    page.close()
    return path


def terminal(db: Path, work: Path, browser: Browser, out: Path) -> None:
    console = cli_console
    console.record = True
    console._record_buffer.clear()  # Rich keeps what was printed before
    run(db, *TERMINAL_ARGS)
    svg = work / "terminal.svg"
    console.save_svg(str(svg), title="territoria " + " ".join(TERMINAL_ARGS))
    console.record = False
    shoot(browser, svg.as_uri(), work / "terminal.png", width=1400, selector="svg")
    small_png(work / "terminal.png", out / "terminal.png", width=1000)


def _shown(cell: openpyxl.cell.Cell) -> tuple[str, str]:
    """A cell's text as the number format shows it, and its alignment."""
    value, fmt = cell.value, cell.number_format
    if value is None:
        return "", "left"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "center"
    if isinstance(value, (int, float)):
        if fmt.startswith("#,##0"):
            places = len(fmt.split(".")[1]) if "." in fmt else 0
            return format_number(value, places).replace(",", "\u00a0"), "right"
        return str(value), "right"
    return str(value), "left"


def workbook_html(path: Path, rows: int = 14) -> str:
    """The first ``rows`` of the workbook's first sheet drawn as a spreadsheet grid, with its formats."""
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    frozen_col = ws.freeze_panes[0] if ws.freeze_panes else "A"
    frozen = openpyxl.utils.column_index_from_string(frozen_col) - 1
    ncol = ws.max_column
    widths = [round((ws.column_dimensions[get_column_letter(j)].width or 8) * 7.5) for j in range(1, ncol + 1)]
    head = "".join(f'<th style="width:{w}px">{get_column_letter(j)}</th>' for j, w in enumerate(widths, start=1))
    body = []
    for i, row in enumerate(ws.iter_rows(min_row=1, max_row=rows), start=1):
        cells = []
        for j, cell in enumerate(row, start=1):
            text, align = _shown(cell)
            classes = ["h"] if i == 1 else []
            if j == frozen:
                classes.append("fc")
            text = f'{html.escape(text)}<span class="f">▾</span>' if i == 1 else html.escape(text)
            cells.append(f'<td class="{" ".join(classes)}" style="text-align:{align}">{text}</td>')
        body.append(f'<tr class="{"fr" if i == 1 else ""}"><th>{i}</th>{"".join(cells)}</tr>')
    tabs = "".join(f'<span class="{"on" if k == 0 else ""}">{html.escape(n)}</span>'
                   for k, n in enumerate(book.sheetnames))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body{{margin:0;font:13px Calibri,Carlito,'DejaVu Sans',sans-serif;background:#fff}}
.bar{{background:#217346;color:#fff;padding:6px 10px;font-size:13px}}
table{{border-collapse:collapse;table-layout:fixed}}
th{{background:#f3f3f3;color:#555;font-weight:normal;border:1px solid #d4d4d4;padding:1px 4px;font-size:12px}}
td{{border:1px solid #e1e1e1;padding:1px 4px;white-space:nowrap;overflow:hidden;text-overflow:clip}}
td.h{{background:#ddd;font-weight:bold;position:relative;padding-right:16px}}
td.fc{{border-right:2px solid #999}} tr.fr td{{border-bottom:2px solid #999}}
.f{{position:absolute;right:2px;top:1px;font-size:10px;border:1px solid #aaa;background:#fff;padding:0 2px}}
.tabs{{background:#f3f3f3;border-top:1px solid #ccc;padding:4px 8px}}
.tabs span{{padding:3px 12px;margin-right:4px;color:#555}} .tabs span.on{{background:#fff;color:#217346;
border-bottom:2px solid #217346;font-weight:bold}}
#book{{display:inline-block}}
</style></head><body><div id="book"><div class="bar">{html.escape(path.name)}</div><div id="sheet"><table>
<tr><th style="width:32px"></th>{head}</tr>{"".join(body)}</table>
<div class="tabs">{tabs}</div></div></div></body></html>"""


def workbook(db: Path, work: Path, browser: Browser, out: Path) -> None:
    book = work / "units.xlsx"
    run(db, *TERMINAL_ARGS, "-o", str(book))
    page = work / "workbook.html"
    page.write_text(workbook_html(book), encoding="utf-8")
    shoot(browser, page.as_uri(), work / "workbook.png", width=1400, selector="#book")
    small_png(work / "workbook.png", out / "workbook.png", width=1000)


def pdf_page(pdf: Path, target: Path) -> None:
    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True)
    small_png(stem.with_suffix(".png"), target)


def pdfs(db: Path, work: Path, out: Path) -> None:
    run(db, "report", "profile", REGION, "--lang", "ru", "-o", str(work / "profile.pdf"))
    pdf_page(work / "profile.pdf", out / "profile.png")
    run(db, "report", "summary", "--lang", "ru", "-o", str(work / "summary.pdf"))
    pdf_page(work / "summary.pdf", out / "summary.png")


def chart(db: Path, work: Path, out: Path) -> None:
    from territoria.report import service
    from territoria.report.charts import radar
    from territoria.report.i18n import t
    from territoria.report.messages import term
    from territoria.report.render import figure_png
    from territoria.store import Store

    with Store(db, read_only=True) as store:
        result = service.assessment(store, unit=REGION)
        name = str(store.units(codes=[REGION]).loc[REGION, "name_ru"])
    blocks = [c for c in result.aggregates if c != result.root]
    scores = result.tables["aggregated"]
    if "year" in scores.index.names:
        scores = scores.xs(scores.index.get_level_values("year").max(), level="year")
    fig = radar({b: float(scores.loc[REGION, b]) for b in blocks},
                reference={b: float(scores[b].mean()) for b in blocks}, name=name,
                reference_name=t("national_mean", "ru"), labels={b: term("block", b, "ru") for b in blocks},
                title=f"{name}: {term('spec', result.spec.name, 'ru')}")
    figure_png(fig, work / "chart.png", width=720)
    small_png(work / "chart.png", out / "chart.png")


def geomap(db: Path, work: Path, out: Path) -> None:
    run(db, "map", "-o", str(work / "map.png"), "--lang", "ru")
    small_png(work / "map.png", out / "map.png", width=1000)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(db: Path, work: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    log = (work / "serve.log").open("w")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", "from territoria.interfaces.cli import main; main()", "--db",
                             str(db), "serve", "--local", "--port", str(port)], stdout=log, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/api/health", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers (a refusal without a sign-in is an answer)
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"the web server did not start: see {work / 'serve.log'}")
        log.flush()
        link = next((w for w in (work / "serve.log").read_text(encoding="utf-8").split() if "/login/token?" in w),
                    None)
        if link is None:
            raise SystemExit(f"the local server printed no sign-in link: see {work / 'serve.log'}")
        yield url, link
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def web(db: Path, work: Path, browser: Browser, out: Path) -> None:
    with server(db, work) as (url, link):
        shoot(browser, f"{url}/?lang=ru", work / "web.png", width=1280, wait="networkidle", pause_ms=3000,
              sign_in=link)
    small_png(work / "web.png", out / "web.png", width=1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--keep", type=Path, default=None, help="Work in this folder and keep it.")
    parser.add_argument("--only", nargs="*", default=None,
                        help="terminal workbook pdf chart map web (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="territoria-pictures-"))
    work.mkdir(parents=True, exist_ok=True)
    only = set(args.only or ["terminal", "workbook", "pdf", "chart", "map", "web"])
    db = work / "bundled.duckdb"
    if not db.exists():
        run(db, "load-bundled")
    try:
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            if "terminal" in only:
                terminal(db, work, browser, args.out)
            if "workbook" in only:
                workbook(db, work, browser, args.out)
            if "web" in only:
                web(db, work, browser, args.out)
            browser.close()
        if "pdf" in only:
            pdfs(db, work, args.out)
        if "chart" in only:
            chart(db, work, args.out)
        if "map" in only:
            geomap(db, work, args.out)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    for picture in sorted(args.out.glob("*.png")):
        print(f"{picture}: {picture.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()

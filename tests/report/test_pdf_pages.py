"""A region's profile printed to PDF (bundled real data), checked page by page as images and as text:
no table cut at the page's edge, page numbers "n / N", the last year columns present, headings never
alone at a page's foot, no raw backticks, the first page summarising the unit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from territoria.report import service
from territoria.report.document import profile_document
from territoria.report.render import write
from territoria.store import Store

NKO = "590000000"  # North Kazakhstan Region: series from 2000 to 2025
HAVE_TOOLS = shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None and (
    shutil.which("chromium") is not None or os.path.exists("/usr/bin/chromium"))
pytestmark = pytest.mark.skipif(not HAVE_TOOLS, reason="needs chromium and poppler-utils (pdftoppm, pdftotext)")


def pdf_pages(pdf: Path, folder: Path, *, dpi: int = 40) -> tuple[list[np.ndarray], list[str]]:
    """Every page of ``pdf`` as a grey image (0 black … 1 white) and as its text layer (``-layout``)."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(folder / "page")], check=True)
    images = [np.asarray(mpimg.imread(p), dtype=float) for p in sorted(folder.glob("page-*.png"))]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    return images, pages[:len(images)]


def edge_ink(image: np.ndarray) -> tuple[int, int]:
    """Ink (pixels darker than the tables' light grey borders) where no content may be:

    * right: the last 2 % of the text width, which the printed body keeps free (report.html), and the
      right margin, between the top and the bottom margins (the running header and the page number end
      at the text's right edge). Chromium cuts what overflows at the text's edge, so a table or a chart
      wider than the page leaves ink here;
    * bottom: the last 1.5 % of the page, below the page number.

    Margins (report.html): 16 mm top, 12 mm sides, 14 mm bottom, on A4 portrait or landscape.
    """
    h, w = image.shape[:2]
    grey = image if image.ndim == 2 else image[..., :3].mean(axis=2)
    ink = grey < 0.9
    width_mm, height_mm = (210, 297) if h >= w else (297, 210)
    text_right = 1 - 12 / width_mm
    free = 0.01 * (width_mm - 24) / width_mm  # half the body's 2 %: its edge is anti-aliased
    top, bottom = int(h * 16 / height_mm), int(h * (1 - 14 / height_mm))
    right = ink[top:bottom, int(w * (text_right - free)):]
    return int(right.sum()), int(ink[int(h * 0.985):, :].sum())


def check_pages(images: list[np.ndarray], pages: list[str], titles: list[str]) -> int:
    """The checks every printed report passes; returns the number of pages."""
    n = len(images)
    assert n == len(pages) >= 2
    for i, (image, text) in enumerate(zip(images, pages, strict=True), start=1):
        assert edge_ink(image) == (0, 0), f"page {i}: ink at the right or bottom edge (a cut table or chart)"
        assert (image < 0.6).mean() > 0.002, f"page {i} is blank"
        assert re.search(rf"\b{i}\s*/\s*{n}\b", text), f"page {i}: no page number '{i} / {n}'"
        assert "`" not in text, f"page {i}: raw backticks"
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = [line for line in lines if not re.fullmatch(rf"{i}\s*/\s*{n}", line)]
        assert body[-1] not in titles, f"page {i} ends with the heading {body[-1]!r} alone"
    return n


@pytest.fixture(scope="module")
def printed(bundled_store_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("profile_pdf")
    with Store(bundled_store_path, read_only=True) as store:
        doc = profile_document(store, NKO, lang="ru", result=service.assessment(store))
    pdf = write(doc, folder / "profile.pdf")
    images, pages = pdf_pages(pdf, folder)
    return doc, images, pages


def test_every_page_is_whole_numbered_and_no_heading_is_left_alone(printed):
    doc, images, pages = printed
    n = check_pages(images, pages, [s.title for s in doc.sections])
    assert n >= 5
    # the running header names the report on every page
    assert all(doc.title in page.splitlines()[0] for page in pages)


def test_the_indicator_table_has_every_year_on_landscape_pages(printed):
    doc, images, pages = printed
    years = [c for c in doc.section("table").table.columns if str(c).isdigit()]
    assert years[0] == "2000" and years[-1] == "2025"
    text = "\n".join(pages)
    for year in years:  # every year column is printed (the table used to stop at 2012)
        assert re.search(rf"\b{year}\b", text), year
    wide = [i for i, image in enumerate(images) if image.shape[1] > image.shape[0]]
    assert wide, "the indicator × year table is on landscape pages"
    table_pages = [pages[i] for i in wide]
    assert any("2025" in page for page in table_pages) and any("2000" in page for page in table_pages)
    # the parts are captioned by their years, and say how many rows without a value they leave out
    assert re.search(r"2000–\d{4} гг\.", text) and re.search(r"\d{4}–2025 гг\.", text)


def test_the_first_page_summarises_the_unit(printed):
    doc, _, pages = printed
    first = " ".join(pages[0].split())  # the words of the page, wrapped lines joined
    overview = doc.section("overview")
    assert doc.sections[0] is overview
    assert "Кратко" in first and "место 14 из 14" in first
    assert "в 90 из 100 правдоподобных вариантов метода" in first
    assert "кризисный" in first and "Упадок" in first  # grade on its scale, and the status
    items = overview.table.set_index("item")["value"]
    assert len(items["Три самых слабых места"].split("\n")) == 3
    assert items["Пакет механизмов"].startswith("краткосрочный (2022–2030)")
    # the rest of the profile starts on the next page, under the running header
    second = [line.strip() for line in pages[1].splitlines() if line.strip()]
    assert second[1] == "Статус"

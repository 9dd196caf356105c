"""The ranking report printed to PDF (bundled real data, Kazakh): whole pages, numbered, the table of the
regions not cut (its eleven columns fit the portrait page)."""

from __future__ import annotations

import pytest
from test_pdf_pages import HAVE_TOOLS, check_pages, pdf_pages

from territoria.report import service
from territoria.report.document import ranking_document
from territoria.report.render import write
from territoria.store import Store

pytestmark = pytest.mark.skipif(not HAVE_TOOLS, reason="needs chromium and poppler-utils (pdftoppm, pdftotext)")


def test_ranking_pdf_pages_are_whole_and_numbered(bundled_store_path, tmp_path):
    with Store(bundled_store_path, read_only=True) as store:
        doc = ranking_document(store, lang="kk", result=service.assessment(store))
    images, pages = pdf_pages(write(doc, tmp_path / "ranking.pdf"), tmp_path)
    check_pages(images, pages, [s.title for s in doc.sections])
    first = " ".join(pages[0].split())
    # the table's last column (the environmental block) is printed for every region, with its header
    table = doc.section("ranking").table
    last = table.columns[-1]
    assert last == "environmental" and "экология" in first
    for code, value in zip(table["unit"], table[last], strict=True):
        assert f"{value:.1f}".replace(".", ",") in first and code in first
    assert all(image.shape[0] > image.shape[1] for image in images)  # no table needed a landscape page

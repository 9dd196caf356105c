"""Reports on the bundled real data: the service composition, the seeds' table layout, HTML/PDF/XLSX."""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
import pytest

from territoria.report import service
from territoria.report.document import profile_document, ranking_document
from territoria.report.render import to_html, write
from territoria.report.workbook import sheet_title
from territoria.store import Store

MAMLYUTKA, BULAEVO, NKO = "595220100", "593620100", "590000000"


@pytest.fixture(scope="module")
def store(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def result(store):
    return service.assessment(store)


@pytest.fixture(scope="module")
def profiles(store, result):
    """Mamlyutka's profile in each language, made once: the tests below read or print them, none changes one."""
    return {lang: profile_document(store, MAMLYUTKA, lang=lang, result=result) for lang in ("ru", "kk", "en")}


def test_seed_table_layout_reproduces_table_2(store):
    """Mamlyutka's table has the seed's rows and figures (Turkeeva, Omarov & Abilkaiyr 2022, Table 2)."""
    table = service.unit_table(store, MAMLYUTKA, lang="en").set_index("indicator")
    assert list(table.columns[:3]) == ["block", "name", "unit"]
    assert [c for c in table.columns if c.isdigit()][:6] == ["2015", "2016", "2017", "2018", "2019", "2020"]
    assert table.loc["population_reported", ["2015", "2020"]].tolist() == [7027, 6731]
    assert table.loc["unemployment_rate", "2016"] == pytest.approx(6.5)
    assert table.loc["avg_monthly_nominal_wage", "2020"] == 132383
    assert table.loc["unemployment_rate", "unit"] == "%"


def test_ranking_rank_interval_and_order(store, result):
    ranking = service.regions_ranking(store, result)
    assert len(ranking) == 14
    assert ranking["rank"].tolist() == sorted(ranking["rank"], reverse=True)  # most vulnerable first
    assert (ranking["rank_p05"] <= ranking["rank_p95"]).all()
    assert ranking.iloc[0]["unit"] == NKO  # North Kazakhstan is ranked last in the bundled 2021 assessment
    assert ranking[["lat", "lon"]].notna().all().all()  # every region has a point


def test_watch_list_orders_by_region_rank_then_status(store, result):
    watch = service.watch_list(store, result)
    ranks = watch["region_rank"].astype(float).tolist()
    assert ranks == sorted(ranks, reverse=True)
    # the seeds' towns and districts of North Kazakhstan (region 14 of 14) come first, most worrying first
    first = watch[watch["region_rank"] == watch["region_rank"].max()]
    assert {MAMLYUTKA, BULAEVO} <= set(first["unit"]) and set(first["region"]) == {NKO}
    assert watch.index[watch["unit"].isin(first["unit"])].tolist() == list(range(len(first)))
    # statuses by magnitude over the 10-year horizon (docs/dynamics.md): Mamlyutka declining, Bulaevo stagnating
    statuses = watch.set_index("unit")["status"]
    assert statuses[MAMLYUTKA] == "declining" and statuses[BULAEVO] == "stagnating"
    # Abay District (KATO of Abai region, created 2022) gets the region it belonged to in 2021.
    assert watch.set_index("unit").at["103200000", "region"] == "630000000"


def test_profile_says_it_shows_the_region(store, result):
    profile = service.unit_profile(store, MAMLYUTKA, lang="ru", result=result)
    assert profile["region"] == NKO and "region" in profile["notes"]
    a = profile["assessment"]
    assert a["rank"] == 14 and a["n_units"] == 14 and a["rank_p05"] <= a["rank"] <= a["rank_p95"] + 1e-9
    assert set(profile["flags"]["rule"]) >= {"negative_migration", "high_unemployment"}
    assert profile["status"]["status_label"] == "Упадок"   # declining: −8.25 % over the 10-year horizon
    assert list(profile["mechanisms"]["horizon"].drop_duplicates()) == ["short", "medium", "long"][
        : profile["mechanisms"]["horizon"].nunique()]


def test_documents_in_three_languages(profiles):
    titles = profiles
    assert titles["ru"].section("mechanisms").title == "Рекомендуемые механизмы по горизонтам"
    assert titles["kk"].section("status").title == "Мәртебесі"
    assert titles["en"].title == "Mamlyutka"
    ids = [s.id for s in titles["en"].sections]
    assert ids[:5] == ["overview", "status", "rank", "radar", "table"] and "mechanisms" in ids and "risks" in ids


def test_html_is_offline_and_xlsx_has_the_tables(profiles, tmp_path):
    doc = profiles["en"]
    html = to_html(doc)
    assert "cdn" not in html.lower().split("<body>")[1][:100000] or "cdn.plot.ly" not in html
    assert "Plotly.newPlot" in html and "Mamlyutka" in html
    path = write(doc, tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(path)
    assert {"summary", "table", "mechanisms"} <= set(book.sheetnames)
    sheet = book["table"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Block", "Name", "Unit of measure"] and "2015" in header  # headers in the report language


@pytest.mark.skipif(shutil.which("pdftoppm") is None or not (shutil.which("chromium") or
                    __import__("os").path.exists("/usr/bin/chromium")), reason="needs chromium and pdftoppm")
def test_pdf_renders_to_pages_with_ink(store, result, tmp_path):
    """The PDF is checked by turning it into images: several pages, none blank."""
    import matplotlib.image as mpimg

    pdf = write(ranking_document(store, lang="ru", result=result), tmp_path / "ranking.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        pixels = mpimg.imread(page)
        assert (pixels[..., :3].mean(axis=2) < 0.9).mean() > 0.01  # some ink on each page
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Рейтинг регионов" in text and "Казахстанская" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None or not (shutil.which("chromium") or
                    __import__("os").path.exists("/usr/bin/chromium")), reason="needs chromium and pdftotext")
def test_profile_pdf_in_kazakh_has_kazakh_labels(profiles, tmp_path):
    """A settlement's profile PDF in Kazakh: the method's labels (headers, groups) come out in Kazakh."""
    pdf = write(profiles["kk"], tmp_path / "profile.pdf")  # Mamlyutka, 595220100
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Мәртебесі" in text and "Топтар" in text
    assert "urban status" not in text and "land border" not in text


def test_cli_report_profile_and_ranking(bundled_store_path, tmp_path):
    from typer.testing import CliRunner

    from territoria.interfaces.cli import app

    runner = CliRunner()
    html, xlsx = tmp_path / "m.html", tmp_path / "r.xlsx"
    out = runner.invoke(app, ["--db", str(bundled_store_path), "report", "profile", "Mamlyutka", "--lang", "kk",
                              "-o", str(html)])
    assert out.exit_code == 0, out.output
    assert "Мәртебесі" in html.read_text(encoding="utf-8")
    out = runner.invoke(app, ["--db", str(bundled_store_path), "report", "ranking", "-o", str(xlsx)])
    assert out.exit_code == 0, out.output
    # the assessment's workbook, sheets named in the report's language (ru by default), most vulnerable first
    assert openpyxl.load_workbook(xlsx)[sheet_title("ranking", "ru")]["A2"].value == "590000000"
    bad = runner.invoke(app, ["--db", str(bundled_store_path), "report", "profile", "Mamlyutka", "--lang", "de"])
    assert bad.exit_code != 0


def test_compare_rows_hold_the_year_their_label_says():
    """Issue 23: "Unemployment rate (2023)" showed one unit's 2020 value. Each row now takes the latest
    year two or more units share; a unit without that year shows nothing there. SYNTHETIC values."""
    import pandas as pd

    from territoria.report.service import shared_latest

    obs = pd.DataFrame({"unit": ["A", "A", "B", "B", "C"], "indicator": ["u"] * 5,
                        "year": [2020, 2023, 2020, 2021, 2023], "value": [5.0, 6.0, 7.0, 8.0, 9.0]})
    got = shared_latest(obs, ["A", "B", "C"])
    assert list(got.index) == ["u (2023)"]
    assert got.loc["u (2023)", "A"] == 6.0 and pd.isna(got.loc["u (2023)", "B"]) and got.loc["u (2023)", "C"] == 9.0
    only_two = shared_latest(obs[obs["unit"] != "C"], ["A", "B"])
    assert list(only_two.index) == ["u (2020)"] and list(only_two.iloc[0]) == [5.0, 7.0]

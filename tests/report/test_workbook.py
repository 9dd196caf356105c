"""The assessment workbook read back: the Result's numbers, the formats and the headers in ru / kk / en.

Built on the bundled real data (the regions' stored assessment).
"""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.errors import DataError
from territoria.interfaces.cli import app
from territoria.report import service
from territoria.report.assessed import rank_intervals
from territoria.report.document import profile_document
from territoria.report.messages import header
from territoria.report.workbook import (
    SHEETS,
    Sheet,
    assessment_sheets,
    document_sheets,
    sheet_title,
    write_workbook,
)
from territoria.store import Store

runner = CliRunner()


@pytest.fixture(scope="module")
def stored(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store:
        result = service.assessment(store)
        names, sources, catalogue = store.units()["name_ru"], store.sources(), store.catalogue
    return result, names, sources, catalogue


@pytest.fixture(scope="module")
def books(stored, tmp_path_factory):
    result, names, sources, catalogue = stored
    folder = tmp_path_factory.mktemp("books")
    out = {}
    for lang in ("en", "ru", "kk"):
        sheets = assessment_sheets(result, names=names, intervals=rank_intervals(result), sources=sources,
                                   catalogue=catalogue, lang=lang)
        out[lang] = openpyxl.load_workbook(write_workbook(sheets, folder / f"{lang}.xlsx", lang=lang,
                                                          catalogue=catalogue))
    return out


def _table(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_sheets_are_named_in_the_language(books, lang):
    names = books[lang].sheetnames
    expected = [sheet_title(k, lang) for k in SHEETS if k != "sensitivity"]
    assert names == expected
    assert "Sheet1" not in names and all(len(n) <= 31 for n in names)
    assert len(set(names)) == len(names)


def test_ranking_holds_the_results_numbers_unrounded(books, stored):
    result = stored[0]
    ranking = _table(books["en"][sheet_title("ranking", "en")]).set_index(header("unit", "en"))
    assert sorted(ranking.index) == sorted(map(str, result.to_frame().index))      # codes as text
    assert ranking.index[0] == "590000000"                                          # the most vulnerable first
    assert ranking[header("rank", "en")].is_monotonic_decreasing
    scores = result.scores.rename(index=str)
    for unit, row in ranking.iterrows():
        # unrounded: equal to Excel's precision (15 significant digits), not to the 1 decimal shown
        assert row[header("score", "en")] == pytest.approx(scores[unit], rel=1e-14, abs=0)
        assert row[header("rank", "en")] == int(result.ranks[unit])
    intervals = rank_intervals(result).rename(index=str)
    assert ranking[header("rank_p95", "en")].tolist() == pytest.approx(
        intervals.loc[ranking.index, "rank_p95"].tolist(), rel=1e-14)


def test_block_scores_and_data_used_read_back(books, stored):
    result = stored[0]
    blocks = _table(books["ru"][sheet_title("blocks", "ru")]).set_index(header("unit", "ru"))
    social = result.tables["aggregated"]["social"].rename(index=str)
    assert blocks[header("social", "ru")].tolist() == pytest.approx(social.loc[blocks.index].tolist(), rel=1e-14)
    data = _table(books["ru"][sheet_title("data", "ru")])
    raw = result.tables["raw"]
    assert len(data) == raw.size
    imputed = data.iloc[:, 6]                                   # the "imputed" column, in Russian
    assert data.columns[6] == "Восстановлено"
    assert (imputed == "да").sum() == int(result.tables["imputed_mask"].to_numpy().sum())
    one = data[(data.iloc[:, 0] == "590000000") & (data.iloc[:, 2] == "life_expectancy")]
    assert one.iloc[0, 4] == pytest.approx(raw.loc["590000000", "life_expectancy"], rel=1e-14)


def test_formats_widths_frozen_and_filtered_headers(books):
    ws = books["en"][sheet_title("ranking", "en")]
    heads = [c.value for c in ws[1]]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "C2"                               # code and name stay in view
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(heads))}{ws.max_row}"
    assert ws.cell(2, heads.index("Score") + 1).number_format == "#,##0.0"
    assert ws.cell(2, heads.index("Rank") + 1).number_format == "#,##0"
    assert ws.cell(2, 1).number_format == "@"                    # codes are text
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width - 10 > 0
    data = books["en"][sheet_title("data", "en")]
    formats = {}
    for row in data.iter_rows(min_row=2):
        formats[row[2].value] = row[4].number_format
    assert formats["population_change_pct"] == "#,##0.0"          # % : one decimal
    assert formats["grp_per_capita_ratio"] == "#,##0.00"          # ratio to national: two


def test_levels_are_coloured_by_conditional_fills(books):
    ws = books["ru"][sheet_title("ranking", "ru")]
    rules = {str(rng.sqref): [r for r in rules_] for rng, rules_ in ws.conditional_formatting._cf_rules.items()}
    assert len(rules) == 1
    formulas = [r.formula[0] for rs in rules.values() for r in rs]
    assert any('"кризисный"' in f for f in formulas) and any('"развивающийся"' in f for f in formulas)
    fills = {r.dxf.fill.bgColor.rgb[-6:].upper() for rs in rules.values() for r in rs}
    assert "B2182B" in fills


@pytest.mark.parametrize(("lang", "words"), [("en", ["Rank", "Level"]), ("ru", ["Место", "Уровень"]),
                                             ("kk", ["Орны", "Деңгейі"])])
def test_headers_in_each_language(books, lang, words):
    heads = [c.value for c in books[lang][sheet_title("ranking", lang)][1]]
    assert all(w in heads for w in words)
    for ws in books[lang]:
        if ws.title in (sheet_title("spec", lang),):
            continue
        assert all(isinstance(c.value, str) and c.value for c in ws[1])


def test_a_workbook_must_be_xlsx(stored, tmp_path):
    with pytest.raises(DataError, match=r"\.csv"):
        write_workbook([], tmp_path / "x.csv")


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cli_books") / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    return str(path)


def test_report_ranking_and_assess_write_the_workbook(db, tmp_path):
    out = tmp_path / "ranking.xlsx"
    res = runner.invoke(app, ["--db", db, "report", "ranking", "--lang", "kk", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "Рейтинг"
    out = tmp_path / "assess.xlsx"
    res = runner.invoke(app, ["--db", db, "assess", "--no-uncertainty", "--lang", "ru", "-o", str(out)])
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["Рейтинг", "Баллы по блокам"] and "Неопределённость" not in book.sheetnames
    bad = runner.invoke(app, ["--db", db, "assess", "--no-uncertainty", "--lang", "ru", "-o", str(tmp_path / "a.csv")])
    assert bad.exit_code != 0 and "--lang" in bad.output


def test_a_profile_document_becomes_a_formatted_workbook(bundled_store_path, tmp_path):
    with Store(bundled_store_path, read_only=True) as store:
        doc = profile_document(store, "595220100", lang="kk")
    book = openpyxl.load_workbook(write_workbook(document_sheets(doc), tmp_path / "p.xlsx", lang="kk"))
    titles = [s.title for s in doc.sections if s.table is not None and len(s.table.columns)]
    assert book.sheetnames[1:] == [t[:31] for t in titles]
    ws = book[doc.section("table").title[:31]]                  # indicators by year (the seeds' layout)
    heads = [c.value for c in ws[1]]
    assert "2020" in heads and all(c.font.bold for c in ws[1]) and ws.auto_filter.ref.startswith("A1:")
    wage = next(r for r in ws.iter_rows(min_row=2) if r[2].value == "теңге")
    assert wage[heads.index("2020")].number_format == "#,##0"   # tenge: grouped, no decimals


def test_a_text_beginning_with_equals_is_written_as_text_not_as_a_formula(tmp_path):
    frame = pd.DataFrame({"unit": ["590000000"], "name": ["=HYPERLINK(\"http://x\")"], "score": [1.5]})
    path = write_workbook([Sheet("ranking", frame)], tmp_path / "f.xlsx")
    cell = openpyxl.load_workbook(path).active["B2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"

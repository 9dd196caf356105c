"""The formatted workbook of one table (report/tablebook.py): values read back equal, formats per column.

The tables here are synthetic (made up for the test); the indicator ids are real catalogue entries so that
their decimals come from the catalogue.
"""

from __future__ import annotations

from datetime import UTC, datetime

import openpyxl
import pandas as pd
import pytest

from territoria.catalog.catalogue import load_catalogue
from territoria.errors import DataError
from territoria.report.formats import indicator_decimals
from territoria.report.tablebook import ABOUT_SHEET, TABLE_SHEET, column_formats, write_table_workbook

CATALOGUE = load_catalogue()
WRITTEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
#: synthetic values; unemployment_rate is a percentage (1 decimal), population_avg persons (0 decimals)
WIDE = pd.DataFrame({
    "unit": ["001000000", "593620100", "710000000"],
    "name": ["Абай", "Булаево", "=HYPERLINK(1)"],
    "year": [2021, 2022, 2023],
    "population_avg": [610189.0, 7027.0, None],
    "unemployment_rate": [4.84, 5.0, 5.25],
    "score": [0.123456, 71.5, 12.0],
    "flag": [True, False, True],
    "at": pd.to_datetime(["2026-01-01 10:00", None, "2026-03-01 12:30"]).tz_localize("Asia/Almaty"),
})


def _book(path):
    book = openpyxl.load_workbook(path)
    return book, book[TABLE_SHEET]


def test_values_read_back_equal_and_formats_follow_the_columns(tmp_path):
    path = write_table_workbook(WIDE, tmp_path / "t.xlsx", catalogue=CATALOGUE, freeze=2, written=WRITTEN,
                                command="territoria units -o t.xlsx")
    back = pd.read_excel(path, dtype={"unit": str, "name": str})
    assert back["unit"].tolist() == ["001000000", "593620100", "710000000"]  # leading zeros kept
    assert back["name"].tolist() == ["Абай", "Булаево", "=HYPERLINK(1)"]  # text, never a formula
    assert back["population_avg"].iloc[:2].tolist() == [610189.0, 7027.0] and pd.isna(back["population_avg"][2])
    assert back["score"].tolist() == [0.123456, 71.5, 12.0]  # unrounded: the format only changes the display
    assert back["flag"].tolist() == [True, False, True]
    # a time zone is not kept by a spreadsheet: the instant is written in UTC
    assert back["at"][0] == pd.Timestamp("2026-01-01 05:00") and pd.isna(back["at"][1])
    book, ws = _book(path)
    assert book.sheetnames == [TABLE_SHEET, ABOUT_SHEET]
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == "A1:H4"
    assert all(cell.font.bold for cell in ws[1])
    formats = {ws.cell(1, j).value: ws.cell(2, j).number_format for j in range(1, 9)}
    assert formats["unit"] == formats["name"] == "@"
    assert formats["year"] == "0"  # a year: no thousands separator
    assert formats["population_avg"] == "#,##0"  # persons: whole numbers, grouped
    assert indicator_decimals(CATALOGUE["unemployment_rate"]) == 1 and formats["unemployment_rate"] == "#,##0.0"
    assert formats["at"] == "yyyy-mm-dd hh:mm:ss"
    assert ws.cell(4, 2).data_type == "s"
    widths = {ws.cell(1, j).value: ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
              for j in range(1, 9)}
    assert widths["unit"] == len("001000000") + 2 and widths["population_avg"] == len("population_avg") + 2
    assert widths["name"] == len("=HYPERLINK(1)") + 2


def test_about_sheet_has_command_time_sources_and_column_labels_in_the_language(tmp_path):
    table = WIDE.assign(source_id=["S01", "S01", "S03"])
    path = write_table_workbook(table, tmp_path / "t.xlsx", catalogue=CATALOGUE, lang="kk", written=WRITTEN,
                                command="territoria units --lang kk -o t.xlsx",
                                sources=pd.DataFrame({"source_id": ["S01"], "title": ["=not a formula"]}))
    rows = list(openpyxl.load_workbook(path)[ABOUT_SHEET].iter_rows(values_only=True))
    items = {r[0]: r[1] for r in rows if r[0]}
    assert items["Команда"] == "territoria units --lang kk -o t.xlsx"
    assert items["Жазылған уақыты (UTC)"] == "2026-01-02 03:04:05"
    assert items["Жолдар × бағандар"] == "3 × 9"
    assert items["source_id = S01"] == "жол саны: 2" and items["source_id = S03"] == "жол саны: 1"
    assert "S01" in items["Көрсеткіштердің дереккөздері (каталог)"]  # from the indicators' catalogue entries
    assert ("S01", "=not a formula") in [r[:2] for r in rows]
    docs = {r[0]: r for r in rows[rows.index(next(r for r in rows if r[0] == "Баған")) + 1:]}
    assert list(docs) == list(table.columns)  # every column documented, in order
    unemployment = docs["unemployment_rate"]
    assert unemployment[2] == CATALOGUE["unemployment_rate"].name.en  # the English label
    assert unemployment[3] == CATALOGUE["unemployment_rate"].name.ru
    assert "1" in unemployment[5]
    assert docs["unit"][2:5] == ("Code", "Код КАТО", "КАТО коды")


def test_rows_take_the_decimals_of_their_own_indicator(tmp_path):
    long = pd.DataFrame({"unit": ["593620100"] * 2, "indicator": ["population_avg", "unemployment_rate"],
                         "year": [2020, 2020], "value": [7027.0, 5.0]})
    ws = _book(write_table_workbook(long, tmp_path / "long.xlsx", catalogue=CATALOGUE))[1]
    assert [ws.cell(i, 4).number_format for i in (2, 3)] == ["#,##0", "#,##0.0"]
    by_year = pd.DataFrame({"indicator": ["population_avg", "not_in_catalogue"],
                            "2019": [7100.0, 0.5], "2020": [7027.0, 0.25]})
    ws = _book(write_table_workbook(by_year, tmp_path / "years.xlsx", catalogue=CATALOGUE))[1]
    assert [ws.cell(2, j).number_format for j in (2, 3)] == ["#,##0", "#,##0"]
    # not in the catalogue: from the row's own values (below 1: four decimals, formats.value_decimals)
    assert [ws.cell(3, j).number_format for j in (2, 3)] == ["#,##0.0000"] * 2


def test_an_empty_table_still_has_its_header_and_about_sheet(tmp_path):
    path = write_table_workbook(WIDE.iloc[:0], tmp_path / "empty.xlsx", catalogue=CATALOGUE)
    back = pd.read_excel(path)
    assert list(back.columns) == list(WIDE.columns) and back.empty
    assert _book(path)[1].auto_filter.ref == "A1:H1"


def test_column_formats_of_identifiers_and_years():
    frame = pd.DataFrame({"measure_id": [1], "2023": [1234.5], "n_units": [12000], "code": ["001"]})
    assert column_formats(frame, catalogue=CATALOGUE) == {"measure_id": "0", "2023": "#,##0",
                                                         "n_units": "#,##0", "code": "@"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"path_name": "t.csv"}, r"t\.csv: a workbook is written as \.xlsx, not '\.csv'"),
    ({"lang": "de"}, r"workbook language 'de'; expected one of ru, kk, en"),
    ({"table": pd.DataFrame([[1, 2]], columns=["a", "a"])}, r"column\(s\) a appear more than once"),
])
def test_bad_requests_are_refused_with_what_was_expected(tmp_path, kwargs, message):
    table = kwargs.pop("table", WIDE)
    path = tmp_path / kwargs.pop("path_name", "t.xlsx")
    with pytest.raises(DataError, match=message):
        write_table_workbook(table, path, catalogue=CATALOGUE, **kwargs)
    assert not list(tmp_path.iterdir())

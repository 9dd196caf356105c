"""Low findings of issue 19: decorated years, UTF-16 text, hidden sheets, formulas without results.

Files are synthetic (written here); units and catalogue come from tests/ingest/conftest.py.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from territoria.catalog.catalogue import Catalogue
from territoria.errors import InputFileError
from territoria.ingest.matching import NameMatcher
from territoria.ingest.readers import read_table

HEADER = "unit,indicator,year,value\n"


@pytest.mark.parametrize("year", ["-2000", "(1999)", "2001*", "2001 г.*"])
def test_a_decorated_year_is_refused_not_guessed(tmp_path: Path, catalogue: Catalogue, units: NameMatcher,
                                                 year: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + f"590000000,population,\"{year}\",5\n590000000,population,2002 г.,6\n",
                    encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path, catalogue=catalogue, units=units)
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "year", year)
    assert "footnote mark" in problem.expected


def test_a_decorated_year_column_is_refused(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "t.csv"
    path.write_text("region,2019,2020*\n590000000,5,6\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path, catalogue=catalogue, units=units, indicator="population")
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.value) == (1, "2020*", "2020*")


def test_utf16_text_from_excel_is_read(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    """Excel's "Unicode Text": UTF-16 little-endian with a byte-order mark, tab-separated."""
    path = tmp_path / "t.txt"
    path.write_bytes("Регион\tПоказатель\tГод\tЗначение\nг.Булаево\tЧисленность населения\t2020\t7 738\n"
                     .encode("utf-16"))
    result = read_table(path, catalogue=catalogue, units=units)
    assert result.encoding == "utf-16" and result.delimiter == "\t"
    assert result.observations[["unit", "year", "value"]].values.tolist() == [["593620100", 2020, 7738.0]]


def _book(tmp_path: Path, *, hidden: bool = False, formula: bool = False) -> Path:
    book = openpyxl.Workbook()
    shown = book.active
    shown.title = "population"
    shown.append(["region", "2019", "2020"])
    shown.append(["590000000", 540_000, "=B2-1000" if formula else 539_000])
    other = book.create_sheet("population_old")
    other.append(["region", "2019"])
    other.append(["590000000", 1])
    if hidden:
        other.sheet_state = "hidden"
    path = tmp_path / "t.xlsx"
    book.save(path)  # openpyxl stores no result for a formula: as a program that does not calculate
    return path


def test_a_hidden_sheet_is_skipped_with_a_note_unless_named(tmp_path: Path, catalogue: Catalogue,
                                                            units: NameMatcher) -> None:
    path = _book(tmp_path, hidden=True)
    result = read_table(path, catalogue=catalogue, units=units, indicator="population")
    assert result.sheets == ["population"] and len(result.observations) == 2
    assert result.notes == ["sheet 'population_old' is hidden and was not read; name it with --sheet to read it"]
    named = read_table(path, catalogue=catalogue, units=units, indicator="population", sheets=["population_old"])
    assert named.sheets == ["population_old"] and named.notes == []


def test_a_formula_without_a_stored_result_is_refused(tmp_path: Path, catalogue: Catalogue,
                                                      units: NameMatcher) -> None:
    path = _book(tmp_path, formula=True)
    with pytest.raises(InputFileError) as err:
        read_table(path, catalogue=catalogue, units=units, indicator="population", sheets=["population"])
    (problem,) = err.value.problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("population", 2, "C", "=B2-1000")
    assert "does not store" in problem.expected


def test_a_formula_with_its_result_is_read(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    """The same workbook with the result stored, as Excel saves it (the <v> element added by hand)."""
    path = _book(tmp_path, formula=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>B2-1000</f><v></v>", b"<f>B2-1000</f><v>539000</v>").replace(
                    b"<f>B2-1000</f></c>", b"<f>B2-1000</f><v>539000</v></c>")
            dst.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    result = read_table(path, catalogue=catalogue, units=units, indicator="population", sheets=["population"])
    assert sorted(result.observations["value"]) == [539_000.0, 540_000.0]

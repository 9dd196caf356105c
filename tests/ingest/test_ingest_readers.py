"""Reading official tables: long and wide layouts, CSV encodings and delimiters, XLSX sheets, problems.

Figures typed in below are the seed's: Turkeeva, Omarov & Abilkaiyr (2022), Table 1 "System of factors and
indicators of development/extinction of Bulaevo for 2015-2020" and Table 2 (the same for Mamlyutka)
(shared/seeds/002_*.txt; also shared/data/districts/observations.csv, source SEED_TURKEEVA2022). Where a test
needs a wrong cell, the wrong cell is marked as such; the catalogue is synthetic (see conftest).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from territoria.catalog.catalogue import Catalogue
from territoria.errors import InputFileError
from territoria.ingest.matching import NameMatcher
from territoria.ingest.readers import ReadResult, read_table

BULAEVO, MAMLYUTKA = "593620100", "595220100"
YEARS = [2015, 2016, 2017, 2018, 2019, 2020]

# Seed 002, Table 1 (Bulaevo), as printed: (indicator as printed, unit as printed, values as printed)
BULAEVO_TABLE = [
    ("Population size", "person", ["7 666", "7 704", "7 722", "7 738", "7 722", "7 653"]),
    ("Average monthly nominal salary of one employee", "tenge",
     ["71 515", "75 203", "88 266", "91 444", "94 073", "135 090"]),
    ("Number of employed population", "person", ["4 271", "4 327", "4 338", "4 584", "4 264", "4 542"]),
    ("Unemployment rate", "%", ["5,6", "5,2", "5,0", "5,5", "5,9", "5,0"]),
    ("Balance of population migration", "person", ["-26", "-26", "-44", "-94", "-29", "-50"]),
    ("The volume of industrial output per capita", "Thousand tenge",
     ["113,4", "149,1", "142,1", "127,1", "191,6", "190,3"]),
    ("The volume of agricultural products per capita", "Thousand tenge",
     ["258,1", "292,9", "372,6", "398,4", "511,4", "688,5"]),
]
# Seed 002, Table 2 (Mamlyutka)
MAMLYUTKA_TABLE = [
    ("Population size", "person", ["7 027", "7 058", "6 955", "6 870", "6 833", "6 731"]),
    ("Average monthly nominal salary of one employee", "tenge",
     ["72 736", "85 133", "84 856", "89 828", "113 041", "132 383"]),
    ("Number of employed population", "person", ["4 052", "3 909", "3 706", "3 836", "3 840", "3 637"]),
    ("Unemployment rate", "%", ["5,3", "6,5", "5,8", "5,2", "4,8", "5,8"]),
    ("Balance of population migration", "person", ["-35", "-44", "-37", "-32", "-31", "-36"]),
    ("Volume of industrial output per capita", "Thousand tenge",
     ["198,7", "249,8", "195,6", "262,0", "308,1", "193,2"]),
    ("Volume of agricultural products per capita", "Thousand tenge",
     ["281,6", "319,7", "410,5", "437,1", "610,0", "766,5"]),
]


def _seed_sheet(ws, title: str, table: list) -> None:
    """Write a table the way the seed prints it: a title line, a blank line, then the header on row 3."""
    ws.append([title])
    ws.append([])
    ws.append(["Item", "Indicator", "unit of measurement", *[str(y) for y in YEARS]])
    for k, (name, unit, values) in enumerate(table):
        ws.append(["Socio-economic" if k == 0 else None, name, unit, *values])


@pytest.fixture
def seed_workbook(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bulaevo"
    _seed_sheet(ws, "Table 1 - Bulaevo, 2015-2020", BULAEVO_TABLE)
    _seed_sheet(wb.create_sheet("Мамлютка"), "Table 2 - Mamlyutka, 2015-2020", MAMLYUTKA_TABLE)
    path = tmp_path / "seed_tables.xlsx"
    wb.save(path)
    return path


def _value(result: ReadResult, unit: str, indicator: str, year: int) -> float:
    obs = result.observations
    hit = obs[(obs.unit == unit) & (obs.indicator == indicator) & (obs.year == year)]
    assert len(hit) == 1, hit
    return float(hit.value.iloc[0])


def test_seed_workbook_two_sheets(seed_workbook: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    result = read_table(seed_workbook, catalogue=catalogue, units=units)
    assert result.layout == {"Bulaevo": "wide_indicators", "Мамлютка": "wide_indicators"}
    obs = result.observations
    assert list(obs.columns[:8]) == ["unit", "indicator", "year", "value", "file", "sheet", "row", "measure_unit"]
    assert len(obs) == 2 * 7 * 6 and result.problems == [] and result.rejected.empty
    assert _value(result, BULAEVO, "population", 2015) == 7666
    assert _value(result, BULAEVO, "avg_monthly_nominal_wage", 2020) == 135090
    assert _value(result, BULAEVO, "unemployment_rate", 2019) == 5.9
    assert _value(result, BULAEVO, "net_migration", 2018) == -94
    assert _value(result, BULAEVO, "agricultural_output_per_capita", 2020) == 688.5   # canonical thousand tenge
    assert _value(result, MAMLYUTKA, "population", 2020) == 6731
    assert _value(result, MAMLYUTKA, "industrial_output_per_capita", 2018) == 262.0
    # rows as the user sees them: title on row 1, header on row 3, "Population size" on row 4
    first = obs[(obs.sheet == "Bulaevo") & (obs.indicator == "population")]
    assert set(first.row) == {4}
    assert set(obs[(obs.sheet == "Мамлютка") & (obs.indicator == "agricultural_output_per_capita")].row) == {10}
    assert result.file_sha256 == hashlib.sha256(seed_workbook.read_bytes()).hexdigest()


def test_sheets_option_and_unit_option(seed_workbook: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    result = read_table(seed_workbook, catalogue=catalogue, units=units, sheets=["Bulaevo"], unit="Булаево")
    assert set(result.observations.sheet) == {"Bulaevo"} and set(result.observations.unit) == {BULAEVO}
    with pytest.raises(InputFileError) as info:
        read_table(seed_workbook, catalogue=catalogue, units=units, sheets=["Sheet9"])
    assert "Sheet9" in str(info.value) and "Bulaevo" in str(info.value)


def test_long_csv_utf8(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "unit,indicator,year,value,measure_unit,source,note\n"
        "Mamlyutka,population,2015,\"7 027\",persons,SEED_TURKEEVA2022,Table 2\n"
        "Mamlyutka,Population size,2016,7058,,SEED_TURKEEVA2022,\"Table 2,\nsecond line of a note\"\n"
        "Мамлютка,Уровень безработицы,2017 г.,\"5,8\",%,SEED_TURKEEVA2022,\n",
        encoding="utf-8")
    result = read_table(path, catalogue=catalogue, units=units)
    assert result.layout == {None: "long"} and result.encoding == "utf-8" and result.delimiter == ","
    obs = result.observations
    assert obs[["unit", "indicator", "year", "value"]].values.tolist() == [
        [MAMLYUTKA, "population", 2015, 7027.0], [MAMLYUTKA, "population", 2016, 7058.0],
        [MAMLYUTKA, "unemployment_rate", 2017, 5.8]]
    assert obs.row.tolist() == [2, 3, 5]            # the quoted note spans lines 3-4
    assert obs.source.tolist() == ["SEED_TURKEEVA2022"] * 3
    assert obs.sheet.isna().all()


def test_semicolon_cp1251_decimal_commas_and_conversion(tmp_path: Path, catalogue: Catalogue,
                                                        units: NameMatcher) -> None:
    """Russian headers, cp1251, ';', decimal commas; wages written in thousand tenge come back in tenge."""
    text = ("Регион;Показатель;Год;Значение;Единица измерения\n"
            "г. Булаево;Уровень безработицы;2015;5,6;%\n"
            "г. Булаево;Среднемесячная номинальная заработная плата одного работника;2015;71,515;тыс. тенге\n"
            "г. Булаево;Среднемесячная номинальная заработная плата одного работника;2020;135,09;тыс. тенге\n"
            "г. Булаево;Численность населения;2020;7\u00a0653;чел.\n"
            "г. Булаево;Численность населения;2019;x;чел.\n")
    path = tmp_path / "bulaevo_ru.csv"
    path.write_bytes(text.replace("\u00a0", " ").encode("cp1251"))
    result = read_table(path, catalogue=catalogue, units=units)
    assert result.encoding == "cp1251" and result.delimiter == ";"
    assert _value(result, BULAEVO, "unemployment_rate", 2015) == 5.6
    assert _value(result, BULAEVO, "avg_monthly_nominal_wage", 2015) == pytest.approx(71515)
    assert _value(result, BULAEVO, "avg_monthly_nominal_wage", 2020) == pytest.approx(135090)
    assert _value(result, BULAEVO, "population", 2020) == 7653
    assert result.n_missing == 1 and len(result.observations) == 4   # "x" is a missing marker, no row


def test_tab_separated_with_bom_and_wide_units(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "population.tsv"
    path.write_text("Населенный пункт\t2015\t2016 г.\t2017 год\n"
                    "Булаево\t7 666\t7 704\t7 722\n"
                    "Mamlyutka\t7 027\t7 058\t6 955\n", encoding="utf-8-sig")
    result = read_table(path, catalogue=catalogue, units=units, indicator="population")
    assert result.encoding == "utf-8-sig" and result.delimiter == "\t"
    assert result.layout == {None: "wide_units"}
    assert _value(result, MAMLYUTKA, "population", 2017) == 6955
    assert _value(result, BULAEVO, "population", 2016) == 7704


def test_wide_units_indicator_from_sheet_name(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Численность населения"
    ws.append(["Наименование", 2015, 2020])     # years stored as numbers by the spreadsheet
    ws.append(["г.Булаево", 7666, 7653])
    ws.append(["г.Мамлютка", 7027, 6731])
    path = tmp_path / "by_units.xlsx"
    wb.save(path)
    result = read_table(path, catalogue=catalogue, units=units)
    assert result.layout == {"Численность населения": "wide_units"}   # decided from the row labels
    assert _value(result, MAMLYUTKA, "population", 2020) == 6731


def test_three_bad_cells_one_error_listing_all(tmp_path: Path, seed_workbook: Path, catalogue: Catalogue,
                                               units: NameMatcher) -> None:
    """Three cells of the seed's Bulaevo sheet are spoilt on purpose (not the seed's figures)."""
    wb = openpyxl.load_workbook(seed_workbook)
    ws = wb["Bulaevo"]
    ws["E4"] = "7 7O4"        # letter O instead of a zero (Population size, 2016)
    ws["I7"] = "5,5,9"        # Unemployment rate, 2020
    ws["C9"] = "bags"         # unit of measure of the industrial output row
    path = tmp_path / "spoilt.xlsx"
    wb.save(path)
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=units)
    err = info.value
    assert err.file == str(path) and len(err.problems) == 3
    found = {(p.sheet, p.row, p.column, p.value) for p in err.problems}
    assert found == {("Bulaevo", 4, "2016", "7 7O4"), ("Bulaevo", 7, "2020", "5,5,9"),
                     ("Bulaevo", 9, "unit of measurement", "bags")}
    text = str(err)
    assert "3 problems" in text and "nothing was stored" in text
    for p in err.problems:
        assert str(p) in text and p.expected
    bags = next(p for p in err.problems if p.value == "bags")
    assert "industrial_output_per_capita" in bags.expected and "thousand tenge" in bags.expected
    assert next(p for p in err.problems if p.value == "5,5,9").expected.startswith("a number")

    result = read_table(path, catalogue=catalogue, units=units, skip_invalid=True)
    assert len(result.problems) == 3
    assert result.rejected[["sheet", "row", "column", "value"]].values.tolist() == [
        ["Bulaevo", 4, "2016", "7 7O4"], ["Bulaevo", 7, "2020", "5,5,9"], ["Bulaevo", 9, "unit of measurement", "bags"]]
    # good rows: 84 cells - 1 bad number - 1 bad number - 6 cells of the row with the unknown unit
    assert len(result.observations) == 84 - 1 - 1 - 6
    assert _value(result, BULAEVO, "population", 2015) == 7666
    obs = result.observations
    assert obs[(obs.unit == BULAEVO) & (obs.indicator == "population") & (obs.year == 2016)].empty


def test_unknown_unit_and_indicator_cells(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "names.csv"
    path.write_text("unit;indicator;year;value\n"
                    "Mamlyutka;population;2015;7027\n"
                    "Mamlutovka-Zapadnaya;population;2015;1\n"
                    "Mamlyutka;populaton density;2015;1\n"
                    "Октябрьское;population;2015;1\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=units)
    problems = {p.row: p for p in info.value.problems}
    assert set(problems) == {3, 4, 5}
    assert problems[3].column == "unit" and "closest" in problems[3].expected
    assert problems[4].column == "indicator" and "population" in problems[4].expected
    assert problems[5].column == "unit" and "candidates" in problems[5].expected
    ok = read_table(path, catalogue=catalogue, units=units, within="593600000", skip_invalid=True)
    assert "593665100" in set(ok.observations.unit)   # Октябрьское of Magzhan Zhumabaev district


def test_sheet_name_that_is_not_a_unit(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Показатель", "Ед. изм.", "2019", "2020"])
    ws.append(["Численность населения", "человек", "7 722", "7 653"])
    path = tmp_path / "one_unit.xlsx"
    wb.save(path)
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=units)
    (problem,) = info.value.problems
    assert problem.sheet == "Sheet1" and problem.value == "Sheet1" and "unit=" in problem.expected
    result = read_table(path, catalogue=catalogue, units=units, unit="Bulaevo")
    assert _value(result, BULAEVO, "population", 2020) == 7653


def test_duplicates_in_a_file(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "dups.csv"
    path.write_text("unit,indicator,year,value\n"
                    "Bulaevo,population,2020,7653\n"
                    "г.Булаево,population,2020,\"7 653\"\n"       # the same figure again: kept once
                    "Булаево,population,2020,7654\n", encoding="utf-8")   # a different figure: a problem
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=units)
    (problem,) = info.value.problems
    assert problem.row == 4 and problem.column == "value" and "row 2 already gives 7653" in problem.expected
    result = read_table(path, catalogue=catalogue, units=units, skip_invalid=True)
    assert result.observations.value.tolist() == [7653.0]


def test_years_outside_range(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    long = tmp_path / "years.csv"
    long.write_text("unit,indicator,year,value\nBulaevo,population,1985,1\nBulaevo,population,20200,1\n"
                    "Bulaevo,population,2020,7653\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_table(long, catalogue=catalogue, units=units)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(2, "year", "1985"), (3, "year", "20200")]
    wide = tmp_path / "wide_years.csv"
    wide.write_text("indicator,1989,2020\npopulation,1,7653\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_table(wide, catalogue=catalogue, units=units, unit="Bulaevo")
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (1, "1989", "1989")
    assert "between 1990 and 2100" in problem.expected


def test_empty_file_and_headerless_sheet(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError) as info:
        read_table(empty, catalogue=catalogue, units=units)
    assert "empty" in info.value.problems[0].expected
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb["Notes"].append(["Source: BNS", "see the other sheet"])
    _seed_sheet(wb.create_sheet("Bulaevo"), "Table 1", BULAEVO_TABLE)
    wb.create_sheet("Blank")
    path = tmp_path / "mixed.xlsx"
    wb.save(path)
    result = read_table(path, catalogue=catalogue, units=units, skip_invalid=True)
    assert [p.sheet for p in result.problems] == ["Notes", "Blank"]
    assert "header row" in result.problems[0].expected and "empty" in result.problems[1].expected
    assert len(result.observations) == 42 and result.layout == {"Bulaevo": "wide_indicators"}


def test_layout_forced(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "forced.csv"
    path.write_text("name,2019,2020\nBulaevo,7722,7653\nMamlyutka,6833,6731\n", encoding="utf-8")
    result = read_table(path, catalogue=catalogue, units=units, layout="wide_units", indicator="Population size")
    assert result.layout == {None: "wide_units"} and _value(result, MAMLYUTKA, "population", 2019) == 6833
    with pytest.raises(InputFileError):
        read_table(path, catalogue=catalogue, units=units, layout="long")


def test_rejected_columns_are_the_contract(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("unit,indicator,year,value\nBulaevo,population,2020,12abc\n", encoding="utf-8")
    result = read_table(path, catalogue=catalogue, units=units, skip_invalid=True)
    assert list(result.rejected.columns) == ["file", "sheet", "row", "column", "value", "expected"]
    assert result.rejected.iloc[0][["row", "column", "value"]].tolist() == [2, "value", "12abc"]
    assert result.observations.empty and isinstance(result.observations, pd.DataFrame)


def test_wide_with_unit_and_indicator_columns(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    """Rows are unit × indicator, an English "Unit" column is the unit of measure in a wide table."""
    path = tmp_path / "both.csv"
    path.write_text("Region,Indicator,Unit,2019,2020\n"
                    "Bulaevo,Population size,persons,\"7 722\",\"7 653\"\n"
                    "Mamlyutka,Average monthly nominal wage per employee,thousand tenge,\"113,041\",\"132,383\"\n",
                    encoding="utf-8")
    result = read_table(path, catalogue=catalogue, units=units)
    assert result.layout == {None: "wide_indicators"}
    assert _value(result, BULAEVO, "population", 2019) == 7722
    assert _value(result, MAMLYUTKA, "avg_monthly_nominal_wage", 2020) == pytest.approx(132383)
    assert set(result.observations.measure_unit) == {"persons", "thousand tenge"}


def test_kazakh_headers_and_unit_option(tmp_path: Path, catalogue: Catalogue, units: NameMatcher) -> None:
    path = tmp_path / "kk.csv"
    path.write_text("Көрсеткіш;Жыл;Мән;Өлшем бірлігі\n"
                    "Халық саны;2020;7 653;адам\n", encoding="utf-8")
    result = read_table(path, catalogue=catalogue, units=units, unit="Булаев")
    assert result.layout == {None: "long"}
    assert result.observations[["unit", "indicator", "year", "value"]].values.tolist() == [
        [BULAEVO, "population", 2020, 7653.0]]

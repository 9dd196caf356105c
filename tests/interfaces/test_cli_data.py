"""The data commands end to end on the bundled real data, through the Typer application.

The workbooks written here carry the seed's published Bulaevo figures (Turkeeva, Omarov & Abilkaiyr
2022, Table 1) typed as an office would print them; the one changed figure in the conflict test is
synthetic and says so.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.errors import ConflictError
from territoria.interfaces.cli import app
from territoria.store import Store

runner = CliRunner()

BULAEVO_ROWS = [  # indicator (Russian, as printed), unit of measure, 2015 ... 2020
    ("Среднемесячная номинальная заработная плата одного работника", "тенге",
     ["71 515", "75 203", "88 266", "91 444", "94 073", "135 090"]),
    ("Численность занятого населения", "человек", ["4 271", "4 327", "4 338", "4 584", "4 264", "4 542"]),
    ("Уровень безработицы", "%", ["5,6", "5,2", "5,0", "5,5", "5,9", "5,0"]),
    ("Сальдо миграции", "человек", ["–26", "−26", "-44", "-94", "-29", "-50"]),
    ("Объем продукции сельского хозяйства на душу населения", "тыс. тенге",
     ["258,1", "292,9", "372,6", "398,4", "511,4", "688,5"]),
]


def write_bulaevo(path: Path, rows=BULAEVO_ROWS, sheet: str = "Булаево") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["Показатель", "Единица измерения", *[f"{y} г." for y in range(2015, 2021)]])
    for name, unit, values in rows:
        ws.append([name, unit, *values])
    book.save(path)
    return path


def invoke(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=True)


@pytest.fixture
def db(bundled_store_path, tmp_path) -> Path:
    """A private copy of the bundled Store, so tests that write do not disturb each other."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(bundled_store_path.read_bytes())
    return copy


def test_load_bundled_command_fills_an_empty_store(bundled_load):
    # the session's Store is this command's work on a new file (tests/conftest.py): no second load here
    assert bundled_load.exit_code == 0, bundled_load.output
    with Store(bundled_load.path, read_only=True) as store:
        counts = store.counts()
    assert counts["units"] > 16000 and counts["observations"] > 20000 and counts["imports"] == 1


def test_loading_the_bundle_twice_changes_nothing(db):
    with Store(db) as store:
        before = store.counts()
    res = invoke(db, "load-bundled")
    assert res.exit_code == 0, res.output
    assert "already imported" in res.output
    with Store(db) as store:
        assert store.counts() == before


def test_units_by_level_written_with_codes_as_text(db, tmp_path):
    out = tmp_path / "regions.csv"
    res = invoke(db, "units", "--level", "region", "--lang", "ru", "-o", str(out))
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, dtype={"code": str})
    assert list(table.columns[:3]) == ["code", "name", "level"]
    assert "590000000" in set(table["code"]) and "X_SOUTH_KAZAKHSTAN" in set(table["code"])
    assert table.set_index("code").loc["590000000", "name"] == "Северо-Казахстанская область"


def test_show_finds_a_town_by_any_spelling(db, tmp_path):
    for spelling in ("Мамлютка", "Mamlyutka", "595220100"):
        out = tmp_path / f"{spelling}.csv"
        res = invoke(db, "show", spelling, "-o", str(out))
        assert res.exit_code == 0, res.output
        table = pd.read_csv(out).set_index("indicator")
        assert table.loc["avg_monthly_nominal_wage", "2015"] == 72736  # seed 002, Table 2


def test_coverage_of_regions(db, tmp_path):
    out = tmp_path / "coverage.csv"
    res = invoke(db, "coverage", "--level", "region", "-o", str(out))
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out).set_index("indicator")
    assert table.loc["unemployment_rate", "block"] == "economic"
    assert table.loc["unemployment_rate", "first_year"] <= 2010


def test_importing_the_seed_table_as_printed_matches_the_bundle(db, tmp_path):
    book = write_bulaevo(tmp_path / "bulaevo.xlsx")
    res = invoke(db, "import", str(book))
    assert res.exit_code == 0, res.output
    assert "0 new, 30 already stored, 0 revised" in res.output
    again = invoke(db, "import", str(book))
    assert "already imported" in again.output


def test_a_changed_figure_is_refused_then_revised_with_history(db, tmp_path):
    changed = [list(r) for r in BULAEVO_ROWS]
    changed[1] = [changed[1][0], changed[1][1], ["4 271", "4 327", "4 338", "4 584", "4 264", "4 600"]]  # synthetic
    book = write_bulaevo(tmp_path / "bulaevo_rev.xlsx", [tuple(r) for r in changed])
    with Store(db) as store:
        before = store.counts()
    refused = invoke(db, "import", str(book), "--unit", "Bulaevo")
    assert isinstance(refused.exception, ConflictError)
    assert "4542" in str(refused.exception) and "4600" in str(refused.exception)
    with Store(db) as store:
        assert store.counts() == before
    revised = invoke(db, "import", str(book), "--unit", "Bulaevo", "--revise")
    assert revised.exit_code == 0, revised.output
    assert "1 revised" in revised.output
    with Store(db) as store:
        history = store.history()
    assert history[["unit", "indicator", "year", "value"]].values.tolist() == [
        ["593620100", "employed_population", 2020, 4542.0]]


def test_bad_cells_are_all_reported_and_nothing_stored(db, tmp_path):
    rows = [list(r) for r in BULAEVO_ROWS]
    rows[0][2] = ["71 515", "7x5", "88 266", "91 444", "94 073", "135 090"]
    rows[2][2] = ["5,6", "5,2", "5,0", "5,5", "5;9", "5,0"]
    book = write_bulaevo(tmp_path / "bad.xlsx", [tuple(r) for r in rows])
    with Store(db) as store:
        before = store.counts()
    res = invoke(db, "import", str(book))
    text = str(res.exception)
    assert res.exit_code != 0 and "2 problems" in text
    assert "sheet 'Булаево'" in text and "'7x5'" in text and "'5;9'" in text
    with Store(db) as store:
        assert store.counts() == before
    skipped = invoke(db, "import", str(book), "--skip-invalid", "--rejected", str(tmp_path / "rej.csv"))
    assert skipped.exit_code == 0, skipped.output
    assert len(pd.read_csv(tmp_path / "rej.csv")) == 2


def test_assess_ranks_the_regions_of_the_year(db, tmp_path):
    out = tmp_path / "ranking.csv"
    res = invoke(db, "assess", "-o", str(out), "--audit", str(tmp_path / "audit.xlsx"))
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, dtype={"unit": str})
    # 2021: 14 regions on that year's borders (Abai, Zhetisu, Ulytau from 2022; no republican cities)
    assert len(table) == 14 and "100000000" not in set(table["unit"])
    assert sorted(table["rank"]) == list(range(1, 15))
    assert {"social", "economic", "infrastructural", "environmental", "vulnerability_index"} <= set(table.columns)
    # rank intervals from the spec's Monte-Carlo section bracket the median rank
    assert ((table["rank_p05"] <= table["rank_median"]) & (table["rank_median"] <= table["rank_p95"])).all()
    assert table["rank_p05"].min() >= 1 and table["rank_p95"].max() <= 14
    assert "Sobol" in res.output
    sheets = pd.read_excel(tmp_path / "audit.xlsx", sheet_name=None)
    assert {"missing_by_indicator", "cronbach", "pca", "flags", "correlations"} <= set(sheets)
    cronbach = sheets["cronbach"].set_index("node")
    assert cronbach.loc["social", "n_complete"] == 14


def test_entry_point_reports_a_bad_file_with_exit_code_2(db, tmp_path):
    """The installed `territoria` command: one readable message, exit code 2, nothing stored."""
    import subprocess
    import sys

    exe = str(Path(sys.executable).parent / "territoria")  # installed beside the interpreter running the tests
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,indicator,year,value\nZzyzx,unemployment_rate,2021,5\n", encoding="utf-8")
    done = subprocess.run([exe, "--db", str(db), "import", str(bad)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "row 2, column 'unit': found 'Zzyzx'" in done.stderr and "closest:" in done.stderr
    assert "Traceback" not in done.stderr and "leaked" not in done.stderr


def test_importing_new_figures_evaluates_adopted_measures(db, tmp_path):
    """A measure adopted for Mamlyutka is evaluated as soon as new figures arrive (the figure is synthetic)."""
    added = invoke(db, "monitor", "add", "595220100", "sme_support", "unemployment_rate", "4.0",
                   "--start", "2016", "--deadline", "2025")
    assert added.exit_code == 0, added.output
    with Store(db) as store:
        before = len(store.query("SELECT * FROM measure_evaluations"))
    new = tmp_path / "mamlyutka_2021.csv"
    new.write_text("unit,indicator,year,value\nMamlyutka,unemployment_rate,2021,\"4,9\"\n", encoding="utf-8")
    res = invoke(db, "import", str(new))
    assert res.exit_code == 0, res.output
    assert "Monitoring: 1 adopted measure(s) evaluated" in res.output
    with Store(db) as store:
        evaluations = store.query("SELECT * FROM measure_evaluations")
    assert len(evaluations) > before

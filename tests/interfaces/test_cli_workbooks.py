"""Every kind of table command writes ``-o x.xlsx`` as a formatted workbook that reads back as its CSV.

Runs on the bundled real data (a private copy of the Store); the ``compute`` table is synthetic (made up
for the test).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.interfaces.cli import app
from territoria.report.tablebook import ABOUT_SHEET, TABLE_SHEET

runner = CliRunner()
SPEC = """
name: tiny
tree:
  index:
    children:
      a: {direction: 1}
      b: {direction: -1}
normalise: {method: minmax}
"""


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("workbooks") / "copy.duckdb"
    copy.write_bytes(bundled_store_path.read_bytes())
    return copy


def _both(db: Path, tmp_path: Path, *args: str) -> tuple[pd.DataFrame, pd.DataFrame, openpyxl.Workbook]:
    """The command's table written as CSV and as XLSX, both read back with the text columns as text."""
    for suffix in ("csv", "xlsx"):
        res = runner.invoke(app, ["--db", str(db), *args, "-o", str(tmp_path / f"t.{suffix}")],
                            env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    ws = book[TABLE_SHEET]
    text = [ws.cell(1, j).value for j in range(1, ws.max_column + 1) if ws.cell(2, j).number_format == "@"]
    csv = pd.read_csv(tmp_path / "t.csv", dtype=dict.fromkeys(text, str))
    xlsx = pd.read_excel(tmp_path / "t.xlsx", sheet_name=TABLE_SHEET, dtype=dict.fromkeys(text, str))
    return csv, xlsx, book


def _check_formats(book: openpyxl.Workbook, frame: pd.DataFrame, *, codes: tuple[str, ...] = ()) -> None:
    ws = book[TABLE_SHEET]
    assert [c.value for c in ws[1]] == list(frame.columns)  # the stable ids, not translated labels
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(frame.columns))}{len(frame) + 1}"
    for j, col in enumerate(frame.columns, start=1):
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
        assert 8 <= width <= 60
        fmt = ws.cell(2, j).number_format
        if col in codes:
            assert fmt == "@" and width >= len(str(frame[col].iloc[0]))
        if col == "year" or col.endswith("_year"):
            assert fmt == "0"
    documented = [r[0] for r in book[ABOUT_SHEET].iter_rows(values_only=True)]
    assert all(col in documented for col in frame.columns)


def test_units_and_show(db, tmp_path):
    csv, xlsx, book = _both(db, tmp_path, "units", "--level", "region")
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)
    assert xlsx["code"].iloc[0] == "100000000"
    _check_formats(book, xlsx, codes=("code", "parent"))
    assert book[TABLE_SHEET].cell(2, list(xlsx.columns).index("population") + 1).number_format == "#,##0"
    command = next(r[1] for r in book[ABOUT_SHEET].iter_rows(values_only=True) if r[0] == "Command")
    assert command.startswith("territoria --db") and command.endswith(" units")
    csv, xlsx, book = _both(db, tmp_path, "show", "590000000")
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)
    _check_formats(book, xlsx, codes=("indicator",))
    ws, rows = book[TABLE_SHEET], list(xlsx["indicator"])
    last = openpyxl.utils.get_column_letter(len(xlsx.columns))
    population = ws[f"{last}{rows.index('population_avg') + 2}"].number_format
    assert population == "#,##0"  # a year column of a row of persons
    about = list(book[ABOUT_SHEET].iter_rows(values_only=True))
    start = about.index(next(r for r in about if r[0] == "Source id"))  # the sources of the shown figures
    assert start > 0 and about[start + 1][0] and about[start + 1][1]  # an id and its title


def test_sources_coverage_and_imports(db, tmp_path):
    csv, xlsx, book = _both(db, tmp_path, "sources")
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)
    _check_formats(book, xlsx, codes=("source_id",))
    csv, xlsx, book = _both(db, tmp_path, "coverage")
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)
    _check_formats(book, xlsx, codes=("indicator",))
    csv, xlsx, book = _both(db, tmp_path, "imports")
    assert len(xlsx) > 0
    ws = book[TABLE_SHEET]
    stamps = [c for c in xlsx.columns if pd.api.types.is_datetime64_any_dtype(xlsx[c])]
    assert stamps and all(ws.cell(2, list(xlsx.columns).index(c) + 1).number_format == "yyyy-mm-dd hh:mm:ss"
                          for c in stamps)
    # the CSV holds them as text; a spreadsheet keeps times to the millisecond
    csv[stamps] = csv[stamps].apply(lambda c: pd.to_datetime(c).dt.round("ms"))
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)


def test_compute_on_a_synthetic_table(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "data.csv").write_text("code,a,b\n001,1,10\n002,3,20\n010,5,30\n", encoding="utf-8")
    csv, xlsx, book = _both(tmp_path / "none.duckdb", tmp_path, "compute", str(tmp_path / "spec.yaml"), "--data",
                            str(tmp_path / "data.csv"), "--id-column", "code")
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)
    assert xlsx["code"].tolist() == ["001", "002", "010"]
    _check_formats(book, xlsx, codes=("code",))


def test_monitor_list(db, tmp_path):
    # a measure on a region: its evaluation takes the composite on the old map, the path that once took ~50 s
    add = runner.invoke(app, ["--db", str(db), "monitor", "add", "590000000", "sme_support", "unemployment_rate",
                              "3.5", "--deadline", "2027", "--start", "2020"])
    assert add.exit_code == 0, add.output
    csv, xlsx, book = _both(db, tmp_path, "monitor", "list")
    pd.testing.assert_frame_equal(csv, xlsx, check_dtype=False)
    row = xlsx.set_index("unit").loc["590000000"]
    assert (row["indicator"], row["target_value"], row["deadline_year"]) == ("unemployment_rate", 3.5, 2027)
    assert row["status"] in {"on_track", "off_track", "achieved", "overdue", "no_data"}
    _check_formats(book, xlsx, codes=("unit",))
    ws = book[TABLE_SHEET]
    assert ws.cell(2, list(xlsx.columns).index("deadline_year") + 1).number_format == "0"
    assert ws.cell(2, list(xlsx.columns).index("target_value") + 1).number_format.startswith("#,##0")

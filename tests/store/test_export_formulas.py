"""Exports never hand a spreadsheet a formula that came from data (issue 19, finding 8). Synthetic notes."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd

from territoria.interfaces.output import write_table
from territoria.store.export import neutralise_formulas

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1+cmd", "@SUM(A1)", "\tx", "\rx", "plain", "-26"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({"note": HOSTILE, "value": [-1.5] * len(HOSTILE), "=col": ["a"] * len(HOSTILE)})


def test_text_starting_a_formula_gets_an_apostrophe_numbers_stay() -> None:
    out = neutralise_formulas(frame())
    assert out["note"].tolist() == ["'" + v for v in HOSTILE[:6]] + ["plain", "-26"]
    assert out["value"].tolist() == [-1.5] * len(HOSTILE) and out["value"].dtype == float
    assert list(out.columns) == ["note", "value", "'=col"]


def test_xlsx_export_holds_no_formula(tmp_path) -> None:
    path = write_table(frame(), tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert sheet["A2"].value == "'" + HOSTILE[0] and sheet["B2"].value == -1.5


def test_csv_export_escapes_formulas(tmp_path) -> None:
    path = write_table(frame(), tmp_path / "t.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["note", "value", "'=col"]
    assert [r[0] for r in rows] == ["'" + v for v in HOSTILE[:6]] + ["plain", "-26"]
    assert {r[1] for r in rows} == {"-1.5"}

"""The console-table helper on small synthetic frames (made up for the test; codes are real KATO codes)."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from territoria.errors import DataError
from territoria.interfaces.console import format_cells, parse_columns, print_frame
from territoria.report.formats import format_number, indicator_decimals

CODES = ["710000000", "750000000", "593620100"]


def _console(width: int) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, color_system=None, legacy_windows=False), buffer


def _lines(buffer: io.StringIO) -> list[str]:
    return buffer.getvalue().splitlines()


def test_numbers_are_written_as_people_write_them():
    frame = pd.DataFrame({"code": CODES, "population": [1_354_556.0, 2_228_677.0, 7_038.0],
                          "share": [0.1234, 0.5, np.nan], "score": [76.17422623561839, 66.0, 12.25],
                          "data_year": [2023, 2024, 2025], "when": pd.to_datetime(["2025-01-02", None, None])})
    cells = format_cells(frame)
    assert cells["population"].tolist() == ["1,354,556", "2,228,677", "7,038"]
    assert cells["share"].tolist() == ["0.1234", "0.5000", "—"]
    assert cells["score"].tolist() == ["76.2", "66.0", "12.2"]          # one decimal below 1,000
    assert cells["data_year"].tolist() == ["2023", "2024", "2025"]      # years are not grouped
    assert cells["when"].tolist() == ["2025-01-02", "—", "—"]           # NaT is a dash, never "NaT"
    assert cells["code"].tolist() == CODES


def test_format_number_never_uses_scientific_notation():
    assert format_number(6.102e5, 0) == "610,200"
    assert format_number(7.152e4, 1) == "71,520.0"
    assert format_number(-0.0004, 2) == "0.00"
    assert format_number(float("nan"), 1) == "—"


def test_decimals_follow_the_catalogue(small_catalogue):
    assert indicator_decimals(small_catalogue["population"]) == 0        # persons
    assert indicator_decimals(small_catalogue["avg_wage"]) == 0          # tenge
    assert indicator_decimals(small_catalogue["unemployment_rate"]) == 1  # %
    show = pd.DataFrame({"indicator": ["population", "unemployment_rate"], "2020": [7038.0, 5.04],
                         "2021": [6990.0, 4.96]})
    cells = format_cells(show, catalogue=small_catalogue, indicator_column="indicator")
    assert cells.loc[0, ["2020", "2021"]].tolist() == ["7,038", "6,990"]
    assert cells.loc[1, ["2020", "2021"]].tolist() == ["5.0", "5.0"]


@pytest.mark.parametrize("width", [80, 200])
def test_a_wide_table_fits_and_says_what_it_left_out(width):
    frame = pd.DataFrame({"code": CODES, "name": ["Astana", "Almaty City", "Bulaevo"]})
    for i in range(48):
        frame[f"indicator_{i:02d}"] = [1234.5 + i, 2.5, 0.25]
    console, buffer = _console(width)
    layout = print_frame(frame, console=console, transpose=False)
    lines = _lines(buffer)
    assert max(len(line) for line in lines) <= width
    assert layout.shown[:2] == ["code", "name"] and layout.hidden
    assert set(layout.shown) | set(layout.hidden) == set(frame.columns)
    assert all(code in buffer.getvalue() for code in CODES)             # codes whole, never folded
    assert f"{len(layout.hidden)} column(s) not shown: {layout.hidden[0]}" in " ".join(lines)
    for name in layout.shown:                                            # no one-character columns
        assert name in buffer.getvalue()


def test_year_columns_keep_the_latest_years_and_name_the_rest_as_a_range():
    years = [str(y) for y in range(2000, 2026)]
    frame = pd.DataFrame([["births", "Live births", "persons", *[8000.0 + i for i in range(26)]]],
                         columns=["indicator", "name", "unit_of_measure", *years])
    console, buffer = _console(80)
    layout = print_frame(frame, console=console, keys=["name", "unit_of_measure"], prefer="last",
                         transpose=False)
    shown_years = [c for c in layout.shown if c.isdigit()]
    assert shown_years and shown_years[-1] == "2025"
    assert shown_years == years[-len(shown_years):]                     # the latest years, in order
    hidden_years = years[:-len(shown_years)]
    assert f"{hidden_years[0]}–{hidden_years[-1]}" in buffer.getvalue()
    assert max(len(line) for line in _lines(buffer)) <= 80


def test_a_one_row_table_is_transposed_when_too_wide():
    frame = pd.DataFrame([{"unit": "595220100", **{f"measure_{i}": float(i) * 1000 for i in range(20)}}])
    console, buffer = _console(80)
    layout = print_frame(frame, console=console)
    assert layout.transposed and not layout.hidden
    text = buffer.getvalue()
    assert "measure_19" in text and "19,000" in text and "595220100" in text
    assert max(len(line) for line in _lines(buffer)) <= 80


def test_columns_pick_what_is_shown_and_unknown_names_are_refused():
    frame = pd.DataFrame({"code": CODES, "name": ["a", "b", "c"], "population": [1.0, 2.0, 3.0],
                          "lat": [51.1, 43.2, 54.9]})
    console, _ = _console(80)
    layout = print_frame(frame, console=console, columns=parse_columns(["lat"]))
    assert layout.shown == ["code", "name", "lat"]
    with pytest.raises(DataError, match=r"--columns: no column 'pop'.*code, name, population, lat"):
        print_frame(frame, console=console, columns=["pop"])
    assert parse_columns(["a,b", " c "]) == ["a", "b", "c"] and parse_columns(None) is None


def test_no_scientific_notation_in_any_cell():
    frame = pd.DataFrame({"unit": CODES, "big": [6.102e5, 7.152e4, 1.5e9], "tiny": [1e-5, 2e-4, 0.0005]})
    console, buffer = _console(200)
    print_frame(frame, console=console)
    assert not re.search(r"\de[+-]\d", buffer.getvalue())
    assert "1,500,000,000" in buffer.getvalue() and "0.000500" in buffer.getvalue()  # 3 significant digits


def test_shown_years_stay_contiguous_when_a_wide_one_does_not_fit():
    years = [str(y) for y in range(2018, 2026)]
    values = [1.0] * len(years)
    values[years.index("2023")] = 123_456_789_012.0              # a wide column among narrow ones
    frame = pd.DataFrame([["Births", "persons", *values]], columns=["name", "unit_of_measure", *years])
    console, buffer = _console(50)
    layout = print_frame(frame, console=console, keys=["name", "unit_of_measure"], prefer="last", transpose=False)
    shown = [c for c in layout.shown if c.isdigit()]
    assert shown == ["2024", "2025"]                              # not 2018-2022 squeezed in after the gap
    assert "2018–2023" in buffer.getvalue()

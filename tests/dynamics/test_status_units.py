"""classify over many units at once (one sort of the whole table, only the rules' series read): every unit of
the input gets a row, in code order, whatever the row order and whatever else the table holds. Constructed
series (not statistics)."""

from __future__ import annotations

import pandas as pd

from territoria.dynamics.status import classify

YEARS = list(range(2015, 2021))
FALLING = [7027.0, 7058, 6955, 6870, 6833, 6731]   # Mamlyutka's population (seed 002, Table 2): declining


def _rows(unit: str, indicator: str, values: list[float]) -> list[dict]:
    return [{"unit": unit, "indicator": indicator, "year": y, "value": v} for y, v in zip(YEARS, values, strict=True)]


def test_every_unit_gets_a_row_in_code_order_and_others_series_do_not_matter():
    alone = classify(pd.DataFrame(_rows("B", "population_reported", FALLING)
                                  + _rows("B", "net_migration", [-35.0, -44, -37, -32, -31, -36])))
    assert alone.loc["B", "status"] == "declining"
    rows = (_rows("Z", "grp_per_capita", [1.0, 2, 3, 4, 5, 6])          # no series a status rule reads
            + _rows("B", "net_migration", [-35.0, -44, -37, -32, -31, -36])
            + _rows("B", "population_reported", FALLING)
            + _rows("B", "grp_per_capita", [9.0, 8, 7, 6, 5, 4])
            + _rows("A", "population_reported", [None] * 6))            # only missing values
    mixed = classify(pd.DataFrame(rows).sample(frac=1.0, random_state=3))  # rows shuffled
    assert mixed.index.tolist() == ["B", "Z"]   # A has no value at all: not a unit of the table
    pd.testing.assert_series_equal(mixed.loc["B"], alone.loc["B"])
    z = mixed.loc["Z"]
    assert (z["status"], z["label"], z["facts"], z["rule"], z["horizon"]) == (
        "insufficient_data", "Insufficient data", "no series the rules need", -1, "")

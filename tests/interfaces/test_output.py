"""Tables written by suffix keep codes as text and read back equal."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.interfaces.output import OutputError, write_table

TABLE = pd.DataFrame({"unit": ["001000000", "593620100"], "name": ["Абай", "Булаево"], "score": [0.25, 71.5]})


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json", ".parquet"])
def test_round_trip_by_suffix(tmp_path, suffix):
    path = write_table(TABLE, tmp_path / f"t{suffix}")
    if suffix == ".csv":
        back = pd.read_csv(path, dtype={"unit": str})
    elif suffix == ".xlsx":
        back = pd.read_excel(path, dtype={"unit": str})
    elif suffix == ".json":
        back = pd.read_json(path, dtype={"unit": str})
    else:
        back = pd.read_parquet(path)
    assert back["unit"].tolist() == ["001000000", "593620100"]  # leading zeros kept
    assert back["name"].tolist() == ["Абай", "Булаево"]
    assert back["score"].tolist() == [0.25, 71.5]
    assert not list(tmp_path.glob(".*.tmp"))


def test_unknown_suffix_is_refused_before_writing(tmp_path):
    with pytest.raises(OutputError, match=r"'\.txt'.*\.csv, \.xlsx, \.json, \.parquet"):
        write_table(TABLE, tmp_path / "t.txt")
    assert not list(tmp_path.iterdir())

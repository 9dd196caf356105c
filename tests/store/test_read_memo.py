"""The Store's small reads with the web's read memo: a page asks for the same units, a unit's series and the
crosswalk several times, and they are read from the file once per version; each caller gets a frame of its
own, and a bad stored cell is still reported on every read. Without a memo every call reads the file.

Catalogue and figures are synthetic; unit codes are real (tests/conftest.py).
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from territoria.store import Store, import_observations
from territoria.store.store import StoredValueWarning


class Memo:
    """A read memo as the web gives a Store (one per version of the file), counting what it computes."""

    def __init__(self) -> None:
        self.values: dict[tuple, object] = {}
        self.computed: list[tuple] = []

    def __call__(self, key: tuple, compute):
        if key not in self.values:
            self.computed.append(key)
            self.values[key] = compute()
        return self.values[key]


@pytest.fixture
def store(tmp_path, small_catalogue, small_units):
    with Store(tmp_path / "m.duckdb", catalogue=small_catalogue) as s:
        s.put_units(small_units)
        s.sync_catalogue()
        import_observations(s, pd.DataFrame({"unit": ["593620100"] * 3, "indicator": ["population"] * 3,
                                             "year": [2019, 2020, 2021], "value": [8100.0, 8000.0, 7900.0]}),
                            file="synthetic.csv", file_sha256="c" * 64)
        yield s


@pytest.fixture
def queries(store, monkeypatch) -> list[str]:
    """The SQL the Store sends to its file, in order."""
    sent: list[str] = []
    original = Store.query

    def counting(self, sql, params=None):
        sent.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(Store, "query", counting)
    return sent


def test_without_a_memo_every_read_goes_to_the_file(store, queries) -> None:
    for _ in range(2):
        store.units(codes=["593620100"])
        store.observations(units=["593620100"])
        store.crosswalk()
    assert len(queries) == 6


def test_with_a_memo_each_read_is_made_once_and_each_caller_owns_its_frame(store, queries) -> None:
    store.derived = memo = Memo()
    first = store.units(codes=["593620100"])
    first.loc["593620100", "name_en"] = "changed by a caller"
    first.index.name = "mine"
    first["extra"] = 1
    again = store.units(codes=["593620100"])
    assert again.at["593620100", "name_en"] == "Bulaevo" and again.index.name == "code"
    assert "extra" not in again.columns

    obs = store.observations(units=["593620100"])
    obs.loc[0, "value"] = -1.0
    assert store.observations(units=["593620100"])["value"].tolist() == [8100.0, 8000.0, 7900.0]
    store.crosswalk()
    store.crosswalk()
    assert len(queries) == 3 and len(memo.computed) == 3
    # other arguments are other reads; reads of a whole level are not kept (large, read once)
    store.units(codes=["590000000"])
    store.observations(units=["590000000"])
    store.observations(level="settlement")
    store.observations(level="settlement")
    assert len(queries) == 7


def test_a_bad_cell_is_reported_on_every_read_of_a_remembered_series(store) -> None:
    store.con.execute("INSERT INTO observations VALUES ('593620100', 'unemployment_rate', 2021, 'inf'::DOUBLE, "
                      "'old', 1, NULL)")
    store.derived = Memo()
    for _ in range(2):
        with pytest.warns(StoredValueWarning, match=r"\(593620100, unemployment_rate, 2021\) = inf"):
            obs = store.observations(units=["593620100"])
        assert obs["indicator"].tolist() == ["population"] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store.units(codes=["593620100"])  # units hold no values: nothing to report

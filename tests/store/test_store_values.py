"""Bad numbers never enter the Store, and a bad cell an older Store holds never breaks a reader (issue 19, #3).

Catalogue and figures are synthetic; unit codes are real (tests/conftest.py).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from territoria.catalog.catalogue import Catalogue
from territoria.errors import InputFileError
from territoria.store import Store, import_observations
from territoria.store.store import StoredValueWarning

CATALOGUE = Catalogue.from_mapping({"version": 1, "indicators": [
    {"id": "population", "name": {"en": "Population"}, "unit": {"en": "persons"}, "range": [0, 3.0e7],
     "range_by_level": {"settlement": [0, 5.0e6]}},
    {"id": "unemployment_rate", "name": {"en": "Unemployment rate"}, "unit": {"en": "%"}, "range": [0, 100]},
]})


@pytest.fixture
def store(tmp_path, small_units):
    with Store(tmp_path / "v.duckdb", catalogue=CATALOGUE) as s:
        s.put_units(small_units)
        s.sync_catalogue()
        yield s


def test_import_refuses_infinite_and_out_of_range_values(store: Store) -> None:
    rows = pd.DataFrame({"unit": ["590000000", "593620100", "593620100"], "indicator": ["population"] * 3,
                         "year": [2020, 2020, 2021], "value": [math.inf, 6.0e6, 8000.0],
                         "row": [2, 3, 4], "sheet": ["S", "S", "S"]})
    with pytest.raises(InputFileError) as info:
        import_observations(store, rows, file="f.xlsx", file_sha256="a" * 64)
    assert [(p.row, p.sheet, p.value) for p in info.value.problems] == [(2, "S", math.inf), (3, "S", 6.0e6)]
    assert "for a settlement" in info.value.problems[1].expected
    assert store.counts()["observations"] == 0 and store.counts()["imports"] == 0


def test_a_bad_stored_cell_is_reported_and_left_out(store: Store) -> None:
    import_observations(store, pd.DataFrame({"unit": ["590000000", "590000000"], "indicator": ["population"] * 2,
                                             "year": [2020, 2021], "value": [550_000.0, 548_000.0]}),
                        file="ok.csv", file_sha256="b" * 64)
    # what a Store written before the check could hold
    store.con.execute("INSERT INTO observations VALUES ('590000000', 'unemployment_rate', 2021, 'inf'::DOUBLE, "
                      "'old', 1, NULL)")
    bad = store.bad_cells()
    assert bad[["unit", "indicator", "year"]].values.tolist() == [["590000000", "unemployment_rate", 2021]]
    with pytest.warns(StoredValueWarning, match=r"\(590000000, unemployment_rate, 2021\) = inf from import #1"):
        panel = store.panel(level="region")
    assert sorted(panel.observations["year"]) == [2020, 2021]
    assert panel.observations["value"].map(math.isfinite).all()

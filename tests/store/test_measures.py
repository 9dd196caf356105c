"""Adopted measures in the Store (schema v4): validation, append-only history, transactions."""

from __future__ import annotations

import shutil

import pytest

from territoria.errors import DataError, UnknownNameError
from territoria.mechanisms.monitor import evaluate_measures
from territoria.store import SCHEMA_VERSION, Store
from territoria.store import measures as ms


@pytest.fixture
def store(bundled_store_path, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(bundled_store_path, path)
    with Store(path) as s:
        yield s


def test_schema_has_the_monitoring_tables(store):
    assert SCHEMA_VERSION == 6
    tables = set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert {"measures", "measure_evaluations", "monitor_warnings"} <= tables


def test_add_measure_takes_the_baseline_and_converts_the_target(store):
    # Mamlyutka's wage in 2016 is 85,133 tenge (seed 002, Table 2); target given in thousand tenge
    mid = ms.add_measure(store, unit="595220100", mechanism="sme_support", indicator="avg_monthly_nominal_wage",
                         target_value=150, target_unit="thousand tenge", start_year=2016, deadline_year=2022)
    row = ms.measures(store).set_index("measure_id").loc[mid]
    assert row["baseline_value"] == 85133 and row["baseline_year"] == 2016 and row["target_value"] == 150000


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"target_unit": "%"}, DataError, "unit '%' is not a unit of this indicator"),
    ({"indicator": "avg_wage"}, UnknownNameError, "unknown indicator 'avg_wage'"),
    ({"unit": "999999999"}, UnknownNameError, "unknown unit"),
    ({"deadline_year": 2016}, DataError, "must be after the start"),
    ({"start_year": 2010}, DataError, "no value of avg_monthly_nominal_wage in or before 2010"),
    ({"mechanism": "sme_suport"}, UnknownNameError, "did you mean 'sme_support'"),
])
def test_bad_measures_store_nothing(store, kwargs, error, message):
    args = {"unit": "595220100", "mechanism": "sme_support", "indicator": "avg_monthly_nominal_wage",
            "target_value": 150000, "start_year": 2016, "deadline_year": 2022, "mechanisms": ["sme_support"]}
    with pytest.raises(error, match=message):
        ms.add_measure(store, **{**args, **kwargs})
    assert ms.measures(store).empty


def test_history_is_appended_never_overwritten(store):
    mid = ms.add_measure(store, unit="595220100", mechanism="sme_support", indicator="avg_monthly_nominal_wage",
                         target_value=150000, start_year=2016, deadline_year=2022)
    obs = store.observations(units=["595220100"])
    first = evaluate_measures(ms.measures(store), obs)
    assert ms.record_evaluations(store, first, import_id=2) == 1
    assert ms.record_evaluations(store, first, import_id=2) == 0          # same evaluation: not repeated
    later = evaluate_measures(ms.measures(store), obs, as_of=2023)        # past the deadline
    assert ms.record_evaluations(store, later, import_id=3) == 1
    history = ms.evaluations(store, measure_id=mid)
    assert list(history["status"]) == ["on_track", "overdue"]
    assert ms.measures(store).set_index("measure_id").loc[mid, "status"] == "overdue"
    ms.withdraw_measure(store, mid)
    assert ms.measures(store, active_only=True).empty and len(ms.evaluations(store)) == 2


def test_a_failed_write_leaves_nothing(store):
    import pandas as pd

    bad = pd.DataFrame([{"measure_id": 1, "data_year": 2020, "value": 1.0, "expected": 1.0, "status": "on_track",
                         "facts": ""}, {"measure_id": 1, "data_year": 2021, "value": 1.0, "expected": 1.0,
                                        "status": "nonsense", "facts": ""}])
    with pytest.raises(Exception, match=r"(?i)constraint"):
        ms.record_evaluations(store, bad)
    assert ms.evaluations(store).empty

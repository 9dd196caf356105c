"""Derived indicators are recomputed after every import, in the same transaction, only where they change.

The numbers are synthetic (round figures chosen for hand arithmetic); the units are real KATO codes of
North Kazakhstan (Mamlyut and Shal Akyn districts) so that the catalogue's district formulas apply.
"""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.catalog.catalogue import load_catalogue
from territoria.store import Store, import_observations

D1, D2, REGION = "595200000", "595600000", "590000000"


@pytest.fixture
def store(tmp_path):
    units = pd.DataFrame([
        {"code": "KZ", "parent": None, "level": "country", "kind": "country", "name_en": "Kazakhstan"},
        {"code": REGION, "parent": "KZ", "level": "region", "kind": "region", "name_en": "North Kazakhstan"},
        {"code": D1, "parent": REGION, "level": "district", "kind": "district", "name_en": "Mamlyut"},
        {"code": D2, "parent": REGION, "level": "district", "kind": "district", "name_en": "Shal Akyn"},
    ])
    with Store(tmp_path / "r.duckdb", catalogue=load_catalogue()) as s:
        s.put_units(units)
        s.sync_catalogue()
        yield s


def _rows(values: dict[tuple[str, str, int], float]) -> pd.DataFrame:
    return pd.DataFrame([{"unit": u, "indicator": i, "year": y, "value": v} for (u, i, y), v in values.items()])


FIRST = {
    (D1, "population_1jan", 2017): 20000.0, (D1, "population_1jan", 2018): 19000.0,
    (D2, "population_1jan", 2017): 10000.0, (D2, "population_1jan", 2018): 10500.0,
    ("KZ", "population_1jan", 2017): 1_000_000.0,
    (D1, "natural_increase", 2017): 100.0, (D2, "natural_increase", 2017): -50.0,
    (D1, "fixed_investment", 2017): 400.0, (D2, "fixed_investment", 2017): 100.0,   # million tenge
    ("KZ", "fixed_investment", 2017): 10_000.0,
}


def _derived(store: Store) -> pd.DataFrame:
    return store.query("SELECT unit, indicator, year, value, import_id, note FROM observations "
                       "WHERE source_id = 'derived'").set_index(["unit", "indicator", "year"]).sort_index()


def _load_first(store: Store) -> None:
    report = import_observations(store, _rows(FIRST), file="first.csv", file_sha256="a" * 64)
    assert report.rows_derived > 0


def test_import_derives_per_1000_growth_and_ratio_with_provenance(store: Store) -> None:
    _load_first(store)
    d = _derived(store)
    assert d.loc[(D1, "natural_increase_per_1000", 2017), "value"] == pytest.approx(5.0)       # 1000*100/20000
    assert d.loc[(D2, "natural_increase_per_1000", 2017), "value"] == pytest.approx(-5.0)
    # 1 January stock: 100 * (19000 / 20000 - 1) = -5 %
    assert d.loc[(D1, "population_change_pct", 2018), "value"] == pytest.approx(-5.0)
    # (400e6 / 20000) / (10000e6 / 1e6) = 20000 / 10000
    assert d.loc[(D1, "fixed_investment_per_capita_ratio", 2017), "value"] == pytest.approx(2.0)
    note = d.loc[(D1, "natural_increase_per_1000", 2017), "note"]
    assert "natural_increase" in note and "population_1jan" in note and "import #1" in note


def test_changed_population_of_one_district_recomputes_only_its_cells(store: Store) -> None:
    _load_first(store)
    before = _derived(store)
    report = import_observations(store, _rows({(D1, "population_1jan", 2017): 25000.0}), file="fix.csv",
                                 file_sha256="b" * 64, revise=True)
    assert report.rows_revised == 1
    after = _derived(store)
    assert after.loc[(D1, "natural_increase_per_1000", 2017), "value"] == pytest.approx(4.0)   # 1000*100/25000
    assert after.loc[(D1, "population_change_pct", 2018), "value"] == pytest.approx(-24.0)    # 19000/25000 - 1
    assert after.loc[(D1, "fixed_investment_per_capita_ratio", 2017), "value"] == pytest.approx(1.6)
    changed = [(D1, "natural_increase_per_1000", 2017), (D1, "population_change_pct", 2018),
               (D1, "fixed_investment_per_capita_ratio", 2017)]
    assert (after.loc[changed, "import_id"] == report.import_id).all()
    assert "import #2" in after.loc[changed[0], "note"]
    others = before.drop(index=changed)
    pd.testing.assert_frame_equal(after.drop(index=changed), others)      # untouched: same value and import
    history = store.history()
    replaced = history[history["source_id"] == "derived"].set_index(["unit", "indicator", "year"])
    assert set(replaced.index) == set(changed)
    assert replaced.loc[changed[0], "value"] == pytest.approx(5.0)
    assert (replaced["replaced_by_import"] == report.import_id).all()


def test_changed_national_row_recomputes_every_ratio_of_that_year(store: Store) -> None:
    _load_first(store)
    import_observations(store, _rows({("KZ", "fixed_investment", 2017): 20_000.0}), file="kz.csv",
                        file_sha256="c" * 64, revise=True)
    after = _derived(store)
    assert after.loc[(D1, "fixed_investment_per_capita_ratio", 2017), "value"] == pytest.approx(1.0)
    assert after.loc[(D2, "fixed_investment_per_capita_ratio", 2017), "value"] == pytest.approx(0.5)
    assert after.loc[(D2, "natural_increase_per_1000", 2017), "import_id"] == 1


def test_failure_while_deriving_rolls_back_the_import(store: Store) -> None:
    _load_first(store)
    before = store.query("SELECT * FROM observations ORDER BY unit, indicator, year")

    def fail(stage: str) -> None:
        if stage == "derived":
            raise RuntimeError("injected fault after the derived writes")

    with pytest.raises(RuntimeError, match="injected"):
        import_observations(store, _rows({(D1, "population_1jan", 2017): 25000.0}), file="fix.csv",
                            file_sha256="d" * 64, revise=True, fault_hook=fail)
    after = store.query("SELECT * FROM observations ORDER BY unit, indicator, year")
    pd.testing.assert_frame_equal(before, after)
    assert store.history().empty
    assert store.imports()["file"].tolist() == ["first.csv"]


def test_a_published_value_is_never_overwritten_by_a_derived_one(store: Store) -> None:
    published = {(D2, "natural_increase_per_1000", 2017): -4.9}
    import_observations(store, _rows(published), file="published.csv", file_sha256="e" * 64, source_id="PUB")
    _load_first(store)
    cell = store.query(f"SELECT value, source_id FROM observations WHERE unit = '{D2}' "
                       "AND indicator = 'natural_increase_per_1000' AND year = 2017")
    assert cell["source_id"].tolist() == ["PUB"] and cell["value"].tolist() == [-4.9]

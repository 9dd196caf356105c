"""The Store: schema versions, transactional and idempotent imports, revisions with history."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from territoria.errors import ConflictError, InputFileError, StoreError
from territoria.store import SCHEMA_VERSION, Store, import_observations
from territoria.store.schema import migrate


@pytest.fixture
def store(tmp_path, small_catalogue, small_units):
    with Store(tmp_path / "t.duckdb", catalogue=small_catalogue) as s:
        s.put_units(small_units)
        s.sync_catalogue()
        yield s


def rows(values: dict[tuple[str, str, int], float]) -> pd.DataFrame:
    return pd.DataFrame([{"unit": u, "indicator": i, "year": y, "value": v} for (u, i, y), v in values.items()])


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    """Every table of the Store, sorted, for exact before/after comparison."""
    tables = ["units", "indicators", "observations", "observation_history", "sources", "imports", "crosswalk"]
    out = {}
    for t in tables:
        frame = store.query(f"SELECT * FROM {t}")
        out[t] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def assert_same_store(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], obj=key)


BULAEVO = {("593620100", "population", 2015): 8603.0, ("593620100", "population", 2016): 8446.0,
           ("593620100", "unemployment_rate", 2015): 5.0}


def test_new_store_has_current_schema(tmp_path, small_catalogue):
    with Store(tmp_path / "s.duckdb", catalogue=small_catalogue) as s:
        assert s.schema_version == SCHEMA_VERSION == 6
        assert s.counts()["observations"] == 0


def test_store_of_previous_version_is_migrated(tmp_path, small_catalogue):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=1)
    con.execute("INSERT INTO units (code, level) VALUES ('KZ', 'country')")
    con.close()
    with Store(path, catalogue=small_catalogue) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.units().index.tolist() == ["KZ"]  # data of version 1 kept
        s.add_unit_alias("Mamlyut", "KZ")
        assert s.unit_aliases()["alias"].tolist() == ["Mamlyut"]


def test_store_from_a_newer_version_is_refused(tmp_path, small_catalogue):
    path = tmp_path / "new.duckdb"
    with Store(path, catalogue=small_catalogue) as s:
        s.con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        Store(path, catalogue=small_catalogue)


def test_round_trip(store):
    report = import_observations(store, rows(BULAEVO), file="seed.csv", file_sha256="h1")
    assert (report.rows_new, report.rows_same, report.rows_revised) == (3, 0, 0)
    back = store.observations()
    got = {(r.unit, r.indicator, r.year): r.value for r in back.itertuples()}
    assert got == BULAEVO
    assert set(back["import_id"]) == {report.import_id}
    assert store.sources().loc[0, "file_sha256"] == "h1"


def test_reimporting_the_same_file_changes_nothing(store):
    import_observations(store, rows(BULAEVO), file="seed.csv", file_sha256="h1")
    before = snapshot(store)
    report = import_observations(store, rows(BULAEVO), file="seed.csv", file_sha256="h1")
    assert report.already_imported
    assert_same_store(before, snapshot(store))


def test_same_values_from_another_file_add_nothing(store):
    import_observations(store, rows(BULAEVO), file="a.csv", file_sha256="h1")
    report = import_observations(store, rows(BULAEVO), file="b.csv", file_sha256="h2")
    assert (report.rows_new, report.rows_same) == (0, 3)
    assert store.counts()["observations"] == 3


def test_conflicting_value_is_refused_and_nothing_is_stored(store):
    import_observations(store, rows(BULAEVO), file="a.csv", file_sha256="h1")
    before = snapshot(store)
    changed = dict(BULAEVO)
    changed[("593620100", "population", 2016)] = 8450.0
    changed[("595220100", "population", 2016)] = 6000.0  # a new row in the same file: not stored either
    with pytest.raises(ConflictError) as err:
        import_observations(store, rows(changed), file="b.csv", file_sha256="h2")
    assert err.value.n == 1
    assert "8446" in str(err.value) and "8450" in str(err.value)
    assert_same_store(before, snapshot(store))


def test_revision_keeps_the_old_value_in_history(store):
    first = import_observations(store, rows(BULAEVO), file="a.csv", file_sha256="h1")
    changed = dict(BULAEVO)
    changed[("593620100", "population", 2016)] = 8450.0
    second = import_observations(store, rows(changed), file="b.csv", file_sha256="h2", revise=True)
    assert second.rows_revised == 1 and second.rows_same == 2
    obs = store.observations(indicators=["population"], years=[2016])
    assert obs["value"].tolist() == [8450.0]
    history = store.history()
    assert history[["value", "import_id", "replaced_by_import"]].values.tolist() == [
        [8446.0, first.import_id, second.import_id]]


@pytest.mark.parametrize("stage", ["logged", "history", "batch:0", "before_commit"])
def test_fault_at_any_stage_leaves_the_store_as_it_was(store, stage):
    import_observations(store, rows(BULAEVO), file="a.csv", file_sha256="h1")
    before = snapshot(store)
    changed = dict(BULAEVO)
    changed[("593620100", "population", 2016)] = 8450.0
    changed[("595220100", "population", 2016)] = 6000.0

    def boom(seen: str) -> None:
        if seen == stage:
            raise RuntimeError(f"injected at {stage}")

    with pytest.raises(RuntimeError, match="injected"):
        import_observations(store, rows(changed), file="b.csv", file_sha256="h2", revise=True, fault_hook=boom)
    assert_same_store(before, snapshot(store))
    # and the Store still works: the same import goes through afterwards
    report = import_observations(store, rows(changed), file="b.csv", file_sha256="h2", revise=True)
    assert report.rows_new == 1 and report.rows_revised == 1


def test_fault_in_a_later_batch_rolls_back_earlier_batches(store, monkeypatch):
    monkeypatch.setattr("territoria.store.importing.BATCH_ROWS", 1)
    before = snapshot(store)
    with pytest.raises(RuntimeError):
        import_observations(store, rows(BULAEVO), file="a.csv", file_sha256="h1",
                            fault_hook=lambda s: (_ for _ in ()).throw(RuntimeError()) if s == "batch:2" else None)
    assert_same_store(before, snapshot(store))


def test_unknown_codes_are_listed_with_row_and_column(store):
    bad = rows(BULAEVO).astype({"value": object})
    bad.loc[1, "unit"] = "999999999"
    bad.loc[2, "indicator"] = "wages"
    bad.loc[0, "value"] = "abc"
    with pytest.raises(InputFileError) as err:
        import_observations(store, bad, file="bad.csv", file_sha256="h3")
    text = str(err.value)
    assert "3 problems" in text
    assert "row 2, column 'unit': found '999999999'" in text
    assert "row 3, column 'indicator': found 'wages'" in text
    assert "row 1, column 'value': found 'abc', expected a number" in text
    assert store.counts()["observations"] == 0 and store.counts()["imports"] == 0


def test_panel_and_coverage(store):
    import_observations(store, rows(BULAEVO), file="a.csv", file_sha256="h1")
    panel = store.panel(level="settlement")
    wide = panel.wide(2015)
    assert wide.loc["593620100", "population"] == 8603.0
    assert wide.loc["593620100", "unemployment_rate"] == 5.0
    cov = store.coverage().set_index("indicator")
    assert cov.loc["population", "cells"] == 2 and cov.loc["population", "first_year"] == 2015
    assert cov.loc["unemployment_rate", "block"] == "economic"


def test_read_only_store_must_exist(tmp_path, small_catalogue):
    with pytest.raises(StoreError, match="no Store here"):
        Store(tmp_path / "missing.duckdb", read_only=True, catalogue=small_catalogue)


def test_units_exist_on_the_borders_of_the_year(small_catalogue):
    """Abai (created 8 June 2022) reports from 2022; South Kazakhstan (split June 2018) until 2017."""
    from territoria.panel import Panel

    units = pd.DataFrame({
        "name_en": ["Abai", "East Kazakhstan", "South Kazakhstan", "Turkistan"],
        "valid_from": ["2022-06-08", None, None, "2018-06"],
        "valid_to": [None, None, "2018-06", None],
    }, index=pd.Index(["100000000", "630000000", "X_SOUTH_KAZAKHSTAN", "610000000"], name="code"))
    obs = pd.DataFrame({"unit": list(units.index) * 2, "indicator": "population",
                        "year": [2021] * 4 + [2022] * 4, "value": 1.0})
    panel = Panel.from_long(obs, small_catalogue, units)
    assert sorted(panel.existing_in(2017)) == ["630000000", "X_SOUTH_KAZAKHSTAN"]
    assert sorted(panel.existing_in(2021)) == ["610000000", "630000000"]
    assert sorted(panel.existing_in(2022)) == ["100000000", "610000000", "630000000"]


def test_unit_lists_are_replaced_whole(store):
    store.put_unit_list("seed", pd.DataFrame({"code": ["593620100", "595220100"], "status": "depressive",
                                              "citation": "Turkeeva et al. (2022)"}))
    store.put_unit_list("seed", pd.DataFrame({"code": ["595220100"], "status": "depressed",
                                              "citation": "Orynbet & Imangali (2022)"}))
    members = store.unit_list("seed")
    assert members[["code", "name_en", "status"]].values.tolist() == [["595220100", "Mamlyutka", "depressed"]]
    assert store.unit_list("other").empty


def test_an_older_store_opened_read_only_is_migrated_first(tmp_path, small_catalogue):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=1)
    con.close()
    with Store(path, read_only=True, catalogue=small_catalogue) as s:
        assert s.schema_version == SCHEMA_VERSION
        with pytest.raises(duckdb.Error):  # still read-only
            s.con.execute("INSERT INTO units (code, level) VALUES ('KZ', 'country')")

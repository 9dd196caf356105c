"""Re-imports keyed on the file and its options; undoing an import (issue 19, finding 4).

Catalogue and figures are synthetic (tests/conftest.py); unit codes are real.
"""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.errors import ConflictError, ImportRefusedError
from territoria.store import Store, import_observations, undo_import

S1 = {("593620100", "population", 2015): 8603.0, ("593620100", "population", 2016): 8446.0}
S2 = {("595220100", "population", 2015): 7738.0}


def rows(values: dict[tuple[str, str, int], float]) -> pd.DataFrame:
    return pd.DataFrame([{"unit": u, "indicator": i, "year": y, "value": v} for (u, i, y), v in values.items()])


def stored(store: Store) -> dict[tuple[str, str, int], float]:
    return {(r.unit, r.indicator, r.year): r.value for r in store.observations().itertuples()}


@pytest.fixture
def store(tmp_path, small_catalogue, small_units):
    with Store(tmp_path / "r.duckdb", catalogue=small_catalogue) as s:
        s.put_units(small_units)
        s.sync_catalogue()
        yield s


def test_same_file_with_another_sheet_is_imported_and_says_so(store: Store) -> None:
    first = import_observations(store, rows(S1), file="book.xlsx", file_sha256="h", options={"sheets": ["S1"]})
    second = import_observations(store, rows(S2), file="book.xlsx", file_sha256="h", options={"sheets": ["S2"]})
    assert not second.already_imported and second.rows_new == 1
    assert f"import #{first.import_id} read this file with other options (sheets: ['S1'] then, ['S2'] now)" \
        in second.summary()
    assert second.other_options == ((first.import_id, ("sheets",)),) and second.applied_again is None
    assert stored(store) == {**S1, **S2}
    again = import_observations(store, rows(S2), file="book.xlsx", file_sha256="h", options={"sheets": ["S2"]})
    assert again.already_imported and again.import_id == second.import_id
    assert "with the same options" in again.summary()


def test_same_file_and_values_with_other_options_changes_nothing_and_says_how(store: Store) -> None:
    first = import_observations(store, rows(S1), file="a.csv", file_sha256="h", options={"layout": "auto"})
    again = import_observations(store, rows(S1), file="a.csv", file_sha256="h", options={"layout": "long"})
    assert again.already_imported and again.import_id == first.import_id
    assert "read this file with other options (layout: 'auto' then, 'long' now)" in again.summary()
    assert again.other_options == ((first.import_id, ("layout",)),)
    assert len(store.imports()) == 1


def test_reimport_after_a_revision_is_a_conflict_naming_the_revision(store: Store) -> None:
    first = import_observations(store, rows(S1), file="a.csv", file_sha256="h1")
    revised = {**S1, ("593620100", "population", 2016): 8450.0}
    second = import_observations(store, rows(revised), file="b.csv", file_sha256="h2", revise=True)
    with pytest.raises(ConflictError) as err:
        import_observations(store, rows(S1), file="a.csv", file_sha256="h1")
    assert f"imported as import #{first.import_id} with the same options" in str(err.value)
    assert f"import(s) #{second.import_id}" in str(err.value) and "--revise" in str(err.value)
    again = import_observations(store, rows(S1), file="a.csv", file_sha256="h1", revise=True)
    assert again.rows_revised == 1 and stored(store) == S1
    assert again.applied_again == first.import_id and again.other_options == ()


def test_undo_restores_replaced_values_and_removes_created_cells(store: Store) -> None:
    import_observations(store, rows(S1), file="a.csv", file_sha256="h1")
    changed = {("593620100", "population", 2016): 8450.0, **S2}
    second = import_observations(store, rows(changed), file="b.csv", file_sha256="h2", revise=True)
    undo = undo_import(store, second.import_id)
    assert (undo.rows_revised, undo.rows_removed) == (1, 1)
    assert stored(store) == S1
    log = store.imports().set_index("import_id")
    assert log.loc[undo.import_id, "file"].startswith(f"undo of import #{second.import_id}")
    history = store.history()
    assert sorted(history.loc[history["replaced_by_import"] == undo.import_id, "value"]) == [7738.0, 8450.0]
    with pytest.raises(ImportRefusedError, match="already undone"):
        undo_import(store, second.import_id)
    # the undone file applies again when imported again
    redo = import_observations(store, rows(changed), file="b.csv", file_sha256="h2", revise=True)
    assert (redo.rows_new, redo.rows_revised) == (1, 1) and stored(store) == {**S1, **changed}


def test_undo_is_refused_when_a_later_import_revised_its_values(store: Store) -> None:
    first = import_observations(store, rows(S1), file="a.csv", file_sha256="h1")
    import_observations(store, rows({("593620100", "population", 2015): 1.0}), file="b.csv", file_sha256="h2",
                        revise=True)
    before = stored(store)
    with pytest.raises(ImportRefusedError, match=r"revised since by import\(s\) #2"):
        undo_import(store, first.import_id)
    assert stored(store) == before
    with pytest.raises(ImportRefusedError, match="no finished import"):
        undo_import(store, 99)


def test_a_fault_during_undo_changes_nothing(store: Store) -> None:
    import_observations(store, rows(S1), file="a.csv", file_sha256="h1")
    second = import_observations(store, rows(S2), file="b.csv", file_sha256="h2")
    before = (stored(store), len(store.imports()), len(store.history()))

    def boom(stage: str) -> None:
        if stage == "before_commit":
            raise RuntimeError("injected")

    with pytest.raises(RuntimeError):
        undo_import(store, second.import_id, fault_hook=boom)
    assert (stored(store), len(store.imports()), len(store.history())) == before


def test_cli_undo_restores_the_derived_indicators_too(bundled_store_path, tmp_path) -> None:
    """On a copy of the bundled real data; the revised population figure is synthetic."""
    from typer.testing import CliRunner

    from territoria.interfaces.cli import app

    db = tmp_path / "copy.duckdb"
    db.write_bytes(bundled_store_path.read_bytes())
    derived = ["natural_increase_per_1000", "population_1jan"]
    with Store(db) as store:
        before = store.observations(units=["590000000"], indicators=derived, years=[2021, 2022])
    path = tmp_path / "pop.csv"
    path.write_text("unit,indicator,year,value\n590000000,population_1jan,2021,500000\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["--db", str(db), "import", str(path), "--revise"])
    assert done.exit_code == 0, done.output
    with Store(db) as store:
        changed = store.observations(units=["590000000"], indicators=derived, years=[2021, 2022])
        import_id = int(store.imports()["import_id"].max())
    assert not changed["value"].equals(before["value"])
    undone = runner.invoke(app, ["--db", str(db), "history", "--undo", str(import_id)])
    assert undone.exit_code == 0, undone.output
    assert f"undid import #{import_id}: 1 value(s) restored" in undone.output
    with Store(db) as store:
        after = store.observations(units=["590000000"], indicators=derived, years=[2021, 2022])
    pd.testing.assert_series_equal(after["value"], before["value"], rtol=1e-12)

"""Stored assessments: round trip, versions, what changed, the resolver, all-or-nothing writes.

The data are synthetic (six made-up districts of two real region codes), labelled as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment
from territoria.assess.record import digest
from territoria.errors import DataError, UnknownNameError
from territoria.store import Store
from territoria.store import assessments as sa

SPEC = {
    "name": "synthetic_districts", "units": {"level": "district"}, "year": 2023,
    "normalise": {"method": "minmax"}, "aggregate": {"method": "arithmetic"},
    "tree": [{"code": "index", "parent": None},
             {"code": "social", "parent": "index"}, {"code": "economic", "parent": "index"},
             {"code": "a", "parent": "social", "direction": 1}, {"code": "b", "parent": "social", "direction": -1},
             {"code": "c", "parent": "economic", "direction": 1}],
}
DISTRICTS = ["591000000", "592000000", "593000000", "751000000", "752000000", "753000000"]


def synthetic_units() -> pd.DataFrame:
    rows = [{"code": "KZ", "parent": None, "level": "country", "name_en": "Kazakhstan"},
            {"code": "590000000", "parent": "KZ", "level": "region", "name_en": "Region 59 (synthetic)"},
            {"code": "750000000", "parent": "KZ", "level": "region", "name_en": "Region 75 (synthetic)"}]
    rows += [{"code": c, "parent": c[:2] + "0000000", "level": "district", "name_en": f"District {c}"}
             for c in DISTRICTS]
    return pd.DataFrame(rows)


def synthetic_table(shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    table = pd.DataFrame(rng.uniform(1, 10, size=(len(DISTRICTS), 3)), index=pd.Index(DISTRICTS, name="unit"),
                         columns=["a", "b", "c"])
    table.iloc[0, 0] += shift
    return table


def run(table: pd.DataFrame, spec: dict | None = None):
    from territoria.assess.spec import AssessmentSpec

    return Assessment(AssessmentSpec.from_mapping(spec or SPEC)).run(table)


@pytest.fixture
def store():
    with Store(":memory:") as s:
        s.put_units(synthetic_units())
        yield s


def test_round_trip_is_bit_identical(store) -> None:
    result = run(synthetic_table())
    stored = sa.save_assessment(store, result, name="d")
    loaded = sa.load_assessment(store, name="d")
    assert stored.created and (loaded.name, loaded.version, loaded.level, loaded.years) == ("d", 1, "district",
                                                                                            (2023,))
    assert set(loaded.tables) == set(result.tables)
    for key, table in result.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[key], table, check_exact=True)
        assert digest(loaded.tables[key]) == digest(table), key
    assert loaded.data_sha256 == result.data_sha256
    assert loaded.spec.to_mapping() == result.spec.to_mapping()
    pd.testing.assert_frame_equal(loaded.prepared.table, result.prepared.table, check_exact=True)
    # the loaded assessment can be replayed: same numbers
    again = loaded.rerun()
    pd.testing.assert_frame_equal(again.tables["aggregated"], result.tables["aggregated"], check_exact=True)


def test_unchanged_rerun_is_a_no_op_and_changed_data_make_version_2(store) -> None:
    sa.save_assessment(store, run(synthetic_table()), name="d")
    same = sa.save_assessment(store, run(synthetic_table()), name="d")
    assert not same.created and same.version == 1
    assert len(sa.list_assessments(store)) == 1
    second = sa.save_assessment(store, run(synthetic_table(shift=3.0)), name="d")
    assert second.created and second.version == 2
    assert "data: 1 input value(s) changed (a)" in second.changes
    listed = sa.list_assessments(store)
    assert listed["version"].tolist() == [1, 2]
    assert listed["changes"].iloc[1] == second.changes
    assert sa.load_assessment(store, name="d", version=1).data_sha256 != second.data_sha256


def test_changed_spec_says_which_section(store) -> None:
    sa.save_assessment(store, run(synthetic_table()), name="d")
    changed = sa.save_assessment(store, run(synthetic_table(), {**SPEC, "normalise": {"method": "zscore"}}),
                                 name="d")
    assert changed.version == 2 and changed.changes == "spec: normalise changed"


def test_a_failure_mid_store_leaves_the_store_unchanged(store, monkeypatch) -> None:
    sa.save_assessment(store, run(synthetic_table()), name="d")
    before = {t: store.query(f"SELECT count(*) AS n FROM {t}")["n"].iloc[0]
              for t in ("assessments", "assessment_units", "assessment_parts")}
    calls = {"n": 0}
    original = sa._insert_part

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return original(*args, **kwargs)

    monkeypatch.setattr(sa, "_insert_part", failing)
    with pytest.raises(OSError, match="simulated"):
        sa.save_assessment(store, run(synthetic_table(shift=1.0)), name="d")
    after = {t: store.query(f"SELECT count(*) AS n FROM {t}")["n"].iloc[0] for t in before}
    assert after == before and calls["n"] == 3
    assert sa.load_assessment(store, name="d").version == 1


def test_an_older_version_is_chosen_as_name_at_version(store) -> None:
    first = sa.save_assessment(store, run(synthetic_table()), name="d")
    sa.save_assessment(store, run(synthetic_table(shift=3.0)), name="d")
    assert sa.parse_assessment_ref("d@1") == ("d", 1) and sa.parse_assessment_ref("d") == ("d", None)
    older = sa.resolve_assessment(store, "592000000", name="d@1")
    assert (older.name, older.version, older.data_sha256) == ("d", 1, first.data_sha256)
    assert sa.resolve_assessment(store, name="d@2", level="district").version == 2
    assert sa.load_assessment(store, name="d").version == 2
    with pytest.raises(UnknownNameError, match=r"'d' version 7; the versions of 'd' are 1, 2 \(choose one as d@2\)"):
        sa.resolve_assessment(store, "592000000", name="d@7")
    with pytest.raises(UnknownNameError, match="stored assessments: d v2"):
        sa.load_assessment(store, name="nope@1")
    with pytest.raises(DataError, match=r"assessment 'd@x': expected NAME or NAME@VERSION"):
        sa.load_assessment(store, name="d@x")
    with pytest.raises(DataError, match="give one version"):
        sa.load_assessment(store, name="d@1", version=2)


def test_resolver_uses_the_units_own_level_and_names_what_exists(store) -> None:
    sa.save_assessment(store, run(synthetic_table()), name="d")
    assert sa.resolve_assessment(store, "592000000").name == "d"
    with pytest.raises(DataError) as err:  # a region: no region assessment, never the district one
        sa.resolve_assessment(store, "590000000")
    message = str(err.value)
    assert "590000000" in message and "region" in message and "d v1 (district, 2023)" in message
    with pytest.raises(DataError, match="rates district units, not region units"):
        sa.resolve_assessment(store, "590000000", name="d")
    with pytest.raises(UnknownNameError, match="stored assessments: d v1"):
        sa.resolve_assessment(store, "592000000", name="nope")


def test_a_name_keeps_its_level(store) -> None:
    sa.save_assessment(store, run(synthetic_table()), name="d")
    region_spec = {**SPEC, "units": {"level": "region"}}
    table = pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0], "c": [3.0, 4.0]},
                         index=pd.Index(["590000000", "750000000"], name="unit"))
    with pytest.raises(DataError, match="rates district units; this run rates region units"):
        sa.save_assessment(store, run(table, region_spec), name="d")


def test_a_multi_year_assessment_round_trips_and_is_diagnosed_by_year(store) -> None:
    from territoria.assess.spec import AssessmentSpec
    from territoria.diagnosis import diagnose

    spec = AssessmentSpec.from_mapping({**SPEC, "year": None, "years": [2022, 2023]})
    index = pd.MultiIndex.from_product([DISTRICTS, [2022, 2023]], names=["unit", "year"])
    table = pd.DataFrame(np.random.default_rng(1).uniform(1, 10, (len(index), 3)), index=index,
                         columns=["a", "b", "c"])
    result = Assessment(spec).run(table)
    loaded = sa.save_assessment(store, result, name="panel")
    assert loaded.years == (2022, 2023)
    for key, frame in result.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[key], frame, check_exact=True)
    d2022 = diagnose(loaded, "592000000", year=2022)
    assert d2022.year == 2022 and d2022.rank == int(result.tables["ranks"].loc[("592000000", 2022), result.root])
    assert diagnose(loaded, "592000000").year == 2023  # the latest by default


def test_the_bundled_store_holds_the_regional_assessment_once(bundled_store_path, tmp_path) -> None:
    """Real bundled data: load-bundled stored the regional assessment; storing it again is a no-op."""
    import shutil

    path = tmp_path / "copy.duckdb"
    shutil.copy(bundled_store_path, path)
    with Store(path) as real:
        listed = sa.list_assessments(real)
        assert listed[["name", "version", "level", "years", "n_units"]].values.tolist() == [
            ["vulnerability_regions", 1, "region", "2021", 14]]
        again = sa.store_spec_assessment(real)
        assert not again.created and again.version == 1
        assert again.rank_intervals is not None and again.sensitivity is not None
        assert sa.resolve_assessment(real, "590000000").name == "vulnerability_regions"

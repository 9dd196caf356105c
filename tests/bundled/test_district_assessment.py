"""The bundled district spec on the bundled Store (real data): every district with data is ranked."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.catalog.catalogue import BLOCK_SIZES, load_catalogue
from territoria.interfaces.cli.main_job import district_spec_path
from territoria.store import Store


@pytest.fixture(scope="module")
def spec() -> AssessmentSpec:
    return AssessmentSpec.from_yaml(district_spec_path())


@pytest.fixture(scope="module")
def assessed(bundled_store_path, spec: AssessmentSpec):
    with Store(bundled_store_path, read_only=True) as store:
        panel = store.panel(level="district", years=spec.year_list)
    return panel, Assessment(spec).run(panel)


def test_spec_uses_slotted_indicators_in_their_blocks(spec: AssessmentSpec) -> None:
    cat = load_catalogue()
    tree = spec.tree_frame()
    leaves = tree[~tree["code"].isin(tree["parent"].dropna())]
    slots = {cat[c].slot: str(p) for c, p in zip(leaves["code"], leaves["parent"], strict=True)}
    assert slots == {"S1": "social", "S2": "social", "S3": "social", "E4": "economic", "I3": "infrastructural"}
    assert len(slots) == 5 and sum(BLOCK_SIZES.values()) == 34
    assert "5 of the 34 slots" in spec.description
    assert spec.normalise.reference == "pooled" and spec.uncertainty is not None and spec.uncertainty.n == 1000


def test_every_district_with_data_is_ranked_in_every_year(assessed, spec: AssessmentSpec) -> None:
    panel, result = assessed
    leaves = list(result.tables["denominated"].columns)
    obs = panel.observations[panel.observations["indicator"].isin(leaves)].dropna(subset=["value"])
    ranks = result.ranks
    for year in spec.year_list:
        with_data = set(obs.loc[obs["year"] == year, "unit"]) & set(panel.existing_in(year))
        ranked = set(ranks.xs(year, level="year").dropna().index)
        assert ranked == with_data, year
        assert sorted(ranks.xs(year, level="year").astype(int)) == list(range(1, len(ranked) + 1))
    latest = ranks.xs(max(spec.year_list), level="year")
    assert len(latest) == 220                     # every district-level unit of today's map with a KATO code


def test_goalposts_are_shared_by_the_years(assessed) -> None:
    _, result = assessed
    normalised = result.tables["normalised"]
    pooled = normalised["natural_increase_per_1000"].agg(["min", "max"])
    per_year = normalised["natural_increase_per_1000"].groupby(level="year").agg(["min", "max"])
    assert pooled.tolist() == pytest.approx([1.0, 100.0])
    assert (per_year["max"] < 100.0).any() and (per_year["min"] > 1.0).any()   # not re-scaled each year
    assert isinstance(result.tables["aggregated"].index, pd.MultiIndex)


def test_make_run_stores_both_levels(bundled_store_path, tmp_path) -> None:
    import shutil

    from territoria.interfaces.cli.main_job import assess_levels, store_levels
    from territoria.store.assessments import list_assessments, load_assessment

    path = tmp_path / "run.duckdb"
    shutil.copy(bundled_store_path, path)
    with Store(path) as store:
        levels = assess_levels(store, tmp_path / "out", None)
        store_levels(store, levels)
        listed = list_assessments(store).set_index("name")
        districts = load_assessment(store, name="vulnerability_districts")
        again = store_levels(store, levels)                       # unchanged: no new version
        assert list_assessments(store).shape == (len(listed), listed.shape[1] + 1)
    assert listed.loc["vulnerability_districts", "level"] == "district"
    assert listed.loc["vulnerability_regions", "level"] == "region"
    assert listed.loc["vulnerability_districts", "years"] == ",".join(str(y) for y in range(2016, 2025))
    assert "v1" in again[1]
    pd.testing.assert_series_equal(districts.ranks, levels.districts.ranks, check_names=False)
    intervals = levels.district_intervals.xs(2024, level="year")
    assert intervals["rank_p95"].max() <= 220 and intervals["rank_p05"].min() >= 1   # ranks within 2024

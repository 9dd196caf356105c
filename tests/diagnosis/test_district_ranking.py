"""District views: the seeds' list against a ranking (counts worked by hand), within-year rank intervals,
breaks of territory. Ranks and panels here are synthetic; the seed list and the units are the bundled ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.catalog.catalogue import Catalogue
from territoria.diagnosis.district_ranking import (
    district_of,
    most_vulnerable,
    seed_validation,
    validation_by_year,
    validation_summary,
    within_year_intervals,
)
from territoria.indicators.breaks import territory_changes
from territoria.indicators.derive import derive
from territoria.ingest.bundled import bundled_units, seed_depressed_units

#: North Kazakhstan's district-level units that hold the seeds' territories there.
NKO = ["593400000", "595200000", "595600000", "596400000", "593600000", "596000000"]


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return bundled_units().set_index("code")


def _synthetic_ranks(units: pd.DataFrame) -> pd.Series:
    """All 220 district-level units with KATO codes: the other seed units first, the six North Kazakhstan
    units last, so that the worst quintile (ranks 177-220) holds those six and 38 units the seeds do not name."""
    codes = sorted(units.index[(units["level"] == "district") & units.index.str.fullmatch(r"\d{9}")])
    named = {district_of(c, units) for c in seed_depressed_units()["code"]}
    first = [c for c in codes if c in named and c not in NKO]
    middle = [c for c in codes if c not in named]
    return pd.Series(np.arange(1, len(codes) + 1), index=first + middle + NKO, dtype=float)


def test_towns_are_read_through_their_district(units: pd.DataFrame) -> None:
    assert district_of("593620100", units) == "593600000"      # Bulaevo → Magzhan Zhumabayev District
    assert district_of("471810000", units) == "471800000"      # Zhanaozen → its city administration
    assert district_of("595200000", units) == "595200000"


def test_validation_counts_match_a_hand_count(units: pd.DataFrame) -> None:
    seeds = seed_depressed_units()
    ranks = _synthetic_ranks(units)
    scores = pd.DataFrame({"x": -ranks}, index=ranks.index)
    table = seed_validation(seeds, ranks, units=units, scores=scores, raw=scores, labels={"x": "x"})
    # by hand from seed_depressed_units.csv: 39 rows, Mamlyutka and Sergeevka named by both seeds → 37
    # territories in 33 district-level units; in North Kazakhstan Akzhar, Mamlyut, Shal Akyn, Ualikhanov,
    # Sergeevka (Shal Akyn), Mamlyutka (Mamlyut), Bulaevo (M. Zhumabayev), Tayynsha (Tayynsha) = 8 named
    # territories in the 6 units ranked last
    assert len(seeds) == 39 and len(table) == 37 and table["assessed_unit"].nunique() == 33
    assert table["worst_quintile"].sum() == 8
    assert set(table.loc[table["worst_quintile"], "assessed_unit"]) == set(NKO)
    summary = validation_summary(table).set_index("counted")
    assert summary.loc["territories named by the seeds", "in_worst_quintile"] == 8
    assert summary.loc["district-level units", "in_worst_quintile"] == 6
    assert summary.loc["district-level units", "expected_by_chance"] == pytest.approx(6.6)
    assert table.set_index("code").loc["595220100", "seed"] == "000+002"
    why = table.set_index("code").loc["474200000", "why"]                 # Karakiya, ranked high: says why
    assert why.startswith("at or above the median on x")
    assert table.set_index("code").loc["593400000", "why"].startswith("below the median on x")   # Akzhar


def test_validation_by_year_counts_each_year(units: pd.DataFrame) -> None:
    r = _synthetic_ranks(units)
    ranks = pd.concat({2023: r, 2024: r.rank(ascending=False)}, names=["year", "unit"]).swaplevel()
    raw = pd.DataFrame({"x": 1.0}, index=ranks.index)
    out = validation_by_year(seed_depressed_units(), ranks, units=units, indicators=raw).set_index("year")
    # reversed in 2024: the 27 other seed units take ranks 194-220, all in the worst quintile
    assert out.loc[2023, "in_worst_quintile"] == 6 and out.loc[2024, "in_worst_quintile"] == 27
    assert out.loc[2023, "seed_units_ranked"] == 33


SPEC = {
    "name": "t", "seed": 1, "years": [2020, 2021], "impute": {"method": "mean"},
    "normalise": {"method": "minmax", "low": 1, "high": 100}, "weight": {"method": "equal_within_blocks"},
    "rank": {"descending": True},
    "uncertainty": {"n": 200, "seed": 3, "weights": 0.25, "aggregate": ["arithmetic", "geometric"]},
    "tree": {"index": {"children": {"a": {"children": {"x": None, "y": None}}, "b": {"children": {"z": None}}}}},
}


def _panel_result():
    rng = np.random.default_rng(7)
    idx = pd.MultiIndex.from_product([[f"U{i:02d}" for i in range(12)], [2020, 2021]], names=["unit", "year"])
    table = pd.DataFrame(rng.normal(size=(len(idx), 3)) + 5, index=idx, columns=["x", "y", "z"])
    return Assessment(AssessmentSpec.from_mapping(SPEC)).run(table)


def test_within_year_intervals_rank_inside_each_year() -> None:
    result = _panel_result()
    intervals, run = within_year_intervals(result)
    assert run.n_runs > 0 and intervals.index.equals(result.tables["denominated"].index)
    assert intervals.min().min() >= 1 and intervals.max().max() <= 12          # 12 units per year, not 24
    assert (intervals["rank_p05"] <= intervals["rank_median"]).all()
    assert (intervals["rank_median"] <= intervals["rank_p95"]).all()


def test_most_vulnerable_lists_the_lowest_scores_first() -> None:
    result = _panel_result()
    frame = result.to_frame().xs(2021, level="year")
    names = pd.Series({u: f"name {u}" for u in frame.index})
    weak = pd.DataFrame({"unit": frame.index, "rank": 1, "code": "x"})
    top = most_vulnerable(result, 2021, names=names, labels={"x": "X"}, weakest=weak, n=3)
    assert top["rank"].tolist() == [12, 11, 10]
    assert top["unit"].iloc[0] == frame[result.root].idxmin()
    assert top["reasons"].str.startswith("X ").all()


def _cat() -> Catalogue:
    return Catalogue.from_mapping({"version": 1, "indicators": [
        {"id": "pop", "name": {"en": "pop"}, "unit": {"en": "u"}, "additive": True},
        {"id": "pop_avg", "name": {"en": "pop_avg"}, "unit": {"en": "u"}, "additive": True},
        {"id": "births", "name": {"en": "births"}, "unit": {"en": "u"}, "additive": True},
        {"id": "rate", "name": {"en": "rate"}, "unit": {"en": "u"}, "block": "social", "direction": 1,
         "kind": "per_1000", "formula": {"numerator": "births", "denominator": "pop", "scale": 1000}},
        {"id": "change", "name": {"en": "change"}, "unit": {"en": "u"}, "block": "social", "direction": 1,
         "kind": "growth", "formula": {"numerator": "pop_avg", "fallback": {"numerator": "pop",
                                                                            "levels": ["district"]}}},
    ]})


def test_a_break_of_territory_drops_the_straddling_values() -> None:
    # synthetic: district 195800000 gives territory to 194400000 in 2017 (flows of 2017 on the new map)
    crosswalk = pd.DataFrame([
        {"old_code": "195800000", "new_code": "195800000", "date": "2017", "change_type": "split_part"},
        {"old_code": "195800000", "new_code": "194400000", "date": "2017", "change_type": "split_part"}])
    assert territory_changes(crosswalk)[["unit", "year"]].values.tolist() == [["195800000", 2017]]
    rows = [("195800000", "pop", y, p) for y, p in [(2016, 100000), (2017, 101000), (2018, 70000), (2019, 70500)]]
    rows += [("195800000", "births", y, 2000) for y in (2016, 2017, 2018)]
    rows += [("190000000", "pop", 2018, 2e6), ("190000000", "pop", 2017, 1.9e6)]
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"])
    out = derive(obs, _cat(), crosswalk=crosswalk).set_index(["unit", "indicator", "year"])["value"]
    assert ("195800000", "rate", 2017) not in out.index            # 2017 births on the new map / old stock
    assert out[("195800000", "rate", 2016)] == pytest.approx(20.0)
    assert ("195800000", "change", 2018) not in out.index          # stock of 2017 → 2018 straddles the change
    assert out[("195800000", "change", 2019)] == pytest.approx(100 * (70500 / 70000 - 1))
    assert out[("195800000", "change", 2017)] == pytest.approx(1.0)
    assert ("190000000", "change", 2018) not in out.index          # the district fallback skips regions

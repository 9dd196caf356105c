"""Diagnosis: reference gaps from the engine's contributions, risk flags with figure and threshold."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.diagnosis import load_risk_rules, reference_gaps, risk_flags, weakest
from territoria.diagnosis.risks import default_risk_rules_path
from territoria.errors import DataError, SpecError


@pytest.fixture
def synthetic_result():
    """Synthetic: four units in two regions (KATO-like codes 59..., 63...), two blocks of two indicators."""
    spec = AssessmentSpec.from_mapping({
        "name": "synthetic", "normalise": {"method": "minmax", "low": 0, "high": 100},
        "weight": {"method": "equal_within_blocks"}, "aggregate": {"method": "arithmetic"},
        "tree": {"index": {"children": {"a": {"children": {"a1": None, "a2": None}},
                                        "b": {"children": {"b1": None, "b2": None}}}}}})
    table = pd.DataFrame({"a1": [0, 10, 20, 30], "a2": [5, 5, 10, 0], "b1": [1, 2, 3, 4], "b2": [40, 30, 20, 10]},
                         index=pd.Index(["591000000", "592000000", "631000000", "632000000"], name="unit"),
                         dtype=float)
    return Assessment(spec).run(table)


def test_national_gap_is_the_engine_contribution_over_its_weight(synthetic_result):
    gaps = reference_gaps(synthetic_result)
    nat = gaps[gaps["reference"] == "national"].set_index(["unit", "code"])
    # a1 normalised: 0, 33.3, 66.7, 100 -> mean 50; effective weight 1/2 * 1/2
    assert nat.loc[("591000000", "a1"), "gap"] == pytest.approx(-50)
    assert nat.loc[("591000000", "a1"), "contribution"] == pytest.approx(-12.5)
    assert (nat["contribution"] - nat["gap"] * 0.25).loc[nat.index.get_level_values(1).str.len() == 2].abs().max() \
        == pytest.approx(0, abs=1e-9)
    # block contributions add up to the composite's deviation (arithmetic, no gaps)
    blocks = nat[nat["kind"] == "block"].groupby(level="unit")["contribution"].sum()
    score = synthetic_result.scores
    assert (blocks - (score - score.mean())).abs().max() == pytest.approx(0, abs=1e-9)


def test_region_and_group_references(synthetic_result):
    groups = pd.DataFrame({"unit": ["591000000", "631000000"], "group": "border", "reason": "synthetic"})
    gaps = reference_gaps(synthetic_result, groups=groups).set_index(["unit", "code", "reference"])
    # a1 in region 59: 0 and 33.3 -> mean 16.7; in group border: 0 and 66.7 -> mean 33.3
    assert gaps.loc[("591000000", "a1", "region"), "gap"] == pytest.approx(-100 / 6)
    assert gaps.loc[("591000000", "a1", "group:border"), "gap"] == pytest.approx(-100 / 3)
    assert gaps.loc[("591000000", "a1", "group:border"), "members"] == 2


def test_weakest_orders_by_contribution(synthetic_result):
    table = weakest(reference_gaps(synthetic_result), n=2, units=["591000000"])
    # unit 1 sits at 0 on a1 and b1 (gap -50 each, weight 1/4) and at 50 on a2 (gap +12.5), 100 on b2
    assert list(table["code"]) == ["a1", "b1"]
    assert list(table["rank"]) == [1, 2]
    with pytest.raises(DataError, match="not in the assessment"):
        weakest(reference_gaps(synthetic_result), units=["000"])


def _seed_obs() -> pd.DataFrame:
    # Mamlyutka 2020, Turkeeva, Omarov & Abilkaiyr (2022), Table 2
    return pd.DataFrame({"unit": "595220100", "indicator": ["unemployment_rate", "net_migration",
                                                            "local_budget_financing_per_capita"],
                         "year": 2020, "value": [5.8, -36.0, 0.0633]})


def test_seed_town_flags_against_the_bundled_national_rate(bundled_store_path):
    from territoria.store import Store

    with Store(bundled_store_path, read_only=True) as store:
        national = store.observations(units=["KZ"])
    nat_2020 = national.query("indicator == 'unemployment_rate' and year == 2020")["value"].iloc[0]
    flags = risk_flags(_seed_obs(), national=national).set_index("rule")
    row = flags.loc["high_unemployment"]
    assert bool(row["flag"]) == bool(nat_2020 < 5.8)
    assert row["threshold"] == pytest.approx(nat_2020) and row["ratio"] == pytest.approx(5.8 / nat_2020)
    assert f"{5.8 / nat_2020:.3g}× national" in row["text"]
    assert bool(flags.loc["negative_migration", "flag"]) and flags.loc["negative_migration", "value"] == -36
    assert pd.isna(flags.loc["low_local_budget", "flag"])             # no national figure in the data
    assert "no national value" in flags.loc["low_local_budget", "text"]
    assert pd.isna(flags.loc["low_housing_commissioning", "flag"])


def test_absolute_threshold_and_year_choice():
    obs = pd.DataFrame({"unit": "X", "indicator": "housing_commissioned_m2_per_capita",
                        "year": [2020, 2021], "value": [0.4, 0.5]})   # synthetic
    latest = risk_flags(obs).set_index("rule").loc["low_housing_commissioning"]
    assert not latest["flag"] and latest["year"] == 2021
    y2020 = risk_flags(obs, year=2020).set_index("rule").loc["low_housing_commissioning"]
    assert y2020["flag"] and "≤ 0.4" in y2020["text"]      # 0.4 m² is the seed's "critical" figure


def test_national_reference_uses_the_latest_earlier_year():
    obs = pd.DataFrame({"unit": ["X"], "indicator": ["unemployment_rate"], "year": [2022], "value": [6.0]})
    national = pd.DataFrame({"indicator": ["unemployment_rate"], "year": [2021], "value": [5.0]})  # synthetic
    row = risk_flags(obs, national=national).set_index("rule").loc["high_unemployment"]
    assert row["flag"] and row["reference_year"] == 2021 and row["threshold"] == 5.0


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r["rules"][0].update(indicator="industrial_output_ratio"),
     r"rules\[0\]\(industrial_output_below_national\).indicator"),
    (lambda r: r["rules"][0].pop("threshold"), "an absolute rule needs a threshold"),
    (lambda r: r["rules"][4].update(threshold=5), "takes 'factor'"),
    (lambda r: r["rules"].append(copy.deepcopy(r["rules"][0])), "duplicate rule id"),
])
def test_bad_risk_rules(edit, message):
    raw = yaml.safe_load(default_risk_rules_path().read_text(encoding="utf-8"))
    edit(raw)
    with pytest.raises(SpecError, match=message):
        load_risk_rules(raw=raw)

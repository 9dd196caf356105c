"""Criteria evaluable below the region: national references and settlement indicators derived from the bundled
series (values worked by hand from the bundled figures), the two criteria the seeds name that had no rule
(population density, depletion of the resource base), and the count of evaluable criteria per unit."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.diagnosis.references import (
    REFERENCE_INDICATORS,
    criteria_summary,
    national_references,
    unit_indicators,
)
from territoria.diagnosis.risks import load_risk_rules, risk_flags
from territoria.store import Store

MAMLYUTKA, NKO = "595220100", "590000000"


@pytest.fixture(scope="module")
def data(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store:
        return (store.observations(units=[MAMLYUTKA]), store.observations(units=["KZ"]),
                store.observations(level="region", indicators=list(REFERENCE_INDICATORS)))


def test_national_industrial_output_per_capita_from_the_regions(data) -> None:
    _, kz, regions = data
    nat = national_references(kz, regions)
    value = nat[(nat["indicator"] == "industrial_output_per_capita") & (nat["year"] == 2020)]["value"].item()
    # North Kazakhstan 2020: 315.5161 bn tenge x 1e6 / 548,755 people = 574.97 thousand tenge, ratio 0.396347
    assert value == pytest.approx(315.5161e6 / 548755 / 0.396347, rel=1e-6)
    assert value == pytest.approx(1450.67, abs=0.01)


def test_mamlyutka_indicators_from_its_own_table(data) -> None:
    own, kz, regions = data
    out = unit_indicators(own, national_references(kz, regions)).set_index(["indicator", "year"])["value"]
    # population (seed's table, Turkeeva et al. 2022): 6,833 in 2019, 6,731 in 2020, 7,027 in 2015
    assert out[("population_change_pct", 2020)] == pytest.approx((6731 / 6833 - 1) * 100)
    assert out[("population_change_5y_pct", 2020)] == pytest.approx((6731 / 7027 - 1) * 100)
    # industrial output per capita 193.2 thousand tenge in 2020 against the national 1,450.67
    assert out[("industrial_output_per_capita_ratio", 2020)] == pytest.approx(193.2 / 1450.67, rel=1e-5)


def test_mamlyutka_criteria_evaluable_and_met(data) -> None:
    own, kz, regions = data
    flags = risk_flags(own, national=kz, regional=regions)
    summary = criteria_summary(flags).loc[MAMLYUTKA]
    # before: 2 of 12 rules evaluable (issue 20: "10 of the 12 rules not evaluable"); now 6 of 14
    assert (summary["n_rules"], summary["n_evaluable"]) == (14, 6)
    met = set(summary["met"].split(", "))
    assert {"industrial_output_below_national", "population_decline", "population_density_decline"} <= met
    # still without a national series in the bundle: wage, local budget; no settlement series of the rest
    assert {"low_wages", "low_local_budget"} <= set(summary["not_evaluable"].split(", "))
    assert summary["n_met"] + len(summary["not_evaluable"].split(", ")) <= summary["n_rules"]


def test_new_criteria_rules_and_their_thresholds() -> None:
    rules = {r.id: r for r in load_risk_rules().rules}
    assert rules["population_density_decline"].indicator == "population_change_5y_pct"
    assert (rules["resource_base_depletion"].op, rules["resource_base_depletion"].threshold) == ("le", -5)
    assert "project's" in rules["resource_base_depletion"].note
    # SYNTHETIC mining shares: 30 % -> 24 % in five years is a fall of 6 points: depletion flagged
    obs = pd.DataFrame({"unit": "R", "indicator": "mining_share_grp", "year": [2015, 2020], "value": [30.0, 24.0]})
    flags = risk_flags(obs).set_index("rule")
    assert bool(flags.loc["resource_base_depletion", "flag"]) and flags.loc["resource_base_depletion", "value"] == -6

"""Status rules: the seeds' Bulaevo and Mamlyutka series (seed 002, Tables 1-2) classified by hand."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from territoria.dynamics.status import classify, default_status_rules_path, load_status_rules
from territoria.errors import SpecError

YEARS = list(range(2015, 2021))
SEED = {  # Turkeeva, Omarov & Abilkaiyr (2022), Tables 1 and 2
    "593620100": {"population_reported": [7666, 7704, 7722, 7738, 7722, 7653],
                  "net_migration": [-26, -26, -44, -94, -29, -50]},
    "595220100": {"population_reported": [7027, 7058, 6955, 6870, 6833, 6731],
                  "net_migration": [-35, -44, -37, -32, -31, -36]},
}


def _long(data: dict) -> pd.DataFrame:
    rows = [{"unit": u, "indicator": i, "year": y, "value": v}
            for u, series in data.items() for i, values in series.items() for y, v in zip(YEARS, values, strict=True)]
    return pd.DataFrame(rows)


def _raw() -> dict:
    return yaml.safe_load(default_status_rules_path().read_text(encoding="utf-8"))


def test_seed_towns_are_at_risk_with_their_facts():
    table = classify(_long(SEED))
    assert table.loc["593620100", "status"] == "at_risk_of_dying_out"
    assert table.loc["595220100", "status"] == "at_risk_of_dying_out"
    facts = table.loc["595220100", "facts"]
    assert "2018 6,870 → 2019 6,833 → 2020 6,731" in facts
    assert "in 6 of 6 years 2015–2020" in facts
    assert "−4.21 %" in facts
    assert "−0.17 %" in table.loc["593620100", "facts"]


def test_three_falling_years_moves_bulaevo_to_stagnating():
    # Bulaevo fell only in 2019 and 2020; with n = 3 it is not at risk. Its compound rate
    # 100((7653/7666)^(1/5) - 1) = -0.034 % is within +-0.5 and migration is negative in 6 of 6 years.
    raw = _raw()
    raw["statuses"][0]["all"][0]["n"] = 3
    table = classify(_long(SEED), load_status_rules(raw=raw))
    assert table.loc["593620100", "status"] == "stagnating"
    assert "−0.03 % a year" in table.loc["593620100", "facts"]
    assert table.loc["595220100", "status"] == "at_risk_of_dying_out"   # fell 4 years running


def test_synthetic_growing_town_is_developing_and_no_data_is_reported():
    data = {"X1": {"population_reported": [100, 102, 104, 106, 108, 110], "net_migration": [1, 2, -1, 3, 2, 1]},
            "X2": {"avg_monthly_nominal_wage": [1, 2, 3, 4, 5, 6]}}
    table = classify(_long(data))
    assert table.loc["X1", "status"] == "developing"
    assert table.loc["X2", "status"] == "insufficient_data"


def test_composite_trend_can_decide():
    # synthetic: flat population, migration balanced, composite falling every year -> declining
    data = {"X": {"population_reported": [100, 100, 100, 100, 100, 100], "net_migration": [0, 0, 0, 0, 0, 0]}}
    comp = pd.Series([60, 58, 55, 53, 50, 47], index=pd.MultiIndex.from_product([["X"], YEARS]))
    table = classify(_long(data), composite=comp)
    assert table.loc["X", "status"] == "declining"
    assert "composite 2015–2020: Mann–Kendall S = -15" in table.loc["X", "facts"]


@pytest.mark.parametrize(("edit", "path"), [
    (lambda r: r["statuses"][1]["any"][0].update(indicator="populaton_1jan"),
     r"statuses\[1\]\(declining\).any\[0\].indicator"),
    (lambda r: r["statuses"][0]["all"][0].pop("n"), r"statuses\[0\]\(at_risk_of_dying_out\).all.0"),
    (lambda r: r["statuses"][2].update(all=[], any=[]), r"statuses\[2\]\(stagnating\)"),
    (lambda r: r.pop("default"), r"default: required key is missing"),
])
def test_bad_rule_files_name_the_key_path(edit, path):
    raw = copy.deepcopy(_raw())
    edit(raw)
    with pytest.raises(SpecError, match=path):
        load_status_rules(raw=raw)


def test_unknown_indicator_suggests_the_right_one():
    raw = _raw()
    raw["statuses"][1]["any"][0]["indicator"] = "populaton_1jan"
    with pytest.raises(SpecError, match="did you mean 'population_1jan'"):
        load_status_rules(raw=raw)

"""risk_flags over several units at once: one row per unit and rule, units in code order, the value of the
asked year or the latest one, whatever the row order and whatever else the table holds. Synthetic rows."""

from __future__ import annotations

import pandas as pd

from territoria.diagnosis.risks import load_risk_rules, risk_flags

HOUSING = "housing_commissioned_m2_per_capita"


def test_one_row_per_unit_and_rule_with_the_latest_or_the_asked_year():
    obs = pd.DataFrame({"unit": ["Y", "X", "X", "Y", "Z"], "indicator": [HOUSING, HOUSING, HOUSING, HOUSING, "grp"],
                        "year": [2021, 2021, 2020, 2019, 2021], "value": [0.3, 0.5, 0.4, 0.2, 1.0]})
    rules = load_risk_rules().ids
    flags = risk_flags(obs, derive=False)
    assert flags["unit"].tolist() == ["X"] * len(rules) + ["Y"] * len(rules) + ["Z"] * len(rules)
    assert flags["rule"].tolist() == rules * 3
    housing = flags[flags["rule"] == "low_housing_commissioning"].set_index("unit")
    assert housing.loc["X", "year"] == 2021 and housing.loc["X", "value"] == 0.5 and not housing.loc["X", "flag"]
    assert housing.loc["Y", "year"] == 2021 and housing.loc["Y", "value"] == 0.3 and housing.loc["Y", "flag"]
    assert pd.isna(housing.loc["Z", "flag"]) and housing.loc["Z", "text"].startswith("not evaluable: no value")
    in_2020 = risk_flags(obs, year=2020, derive=False)
    housing = in_2020[in_2020["rule"] == "low_housing_commissioning"].set_index("unit")
    assert housing.loc["X", "year"] == 2020 and housing.loc["X", "flag"]          # 0.4 <= 0.4
    assert pd.isna(housing.loc["Y", "flag"]) and "in 2020" in housing.loc["Y", "text"]  # Y has 2019 and 2021

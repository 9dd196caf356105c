"""Status rules: the seeds' Bulaevo and Mamlyutka series (seed 002, Tables 1-2) classified by hand, and
constructed series (labelled as such) for the magnitude thresholds, the horizon and boundary changes."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
import yaml

from territoria.dynamics.horizon import change_over_horizon, implied_net_migration
from territoria.dynamics.status import (
    DEFAULT_HORIZON,
    classify,
    default_status_rules_path,
    last_break,
    load_status_rules,
)
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


def test_seed_towns_are_judged_by_magnitude_over_the_horizon():
    # Bulaevo lost 85 people from 2018 (7,738) to 2020 (7,653) and 13 since 2015: -0.17 % over 5 years,
    # (7653/7666)^(10/5) - 1 = -0.34 % over the 10-year horizon -> not at risk of dying out, not declining;
    # it stagnates (within +-5 %, out-migration in 6 of 6 years).
    table = classify(_long(SEED))
    assert table.attrs["horizon_years"] == DEFAULT_HORIZON == 10
    bulaevo = table.loc["593620100"]
    assert bulaevo["status"] == "stagnating"
    assert "−0.34 % over 10 years" in bulaevo["facts"] and "−0.17 % over 5 years" in bulaevo["facts"]
    # Mamlyutka: -4.21 % over 2015-2020, (6731/7027)^2 - 1 = -8.25 % over 10 years, MK p = 0.024 -> declining
    mamlyutka = table.loc["595220100"]
    assert mamlyutka["status"] == "declining"
    assert "−8.25 % over 10 years" in mamlyutka["facts"] and "p = 0.024" in mamlyutka["facts"]
    assert bulaevo["horizon"] == mamlyutka["horizon"] == "2015–2020"


def test_a_sustained_large_fall_is_at_risk_and_85_in_7700_is_not():
    # constructed series (not statistics): 2015-2025, population on 1 January
    years = list(range(2015, 2026))
    falling = [10_000 - 220 * k for k in range(11)]                # -22 % over 10 years, every year down
    bulaevo_like = [7_700] * 8 + [7_738, 7_700, 7_653]               # -85 from the peak, +-0.6 % over 10 years
    rows = [{"unit": u, "indicator": "population_1jan", "year": y, "value": v}
            for u, series in (("FALL", falling), ("FLAT", bulaevo_like)) for y, v in zip(years, series, strict=True)]
    rows += [{"unit": u, "indicator": "net_migration", "year": y, "value": -40.0}
             for u in ("FALL", "FLAT") for y in years[:-1]]
    table = classify(pd.DataFrame(rows))
    assert table.loc["FALL", "status"] == "at_risk_of_dying_out"
    assert "−22 % over 10 years" in table.loc["FALL", "facts"]
    assert table.loc["FLAT", "status"] == "stagnating"


def test_horizon_is_the_unit_window_and_can_be_set_once():
    # constructed: a long fall 2009-2015 then flat 2015-2025; over the 10-year horizon the unit is flat
    years = list(range(2009, 2026))
    values = [20_000 - 1_000 * min(k, 6) for k in range(len(years))]
    rows = pd.DataFrame({"unit": "X", "indicator": "population_1jan", "year": years, "value": values})
    mig = pd.DataFrame({"unit": "X", "indicator": "net_migration", "year": years, "value": -10.0})
    obs = pd.concat([rows, mig])
    ten = classify(obs)
    assert ten.loc["X", "horizon"] == "2015–2025" and ten.loc["X", "status"] == "stagnating"
    sixteen = classify(obs, horizon=16)
    assert sixteen.loc["X", "horizon"] == "2009–2025" and sixteen.loc["X", "status"] == "at_risk_of_dying_out"
    assert load_status_rules().horizon_years == DEFAULT_HORIZON


def test_implied_migration_is_used_where_no_migration_series_exists():
    # constructed: population falls 2 % a year; natural increase is positive, so people must be leaving
    years = list(range(2015, 2026))
    pop = [10_000 * 0.98 ** k for k in range(11)]
    rows = [{"unit": "D", "indicator": "population_1jan", "year": y, "value": v}
            for y, v in zip(years, pop, strict=True)]
    rows += [{"unit": "D", "indicator": "natural_increase", "year": y, "value": 15.0} for y in years[:-1]]
    rows += [{"unit": "D", "indicator": "net_migration", "year": y, "value": -5.0} for y in (2023, 2024)]  # too short
    table = classify(pd.DataFrame(rows))
    assert table.loc["D", "status"] == "at_risk_of_dying_out"
    assert "net_migration_implied < 0 in 10 of 10 years 2015–2024" in table.loc["D", "facts"]
    # without any migration figure the condition is skipped ("where available") and said to be so
    no_mig = classify(pd.DataFrame([r for r in rows if r["indicator"] == "population_1jan"]))
    assert no_mig.loc["D", "status"] == "at_risk_of_dying_out"
    assert "no series for net_migration" in no_mig.loc["D", "not_evaluable"]


def test_implied_net_migration_balance():
    p = pd.Series([1000.0, 990.0, 985.0, 980.0], index=[2015, 2016, 2017, 2018])
    n = pd.Series([2.0, -1.0, 4.0], index=[2015, 2016, 2018])   # 2017 missing: no balance for 2017
    assert implied_net_migration(p, n).to_dict() == {2015: -12.0, 2016: -4.0}


def test_a_boundary_change_cuts_the_series():
    # constructed: a district loses 40 % of its people from one 1 January to the next (a split), else flat
    years = list(range(2015, 2026))
    values = [30_000.0] * 6 + [18_000.0] * 5
    rows = pd.DataFrame({"unit": "S", "indicator": "population_1jan", "year": years, "value": values})
    mig = pd.DataFrame({"unit": "S", "indicator": "net_migration", "year": years, "value": -1.0})
    table = classify(pd.concat([rows, mig]))
    assert table.loc["S", "status"] == "stagnating"
    assert "read from 2021" in table.loc["S", "facts"] and "−40 %" in table.loc["S", "facts"]
    assert any(c["code"] == "status.break" for c in json.loads(table.loc["S", "fact_codes"]))
    assert last_break(rows.set_index("year")["value"], 10) == (2021, -40.0)
    assert last_break(rows.set_index("year")["value"], 50) is None


def test_change_over_horizon_scaled_and_direct():
    direct = change_over_horizon(range(2015, 2026), [100.0] + [90.0] * 10, 10)
    assert direct is not None and not direct.scaled and direct.pct == pytest.approx(-10.0)
    scaled = change_over_horizon([2015, 2020], [7027.0, 6731.0], 10)
    assert scaled is not None and scaled.scaled
    assert scaled.pct == pytest.approx(100 * ((6731 / 7027) ** 2 - 1))
    assert change_over_horizon([2015, 2020], [0.0, 5.0], 10) is None


def test_version_one_files_keep_their_window_as_horizon():
    raw = _raw()
    raw.pop("horizon_years")
    raw["window_years"] = 6
    assert load_status_rules(raw=raw).horizon_years == 6


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
    (lambda r: r["statuses"][1]["all"][0].update(indicator="populaton_1jan"),
     r"statuses\[1\]\(declining\).all\[0\].indicator"),
    (lambda r: r["statuses"][0]["all"][0].pop("value"), r"statuses\[0\]\(at_risk_of_dying_out\).all.0"),
    (lambda r: r["statuses"][3].update(all=[], any=[]), r"statuses\[3\]\(stagnating\)"),
    (lambda r: r["statuses"][0]["all"][0].update(break_pct=-1), r"statuses\[0\].*break_pct"),
    (lambda r: r.pop("default"), r"default: required key is missing"),
])
def test_bad_rule_files_name_the_key_path(edit, path):
    raw = copy.deepcopy(_raw())
    edit(raw)
    with pytest.raises(SpecError, match=path):
        load_status_rules(raw=raw)


def test_unknown_indicator_suggests_the_right_one():
    raw = _raw()
    raw["statuses"][1]["all"][0]["indicator"] = "populaton_1jan"
    with pytest.raises(SpecError, match="did you mean 'population_1jan'"):
        load_status_rules(raw=raw)

"""Status on the bundled real district panel (BNS): a district with a one-year outlier in its population."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from territoria.dynamics.horizon import last_break, one_year_outliers
from territoria.dynamics.status import classify
from territoria.store import Store

ZHARKAYYN = "115400000"  # Zharkayyn District, Akmola Region
NAURYZYM = "395800000"  # Nauryzym District, Kostanay Region


@pytest.fixture(scope="module")
def districts(bundled_store_path) -> pd.DataFrame:
    with Store(bundled_store_path, read_only=True) as store:
        return store.observations(level="district")


def test_zharkayyn_is_at_risk_read_across_its_2022_outlier(districts: pd.DataFrame) -> None:
    # Bundled BNS panel, Zharkayyn District, population on 1 January (table 6584):
    #   2015 14,963 · 2016 14,787 · 2017 14,477 · 2018 14,306 · 2019 14,110 · 2020 13,565 · 2021 13,358 ·
    #   2022 14,935 · 2023 12,829 · 2024 12,383 · 2025 11,918.
    # 2022 is a one-year outlier: +11.8 % from 2021 (14,935 / 13,358) and −14.1 % to 2023 (12,829 / 14,935),
    # while 2023 is within 10 % of 2021 (−4.0 %). Read as a boundary break, it cut the series to 2023–2025
    # (three years, no significant trend) and the district came out "stable".
    # Over the horizon: 11,918 / 14,963 − 1 = −20.35 % (≤ −15 %), falling every year but 2022.
    # Migration: published 2023 −469 (−36.6 per 1,000), 2024 −461 (−37.2 per 1,000); implied
    # P(t+1) − P(t) − N(t) for 2015–2020: −204, −392, −249, −280, −609, −253 (2021 and 2022, +1,560 and −2,139,
    # carry the outlier and are left out); 2023: 12,383 − 12,829 − 23 = −469 and 2024: 11,918 − 12,383 + 4 = −461,
    # the published balances: out-migration in 8 of 8 years.
    pop = districts[(districts["unit"] == ZHARKAYYN) & (districts["indicator"] == "population_1jan")]
    pop = pop.set_index("year")["value"].sort_index()
    assert [(y, round(a, 1), round(b, 1)) for y, a, b in one_year_outliers(pop, 10)] == [(2022, 11.8, -14.1)]
    assert last_break(pop.drop(2022), 10) is None
    mig = districts[(districts["unit"] == ZHARKAYYN) & (districts["indicator"] == "net_migration_per_1000")]
    assert mig.set_index("year")["value"].round(1).to_dict() == {2023: -36.6, 2024: -37.2}

    # classify judges each unit from its own series alone: the two districts checked here, not all 200-odd
    table = classify(districts[districts["unit"].isin([ZHARKAYYN, NAURYZYM])])
    row = table.loc[ZHARKAYYN]
    assert row["status"] == "at_risk_of_dying_out" and row["horizon"] == "2015–2025"
    codes = json.loads(row["fact_codes"])
    change = next(c["params"] for c in codes if c["code"] == "status.change_over_horizon")
    assert (change["y0"], change["x0"], change["y1"], change["x1"]) == (2015, 14963.0, 2025, 11918.0)
    assert change["pct"] == pytest.approx(-20.35) and not change["scaled"]
    assert any(c["code"] == "status.outlier" and c["params"]["year"] == 2022 for c in codes)
    assert not any(c["code"] == "status.break" for c in codes)
    share = next(c["params"] for c in codes if c["code"] == "status.share")
    assert share["indicator"] == "net_migration_implied" and (share["k"], share["n"]) == (8, 8)
    assert share["values"] == [-204.0, -392.0, -249.0, -280.0, -609.0, -253.0, -469.0, -461.0]
    # the other districts: Nauryzym (−30.4 %, out-migration every year) stays at risk
    assert table.loc[NAURYZYM, "status"] == "at_risk_of_dying_out"

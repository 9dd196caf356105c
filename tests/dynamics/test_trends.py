"""Trend statistics against hand-worked values (the seeds' Mamlyutka and Bulaevo series, seed 002)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from territoria.dynamics.doubts import load_doubts
from territoria.dynamics.trends import mann_kendall, pettitt, series_trend, trend_table
from territoria.errors import DataError

YEARS = list(range(2015, 2021))
MAMLYUTKA = [7027, 7058, 6955, 6870, 6833, 6731]   # Turkeeva, Omarov & Abilkaiyr (2022), Table 2
BULAEVO = [7666, 7704, 7722, 7738, 7722, 7653]     # Table 1 (7722 appears twice: one tie group)


def test_mann_kendall_by_hand_without_ties():
    # pairs: 7027 -> (+1 -4) = -3; 7058 -> -4; 6955 -> -3; 6870 -> -2; 6833 -> -1; S = -13
    r = mann_kendall(MAMLYUTKA)
    assert r.s == -13
    assert r.var_s == pytest.approx(6 * 5 * 17 / 18)            # 28.333
    assert r.z == pytest.approx(-12 / math.sqrt(510 / 18))       # continuity correction
    assert r.p == pytest.approx(2 * stats.norm.sf(12 / math.sqrt(510 / 18)))
    assert r.tau == pytest.approx(-13 / 15)


def test_mann_kendall_tie_correction():
    # S = 3 + 2 + 0 - 2 - 1 = 2; one tie group of 2 removes 2*1*9 = 18 from 510
    r = mann_kendall(BULAEVO)
    assert r.s == 2
    assert r.var_s == pytest.approx((510 - 18) / 18)
    assert r.z == pytest.approx(1 / math.sqrt(492 / 18))


def test_series_trend_growth_cagr_and_sen():
    t = series_trend(YEARS, MAMLYUTKA)
    assert t["growth_pct"] == pytest.approx(100 * (6731 / 7027 - 1))
    assert t["cagr_pct"] == pytest.approx(100 * ((6731 / 7027) ** (1 / 5) - 1))
    pairwise = [(MAMLYUTKA[j] - MAMLYUTKA[i]) / (j - i) for i in range(6) for j in range(i + 1, 6)]
    assert t["sen_slope"] == pytest.approx(np.median(pairwise))
    assert t["trend"] == "decreasing"
    assert series_trend(YEARS, BULAEVO)["trend"] == "no trend"


def test_small_hand_worked_sen_slope():
    t = series_trend([2000, 2001, 2002], [1.0, 2.0, 4.0])   # slopes 1, 1.5, 2
    assert t["sen_slope"] == pytest.approx(1.5)
    assert t["mk_s"] == 3


def test_pettitt_finds_a_step():
    # synthetic step: five values near 10, five near 20 -> the break is the sixth year
    x = [10, 11, 10, 9, 10, 20, 21, 19, 20, 22]
    k, big_k, p = pettitt(x)
    assert k == 5 and big_k == 25            # every pair across the split is +1: 5 x 5
    assert p == pytest.approx(2 * math.exp(-6 * 25**2 / (10**3 + 10**2)))
    assert series_trend(range(2010, 2020), x)["break_year"] == 2015


def test_cagr_undefined_for_non_positive_values():
    t = series_trend(YEARS, [-26, -26, -44, -94, -29, -50])       # Bulaevo net migration
    assert math.isnan(t["cagr_pct"])


def test_fewer_than_three_years_is_a_clear_error():
    with pytest.raises(DataError, match=r"unit 1, x: a trend needs at least 3 years.*got 2 \(2019, 2020\)"):
        series_trend([2019, 2020, 2021], [1.0, 2.0, np.nan], where="unit 1, x")


def test_trend_table_skips_or_raises_short_series():
    obs = pd.DataFrame({"unit": ["a"] * 6 + ["b"] * 2, "indicator": "pop",
                        "year": [*YEARS, 2019, 2020], "value": [*MAMLYUTKA, 1.0, 2.0]})
    table = trend_table(obs)
    assert list(table.index) == [("a", "pop")]
    assert table.attrs["skipped"] == [("b", "pop", 2)]
    with pytest.raises(DataError, match="unit b, pop"):
        trend_table(obs, short="raise")


def test_a_trend_says_when_its_series_holds_a_doubtful_seed_figure() -> None:
    # Mamlyutka's local budget per person as stored from Turkeeva et al. (2022): 4.7, 7, 24.5 thousand tenge in
    # 2017-2019, then "63.3 tenge" in 2020 (kept as printed: 0.0633 thousand tenge; a probable unit slip)
    obs = pd.DataFrame({"unit": "595220100", "indicator": "local_budget_financing_per_capita",
                        "year": [2017, 2018, 2019, 2020], "value": [4.7, 7.0, 24.5, 0.0633]})
    row = trend_table(obs).loc[("595220100", "local_budget_financing_per_capita")]
    assert row["doubt"].startswith("2020: probable unit slip (printed 63.3 tenge; Turkeeva et al. 2022)")
    assert row["last"] == 0.0633                                   # kept as printed, never corrected
    # the same series without 2020 holds no doubtful figure
    assert trend_table(obs[obs["year"] < 2020]).iloc[0]["doubt"] == ""
    doubts = load_doubts().set_index(["unit", "indicator", "year"])
    assert doubts.loc[("595220100", "local_budget_financing_per_capita", 2020), "printed"] == "63.3 tenge"

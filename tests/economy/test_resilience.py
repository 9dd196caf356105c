"""Resilience measures on a hand-worked synthetic series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.economy import EconomyInputError, resilience, resilience_panel

Y = pd.DataFrame({"R1": [100.0, 90.0, 99.0], "R2": [200.0, 210.0, 210.0]}, index=[2019, 2020, 2021])
KZ = pd.Series({2019: 1000.0, 2020: 950.0, 2021: 1000.0})


def test_three_measures_hand_worked():
    rel = resilience(Y, start=2019, end=2020, national=KZ)
    assert rel.tolist() == pytest.approx([0.9 / 0.95, 1.05 / 0.95])
    sens = resilience(Y, start=2019, end=2020, national=KZ, measure="sensitivity")
    assert sens.tolist() == pytest.approx([2.0, -1.0])          # (-.1)/(-.05), (.05)/(-.05)
    res = resilience(Y, start=2019, end=2020, national=KZ, measure="resistance")
    assert res.tolist() == pytest.approx([-1.0, 2.0])           # (-10 - -5)/5, (10 - -10)/10


def test_sum_of_regions_reference():
    rel = resilience(Y, start=2019, end=2020)                    # 300 -> 300
    assert rel.tolist() == pytest.approx([0.9, 1.05])
    with pytest.raises(EconomyInputError, match="did not change"):
        resilience(Y, start=2019, end=2020, measure="sensitivity")


def test_rolling_panel():
    panel = resilience_panel(Y, national=KZ, window=1)
    assert list(panel.columns) == ["region", "year", "value"]
    assert len(panel) == 4
    r1_2021 = panel[(panel.region == "R1") & (panel.year == 2021)]["value"].item()
    assert r1_2021 == pytest.approx((99 / 90) / (1000 / 950))
    two = resilience_panel(Y, national=KZ, window=2)
    assert two["year"].tolist() == [2021, 2021]
    assert np.log(two["value"]).tolist() == pytest.approx([np.log(0.99), np.log(1.05)])


def test_bad_inputs():
    with pytest.raises(EconomyInputError, match="at least two"):
        resilience_panel(Y.loc[[2019]])
    with pytest.raises(EconomyInputError, match=r"region 'R1', year 2020.*must be > 0"):
        resilience(Y.assign(R1=[100.0, -1.0, 5.0]), start=2019, end=2020)
    with pytest.raises(EconomyInputError, match="measure"):
        resilience(Y, start=2019, end=2020, measure="elasticity")  # type: ignore[arg-type]
    with pytest.raises(EconomyInputError, match="not in the data"):
        resilience(Y, start=2018, end=2020)
    with pytest.raises(EconomyInputError, match="forward"):
        resilience(Y, start=2020, end=2019)

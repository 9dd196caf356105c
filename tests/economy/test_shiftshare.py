"""Shift-share: a hand-worked synthetic example and the adding-up identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.economy import EconomyInputError, shift_share

X0 = pd.DataFrame([[10, 30], [40, 20]], index=["R1", "R2"], columns=["A", "B"], dtype=float)
X1 = pd.DataFrame([[15, 30], [45, 40]], index=["R1", "R2"], columns=["A", "B"], dtype=float)
# national (sum): 100 -> 130, g = .3; g_A = .2, g_B = .4


def test_hand_worked_cells_and_regions():
    cell = shift_share(X0, X1, by="cell")
    assert cell.loc[("R1", "A")].tolist() == pytest.approx([10, 15, 3, -1, 3, 5])
    assert cell.loc[("R1", "B")].tolist() == pytest.approx([30, 30, 9, 3, -12, 0])
    region = shift_share(X0, X1)
    assert region.loc["R1", ["national_share", "industry_mix", "competitive", "actual_change"]].tolist() == \
        pytest.approx([12, 2, -9, 5])
    assert region.loc["R2", ["national_share", "industry_mix", "competitive", "actual_change"]].tolist() == \
        pytest.approx([18, -2, 9, 25])
    # with the sum of regions as reference the competitive effects of an industry cancel out
    assert shift_share(X0, X1, by="industry")["competitive"].abs().max() < 1e-12


def test_given_national_reference():
    n0, n1 = pd.Series({"A": 100.0, "B": 100.0}), pd.Series({"A": 150.0, "B": 100.0})  # g = .25, g_A = .5, g_B = 0
    cell = shift_share(X0, X1, national0=n0, national1=n1, by="cell")
    assert cell.loc[("R1", "A"), ["national_share", "industry_mix", "competitive"]].tolist() == \
        pytest.approx([2.5, 2.5, 0.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e5), st.floats(0, 1e5), st.floats(0, 1e5), st.floats(0, 1e5)),
                min_size=2, max_size=6))
def test_parts_sum_to_actual_change(rows):
    a = pd.DataFrame([r[:2] for r in rows], columns=["A", "B"]) + 1.0
    b = pd.DataFrame([r[2:] for r in rows], columns=["A", "B"])
    for by in ("cell", "region", "industry"):
        t = shift_share(a, b, by=by)
        np.testing.assert_allclose(t[["national_share", "industry_mix", "competitive"]].sum(axis=1),
                                   t["actual_change"], atol=1e-7 * (1 + t["base"].abs().max()))


def test_new_industry_in_a_region_goes_to_competitive():
    a = pd.DataFrame([[0.0, 10.0], [10.0, 10.0]], index=["R1", "R2"], columns=["A", "B"])
    b = pd.DataFrame([[5.0, 10.0], [10.0, 10.0]], index=["R1", "R2"], columns=["A", "B"])
    cell = shift_share(a, b, by="cell")
    assert cell.loc[("R1", "A"), ["national_share", "industry_mix", "competitive"]].tolist() == \
        pytest.approx([0, 0, 5])


def test_bad_inputs():
    with pytest.raises(EconomyInputError, match="same regions and industries"):
        shift_share(X0, X1.drop(index="R2"))
    with pytest.raises(EconomyInputError, match="both years or for neither"):
        shift_share(X0, X1, national0=X0.sum())
    with pytest.raises(EconomyInputError, match="'B' is missing from the national reference"):
        shift_share(X0, X1, national0=pd.Series({"A": 1.0}), national1=pd.Series({"A": 1.0}))
    with pytest.raises(EconomyInputError, match="negative output"):
        shift_share(X0, -X1)
    with pytest.raises(EconomyInputError, match="'cell', 'region' or 'industry'"):
        shift_share(X0, X1, by="nation")

"""Structural coefficients, location quotients, Krugman, Hachman, locational Gini.

Hand-worked example (synthetic): two regions, three industries,
R1 = (10, 30, 60), R2 = (40, 40, 20); sum of regions N = (50, 70, 80), reference shares n = (.25, .35, .40).
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.economy import (
    EconomyInputError,
    hachman_index,
    krugman_index,
    location_quotients,
    locational_gini,
    structural_coefficients,
    structural_variance,
)

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture
def x() -> pd.DataFrame:
    return pd.DataFrame([[10, 30, 60], [40, 40, 20]], index=["R1", "R2"], columns=["I1", "I2", "I3"], dtype=float)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name, index_col=0)


def test_structural_coefficients_hand_worked(x):
    k = structural_coefficients(x)
    # R1: s = (.1, .3, .6) over n = (.25, .35, .40)
    np.testing.assert_allclose(k.loc["R1"], [2 / 5, 6 / 7, 3 / 2], rtol=1e-14)
    np.testing.assert_allclose(k.loc["R2"], [8 / 5, 8 / 7, 1 / 2], rtol=1e-14)
    assert list(k.index) == ["R1", "R2"] and list(k.columns) == ["I1", "I2", "I3"]


def test_structural_coefficients_with_grp_and_gdp_totals(x):
    # GRP of R1 = 125 (25 of net taxes), GDP = 250: K = (x/125) / (N/250)
    k = structural_coefficients(x, region_total=pd.Series({"R1": 125.0, "R2": 100.0}), national_total=250.0)
    np.testing.assert_allclose(k.loc["R1"], [(10 / 125) / (50 / 250), (30 / 125) / (70 / 250), (60 / 125) / (80 / 250)])


def test_variance_convention_population_and_sample(x):
    lq = [F(2, 5), F(6, 7), F(3, 2)]
    mean = sum(lq) / 3
    ss = sum((v - mean) ** 2 for v in lq)
    v0 = structural_variance(x)
    v1 = structural_variance(x, ddof=1)
    assert v0["R1"] == pytest.approx(float(ss / 3), rel=1e-13)
    assert v1["R1"] == pytest.approx(float(ss / 2), rel=1e-13)
    # a region shaped exactly like the nation has variance 0
    y = pd.DataFrame([[1, 2, 3], [2, 4, 6]], index=["a", "b"], columns=list("xyz"), dtype=float)
    assert structural_variance(y).abs().max() < 1e-15


def test_national_reference_given_differs_from_sum(x):
    national = pd.Series({"I1": 100.0, "I2": 100.0, "I3": 200.0})  # n = (.25, .25, .5)
    k = structural_coefficients(x, national=national)
    np.testing.assert_allclose(k.loc["R1"], [0.4, 1.2, 1.2])


def test_location_quotients_match_econgeo():
    mat = _read("lq_example_input.csv")
    np.testing.assert_allclose(location_quotients(mat).to_numpy(), _read("lq_example_output_LQ.csv").to_numpy(),
                               atol=1e-9)
    binary = location_quotients(mat, binary=True)
    pd.testing.assert_frame_equal(binary, _read("lq_example_output_LQ_binary.csv").astype(int))
    assert binary.loc["R3", "I2"] == 1  # LQ exactly 1 counts as specialised


def test_krugman_and_spec_coeff_match_econgeo():
    mat = _read("seed31_example_input.csv")
    ref = _read("seed31_example_output.csv")
    k = krugman_index(mat)
    np.testing.assert_allclose(k.to_numpy(), ref["Krugman"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose((k / 2).to_numpy(), ref["spec_coeff"].to_numpy(), atol=1e-9)


def test_krugman_hand_worked_total_and_rest(x):
    assert krugman_index(x).tolist() == pytest.approx([0.4, 0.4])
    # rest of the country of R1 is R2: |.1-.4| + |.3-.4| + |.6-.2|
    assert krugman_index(x, reference="rest").tolist() == pytest.approx([0.8, 0.8])


def test_hachman_hand_worked_and_bounds(x):
    h = hachman_index(x)
    assert h["R1"] == pytest.approx(350 / 419, rel=1e-13)  # 1 / (1/25 + 9/35 + 9/10)
    mat = _read("seed31_example_input.csv")
    hm = hachman_index(mat)
    assert ((hm > 0) & (hm <= 1)).all()
    # definition check against the EconGeo LQs: 1 / sum(s * LQ)
    lq = _read("lq_example_input.csv")
    s = lq.div(lq.sum(axis=1), axis=0)
    expected = 1 / (s * _read("lq_example_output_LQ.csv")).sum(axis=1)
    np.testing.assert_allclose(hachman_index(lq).to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_locational_gini_hand_worked(x):
    g = locational_gini(x)
    # I1: regions ordered by LQ (R1 .4, R2 1.6); Lorenz points (.5, .2), (1, 1): area to the diagonal .15
    assert g["I1"] == pytest.approx(0.15, abs=1e-15)
    assert g["I2"] == pytest.approx((1 * 0.5 - (30 / 70) * 1) / 2, abs=1e-15)
    spread = pd.DataFrame([[1, 2], [2, 4], [3, 6]], index=list("abc"), columns=["u", "v"], dtype=float)
    assert locational_gini(spread).abs().max() < 1e-15
    one_place = pd.DataFrame([[10, 0], [0, 10]], index=["a", "b"], columns=["u", "v"], dtype=float)
    assert locational_gini(one_place)["u"] == pytest.approx(0.25)  # (1*.5 - 0*1)/2


@pytest.mark.parametrize("bad, message", [
    (pd.DataFrame([[1.0, -2.0]], index=["R1"], columns=["A", "B"]), "negative output"),
    (pd.DataFrame([[1.0, np.nan]], index=["R1"], columns=["A", "B"]), "has no value"),
    (pd.DataFrame([[1.0, "x"]], index=["R1"], columns=["A", "B"]), "not a number"),
    (pd.DataFrame([[0.0, 0.0]], index=["R1"], columns=["A", "B"]), "zero total"),
])
def test_bad_tables_name_region_and_industry(bad, message):
    with pytest.raises(EconomyInputError, match=message) as info:
        structural_coefficients(bad)
    assert "R1" in str(info.value)


def test_industry_missing_from_national_reference(x):
    with pytest.raises(EconomyInputError, match="'I3' is missing from the national reference"):
        structural_coefficients(x, national=pd.Series({"I1": 1.0, "I2": 1.0}))
    with pytest.raises(EconomyInputError, match=r"I2.*expected a number > 0"):
        location_quotients(x, national=pd.Series({"I1": 1.0, "I2": 0.0, "I3": 1.0}))


def test_shares_above_one_refused(x):
    with pytest.raises(EconomyInputError, match="shares would sum above 1"):
        structural_coefficients(x, region_total=pd.Series({"R1": 90.0, "R2": 100.0}))
    with pytest.raises(EconomyInputError, match="national shares would sum above 1"):
        structural_coefficients(x, national_total=150.0)

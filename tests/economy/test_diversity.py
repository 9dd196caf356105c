"""Herfindahl, entropy, related and unrelated variety (synthetic tables unless EconGeo's)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.economy import EconomyInputError, check_shares, entropy, herfindahl, variety

FIX = Path(__file__).parent / "fixtures"
X = pd.DataFrame([[10, 30, 60], [40, 40, 20]], index=["R1", "R2"], columns=["I1", "I2", "I3"], dtype=float)
TREE = {"g1": ["I1", "I2"], "g2": ["I3"]}


def test_herfindahl_and_entropy_match_econgeo():
    mat = pd.read_csv(FIX / "seed31_example_input.csv", index_col=0)
    ref = pd.read_csv(FIX / "seed31_example_output.csv", index_col=0)
    np.testing.assert_allclose(herfindahl(mat).to_numpy(), ref["Herfindahl"].to_numpy(), atol=1e-9)
    assert entropy(mat, base=2).round(3).tolist() == ref["entropy"].tolist()


def test_hand_worked_values():
    assert herfindahl(X)["R1"] == pytest.approx(0.46)
    assert herfindahl(X, inverse=True)["R1"] == pytest.approx(1 / 0.46)
    h = -(0.1 * math.log2(0.1) + 0.3 * math.log2(0.3) + 0.6 * math.log2(0.6))
    assert entropy(X)["R1"] == pytest.approx(h, rel=1e-14)
    assert entropy(X, base=math.e)["R1"] == pytest.approx(h * math.log(2), rel=1e-14)
    v = variety(X, TREE)
    uv = -(0.4 * math.log2(0.4) + 0.6 * math.log2(0.6))
    rv = 0.4 * -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    assert v.loc["R1", "unrelated_variety"] == pytest.approx(uv, rel=1e-14)
    assert v.loc["R1", "related_variety"] == pytest.approx(rv, rel=1e-14)


def test_extremes():
    one = pd.DataFrame([[5.0, 0.0, 0.0, 0.0]], index=["r"], columns=list("abcd"))
    flat = pd.DataFrame([[1.0, 1.0, 1.0, 1.0]], index=["r"], columns=list("abcd"))
    assert entropy(one)["r"] == 0.0 and herfindahl(one)["r"] == 1.0
    assert entropy(flat)["r"] == pytest.approx(2.0) and herfindahl(flat)["r"] == pytest.approx(0.25)
    v = variety(flat, {"p": ["a", "b"], "q": ["c", "d"]})
    assert v.loc["r", "related_variety"] == pytest.approx(1.0)
    assert v.loc["r", "unrelated_variety"] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0, 1e6), min_size=5, max_size=5).filter(lambda r: sum(r) > 1e-3),
                min_size=1, max_size=6),
       st.sampled_from([2.0, math.e, 10.0]))
def test_entropy_is_related_plus_unrelated(rows, base):
    x = pd.DataFrame(rows, columns=list("abcde"))
    v = variety(x, {"g1": ["a", "b"], "g2": ["c", "d", "e"]}, base=base)
    np.testing.assert_allclose(v["entropy"], v["related_variety"] + v["unrelated_variety"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v["entropy"], entropy(x, base=base), rtol=0, atol=1e-12)


@pytest.mark.parametrize("tree, message", [
    ({"g1": ["I1"], "g2": ["I3"]}, "'I2' belongs to no group"),
    ({"g1": ["I1", "I2"], "g2": ["I2", "I3"]}, "already in group 'g1'"),
    ({"g1": ["I1", "I2", "I9"], "g2": ["I3"]}, "'I9' is not a column"),
    ({}, "non-empty mapping"),
])
def test_bad_hierarchy(tree, message):
    with pytest.raises(EconomyInputError, match=message):
        variety(X, tree)


def test_bad_base_and_shares_that_do_not_sum():
    with pytest.raises(EconomyInputError, match="base"):
        entropy(X, base=1)
    ok = check_shares(X / 100)
    assert ok.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    with pytest.raises(EconomyInputError, match=r"region 'R2' sum to 0\.9"):
        check_shares(pd.DataFrame([[0.5, 0.5], [0.6, 0.3]], index=["R1", "R2"], columns=["a", "b"]))
    with pytest.raises(EconomyInputError, match="percentages"):
        check_shares(X)

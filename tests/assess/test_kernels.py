"""Hand-worked checks of the vectorised kernels (synthetic numbers, worked on paper)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess import kernels as k
from territoria.errors import DegenerateIndicatorError

NAN = np.nan


def test_minmax_hand_worked_and_range():
    x = np.array([[1.0, 10.0], [2.0, NAN], [3.0, 30.0]])
    y = k.minmax(x)
    np.testing.assert_allclose(y[:, 0], [0, 50, 100])
    assert np.isnan(y[1, 1]) and y[0, 1] == 0 and y[2, 1] == 100
    # COINr test: bounds (2, 7) give min 2 and max 7
    z = k.minmax(np.array([[5.0], [-1.0], [8.0], [0.0]]), low=2, high=7)
    assert z.min() == 2 and z.max() == 7
    np.testing.assert_allclose(z.ravel(), [2 + 5 * 6 / 9, 2, 7, 2 + 5 * 1 / 9])


def test_minmax_goalposts_and_constant_column():
    x = np.array([[5.0, 4.0], [15.0, 4.0]])
    y = k.minmax(x, ref_min=np.array([0.0, 0.0]), ref_max=np.array([10.0, 8.0]))
    np.testing.assert_allclose(y, [[50, 50], [150, 50]])      # goalposts: no clipping
    flat = k.minmax(np.array([[3.0], [3.0], [NAN]]), low=0, high=10)
    assert flat[0, 0] == 5 and flat[1, 0] == 5 and np.isnan(flat[2, 0])


def test_zscore():
    x = np.array([[2.0, 1.0], [4.0, 1.0], [9.0, NAN]])
    z = k.zscore(x)
    # mean 5, sd (ddof=1) = sqrt((9+1+16)/2) = sqrt(13)
    np.testing.assert_allclose(z[:, 0], np.array([-3, -1, 4]) / np.sqrt(13))
    assert z[0, 1] == 0 and z[1, 1] == 0 and np.isnan(z[2, 1])
    np.testing.assert_allclose(k.zscore(x[:, :1], mean=0.0, std=2.0).ravel(), [1, 2, 4.5])


@pytest.mark.parametrize(("ties", "expected"), [
    ("min", [3, 1, 3, NAN, 2, 5]),
    ("max", [4, 1, 4, NAN, 2, 5]),
    ("average", [3.5, 1, 3.5, NAN, 2, 5]),
    ("dense", [3, 1, 3, NAN, 2, 4]),
])
def test_rank_ties(ties, expected):
    x = np.array([[3.0], [1.0], [3.0], [NAN], [2.0], [7.0]])
    np.testing.assert_array_equal(k.rank(x, ties=ties).ravel(), expected)


def test_rank_with_replication_axis_matches_loop():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=(4, 30, 3)).astype(float)
    x[0, 3, 1] = NAN
    stacked = k.rank(x)
    for r in range(4):
        np.testing.assert_array_equal(stacked[r], k.rank(x[r]))


def test_percentile_rank_svi_convention():
    x = np.array([[10.0], [20.0], [20.0], [NAN], [40.0]])
    p = k.percentile_rank(x).ravel()
    # n = 4 present values; ranks min 1, 2, 2, 4 -> (r-1)/3
    np.testing.assert_allclose(p[[0, 1, 2, 4]], [0, 1 / 3, 1 / 3, 1])
    assert np.isnan(p[3])
    assert k.percentile_rank(x, decimals=4).ravel()[1] == 0.3333
    assert k.percentile_rank(np.array([[5.0], [NAN]])).ravel()[0] == 1.0


def test_weighted_means_coinr_facts():
    x = np.array([1.0, 2.0, 3.0])
    assert k.aggregate_geometric(x, np.array([1, 1, 2])) == pytest.approx((1 * 2 * 3 ** 2) ** 0.25)
    assert k.aggregate_harmonic(x, np.array([2, 1, 1])) == pytest.approx(4 / (2 / 1 + 1 / 2 + 1 / 3))
    assert k.aggregate_arithmetic(x, np.array([2, 1, 1])) == pytest.approx((2 + 2 + 3) / 4)


def test_aggregation_renormalises_over_missing_and_rows():
    x = np.array([[1.0, NAN, 4.0], [NAN, NAN, NAN], [0.0, 5.0, 5.0]])
    w = np.array([1.0, 5.0, 2.0])
    a = k.aggregate_arithmetic(x, w)
    assert a[0] == pytest.approx(3.0) and np.isnan(a[1]) and a[2] == pytest.approx(35 / 8)
    g = k.aggregate_geometric(x, w)
    assert g[0] == pytest.approx(4 ** (2 / 3)) and np.isnan(g[1]) and g[2] == 0.0   # zero rule
    h = k.aggregate_harmonic(x, w)
    assert h[0] == pytest.approx(3 / (1 + 2 / 4)) and h[2] == 0.0
    # a zero with zero weight is ignored
    assert k.aggregate_geometric(np.array([0.0, 4.0]), np.array([0.0, 1.0])) == pytest.approx(4.0)


def test_geometric_refuses_negative():
    with pytest.raises(DegenerateIndicatorError, match="negative"):
        k.aggregate_geometric(np.array([[1.0, -2.0]]))


def test_copeland_hand_worked():
    # unit A beats B on 2 of 3 indicators, B beats C on all, A beats C on all
    x = np.array([[3.0, 3.0, 1.0], [2.0, 2.0, 2.0], [1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(k.aggregate_copeland(x), [2, 0, -2])
    # weights can reverse A vs B: B wins on the heavy third indicator
    np.testing.assert_array_equal(k.aggregate_copeland(x, np.array([1, 1, 5])), [0, 2, -2])
    # chunking does not change the result, and replication axis works
    big = np.random.default_rng(0).normal(size=(2, 50, 4))
    np.testing.assert_array_equal(k.aggregate_copeland(big, chunk=7), k.aggregate_copeland(big))


def test_rank_scores():
    s = np.array([[5.0, 9.0, 5.0, 1.0], [NAN, 1.0, 2.0, 2.0]])
    np.testing.assert_array_equal(k.rank_scores(s), [[2, 1, 2, 4], [NAN, 3, 1, 1]])
    np.testing.assert_array_equal(k.rank_scores(s[0], descending=False), [2, 4, 2, 1])


def test_rank_without_missing_values_equals_scipy_min_ranks_on_awkward_values() -> None:
    """Columns without NaN take the integer-key sort; the ranks are scipy's ``method="min"`` ones."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(12)
    x = rng.integers(-5, 5, (3_000, 4)).astype(float) * 0.5
    x[:5, 0] = [-0.0, 0.0, np.inf, -np.inf, 1e-300]
    x[:, 3] = rng.normal(size=3_000)
    got = k.rank(x)
    assert np.array_equal(got, rankdata(x, method="min", axis=0).astype(float))
    x[9, 2] = np.nan                                           # one missing value: the argsort path
    want = rankdata(x[:, 2][~np.isnan(x[:, 2])], method="min")
    assert np.array_equal(k.rank(x)[~np.isnan(x[:, 2]), 2], want.astype(float))
    assert np.array_equal(k.rank(x)[:, :2], got[:, :2])
    assert np.array_equal(k.percentile_rank(x[:, :2]), (got[:, :2] - 1) / 2_999)


@pytest.mark.parametrize("descending", [True, False])
def test_rank_scores_with_zeros_and_signed_zeros_ties_at_the_lowest_rank(descending):
    # non-negative scores take the bit-pattern keys of the integer sort; -0.0 and 0.0 are one value
    rng = np.random.default_rng(5)
    s = np.round(rng.random((3, 2_000)) * 20) / 2
    s[:, ::7] = 0.0
    s[:, ::11] = -0.0
    got = k.rank_scores(s, descending=descending)
    for row, ranks in zip(s, got, strict=True):
        expected = pd.Series(row).rank(ascending=not descending, method="min").to_numpy()
        np.testing.assert_array_equal(ranks, expected)

"""Mergeable statistics (issue 18): each partial merged over a random split of the rows gives the
one-shot statistic — winsorisation bounds and counts exactly (moments to 1e-12), exact sums and the
means / deviations built on them bit for bit, medians from two rounds bit for bit with numpy.

All tables here are synthetic (random numbers), not statistics."""

from __future__ import annotations

import itertools
import warnings
import zlib
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.assess.exact_sum import UNIT, exact_mean, exact_std, exact_sums, square_parts
from territoria.assess.grade import Grade
from territoria.assess.group_stats import (
    MeanStats,
    MedianInside,
    MedianSample,
    key_frame,
    median_brackets,
    median_values,
)
from territoria.assess.moments import winsorise_column
from territoria.assess.treat_stats import TreatStats, winsorise_bounds

FAST = settings(max_examples=25, deadline=None)


def _split(n: int, cuts: list[int]) -> list[tuple[int, int]]:
    edges = sorted({0, n, *(c % (n + 1) for c in cuts)})
    return list(itertools.pairwise(edges))


def _column(seed: int, n: int, kind: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = [rng.lognormal(sigma=1.5, size=n), np.round(rng.lognormal(size=n), 1),
         rng.integers(0, 3, n).astype(float), -rng.pareto(1.5, size=n) * 1e6][kind]
    x[rng.random(n) < 0.15] = np.nan
    return x


@FAST
@given(seed=st.integers(0, 10**6), n=st.integers(1, 400), kind=st.integers(0, 3), winmax=st.integers(0, 8),
       cuts=st.lists(st.integers(0, 400), max_size=5))
def test_treat_partials_merge_to_the_bounds_of_the_whole_column(seed, n, kind, winmax, cuts):
    x = _column(seed, n, kind)
    table = pd.DataFrame({"v": x})
    k = winmax + 2
    whole = TreatStats.of(table, k=k)
    merged = TreatStats.merge([TreatStats.of(table.iloc[a:b], k=k) for a, b in _split(n, cuts)])
    assert merged.n[0] == whole.n[0] == np.isfinite(x).sum()
    for side in ("bottom", "top"):                 # values and full multiplicities, exactly
        for (va, ca), (vb, cb) in zip(getattr(whole, side), getattr(merged, side), strict=True):
            assert np.array_equal(va, vb) and np.array_equal(ca, cb)
    a, b = whole.moments(), merged.moments()
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(b[~np.isnan(b)], a[~np.isnan(a)], rtol=1e-12, atol=1e-12)
    got = winsorise_bounds(merged, 0, skew=2.0, kurt=3.5, winmax=winmax)
    one = winsorise_bounds(whole, 0, skew=2.0, kurt=3.5, winmax=winmax)
    assert got[2:] == one[2:] and np.array_equal(got[:2], one[:2], equal_nan=True)
    new, lo, hi, ok = winsorise_column(pd.Series(x), skew=2.0, kurt=3.5, winmax=winmax)
    assert (got[2], got[3], got[4]) == (lo, hi, ok)  # the reference algorithm on the whole column
    if ok and np.isfinite(x).any():
        assert (got[0], got[1]) == (new.min(), new.max())


def test_treat_tails_keep_full_multiplicities_across_partitions():
    # hand-worked: top k=3 of [9, 9 | 9, 8, 1 | 8, 8] is 9 (x3); the cut value 9 carries its full count
    parts = [pd.DataFrame({"v": v}) for v in ([9.0, 9.0], [9.0, 8.0, 1.0], [8.0, 8.0])]
    merged = TreatStats.merge([TreatStats.of(p, k=3) for p in parts])
    vals, counts = merged.top[0]
    assert vals.tolist() == [9.0] and counts.tolist() == [3]
    vals, counts = merged.bottom[0]
    assert vals.tolist() == [1.0, 8.0] and counts.tolist() == [1, 3]


@FAST
@given(seed=st.integers(0, 10**6), n=st.integers(0, 300), cuts=st.lists(st.integers(0, 300), max_size=6))
def test_exact_sums_are_the_exact_sum_for_any_split(seed, n, cuts):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, size=n)
    x[rng.random(n) < 0.1] = np.nan
    total = sum(exact_sums(x[a:b])[0, 0] for a, b in _split(n, cuts))
    assert Fraction(total) * Fraction(2) ** UNIT == sum((Fraction(v) for v in x if np.isfinite(v)), Fraction(0))
    count = int(np.isfinite(x).sum())
    if count:
        assert exact_mean(total, count) == float(sum(Fraction(v) for v in x if np.isfinite(v)) / count)


def test_exact_std_is_split_independent_and_matches_numpy():
    rng = np.random.default_rng(5)
    x = rng.lognormal(size=1000) * 1e3
    p, e = square_parts(x)
    assert [Fraction(a) + Fraction(b) for a, b in zip(p, e, strict=True)] == [Fraction(v) ** 2 for v in x]
    whole = exact_std(exact_sums(x)[0, 0], exact_sums(p)[0, 0] + exact_sums(e)[0, 0], x.size)
    assert whole == pytest.approx(np.std(x, ddof=1), rel=1e-14)
    stats = MeanStats.merge([MeanStats.of(pd.DataFrame({"v": x[a:b]}), squares=True)
                             for a, b in [(0, 1), (1, 500), (500, 1000)]])
    assert stats.stds()[0, 0] == whole and stats.means()[0, 0] == exact_mean(exact_sums(x)[0, 0], x.size)
    assert np.isnan(exact_std(0, 0, 1)) and np.isnan(exact_mean(0, 0))


@FAST
@given(seed=st.integers(0, 10**6), n=st.integers(1, 300), cuts=st.lists(st.integers(0, 300), max_size=5))
def test_group_means_and_deviations_are_the_same_bits_for_any_split(seed, n, cuts):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(size=(n, 2)) - 1.0
    x[rng.random(x.shape) < 0.2] = np.nan
    table = pd.DataFrame(x, columns=["a", "b"])
    groups = pd.Series(rng.choice(["p", "q", None], size=n), name="group")
    whole = MeanStats.of(table, [groups], squares=True)
    merged = MeanStats.merge([MeanStats.of(table.iloc[a:b], [groups.iloc[a:b]], squares=True)
                              for a, b in _split(n, cuts)])
    for stat in ("means", "stds"):
        one = key_frame(getattr(whole, stat)(), whole.keys, whole.names, table.columns)
        got = key_frame(getattr(merged, stat)(), merged.keys, merged.names, table.columns)
        pd.testing.assert_frame_equal(got, one, check_exact=True)
    pandas = table.groupby(groups, dropna=False).mean()
    got = key_frame(merged.means(), merged.keys, merged.names, table.columns)
    assert got.index.equals(pandas.index)
    np.testing.assert_allclose(got.to_numpy(), pandas.to_numpy(), rtol=1e-13, atol=1e-14)


def test_means_with_infinities_follow_pandas():
    table = pd.DataFrame({"a": [1.0, np.inf, np.nan], "b": [np.inf, -np.inf, 2.0], "c": [np.nan] * 3})
    stats = MeanStats.merge([MeanStats.of(table.iloc[:1]), MeanStats.of(table.iloc[1:])])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)             # inf - inf in pandas' own sum
        want = table.mean().to_numpy()
    np.testing.assert_array_equal(stats.means()[0], want)          # [inf, nan, nan]


def _medians(table: pd.DataFrame, bounds: list[tuple[int, int]], keys: pd.Series | None = None) -> np.ndarray:
    def k(a: int, b: int) -> list[pd.Series]:
        return [] if keys is None else [keys.iloc[a:b]]

    sample = MedianSample.merge([MedianSample.of(table.iloc[a:b], k(a, b)) for a, b in bounds])
    brackets = median_brackets(sample)
    inside = MedianInside.merge([MedianInside.of(table.iloc[a:b], brackets, k(a, b)) for a, b in bounds])
    return key_frame(median_values(inside), inside.keys, inside.names, table.columns)


@pytest.mark.parametrize("case", ["even", "odd", "ties", "middle_in_one_partition", "empty_partitions",
                                  "long"])
def test_two_round_median_is_numpy_nanmedian_bit_for_bit(case):
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    n = {"long": 5000}.get(case, 400 if case != "odd" else 401)
    x = rng.lognormal(size=(n, 3))
    if case == "ties":
        x = np.round(x, 1)
        x[:, 2] = 1.0
    x[rng.random(x.shape) < 0.1] = np.nan
    bounds = _split(n, [37, 150, 151, 320])
    if case == "middle_in_one_partition":
        x = np.sort(x, axis=0)                    # NaN last: the middle values all in one partition
        bounds = [(0, 10), (10, n // 2 - 5), (n // 2 - 5, n // 2 + 5), (n // 2 + 5, n)]
    if case == "empty_partitions":
        x[:150, 0] = np.nan                       # partitions with no value of column 0
        x[:, 1] = np.nan                          # a column with no value at all
        bounds = [(0, 0), *bounds]
    table = pd.DataFrame(x, columns=["a", "b", "c"])
    got = _medians(table, bounds).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = np.nanmedian(x, axis=0)
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(got.view(np.int64)[~np.isnan(got)], want.view(np.int64)[~np.isnan(want)])


@FAST
@given(seed=st.integers(0, 10**6), n=st.integers(1, 600), cuts=st.lists(st.integers(0, 600), max_size=6))
def test_two_round_group_medians_equal_pandas_for_any_split(seed, n, cuts):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=(n, 2)), int(rng.integers(0, 3)))
    x[rng.random(x.shape) < 0.2] = np.nan
    table = pd.DataFrame(x, columns=["a", "b"])
    groups = pd.Series(rng.choice(["p", "q", None], size=n), name="group")
    got = _medians(table, _split(n, cuts), groups)
    pd.testing.assert_frame_equal(got, table.groupby(groups, dropna=False).median(), check_exact=True)


def test_relative_grade_national_values_merge_per_year():
    rng = np.random.default_rng(9)
    idx = pd.MultiIndex.from_product([[f"u{i}" for i in range(40)], [2021, 2022]], names=["unit", "year"])
    score = pd.DataFrame({"vi": rng.lognormal(size=len(idx))}, index=idx)
    score.iloc[::7, 0] = np.nan
    whole = Grade(method="relative", thresholds=[0.8, 1.2]).fit(score)
    step = Grade(method="relative", thresholds=[0.8, 1.2])
    stats = step.merge_stats([step.partial_stats(score.iloc[a:b]) for a, b in [(0, 2), (2, 2), (2, 51), (51, 80)]])
    step.fit_stats(stats, score.columns)
    assert step.fitted() == whole.fitted() and sorted(whole.reference_) == [2021, 2022]
    for year, value in whole.reference_.items():   # the mean of the rated units of the year
        assert value == pytest.approx(score.xs(year, level="year")["vi"].mean(), rel=1e-15)
    pd.testing.assert_series_equal(step.transform(score), whole.transform(score))

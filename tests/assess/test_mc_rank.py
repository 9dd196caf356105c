"""Ranking, quantile and Sobol-sum kernels of the Monte-Carlo analysis, and the plan's evaluation API.

All data are synthetic (seeded random numbers), built to hit the awkward cases: ties, signed zeros,
neighbouring floats that agree on every high bit, negative scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess import kernels
from territoria.assess.mc_rank import column_quantiles, order_keys, rank_rows
from territoria.assess.sobol import SobolAccumulator
from territoria.assess.uncertainty import UncertaintyAnalysis


def test_order_keys_sort_like_the_floats() -> None:
    x = np.array([3.5, -1e300, -0.0, 0.0, 1e-310, -1e-310, np.inf, -np.inf, 2.0, -2.0])
    keys = order_keys(x)
    assert np.array_equal(np.sort(x), x[np.argsort(keys, kind="stable")])
    assert keys[2] == keys[3]                                   # -0.0 == 0.0


@pytest.mark.parametrize("case", ["ties", "signed_zero", "neighbours", "negative", "positive", "tiny"])
@pytest.mark.parametrize("descending", [True, False])
def test_rank_rows_equals_the_kernel_ranks(case: str, descending: bool) -> None:
    rng = np.random.default_rng(7)
    n = 2_000
    if case == "ties":
        s = rng.integers(0, 9, (5, n)).astype(float)
    elif case == "signed_zero":
        s = rng.choice([-0.0, 0.0, 1.0, -1.0], (5, n))
    elif case == "neighbours":                                  # equal high bits, different values
        base = rng.random((5, n // 4)) + 1.0
        s = np.concatenate([base, np.nextafter(base, 2), np.nextafter(base, 0), base], axis=1)
    elif case == "negative":
        s = rng.normal(size=(5, n)) * 1e6
    elif case == "positive":
        s = rng.random((5, n)) * 99 + 1
    else:
        s = rng.choice([5e-324, 1e-320, 2.2e-308, 1.0], (5, n))
    expected = kernels.rank_scores(s, descending=descending)
    assert np.array_equal(rank_rows(s, descending=descending), expected)


@pytest.mark.parametrize("descending", [True, False])
def test_rank_rows_clusters_of_ties_among_distinct_scores_any_memory_order(descending: bool) -> None:
    """Synthetic: mostly distinct scores with a few clusters of exact ties and of neighbouring floats
    (the clash path re-ranks only those), a -0.0 among zeros; C and Fortran order give the same ranks."""
    rng = np.random.default_rng(11)
    s = rng.random((4, 3_000)) * 50 + 1
    s[:, 100:140] = 7.25                                        # one tie cluster
    s[:, 200:203] = np.nextafter(9.5, [0.0, 10.0, 10.0])        # neighbours sharing the high bits
    s[:, 300:310] = 0.0
    s[:, 305] = -0.0
    expected = kernels.rank_scores(s, descending=descending)
    assert np.array_equal(rank_rows(s, descending=descending), expected)
    assert np.array_equal(rank_rows(np.asfortranarray(s), descending=descending), expected)
    ranked = rank_rows(s, descending=descending)[0]
    assert len(set(ranked[100:140].tolist())) == 1 and ranked[305] == ranked[300]


def test_rank_rows_writes_into_chosen_rows() -> None:
    s = np.array([[1.0, 3.0, 2.0], [9.0, 9.0, 1.0]])
    store = np.zeros((4, 3), dtype=np.int32)
    rank_rows(s, out=store, rows=[3, 0])
    assert store.tolist() == [[1, 1, 3], [0, 0, 0], [0, 0, 0], [3, 1, 2]]


def test_column_quantiles_match_numpy() -> None:
    rng = np.random.default_rng(3)
    store = rng.integers(1, 500, (101, 37)).astype(np.int32)
    qs = [0.05, 0.5, 0.95]
    got = column_quantiles(store, qs, block=8)
    assert np.array_equal(got, np.quantile(store, qs, axis=0).T)


def test_sobol_sums_are_exact_and_split_free() -> None:
    rng = np.random.default_rng(4)
    ya, yb, yab = (rng.integers(1, 90_000, shape) for shape in ((60, 50), (60, 50), (3, 60, 50)))
    whole = SobolAccumulator(3, (50,), exact=True)
    whole.add(ya, yb, yab)
    cross = (yb.astype(np.int64) * (yab[1] - ya)).sum(axis=0)   # worked with int64, no float involved
    assert np.array_equal(whole._cross[1], cross)
    halves = []
    for cols in (slice(0, 20), slice(20, 50)):
        acc = SobolAccumulator(3, (cols.stop - cols.start,), exact=True)
        for rows in (slice(0, 25), slice(25, 60)):
            acc.add(ya[rows, cols], yb[rows, cols], yab[:, rows, cols])
        halves.append(acc)
    joined = SobolAccumulator.concatenate(halves)
    for a, b in zip(whole.indices(aggregate=True), joined.indices(aggregate=True), strict=True):
        assert np.array_equal(a, b)


def test_sobol_falls_back_to_integers_when_float_sums_could_round() -> None:
    big = np.full((4, 2), 3 * 10**9, dtype=np.int64)            # products near 1e19: too big for float64
    acc = SobolAccumulator(1, (2,), exact=True)
    acc.add(big, big - 1, (big + 1)[None])
    assert acc._tot.dtype == np.int64 and acc._tot.tolist() == [[4, 4]]
    assert acc._cross.tolist() == [[4 * (3 * 10**9 - 1)] * 2]


def test_plan_runs_can_be_evaluated_in_any_grouping() -> None:
    rng = np.random.default_rng(11)
    data = pd.DataFrame(rng.random((150, 6)), columns=list("abcdef"), index=[f"U{i}" for i in range(150)])
    tree = pd.DataFrame([*({"code": c, "parent": "p" if c in "abc" else "q", "weight": 1.0, "level": 1}
                           for c in "abcdef"),
                         {"code": "p", "parent": "idx", "weight": 1.0, "level": 2},
                         {"code": "q", "parent": "idx", "weight": 2.0, "level": 2},
                         {"code": "idx", "parent": None, "weight": 1.0, "level": 3}])
    ua = UncertaintyAnalysis(n_replications=96, seed=5, keep_ranks=True, exclude_one=True,
                             normalise=({"method": "minmax", "low": 1, "high": 100}, "rank"),
                             aggregate=("arithmetic", "geometric"))
    reference = ua.run(data, tree)
    plan = ua.plan(data, tree)
    store = np.empty((plan.n_runs, plan.n_units), dtype=np.int32)
    for run in reversed(range(plan.n_runs)):                    # one run at a time, backwards
        store[run] = plan.evaluate(np.array([run]))[0]
    assert np.array_equal(store.T, reference.rank_samples)
    again = ua.summarise(plan, store)
    pd.testing.assert_frame_equal(again.ranks, reference.ranks, check_exact=True)
    pd.testing.assert_frame_equal(again.sensitivity, reference.sensitivity, check_exact=True)


def test_rank_normalisation_of_the_monte_carlo_is_the_normalise_step() -> None:
    from territoria.assess.normalise import Normalise
    from territoria.assess.uncertainty import UncertaintyAnalysis

    rng = np.random.default_rng(8)
    x = rng.integers(0, 40, (2_500, 5)).astype(float)       # many ties
    x[:, 2] = rng.normal(size=2_500)
    x[7, 1] = np.nan
    data = pd.DataFrame(x, columns=[f"c{j}" for j in range(5)])
    tree = pd.DataFrame({"code": ["all", *data.columns], "parent": [None, *["all"] * 5], "weight": 1.0,
                         "level": [2, 1, 1, 1, 1, 1]})
    plan = UncertaintyAnalysis(n_replications=8, normalise=("rank",), weight_perturbation=0.0).plan(data, tree)
    step = Normalise(method="rank").fit_transform(data, direction=pd.Series(1.0, index=data.columns))
    assert np.array_equal(plan.model.tables[(0, 0)][0], step.to_numpy(), equal_nan=True)
    assert np.array_equal(step.to_numpy(), kernels.rank(x), equal_nan=True)          # ties at the lowest

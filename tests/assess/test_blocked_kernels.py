"""The blocked passes of the local engine give what the plain formulas give (SYNTHETIC random data).

Treat reads a failing indicator's extreme values from the few 8,192-row blocks that can hold them
(:class:`territoria.assess.moments.BlockTails`); Aggregate sums gap-free children over row blocks and
falls back to the general rule when a child has a gap. Each check compares with the direct computation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess import threads
from territoria.assess.aggregate import Aggregate, aggregate_array
from territoria.assess.moments import column_pass, skew_kurt, skew_kurt_one
from territoria.assess.spec import AssessmentSpec
from territoria.assess.treat import Treat, column_sums, winsorise_column

NAN = np.nan


def _long_column(kind: str, n: int = 70_000) -> np.ndarray:
    """SYNTHETIC: one indicator over more than winmax + 2 blocks, with gaps and a few outliers."""
    rng = np.random.default_rng(len(kind))
    v = rng.normal(size=n)
    v[rng.random(n) < 0.03] = NAN
    if kind == "few_high":            # three outliers in one block: capped, the column passes
        v[[10, 11, 12]] = [40.0, 41.0, 41.0]
    elif kind == "few_low":           # two outliers low, far apart
        v[[5, 60_000]] = [-50.0, -45.0]
    elif kind == "many_high":         # more outliers than winmax: the log fallback
        v[rng.integers(0, n, 40)] = 30.0 + rng.random(40)
    elif kind == "tied_top":          # the largest value repeated in many blocks
        v[::1_000] = 25.0
    v[8_192 * 3:8_192 * 4] = NAN      # one block without any value
    return v


@pytest.mark.parametrize("kind", ["few_high", "few_low", "many_high", "tied_top"])
def test_treat_bounds_from_block_extremes_equal_the_exact_rule(kind):
    v = _long_column(kind)
    step = Treat(method="winsorise", winmax=5, fallback="none").fit(pd.DataFrame({"a": v}))
    exact, n_low, n_high, ok = winsorise_column(pd.Series(v), winmax=5)
    got = step.summary_["a"]
    if ok:
        assert got == {"action": "winsorised", "low": n_low, "high": n_high,
                       "floor": float(exact.min()), "cap": float(exact.max())}
    else:
        assert got["action"] == "failed"
        assert (got["floor"], got["cap"]) == (np.nanmin(v), np.nanmax(v))
    out = step.apply(pd.DataFrame({"a": v}))
    if ok:
        assert np.array_equal(out["treated"]["a"].to_numpy(), exact.to_numpy(), equal_nan=True)
        assert int(out["treated_mask"]["a"].sum()) == n_low + n_high


def test_log_fallback_takes_min_and_range_of_the_whole_column():
    v = _long_column("many_high")
    step = Treat(method="log").fit(pd.DataFrame({"a": v}))
    lo, hi = np.nanmin(v), np.nanmax(v)
    assert step.summary_["a"] == {"action": "log", "low": 0, "high": 0, "min": lo, "range": hi - lo}
    out = step.apply(pd.DataFrame({"a": v}))
    expect = np.log(v - lo + 0.01 * (hi - lo))
    assert np.array_equal(out["treated"]["a"].to_numpy(), expect, equal_nan=True)
    # a gap stays a gap and is not counted as a change
    assert int(out["treated_mask"]["a"].sum()) == int(np.isfinite(v).sum())


def test_column_sums_do_not_depend_on_the_other_columns():
    v = _long_column("few_low")
    both = np.asfortranarray(np.column_stack([v, _long_column("many_high")]))
    alone = column_sums(np.asfortranarray(v[:, None]))
    pair = column_sums(both)
    assert all(np.array_equal(a[..., 0], p[..., 0], equal_nan=True) for a, p in zip(alone, pair, strict=True))


def test_column_sums_on_threads_are_the_bits_of_one_thread(monkeypatch):
    monkeypatch.setattr(threads, "MIN_CELLS", 0)          # a small table: really use the pool
    x = np.asfortranarray(np.column_stack([_long_column(k) for k in ("few_high", "few_low", "many_high")]))
    one = column_pass(x)
    with threads.using(2):
        two = column_pass(x)
    for a, b in zip(one[0], two[0], strict=True):
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64))
    assert np.array_equal(one[1].high, two[1].high, equal_nan=True)
    assert np.array_equal(one[1].low, two[1].low, equal_nan=True)


@pytest.mark.parametrize("seed", range(4))
def test_skew_kurt_of_one_column_in_python_floats_is_the_bits_of_the_array_form(seed):
    """The winsorisation loop's scalar test statistics equal :func:`skew_kurt`'s to the bit (SYNTHETIC
    columns: skewed, symmetric, rounded, constant; 2 to 3,000 values; scales from 1e-8 to 1e8)."""
    rng = np.random.default_rng(seed)
    for t in range(150):
        n = int(rng.integers(2, 3000))
        v = rng.lognormal(0.0, rng.uniform(0.1, 3.0), n) if t % 2 else rng.normal(size=n)
        v = v * 10.0 ** int(rng.integers(-8, 9))
        if t % 5 == 3:
            v = np.round(v)
        if t % 7 == 6:
            v[:] = v[0]                                   # constant: statistics 0 (flat)
        (n_, acc, c, big), _ = column_pass(v[:, None].copy(order="F"))
        want = skew_kurt(n_, acc, c, big)[0]
        got = np.array(skew_kurt_one(float(n_[0]), acc[:, 0], float(c[0]), float(big[0])))
        assert np.array_equal(want.view(np.uint64), got.view(np.uint64)), (seed, t, want, got)


TREE = AssessmentSpec.from_mapping({"tree": {"root": {"children": {
    "b1": {"weight": 2, "children": {"a": None, "b": {"weight": 3}}},
    "b2": {"weight": 1, "children": {"c": None, "d": None}}}}}}).tree_frame()


@pytest.mark.parametrize("gaps", [False, True])
def test_blocked_weighted_sums_equal_the_array_form(gaps):
    rng = np.random.default_rng(4)
    x = rng.random((20_000, 4)) * 100
    if gaps:                                   # a child with a gap: weights renormalised over the rest
        x[rng.random(x.shape) < 0.1] = NAN
    table = pd.DataFrame(x, columns=list("abcd"))
    step = Aggregate().fit(table, tree=TREE)
    codes = step.tree_.codes
    got = step.apply(table)["aggregated"][codes].to_numpy()
    direct, _ = aggregate_array(table[step.tree_.leaves].to_numpy(), step.tree_)
    assert np.array_equal(got, direct, equal_nan=True)
    row = int(np.flatnonzero(np.isnan(x[:, 0]) & ~np.isnan(x[:, 1]))[0]) if gaps else 0
    b1 = (x[row, 1] if gaps else (x[row, 0] + 3 * x[row, 1]) / 4)   # only b left under b1 when a is missing
    assert got[row, codes.index("b1")] == pytest.approx(b1, rel=1e-12)

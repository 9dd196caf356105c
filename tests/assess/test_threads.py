"""``Assessment.run(n_jobs=...)``: threads share the per-column work and change no bit (SYNTHETIC data).

The panels here are small; the threshold below which work stays in the calling thread
(``threads.MIN_CELLS``) is set to 0 so that every kernel really runs on the pool.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pandas as pd
import pytest

from territoria.assess import threads
from territoria.assess.pipeline import Assessment
from territoria.assess.record import digest
from territoria.assess.spec import AssessmentSpec
from territoria.errors import SpecError


def _panel(n_units: int = 150, n_years: int = 3, seed: int = 7) -> pd.DataFrame:
    """SYNTHETIC (unit, year) panel of 8 indicators: skewed columns (winsorised or logged), gaps, ties,
    a constant column, negative values and a unit missing one year's value everywhere but one column."""
    rng = np.random.default_rng(seed)
    units = [f"u{i:04d}" for i in range(n_units)]
    frames = []
    for k, year in enumerate(range(2020, 2020 + n_years)):
        x = pd.DataFrame({
            "a": rng.lognormal(0.0, 1.0, n_units),            # skewed: more than winmax outliers, log
            "b": rng.normal(10.0, 2.0, n_units),
            "c": np.round(rng.normal(0.0, 1.0, n_units), 1),  # many ties, negative values
            "d": rng.gamma(2.0, 1.0, n_units),
            "e": np.full(n_units, 3.0),                       # constant
            "f": rng.normal(0.0, 1.0, n_units),
            "g": rng.integers(0, 5, n_units).astype(float),   # ties
            "h": rng.normal(5.0, 1.0, n_units),
        }, index=pd.MultiIndex.from_arrays([units, np.full(n_units, year)], names=["unit", "year"]))
        x.loc[x.index[:3], "f"] = [60.0, 55.0, 58.0]          # three outliers: winsorised
        x.iloc[rng.random(n_units) < 0.05, 1] = np.nan        # gaps
        x.iloc[rng.random(n_units) < 0.05, 3] = np.nan
        x.iloc[5 + k, [0, 1, 2, 3, 5, 6, 7]] = np.nan         # a unit with one value left
        frames.append(x)
    return pd.concat(frames)


TREE = [{"code": "index", "parent": None},
        {"code": "p", "parent": "index", "weight": 0.6}, {"code": "q", "parent": "index", "weight": 0.4},
        *({"code": c, "parent": "p", "weight": 0.25} for c in "abcd"),
        *({"code": c, "parent": "q", "weight": 0.25} for c in "efgh")]


def _spec(**sections) -> AssessmentSpec:
    base = {"name": "threads (synthetic)", "tree": TREE, "years": [2020, 2021, 2022],
            "impute": {"method": "median"}, "treat": {"method": "winsorise", "winmax": 3},
            "normalise": {"method": "minmax", "reference": "pooled"}}
    return AssessmentSpec.from_mapping({**base, **sections})


def _same(a, b) -> None:
    """Two Results hold the same record and the same bits in every table."""
    assert [r.to_dict() | {"seconds": 0} for r in a.log] == [r.to_dict() | {"seconds": 0} for r in b.log]
    assert a.tables.keys() == b.tables.keys()
    for name, table in a.tables.items():
        other = b.tables[name]
        assert table.index.equals(other.index) and table.columns.equals(other.columns), name
        assert digest(table) == digest(other), name
        pd.testing.assert_frame_equal(table, other, check_exact=True)
        for j in range(table.shape[1]):
            x, y = table.iloc[:, j].to_numpy(), other.iloc[:, j].to_numpy()
            if x.dtype == np.float64:           # the bits, NaN and the sign of zero included
                assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), (name, j)


@pytest.mark.parametrize("sections", [
    {},
    {"impute": {"method": "mean"}, "treat": {"method": "log"}, "normalise": {"method": "zscore"},
     "rank": {"ties": "average"}},
    {"normalise": {"method": "rank"}, "rank": {"ties": "dense", "decimals": 1}},
    {"normalise": {"method": "minmax", "low": 1, "high": 100}, "aggregate": {"method": "geometric"},
     "grade": {"method": "thresholds", "thresholds": [20.0, 40.0, 60.0]}},
    {"impute": {"method": "none"}, "treat": {"method": "none"}, "rank": {"descending": False}},
], ids=["median-winsorise-minmax", "mean-log-zscore", "rank-normalised", "geometric", "gaps-kept"])
def test_one_and_two_threads_give_the_same_bits(monkeypatch, sections):
    monkeypatch.setattr(threads, "MIN_CELLS", 0)
    data = _panel()
    spec = _spec(**sections)
    one, two = Assessment(spec).run(data), Assessment(spec).run(data, n_jobs=2)
    _same(one, two)
    assert one.ranks.notna().any()


def test_the_run_actually_uses_the_threads(monkeypatch):
    """The treat step's columns run on the pool's threads (names recorded around each column)."""
    monkeypatch.setattr(threads, "MIN_CELLS", 0)
    seen: list[str] = []

    def each(fn, n, **kwargs):
        def recorded(i):
            seen.append(threading.current_thread().name)
            return fn(i)
        return threads.each(recorded, n, **kwargs)

    monkeypatch.setattr("territoria.assess.treat.each", each)
    Assessment(_spec(treat={"method": "log"})).run(_panel(n_units=60), n_jobs=2)
    assert len(seen) == 8 and all(name.startswith("territoria-assess") for name in seen)


def test_each_runs_pieces_side_by_side_in_order():
    barrier = threading.Barrier(2, timeout=20)

    def piece(i: int) -> tuple[int, int]:
        barrier.wait()                  # returns only when both pieces run at the same time
        return i, threads.thread_count()

    with threads.using(2):
        assert threads.thread_count() == 2
        assert threads.each(piece, 2) == [(0, 1), (1, 1)]      # no pool inside a piece
    assert threads.thread_count() == 1


def test_each_stays_in_this_thread_below_the_threshold_and_outside_using():
    here = threading.current_thread().name
    with threads.using(2):
        assert threads.each(lambda i: threading.current_thread().name, 3, cells=10) == [here] * 3
    assert threads.each(lambda i: (i, threading.current_thread().name), 2) == [(0, here), (1, here)]


def test_each_raises_a_piece_error_in_the_caller():
    def piece(i: int) -> int:
        if i == 1:
            raise ValueError("piece 1 failed")
        return i

    with threads.using(2), pytest.raises(ValueError, match="piece 1 failed"):
        threads.each(piece, 4)


def test_n_jobs_values():
    assert threads.resolve_jobs(None) == 1
    assert threads.resolve_jobs(3) == 3
    assert threads.resolve_jobs(-1) == max(1, os.cpu_count() or 1)
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(SpecError, match=r"n_jobs.*positive integer, -1 \(every core\) or None"):
            threads.resolve_jobs(bad)
    with pytest.raises(SpecError, match="n_jobs"):
        Assessment(_spec()).run(_panel(n_units=20), n_jobs=0)
    with pytest.raises(SpecError, match="engine='local'"):
        Assessment(_spec()).run(_panel(n_units=20), engine="dask", n_jobs=2)


def test_accounting_overlaps_the_next_fit_on_a_pool_thread(monkeypatch):
    """With two threads each step's digests and report run on the pool (beside the next step's fit);
    with one, in the caller's thread. The records are the same (checked above)."""
    from territoria.assess.loop import LocalBackend

    where: list[str] = []
    account = LocalBackend.account

    def recorded(self, step, data, written):
        where.append(threading.current_thread().name)
        return account(self, step, data, written)

    monkeypatch.setattr(LocalBackend, "account", recorded)
    data, spec = _panel(n_units=40), _spec()
    Assessment(spec).run(data, n_jobs=2)
    assert len(where) == 8 and all(name.startswith("territoria-assess") for name in where)
    where.clear()
    Assessment(spec).run(data)
    assert where == [threading.current_thread().name] * 8


def test_an_accounting_error_on_the_pool_reaches_the_caller(monkeypatch):
    from territoria.assess.treat import Treat

    def broken(self, before, written):
        raise RuntimeError("report failed")

    monkeypatch.setattr(Treat, "report", broken)
    with pytest.raises(RuntimeError, match="report failed"):
        Assessment(_spec()).run(_panel(n_units=40), n_jobs=2)

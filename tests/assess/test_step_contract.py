"""The step contract: a fitted step holds only its learned statistics (no denominators, no group labels,
nothing that grows with the units), ``transform(table, <side inputs>)`` is pure, and the statistics of a
fit merge across partitions as the step's ``fit_scope`` says. SYNTHETIC tables (seeded random numbers)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from territoria.assess.base import Step, side_arguments
from territoria.assess.denominate import Denominate
from territoria.assess.impute import Impute
from territoria.assess.normalise import Normalise
from territoria.assess.treat import Treat
from territoria.engines.dask_backend import merge_fitted

STEPS = {
    "denominate": lambda: Denominate(rules={"a": {"by": "pop", "kind": "per_1000"}, "c": {"by": "area"}}),
    "impute-mean-by-group": lambda: Impute(method="mean", by="g"),
    "impute-median-per-year": lambda: Impute(method="median"),
    "impute-locf": lambda: Impute(method="locf"),
    "treat-winsorise": lambda: Treat(method="winsorise"),
    "normalise-minmax": lambda: Normalise(method="minmax"),
    "normalise-minmax-2021": lambda: Normalise(method="minmax", reference=2021),
    "normalise-zscore": lambda: Normalise(method="zscore", mean=10.0, sd=2.0),
    "normalise-distance-by-group": lambda: Normalise(method="distance", by="g"),
    "normalise-goalposts": lambda: Normalise(method="goalposts", goalposts={c: (0.0, 50.0) for c in "abc"}),
}


def _panel(n_units: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SYNTHETIC (unit, year) panel of three skewed indicators with 5 % gaps, and its side columns."""
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"u{i:05d}" for i in range(n_units)], [2020, 2021]], names=["unit", "year"])
    x = np.exp(rng.normal(size=(len(idx), 3)) * 1.2) + 1.0
    x[rng.random(x.shape) < 0.05] = np.nan
    x[::97, 0] = np.nan                               # a gap in every group and year (impute has work)
    table = pd.DataFrame(x, index=idx, columns=list("abc"))
    aux = pd.DataFrame({"pop": rng.integers(500, 50_000, len(idx)).astype(float),
                        "area": rng.uniform(10, 900, len(idx)),
                        "g": np.array(["north", "south", "east"])[np.arange(len(idx)) // 2 % 3]}, index=idx)
    return table, aux


def _context(step: Step, aux: pd.DataFrame) -> dict:
    by = getattr(step, "by", None)
    return {"aux": aux, "groups": aux[by] if by else None, "direction": pd.Series([1.0, -1.0, 1.0], index=list("abc"))}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_a_fitted_step_pickles_to_the_same_small_size_for_100_and_10000_units(name):
    sizes = {}
    for n in (100, 10_000):
        table, aux = _panel(n, seed=n)
        step = STEPS[name]().fit(table, **_context(STEPS[name](), aux))
        sizes[n] = len(pickle.dumps(step))
    # the input at 10,000 units is 480 kB of values alone: a step keeping any per-unit column would
    # grow by at least that; a few bytes differ when a learned count needs a wider integer
    assert sizes[10_000] <= sizes[100] + 64 and sizes[10_000] < 8_000, sizes


@pytest.mark.parametrize("name", sorted(STEPS))
def test_transform_and_apply_leave_the_fitted_step_unchanged(name):
    table, aux = _panel(300)
    step = STEPS[name]()
    step.fit(table, **_context(step, aux))
    before = {k: pickle.dumps(v) for k, v in vars(step).items()}
    side = side_arguments(step, aux)
    out = step.transform(table, **side)
    written = step.apply(table, **side)
    assert {k: pickle.dumps(v) for k, v in vars(step).items()} == before       # nothing set, nothing kept
    pd.testing.assert_frame_equal(written[step.writes[0]], out, check_exact=True)
    assert out.index.equals(table.index) and list(out.columns) == list(table.columns)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_a_transform_on_row_partitions_with_their_side_inputs_equals_the_whole(name):
    """What the Dask backend does: each row partition transformed with its own rows of the side columns."""
    table, aux = _panel(300)
    step = STEPS[name]()
    step.fit(table, **_context(step, aux))
    if step.transform_scope() != "rows":
        pytest.skip("a column-scope transform needs each whole column")
    whole = step.transform(table, **side_arguments(step, aux))
    cut = 2 * 137                                     # between two units: a unit's years stay together
    parts = [step.transform(table.iloc[a:b], **side_arguments(step, aux.iloc[a:b])) for a, b in [(0, cut), (cut, None)]]
    pd.testing.assert_frame_equal(pd.concat(parts), whole, check_exact=True)


def test_side_inputs_are_declared_and_refused_when_not():
    table, aux = _panel(50)
    den = STEPS["denominate"]().fit(table, aux=aux)
    assert den.side_inputs() == ("aux",) and Denominate(rules={}).side_inputs() == ()
    assert Impute(method="mean", by="g").side_inputs() == ("groups",) and Impute(method="mean").side_inputs() == ()
    assert Normalise(method="distance", by="g").side_inputs() == ("groups",)
    assert Normalise(method="minmax", by="g").side_inputs() == ()
    expected = 1000 * table["a"].iloc[1] / aux["pop"].iloc[1]
    assert den.transform(table, aux=aux)["a"].iloc[1] == pytest.approx(expected, rel=1e-15)
    with pytest.raises(TypeError, match="takes: none"):
        Normalise().fit(table).transform(table, groups=aux["g"])
    with pytest.raises(ValueError, match=r"'pop'.*aux="):
        den.transform(table)                           # the denominators are not kept: they must be passed
    imp = Impute(method="mean", by="g").fit(table, groups=aux["g"])
    with pytest.raises(ValueError, match=r"impute\.by"):
        imp.transform(table)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_statistics_of_partitions_merge_to_those_of_the_whole(name):
    """``stats`` scope: per-row-partition statistics merged exactly (any split); ``columns``: each column
    fitted alone (the backend's column batches) and the fits merged; ``none``: no cell is read, so any
    partition gives the fit of the whole."""
    table, aux = _panel(400)
    make = STEPS[name]
    whole = make().fit(table, **_context(make(), aux))
    scope = whole.fit_scope()
    if scope == "stats":
        cut = 2 * 151
        rows = [(table.iloc[a:b], side_arguments(whole, aux.iloc[a:b])) for a, b in [(0, cut), (cut, None)]]
        query = None
        while True:                 # a round, and another while the step asks for one (a median's two)
            asked = {} if query is None else {"query": query}
            stats = whole.merge_stats([whole.partial_stats(t, **side, **asked) for t, side in rows])
            query = whole.stats_query(stats)
            if query is None:
                break
        merged = make().fit_stats(stats, table.columns, **_context(make(), aux))
        assert merged.fitted() == whole.fitted()
    elif scope == "columns":
        ctx = _context(make(), aux)
        fits = [make().fit(table[[c]], **{**ctx, "direction": ctx["direction"][[c]]}) for c in table.columns]
        merged_fit = merge_fitted([f.fitted() for f in fits])
        if isinstance(whole.fitted().get("direction_"), dict):
            merged_fit["direction_"] = {k: v for f in fits for k, v in f.fitted()["direction_"].items()}
        assert merged_fit == whole.fitted()
    else:
        assert scope == "none"
        part = make().fit(table.iloc[:2 * 7], **_context(make(), aux.iloc[:2 * 7]))
        assert part.fitted() == whole.fitted()

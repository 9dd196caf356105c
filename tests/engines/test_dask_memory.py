"""Issue 18 §3 (d): what the Dask engine stops holding with ``keep="scores"`` changes no result.

The ranks of whole columns are gathered without the unit labels (one period, no groups) and given the
partition's labels back; the indicators inside the aggregated stage are dropped as soon as each partition
is digested and reported. The tables are synthetic (random lognormal numbers with ties), not statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.base import StepReport
from territoria.assess.pipeline import Assessment
from territoria.assess.record import digest
from territoria.assess.spec import AssessmentSpec
from territoria.engines.dask_backend import _apply_account


def _table(n: int, *, years: tuple[int, ...] = ()) -> pd.DataFrame:
    rng = np.random.default_rng(183)
    rows = n * max(1, len(years))
    x = np.round(rng.lognormal(sigma=0.8, size=(rows, 6)), 1)       # rounded: many tied scores and ranks
    x[rng.random(x.shape) < 0.04] = np.nan
    units = [f"u{i:05d}" for i in range(n)]
    index = (pd.MultiIndex.from_product([units, list(years)], names=["unit", "year"]) if years
             else pd.Index(units, name="unit"))
    return pd.DataFrame(x, index=index, columns=[f"x{j}" for j in range(6)])


def _spec(patch: dict) -> AssessmentSpec:
    rows = [{"code": "VI", "parent": None}, {"code": "A", "parent": "VI"}, {"code": "B", "parent": "VI"}]
    rows += [{"code": f"x{j}", "parent": "A" if j < 3 else "B"} for j in range(6)]
    return AssessmentSpec.model_validate({"name": "synthetic", "tree": rows, **patch})


@pytest.mark.parametrize(("patch", "years"), [
    # one period: ranks (and the percentile ranks of normalise) gathered without labels; grades on a leaf
    ({"impute": {"method": "median"}, "normalise": {"method": "percentile_rank"},
      "grade": {"method": "quantiles", "k": 4, "on": "x2"}}, ()),
    ({"impute": {"method": "median"}, "treat": {"method": "winsorise"}, "normalise": {"method": "minmax"},
      "rank": {"ties": "average"}}, ()),
    # several years: the ranks keep their labels (ranked within each year)
    ({"impute": {"method": "median"}, "normalise": {"method": "minmax", "reference": "pooled"}}, (2021, 2022)),
])
def test_keep_scores_equals_local_bit_for_bit(client, patch, years):
    table = _table(900, years=years)
    a = Assessment(_spec(patch))
    local = a.run(table)
    lean = a.run(table, engine="dask", cluster=client, n_partitions=5, keep="scores")
    pd.testing.assert_series_equal(lean.scores, local.scores, check_exact=True)
    for name in ("ranks", "grades"):
        pd.testing.assert_frame_equal(lean.tables[name], local.tables[name], check_exact=True)
    aggregates = list(lean.tables["aggregated"].columns)
    assert set(aggregates) == {"VI", "A", "B"}
    pd.testing.assert_frame_equal(lean.tables["aggregated"], local.tables["aggregated"][aggregates],
                                  check_exact=True)
    assert [r.fitted for r in lean.log] == [r.fitted for r in local.log]
    assert [r.cells_changed for r in lean.log] == [r.cells_changed for r in local.log]
    # the local engine's keep="scores" holds the same tables, with the same values
    here = a.run(table, keep="scores")
    assert sorted(here.tables) == sorted(lean.tables) and (here.keep, lean.keep) == ("scores", "scores")
    for name, frame in lean.tables.items():
        pd.testing.assert_frame_equal(here.tables[name], frame, check_exact=True)


class _Writes:
    """A stand-in step: writes its input, plus a node column, under two stage names (as aggregate does)."""

    writes = ("aggregated", "aggregated_raw")

    def report(self, before: pd.DataFrame, written: dict[str, pd.DataFrame]) -> StepReport:
        # the report sees the whole written stage: one "cell" per column written
        return StepReport(cells_changed=len(written["aggregated"].columns))


def test_a_trimmed_stage_is_digested_whole_and_holds_no_dropped_column():
    part = pd.DataFrame({"x0": [1.0, 2.0, 3.0], "x1": [4.0, 5.0, 6.0]}, index=pd.Index(list("abc"), name="unit"))

    def apply(p: pd.DataFrame) -> dict[str, pd.DataFrame]:
        out = pd.concat([p, p.mean(axis=1).rename("A").to_frame()], axis=1)
        return {"aggregated": out, "aggregated_raw": out}

    kept, (before, after, report) = _apply_account(apply, (part,), _Writes(), part, None,
                                                   ["aggregated", "aggregated_raw"],
                                                   {"aggregated": ["x0", "x1"], "aggregated_raw": ["x0"]})
    whole = apply(part)["aggregated"]
    assert before == digest(part) and after == digest(whole)          # the record sees the whole stage
    assert report.cells_changed == 3
    assert list(kept["aggregated"].columns) == ["A"]
    assert list(kept["aggregated_raw"].columns) == ["x1", "A"]
    assert kept["aggregated"]["A"].tolist() == [2.5, 3.5, 4.5]
    assert kept["aggregated"].index.equals(part.index)
    for column in ("x0", "x1"):                     # no block of the input is held by what is kept
        assert not np.shares_memory(kept["aggregated"].to_numpy(), part[column].to_numpy())

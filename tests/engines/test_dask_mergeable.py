"""Issue 18: the steps whose statistics merge (median / mean imputation, winsorisation, z-scores, ratios
to the mean) read each partition once per round on Dask, and the Result equals the local one bit for
bit: scores, ranks and, with ``keep="all"``, every stage table and the whole step record.

The table is synthetic (random lognormal numbers with planted outliers), not statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.grade import Grade
from territoria.assess.impute import Impute
from territoria.assess.normalise import Normalise
from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.assess.treat import Treat


def _table(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(18)
    x = rng.lognormal(sigma=1.2, size=(n, 6))
    x[rng.integers(0, n, 3), 0] *= 50.0          # a few outliers: winsorised within winmax
    x[:, 1] = np.round(x[:, 1], 1)               # ties
    x[rng.random(x.shape) < 0.05] = np.nan
    return pd.DataFrame(x, index=pd.Index([f"u{i:05d}" for i in range(n)], name="unit"),
                        columns=[f"x{j}" for j in range(6)])


def _spec(patch: dict) -> AssessmentSpec:
    rows = [{"code": "VI", "parent": None}, {"code": "A", "parent": "VI"}, {"code": "B", "parent": "VI"}]
    rows += [{"code": f"x{j}", "parent": "A" if j < 3 else "B"} for j in range(6)]
    return AssessmentSpec.model_validate({"name": "synthetic", "tree": rows, **patch})


SPECS = {
    "median-winsorise-zscore": {"impute": {"method": "median"}, "treat": {"method": "winsorise"},
                                "normalise": {"method": "zscore"}},
    "mean-winsorise-zscore-10-2": {"impute": {"method": "mean"}, "treat": {"method": "winsorise", "winmax": 12},
                                   "normalise": {"method": "zscore", "mean": 10.0, "sd": 2.0}},
    "mean-log-distance": {"impute": {"method": "mean"}, "treat": {"method": "log"},
                          "normalise": {"method": "distance"},
                          "grade": {"method": "relative", "thresholds": [0.9, 1.1]}},
}


def test_the_mergeable_steps_declare_the_stats_scope():
    for step in (Impute(method="median"), Impute(method="mean"), Treat(method="winsorise"), Treat(method="log"),
                 Normalise(method="zscore"), Normalise(method="distance"), Normalise(method="minmax"),
                 Grade(method="relative", thresholds=[1.0])):
        assert step.fit_scope() == "stats", step


@pytest.mark.parametrize("name", ["median-winsorise-zscore", "mean-log-distance"])
def test_dask_equals_local_bit_for_bit(client, name):
    table = _table()
    a = Assessment(_spec(SPECS[name]))
    local = a.run(table)
    dist = a.run(table, engine="dask", cluster=client, n_partitions=7)
    pd.testing.assert_series_equal(dist.scores, local.scores, check_exact=True)
    pd.testing.assert_frame_equal(dist.tables["ranks"], local.tables["ranks"], check_exact=True)
    for stage in ("imputed", "treated", "normalised", "aggregated"):
        pd.testing.assert_frame_equal(dist.tables[stage], local.tables[stage], check_exact=True)
    assert dist.log == local.log                 # params, fitted statistics, digests, counts, warnings
    treat = next(r for r in local.log if r.address == "treat")
    assert treat.cells_changed > 0               # the treatment did change cells: the bounds were exercised


def test_keep_scores_gives_the_same_scores_and_fits(client):
    table = _table(1200)
    a = Assessment(_spec(SPECS["mean-winsorise-zscore-10-2"]))
    local = a.run(table)
    lean = a.run(table, engine="dask", cluster=client, n_partitions=5, keep="scores")
    pd.testing.assert_series_equal(lean.scores, local.scores, check_exact=True)
    assert [r.fitted for r in lean.log] == [r.fitted for r in local.log]
    assert [r.cells_changed for r in lean.log] == [r.cells_changed for r in local.log]

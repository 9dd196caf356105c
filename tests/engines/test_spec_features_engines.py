"""Every feature of the spec language (issue 22) on the local engine, on Dask and inside the uncertainty analysis.

One small spec per feature (transforms, formula nodes, several roots, coverage, zeros: zero / epsilon, DAG reuse,
a panel of years) and one spec with all of them at once, run on the local engine (a value worked by hand) and
through :class:`UncertaintyAnalysis` (the nominal run equals the Result, and the model's own nominal scores equal
it too). On Dask (which must give the local engine's tables) the all-at-once spec runs: a Dask run costs seconds
of fixed overhead (a round trip to the scheduler per step), so one run covers every feature, the reuse spec's
shape included (a third root ``x`` reuses the block ``v``, which has a coverage rule, with weight 3). Each
feature's Result and its uncertainty plan and summary are computed once per module and shared by the tests.
The table is a synthetic fixture (made-up numbers; a zero and a gap on purpose).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from territoria.assess.mc_model import Runs
from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.assess.uncertainty import UncertaintyAnalysis
from territoria.engines.dask_uncertainty import run_uncertainty

UNITS = pd.Index([f"U{i}" for i in range(1, 6)], name="unit")
TABLE = pd.DataFrame({"income": [100.0, 1000, 10000, 50000, 75000], "life": [50.0, 60, 70, 80, 85],
                      "school": [2.0, 5, np.nan, 12, 15], "share": [0.5, 0.0, 0.2, 0.1, 0.4]}, index=UNITS)
NONE = {"normalise": {"method": "none"}}


def _panel() -> pd.DataFrame:
    later = TABLE.assign(life=TABLE["life"] + 1, share=TABLE["share"] * 2)
    panel = pd.concat({2020: TABLE, 2021: later}, names=["year", "unit"]).reorder_levels(["unit", "year"])
    return panel.sort_index()


#: feature -> (spec, data, (node, row, value worked by hand))
FEATURES = {
    "transforms": ({"tree": {"idx": {"children": {"income": {"transform": "log"}, "life": None}}},
                    "normalise": {"method": "goalposts", "low": 0, "high": 1,
                                  "goalposts": {"income": [100, 75000], "life": [20, 85]}}},
                   TABLE, ("idx", "U2", (math.log(10) / math.log(750) + 40 / 65) / 2)),
    "formula": ({"tree": {"nd": {"formula": "100 * r - v", "children": {
        "r": {"children": {"life": None}}, "v": {"children": {"share": None}}}}}, **NONE},
                TABLE, ("nd", "U1", 100 * 50 - 0.5)),
    "several_roots": ({"tree": {"hd": {"children": {"life": None, "school": None}},
                                "pov": {"children": {"share": None}}}, **NONE},
                      TABLE, ("hd", "U3", 70.0)),
    "coverage": ({"tree": {"idx": {"coverage": {"min_children": 3}, "children": {
        "life": None, "school": None, "share": None}}}, **NONE}, TABLE, ("idx", "U1", (50 + 2 + 0.5) / 3)),
    "zeros_zero": ({"tree": {"idx": {"method": "geometric", "children": {"life": None, "share": None}}},
                    "aggregate": {"zeros": "zero"}, **NONE}, TABLE, ("idx", "U2", 0.0)),
    "zeros_epsilon": ({"tree": {"idx": {"method": "geometric", "children": {"life": None, "share": None}}},
                       "aggregate": {"zeros": "epsilon", "epsilon": 0.01}, **NONE},
                      TABLE, ("idx", "U2", math.sqrt(60 * 0.01))),
    "dag_reuse": ({"tree": {"hd": {"children": {"h": {"children": {"life": None, "school": None}}, "share": None}},
                            "x": {"children": {"h": {"reuse": True, "weight": 3}, "income": None}}}, **NONE},
                  TABLE, ("x", "U1", (3 * 26 + 100) / 4)),
    "panel_years": ({"tree": {"idx": {"children": {"life": None, "share": None}}}, "years": [2020, 2021],
                     **NONE}, _panel(), ("idx", ("U1", 2021), (51 + 1.0) / 2)),
    "combined": ({"tree": {
        "nd": {"formula": "100 * r - v", "children": {
            "r": {"method": "geometric", "zeros": "epsilon", "epsilon": 0.01, "children": {
                "income": {"transform": "log"}, "share": None}},
            "v": {"coverage": {"min_children": 2}, "children": {"school": None, "life": None}}}},
        "hd": {"method": "geometric", "zeros": "zero", "children": {"r": {"reuse": True, "weight": 2},
                                                                    "life": {"reuse": True}}},
        "x": {"children": {"v": {"reuse": True, "weight": 3}, "share": {"reuse": True}}}},
        "years": [2020, 2021],
        "normalise": {"method": "goalposts", "low": 0, "high": 1, "goalposts": {
            "income": [100, 75000], "share": [0, 1], "school": [0, 20], "life": [20, 85]}}},
        _panel(), ("nd", ("U2", 2020), 100 * math.sqrt(math.log(10) / math.log(750) * 0.01) - (0.25 + 40 / 65) / 2)),
}


@pytest.fixture(scope="module")
def local() -> dict[str, object]:
    return {name: Assessment(AssessmentSpec.from_mapping(spec)).run(data)
            for name, (spec, data, _) in FEATURES.items()}


class Uncertain:
    """Per feature, once: the analysis, its plan and the summary of every run of that plan.

    The summary is :meth:`UncertaintyAnalysis.run` without planning twice: ``run`` is documented as
    ``summarise(plan, store)`` with every run's ranks in ``store``, and the plan is what fitting costs."""

    def __init__(self, local: dict[str, object]) -> None:
        self.local = local
        self.done: dict[str, tuple[UncertaintyAnalysis, object, object]] = {}

    def __call__(self, feature: str) -> tuple[UncertaintyAnalysis, object, object]:
        if feature not in self.done:
            result = self.local[feature]
            analysis = UncertaintyAnalysis(n_replications=8, seed=5, weight_perturbation=0.2,
                                           normalise=[result.spec.normalise], aggregate=[result.spec.aggregate.method])
            plan = analysis.plan(result)
            store = np.empty((plan.n_runs, plan.n_units), dtype=np.int32)
            plan.evaluate(np.arange(plan.n_runs), out=store)
            self.done[feature] = (analysis, plan, analysis.summarise(plan, store))
        return self.done[feature]


@pytest.fixture(scope="module")
def uncertain(local) -> Uncertain:
    return Uncertain(local)


@pytest.mark.parametrize("feature", list(FEATURES))
def test_local_engine_gives_the_value_worked_by_hand(feature, local) -> None:
    node, row, value = FEATURES[feature][2]
    assert local[feature].tables["aggregated"].loc[row, node] == pytest.approx(value, rel=1e-14, abs=1e-15)


def test_the_combined_spec_reuses_a_block_with_coverage_under_a_third_root(local) -> None:
    # x = (3 v + share) / 4; U3 has no school, so v (coverage 2 of 2) is withheld and x is share alone
    agg = local["combined"].tables["aggregated"]
    v, share = agg["v"], agg["share"]
    expected = ((3 * v + share) / 4).where(v.notna(), share)
    np.testing.assert_allclose(agg["x"].to_numpy(float), expected.to_numpy(float), rtol=1e-15)
    assert v.isna().sum() == 2 and agg.loc[("U3", 2021), "x"] == pytest.approx(0.4, rel=1e-15)


def test_dask_engine_equals_the_local_engine(local, uncertain, client) -> None:
    spec, data, _ = FEATURES["combined"]
    mine = local["combined"]
    dist = Assessment(AssessmentSpec.from_mapping(spec)).run(data, engine="dask", cluster=client, n_partitions=2)
    for name in ("normalised", "aggregated"):
        pd.testing.assert_index_equal(dist.tables[name].columns, mine.tables[name].columns)
        np.testing.assert_allclose(dist.tables[name].to_numpy(float), mine.tables[name].to_numpy(float), rtol=0,
                                   atol=1e-12, err_msg=name)
    pd.testing.assert_frame_equal(dist.tables["ranks"], mine.tables["ranks"])
    assert dist.withheld.equals(mine.withheld) and len(mine.withheld) == 2
    analysis, _, summary = uncertain("combined")    # the Monte-Carlo runs on the cluster: the same numbers
    pd.testing.assert_frame_equal(run_uncertainty(analysis, mine, cluster=client).ranks, summary.ranks)


def test_the_shared_summary_is_what_run_gives(local, uncertain) -> None:
    analysis, _, summary = uncertain("combined")
    ran = analysis.run(local["combined"])
    pd.testing.assert_frame_equal(ran.ranks, summary.ranks)
    pd.testing.assert_frame_equal(ran.sensitivity, summary.sensitivity)


@pytest.mark.parametrize("feature", list(FEATURES))
def test_uncertainty_nominal_run_equals_the_result(feature, local, uncertain) -> None:
    result = local[feature]
    _, plan, summary = uncertain(feature)
    assert np.array_equal(plan.nominal_score, result.scores.to_numpy(dtype=float), equal_nan=True)
    assert np.array_equal(plan.nominal_rank, result.ranks.to_numpy(dtype=float), equal_nan=True)
    model = plan.model.scores(Runs.nominal(len(plan.model.codes)))[0]
    np.testing.assert_allclose(model, result.scores.to_numpy(dtype=float), rtol=1e-12, atol=1e-12)
    assert summary.ranks.index.equals(result.scores.index)
    scored = result.scores.notna()
    assert (summary.ranks["rank_p05"] <= summary.ranks["rank_p95"])[scored].all()
    assert summary.ranks.loc[~scored, "rank_p05"].isna().all()      # a unit withheld by coverage has no interval

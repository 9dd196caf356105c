"""The spec language, part 2: indicator transforms, z-scores to a target, formula nodes, and every new feature
inside the uncertainty analysis (the nominal run equals the Result exactly).

Every table here is a small synthetic fixture (made-up numbers chosen so the results can be worked by hand).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from territoria.assess.formula import FormulaError, parse_formula
from territoria.assess.mc_model import Runs
from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.assess.uncertainty import UncertaintyAnalysis
from territoria.errors import DataError, SpecError


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Synthetic: an income-like column spanning decades, two positive scores and a share."""
    return pd.DataFrame({"income": [100.0, 1000.0, 10000.0, 100000.0], "life": [50.0, 60.0, 70.0, 90.0],
                         "school": [2.0, 5.0, 8.0, 12.0], "share": [0.5, 0.25, 0.2, 0.1]},
                        index=pd.Index(["P", "Q", "R", "S"], name="unit"))


def run(tree: dict, table: pd.DataFrame, **sections):
    return Assessment(AssessmentSpec.from_mapping({"tree": tree, **sections})).run(table)


# -- transforms -------------------------------------------------------------------------------
def test_log_income_with_goalposts_on_the_log_scale(table) -> None:
    tree = {"hdi": {"method": "geometric", "children": {
        "income": {"transform": "log"}, "life": None}}}
    goalposts = {"income": [100, 75000], "life": [20, 85]}
    result = run(tree, table, normalise={"method": "goalposts", "goalposts": goalposts, "low": 0, "high": 1,
                                         "clip": True}, aggregate={"method": "geometric", "zeros": "zero"})
    norm = result.tables["normalised"]
    expect = [(math.log(x) - math.log(100)) / (math.log(75000) - math.log(100)) for x in (100, 1000, 10000)]
    assert norm["income"].tolist()[:3] == pytest.approx(expect, rel=1e-14)
    assert norm["income"].iloc[3] == 1.0                                # capped by clip at the upper goalpost
    assert norm["life"].tolist() == pytest.approx([(v - 20) / 65 for v in (50, 60, 70)] + [1.0], rel=1e-14)
    assert result.scores["P"] == 0.0                                   # a zero dimension: zeros: zero
    assert result.scores["Q"] == pytest.approx(math.sqrt(expect[1] * 40 / 65), rel=1e-14)
    fitted = next(r for r in result.log if r.address == "normalise").fitted
    assert fitted["ref_min_"]["income"] == pytest.approx(math.log(100), rel=1e-15)


def test_log10_reciprocal_power_and_cap(table) -> None:
    tree = {"idx": {"children": {"income": None, "life": None, "school": None, "share": None}}}
    transforms = {"income": "log10", "share": "reciprocal", "school": {"kind": "power", "exponent": 0.5},
                  "life": {"kind": "cap", "max": 75}}
    result = run(tree, table, transforms=transforms, normalise={"method": "none"})
    n = result.tables["normalised"]
    assert n["income"].tolist() == pytest.approx([2, 3, 4, 5], rel=1e-15)
    assert n["share"].tolist() == pytest.approx([2, 4, 5, 10], rel=1e-15)
    assert n["school"].tolist() == pytest.approx(np.sqrt([2, 5, 8, 12]).tolist(), rel=1e-15)
    assert n["life"].tolist() == [50, 60, 70, 75]                       # capped, not rescaled
    # goalposts are carried through a decreasing transform (swapped), and left alone by a cap
    gp = run(tree, table, transforms=transforms, normalise={"method": "goalposts", "low": 0, "high": 1, "goalposts": {
        "income": [10, 1e6], "life": [50, 100], "school": [0, 16], "share": [0.1, 1]}}).tables["normalised"]
    assert gp["share"].tolist() == pytest.approx([(2 - 1) / 9, 3 / 9, 4 / 9, 1.0], rel=1e-14)
    assert gp["life"].tolist() == pytest.approx([0, 0.2, 0.4, 0.5], rel=1e-14)


def test_a_value_outside_the_domain_names_unit_and_value(table) -> None:
    bad = table.assign(income=[100.0, 0.0, -1.0, 5.0])
    with pytest.raises(DataError, match=r"transforms\.income: unit 'Q' has 0 \(2 such value\(s\)\); a log needs "):
        run({"idx": {"children": {"income": {"transform": "log"}, "life": None}}}, bad)


def test_zscore_to_a_target_mean_and_sd(table) -> None:
    tree = {"idx": {"children": {"life": None, "school": None}}}
    n = run(tree, table, normalise={"method": "zscore", "mean": 10, "sd": 2}).tables["normalised"]
    assert n.mean().tolist() == pytest.approx([10, 10], rel=1e-14)
    assert n.std(ddof=1).tolist() == pytest.approx([2, 2], rel=1e-14)
    with pytest.raises(SpecError, match=r"normalise\.sd"):
        AssessmentSpec.from_mapping({"tree": tree, "normalise": {"method": "zscore", "sd": 0}})


# -- formulas ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "values", "expected"), [
    ("50 * (readiness - vulnerability + 1)", {"readiness": 0.6, "vulnerability": 0.4}, 60.0),
    ("female / male", {"female": 0.9, "male": 1.2}, 0.75),
    ("dimension * (1 - inequality)", {"dimension": 0.8, "inequality": 0.25}, 0.6),
    ("10 - x", {"x": 3.5}, 6.5),
    ("-x ** 2 + 2 ^ 3", {"x": 3.0}, -1.0),                             # unary minus binds looser than power
    ("min(a, b, 3) + max(a, b) - pow(a, 2)", {"a": 2.0, "b": 5.0}, 3.0),
])
def test_formula_grammar(text, values, expected) -> None:
    f = parse_formula(text)
    assert set(f.names) == set(values)
    assert float(f.evaluate({k: np.array(v) for k, v in values.items()})) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("text", "words"), [
    ("__import__('os').system('true')", "not allowed"),
    ("a.real", "Attribute"),
    ("a if b else c", "IfExp"),
    ("a < b", "Compare"),
    ("a // b", "FloorDiv"),
    ("'text'", "not a number"),
    ("min(a)", "two or more arguments"),
    ("pow(a, b, c)", "2 arguments"),
    ("abs(a)", "functions: min, max, pow"),
    ("a +", "cannot read"),
    ("lambda: 1", "Lambda"),
    ("[a, b]", "List"),
])
def test_formula_refuses_what_is_not_in_the_grammar(text, words) -> None:
    with pytest.raises(FormulaError, match=words):
        parse_formula(text)


def test_formula_nodes_in_the_pipeline(table) -> None:
    tree = {"nd": {"formula": "50 * (ready - vuln + 1)", "children": {
        "ready": {"children": {"life": None, "school": None}},
        "vuln": {"formula": "1 - share", "children": {"share": None}}}}}
    result = run(tree, table, normalise={"method": "none"})
    agg = result.tables["aggregated"]
    ready = (table["life"] + table["school"]) / 2
    assert agg["vuln"].tolist() == pytest.approx((1 - table["share"]).tolist(), rel=1e-15)
    assert agg["nd"].tolist() == pytest.approx((50 * (ready - (1 - table["share"]) + 1)).tolist(), rel=1e-15)
    assert result.ranks.tolist() == [4, 3, 2, 1]


def test_formula_with_round_and_a_missing_child(table) -> None:
    tree = {"r": {"formula": "life / school", "round": 2, "children": {"life": None, "school": None}}}
    gap = table.assign(school=[2.0, np.nan, 8.0, 12.0])
    agg = run(tree, gap, normalise={"method": "none"}).tables["aggregated"]
    assert agg["r"].tolist()[0] == 25.0 and np.isnan(agg["r"].iloc[1]) and agg["r"].iloc[3] == 7.5


# -- inside the uncertainty analysis ----------------------------------------------------------
SPECS = {
    "formula": {"tree": {"nd": {"formula": "50 * (ready - vuln + 1)", "children": {
        "ready": {"children": {"life": None, "school": None}},
        "vuln": {"children": {"share": None, "income": None}}}}}, "normalise": {"method": "minmax", "low": 0,
                                                                                "high": 1}},
    "zeros_epsilon": {"tree": {"idx": {"method": "geometric", "children": {
        "life": None, "school": None, "share": None, "income": {"transform": "log"}}}},
        "aggregate": {"zeros": "epsilon", "epsilon": 0.01}},
    "coverage": {"tree": {"idx": {"children": {"a": {"children": {"life": None, "school": None}},
                                               "b": {"children": {"share": None, "income": None}}}}},
                 "aggregate": {"coverage": {"min_share": 1.0}}},
    "zscore_target": {"tree": {"idx": {"method": "geometric", "children": {
        "life": None, "school": None, "share": {"direction": -1}, "income": None}}},
        "normalise": {"method": "zscore", "mean": 10, "sd": 2}, "transforms": {"income": "log"}},
}


@pytest.mark.parametrize("name", list(SPECS))
def test_the_nominal_run_is_the_result_exactly(name, table) -> None:
    data = table.copy()
    data.loc["S", "school"] = np.nan
    result = Assessment(AssessmentSpec.from_mapping(SPECS[name])).run(data)
    analysis = UncertaintyAnalysis(n_replications=6, seed=3, weight_perturbation=0.2, exclude_one=False,
                                   normalise=[result.spec.normalise], aggregate=[result.spec.aggregate.method])
    plan = analysis.plan(result)
    assert np.array_equal(plan.nominal_score, result.scores.to_numpy(dtype=float), equal_nan=True)
    assert np.array_equal(plan.nominal_rank, result.ranks.to_numpy(dtype=float), equal_nan=True)
    scores = plan.model.scores(Runs.nominal(len(plan.model.codes), count=2))
    assert np.allclose(scores, result.scores.to_numpy(dtype=float)[None, :], rtol=1e-12, atol=0, equal_nan=True)
    summary = analysis.run(result)
    assert len(summary.ranks) == len(data)


# -- several roots ------------------------------------------------------------------------------
def test_several_roots_the_first_is_the_composite(table) -> None:
    tree = {"hd": {"children": {"ls": {"children": {"life": None, "school": None}}, "income": None}},
            "poverty": {"formula": "100 * share", "children": {"share": None}}}
    result = run(tree, table, normalise={"method": "none"})
    assert result.root == "hd"
    agg = result.tables["aggregated"]
    assert agg["poverty"].tolist() == pytest.approx([50, 25, 20, 10], rel=1e-15)
    assert result.scores.tolist() == pytest.approx(((table["life"] + table["school"]) / 4 + table["income"] / 2)
                                                   .tolist(), rel=1e-15)
    assert result.tables["ranks"]["poverty"].tolist() == [1, 2, 3, 4]
    assert {"hd", "poverty"} <= set(result.to_frame().columns)
    contrib = result.contributions
    to_root = contrib[contrib["to"] == "root"]
    assert set(to_root.loc[to_root["code"] == "share", "parent"]) == {"poverty"}
    assert set(to_root.loc[to_root["code"] == "life", "parent"]) == {"hd"}
    rows = [{"code": "hd", "parent": None}, {"code": "income", "parent": "hd"}, {"code": "life", "parent": "hd"},
            {"code": "pov", "parent": None}, {"code": "share", "parent": "pov"}]
    flat = run(rows, table, normalise={"method": "none"})
    assert flat.root == "hd" and flat.tables["aggregated"]["pov"].tolist() == table["share"].tolist()
    plan = UncertaintyAnalysis(n_replications=4, seed=1, weight_perturbation=0.2, exclude_one=True,
                               normalise=[result.spec.normalise], aggregate=["arithmetic"]).plan(result)
    assert np.array_equal(plan.nominal_score, result.scores.to_numpy(dtype=float))
    assert plan.model.tree.roots == ["poverty", "hd"] and plan.model.fast == [None]

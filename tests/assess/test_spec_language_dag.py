"""The spec language, part 3: the same sub-index under two parents (``reuse: true``, a DAG of edges).

Every table here is a small synthetic fixture (made-up numbers chosen so the results can be worked by hand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from territoria.assess import audit
from territoria.assess.mc_model import Runs
from territoria.assess.pipeline import Assessment
from territoria.assess.result import Result
from territoria.assess.spec import AssessmentSpec
from territoria.assess.uncertainty import UncertaintyAnalysis
from territoria.errors import SpecError
from territoria.interfaces.cli.app import app

#: Two outputs sharing the block ``h``: hdi = (h + c) / 2 and x = (3 h + d) / 4, h = (a + b) / 2.
TREE = {"hdi": {"children": {"h": {"children": {"a": None, "b": None}}, "c": None}},
        "x": {"children": {"h": {"reuse": True, "weight": 3}, "d": None}}}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Synthetic: four units, four indicators already on one scale."""
    return pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [4.0, 3, 1, 1], "c": [2.0, 2, 3, 5], "d": [1.0, 5, 2, 3]},
                        index=pd.Index(list("PQRS"), name="unit"))


def run(tree, table: pd.DataFrame, **sections):
    return Assessment(AssessmentSpec.from_mapping({"tree": tree, "normalise": {"method": "none"}, **sections})
                      ).run(table)


@pytest.fixture(scope="module")
def dag(table) -> Result:
    """The Result of :data:`TREE` on :func:`table`, fitted once for the tests that only read it."""
    return run(TREE, table)


def test_a_reused_block_is_computed_once_and_weighs_per_parent(dag) -> None:
    result = dag
    agg = result.tables["aggregated"]
    assert list(agg.columns) == ["a", "b", "c", "d", "h", "x", "hdi"]          # h once
    assert agg["h"].tolist() == [2.5, 2.5, 2.0, 2.5]
    assert agg["hdi"].tolist() == [2.25, 2.25, 2.5, 3.75]                    # (h + c) / 2
    assert agg["x"].tolist() == [2.125, 3.125, 2.0, 2.625]                   # (3 h + d) / 4
    assert result.root == "hdi" and result.tables["ranks"]["x"].tolist() == [3, 1, 4, 2]
    tree = result.tree
    assert tree.loc[tree["code"] == "h", ["parent", "weight", "edge"]].values.tolist() == [
        ["hdi", 1.0, "h"], ["x", 3.0, "h@x"]]                                  # its edges listed
    assert result.weights["h@x"] == 3.0 and result.weights["h"] == 1.0
    assert result.tables["weights"]["effective"][["a", "c", "d"]].tolist() == [0.25, 0.5, 0.25]
    assert result.aggregates == ["hdi", "x", "h"]
    assert list(result.to_frame().columns[:3]) == ["hdi", "x", "h"]
    tidy = result.tidy()
    assert len(tidy[(tidy["code"] == "h") & (tidy["stage"] == "aggregated")]) == 4


def test_a_saved_result_with_reuse_reads_back(dag, tmp_path) -> None:
    result = dag
    back = Result.load(result.save(tmp_path / "r"))
    pd.testing.assert_series_equal(back.weights, result.weights, check_names=False)
    pd.testing.assert_frame_equal(back.tables["aggregated"], result.tables["aggregated"])
    assert back.tree.equals(result.tree)


def test_contributions_follow_every_edge(dag) -> None:
    result = dag
    c = result.contributions.reset_index()
    p = c[c["unit"] == "P"].set_index(["to", "parent", "code"])["contribution"]
    # mean h = 2.375; P's h deviates by 0.125, times 1/2 under hdi and 3/4 under x
    assert p[("parent", "hdi", "h")] == pytest.approx(0.0625, abs=1e-15)
    assert p[("parent", "x", "h")] == pytest.approx(0.09375, abs=1e-15)
    # a reaches x through h only: W = 3/4 * 1/2; and hdi through h: 1/2 * 1/2
    assert p[("root", "x", "a")] == pytest.approx(0.375 * (1 - 2.5), abs=1e-15)
    assert p[("root", "hdi", "a")] == pytest.approx(0.25 * (1 - 2.5), abs=1e-15)
    for root in ("hdi", "x"):                                                  # exact for arithmetic nodes
        to_root = c[(c["to"] == "root") & (c["parent"] == root)].groupby("unit")["contribution"].sum()
        dev = result.tables["aggregated"][root] - result.tables["aggregated"][root].mean()
        assert to_root.to_numpy() == pytest.approx(dev.to_numpy(), abs=1e-12)


def test_a_reused_indicator_and_the_flat_form(table) -> None:
    tree = {"idx": {"children": {"p1": {"children": {"a": None, "b": None}},
                                 "p2": {"children": {"a": {"reuse": True, "weight": 2}, "c": None}}}}}
    result = run(tree, table)
    agg = result.tables["aggregated"]
    assert agg["p2"].tolist() == pytest.approx([(2 * 1 + 2) / 3, (2 * 2 + 2) / 3, (2 * 3 + 3) / 3, (8 + 5) / 3])
    # a reaches idx by two paths: 1/2 * 1/2 + 1/2 * 2/3
    assert result.tables["weights"].loc["a", "effective"] == pytest.approx(0.25 + 1 / 3, rel=1e-15)
    rows = [{"code": "idx"}, {"code": "p1", "parent": "idx"}, {"code": "a", "parent": "p1"},
            {"code": "b", "parent": "p1"}, {"code": "p2", "parent": "idx"},
            {"code": "a", "parent": "p2", "reuse": True, "weight": 2}, {"code": "c", "parent": "p2"}]
    flat = run(rows, table)
    pd.testing.assert_frame_equal(flat.tables["aggregated"], result.tables["aggregated"])


@pytest.mark.parametrize(("tree", "path", "words"), [
    ({"r": {"children": {"h": {"children": {"a": None}}, "g": {"children": {"h": None}}}}},
     "tree.r.children.g.children.h", "reuse: true, weight: w"),
    ({"r": {"children": {"h": {"children": {"a": None}}, "g": {"children": {"hh": {"reuse": True}}}}}},
     "tree.r.children.g.children.hh.reuse", "not defined in the tree"),
    ({"r": {"children": {"h": {"children": {"g": {"children": {"h": {"reuse": True}, "a": None}}}}}}},
     "tree.r.children.h.children.g.children.h", "cycle: h -> g -> h"),
    ({"r": {"children": {"h": {"children": {"a": None}}, "g": {"children": {
        "h": {"reuse": True, "method": "geometric"}}}}}},
     "tree.r.children.g.children.h.method", "given where the node is defined"),
    ({"r": {"children": {"h": {"children": {"a": None}}, "g": {"children": {
        "h": {"reuse": True, "children": {"a": None}}}}}}},
     "tree.r.children.g.children.h.children", "only 'reuse' and 'weight'"),
    ({"r": {"children": {"a": None}}, "s": {"children": {"r": {"reuse": True}}}},
     "tree.s.children.r.reuse", "is a root"),
    ({"r": {"reuse": True, "children": {"a": None}}}, "tree.r.reuse", "is a root"),
    ({"r": {"formula": "2 * h", "children": {"h": {"children": {"a": None}}}},
      "s": {"formula": "h + 1", "children": {"h": {"reuse": True, "weight": 2}}}},
     "tree.s.children.h.weight", "a weight does not apply"),
])
def test_reuse_mistakes_are_errors_naming_the_key(tree, path, words) -> None:
    with pytest.raises(SpecError) as info:
        AssessmentSpec.from_mapping({"tree": tree})
    assert info.value.path == path
    assert words in info.value.message


def test_a_node_reused_by_three_parents_in_a_later_root_reads() -> None:
    tree = {"r": {"children": {"a": None, "h": {"children": {"b": None}}, "g": {"children": {"a": {"reuse": True}}}}},
            "s": {"children": {"h": {"reuse": True}, "c": None}}, "t": {"children": {"h": {"reuse": True}}}}
    frame = AssessmentSpec.from_mapping({"tree": tree}).tree_frame()
    assert frame.loc[frame["code"] == "h", "edge"].tolist() == ["h", "h@s", "h@t"]
    assert frame.loc[frame["code"] == "a", "parent"].tolist() == ["r", "g"]


def test_flat_form_reuse_twice_under_one_parent_and_unknown_code() -> None:
    base = [{"code": "r"}, {"code": "h", "parent": "r"}, {"code": "a", "parent": "h"}]
    with pytest.raises(SpecError) as info:
        AssessmentSpec.from_mapping({"tree": [*base, {"code": "h", "parent": "r", "reuse": True}]})
    assert info.value.path == "tree[3]" and "child of 'r' twice" in info.value.message
    with pytest.raises(SpecError) as info:
        AssessmentSpec.from_mapping({"tree": [*base, {"code": "x", "parent": "r", "reuse": True}]})
    assert info.value.path == "tree[3].reuse"


def test_weights_of_a_reuse_edge_in_a_weights_file_and_a_rerun(table, dag) -> None:
    result = run(TREE, table, weight={"method": "file", "values": {"h@x": 1.0, "c": 3.0}})
    agg = result.tables["aggregated"]
    assert agg["x"].tolist() == pytest.approx([1.75, 3.75, 2.0, 2.75], rel=1e-15)    # (h + d) / 2
    assert agg["hdi"].tolist() == pytest.approx([(2.5 + 6) / 4, (2.5 + 6) / 4, (2 + 9) / 4, (2.5 + 15) / 4])
    with pytest.raises(SpecError, match=r"'h@hdi'.*code@parent: h@x"):
        run(TREE, table, weight={"method": "file", "values": {"h@hdi": 1.0}})
    equal = run(TREE, table, weight={"method": "equal"})                     # h counts 2 indicators
    assert equal.weights[["h", "c", "h@x", "d"]].tolist() == [2.0, 1.0, 2.0, 1.0]
    assert equal.tables["aggregated"].loc["P", ["hdi", "x"]].tolist() == pytest.approx([7 / 3, 2.0], rel=1e-15)
    again = dag.rerun({"tree.h@x.weight": 1})
    assert again.tables["aggregated"]["x"].tolist() == agg["x"].tolist()
    with pytest.raises(SpecError, match="valid: weight"):
        dag.rerun({"tree.h@x.method": "geometric"})


def test_audit_with_several_roots_and_a_reused_block(dag) -> None:
    result = dag
    res = result.audit()
    assert set(res.cronbach.index) == {"h", "hdi", "x"}
    assert res.cronbach.loc["x", "k"] == 3                          # a, b (through h) and d, each once
    nodes = res.node_correlations
    a_x = nodes[(nodes["indicator"] == "a") & (nodes["node"] == "x") & (nodes["method"] == "pearson")]
    assert a_x["own"].all() and not a_x["parent"].any()
    idx = audit.TreeIndex.from_frame(result.tree)
    assert idx.roots == ("hdi", "x") and idx.parents["h"] == ("hdi", "x")
    assert idx.edge_weight[("h", "x")] == 3.0
    scores = audit.node_scores(result.tables["normalised"], result.tree)
    np.testing.assert_allclose(scores["x"], result.tables["aggregated"]["x"], rtol=1e-15)


def test_uncertainty_nominal_equals_the_result_and_an_excluded_reused_leaf_leaves_every_parent(table) -> None:
    tree = {"idx": {"children": {"p1": {"children": {"a": None, "b": None}},
                                 "p2": {"children": {"a": {"reuse": True, "weight": 2}, "c": None}}}}}
    result = run(tree, table)
    analysis = UncertaintyAnalysis(n_replications=12, seed=2, weight_perturbation=0.3, exclude_one=True,
                                   normalise=[result.spec.normalise])
    plan = analysis.plan(result)
    assert np.array_equal(plan.nominal_score, result.scores.to_numpy(dtype=float))
    model = plan.model
    assert model.codes[-1] == "a@p2" and model.fast == [None]
    nominal = model.scores(Runs.nominal(len(model.codes)))
    np.testing.assert_allclose(nominal[0], result.scores.to_numpy(dtype=float), rtol=1e-14)
    runs = Runs.nominal(len(model.codes))
    runs.excl[:] = model.leaves.index("a")
    without_a = model.scores(runs)[0]
    np.testing.assert_allclose(without_a, ((table["b"] + table["c"]) / 2).to_numpy(), rtol=1e-14)
    store = np.empty((plan.n_runs, plan.n_units), dtype=np.int32)  # run() without planning a second time
    plan.evaluate(np.arange(plan.n_runs), out=store)
    summary = analysis.summarise(plan, store)
    assert "a@p2" in summary.weights.columns and "idx" not in summary.weights.columns


def test_territoria_tree_shows_a_reused_node_once_expanded_in_three_languages(tmp_path) -> None:
    spec_file = tmp_path / "dag.yaml"
    spec_file.write_text(yaml.safe_dump({"tree": TREE}), encoding="utf-8")
    out = tmp_path / "edges.csv"
    run = CliRunner().invoke(app, ["tree", str(spec_file), "-o", str(out)], terminal_width=120)
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0] == "2 roots; the first, hdi, is the composite"
    assert sum(line.strip("│├└─ ").startswith("a ") for line in lines) == 1      # h's children shown once
    assert any("h  weight 3  reused: computed once, defined under hdi" in line for line in lines)
    edges = pd.read_csv(out)
    assert edges.loc[edges["code"] == "h", "edge"].tolist() == ["h", "h@x"]
    for lang, words in (("ru", "вычисляется один раз, определён в hdi"), ("kk", "бір рет есептеледі, hdi")):
        said = CliRunner().invoke(app, ["tree", str(spec_file), "--lang", lang], terminal_width=120)
        assert said.exit_code == 0 and words in said.output


def test_a_reused_block_with_a_coverage_rule_is_withheld_once_and_blank_under_both_parents(table) -> None:
    tree = {"hdi": {"children": {"h": {"coverage": {"min_children": 2}, "children": {"a": None, "b": None}},
                                 "c": None}},
            "x": {"children": {"h": {"reuse": True, "weight": 3}, "d": None}}}
    gappy = table.assign(b=[4.0, np.nan, 1, 1])
    result = run(tree, gappy)
    assert result.withheld[["unit", "node", "present"]].values.tolist() == [["Q", "h", 1]]
    agg = result.tables["aggregated"].loc["Q"]
    assert np.isnan(agg["h"]) and agg["hdi"] == 2.0 and agg["x"] == 5.0     # the parents skip the blank h

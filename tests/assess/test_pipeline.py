"""End-to-end pipeline on a tiny synthetic table (synthetic, made up for the test), rerun, save/load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.pipeline import STEPS, Assessment
from territoria.assess.result import Result, compare
from territoria.assess.spec import AssessmentSpec
from territoria.errors import DataError, DegenerateIndicatorError, SpecError

SPEC = {
    "name": "tiny",
    "missing_codes": [-999],
    "tree": {"index": {"children": {
        "social": {"weight": 1, "children": {"income": {"direction": 1}, "poverty": {"direction": -1}}},
        "economy": {"weight": 1, "children": {"jobs": None}}}}},
    "impute": {"method": "mean"},
    "normalise": {"method": "minmax", "low": 0, "high": 100},
    "grade": {"method": "thresholds", "thresholds": [50], "labels": ["weak", "strong"]},
}


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({"income": [10.0, 20.0, 30.0], "poverty": [30.0, -999, 10.0],
                         "jobs": [5.0, 15.0, 10.0], "note": ["x", "y", "z"]},
                        index=pd.Index(["A", "B", "C"], name="unit"))


def test_end_to_end_hand_worked(table):
    res = Assessment(AssessmentSpec.from_mapping(SPEC)).run(table)
    n = res.tables["normalised"]
    # poverty of B imputed with the mean 20 -> normalised (direction -1): A 0, B 50, C 100
    assert res.tables["imputed"].loc["B", "poverty"] == 20.0
    assert bool(res.tables["imputed_mask"].loc["B", "poverty"])
    assert n["poverty"].tolist() == [0.0, 50.0, 100.0]
    agg = res.tables["aggregated"]
    assert agg["social"].tolist() == [0.0, 50.0, 100.0]
    assert agg["economy"].tolist() == [0.0, 100.0, 50.0]
    assert agg["index"].tolist() == [0.0, 75.0, 75.0]
    frame = res.to_frame()
    assert list(frame.columns) == ["index", "social", "economy", "rank", "level", "scale"]
    assert frame["rank"].tolist() == [1, 1, 3] and frame.loc["A", "level"] == "weak"
    assert [r.address for r in res.log] == list(STEPS)
    assert res.log[1].cells_changed == 1
    # contributions of the blocks add up to the deviation of the index from its mean
    c = res.contributions
    blocks = c[(c["to"] == "parent") & (c["parent"] == "index")].groupby(level=0)["contribution"].sum()
    dev = agg["index"] - agg["index"].mean()
    np.testing.assert_allclose(blocks.reindex(dev.index), dev)
    tidy = res.tidy()
    assert set(tidy.columns) == {"unit", "level", "code", "stage", "value"}
    assert tidy.query("stage == 'aggregated' and code == 'index' and unit == 'B'")["value"].item() == 75.0


def test_rerun_identity_and_one_change(table):
    res = Assessment(AssessmentSpec.from_mapping(SPEC)).run(table)
    again = res.rerun()
    for name, t in res.tables.items():
        pd.testing.assert_frame_equal(t, again.tables[name])
    assert [r.output_digest for r in res.log] == [r.output_digest for r in again.log]
    z = res.rerun("normalise", method="rank")
    assert z.tables["normalised"]["income"].tolist() == [1.0, 2.0, 3.0]
    assert z.log[0] == res.log[0]                    # steps before the change are reused
    same = res.rerun(normalise__method="rank")
    pd.testing.assert_frame_equal(same.tables["aggregated"], z.tables["aggregated"])
    heavy = res.rerun("tree.economy", weight=3)
    assert heavy.tables["aggregated"].loc["B", "index"] == pytest.approx((50 + 3 * 100) / 4)
    shifts = compare(res, heavy)
    assert shifts.loc["C", "shift"] == 1 and shifts.loc["B", "shift"] == 0
    with pytest.raises(SpecError, match="unknown section 'normalize'; valid: denominate, impute"):
        res.rerun("normalize", method="rank")
    mapped = res.rerun({"normalise.method": "rank"})
    pd.testing.assert_frame_equal(mapped.tables["aggregated"], z.tables["aggregated"])
    with pytest.raises(SpecError, match="unknown parameter 'methd' of normalise; valid: method, ") as err:
        res.rerun(normalise__methd="rank")
    assert err.value.args and "normalise.methd" in str(err.value)
    with pytest.raises(SpecError, match="unknown tree option 'wieght'"):
        res.rerun({"tree.economy.wieght": 2})
    with pytest.raises(SpecError, match="is not an address"):
        res.rerun(method="rank")
    u = res.rerun({"uncertainty.n": 7})                   # no step reads it: tables and record kept
    assert u.spec.uncertainty.n == 7 and u.log == res.log and u.tables["ranks"].equals(res.tables["ranks"])


def test_save_load_bit_identical(table, tmp_path):
    res = Assessment(AssessmentSpec.from_mapping(SPEC)).run(table)
    res.save(tmp_path / "r")
    back = Result.load(tmp_path / "r")
    for name, t in res.tables.items():
        pd.testing.assert_frame_equal(t, back.tables[name], check_exact=True)
    assert back.log == res.log and back.data_sha256 == res.data_sha256
    pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())


def test_several_years_fixed_goalposts():
    idx = pd.MultiIndex.from_product([["A", "B"], [2020, 2021]], names=["unit", "year"])
    t = pd.DataFrame({"income": [10.0, 20.0, 30.0, 40.0], "poverty": [1.0, 1.0, 2.0, 2.0],
                      "jobs": [1.0, 2.0, 3.0, 4.0]}, index=idx)
    res = Assessment(AssessmentSpec.from_mapping({**SPEC, "grade": {}})).run(t)
    assert res.tables["normalised"]["income"].tolist() == pytest.approx([0, 100 / 3, 200 / 3, 100])
    assert res.tables["ranks"]["index"].tolist() == [2.0, 2.0, 1.0, 1.0]     # ranked within each year


def test_bad_inputs_one_clear_message(table):
    spec = AssessmentSpec.from_mapping(SPEC)
    with pytest.raises(SpecError, match=r"tree\.index\.children\.social\.children\.income.*'incone'|income"):
        Assessment(spec).run(table.rename(columns={"income": "incone"}))
    with pytest.raises(SpecError, match="did you mean 'incone'"):
        Assessment(spec).run(table.rename(columns={"income": "incone"}))
    with pytest.raises(DataError, match="'jobs' is not numeric: unit 'B' has 'n/a'"):
        Assessment(spec).run(table.assign(jobs=["5", "n/a", "7"]))
    with pytest.raises(DataError, match="every indicator missing: B"):
        Assessment(spec).run(table.assign(income=[1.0, np.nan, 3], poverty=[1.0, -999, 2],
                                          jobs=[1.0, np.nan, 2]))
    geo = AssessmentSpec.from_mapping({**SPEC, "aggregate": {"method": "geometric"}})
    with pytest.raises(DegenerateIndicatorError, match="geometric"):
        Assessment(geo).run(table)
    with pytest.raises(SpecError, match="sum to 2"):
        Assessment(AssessmentSpec.from_mapping({**SPEC, "weight": {"sum_to": 1.0}})).run(table)


@pytest.mark.parametrize(("patch", "where", "what"), [
    ({"tree": {"index": {"children": {"social": {"children": {}}}}}}, "tree.index.children.social.children",
     "no indicator"),
    ({"tree": [{"code": "r"}, {"code": "a", "parent": "b"}, {"code": "b", "parent": "a"}]}, "tree[1]", "cycle"),
    ({"tree": {"index": {"children": {"a": {"weight": -1}}}}}, "tree.index.children.a.weight", "greater"),
    ({"normalise": {"method": "minmix"}}, "normalise.method", "minmax"),
    ({"impute": {"metod": "mean"}}, "impute.metod", "unknown key"),
])
def test_spec_errors_name_the_key_path(patch, where, what):
    with pytest.raises(SpecError) as err:
        AssessmentSpec.from_mapping({**SPEC, **patch})
    assert err.value.path == where and what in err.value.message


def test_tree_frame_contract():
    tree = AssessmentSpec.from_mapping(SPEC).tree_frame()
    assert list(tree.columns[:5]) == ["code", "parent", "weight", "level", "method"]
    assert tree.set_index("code")["level"].to_dict() == {"index": 3, "social": 2, "income": 1,
                                                         "poverty": 1, "economy": 2, "jobs": 1}
    assert tree.set_index("code").loc["index", "parent"] is None


def test_result_tree_is_built_once_per_spec_and_a_callers_change_stays_its_own(table, monkeypatch):
    res = Assessment(AssessmentSpec.from_mapping(SPEC)).run(table)
    built = []
    original = AssessmentSpec.tree_frame
    monkeypatch.setattr(AssessmentSpec, "tree_frame", lambda self: built.append(self) or original(self))
    first = res.tree
    first["weight"] = 0.0                               # a caller's change: in its copy only
    first.loc[0, "code"] = "changed"
    assert res.tree.equals(original(res.spec)) and res.root == "index"
    assert len(built) == 1                              # tree, tree again, root: one build
    res.spec = AssessmentSpec.from_mapping({**SPEC, "name": "other", "tree": {"top": {"children": {
        "income": None, "jobs": None}}}})
    assert res.root == "top" and len(built) == 2        # another spec object: built again


def test_result_audit_and_uncertainty_follow_the_spec():
    """Synthetic 6 units × 4 indicators in two blocks; the spec's uncertainty section drives the run."""
    import numpy as np

    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec

    rng = np.random.default_rng(7)
    data = pd.DataFrame(rng.random((6, 4)) * 10 + 1, columns=["a", "b", "c", "d"],
                        index=pd.Index([f"U{i}" for i in range(6)], name="unit"))
    data.loc["U0", "a"] = np.nan
    spec = AssessmentSpec.from_mapping({
        "name": "t", "impute": {"method": "mean"}, "normalise": {"method": "minmax", "low": 1, "high": 100},
        "uncertainty": {"n": 400, "seed": 3, "weights": 0.2, "aggregate": ["geometric"]},
        "tree": {"index": {"children": {"x": {"children": {"a": {}, "b": {}}},
                                        "y": {"children": {"c": {}, "d": {}}}}}}})
    result = Assessment(spec).run(data)
    audit = result.audit()
    assert audit.missing_by_indicator.loc["a", "n_missing"] == 1
    alpha = audit.cronbach
    assert alpha.loc["x", "k"] == 2 and alpha.loc["x", "n_complete"] == 6
    first = result.uncertainty()
    again = result.uncertainty()
    pd.testing.assert_frame_equal(first.ranks, again.ranks)           # seeded from the spec
    assert set(first.sensitivity.index) == {"weights", "aggregate"}
    assert first.sensitivity.loc["aggregate", "alternatives"] == "arithmetic, geometric"  # nominal first
    r = first.ranks
    assert ((r["rank_p05"] <= r["rank_median"]) & (r["rank_median"] <= r["rank_p95"])).all()
    other = result.uncertainty(seed=4)
    assert not other.design.equals(first.design)

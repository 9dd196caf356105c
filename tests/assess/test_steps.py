"""Each step on tiny synthetic tables with values worked by hand (synthetic data, not statistics)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.assess.aggregate import Aggregate, aggregate_array
from territoria.assess.denominate import Denominate
from territoria.assess.grade import Grade
from territoria.assess.impute import Impute
from territoria.assess.normalise import Extremes, Normalise
from territoria.assess.rank import Rank
from territoria.assess.record import digest
from territoria.assess.spec import AssessmentSpec
from territoria.assess.treat import Treat, column_moments, passes
from territoria.assess.tree import CompiledTree
from territoria.assess.weight import Weight
from territoria.errors import DegenerateIndicatorError, NotFittedError, SpecError

NAN = np.nan


def _table(**cols):
    return pd.DataFrame(cols, index=pd.Index(["u1", "u2", "u3", "u4"], name="unit"))


def test_denominate_per_1000_and_zero_denominator():
    t = _table(births=[10.0, 30.0, 5.0, NAN])
    aux = pd.DataFrame({"pop": [2000.0, 3000.0, 0.0, 100.0]}, index=t.index)
    step = Denominate(rules={"births": {"by": "pop", "kind": "per_1000"}})
    out = step.fit_transform(t, aux=aux)
    assert out["births"].tolist()[:2] == [5.0, 10.0]
    assert np.isnan(out.loc["u3", "births"]) and np.isnan(out.loc["u4", "births"])
    report = step.report(t, step.apply(t, aux=aux))
    assert step.missing_denominators(t, out) == 1
    assert report.warnings == ("1 cell(s) had a zero or missing denominator",)
    assert not [a for a in vars(step) if a.endswith("_") and a not in ("scales_", "is_fitted_")]   # transform is pure
    assert list(out.index) == list(t.index)


def test_impute_mean_within_group_records_cells():
    t = _table(a=[1.0, NAN, 5.0, 9.0])
    groups = pd.Series(["x", "x", "y", "y"], index=t.index)
    step = Impute(method="mean", by="g")
    out = step.fit_transform(t, groups=groups)
    assert out.loc["u2", "a"] == 1.0             # mean of group x (only u1)
    written = step.apply(t, groups=groups)
    assert step.report(t, written).cells_changed == 1 and bool(written["imputed_mask"].loc["u2", "a"])
    assert written["imputed"].equals(out)
    assert Impute(method="median").fit_transform(t).loc["u2", "a"] == 5.0


def test_impute_locf_and_linear_over_years():
    idx = pd.MultiIndex.from_product([["u1", "u2"], [2019, 2020, 2021, 2022]], names=["unit", "year"])
    t = pd.DataFrame({"a": [1.0, NAN, NAN, 7.0, NAN, 2.0, NAN, NAN]}, index=idx)
    locf = Impute(method="locf").fit_transform(t)["a"].tolist()
    assert locf[:4] == [1.0, 1.0, 1.0, 7.0] and np.isnan(locf[4]) and locf[5:] == [2.0, 2.0, 2.0]
    lin = Impute(method="linear").fit_transform(t)["a"].tolist()
    assert lin[:4] == [1.0, 3.0, 5.0, 7.0] and np.isnan(lin[4]) and np.isnan(lin[7])
    with pytest.raises(SpecError, match="over years"):
        Impute(method="locf").fit(_table(a=[1.0, 2, 3, 4]))


def test_treat_winsorises_one_outlier_and_records():
    x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100], index=[f"u{i}" for i in range(10)])
    assert not passes(x)
    step = Treat(method="winsorise", winmax=3)
    out = step.fit_transform(x.to_frame("a"))
    # one pass: 100 capped to the next largest value, 9; then skewness < 2 passes
    assert out["a"].max() == 9.0 and out.loc["u9", "a"] == 9.0
    assert step.summary_["a"] == {"action": "winsorised", "low": 0, "high": 1, "floor": 1.0, "cap": 9.0}
    written = step.apply(x.to_frame("a"))
    assert step.report(x.to_frame("a"), written).cells_changed == 1 and written["treated_mask"]["a"].sum() == 1


def test_treat_log_fallback_when_too_many_points():
    x = pd.DataFrame({"a": [1.0] * 12 + [50.0, 60.0, 1000.0]})
    step = Treat(method="winsorise", winmax=0)
    out = step.fit_transform(x)
    assert step.summary_["a"]["action"] == "log"
    lo, hi = 1.0, 1000.0
    assert out["a"].iloc[-1] == pytest.approx(np.log(1000 - lo + 0.01 * (hi - lo)))


def test_normalise_minmax_direction_and_pooled_goalposts():
    idx = pd.MultiIndex.from_product([["u1", "u2"], [2020, 2021]], names=["unit", "year"])
    t = pd.DataFrame({"a": [0.0, 5.0, 10.0, 20.0], "b": [1.0, 2.0, 3.0, 5.0]}, index=idx)
    d = pd.Series({"a": 1.0, "b": -1.0})
    out = Normalise(method="minmax").fit_transform(t, direction=d)
    assert out["a"].tolist() == [0.0, 25.0, 50.0, 100.0]        # pooled: 2021 values keep 2020 scale
    assert out["b"].tolist() == [100.0, 75.0, 50.0, 0.0]
    base = Normalise(method="minmax", reference=2020).fit_transform(t, direction=d)
    assert base["a"].tolist() == [0.0, 50.0, 100.0, 200.0]


def test_normalise_percentile_rank_inversion_and_distance():
    t = _table(a=[1.0, 2.0, 2.0, 3.0])
    pr = Normalise(method="percentile_rank").fit_transform(t, direction=pd.Series({"a": -1.0}))
    assert pr["a"].tolist() == pytest.approx([1.0, 2 / 3, 2 / 3, 0.0])    # SVI: 1 - p(x)
    dist = Normalise(method="distance").fit_transform(t)
    assert dist["a"].tolist() == pytest.approx([0.5, 1.0, 1.0, 1.5])
    gp = Normalise(method="goalposts", goalposts={"a": (0, 4)}, clip=True).fit_transform(t)
    assert gp["a"].tolist() == [25.0, 50.0, 50.0, 75.0]


def test_normalise_parameter_errors_and_not_fitted():
    with pytest.raises(SpecError, match=r"normalise\.method"):
        Normalise(method="minmix").fit(_table(a=[1.0, 2, 3, 4]))
    with pytest.raises(SpecError, match=r"normalise\.low"):
        Normalise(low=5, high=1).fit(_table(a=[1.0, 2, 3, 4]))
    with pytest.raises(NotFittedError):
        Normalise().transform(_table(a=[1.0, 2, 3, 4]))
    step = Normalise(method="zscore")
    assert step.replace(method="rank").get_params()["method"] == "rank"
    assert step.get_params()["method"] == "zscore"


TREE = AssessmentSpec.from_mapping({"tree": {"idx": {"children": {
    "soc": {"weight": 3, "children": {"a": None, "b": {"weight": 3}}},
    "eco": {"weight": 1, "children": {"c": None}}}}}}).tree_frame()


def test_weight_methods_and_effective():
    t = _table(a=[1.0, 2, 3, 4], b=[2.0, 4, 6, 9], c=[1.0, 0, 1, 0])
    given = Weight(method="given").fit(t, tree=TREE)
    assert given.effective_["a"] == pytest.approx(0.75 * 0.25)
    assert given.effective_["b"] == pytest.approx(0.75 * 0.75) and given.effective_["c"] == pytest.approx(0.25)
    eq = Weight(method="equal").fit(t, tree=TREE)
    assert eq.effective_.to_dict() == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    ewb = Weight(method="equal_within_blocks").fit(t, tree=TREE)
    assert ewb.effective_["a"] == pytest.approx(0.25) and ewb.effective_["c"] == pytest.approx(0.5)
    pca = Weight(method="pca").fit(t, tree=TREE)
    assert pca.weights_["a"] == pytest.approx(0.5) and pca.weights_["b"] == pytest.approx(0.5)
    with pytest.raises(SpecError, match="sum to 4"):
        Weight(method="given", sum_to=1.0).fit(t, tree=TREE)


def test_aggregate_tree_hand_worked_and_geometric_refusal():
    t = _table(a=[10.0, 20, 30, 40], b=[30.0, 20, 10, NAN], c=[50.0, 50, 60, 70])
    w = Weight(method="given").fit(t, tree=TREE).weights_
    out = Aggregate().fit_transform(t, tree=TREE, weights=w)
    # soc = (a + 3b)/4; u4: b missing -> a alone; idx = (3 soc + eco)/4
    assert out.loc["u1", "soc"] == pytest.approx((10 + 90) / 4)
    assert out.loc["u4", "soc"] == pytest.approx(40.0)
    assert out.loc["u1", "idx"] == pytest.approx((3 * 25 + 50) / 4)
    prop = Aggregate(missing="propagate").fit_transform(t, tree=TREE, weights=w)
    assert np.isnan(prop.loc["u4", "soc"]) and np.isnan(prop.loc["u4", "idx"])
    geo = TREE.assign(method=TREE["method"].where(TREE["code"] != "soc", "geometric"))
    with pytest.raises(DegenerateIndicatorError, match=r"'soc'.*'a'.*<= 0"):
        Aggregate().fit_transform(t.assign(a=[0.0, 1, 2, 3]), tree=geo, weights=w)


def test_aggregate_array_replication_axis_and_complementary_geometric():
    tree = CompiledTree.from_frame(TREE)
    x = np.random.default_rng(3).uniform(1, 10, size=(5, 7, 3))
    rep, _ = aggregate_array(x, tree)
    for r in range(5):
        np.testing.assert_allclose(rep[r], aggregate_array(x[r], tree)[0])
    inform = TREE.assign(method="complementary_geometric")
    rep, _ = aggregate_array(np.array([[10.0, 0.0, 5.0]]), CompiledTree.from_frame(inform),
                             weights=[np.array([1.0, 1.0]), np.array([1.0]), np.array([1.0, 1.0])])
    # soc: z = (1, 10) -> sqrt(10); score = 10 - (sqrt(10) - 1)/0.9
    assert rep[0, 3] == pytest.approx(10 - (np.sqrt(10) - 1) / 0.9)


def test_rank_and_grade():
    s = pd.DataFrame({"idx": [5.0, 9.0, 5.0, 1.0]}, index=["u1", "u2", "u3", "u4"])
    assert Rank().fit_transform(s)["idx"].tolist() == [2, 1, 2, 4]
    g = Grade(method="thresholds", thresholds=[2.0, 6.0], labels=["low", "mid", "high"])
    assert g.fit_transform(s["idx"]).tolist() == ["mid", "high", "mid", "low"]
    q = Grade(method="quantiles", k=2, labels=["a", "b"]).fit(s["idx"])
    assert q.bins_ == [5.0] and q.transform(s["idx"]).tolist() == ["a", "b", "a", "a"]
    j = Grade(method="jenks", k=2, labels=["lo", "hi"]).fit_transform(pd.Series([1.0, 1.2, 1.1, 9.0, 9.5]))
    assert j.tolist() == ["lo", "lo", "lo", "hi", "hi"]


def test_score_array_matches_pipeline_steps():
    from territoria.assess.vector import score_array

    t = _table(a=[10.0, 20, 30, 40], b=[30.0, 20, 10, 0], c=[50.0, 50, 60, 70])
    w = Weight(method="given").fit(t, tree=TREE).weights_
    step_out = Aggregate().fit_transform(Normalise().fit_transform(t), tree=TREE, weights=w)
    arr = score_array(t.to_numpy(), TREE)
    np.testing.assert_allclose(arr, step_out.to_numpy())
    stacked = score_array(np.stack([t.to_numpy()] * 3), TREE, aggregate="geometric", low=1)
    assert stacked.shape == (3, 4, 6)


# -- the loop's contract: declared stages, pure transforms, mergeable statistics ------------------------


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=40),
       cuts=st.lists(st.integers(0, 40), max_size=5))
def test_extremes_merged_over_any_split_equal_the_whole(values, cuts):
    col = np.array([np.nan if v is None else v for v in values])
    table = pd.DataFrame({"a": col, "b": -col})
    edges = sorted({0, len(col), *[min(c, len(col)) for c in cuts]})
    parts = [Extremes.of(table.iloc[a:b]) for a, b in itertools.pairwise(edges)]
    whole, merged = Extremes.of(table), Extremes.merge(parts)
    np.testing.assert_array_equal(merged.low, whole.low)
    np.testing.assert_array_equal(merged.high, whole.high)
    # the step fitted from merged statistics transforms exactly as the step fitted on the whole
    step = Normalise(method="minmax")
    one = step.replace().fit(table).transform(table)
    two = step.replace().fit_stats(merged, table.columns).transform(table)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


@pytest.mark.parametrize("step, stage", [
    (Denominate(rules={}), "raw"), (Impute(method="median"), "denominated"),
    (Treat(method="winsorise"), "imputed"), (Normalise(method="minmax"), "treated"),
])
def test_steps_write_their_declared_stages_and_transform_is_pure(step, stage):
    table = pd.DataFrame({"a": [1.0, NAN, 3.0, 4.0, 50.0], "b": [2.0, 2.5, NAN, 1.0, 0.5]},
                         index=[f"u{i}" for i in range(5)])
    assert step.reads == (stage,)
    step.fit(table)
    before = dict(vars(step))
    written = step.apply(table)
    assert set(written) == set(step.writes) and written[step.writes[0]].index.equals(table.index)
    assert vars(step).keys() == before.keys()                    # nothing learned or kept by transform


def test_digest_same_content_same_value_and_any_cell_counts():
    idx = pd.MultiIndex.from_product([["u1", "u2", "u3"], [2020, 2021]], names=["unit", "year"])
    t = pd.DataFrame({"a": np.arange(6.0), "b": [1.0, NAN, 3, 4, 5, 6]}, index=idx)
    rebuilt = pd.DataFrame({"a": list(t["a"]), "b": list(t["b"])},
                           index=pd.MultiIndex.from_tuples(list(idx), names=["unit", "year"]))
    assert digest(t) == digest(rebuilt) == digest(t.copy())
    changed = t.copy()
    changed.iloc[3, 0] = 3.0000000000000004
    swapped = t.copy()
    swapped.iloc[[0, 1], 0] = [1.0, 0.0]
    assert len({digest(t), digest(changed), digest(swapped), digest(t.iloc[::-1])}) == 4


def test_blocked_moments_equal_the_direct_formula():
    rng = np.random.default_rng(3)
    x = np.asfortranarray(np.exp(rng.normal(size=(20_000, 3))))
    x[::5, 1] = np.nan
    got = column_moments(x, block=4096)
    for j in range(3):
        v = pd.Series(x[:, j])
        assert got[j] == pytest.approx((v.skew(), v.kurt()), rel=1e-9)


@pytest.mark.parametrize("n", [1, 2, 7, 10, 301, 2_000, 5_001])
def test_median_imputation_fills_with_pandas_medians_per_year(n):
    rng = np.random.default_rng(n)
    idx = pd.MultiIndex.from_product([[2020, 2021], [f"u{i}" for i in range(n)]], names=["year", "unit"])
    t = pd.DataFrame(rng.random((2 * n, 3)), index=idx.reorder_levels(["unit", "year"]), columns=list("abc"))
    t["a"] = np.round(t["a"], 2)                 # ties at the median
    t.iloc[::3, 1] = NAN
    t.iloc[1::4, 2] = NAN
    out = Impute(method="median").fit_transform(t)
    expected = t.fillna(t.groupby(level="year").transform("median"))
    pd.testing.assert_frame_equal(out, expected, check_exact=True)

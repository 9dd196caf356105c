"""Each step on tiny synthetic tables with values worked by hand (synthetic data, not statistics)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.aggregate import Aggregate, aggregate_array
from territoria.assess.denominate import Denominate
from territoria.assess.grade import Grade
from territoria.assess.impute import Impute
from territoria.assess.normalise import Normalise
from territoria.assess.rank import Rank
from territoria.assess.spec import AssessmentSpec
from territoria.assess.treat import Treat, passes
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
    assert step.zero_denominators_ == 1
    assert list(out.index) == list(t.index)


def test_impute_mean_within_group_records_cells():
    t = _table(a=[1.0, NAN, 5.0, 9.0])
    groups = pd.Series(["x", "x", "y", "y"], index=t.index)
    step = Impute(method="mean", by="g")
    out = step.fit_transform(t, groups=groups)
    assert out.loc["u2", "a"] == 1.0             # mean of group x (only u1)
    assert step.n_imputed_ == 1 and bool(step.mask_.loc["u2", "a"])
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
    assert step.n_treated_ == 1


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

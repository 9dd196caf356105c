"""Statistical audit: hand-worked values and the COINr ASEM example (real published data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.assess import audit
from territoria.errors import DataError, SpecError, UnknownNameError

COINR = Path("/work/shared/reference/coinr")


def _tree(blocks: dict[str, list[str]], root: str = "index") -> pd.DataFrame:
    rows = [{"code": leaf, "parent": b, "weight": 1.0, "level": 1} for b, leaves in blocks.items() for leaf in leaves]
    rows += [{"code": b, "parent": root, "weight": 1.0, "level": 2} for b in blocks]
    rows += [{"code": root, "parent": None, "weight": 1.0, "level": 3}]
    return pd.DataFrame(rows)


# Synthetic 4 units x 3 indicators, worked by hand below.
HAND = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 3, 3, 5], "c": [1.0, 1, 2, 4]},
                    index=["u1", "u2", "u3", "u4"])


def test_cronbach_alpha_hand_worked() -> None:
    # var(a) = 5/3, var(b) = 4.75/3, var(c) = 6/3; total = (4, 6, 8, 13), var = 44.75/3
    # alpha = 3/2 * (1 - 15.75/44.75) = 43.5/44.75
    out = audit.cronbach_alpha(HAND, _tree({"blk": ["a", "b", "c"]}))
    assert out.loc["blk", "alpha"] == pytest.approx(43.5 / 44.75, abs=1e-12)
    assert out.loc["blk", "k"] == 3 and out.loc["blk", "n_complete"] == 4


def test_cronbach_alpha_uses_complete_cases_and_scale() -> None:
    x = np.array([1.0, 2, 4, 7, 11])
    data = pd.DataFrame({"a": x, "b": 2 * x, "c": [np.nan, 1, 2, 3, 4]})
    out = audit.cronbach_alpha(data, _tree({"p": ["a", "b"], "q": ["c"]}))
    # a and 2a: alpha = 2 * (1 - (v + 4v) / 9v) = 8/9
    assert out.loc["p", "alpha"] == pytest.approx(8 / 9)
    assert np.isnan(out.loc["q", "alpha"])                 # one item: undefined
    assert out.loc["index", "n_complete"] == 4             # the unit missing c is left out
    copies = pd.DataFrame({"a": x, "b": x, "c": x})
    assert audit.cronbach_alpha(copies).loc["all", "alpha"] == pytest.approx(1.0)


def test_pca_perfectly_correlated_and_orthogonal_blocks() -> None:
    x = np.array([3.0, 1, 4, 1, 5, 9])
    data = pd.DataFrame({"a": x, "b": 10 * x - 3, "c": -2 * x,
                         "d": [1.0, -1, 1, -1, 0, 0], "e": [1.0, 1, -1, -1, 0, 0]})
    assert abs(np.corrcoef(data["d"], data["e"])[0, 1]) < 1e-12
    out = audit.pca_first_component(data, _tree({"same": ["a", "b", "c"], "orth": ["d", "e"]}))
    assert out.loc["same", "explained_pc1"] == pytest.approx(1.0)
    assert out.loc["same", "eigenvalue_pc1"] == pytest.approx(3.0)
    assert out.loc["same", "n_eigen_gt1"] == 1
    assert out.loc["orth", "explained_pc1"] == pytest.approx(0.5)


def test_missing_tables_hand_counts() -> None:
    data = pd.DataFrame({"a": [1.0, np.nan, 3, np.nan], "b": [1.0, 2, np.nan, np.nan], "c": [1.0, 2, 3, 4]},
                        index=["u1", "u2", "u3", "u4"])
    tree = _tree({"p": ["a", "b"], "q": ["c"]})
    ind = audit.missing_by_indicator(data, tree)
    assert ind["n_missing"].to_dict() == {"a": 2, "b": 2, "c": 0}
    assert ind.loc["a", "share_missing"] == 0.5 and ind.loc["a", "parent"] == "p"
    node = audit.missing_by_node(data, tree)
    assert node.loc["p", "n_cells"] == 8 and node.loc["p", "n_missing"] == 4
    assert node.loc["p", "n_units_complete"] == 1 and node.loc["p", "n_units_empty"] == 1
    assert node.loc["index", "share_missing"] == pytest.approx(4 / 12)
    unit = audit.missing_by_unit(data, tree).set_index(["unit", "node"])
    assert unit.loc[("u4", "p"), "share_missing"] == 1.0
    assert unit.loc[("u4", "index"), "n_missing"] == 2
    assert unit.loc[("u1", "index"), "n_missing"] == 0


def test_correlations_within_across_and_methods() -> None:
    x = np.arange(1.0, 8.0)
    data = pd.DataFrame({"a": x, "b": x**3, "c": -x, "d": np.sin(x)})
    corr = audit.correlations(data, _tree({"p": ["a", "b"], "q": ["c", "d"]}))
    key = corr.set_index(["x", "y", "method"])
    assert key.loc[("a", "b", "spearman"), "r"] == pytest.approx(1.0)
    assert key.loc[("a", "b", "pearson"), "r"] < 0.99          # cubic: monotone, not linear
    assert key.loc[("a", "c", "pearson"), "r"] == pytest.approx(-1.0)
    assert bool(key.loc[("a", "b", "pearson"), "within"]) and not bool(key.loc[("a", "c", "pearson"), "within"])
    assert len(corr) == 6 * 2 and (corr["n"] == 7).all()


def test_flags_negative_with_block_and_high_with_sibling() -> None:
    rng = np.random.default_rng(1)                              # synthetic
    base = rng.normal(size=40)
    data = pd.DataFrame({"a": base, "b": 2 * base + 0.01 * rng.normal(size=40),
                         "c": base + rng.normal(size=40), "z": -base})
    tree = _tree({"p": ["a", "b", "c", "z"]})
    flags = audit.correlation_flags(data, tree)
    neg = flags[flags["kind"] == "negative_with_block"]
    assert neg["indicator"].tolist() == ["z"] and neg["block"].tolist() == ["p"]
    high = flags[flags["kind"] == "high_with_sibling"]
    assert {tuple(sorted(p)) for p in zip(high["indicator"], high["other"], strict=True)} == {("a", "b")}
    # a sibling pair correlating at -1 is not a "high" flag
    assert not ((high["indicator"] == "a") & (high["other"] == "z")).any()


def test_bad_input_named() -> None:
    tree = _tree({"p": ["a", "bb"]})
    with pytest.raises(UnknownNameError, match=r"'bb'.*did you mean 'b'"):
        audit.cronbach_alpha(pd.DataFrame({"a": [1.0, 2], "b": [1.0, 3]}), tree)
    with pytest.raises(DataError, match=r"'b' is not numeric.*'x'"):
        audit.missing_by_indicator(pd.DataFrame({"a": [1.0, 2], "b": ["1", "x"]}))
    cyclic = pd.DataFrame({"code": ["a", "p", "q", "r"], "parent": ["p", "q", "p", None],
                           "weight": 1.0, "level": [1, 2, 3, 4]})
    with pytest.raises(SpecError, match="not below the root"):
        audit.pca_first_component(pd.DataFrame({"a": [1.0, 2]}), cyclic)


# -- COINr ASEM example (real data: ASEM Sustainable Connectivity Portal, via COINr 1.1.14) -------
def _asem_tree() -> pd.DataFrame:
    meta = pd.read_csv(COINR / "ASEM_iMeta.csv")
    meta = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    return pd.DataFrame({"code": meta["iCode"], "parent": meta["Parent"].where(meta["Parent"].notna(), None),
                         "weight": meta["Weight"].astype(float), "level": meta["Level"].astype(int)})


@pytest.fixture(scope="module")
def asem() -> tuple[pd.DataFrame, pd.DataFrame]:
    if not COINR.exists():
        pytest.skip("COINr reference files not present")
    return _asem_tree(), pd.read_csv(COINR / "legacy_ASEM_Normalised.csv").set_index("UnitCode")


def test_asem_missing_equals_cells_coinr_imputed(asem: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    tree, _ = asem
    leaves = tree.loc[tree["level"] == 1, "code"].tolist()
    den = pd.read_csv(COINR / "legacy_ASEM_Denominated.csv").set_index("UnitCode")[leaves]
    imp = pd.read_csv(COINR / "legacy_ASEM_Imputed.csv").set_index("UnitCode")[leaves]
    filled = (den.isna() & imp.notna()).sum()
    table = audit.missing_by_indicator(den, tree)
    assert (table["n_missing"] == filled.reindex(table.index)).all()
    assert audit.missing_by_node(den, tree).loc["Index", "n_missing"] == 65   # the 65 cells COINr imputes


def test_asem_node_scores_reproduce_coinr_aggregates(asem: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    tree, norm = asem
    leaves = tree.loc[tree["level"] == 1, "code"].tolist()
    scores = audit.node_scores(norm[leaves], tree)
    published = pd.read_csv(COINR / "legacy_ASEM_Aggregated.csv").set_index("UnitCode")
    aggs = tree.loc[tree["level"] > 1, "code"].tolist()
    assert np.abs(scores[aggs] - published[aggs]).to_numpy().max() < 1e-9


def test_asem_alpha_and_pca_match_independent_formulas(asem: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    tree, norm = asem
    leaves = tree.loc[tree["level"] == 1, "code"].tolist()
    data = norm[leaves]
    alpha = audit.cronbach_alpha(data, tree)
    pca = audit.pca_first_component(data, tree)
    for block in ["P2P", "Social", "Physical", "Conn"]:
        kids = [c for c in leaves if c in _leaves_under(tree, block)]
        m = data[kids].dropna()
        cov = np.cov(m.to_numpy(), rowvar=False)
        k = len(kids)
        mean_var, mean_cov = np.mean(np.diag(cov)), (cov.sum() - np.trace(cov)) / (k * (k - 1))
        assert alpha.loc[block, "alpha"] == pytest.approx(k * mean_cov / (mean_var + (k - 1) * mean_cov))
        ref = PCA().fit(StandardScaler().fit_transform(m.to_numpy()))
        assert pca.loc[block, "explained_pc1"] == pytest.approx(ref.explained_variance_ratio_[0])


def _leaves_under(tree: pd.DataFrame, node: str) -> set[str]:
    kids = tree.loc[tree["parent"] == node, "code"].tolist()
    if not kids:
        return {node}
    return set().union(*(_leaves_under(tree, k) for k in kids))


def test_statistical_audit_bundles_every_table(asem: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    tree, norm = asem
    leaves = tree.loc[tree["level"] == 1, "code"].tolist()
    published = pd.read_csv(COINR / "legacy_ASEM_Aggregated.csv").set_index("UnitCode")
    aggs = tree.loc[tree["level"] > 1, "code"].tolist()
    res = audit.statistical_audit(norm[leaves], tree, scores=published[aggs])
    assert set(res.cronbach.index) == set(aggs) and set(res.pca.index) == set(aggs)
    own = res.node_correlations[res.node_correlations["parent"] & (res.node_correlations["method"] == "pearson")]
    assert len(own) == len(leaves)
    negative = set(own.loc[own["r"] < 0, "indicator"])
    assert set(res.flags.loc[res.flags["kind"] == "negative_with_block", "indicator"]) == negative

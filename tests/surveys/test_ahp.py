"""AHP against Saaty's published examples (fixtures/README.md gives the citations)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.errors import DataError
from territoria.surveys.ahp import (
    RANDOM_INDEX,
    InconsistentJudgementsError,
    ahp_weights,
    combine_experts,
    geometric_mean_matrix,
    pairwise_from_judgements,
    random_index,
    synthesise,
)

FIX = Path(__file__).parent / "fixtures"


def _drinks() -> pd.DataFrame:
    raw = pd.read_csv(FIX / "ahp_saaty2008_drinks_matrix.csv", dtype=str).set_index("row")
    return raw.map(lambda s: float(Fraction(s)))


def _cities() -> dict[str, pd.DataFrame]:
    long = pd.read_csv(FIX / "ahp_saaty2005_cities_matrices.csv", dtype=str)
    out = {}
    for name, part in long.groupby("matrix", sort=False):
        judgements = {(r, c): float(Fraction(v)) for r, c, v in zip(part["row"], part["col"], part["value"],
                                                                        strict=True)}
        out[name] = pairwise_from_judgements(judgements, name=name)
    return out


def test_drinks_published_priorities_and_cr():
    published = pd.read_csv(FIX / "ahp_saaty2008_drinks_published.csv").set_index("item")["published_priority"]
    r = ahp_weights(_drinks(), ri_table="saaty_2005")
    assert np.allclose(r.weights.round(3)[published.index], published, atol=1e-9)
    assert r.weights.sum() == pytest.approx(1.0)
    assert r.lambda_max == pytest.approx(7.1766, abs=1e-4)
    assert round(r.cr, 3) == 0.022                     # published CR, RI = 1.35 (Saaty 2005)
    assert round(ahp_weights(_drinks()).cr, 3) == 0.022  # and with the classic RI = 1.32


def test_cities_hierarchy_published_overall_priorities():
    published = pd.read_csv(FIX / "ahp_saaty2005_cities_published.csv").set_index("alternative")
    m = _cities()
    crit = ahp_weights(m["Goal"], ri_table="saaty_2005").weights
    local = {c: ahp_weights(m[c], max_cr=None).weights for c in crit.index}
    overall = synthesise(crit, local)
    assert np.allclose(overall.round(3)[published.index], published["published_overall_priority"], atol=1e-9)
    assert overall.sum() == pytest.approx(1.0)


def test_random_index_tables_equal_the_reference_columns():
    ref = pd.read_csv(FIX / "ahp_random_index.csv")
    for ours, col in [("saaty_classic", "RI_saaty_classic"), ("saaty_2005", "RI_saaty_2005"),
                      ("donegan_dodd", "RI_donegan_dodd_1991")]:
        for n, value in zip(ref["n"], ref[col], strict=True):
            if np.isnan(value):
                with pytest.raises(DataError, match=r"covers n = 1\.\.10"):
                    random_index(int(n), table=ours)
            else:
                assert random_index(int(n), table=ours) == value
    assert len(RANDOM_INDEX["saaty_2005"]) == 15


def test_consistent_matrix_has_zero_cr_and_exact_weights():
    w = np.array([0.5, 0.3, 0.2])
    m = pd.DataFrame(np.outer(w, 1 / w), index=list("abc"), columns=list("abc"))
    r = ahp_weights(m)
    assert np.allclose(r.weights, w) and r.cr == pytest.approx(0, abs=1e-12)
    assert r.lambda_max == pytest.approx(3.0)


def test_inconsistent_matrix_is_refused_unless_overridden():
    # a > b (9), b > c (9), but c > a (9): a cycle, hand-made and maximally inconsistent
    m = pairwise_from_judgements({("a", "b"): 9, ("b", "c"): 9, ("c", "a"): 9})
    with pytest.raises(InconsistentJudgementsError, match=r"CR = \d+\.\d+ exceeds 0.10"):
        ahp_weights(m, name="expert 3")
    r = ahp_weights(m, max_cr=None)
    assert r.cr > 0.10 and np.allclose(r.weights, 1 / 3)


def test_non_reciprocal_and_missing_pairs_are_named():
    m = pd.DataFrame([[1, 3], [0.5, 1]], index=["x", "y"], columns=["x", "y"])
    with pytest.raises(DataError, match="not reciprocal"):
        ahp_weights(m)
    with pytest.raises(DataError, match=r"no judgement for \('a', 'c'\)"):
        pairwise_from_judgements({("a", "b"): 2, ("b", "c"): 2})


def test_geometric_mean_of_experts_is_reciprocal_and_known():
    e1 = pairwise_from_judgements({("a", "b"): 2})
    e2 = pairwise_from_judgements({("a", "b"): 8})
    g = geometric_mean_matrix({"e1": e1, "e2": e2})
    assert g.at["a", "b"] == pytest.approx(4.0) and g.at["b", "a"] == pytest.approx(0.25)
    res = combine_experts({"e1": e1, "e2": e2})
    assert res.weights["a"] == pytest.approx(0.8)   # 4 / (4 + 1)
    assert list(res.experts.index) == ["e1", "e2"]


def test_combine_experts_names_the_inconsistent_expert():
    good = pairwise_from_judgements({("a", "b"): 2, ("a", "c"): 4, ("b", "c"): 2})
    bad = pairwise_from_judgements({("a", "b"): 9, ("b", "c"): 9, ("c", "a"): 9})
    with pytest.raises(InconsistentJudgementsError, match="Bekov"):
        combine_experts({"Alieva": good, "Bekov": bad})
    res = combine_experts({"Alieva": good, "Bekov": bad}, allow_inconsistent=True)
    assert "Bekov" in res.overridden and "Alieva" not in res.overridden
    assert not res.experts.loc["Bekov", "consistent"]

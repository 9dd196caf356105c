"""Kendall's W against NAG's G08DAF worked example, and hand-worked invariants."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from territoria.errors import DataError
from territoria.surveys.kendall import kendall_w

FIX = Path(__file__).parent / "fixtures"


def test_nag_g08daf_example():
    ranks = pd.read_csv(FIX / "kendall_w_nag_g08daf_ranks.csv").set_index("comparison")
    published = pd.read_csv(FIX / "kendall_w_nag_g08daf_published.csv").set_index("quantity")["published_value"]
    r = kendall_w(ranks)
    assert round(r.w, 3) == published["W"]
    assert round(r.p_value, 3) == published["significance"]
    assert r.s == pytest.approx(591.0)
    assert round(r.w_uncorrected, 3) == 0.796
    assert r.chi2 == pytest.approx(3 * 9 * r.w) and r.df == 9


def test_perfect_agreement_and_exact_disagreement():
    same = pd.DataFrame([[1, 2, 3, 4]] * 3, columns=list("abcd"))
    assert kendall_w(same).w == pytest.approx(1.0)
    opposite = pd.DataFrame([[1, 2, 3, 4], [4, 3, 2, 1]], columns=list("abcd"))
    assert kendall_w(opposite).w == pytest.approx(0.0)


def test_scores_are_ranked_and_direction_does_not_change_w():
    scores = pd.DataFrame([[10, 7, 7, 1], [9, 8, 3, 2], [5, 9, 4, 1]], columns=list("abcd"))
    assert kendall_w(scores).w == pytest.approx(kendall_w(scores, higher_is_first=True).w)


def test_missing_rank_is_named():
    t = pd.DataFrame([[1, 2, None], [1, 2, 3]], columns=list("abc"), index=["e1", "e2"])
    with pytest.raises(DataError, match="rater 'e1', item 'c'"):
        kendall_w(t)

"""Ranks within years: the years of a gap-free column ranked as rows of one array give the ranks of
ranking each year alone (pandas' ``rank(method="min")`` within years), on one thread and two; a column with
a gap, other tie rules and unequal years take the year-by-year path. SYNTHETIC scores (rounded lognormal
numbers, many ties), not statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.assess.rank import Rank
from territoria.assess.threads import using


def _scores(n: int, years: int, *, drop: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(41)
    units = np.array([f"u{i:05d}" for i in range(n)])
    index = pd.MultiIndex.from_arrays([np.tile(units, years), np.repeat(np.arange(2015, 2015 + years), n)],
                                      names=["unit", "year"])
    x = np.round(rng.lognormal(sigma=0.7, size=(n * years, 4)), 2)     # rounded: ties within a year
    x[7, 3] = np.nan                                                     # column 3: the year-by-year path
    frame = pd.DataFrame(x, index=index, columns=["VI", "A", "B", "C"])
    return frame.iloc[drop:]                                             # drop > 0: the first year shorter


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(("ties", "descending", "drop"), [("min", True, 0), ("min", False, 0), ("average", True, 0),
                                                          ("min", True, 3)])
def test_ranks_within_years_as_each_year_alone(threads, ties, descending, drop):
    table = _scores(20_000, 5, drop=drop)
    step = Rank(ties=ties, descending=descending)
    with using(threads):
        step.fit(table)
        got = step.transform(table)
    expected = table.groupby(level="year").rank(method=ties, ascending=not descending)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["VI"].notna().all() and got["C"].isna().sum() == 1

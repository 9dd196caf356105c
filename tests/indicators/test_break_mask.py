"""break_mask on a hand-made index: the year of a change for per-capita values, the next year for growth,
only for the unit that changed."""

from __future__ import annotations

import pandas as pd

from territoria.indicators.breaks import break_mask


def test_the_changed_units_cells_only():
    index = pd.MultiIndex.from_tuples([("111", 2019), ("111", 2020), ("111", 2021), ("222", 2020), ("222", 2021),
                                       ("333", 2020)], names=["unit", "year"])
    changes = pd.DataFrame({"unit": ["111", "333"], "year": [2020, 2019], "note": ["", ""]})
    assert break_mask(index, changes, growth=False).tolist() == [False, True, False, False, False, False]
    assert break_mask(index, changes, growth=True).tolist() == [False, False, True, False, False, True]
    assert break_mask(index, changes.iloc[:0], growth=True).tolist() == [False] * 6
    assert break_mask(index, changes, growth=False).index.equals(index)

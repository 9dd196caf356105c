"""A series read on the map before the 2022 split: East Kazakhstan = today's East Kazakhstan + Abai."""

from __future__ import annotations

import pytest

from territoria.errors import StoreError
from territoria.store import Store


def test_old_map_sums_the_parts_and_recomputes_rates(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store:
        own = store.panel(level="region", years=[2022]).wide(2022)
        old = store.panel(level="region", years=[2022], borders="old")
    wide = old.wide(2022)
    assert "100000000" not in wide.index and "630000000" in wide.index          # Abai folded back
    assert wide.loc["630000000", "births"] == own.loc["630000000", "births"] + own.loc["100000000", "births"]
    assert wide.loc["350000000", "grp"] == pytest.approx(own.loc["350000000", "grp"] + own.loc["620000000", "grp"])
    # a per-capita ratio is recomputed from the rebuilt numerator and denominator, not averaged
    parts = own.loc[["630000000", "100000000"], "fixed_investment_per_capita_ratio"]
    assert parts.min() <= wide.loc["630000000", "fixed_investment_per_capita_ratio"] <= parts.max()
    # published rates that cannot be rebuilt are left out, not averaged
    assert "life_expectancy" not in wide.columns or wide["life_expectancy"].isna().all()
    assert set(old.existing_in(2022)) == set(wide.index)


def test_unknown_borders_are_refused(bundled_store_path):
    with Store(bundled_store_path, read_only=True) as store, pytest.raises(StoreError, match="'own' or 'old'"):
        store.panel(borders="new")

"""Every indicator of the shipped catalogue has a plausible range, and the bundled real data lie inside it."""

from __future__ import annotations

import pytest

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.errors import SpecError
from territoria.store import Store


def test_every_indicator_has_a_range() -> None:
    missing = [i.id for i in load_catalogue() if i.range is None]
    assert missing == []


def test_level_ranges_lie_within_the_overall_range() -> None:
    for ind in load_catalogue():
        low, high = ind.plausible_range()
        for level, (a, b) in ind.range_by_level.items():
            assert low <= a < b <= high, (ind.id, level)


def test_bundled_data_lie_inside_the_ranges(bundled_store_path) -> None:
    with Store(bundled_store_path, read_only=True) as store:
        assert store.counts()["observations"] > 10_000
        bad = store.bad_cells()
    assert bad.empty, bad.head(10).to_string()


def test_a_reversed_range_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"indicators\.0\(x\)\.range"):
        Catalogue.from_mapping({"version": 1, "indicators": [
            {"id": "x", "name": {"en": "X"}, "unit": {"en": "persons"}, "range": [10, 0]}]})

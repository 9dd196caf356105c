"""to_old_map on hand-worked (synthetic) values with the real split structure."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.catalog.catalogue import load_catalogue
from territoria.catalog.units import overlapping_parts, splits, to_old_map
from territoria.errors import DataError
from territoria.ingest.bundled import bundled_crosswalk


def _obs(rows):
    return pd.DataFrame(rows, columns=["unit", "indicator", "year", "value", "source_id"])


def test_splits_from_bundled_crosswalk() -> None:
    by_old = {s.old: s for s in splits(bundled_crosswalk())}
    assert set(by_old["630000000"].parts) == {"630000000", "100000000"}
    assert by_old["630000000"].year == 2022 and by_old["630000000"].keeps_code
    assert set(by_old["X_SOUTH_KAZAKHSTAN"].parts) == {"610000000", "790000000"}
    assert not by_old["X_SOUTH_KAZAKHSTAN"].keeps_code


def test_to_old_map_sums_new_regions_into_old_units() -> None:
    cat, cw = load_catalogue(), bundled_crosswalk()
    obs = _obs([
        ("630000000", "population_avg", 2015, 700.0, "S01"), ("100000000", "population_avg", 2015, 600.0, "S01"),
        ("630000000", "population_1jan", 2015, 1300.0, "S03"),                       # already old borders
        ("610000000", "grp", 2019, 5.0, "B"), ("790000000", "grp", 2019, 7.0, "B"),
        ("X_SOUTH_KAZAKHSTAN", "grp", 2016, 11.0, "B"), ("610000000", "grp", 2016, 4.0, "B"),
        ("790000000", "grp", 2016, 7.0, "B"),
        ("190000000", "population_avg", 2015, 10.0, "S01"),                          # Zhetisu absent
    ])
    out = to_old_map(obs, cw, cat).set_index(["unit", "indicator", "year"])["value"]
    assert out[("630000000", "population_avg", 2015)] == 1300.0
    assert out[("630000000", "population_1jan", 2015)] == 1300.0
    assert out[("X_SOUTH_KAZAKHSTAN", "grp", 2019)] == 12.0
    assert out[("X_SOUTH_KAZAKHSTAN", "grp", 2016)] == 11.0                          # published row kept
    assert ("100000000", "population_avg", 2015) not in out.index
    assert ("610000000", "grp", 2016) not in out.index
    assert out[("190000000", "population_avg", 2015)] == 10.0
    assert len(out) == 5


def test_to_old_map_refuses_rates() -> None:
    obs = _obs([("630000000", "unemployment_rate", 2020, 4.8, "x")])
    with pytest.raises(DataError, match="unemployment_rate"):
        to_old_map(obs, bundled_crosswalk(), load_catalogue())


def test_overlapping_parts() -> None:
    codes = ["X_SOUTH_KAZAKHSTAN", "610000000", "790000000", "110000000"]
    assert overlapping_parts(codes, 2016) == {"610000000", "790000000"}
    assert overlapping_parts(["610000000", "790000000"], 2019) == set()


def test_to_old_map_drops_a_lone_part_and_ignores_the_row_labels() -> None:
    cat, cw = load_catalogue(), bundled_crosswalk()
    obs = _obs([
        ("610000000", "grp", 2019, 5.0, "B"),                                        # Shymkent absent
        ("100000000", "population_avg", 2015, 600.0, "S01"),                         # Abai without East Kaz.
        ("630000000", "population_avg", 2016, 700.0, "S01"),                         # no other part: kept
        ("110000000", "grp", 2019, 3.0, "B"),                                        # no split
    ])
    obs.index = [7, 7, 3, 0]  # a caller's filtered frame: labels are neither positions nor unique
    out = to_old_map(obs, cw, cat).set_index(["unit", "indicator", "year"])["value"]
    assert out.to_dict() == {("630000000", "population_avg", 2016): 700.0, ("110000000", "grp", 2019): 3.0}

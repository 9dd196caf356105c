"""Border distances and group assignment on 2 workers equal the single-machine result exactly.

The points are SYNTHETIC (seeded, uniform over Kazakhstan's bounding box, made-up kinds and
populations); the border is the bundled Natural Earth 1:10m land border.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.engines import EngineError
from territoria.engines.dask_borders import assign_groups, border_distances
from territoria.groups import BorderIndex
from territoria.groups import assign_groups as local_assign


def synthetic_points(n: int, seed: int = 11) -> pd.DataFrame:
    """SYNTHETIC settlements: 40.5-55.5 N, 46.5-87.5 E; 2 % without coordinates, one with only lat."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    kinds = rng.choice(["village", "town", "settlement", "city"], size=n, p=[0.7, 0.1, 0.15, 0.05])
    population = np.where(kinds == "village", rng.integers(50, 5_000, n), rng.integers(2_000, 300_000, n))
    lat, lon = rng.uniform(40.5, 55.5, n), rng.uniform(46.5, 87.5, n)
    lat[::50] = np.nan
    lon[7] = np.nan
    population = population.astype(float)
    population[::97] = np.nan
    return pd.DataFrame({"kind": kinds, "population": population, "lat": lat, "lon": lon},
                        index=pd.Index([f"P{i:06d}" for i in range(n)], name="code"))


@pytest.fixture(scope="module")
def points() -> pd.DataFrame:
    return synthetic_points(20_000)


def test_border_distances_identical_on_two_workers(client, points):
    index = BorderIndex.bundled()
    local = index.measure(points["lat"].to_numpy(), points["lon"].to_numpy(), index=points.index)
    dist = border_distances(points, border=index, cluster=client, n_partitions=7)
    # bit for bit: the same method on the same points, whatever the partitioning
    pd.testing.assert_frame_equal(dist, local, check_exact=True)
    assert set(dist["side"]) == {"inside", "outside", "off outline", "unknown"}
    assert dist["neighbour"].dropna().nunique() == 5     # China, Kyrgyzstan, Russia, Turkmenistan, Uzbekistan


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.memberships, b.memberships, check_exact=True)
    pd.testing.assert_frame_equal(a.unknown, b.unknown, check_exact=True)
    pd.testing.assert_frame_equal(a.distances, b.distances, check_exact=True)
    assert a.units.equals(b.units) and a.notes == b.notes
    pd.testing.assert_frame_equal(a.flags(), b.flags())


def test_group_assignment_identical_without_support_list(client, points):
    local = local_assign(points)
    dist = assign_groups(points, cluster=client, n_partitions=5)
    _same(local, dist)
    assert any("rural settlements are undecided" in n for n in dist.notes)
    assert (dist.memberships["group"] == "border").sum() > 100


def test_group_assignment_identical_with_list_and_flags(client, points):
    units = points.copy()
    units["is_rural_support"] = pd.array([pd.NA] * len(units), dtype="boolean")
    units.iloc[-5:, units.columns.get_loc("is_rural_support")] = True   # flags only in the last partition
    towns = units.index[units["kind"] == "town"]
    villages = units.index[units["kind"] == "village"]
    listed = pd.DataFrame({"code": [towns[40], villages[9000], towns[3], villages[2]],
                           "citation": ["synthetic", "", "synthetic", "x"]})
    for support in (listed, None):
        _same(local_assign(units, rural_support=support), assign_groups(units, rural_support=support,
                                                                         cluster=client, n_partitions=6))


def test_missing_columns_and_lost_scheduler(points):
    with pytest.raises(Exception, match="lat"):
        border_distances(points.drop(columns="lat"), cluster="tcp://127.0.0.1:9")
    with pytest.raises(EngineError, match=r"127\.0\.0\.1:9"):
        border_distances(points, cluster="tcp://127.0.0.1:9")

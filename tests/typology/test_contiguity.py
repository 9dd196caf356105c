"""Queen contiguity on the bundled polygons, islands, refusal of shared locations, contiguous clusters,
and Moran's I on a toy lattice against esda."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import esda
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from territoria.errors import DataError
from territoria.ingest.boundaries import map_of_year, unit_polygons
from territoria.typology import contiguous_clusters, lisa, moran, shared_locations, unit_weights

NORTH = "590000000"
AKKAYIN, KYZYLZHAR, PETROPAVL = "595800000", "595000000", "591000000"


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return unit_polygons("district")


def touching(frame: gpd.GeoDataFrame, unit: str) -> set[str]:
    """Neighbours read from the geometry itself (shapely), independent of libpysal."""
    geom = frame.geometry[unit]
    # shapely's vectorised intersects: the same predicate on every geometry as a loop of g.intersects(geom)
    return {str(u) for u in frame.index[frame.geometry.intersects(geom)] if u != unit}


def test_queen_neighbours_of_north_kazakhstan_districts(districts):
    w = unit_weights(districts)
    assert not w.islands
    assert set(w.neighbors[AKKAYIN]) == {"594200000", "593600000", "596000000", KYZYLZHAR}
    assert w.neighbors[PETROPAVL] == [KYZYLZHAR]          # the city is an enclave in Kyzylzhar district
    for unit in districts.index[districts["region"] == NORTH]:
        assert set(w.neighbors[unit]) == touching(districts, unit), unit
    assert w.transform == "R" and sum(w.weights[AKKAYIN]) == pytest.approx(1.0)


def test_polygons_follow_the_map_of_the_year():
    assert (map_of_year(2024), map_of_year(2021), map_of_year(2017)) == ("2024", "pre-2022", "pre-2018")
    now, before, older = unit_polygons("region", 2023), unit_polygons("region", 2021), unit_polygons("region", 2015)
    assert len(now) == 20 and len(before) == 17 and len(older) == 16
    assert "X_SOUTH_KAZAKHSTAN" in older.index and "610000000" not in older.index
    east_then, east_now = before.to_crs(6933).area["630000000"], now.to_crs(6933).area["630000000"]
    abai = now.to_crs(6933).area["100000000"]
    assert east_then == pytest.approx(east_now + abai, rel=1e-3)   # East Kazakhstan before June 2022 held Abai
    old = unit_polygons("district", 2015)
    assert old.attrs["attribution"].startswith("geoBoundaries") and "CC BY 4.0" in now.attrs["attribution"]
    assert set(old["region"]) <= set(older.index)
    with pytest.raises(DataError, match="points"):
        unit_polygons("settlement")
    from territoria.ingest.bundled import bundled_sources

    cited = set(now["source_id"]) | set(old["source_id"])
    assert cited == {"S_GEOKZ_ADM2", "S_GEOBOUNDARIES"} and cited <= set(bundled_sources()["source_id"])


def test_units_at_one_location_are_refused_by_name(districts):
    north = districts[districts["region"] == NORTH]
    centre = districts.geometry[PETROPAVL].centroid
    at_city = gpd.GeoDataFrame(index=north.index, geometry=[centre] * len(north), crs=4326)
    with pytest.raises(DataError, match="share one location") as err:
        unit_weights(at_city)
    assert all(unit in str(err.value) for unit in north.index) and "14 unit(s)" in str(err.value)
    twice = pd.concat([north.iloc[:3], north.iloc[:1].set_axis(["X_COPY"])])
    assert shared_locations(twice) == [sorted([north.index[0], "X_COPY"])]
    with pytest.raises(DataError, match="X_COPY"):
        unit_weights(twice)


def test_islands_excluded_or_attached(districts):
    north = districts[districts["region"] == NORTH]
    far = districts[districts["region"] == "470000000"].iloc[:1]      # a Mangystau district: no neighbour here
    frame = pd.concat([north, far])
    island = far.index[0]
    w = unit_weights(frame)
    assert w.islands == [island]
    joined = unit_weights(frame, islands="nearest")
    assert not joined.islands and len(joined.neighbors[island]) == 1
    assert joined.neighbors[island][0] in north.index
    with pytest.raises(DataError, match="islands"):
        unit_weights(frame, islands="drop")


def test_typology_leaves_islands_out_with_a_note(districts):
    from territoria.typology.run import typology_of_result

    north = districts[districts["region"] == NORTH]
    frame = pd.concat([north, districts[districts["region"] == "470000000"].iloc[:1]])
    rng = np.random.default_rng(4)                                        # SYNTHETIC block scores
    blocks = pd.DataFrame(rng.uniform(0, 100, (len(frame), 2)), index=frame.index, columns=["a", "b"])
    blocks["idx"] = blocks.mean(axis=1)

    fake = SimpleNamespace(tables={"aggregated": blocks}, root="idx",
                           tree=pd.DataFrame({"code": ["idx", "a", "b"], "parent": [None, "idx", "idx"]}))
    typ = typology_of_result(fake, units=frame, k=2, n_resamples=5, permutations=99)
    island = frame.index[-1]
    assert typ.table.at[island, "lisa_class"] == "island"
    assert pd.isna(typ.table.at[island, "contiguous_cluster"])
    assert any("island" in n and island in n for n in typ.notes)
    assert typ.table["lisa_class"].notna().all() and "queen" in typ.weights


def test_contiguous_clusters_are_connected(districts):
    north = districts[districts["region"] == NORTH]
    w = unit_weights(north)
    values = pd.DataFrame({"x": np.arange(len(north), dtype=float)}, index=north.index)   # SYNTHETIC
    labels = contiguous_clusters(values, w, 3)
    assert set(labels.dropna()) == {1, 2, 3}
    graph = nx.Graph([(a, b) for a, nb in w.neighbors.items() for b in nb])
    for cluster in (1, 2, 3):
        members = labels.index[labels == cluster]
        assert nx.is_connected(graph.subgraph(members)), cluster


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_moran_on_a_toy_lattice_equals_esda():
    cells = [box(x, y, x + 1, y + 1) for y in range(5) for x in range(5)]     # SYNTHETIC 5 x 5 lattice
    grid = gpd.GeoDataFrame(index=[f"c{i:02d}" for i in range(25)], geometry=cells, crs=4326)
    values = pd.Series([x + y for y in range(5) for x in range(5)], index=grid.index, dtype=float)
    w = unit_weights(grid)
    assert len(w.neighbors["c12"]) == 8 and len(w.neighbors["c00"]) == 3        # queen, not rook
    ours = moran(values, w, permutations=99, seed=1)
    ref = esda.Moran(values.to_numpy(), w, permutations=0)
    assert abs(ours.I - ref.I) < 1e-12 and ours.I > 0.5
    local = lisa(values, w, permutations=99, seed=1)
    assert local["Is"].to_numpy() == pytest.approx(esda.Moran_Local(values.to_numpy(), w, permutations=0).Is)


_REPO = Path(__file__).resolve().parents[2]
SHARED = next((p / "shared/data/units/adm2_2024_geokz.geojson" for p in (_REPO.parent, _REPO.parents[1])
               if (p / "shared/data/units/adm2_2024_geokz.geojson").exists()), Path("/nonexistent"))


@pytest.mark.skipif(not SHARED.exists(), reason="needs the shared original boundary file")
def test_simplified_districts_keep_the_contiguity_of_the_original(districts):
    original = gpd.read_file(SHARED).set_index("KATO")
    original.index = original.index.astype(str)
    w = unit_weights(districts)  # built once: it used to be rebuilt for every unit compared
    for unit in districts.index[districts["region"].isin([NORTH, "390000000"])]:
        assert set(w.neighbors[unit]) == touching(original, unit), unit


def test_typology_with_too_few_connected_units_skips_moran_with_a_note(districts):
    from territoria.typology.run import typology_of_result

    apart = pd.concat([districts[districts["region"] == r].iloc[:1] for r in (NORTH, "470000000", "750000000",
                                                                               "610000000")])
    rng = np.random.default_rng(2)                                        # SYNTHETIC block scores
    blocks = pd.DataFrame(rng.uniform(0, 100, (4, 2)), index=apart.index, columns=["a", "b"])
    blocks["idx"] = blocks.mean(axis=1)
    fake = SimpleNamespace(tables={"aggregated": blocks}, root="idx",
                           tree=pd.DataFrame({"code": ["idx", "a", "b"], "parent": [None, "idx", "idx"]}))
    typ = typology_of_result(fake, units=apart, k=2, n_resamples=5, permutations=99)
    assert typ.moran is None and (typ.table["lisa_class"] == "island").all()
    assert any("need 3 or more" in n for n in typ.notes)

"""Border distance: synthetic segments worked by hand with pyproj.Geod, and the real Natural Earth border."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import shape

from territoria.errors import DataError
from territoria.groups import BorderIndex
from territoria.ingest.bundled import border_lines

GEOD = Geod(ellps="WGS84")


def _fc(features):
    return {"type": "FeatureCollection", "features": features}


def _line(coords, neighbour="Testland"):
    return {"type": "Feature", "properties": {"neighbour": neighbour},
            "geometry": {"type": "LineString", "coordinates": coords}}


def _dense_min(lat, lon, coords, step=2000):
    """Independent check: geodesic distance from the point to many points along each straight piece."""
    best = np.inf
    for (lon0, lat0), (lon1, lat1) in itertools.pairwise(coords):
        t = np.linspace(0, 1, step)
        _, _, d = GEOD.inv(np.full(step, lon), np.full(step, lat), lon0 + t * (lon1 - lon0), lat0 + t * (lat1 - lat0))
        best = min(best, d.min())
    return best / 1000


def test_distance_to_a_meridian_segment_matches_a_dense_geodesic_search():
    # synthetic border: the meridian 70 E between 50 and 52 N (a straight line in the conic, too)
    index = BorderIndex.from_geojson(_fc([_line([[70.0, 50.0], [70.0, 52.0]])]))
    out = index.measure([51.0, 51.0, 49.5], [70.5, 69.0, 70.0])
    expected = [_dense_min(51.0, 70.5, [[70.0, 50.0], [70.0, 52.0]], step=20001),
                _dense_min(51.0, 69.0, [[70.0, 50.0], [70.0, 52.0]], step=20001)]
    assert out["distance_km"].iloc[0] == pytest.approx(expected[0], abs=0.005)
    assert out["distance_km"].iloc[1] == pytest.approx(expected[1], abs=0.005)
    # about half a degree of longitude at 51 N: 0.5 * 111.32 * cos(51 deg) ~ 35 km
    assert 34.5 < out["distance_km"].iloc[0] < 35.5
    # below the segment's end the nearest point is the end vertex: distance (70, 49.5)-(70, 50) along a meridian
    _, _, d = GEOD.inv(70.0, 49.5, 70.0, 50.0)
    assert out["distance_km"].iloc[2] == pytest.approx(d / 1000, abs=1e-6)
    assert out.loc[2, ["border_lat", "border_lon"]].tolist() == pytest.approx([50.0, 70.0], abs=1e-9)
    assert (out["neighbour"] == "Testland").all()


def test_a_point_on_the_border_is_at_zero_km():
    index = BorderIndex.from_geojson(_fc([_line([[70.0, 50.0], [70.0, 52.0]])]))
    assert index.measure([51.0], [70.0])["distance_km"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    real = BorderIndex.bundled()
    vertex = shapely.get_coordinates(shape(border_lines()["features"][0]["geometry"]))[100]
    out = real.measure([vertex[1]], [vertex[0]])
    assert out["distance_km"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert out["neighbour"].iloc[0] == "Russia"


def test_the_nearest_of_two_neighbours_is_named():
    index = BorderIndex.from_geojson(_fc([_line([[70.0, 50.0], [70.0, 52.0]], "West"),
                                          _line([[71.0, 50.0], [71.0, 52.0]], "East")]))
    out = index.measure([51.0, 51.0], [70.4, 70.6])
    assert out["neighbour"].tolist() == ["West", "East"]


def test_real_border_agrees_with_a_brute_force_geodesic_search():
    features = border_lines()["features"]
    lines = [(f["properties"]["neighbour"], shapely.get_coordinates(part))
             for f in features for part in shapely.get_parts(shape(f["geometry"]))]
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(41, 55, 12), rng.uniform(50, 85, 12)
    out = BorderIndex.bundled().measure(lat, lon)
    for i in range(len(lat)):
        best = min((_dense_min(lat[i], lon[i], coords.tolist(), step=40), name) for name, coords in lines)
        assert out["distance_km"].iloc[i] == pytest.approx(best[0], abs=0.05), i
        assert out["neighbour"].iloc[i] == best[1]


def test_outside_point_is_flagged_with_the_country_it_lies_in():
    out = BorderIndex.bundled().measure([54.98, 51.0], [73.37, 71.4], index=["omsk", "astana"])
    assert out.loc["omsk", "side"] == "outside"
    assert out.loc["omsk", "status"] == "outside Kazakhstan (in Russia)"
    assert out.loc["omsk", "distance_km"] > 50
    assert out.loc["astana", "side"] == "inside" and out.loc["astana", "status"] == "measured"


def test_missing_coordinates_are_kept_as_distance_unknown():
    out = BorderIndex.bundled().measure([np.nan, 54.9, np.nan], [np.nan, 70.4, 70.0], index=["a", "b", "c"])
    assert list(out.index) == ["a", "b", "c"]
    assert out.loc[["a", "c"], "status"].eq("distance unknown").all()
    assert out.loc[["a", "c"], "distance_km"].isna().all()
    assert out.loc["b", "status"] == "measured"


@pytest.mark.parametrize(("border", "message"), [
    (_fc([]), "no features"),
    ({"type": "Feature"}, "FeatureCollection"),
    (_fc([{"type": "Feature", "properties": {"neighbour": "X"}, "geometry": None}]), "no geometry"),
    (_fc([{"type": "Feature", "properties": {"neighbour": "X"},
           "geometry": {"type": "Point", "coordinates": [70, 50]}}]), "Point"),
    (_fc([_line([[500000.0, 6000000.0], [510000.0, 6000000.0]])]), "CRS missing"),
    ({**_fc([_line([[70, 50], [70, 52]])]), "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}},
     "not WGS 84"),
    (_fc([{"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
                                                           "coordinates": [[70, 50], [70, 52]]}}]), "neighbour"),
])
def test_bad_border_input_is_refused_clearly(border, message):
    with pytest.raises(DataError, match=message):
        BorderIndex.from_geojson(border)


def test_invalid_polygon_is_refused_unless_repair_is_asked():
    bowtie = {"type": "Feature", "properties": {"name": "Kazakhstan"},
              "geometry": {"type": "Polygon", "coordinates": [[[60, 45], [70, 50], [70, 45], [60, 50], [60, 45]]]}}
    border = _fc([_line([[70.0, 50.0], [70.0, 52.0]])])
    with pytest.raises(DataError, match="invalid polygon"):
        BorderIndex.from_geojson(border, polygons=_fc([bowtie]))
    index = BorderIndex.from_geojson(border, polygons=_fc([bowtie]), repair=True)
    assert "repaired" in index.notes[0]


def test_a_frame_without_crs_is_refused():
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import LineString

    frame = gpd.GeoDataFrame({"neighbour": ["X"]}, geometry=[LineString([(70, 50), (70, 52)])])
    with pytest.raises(DataError, match="CRS missing"):
        BorderIndex.from_frame(frame)
    projected = frame.set_crs(4326).to_crs(3857)
    index = BorderIndex.from_frame(projected)                 # re-projected to WGS 84 on the way in
    assert index.measure([51.0], [70.0])["distance_km"].iloc[0] == pytest.approx(0.0, abs=1e-3)


def test_coordinates_out_of_range_are_an_error_naming_the_unit():
    with pytest.raises(DataError, match="u2"):
        BorderIndex.bundled().measure([50.0, 95.0], [70.0, 70.0], index=pd.Index(["u1", "u2"]))

"""Choropleth maps of regions and districts render with their legend words and real pixels."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.image import imread

from territoria.errors import DataError
from territoria.ingest.boundaries import unit_polygons
from territoria.report.maps import map_word, plot_choropleth


def test_district_choropleth_has_coloured_polygons(tmp_path):
    districts = unit_polygons("district")
    grades = ["crisis", "depressive", "vulnerable", "stable", "developing"]
    districts["level"] = [grades[i % 5] for i in range(len(districts))]              # SYNTHETIC grades
    districts.loc[districts.index[:5], "level"] = None
    path = plot_choropleth(districts, tmp_path / "districts.png", column="level", lang="ru")
    pixels = imread(path)[..., :3]
    assert pixels.shape[0] > 400
    crisis_red = np.array([0xB2, 0x18, 0x2B]) / 255                                  # LEVEL_COLOURS["crisis"]
    share_red = np.all(np.abs(pixels - crisis_red) < 0.02, axis=-1).mean()
    share_white = np.all(pixels > 0.99, axis=-1).mean()
    assert share_red > 0.01 and share_white < 0.8
    assert len(np.unique((pixels * 255).astype(int).reshape(-1, 3), axis=0)) > 20


def test_region_index_map_and_settlement_points(tmp_path):
    regions = unit_polygons("region", 2021)
    regions["index"] = np.linspace(20, 80, len(regions))                             # SYNTHETIC scores
    svg = plot_choropleth(regions, tmp_path / "regions.svg", column="index", lang="kk").read_text(encoding="utf-8")
    assert "<svg" in svg and svg.count("<path") > 20
    towns = regions.iloc[:3].representative_point().to_frame("geometry").set_geometry("geometry")
    towns["level"] = ["crisis", "stable", "developing"]                               # SYNTHETIC points
    png = plot_choropleth(regions.assign(level=None), tmp_path / "towns.png", column="level", points=towns)
    assert png.stat().st_size > 20_000
    with pytest.raises(DataError, match="missing"):
        plot_choropleth(regions, tmp_path / "x.png", column="nope")


def test_map_words_in_three_languages():
    assert (map_word("district", "ru"), map_word("district", "kk"), map_word("district", "en")) == (
        "Районы", "Аудандар", "Districts")
    assert map_word("crisis", "ru") == "кризисный"


def test_report_point_map_becomes_a_choropleth_for_regions_and_districts():
    import pandas as pd

    from territoria.report.geomap import point_map

    north = unit_polygons("district").query("region == '590000000'")
    frame = pd.DataFrame({"unit": north.index, "name": north["name_ru"], "lat": 54.0, "lon": 69.0,  # SYNTHETIC
                          "level": ["crisis", "stable"] * 7})
    fig = point_map(frame, color="level", names={"crisis": "кризисный", "stable": "стабильный"})
    filled = [t for t in fig.data if t.fill == "toself" and t.name]
    assert {t.name for t in filled} >= {"кризисный (7)", "стабильный (7)"}
    assert any("geokz" in a.text for a in fig.layout.annotations)
    unrated = frame.assign(level=["crisis", None] * 7)     # polygons without a grade: the reader's word for them
    fig = point_map(unrated, color="level", names={"crisis": "кризисный"}, no_data="нет оценки")
    labels = {t.name.rsplit(" (", 1)[0]: t.name for t in fig.data if t.fill == "toself" and t.name}
    assert labels["кризисный"] == "кризисный (7)" and "нет оценки" in labels and "–" not in labels
    towns = frame.assign(unit=["595220100"] * 14)                       # not a polygon: points as before
    assert not [t for t in point_map(towns, color="level").data if t.fill == "toself" and t.name]


def test_points_over_background_regions_count_only_the_points(tmp_path):
    import matplotlib

    regions = unit_polygons("region", 2021)
    towns = regions.iloc[:3].representative_point().to_frame("geometry").set_geometry("geometry")
    towns["level"] = ["crisis", None, "stable"]                                        # SYNTHETIC points
    towns["name"] = ["Town A", "Town B", "Town C"]
    with matplotlib.rc_context({"svg.fonttype": "none"}):                                # text stays text
        svg = plot_choropleth(regions.assign(level=None), tmp_path / "towns.svg", column="level", lang="en",
                              points=towns, categorical=True).read_text(encoding="utf-8")
    # The 20 regions are the background, not "no data": only the town without a grade is counted.
    assert "no data (1)" in svg and f"no data ({len(regions)})" not in svg
    assert all(name in svg for name in ("Town A", "Town B", "Town C"))


def test_polygon_traces_write_plain_coordinate_lists_with_gaps_between_rings():
    """The polygons' coordinates reach the page's JSON as numbers with null between rings (plotly.js draws
    each ring apart), exactly the shapely rings rounded to 3 decimals, never as a binary typed array."""
    import json

    import pandas as pd

    from territoria.report.geomap import point_map

    north = unit_polygons("district").query("region == '590000000'")
    frame = pd.DataFrame({"unit": north.index, "name": north["name_ru"], "lat": 54.0, "lon": 69.0,  # SYNTHETIC
                          "level": "crisis"})
    data = json.loads(point_map(frame, color="level").to_json())["data"]
    filled = next(t for t in data if t.get("fill") == "toself" and t.get("name"))
    assert isinstance(filled["x"], list) and isinstance(filled["y"], list)
    expected: list[float | None] = []
    for geometry in north.geometry:
        for polygon in getattr(geometry, "geoms", [geometry]):
            for ring in (polygon.exterior, *polygon.interiors):
                expected += [round(v, 3) for v in ring.xy[0]] + [None]
    assert filled["x"] == expected

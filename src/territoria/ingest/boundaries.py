"""Reader of the bundled unit polygons (``territoria/data/geo/*.geojson.gz``) as GeoDataFrames keyed by KATO.

The files are built by ``scripts/build_boundaries.py`` from ``shared/data/units`` (see ``data/SOURCES.md``):

* ``adm2_2024.geojson.gz`` — today's 224 districts, city administrations and city districts (geokz by
  A. Rodionov, CC BY 4.0), simplified as a coverage so that neighbours keep touching;
* ``adm1_2024.geojson.gz`` — the 20 regions and cities of republican significance, dissolved from those
  districts (same licence, same edges);
* ``adm2_pre2022.geojson.gz`` — geoBoundaries ADM2 (CC BY 4.0), the older division of 14 oblasts (before
  2018), keyed by the KATO code of 2022 where the name matched (138 of 174) and ``GB:<name>`` otherwise.

A year is drawn on the map of its own borders (:func:`map_of_year`): from 2022 the current map; 2018–2021
the regions before the June 2022 split (East Kazakhstan with Abai, Almaty region with Jetisu, Karaganda
with Ulytau, dissolved along the crosswalk's ``split_part`` rows); up to 2017 also South Kazakhstan
(``X_SOUTH_KAZAKHSTAN``) = Turkistan + Shymkent. Districts before 2022 use the geoBoundaries layer.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

import geopandas as gpd
import shapely

from territoria.errors import DataError
from territoria.ingest.bundled import bundled_crosswalk, bundled_units

__all__ = ["ATTRIBUTION", "MAPS", "map_of_year", "unit_polygons"]

#: Attribution to print on every map drawn from these polygons, per map.
ATTRIBUTION = {
    "2024": "geokz (A. Rodionov), CC BY 4.0",
    "pre-2022": "geokz (A. Rodionov), CC BY 4.0",
    "pre-2018": "geokz (A. Rodionov), CC BY 4.0",
    "district-old": "geoBoundaries (Runfola et al. 2020), CC BY 4.0",
}
#: Maps the polygons exist for.
MAPS = ("2024", "pre-2022", "pre-2018")
_FILES = {("region", "2024"): "adm1_2024.geojson.gz", ("district", "2024"): "adm2_2024.geojson.gz",
          ("district", "old"): "adm2_pre2022.geojson.gz"}
_SOURCES = {"adm1_2024.geojson.gz": "S_GEOKZ_ADM2", "adm2_2024.geojson.gz": "S_GEOKZ_ADM2",
            "adm2_pre2022.geojson.gz": "S_GEOBOUNDARIES"}


def map_of_year(year: int | None) -> str:
    """The map a year's figures are published on: ``"2024"`` (from 2022 or no year), ``"pre-2022"``
    (2018–2021) or ``"pre-2018"`` (2017 and earlier)."""
    if year is None or year >= 2022:
        return "2024"
    return "pre-2022" if year >= 2018 else "pre-2018"


@cache
def _read(name: str) -> gpd.GeoDataFrame:
    with resources.as_file(resources.files("territoria").joinpath("data", "geo", name)) as path:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    frame = gpd.read_file(text)
    frame = frame.astype({"kato": str, "region": str}).set_index("kato").rename_axis("unit")
    frame["source_id"] = _SOURCES[name]
    return frame


def _splits(year_map: str) -> dict[str, str]:
    """New region code -> the old region it was part of on ``year_map`` (crosswalk ``split_part`` rows:
    those of June 2022 for ``"pre-2022"``, also those of 2018 for ``"pre-2018"``)."""
    cross = bundled_crosswalk()
    parts = cross[(cross["change_type"] == "split_part") & (cross["old_code"] != cross["new_code"])]
    if year_map == "pre-2022":
        parts = parts[parts["date"] >= "2022"]
    elif year_map != "pre-2018":
        return {}
    return dict(zip(parts["new_code"], parts["old_code"], strict=True))


@cache  # the union of the bundled polygons is the same every time (50 ms); callers get a copy
def _old_regions(year_map: str) -> gpd.GeoDataFrame:
    current = _read(_FILES[("region", "2024")])
    mapping = _splits(year_map)
    target = current.index.to_series().map(lambda c: mapping.get(c, c))
    geoms = current.geometry.groupby(target).agg(lambda g: shapely.coverage_union_all(g.to_numpy()))
    units = bundled_units().set_index("code")
    names = units.reindex(geoms.index)[["name_ru", "name_kk", "name_en"]]
    kept = current.reindex(geoms.index)[["name_ru", "name_kk", "name_en"]]
    names = kept.where(kept.notna(), names)
    out = gpd.GeoDataFrame(names.assign(region=geoms.index, source_id=current["source_id"].iloc[0]),
                           geometry=geoms.to_numpy(), crs=current.crs)
    return out.rename_axis("unit")


def unit_polygons(level: str = "region", year: int | None = None) -> gpd.GeoDataFrame:
    """Polygons of the ``level`` (``"region"`` or ``"district"``) on the map of ``year``.

    Returns
    -------
    GeoDataFrame
        Index ``unit`` (KATO code; ``GB:<name>`` for an old district without a match): ``name_ru``,
        ``name_kk``, ``name_en``, ``region`` (the region's code on the same map), ``source_id``,
        ``geometry`` (EPSG:4326); ``attrs["map"]`` and ``attrs["attribution"]`` say which map and whom to
        credit. Settlements have no polygons: use their points.
    """
    if level not in ("region", "district"):
        raise DataError(f"boundaries: level {level!r} has no polygons; expected 'region' or 'district' "
                        "(settlements are drawn as points)")
    year_map = map_of_year(year)
    if level == "region":
        frame = (_read(_FILES[("region", "2024")]) if year_map == "2024" else _old_regions(year_map)).copy()
        attribution = ATTRIBUTION[year_map]
    elif year_map == "2024":
        frame = _read(_FILES[("district", "2024")]).copy()
        attribution = ATTRIBUTION["2024"]
    else:
        frame = _read(_FILES[("district", "old")]).copy()
        mapping = _splits(year_map)
        frame["region"] = frame["region"].map(lambda c: mapping.get(c, c))
        attribution = ATTRIBUTION["district-old"]
    frame.attrs.update({"map": year_map, "attribution": attribution, "level": level})
    return frame

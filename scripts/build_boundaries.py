"""Build the bundled, simplified boundary files in ``src/territoria/data/geo/`` from the shared sources.

Run from the repository root: ``python scripts/build_boundaries.py [SHARED_UNITS_DIR]`` (default
``../shared/data/units``). Each layer is made valid, cleaned into a polygonal coverage
(:func:`shapely.coverage_clean`: slivers and tiny overlaps between neighbours removed), simplified as a
coverage (:func:`shapely.coverage_simplify`, Visvalingam–Whyatt on the shared edges, so neighbours keep
touching) and rounded to 4 decimals (about 10 m). The script checks that the queen contiguity
(:class:`libpysal.weights.Queen`) of the simplified layer equals the contiguity read from the original
(polygons that touch or overlap) and stops otherwise.
"""

from __future__ import annotations

import gzip
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from libpysal.weights import Queen

OUT = Path(__file__).resolve().parents[1] / "src" / "territoria" / "data" / "geo"
TOLERANCE = 0.01  # degrees; coverage_simplify's Visvalingam-Whyatt area tolerance is tolerance**2


def _queen(frame: gpd.GeoDataFrame) -> dict[str, set[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = Queen.from_dataframe(frame, ids=frame["kato"].tolist(), use_index=False)
    return {k: set(v) for k, v in w.neighbors.items()}


def _touching(frame: gpd.GeoDataFrame) -> dict[str, set[str]]:
    """Neighbours read from the geometry itself: polygons that touch or overlap (slivers included)."""
    geoms = shapely.make_valid(frame.geometry.to_numpy())
    left, right = gpd.GeoSeries(geoms).sindex.query(geoms, predicate="intersects")
    codes = frame["kato"].to_numpy()
    out: dict[str, set[str]] = {c: set() for c in codes}
    for i, j in zip(left, right, strict=True):
        if i != j:
            out[codes[i]].add(codes[j])
    return out


def _simplify(frame: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    geoms = shapely.make_valid(frame.geometry.to_numpy())
    geoms = shapely.coverage_clean(geoms)
    geoms = shapely.coverage_simplify(geoms, tolerance)
    geoms = shapely.set_precision(geoms, 1e-4)
    geoms = shapely.make_valid(geoms)
    out = frame.copy()
    out["geometry"] = geoms
    return out


def _write(frame: gpd.GeoDataFrame, name: str, tolerance: float = TOLERANCE, *,
           simplify: bool = True) -> gpd.GeoDataFrame:
    queen = _queen(frame)
    before = _touching(frame)
    extra = sorted((a, b) for a, nb in before.items() for b in nb if b not in queen[a] and a < b)
    small = _simplify(frame, tolerance) if simplify else frame
    after = _queen(small)
    lost = {(a, b) for a, nb in before.items() for b in nb if b not in after.get(a, set())}
    gained = {(a, b) for a, nb in after.items() for b in nb if b not in before.get(a, set())}
    if lost or gained:
        raise SystemExit(f"{name}: contiguity changed by simplification: lost {sorted(lost)[:10]}, "
                         f"gained {sorted(gained)[:10]}")
    text = small.to_json(drop_id=True, to_wgs84=True)
    (OUT / name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    nv = int(shapely.get_num_coordinates(small.geometry.to_numpy()).sum())
    print(f"{name}: {len(small)} units, {nv} vertices, {len(text) // 1024} KiB json, "
          f"{(OUT / name).stat().st_size // 1024} KiB gz; queen pairs of the simplified layer = touching pairs of "
          f"the original ({sum(map(len, after.values())) // 2}); pairs the original's queen missed (overlap "
          f"without a shared vertex): {extra}", flush=True)
    return small


def main(src: Path) -> None:
    units = pd.read_csv(src / "units.csv", dtype={"kato": str, "parent_kato": str})[
        ["kato", "name_ru", "name_kk", "name_en"]].set_index("kato")
    adm2 = gpd.read_file(src / "adm2_2024_geokz.geojson")
    adm2 = gpd.GeoDataFrame({
        "kato": adm2["KATO"].astype(str), "name_ru": adm2["ADM2_RU"], "name_kk": adm2["ADM2_KK"],
        "name_en": adm2["ADM2_EN"], "region": adm2["KATO"].astype(str).str[:2] + "0000000",
    }, geometry=adm2.geometry, crs=adm2.crs)
    # city districts of Astana / Almaty / Shymkent: their region is the city (71/75/79)
    small = _write(adm2, "adm2_2024.geojson.gz")
    # regions: the simplified district coverage dissolved by the region's two KATO digits, so region and
    # district maps share their edges and the regions carry the districts' CC BY 4.0 licence
    adm1 = gpd.read_file(src / "adm1.geojson")[["kato", "name_ru", "name_kk", "name_en"]].set_index("kato")
    regions = small.groupby("region").geometry.agg(lambda g: shapely.coverage_union_all(g.to_numpy()))
    regions = gpd.GeoDataFrame(adm1.reindex(regions.index).rename_axis("kato").reset_index().assign(
        region=regions.index), geometry=regions.to_numpy(), crs=small.crs)
    if regions["name_ru"].isna().any():
        raise SystemExit(f"regions without a name: {regions.loc[regions['name_ru'].isna(), 'kato'].tolist()}")
    _write(regions, "adm1_2024.geojson.gz", simplify=False)
    print("region queen pairs equal to those of the shared adm1 layer:", _queen(regions) == _queen(
        adm1.reset_index().pipe(gpd.GeoDataFrame, geometry=gpd.read_file(src / "adm1.geojson").geometry)))

    old = gpd.read_file(src / "adm2_geoboundaries.geojson")
    match = old["kato_2022_name_match"].astype("string").replace("", pd.NA)
    code = match.fillna("GB:" + old["shapeName"].astype(str))
    old = gpd.GeoDataFrame({
        "kato": code, "name_ru": match.map(units["name_ru"]), "name_kk": match.map(units["name_kk"]),
        "name_en": old["shapeName"], "region": old["region_kato_2022"].astype(str),
    }, geometry=old.geometry, crs=old.crs)
    if old["kato"].duplicated().any():
        raise SystemExit(f"geoBoundaries: duplicated codes {old.loc[old['kato'].duplicated(), 'kato'].tolist()}")
    _write(old, "adm2_pre2022.geojson.gz")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared/data/units")

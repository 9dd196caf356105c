"""Integrity of the bundled real data and of the readers (real data; published values)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from territoria.catalog.catalogue import load_catalogue
from territoria.ingest import bundled


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return bundled.bundled_observations()


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return bundled.bundled_units()


def test_columns_follow_the_contract(obs: pd.DataFrame, units: pd.DataFrame) -> None:
    assert list(obs.columns) == ["unit", "indicator", "year", "value", "source_id", "note"]
    assert list(units.columns) == bundled.UNIT_COLUMNS
    assert list(bundled.bundled_sources().columns) == bundled.SOURCE_COLUMNS
    assert list(bundled.bundled_crosswalk().columns) == bundled.CROSSWALK_COLUMNS


def test_every_key_unique_and_known(obs: pd.DataFrame, units: pd.DataFrame) -> None:
    assert not obs.duplicated(["unit", "indicator", "year"]).any()
    cat = load_catalogue()
    assert set(obs["indicator"]) <= set(cat.ids)
    assert set(obs["unit"]) <= set(units["code"])
    sources = set(bundled.bundled_sources()["source_id"])
    assert set(obs["source_id"]) <= sources
    unit_sources = {s for v in units["source_id"] for s in v.split(";") if s}
    assert unit_sources <= sources
    assert obs["value"].notna().all()


def test_units_levels_flags_and_history(units: pd.DataFrame) -> None:
    u = units.set_index("code")
    assert u.loc["KZ", "level"] == "country" and u.loc["590000000", "level"] == "region"
    assert u.loc["593600000", "level"] == "district" and u.loc["593620100", "level"] == "settlement"
    assert u.loc["X_SOUTH_KAZAKHSTAN", "valid_to"] == "2018-06"
    assert u.loc["593620100", "is_district_centre"] and u.loc["595220100", "is_district_centre"]
    assert u.loc["103230100", "is_district_centre"]                      # с.Карааул, pattern ....30100
    assert not u.loc["591010000", "is_district_centre"]
    assert u.loc["632410000", "is_single_industry"] and u["is_single_industry"].sum() == 17
    assert u["is_rural_support"].isna().all()
    assert len(units) > 16_264 and units["code"].is_unique


def test_seed_town_tables_equal_the_printed_tables(obs: pd.DataFrame) -> None:
    """Turkeeva, Omarov & Abilkaiyr (2022), Tables 1 (Bulaevo) and 2 (Mamlyutka)."""
    v = obs.set_index(["unit", "indicator", "year"])["value"]
    assert v[("593620100", "population_reported", 2015)] == 7666
    assert v[("593620100", "avg_monthly_nominal_wage", 2020)] == 135090
    assert v[("593620100", "agricultural_output_per_capita", 2018)] == pytest.approx(398.4)
    assert v[("593620100", "unemployment_rate", 2020)] == pytest.approx(5.0)
    assert v[("595220100", "net_migration", 2016)] == -44
    assert v[("595220100", "employed_population", 2020)] == 3637
    assert v[("595220100", "industrial_output_per_capita", 2019)] == pytest.approx(308.1)
    budget = obs[(obs["unit"] == "595220100") & (obs["indicator"] == "local_budget_financing_per_capita")]
    assert budget.set_index("year")["value"].to_dict() == pytest.approx(
        {2017: 4.7, 2018: 7.0, 2019: 24.5, 2020: 0.0633})                  # 2020 printed as "63.3 tenge"
    assert "63.3 tenge" in budget.loc[budget["year"] == 2020, "note"].iloc[0]
    town = obs[obs["unit"].isin(["593620100", "595220100"]) & (obs["source_id"] == "SEED_002")]
    assert len(town) == 88


def test_published_regional_values(obs: pd.DataFrame) -> None:
    v = obs.set_index(["unit", "indicator", "year"])["value"]
    assert v[("590000000", "natural_increase", 2019)] == 181              # BNS table 6547
    assert v[("550000000", "gva_c", 2020)] == pytest.approx(838945.7)      # BNS table 5927, million tenge
    assert v[("230000000", "grp_per_capita_prelim", 2022)] == pytest.approx(20541.2)   # seed 004
    assert v[("230000000", "grp_per_capita", 2022)] == pytest.approx(19974.1)           # BNS final (S02)
    # employed population is stored in persons (S01 publishes thousands)
    assert v[("KZ", "employed_population", 2019)] > 8_000_000


def test_seed_depressed_units() -> None:
    dep = bundled.seed_depressed_units()
    s000 = dep[dep["seed"] == "000"]
    assert len(s000) == 35 and s000["region_in_seed"].nunique() == 6
    assert set(s000.loc[s000["region_in_seed"] == "Zhambyl region", "code"]) == {
        "316000000", "316200000", "315600000", "314000000", "316020100", "316220100"}
    assert set(dep.loc[dep["seed"] == "002", "code"]) == {"593620100", "595220100", "596020100", "595620100"}
    assert set(dep["code"]) <= set(bundled.bundled_units()["code"])


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_border_has_five_neighbours_and_bulaevo_is_near_russia(units: pd.DataFrame) -> None:
    border = bundled.border_lines()
    names = {f["properties"]["neighbour"] for f in border["features"]}
    assert names == {"Russia", "China", "Kyrgyzstan", "Uzbekistan", "Turkmenistan"}
    assert "Natural Earth" in border["attribution"]
    polys = bundled.neighbour_polygons()
    assert {f["properties"]["name"] for f in polys["features"]} == names | {"Kazakhstan"}
    russia = next(f for f in border["features"] if f["properties"]["neighbour"] == "Russia")
    points = [p for line in russia["geometry"]["coordinates"] for p in line]
    u = units.set_index("code")

    def nearest(code: str) -> float:
        lat, lon = u.loc[code, "lat"], u.loc[code, "lon"]
        return min(_haversine_km(lat, lon, y, x) for x, y in points)

    assert nearest("593620100") < 50                                     # Bulaevo: a border town
    assert nearest("591010000") < 100                                    # Petropavlovsk
    assert nearest("471810000") > 300                                    # Zhanaozen: far from Russia


def test_geonames_places_from_installed_package() -> None:
    places = bundled.geonames_places()
    assert len(places) == 351 and places["code"].str.startswith("GN").all()
    p = places.set_index("code")
    assert p.loc["GN1525014", "kato"] == "593620100"                      # Bulayevo
    assert p.loc["GN1521153", "kato"] == "595220100"                      # Mamlyutka
    assert p.loc["GN607610", "kato"] == "471810000"                       # Zhanaozen
    assert p.loc["GN1525014", "name_ru"] == "Булаево"

"""Shared fixtures. Everything built here is synthetic unless a docstring says otherwise."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from territoria.catalog.catalogue import Catalogue

# The CLI sizes its tables once, at import, from COLUMNS (160 when not on a terminal). pytest-xdist's workers
# inherit COLUMNS=80, which would wrap every table the CLI tests read; give them the width of a plain run.
os.environ["COLUMNS"] = "160"


@pytest.fixture
def small_catalogue() -> Catalogue:
    """A synthetic three-indicator catalogue (not the package's)."""
    return Catalogue.from_mapping({"version": 1, "indicators": [
        {"id": "population", "name": {"en": "Population", "ru": "Численность населения"},
         "unit": {"en": "persons", "ru": "человек"}, "additive": True},
        {"id": "avg_wage", "name": {"en": "Average monthly nominal wage", "ru": "Среднемесячная заработная плата"},
         "unit": {"en": "tenge", "ru": "тенге"}, "accepts_units": {"tenge": 1, "thousand tenge": 1000}},
        {"id": "unemployment_rate", "name": {"en": "Unemployment rate", "ru": "Уровень безработицы"},
         "unit": {"en": "%"}, "block": "economic", "direction": -1, "kind": "as_published"},
    ]})


@pytest.fixture
def small_units() -> pd.DataFrame:
    """Real codes and names of North Kazakhstan units (KATO 2022), other columns left empty."""
    return pd.DataFrame([
        {"code": "KZ", "parent": None, "level": "country", "kind": "country", "name_en": "Kazakhstan",
         "name_ru": "Республика Казахстан"},
        {"code": "590000000", "parent": "KZ", "level": "region", "kind": "region",
         "name_en": "North Kazakhstan Region", "name_ru": "Северо-Казахстанская область"},
        {"code": "593620100", "parent": "593600000", "level": "settlement", "kind": "town",
         "name_en": "Bulaevo", "name_ru": "г.Булаево"},
        {"code": "595220100", "parent": "595200000", "level": "settlement", "kind": "village",
         "name_en": "Mamlyutka", "name_ru": "г.Мамлютка"},
    ])


@pytest.fixture(scope="session")
def bundled_store_path(tmp_path_factory):
    """A Store filled once per test session with the package's bundled real data (read it, copy to write)."""
    from territoria.store import Store
    from territoria.store.bundle import load_bundled

    path = tmp_path_factory.mktemp("bundled") / "bundled.duckdb"
    with Store(path) as store:
        load_bundled(store)
    return path

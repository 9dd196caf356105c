"""Shared fixtures. Everything built here is synthetic unless a docstring says otherwise."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from file_order import heaviest_first
from territoria.catalog.catalogue import Catalogue

# The CLI sizes its tables once, at import, from COLUMNS (160 when not on a terminal). pytest-xdist's workers
# inherit COLUMNS=80, which would wrap every table the CLI tests read; give them the width of a plain run.
os.environ["COLUMNS"] = "160"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files heaviest first, each file's tests in their order (tests/file_order.py says why)."""
    heaviest_first(items)


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


@dataclass(frozen=True)
class BundledLoad:
    """The session's bundled Store (``path``) and what ``territoria load-bundled`` printed making it."""

    path: Path
    exit_code: int
    output: str


@pytest.fixture(scope="session")
def bundled_load(tmp_path_factory) -> BundledLoad:
    """A new Store filled once per test session (per xdist worker) with the package's bundled real data by
    the ``load-bundled`` command, in-process; tests/interfaces/test_cli_data.py checks that command on it
    instead of loading the bundle a second time."""
    from typer.testing import CliRunner

    from territoria.interfaces.cli import app
    from territoria.interfaces.output import record_command

    path = tmp_path_factory.mktemp("bundled") / "bundled.duckdb"
    assert not path.exists()
    res = CliRunner().invoke(app, ["--db", str(path), "load-bundled"])
    record_command([])  # the command is forgotten: a workbook written later by a test names no command
    assert res.exit_code == 0, res.output
    return BundledLoad(path, res.exit_code, res.output)


@pytest.fixture(scope="session")
def bundled_store_path(bundled_load: BundledLoad) -> Path:
    """The session's Store holding the package's bundled real data (read it, copy to write)."""
    return bundled_load.path

"""``territoria import --region`` on the bundled units (the real KATO classifier); the tables are constructed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from territoria.interfaces.cli import app
from territoria.store import Store

runner = CliRunner()


@pytest.fixture
def db(bundled_store_path: Path, tmp_path: Path) -> str:
    path = tmp_path / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    return str(path)


def _invoke(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args], env={"COLUMNS": "250"})


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "districts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_region_option_resolves_repeated_district_names(db, tmp_path):
    # constructed figures, not statistics (2023: a year the bundled district housing series, 2014-2022, lacks)
    path = _table(tmp_path, "Район,2023\nЕсильский район,111\nЖамбылский район,222\n")
    res = _invoke(db, "import", str(path), "--indicator", "housing_commissioned", "--region", "Солтүстік Қазақстан")
    assert res.exit_code == 0, res.output
    assert "Matching units within Солтүстік Қазақстан [590000000]" in res.output   # in the language of --region
    with Store(db, read_only=True) as store:
        obs = store.observations(units=["594200000", "594600000"], indicators=["housing_commissioned"])
    got = {(r.unit, int(r.year)): r.value for r in obs.itertuples()}
    assert got[("594200000", 2023)] == 111 and got[("594600000", 2023)] == 222


def test_without_region_the_repeated_name_is_one_error_and_nothing_is_stored(db, tmp_path):
    path = _table(tmp_path, "Район,2021\nЕсильский район,111\n")
    res = _invoke(db, "import", str(path), "--indicator", "housing_commissioned")
    assert res.exit_code != 0
    message = str(res.exception) + res.output
    assert "114800000" in message and "594200000" in message and "Северо-Казахстанская область" in message


def test_unknown_region_is_a_bad_parameter(db, tmp_path):
    path = _table(tmp_path, "Район,2021\nЕсильский район,111\n")
    res = _invoke(db, "import", str(path), "--indicator", "housing_commissioned", "--region", "Атлантида")
    assert res.exit_code == 2 and "--region" in res.output

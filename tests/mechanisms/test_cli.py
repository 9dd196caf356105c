"""CLI: trends, diagnose, recommend, whatif and monitor on the bundled data."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.interfaces.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    return str(path)


def _run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args], env={"COLUMNS": "250"})


def test_trends_status_of_the_seed_towns(db, tmp_path):
    out = tmp_path / "status.csv"
    r = _run(db, "trends", "--level", "settlement", "--status", "-o", str(out))
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out, dtype={"unit": str}).set_index("unit")
    # judged by magnitude over the 10-year horizon (docs/dynamics.md): Mamlyutka -4.21 % in 2015-2020 is
    # declining, Bulaevo's -0.17 % (85 people below its 2018 peak out of 7,700) is stagnating, not dying out
    assert table.loc["595220100", "status"] == "declining"
    assert table.loc["593620100", "status"] == "stagnating"
    assert (table["horizon"].dropna() != "").all()


def test_trends_short_series_is_refused(db):
    r = _run(db, "trends", "--level", "settlement", "--unit", "595220100", "--indicator", "population_1jan")
    assert r.exit_code != 0
    assert "needs at least 3 years" in str(r.exception)


def test_region_trends_include_the_composite(db, tmp_path):
    out = tmp_path / "t.csv"
    r = _run(db, "trends", "--unit", "590000000", "-o", str(out))
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out)
    assert {"vulnerability_index", "population_1jan"} <= set(table["indicator"])


def test_diagnose_recommend_whatif(db, tmp_path):
    out = tmp_path / "d.csv"
    r = _run(db, "diagnose", "590000000", "-o", str(out))
    assert r.exit_code == 0, r.output
    d = pd.read_csv(out)
    assert {"block", "indicator", "risk"} == set(d["part"])
    r = _run(db, "recommend", "595220100", "-o", str(tmp_path / "r.csv"))
    assert r.exit_code == 0, r.output
    rec = pd.read_csv(tmp_path / "r.csv")
    assert rec["horizon"].iloc[0] == "short" and rec["reasons"].str.contains("national").any()
    r = _run(db, "recommend", "--list", "depressed_turkeeva_omarov_abilkaiyr_2022")
    assert r.exit_code == 0, r.output
    r = _run(db, "whatif", "590000000", "unemployment_rate:-2", "-o", str(tmp_path / "w.csv"))
    assert r.exit_code == 0, r.output
    w = pd.read_csv(tmp_path / "w.csv").set_index("item")
    assert float(w.loc["unemployment_rate", "change"]) == pytest.approx(-2)


def test_monitor_add_list_and_bad_target_unit(db):
    r = _run(db, "monitor", "add", "590000000", "sme_support", "unemployment_rate", "3.5",
             "--start", "2018", "--deadline", "2025")
    assert r.exit_code == 0, r.output
    r = _run(db, "monitor", "add", "595220100", "sme_support", "avg_monthly_nominal_wage", "150",
             "--target-unit", "%", "--start", "2016", "--deadline", "2022")
    assert r.exit_code != 0 and "not a unit of this indicator" in str(r.exception)
    r = _run(db, "monitor")
    assert r.exit_code == 0, r.output
    assert "off_track" in r.output or "on_track" in r.output or "achieved" in r.output
    r = _run(db, "monitor", "history")
    assert r.exit_code == 0 and "evaluation_id" in r.output

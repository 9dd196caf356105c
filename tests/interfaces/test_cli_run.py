"""`territoria run` (what `make run` does) on the bundled real data."""

from __future__ import annotations

import shutil

import pandas as pd
from typer.testing import CliRunner

from territoria.interfaces.cli import app


def test_run_writes_the_ranking_the_audit_and_the_seed_lists(tmp_path, bundled_store_path):
    # --keep on a copy of the session's Store, which the same loader filled from empty (tests/conftest.py):
    # the load finds everything imported and `run` goes on as on a fresh Store, without a second full load;
    # that `run` empties the Store first unless --keep is checked below with a stand-in loader
    db = tmp_path / "t.duckdb"
    shutil.copy(bundled_store_path, db)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["--db", str(db), "run", "--keep", "--output-dir", str(out)])
    assert res.exit_code == 0, res.output
    assert "already imported" in res.output
    ranking = pd.read_csv(out / "vulnerability_regions.csv", dtype={"unit": str})
    assert len(ranking) == 14 and ranking["rank"].min() == 1
    assert {"rank_p05", "rank_p95", "level"} <= set(ranking.columns)
    assert (out / "vulnerability_regions_audit.xlsx").exists()
    seeds = pd.read_csv(out / "seed_depressed_units.csv", dtype={"unit": str, "region": str})
    assert seeds["region_rank"].notna().all()          # Abai's districts read on 2021's East Kazakhstan
    assert seeds.set_index("unit").loc["103200000", "region"] == "630000000"
    districts = pd.read_csv(out / "districts_seed_regions.csv", dtype={"code": str})
    assert list(districts.columns[:2]) == ["code", "name"] and "595200000" in set(districts["code"])  # Mamlyut
    status = pd.read_csv(out / "status_seed_towns.csv", dtype={"unit": str}).set_index("unit")
    assert set(status.index) == {"593620100", "595220100"}
    last = ranking.loc[ranking["rank"].idxmax(), "unit"]
    package = pd.read_csv(out / f"mechanisms_{last}.csv")
    assert {"horizon", "mechanism", "reasons"} <= set(package.columns) and len(package) > 0
    horizons = list(dict.fromkeys(package["horizon"]))                   # ordered short → medium → long
    assert horizons == [h for h in ("short", "medium", "long") if h in horizons]
    bulaevo = pd.read_csv(out / "profile_bulaevo.csv").set_index("indicator")
    assert bulaevo.loc["employed_population", "2015"] == 4271           # seed 002, Table 1
    # the summary report of both assessments (docs/reports.md), the regions' also printed
    regions = (out / "summary_vulnerability_regions_ru.html").read_text(encoding="utf-8")
    assert "Северо-Казахстанская область" in regions and "Наиболее уязвимые единицы и почему" in regions
    assert "Наурзумский район" in (out / "summary_vulnerability_districts_ru.html").read_text(encoding="utf-8")
    assert (out / "summary_vulnerability_regions_ru.pdf").read_bytes()[:5] == b"%PDF-"
    # `assess` on the session's Store gives the same ranking, bit for bit: `run` ranks the regions with the
    # same steps (run_panel, show_assessment) once, and stores that Result instead of assessing them twice
    again = CliRunner().invoke(app, ["--db", str(bundled_store_path), "assess", "-o", str(tmp_path / "again.csv")])
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(ranking, pd.read_csv(tmp_path / "again.csv", dtype={"unit": str}))


class _Stop(Exception):
    """Raised by the stand-in loader: the test needs only what `run` does before loading."""


def test_run_starts_from_an_empty_store_unless_told_to_keep_it(tmp_path, monkeypatch):
    import duckdb

    from territoria.interfaces.cli import main_job

    db = tmp_path / "old.duckdb"
    seen: list[bool] = []

    def loader(store, *, assess=True):
        assert assess is False  # `run` assesses the regions itself: the load must not assess them first
        tables = set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])
        seen.append("left_over" in tables)
        raise _Stop

    monkeypatch.setattr(main_job, "load_bundled_with_progress", loader)
    for flags in ([], ["--fresh"], ["--keep"]):
        with duckdb.connect(str(db)) as con:
            con.execute("CREATE OR REPLACE TABLE left_over AS SELECT 1 AS x")
        res = CliRunner().invoke(app, ["--db", str(db), "run", "--output-dir", str(tmp_path / "out"), *flags])
        assert isinstance(res.exception, _Stop), res.output
    assert seen == [False, False, True]   # the old file is removed before loading, unless --keep

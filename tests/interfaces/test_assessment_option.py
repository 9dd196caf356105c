"""Stored assessments through the interfaces: ``assess --name``, ``assessments``, ``--assessment`` on
diagnose / whatif / report / recommend / trends, and ``?assessment=`` on the web.

Data: the bundled real Store. The district spec below is a test fixture (two indicators the bundled
district data hold for 2023: net migration per 1,000 and population), not a method spec.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.interfaces.cli import app
from territoria.store import Store
from territoria.store.assessments import load_assessment

runner = CliRunner()
AKKAYYN, NKO, MAMLYUTKA = "595800000", "590000000", "595220100"
DISTRICT_SPEC = (Path(__file__).resolve().parents[1] / "fixtures" / "district_test_spec_2023.yaml").read_text(
    encoding="utf-8")


def _run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args], env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "districts.yaml"
    path.write_text(DISTRICT_SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def assessed(bundled_store_path, tmp_path_factory, spec_path):
    """The bundled Store with 'districts' v1 stored; never written after (``db`` and ``versioned_db`` copy it)."""
    path = tmp_path_factory.mktemp("assessed") / "assessed.duckdb"
    shutil.copy(bundled_store_path, path)
    r = _run(str(path), "assess", "--spec", str(spec_path), "--name", "districts")
    assert r.exit_code == 0, r.output
    assert "Stored assessment 'districts' v1 (district, 2023)" in r.output
    return path


@pytest.fixture(scope="module")
def db(assessed, tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "store.duckdb"
    shutil.copy(assessed, path)
    return str(path)


@pytest.fixture(scope="module")
def stored(db):
    with Store(db, read_only=True) as store:
        return load_assessment(store, name="districts")


def test_rerun_unchanged_is_a_no_op_and_assessments_lists_both(db, spec_path, tmp_path):
    r = _run(db, "assess", "--spec", str(spec_path), "--name", "districts")
    assert r.exit_code == 0, r.output
    assert "already stored with this spec and data: nothing to do" in r.output
    out = tmp_path / "a.csv"
    r = _run(db, "assessments", "-o", str(out))
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out).set_index("name")
    assert table.loc["districts", "version"] == 1 and table.loc["districts", "level"] == "district"
    assert table.loc["vulnerability_regions", "level"] == "region"  # stored by load-bundled


def test_a_district_is_diagnosed_among_districts(db, stored, tmp_path):
    r = _run(db, "diagnose", AKKAYYN, "-o", str(tmp_path / "d.csv"))
    assert r.exit_code == 0, r.output
    rank = int(stored.ranks[AKKAYYN])
    peers = stored.ranks[[str(u).startswith("59") for u in stored.ranks.index]]
    within = int(peers.rank(method="min")[AKKAYYN])
    assert f"Assessment used: 'districts' v1 (district, 2023): rank {rank} of {len(stored.ranks)} district units, " \
           f"{within} of {len(peers)} in North Kazakhstan Region" in r.output
    assert "Context: region 590000000 in 'vulnerability_regions' v1" in r.output
    assert "weaknesses below are those of region" not in r.output
    written = pd.read_csv(tmp_path / "d.csv", dtype={"unit": str})
    assert set(written.loc[written["part"] == "indicator", "code"]) == {"net_migration_per_1000", "population_1jan"}
    assert (written["assessment"] == "districts").all()


def test_whatif_on_a_district(db, stored, tmp_path):
    out = tmp_path / "w.csv"
    r = _run(db, "whatif", AKKAYYN, "net_migration_per_1000:+5", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "Assessment used: 'districts' v1 (district, 2023)" in r.output
    w = pd.read_csv(out).set_index("item")
    assert int(float(w.loc["rank", "before"])) == int(stored.ranks[AKKAYYN])
    assert float(w.loc["net_migration_per_1000", "change"]) == pytest.approx(5)
    assert float(w.loc["rank", "after"]) < float(w.loc["rank", "before"])  # more in-migration: better rank


def test_report_profile_of_a_district_shows_its_own_rank(db, stored, tmp_path):
    out = tmp_path / "p.html"
    r = _run(db, "report", "profile", AKKAYYN, "--lang", "en", "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert f"Akkayyn District: rank {int(stored.ranks[AKKAYYN])} of {len(stored.ranks)}" in html
    assert "Assessment used: districts, version 1, units: district, year 2023." in html
    assert "Context: North Kazakhstan Region is ranked 14 of 14 regions in vulnerability_regions (2021)." in html
    assert "those of the unit&#39;s region" not in html and "those of the unit's region" not in html


def test_no_assessment_of_the_units_level_names_those_that_exist(db):
    r = _run(db, "diagnose", MAMLYUTKA)
    assert r.exit_code != 0
    message = str(r.exception)
    assert "595220100 (Mamlyutka, settlement)" in message
    assert "districts v1 (district, 2023)" in message and "vulnerability_regions v1 (region, 2021)" in message
    r = _run(db, "whatif", AKKAYYN, "net_migration_per_1000:+5", "--assessment", "vulnerability_regions")
    assert r.exit_code != 0 and "rates region units, not district units" in str(r.exception)
    r = _run(db, "diagnose", AKKAYYN, "--assessment", "nope")
    assert r.exit_code != 0 and "unknown assessment 'nope'; stored assessments: districts v1" in str(r.exception)


def test_recommend_without_an_assessment_of_the_level_says_so(db):
    r = _run(db, "recommend", MAMLYUTKA)
    assert r.exit_code == 0, r.output
    assert "no stored assessment of settlement units rates it" in r.output
    assert "from its risk flags and status" in r.output


def test_an_option_that_does_not_apply_is_an_error(db):
    r = _run(db, "trends", "--assessment", "districts")
    assert r.exit_code != 0 and "--assessment applies to --status" in str(r.exception)


@pytest.fixture(scope="module")
def client(db):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from territoria.web import create_app

    with _web_client(TestClient, create_app, db) as c:
        yield c


def _web_client(TestClient, create_app, db):
    """A client of the web application on ``db`` with an analyst's token (a synthetic test account)."""
    from territoria.store import Store
    from territoria.store.accounts import add_user, create_token, get_user

    with Store(db) as store:
        if get_user(store, "analyst1") is None:
            add_user(store, "analyst1", role="analyst")
        token = create_token(store, "analyst1")
    return TestClient(create_app(db), base_url="https://localhost", headers={"Authorization": f"Bearer {token}"})


def test_web_assessment_parameter(client, stored):
    r = client.get(f"/api/units/{AKKAYYN}/profile", params={"lang": "en", "assessment": "districts"})
    assert r.status_code == 200, r.text
    rank = next(s for s in r.json()["sections"] if s["id"] == "rank")
    assert any(f"rank {int(stored.ranks[AKKAYYN])} of {len(stored.ranks)}" in line for line in rank["text"])
    r = client.get(f"/api/units/{AKKAYYN}/profile", params={"assessment": "vulnerability_regions"})
    assert r.status_code == 422 and "not district units" in r.json()["detail"]
    r = client.get("/api/ranking", params={"assessment": "nope"})
    assert r.status_code == 404 and "districts v1" in r.json()["detail"]
    assert client.get("/compare", params={"assessment": "nope"}).status_code == 404
    assert client.get("/compare", params={"assessment": "districts"}).status_code == 200


def test_web_rankings_by_level_and_region(client, stored):
    r = client.get("/api/rankings", params={"level": "district", "region": NKO})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["assessment"]["name"] == "districts" and body["assessment"]["level"] == "district"
    table = pd.DataFrame(body["table"]["rows"], columns=body["table"]["columns"])
    assert (table["region"] == NKO).all() and len(table) == int(table["n_in_region"].iloc[0])
    assert table["rank_in_region"].tolist() == list(range(1, len(table) + 1))
    assert table["rank"].is_monotonic_increasing
    regions = client.get("/api/rankings").json()
    assert regions["assessment"]["level"] == "region" and len(regions["table"]["rows"]) == 14  # no republican cities


def test_web_assess_stores_a_named_result(client):
    spec = DISTRICT_SPEC.replace("name: test_districts", "name: test_districts_web")
    r = client.post("/api/assess", json={"spec": spec, "name": "districts_web"})
    assert r.status_code == 200, r.text
    assert r.json()["stored"]["version"] == 1 and r.json()["stored"]["created"] is True
    again = client.post("/api/assess", json={"spec": spec, "name": "districts_web"}).json()["stored"]
    assert again["version"] == 1 and again["created"] is False
    listed = client.get("/api/assessments").json()
    names = [row[listed["columns"].index("name")] for row in listed["rows"]]
    assert names.count("districts_web") == 1
    assert client.post("/api/assess", json={"spec": spec}).json()["stored"] is None  # not asked: not kept


def test_monitor_level_warnings_need_a_multi_year_stored_assessment(db):
    r = _run(db, "monitor", "list", "--assessment", "vulnerability_regions")
    assert r.exit_code != 0
    assert "'vulnerability_regions' v1 (region, 2021) needs several years and grades" in str(r.exception)
    r = _run(db, "monitor", "list", "--assessment", "nope")
    assert r.exit_code != 0 and "unknown assessment 'nope'" in str(r.exception)


def test_typology_refuses_a_spec_with_a_stored_assessment(db, spec_path):
    r = _run(db, "typology", "--assessment", "districts", "--spec", str(spec_path))
    assert r.exit_code != 0 and "drop --spec and --year" in r.output


def test_web_profile_says_which_assessment_it_used(client, stored):
    meta = client.get(f"/api/units/{AKKAYYN}/profile").json()["meta"]
    latest = client.get("/api/rankings", params={"level": "district"}).json()["assessment"]["name"]
    assert latest in {"districts", "districts_web"}  # districts_web when the /api/assess test ran first
    assert meta["assessment"]["name"] == latest and meta["assessment"]["level"] == "district"
    assert meta["assessment"]["unit"] == AKKAYYN and meta["assessment"]["year"] == 2023
    settlement = client.get(f"/api/units/{MAMLYUTKA}/profile").json()["meta"]
    assert settlement["assessment"]["name"] == "vulnerability_regions" and settlement["assessment"]["unit"] == NKO
    assert "no stored assessment of settlement units rates it" in settlement["assessment_note"]


def test_trends_status_with_an_assessment_of_another_level_is_refused(db):
    r = _run(db, "trends", "--level", "settlement", "--status", "--assessment", "districts")
    assert r.exit_code != 0 and "rates district units, not settlement units" in str(r.exception)


def test_web_monitoring_evaluate_takes_an_assessment(client):
    r = client.post("/api/monitoring/evaluate", params={"assessment": "vulnerability_regions"})
    assert r.status_code == 422 and "needs several years and grades" in r.json()["detail"]


def test_web_diagnosis_is_the_one_diagnosis(client, stored):
    r = client.get(f"/api/units/{AKKAYYN}/diagnosis", params={"assessment": "districts"})
    assert r.status_code == 200, r.text
    d = r.json()["diagnosis"]
    assert (d["assessment"], d["version"], d["level"], d["year"]) == ("districts", 1, "district", 2023)
    assert d["rank"] == int(stored.ranks[AKKAYYN]) and d["region"] == NKO and d["n_in_region"] >= d["rank_in_region"]
    assert d["context"]["unit"] == NKO and d["context"]["assessment"] == "vulnerability_regions"
    codes = {row[r.json()["weak_indicators"]["columns"].index("code")] for row in r.json()["weak_indicators"]["rows"]}
    assert codes == {"net_migration_per_1000", "population_1jan"}
    r = client.get(f"/api/units/{MAMLYUTKA}/diagnosis")
    assert r.status_code == 422 and "no stored assessment of settlement units rates it" in r.json()["detail"]
    assert client.get("/api/units/999999999/diagnosis").status_code == 404


def test_ranking_report_of_districts_keeps_the_regions_ranks_in_the_watch_list(db, stored, tmp_path):
    import openpyxl

    out = tmp_path / "r.xlsx"
    r = _run(db, "report", "ranking", "--assessment", "districts", "--lang", "en", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "Assessment used: 'districts' v1 (district, 2023)" in r.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["Ranking", "Settlements and districts to wa"]  # the assessment's workbook
    ranking = [row for row in book["Ranking"].iter_rows(min_row=2, values_only=True)]
    assert len(ranking) == len(stored.ranks)
    watch = {row[0]: row for row in book["Settlements and districts to wa"].iter_rows(min_row=2, values_only=True)}
    assert watch[MAMLYUTKA][4] == 14  # its region's rank, from the regions' assessment


@pytest.fixture(scope="module")
def versioned_db(assessed, tmp_path_factory, spec_path):
    """A Store with two versions of 'districts' (the second's spec differs in its description only)."""
    path = tmp_path_factory.mktemp("versioned") / "store.duckdb"
    shutil.copy(assessed, path)  # v1 stored from spec_path already
    second = spec_path.parent / "districts_v2.yaml"
    second.write_text(DISTRICT_SPEC.replace("(not a method spec)", "(not a method spec), version 2"), encoding="utf-8")
    r = _run(str(path), "assess", "--spec", str(second), "--name", "districts")
    assert r.exit_code == 0, r.output
    assert "Stored assessment 'districts' v2 (district, 2023)" in r.output
    return str(path)


def test_cli_name_at_version_chooses_an_older_version(versioned_db, tmp_path):
    r = _run(versioned_db, "diagnose", AKKAYYN)
    assert r.exit_code == 0 and "Assessment used: 'districts' v2 (district, 2023)" in r.output, r.output
    r = _run(versioned_db, "diagnose", AKKAYYN, "--assessment", "districts@1")
    assert r.exit_code == 0 and "Assessment used: 'districts' v1 (district, 2023)" in r.output, r.output
    r = _run(versioned_db, "whatif", AKKAYYN, "net_migration_per_1000:+5", "--assessment", "districts@1")
    assert r.exit_code == 0 and "Assessment used: 'districts' v1 (district, 2023)" in r.output, r.output
    r = _run(versioned_db, "report", "ranking", "--assessment", "districts@1", "--lang", "en",
             "-o", str(tmp_path / "r.html"))
    assert r.exit_code == 0, r.output
    assert " v1 · 2023 · " in (tmp_path / "r.html").read_text(encoding="utf-8")
    r = _run(versioned_db, "diagnose", AKKAYYN, "--assessment", "districts@7")
    assert r.exit_code != 0
    assert "unknown assessment 'districts' version 7; the versions of 'districts' are 1, 2" in str(r.exception)
    r = _run(versioned_db, "diagnose", AKKAYYN, "--assessment", "districts@latest")
    assert r.exit_code != 0 and "expected NAME or NAME@VERSION" in str(r.exception)
    r = _run(versioned_db, "map", "--assessment", "districts@1", "-o", str(tmp_path / "m.svg"))
    assert r.exit_code == 0 and "Assessment used: 'districts' v1 (district, 2023)" in r.output, r.output
    r = _run(versioned_db, "recommend", AKKAYYN, "--assessment", "districts@1")
    assert r.exit_code == 0 and "weaknesses from 'districts' v1 (2023)" in r.output, r.output
    for args in (("trends", "--level", "district", "--status"), ("monitor", "list")):
        r = _run(versioned_db, *args, "--assessment", "districts@3")
        assert r.exit_code != 0, (args, r.output)
        assert "the versions of 'districts' are 1, 2" in str(r.exception), (args, r.exception)


def test_web_name_at_version_chooses_an_older_version(versioned_db):
    from fastapi.testclient import TestClient

    from territoria.web import create_app

    with _web_client(TestClient, create_app, versioned_db) as c:
        r = c.get("/api/rankings", params={"assessment": "districts@1"})
        assert r.status_code == 200, r.text
        assert (r.json()["assessment"]["name"], r.json()["assessment"]["version"]) == ("districts", 1)
        assert c.get("/api/rankings", params={"assessment": "districts"}).json()["assessment"]["version"] == 2
        r = c.get(f"/api/units/{AKKAYYN}/diagnosis", params={"assessment": "districts@1"})
        assert r.status_code == 200 and r.json()["diagnosis"]["version"] == 1, r.text
        r = c.get("/api/ranking", params={"assessment": "districts@9"})
        assert r.status_code == 404 and "the versions of 'districts' are 1, 2" in r.json()["detail"]
        assert c.get("/", params={"assessment": "districts@1"}).status_code == 200
        assert c.get("/", params={"assessment": "districts@9"}).status_code == 404
        assert c.get("/api/rankings", params={"assessment": "districts@x"}).status_code == 422
        stored_at = c.post("/api/assess", json={"spec": DISTRICT_SPEC, "name": "districts@3"})
        assert stored_at.status_code == 422  # a name to store under takes no version

"""API tests with FastAPI's test client on the bundled real data (uploads are small synthetic tables)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

MAMLYUTKA = "595220100"


def test_overview_and_openapi(client):
    page = client.get("/?lang=kk")
    assert page.status_code == 200 and 'data-page="overview"' in page.text and "Шолу" in page.text
    schema = client.get("/openapi.json").json()
    assert {"/api/ranking", "/api/units/{code}/profile", "/api/import", "/api/assess", "/api/compare",
            "/api/monitoring"} <= set(schema["paths"])
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000  # served locally, no CDN


def test_ranking_json_is_what_the_page_draws(client):
    doc = client.get("/api/ranking", params={"lang": "en"}).json()
    ids = [s["id"] for s in doc["sections"]]
    assert ids == ["ranking", "map", "levels", "watch"]
    table = doc["sections"][0]["table"]
    rows = [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]
    assert rows[0]["unit"] == "590000000" and rows[0]["rank"] == 14 and len(rows) == 14
    assert doc["sections"][1]["figure"]["data"]  # map traces (outline + points)
    watch = doc["sections"][3]["table"]
    # North Kazakhstan's named towns and districts (region 14 of 14) head the watch list, most worrying first
    assert MAMLYUTKA in [r[0] for r in watch["rows"][:8]]


def test_profile_in_three_languages_and_unknown_unit(client):
    ru = client.get(f"/api/units/{MAMLYUTKA}/profile", params={"lang": "ru"}).json()
    en = client.get(f"/api/units/{MAMLYUTKA}/profile", params={"lang": "en"}).json()
    assert en["title"] == "Mamlyutka" and ru["title"] == "г.Мамлютка"
    assert [s["title"] for s in ru["sections"][:2]] == ["Кратко", "Статус"]  # the overview first
    assert client.get("/api/units/123456789/profile").status_code == 404
    assert client.get(f"/api/units/{MAMLYUTKA}/profile", params={"lang": "de"}).status_code == 422


def test_report_downloads(client):
    xlsx = client.get(f"/api/units/{MAMLYUTKA}/report.xlsx", params={"lang": "en"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    html = client.get("/api/ranking/report.html", params={"lang": "ru"})
    assert html.status_code == 200 and "Рейтинг регионов" in html.text


def test_compare(client):
    res = client.get("/api/compare", params=[("units", MAMLYUTKA), ("units", "593620100"), ("lang", "en")]).json()
    assert res["table"]["columns"] == ["item", "Mamlyutka", "Bulaevo"]
    rows = {r[0]: r[1:] for r in res["table"]["rows"]}
    assert rows["unemployment_rate (2020)"] == [5.8, 5.0]  # seed 002, Tables 1-2
    assert client.get("/api/compare", params={"units": MAMLYUTKA}).status_code == 422
    # a town is drawn with its region's block scores, and the legend names both in the page's language
    ru = client.get("/api/compare", params=[("units", MAMLYUTKA), ("units", "590000000"), ("lang", "ru")]).json()
    names = [trace["name"] for trace in ru["figure"]["data"]]
    assert names == ["г.Мамлютка (Северо-Казахстанская область)", "Северо-Казахстанская область"], names


def test_upload_same_errors_as_cli_and_limits(client, web_db, tmp_path):
    bad = b"unit,indicator,year,value\nNowhere-on-earth,unemployment_rate,2020,5\n"
    # (a name with a path is refused outright: tests/web/test_hardening_uploads.py)
    res = client.post("/api/import", files={"file": ("passwd.csv", bad, "text/csv")})
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert "passwd.csv" in detail and "/etc/" not in detail and "Nowhere-on-earth" in detail
    # The CLI prints the same problem for the same bytes.
    from territoria.interfaces.cli import app as cli

    path = tmp_path / "passwd.csv"
    path.write_bytes(bad)
    out = CliRunner().invoke(cli, ["--db", str(web_db), "import", str(path)])
    assert out.exit_code != 0
    assert "Nowhere-on-earth" in str(out.exception) + out.output
    assert client.post("/api/import", files={"file": ("big.csv", b"x" * 30_000)}).status_code == 413
    assert client.post("/api/import", files={"file": ("run.sh", b"echo")}).status_code == 422


def test_upload_imports_and_invalidates_cache(client):
    before = client.get("/api/health").json()["counts"]["observations"]
    good = b"unit,indicator,year,value\nMamlyutka,unemployment_rate,2021,5.1\n"  # synthetic value
    res = client.post("/api/import", files={"file": ("m.csv", good, "text/csv")})
    assert res.status_code == 200, res.text
    assert res.json()["rows_new"] == 1
    assert client.get("/api/health").json()["counts"]["observations"] == before + 1
    again = client.post("/api/import", files={"file": ("m.csv", good, "text/csv")}).json()
    assert again["already_imported"] is True


@pytest.mark.parametrize(("spec", "needle"), [("name: [", "YAML"), ("- a", "mapping"), ("name: x", "tree")])
def test_assess_refuses_bad_specs(client, spec, needle):
    res = client.post("/api/assess", json={"spec": spec})
    assert res.status_code == 422 and needle in res.json()["detail"]


@pytest.mark.parametrize(("lang", "label"), [("en", "Store as (optional name)"),
                                             ("ru", "Сохранить под именем (необязательно)"),
                                             ("kk", "Атауымен сақтау (міндетті емес)")])
def test_assess_page_names_the_assessment_with_the_apis_pattern(client, lang, label):
    import re

    from territoria.web.assessments import ASSESSMENT_PATTERN

    html = client.get("/assess", params={"lang": lang}).text
    field = re.search(r'<input id="assess-name"[^>]*>', html)
    assert field and label in html
    assert f'data-pattern="{ASSESSMENT_PATTERN.strip("^$")}"' in field[0].replace("&#34;", '"')
    assert client.get("/api/words", params={"lang": lang}).json()["stored_as"].count("{name}") == 1


@pytest.mark.parametrize("name", ["bad name", "regions@2", "-x", "x" * 101])
def test_assess_refuses_a_name_the_store_would_refuse(client, name):
    res = client.post("/api/assess", json={"spec": "name: x", "name": name})
    assert res.status_code == 422 and "name" in str(res.json()["detail"])


def test_assess_bundled_spec(client):
    from territoria.interfaces.cli.assess import default_spec_path

    res = client.post("/api/assess", json={"spec": default_spec_path().read_text(encoding="utf-8")})
    assert res.status_code == 200
    table = res.json()["table"]
    first = dict(zip(table["columns"], table["rows"][0], strict=True))
    # Mangystau, rank 1 of the 14 regions in 2021 (the seeds' sample leaves Astana, Almaty and Shymkent out)
    assert first["rank"] == 1 and first["unit"] == "470000000" and first["scale"] == "relative to national"


def test_monitoring(client):
    res = client.get("/api/monitoring").json()
    assert "measure_id" in res["measures"]["columns"] and "kind" in res["warnings"]["columns"]


@pytest.mark.parametrize("scope", ["590000000", "depressed_turkeeva_omarov_abilkaiyr_2022"])
def test_ranking_for_a_region_or_a_list(client, scope):
    doc = client.get("/api/ranking", params={"scope": scope, "lang": "en"}).json()
    watch = doc["sections"][3]["table"]
    units = [r[0] for r in watch["rows"]]
    assert "595220100" in units or "593620100" in units
    assert all(r[watch["columns"].index("region_rank")] == 14 for r in watch["rows"]) or scope != "590000000"
    assert client.get("/api/ranking", params={"scope": "no_such_list"}).status_code == 404


def test_region_profile(client):
    doc = client.get("/api/units/590000000/profile", params={"lang": "en"}).json()
    ids = [s["id"] for s in doc["sections"]]
    assert ids[:4] == ["overview", "status", "rank", "radar"] and "weaknesses" in ids

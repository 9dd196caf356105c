"""The dashboard's map, level switch, rankings within a region, search by name and compare picker
(FastAPI TestClient on a copy of the bundled Store: real data)."""

from __future__ import annotations

from pathlib import Path

import pytest

NKO, AKKAYIN, MAMLYUTKA = "590000000", "595800000", "595220100"


def test_region_map_is_geojson_joined_with_scores(client):
    data = client.get("/api/map", params={"level": "region", "lang": "ru"}).json()
    assert data["level"] == "region" and data["year"] == 2021 and data["map"] == "pre-2022"
    features = data["geojson"]["features"]
    assert len(features) == 17 and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    props = {f["properties"]["unit"]: f["properties"] for f in features}
    assert props[NKO]["grade"] in ("crisis", "depressive", "vulnerable", "stable", "developing")
    assert isinstance(props[NKO]["score"], float) and props[NKO]["rank_in_region"] == 1
    ranks = [r[data["ranking"]["columns"].index("rank")] for r in data["ranking"]["rows"]]
    assert sorted(ranks) == list(range(1, 15)) and ranks == sorted(ranks, reverse=True)   # most vulnerable first
    assert "geokz" in data["attribution"] and data["attribution"].startswith("Границы")
    traces = data["figure"]["data"]
    grade_names = {t["name"].rsplit(" (", 1)[0] for t in traces if t.get("fill") == "toself" and t.get("name")}
    assert "кризисный" in grade_names                                # the legend is the grade scale, in Russian
    assert any(NKO in (t.get("customdata") or []) for t in traces)  # a click opens the unit


def test_ranking_within_a_region(client):
    data = client.get("/api/map", params={"level": "region", "region": NKO, "lang": "en"}).json()
    rows = data["ranking"]["rows"]
    assert [r[0] for r in rows] == [NKO]
    assert {r["code"] for r in data["regions"]} >= {NKO, "630000000"}
    west, south, east, north = data["bounds"]                         # the region's extent, to zoom on it
    assert 65 < west < east < 77 and 52 < south < north < 56


def test_district_level_draws_todays_districts_and_says_when_unscored(client):
    data = client.get("/api/map", params={"level": "district", "lang": "kk"}).json()
    units = {f["properties"]["unit"]: f["properties"] for f in data["geojson"]["features"]}
    assert len(units) == 224 and units[AKKAYIN]["region"] == NKO
    if not data["ranking"]["rows"]:                  # no district assessment in this Store: said, in Kazakh
        assert data["notes"] and "Қоймада" in data["notes"][0]
    settlements = client.get("/api/map", params={"level": "settlement", "lang": "en"}).json()
    assert settlements["geojson"] is None and any("points" in n for n in settlements["notes"])
    assert client.get("/api/map", params={"level": "village"}).status_code == 422


@pytest.mark.parametrize(("query", "code"), [("Мамлютка", MAMLYUTKA), ("Аққайың", AKKAYIN),
                                              ("akkayin", AKKAYIN), ("Mamlyutka", MAMLYUTKA)])
def test_search_by_name_in_three_languages_and_spellings(client, query, code):
    found = client.get("/api/search", params={"q": query, "lang": "ru"}).json()
    assert code in [u["code"] for u in found["units"]], found


def test_search_orders_regions_first_and_filters_by_level(client):
    units = client.get("/api/search", params={"q": "Петропавл", "lang": "en"}).json()["units"]
    levels = [u["level"] for u in units]
    assert levels == sorted(levels, key=["region", "district", "settlement"].index)
    only = client.get("/api/search", params={"q": "Петропавл", "level": "settlement"}).json()["units"]
    assert only and {u["level"] for u in only} == {"settlement"}
    assert client.get("/api/search", params={"q": "qqqqxz"}).json()["units"] == []


def test_pages_carry_the_switch_search_and_picker(client):
    page = client.get("/", params={"lang": "kk"}).text
    for marker in ('id="level-switch"', 'value="district"', 'id="region-select"', 'id="search-box"'):
        assert marker in page
    assert 'id="compare-search"' in client.get("/compare", params={"lang": "ru"}).text
    words = {lang: client.get("/api/map/words", params={"lang": lang}).json() for lang in ("ru", "kk", "en")}
    assert words["ru"].keys() == words["kk"].keys() == words["en"].keys()
    assert (words["ru"]["district"], words["kk"]["district"], words["en"]["district"]) == (
        "Районы", "Аудандар", "Districts")


DISTRICT_SPEC = (Path(__file__).resolve().parents[1] / "fixtures" / "district_two_blocks_2023.yaml").read_text(
    encoding="utf-8")


@pytest.mark.slow
def test_stored_district_assessment_colours_the_district_map(web_template, tmp_path, web_auth):
    import shutil

    from typer.testing import CliRunner

    from territoria.interfaces.cli import app as cli
    from territoria.web import create_app

    db, spec = tmp_path / "d.duckdb", tmp_path / "districts.yaml"
    shutil.copy(web_template[0], db)  # the bundled data with the test accounts: no passwords hashed again
    spec.write_text(DISTRICT_SPEC, encoding="utf-8")
    res = CliRunner().invoke(cli, ["--db", str(db), "assess", "--spec", str(spec), "--name", "toy_districts",
                                   "--no-uncertainty"])
    assert res.exit_code == 0, res.output
    with web_auth.make_client(create_app(db), token=web_auth.add_accounts(db)["viewer"]) as client:
        data = client.get("/api/map", params={"level": "district", "region": NKO, "lang": "en"}).json()
        named = client.get("/api/map", params={"level": "district", "assessment": "toy_districts"}).json()
    assert data["year"] == 2023 and data["map"] == "2024" and not data["notes"]
    rows = data["ranking"]["rows"]
    at = data["ranking"]["columns"].index
    assert len(rows) == 14 and sorted(r[at("rank_in_region")] for r in rows) == list(range(1, 15))
    assert all(r[at("rank")] >= r[at("rank_in_region")] for r in rows)
    graded = [f for f in data["geojson"]["features"] if f["properties"]["grade"]]
    assert len(graded) > 200 and len(named["ranking"]["rows"]) > 200

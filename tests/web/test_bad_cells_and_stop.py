"""A bad cell an older Store holds never breaks a page (it is left out and named), a spec posted to the web
is parsed with the project's YAML limits, comparing a unit with itself is a 4xx, and a clean stop removes
the read replicas. Data: a copy of the bundled real Store, with one infinite cell written into it by hand
(what a Store written before the import checks could hold) — a test fixture, not a statistic."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="module")
def bad_db(web_template, tmp_path_factory):
    """A copy of the web tests' template (the bundled Store with the test accounts: their passwords are not
    hashed again here) with one infinite cell."""
    from territoria.store import Store

    path = tmp_path_factory.mktemp("bad") / "bad.duckdb"
    shutil.copy(web_template[0], path)
    wal = web_template[0].with_name(web_template[0].name + ".wal")
    if wal.exists():
        shutil.copy(wal, path.with_name(path.name + ".wal"))
    with Store(path) as store:
        store.con.execute("UPDATE observations SET value = 'inf'::DOUBLE WHERE unit = '590000000' AND "
                          "indicator = 'unemployment_rate' AND year = 2021")
        assert len(store.bad_cells()) == 1
    return path


@pytest.fixture(scope="module")
def bad_client(bad_db, web_template, web_auth):
    from territoria.web import create_app

    tokens = web_template[1]  # the template's tokens, copied with it
    with web_auth.make_client(create_app(bad_db), token=tokens["analyst"]) as client:
        yield client


def test_pages_meeting_a_bad_cell_say_so_and_show_the_rest(bad_client):
    health = bad_client.get("/api/health").json()
    assert [(c["unit"], c["indicator"], c["year"], c["value"]) for c in health["bad_cells"]] == [
        ("590000000", "unemployment_rate", 2021, "inf")]
    ranking = bad_client.get("/api/ranking")
    assert ranking.status_code == 200 and ranking.json()["bad_cells"][0]["unit"] == "590000000"
    profile = bad_client.get("/api/units/590000000/profile")
    assert profile.status_code == 200 and profile.json()["bad_cells"][0]["indicator"] == "unemployment_rate"
    other = bad_client.get("/api/units/110000000/profile")
    assert other.status_code == 200 and other.json()["bad_cells"] == []
    assert bad_client.get("/api/compare", params={"units": ["590000000", "110000000"]}).status_code == 200


def test_comparing_a_unit_with_itself_is_a_client_error(bad_client):
    answer = bad_client.get("/api/compare", params={"units": ["590000000", "590000000"]})
    assert answer.status_code == 422 and "two" in answer.json()["detail"]


def test_a_posted_spec_nested_too_deep_is_refused(bad_client):
    deep = "a: " + "[" * 5000 + "]" * 5000
    answer = bad_client.post("/api/assess", json={"spec": deep})
    assert answer.status_code == 422 and "levels" in answer.json()["detail"]


def test_a_clean_stop_removes_the_read_replicas(bad_db, web_auth):
    from territoria.web import create_app

    app = create_app(bad_db)
    folder = app.state.ctx.replica_folder
    assert folder is not None and folder.exists()
    with web_auth.make_client(app, token=web_auth.add_accounts(bad_db)["viewer"]) as client:
        assert client.get("/api/health").status_code == 200
    assert not folder.exists()

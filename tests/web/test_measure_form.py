"""Adopting a measure from the monitoring page (``/api/monitoring/choices``, ``/api/monitoring/measures``):
recorded and evaluated at once, every refusal by field in the page's language, nothing half-stored.
Bundled real data (Mamlyutka: unemployment 6.5 % in 2016 and 5.8 % in 2020, wage 85,133 tenge in 2016,
Tables 1-2 of Turkeeva, Omarov & Abilkaiyr 2022); the measures and their targets are synthetic."""

from __future__ import annotations

import pytest

MAMLYUTKA = "595220100"


def _rows(table):
    return [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]


def _measures(web_db):
    from territoria.store import Store
    from territoria.store import measures as ms

    with Store(web_db, read_only=True) as store:
        return ms.measures(store)


def test_choices_are_in_the_page_language(client):
    ru = client.get("/api/monitoring/choices", params={"lang": "ru"}).json()
    kk = client.get("/api/monitoring/choices", params={"lang": "kk"}).json()
    centres = {m["id"]: m for m in ru["mechanisms"]}["support_centres"]
    assert centres["name"] == "Сеть территориальных центров поддержки" and centres["horizon"] == "краткосрочный"
    assert {m["id"]: m for m in kk["mechanisms"]}["support_centres"]["name"] == "Аумақтық қолдау орталықтарының желісі"
    wage = {i["id"]: i for i in ru["indicators"]}["avg_monthly_nominal_wage"]
    assert wage["unit"] == "тенге" and "тыс. тенге" in wage["units"]
    assert all(not any(c.isascii() and c.isalpha() for c in u) for i in ru["indicators"] for u in i["units"])


def test_refusals_by_field_store_nothing(client, web_db):
    body = {"unit": MAMLYUTKA, "mechanism": "suport_centres", "start_year": 2016, "targets": [
        {"indicator": "unemployment_rate", "value": 5.0, "deadline_year": 2025},
        {"indicator": "avg_monthly_nominal_wage", "value": 150, "unit": "%", "deadline_year": 2016}]}
    res = client.post("/api/monitoring/measures", params={"lang": "ru"}, json=body)
    assert res.status_code == 422
    errors = {e["field"]: e["message"] for e in res.json()["errors"]}
    assert errors == {
        "mechanism": "неизвестный механизм «suport_centres»; возможно, имелось в виду: support_centres, "
                     "sme_support, transport_digital_connectivity?",
        "targets[1].unit": "цель показателя «Среднемесячная номинальная заработная плата одного работника»: "
                           "единица «%» не подходит для этого показателя (допустимы: тенге, тыс. тенге)",
        "targets[1].deadline_year": "срок 2016 должен быть позже года начала 2016"}
    assert _measures(web_db).empty  # the first target was valid: still nothing stored

    kk = client.post("/api/monitoring/measures", params={"lang": "kk"},
                     json={**body, "unit": "999999999", "mechanism": "support_centres", "start_year": 2010,
                           "targets": body["targets"][:1]}).json()
    assert {e["field"]: e["message"] for e in kk["errors"]} == {"unit": "белгісіз бірлік «999999999»"}
    assert _measures(web_db).empty


def test_viewer_may_not_adopt_a_measure(app, web_auth, tokens, web_db):
    body = {"unit": MAMLYUTKA, "mechanism": "support_centres", "start_year": 2016,
            "targets": [{"indicator": "unemployment_rate", "value": 5.0, "deadline_year": 2025}]}
    with web_auth.make_client(app, token=tokens["viewer"]) as viewer:
        assert viewer.post("/api/monitoring/measures", json=body).status_code == 403
        page = viewer.get("/monitor", params={"lang": "kk"}).text
    assert 'id="measure-form"' not in page and "Шараны талдаушы немесе әкімші қабылдай алады." in page
    assert _measures(web_db).empty


def test_adopt_two_targets_evaluated_and_audited(client, app, web_auth, tokens, web_db):
    body = {"unit": MAMLYUTKA, "mechanism": "support_centres", "start_year": 2016, "note": "synthetic test",
            "targets": [{"indicator": "unemployment_rate", "value": 5.0, "deadline_year": 2025},
                        {"indicator": "avg_monthly_nominal_wage", "value": 150, "unit": "тыс. тенге",
                         "deadline_year": 2024}]}
    res = client.post("/api/monitoring/measures", params={"lang": "ru"}, json=body)
    assert res.status_code == 200, res.text
    board = res.json()
    ids = board["added"]
    assert len(ids) == 2 and board["last_evaluation"]["evaluations"] == 2
    rows = {r["measure_id"]: r for r in _rows(board["measures"])}
    unemployment, wage = rows[ids[0]], rows[ids[1]]
    # baseline 6.5 % (2016), 5.8 % in 2020; the straight path to 5.0 by 2025 expects 6.5 - 1.5 * 4/9 in 2020
    assert unemployment["baseline_value"] == pytest.approx(6.5) and unemployment["status"] == "по плану"
    assert unemployment["expected"] == pytest.approx(6.5 - 1.5 * 4 / 9)
    assert unemployment["name"] == "г.Мамлютка"
    assert unemployment["mechanism"] == "Сеть территориальных центров поддержки"
    assert "база 6,5 (2016 г.)" in unemployment["facts"]
    assert wage["baseline_value"] == 85133 and wage["target_value"] == 150000  # thousand tenge converted
    stored = _measures(web_db)
    assert list(stored["note"]) == ["synthetic test"] * 2 and set(stored["start_year"]) == {2016}
    with web_auth.make_client(app, token=tokens["admin"]) as admin:
        trail = admin.get("/api/admin/audit", params={"user": "analyst1"}).json()
    actions = [dict(zip(trail["columns"], r, strict=True)) for r in trail["rows"]]
    added = [a for a in actions if a["action"] == "measure.add"]
    assert added and added[0]["target"] == ",".join(map(str, ids))


def test_out_of_range_fields_are_refused_by_field_in_the_page_language(client, web_db):
    body = {"unit": MAMLYUTKA, "mechanism": "support_centres", "start_year": 1800,
            "targets": [{"indicator": "unemployment_rate", "value": 5.0, "deadline_year": 3000}]}
    stored = len(_measures(web_db))
    ru = client.post("/api/monitoring/measures", params={"lang": "ru"}, json=body)
    assert ru.status_code == 422
    assert {e["field"]: e["message"] for e in ru.json()["errors"]} == {
        "start_year": "ожидается число ≥ 1990; получено 1800",
        "targets[0].deadline_year": "ожидается число ≤ 2100; получено 3000"}
    en = client.post("/api/monitoring/measures", json=body).json()  # API clients keep FastAPI's own answer
    assert [e["loc"] for e in en["detail"]] == [["body", "start_year"], ["body", "targets", 0, "deadline_year"]]
    assert len(_measures(web_db)) == stored

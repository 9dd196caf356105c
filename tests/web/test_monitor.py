"""The web monitoring board re-evaluates the monitoring rules on request (bundled real data; the measure,
its target and the imported 2021 value are synthetic)."""

from __future__ import annotations

import pytest

MAMLYUTKA = "595220100"


@pytest.fixture(scope="module")
def measure(web_db):
    """One adopted measure on Mamlyutka's unemployment rate (published: 5.8 % in 2020, Tables 1-2 of
    Turkeeva, Omarov & Abilkaiyr 2022); the target 5.0 by 2025 is synthetic."""
    from territoria.store import Store
    from territoria.store import measures as ms

    with Store(web_db) as store:
        return ms.add_measure(store, unit=MAMLYUTKA, mechanism="support_centres", indicator="unemployment_rate",
                              target_value=5.0, start_year=2016, deadline_year=2025)


def _rows(table):
    return [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]


def test_board_before_any_evaluation(client, measure):
    board = client.get("/api/monitoring", params={"lang": "en"}).json()
    assert board["last_evaluation"] is None
    row = _rows(board["measures"])[0]
    assert row["measure_id"] == measure and row["status"] is None  # adopted, never evaluated
    page = client.get("/monitor", params={"lang": "ru"})
    assert 'id="monitor-evaluate"' in page.text and "Пересчитать" in page.text


def test_reevaluate_then_import_changes_the_board(client, measure):
    first = client.post("/api/monitoring/evaluate", params={"lang": "en"})
    assert first.status_code == 200, first.text
    last = first.json()["last_evaluation"]
    assert last["evaluations"] == 1 and last["evaluated_at"]
    row = _rows(first.json()["measures"])[0]
    # Baseline 6.5 % (2016), latest 5.8 % (2020), target 5.0 by 2025: the straight path expects
    # 6.5 - 1.5 * 4/9 = 5.833 in 2020, and 5.8 is below it: on track.
    assert row["data_year"] == 2020 and row["value"] == pytest.approx(5.8)
    assert row["expected"] == pytest.approx(6.5 - 1.5 * 4 / 9) and row["status"] == "on track"
    changes = _rows(last["changes"])
    assert {(c["field"], c["after"]) for c in changes} >= {("Status", "on track"), ("Data year", 2020)}

    again = client.post("/api/monitoring/evaluate", params={"lang": "en"}).json()["last_evaluation"]
    assert again["evaluations"] == 0 and again["changes"]["rows"] == []  # nothing new, nothing changed

    good = b"unit,indicator,year,value\nMamlyutka,unemployment_rate,2021,4.9\n"  # synthetic value
    assert client.post("/api/import", files={"file": ("m.csv", good, "text/csv")}).status_code == 200
    before = _rows(client.get("/api/monitoring", params={"lang": "en"}).json()["measures"])[0]
    assert before["status"] == "on track"  # the import alone does not re-evaluate
    after = client.post("/api/monitoring/evaluate", params={"lang": "ru"}).json()
    row = _rows(after["measures"])[0]
    assert row["data_year"] == 2021 and row["status"] == "цель достигнута"
    assert "4,9" in row["facts"] and "Уровень безработицы" in row["facts"]
    changed = {c["field"]: (c["before"], c["after"]) for c in _rows(after["last_evaluation"]["changes"])}
    assert changed["Статус"] == ("по плану", "цель достигнута")
    assert changed["Год данных"] == (2020, 2021)
    assert changed["Значение"] == ("5,8", "4,9")  # numbers as a Russian reader writes them
    assert after["last_evaluation"]["changes"]["headers"][:2] == ["Вид", "№ меры"]


def test_page_button_without_script_redirects_to_the_board(client, measure):
    res = client.post("/monitor/evaluate", params={"lang": "kk"}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/monitor?lang=kk"
    board = client.get("/api/monitoring", params={"lang": "kk"}).json()
    assert board["last_evaluation"]["evaluations"] == 0
    assert _rows(board["measures"])[0]["status"] == "мақсатқа жетті"

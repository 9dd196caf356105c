"""What a page computes from an unchanged Store is computed once for every language, and computed again
when the data change: an import, a new stored assessment (bundled real data; the imported value and the
stored test assessment are synthetic)."""

from __future__ import annotations

from pathlib import Path

import pytest

DISTRICT = "595200000"  # Mamlyut district
SPEC = (Path(__file__).resolve().parents[1] / "fixtures" / "district_test_spec_2023.yaml").read_text("utf-8")


@pytest.fixture
def cores(monkeypatch):
    """The units whose language-free profile part was computed, in order."""
    from territoria.report import service

    seen: list[str] = []
    original = service._profile_core

    def counting(store, code, **kwargs):
        seen.append(code)
        return original(store, code, **kwargs)

    monkeypatch.setattr(service, "_profile_core", counting)
    return seen


def _year(doc: dict, year: str) -> list:
    """The values of ``year`` in the profile's indicator-by-year table (empty when it has no such column)."""
    table = next(s["table"] for s in doc["sections"] if s["id"] == "table")
    at = table["columns"].index(year) if year in table["columns"] else None
    return [] if at is None else [r[at] for r in table["rows"] if r[at] is not None]


def test_languages_share_the_profile_until_an_import_or_a_new_assessment(client, cores):
    ru = client.get(f"/api/units/{DISTRICT}/profile", params={"lang": "ru"}).json()
    assert _year(ru, "2001") == []
    for lang in ("kk", "en", "ru"):
        assert client.get(f"/api/units/{DISTRICT}/profile", params={"lang": lang}).status_code == 200
    assert cores == [DISTRICT]  # one diagnosis for three languages
    en = client.get(f"/api/units/{DISTRICT}/profile", params={"lang": "en"}).json()
    assert ru["meta"] == en["meta"]  # the same assessment and region behind both

    # an import of a value the Store does not hold yet: the profile shows it, computed anew
    csv = f"kato,indicator,year,value\n{DISTRICT},unemployment_rate,2001,7.25\n".encode()
    res = client.post("/api/import", files={"file": ("one_cell.csv", csv, "text/csv")})
    assert res.status_code == 200 and res.json()["rows_new"] == 1, res.text
    after = client.get(f"/api/units/{DISTRICT}/profile", params={"lang": "en"}).json()
    assert cores == [DISTRICT, DISTRICT]
    assert _year(after, "2001") == [7.25]

    # a new district assessment is stored: the profile now shows it (the latest of the unit's level)
    assert "test_districts" not in after["meta"]["assessment_note"]
    stored = client.post("/api/assess", json={"spec": SPEC, "name": "test_districts_cache"})
    assert stored.status_code == 200, stored.text
    newest = client.get(f"/api/units/{DISTRICT}/profile", params={"lang": "en"}).json()
    assert cores == [DISTRICT, DISTRICT, DISTRICT]
    assert "'test_districts_cache' v1" in newest["meta"]["assessment_note"], newest["meta"]


def test_a_stored_assessment_is_rebuilt_once_per_version_of_the_store(client, monkeypatch):
    """After a new assessment is stored (a new version of the Store), profiles of several districts in two
    languages (each reads the districts' and the regions' assessments) and a ranking rebuild each stored
    assessment they read from its parts once, the new one included."""
    from territoria.store import assessments

    rebuilt: list[tuple[str, int]] = []
    original = assessments._rebuilt

    def counting(store, row):
        rebuilt.append((str(row["name"]), int(row["version"])))
        return original(store, row)

    monkeypatch.setattr(assessments, "_rebuilt", counting)
    stored = client.post("/api/assess", json={"spec": SPEC, "name": "test_districts_rebuilt"})
    assert stored.status_code == 200, stored.text
    rebuilt.clear()                                     # what the write itself read
    for code in (DISTRICT, "595600000", "596000000"):
        for lang in ("ru", "en"):
            assert client.get(f"/api/units/{code}/profile", params={"lang": lang}).status_code == 200
    assert client.get("/api/ranking", params={"lang": "kk"}).status_code == 200
    names = [name for name, _ in rebuilt]
    assert "test_districts_rebuilt" in names and len(names) >= 2, rebuilt     # the districts' and the regions'
    assert len(rebuilt) == len(set(rebuilt)), rebuilt


def test_profiles_of_a_regions_districts_share_the_gaps_and_the_regions_diagnosis(client, monkeypatch):
    """What every unit of an assessment shares is computed once per version of the Store: the reference gaps
    of the districts' assessment, and the diagnosis of their region in the regions' assessment (the context
    each district's profile shows)."""
    from territoria.report import assessed

    gaps_of: list[tuple[str, object]] = []
    diagnosed: list[str] = []
    gaps, diagnose = assessed.reference_gaps, assessed.diagnose

    def counting_gaps(result, **kwargs):
        gaps_of.append((str(result.name), kwargs.get("year")))
        return gaps(result, **kwargs)

    def counting_diagnose(result, unit, **kwargs):
        diagnosed.append(str(unit))
        return diagnose(result, unit, **kwargs)

    # a new version of the Store (a value it does not hold yet): nothing of it is remembered
    csv = f"kato,indicator,year,value\n{DISTRICT},unemployment_rate,2002,7.5\n".encode()
    assert client.post("/api/import", files={"file": ("another_cell.csv", csv, "text/csv")}).status_code == 200
    monkeypatch.setattr(assessed, "reference_gaps", counting_gaps)
    monkeypatch.setattr(assessed, "diagnose", counting_diagnose)
    districts = ["593200000", "595800000", "596200000"]      # Ayyrtau, Akkayyn, Timiryazev: North Kazakhstan
    for code in districts:
        for lang in ("ru", "kk"):
            assert client.get(f"/api/units/{code}/profile", params={"lang": lang}).status_code == 200
    assert sorted(diagnosed) == sorted([*districts, "590000000"])  # each district, and their region once
    assert len(gaps_of) == 1, gaps_of                                # the districts' assessment, once

"""CONSTRUCTED Taldau answers for offline tests — not recorded from Taldau, and not statistics.

Their shape follows the protocol documented in /work/shared/data/ACCESS.md §1.2 (GetIndexData slices with
``terms``/``termNames``/``periods[{name, date, value}]``; GetIndexTreeData nodes with ``id``/``text``/``leaf``
as the string "true"/"false"; GetSegmentList ``dicId`` joined by " + " ...). Region term ids are the ones
public code records (ACCESS.md §1.3); district term ids (9100001...) and every value are made up for the
tests, chosen so that the arithmetic of the gates can be worked by hand.
"""

from __future__ import annotations

import json

from territoria.connectors.taldau import protocol
from territoria.connectors.taldau.cache import RawCache

WAGE_DICS = [68, 859, 776, 2813, 576]
WAGE_TOTALS = [741885, 741917, 3629946, 741935]
NK = 264023  # North Kazakhstan region term (macroradar regional.py)
AKMOLA = 247783

#: constructed district terms of North Kazakhstan (names as KATO writes them, Russian)
NK_DISTRICTS = {
    9100001: "г.Петропавловск",
    9100002: "Айыртауский район",
    9100003: "Район Магжана Жумабаева",
    9100004: "Мамлютский район",
}
#: the same districts' KATO codes (bundled units)
NK_KATO = {9100001: "591000000", 9100002: "593200000", 9100003: "593600000", 9100004: "595200000"}


def body(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def year_periods(values: dict[int, str]) -> list[dict[str, str]]:
    return [{"name": f"{y} год", "date": f"31.12.{y}", "value": v} for y, v in values.items()]


def slice_(terms: list[int], names: list[str], values: dict[int, str]) -> dict[str, object]:
    return {"terms": terms, "termNames": names, "periods": year_periods(values)}


def wage_cube() -> list[dict[str, object]]:
    """Republic, two regions and four NK districts; one slice on a non-total term (must be ignored)."""
    tot_names = ["Всего"] * 4
    rows = [
        slice_([741880, *WAGE_TOTALS], ["Республика Казахстан", *tot_names], {2022: "309 875", 2023: "363 559"}),
        slice_([NK, *WAGE_TOTALS], ["Северо-Казахстанская область", *tot_names], {2022: "231 000,5", 2023: "270 000"}),
        slice_([AKMOLA, *WAGE_TOTALS], ["Акмолинская область", *tot_names], {2022: "250 000", 2023: "x"}),
        slice_([NK, 999999, *WAGE_TOTALS[1:]], ["Северо-Казахстанская область", "Мужчины", *tot_names[1:]],
               {2022: "1", 2023: "1"}),
    ]
    district_values = {9100001: ("260 000", "300 000,25"), 9100002: ("200 000", "230 000"),
                       9100003: ("190 000", "-"), 9100004: ("180 000", "210 000")}
    for term, (v22, v23) in district_values.items():
        rows.append(slice_([term, *WAGE_TOTALS], [NK_DISTRICTS[term], *tot_names], {2022: v22, 2023: v23}))
    return rows


def housing_cube(*, republic_2023: str = "100", nk_2023: str = "60") -> list[dict[str, object]]:
    """Cumulative monthly cube (period 8): June and December of 2023; NK + Akmola = Republic in December."""
    def periods(june: str, dec: str) -> list[dict[str, str]]:
        return [{"name": "январь-июнь 2023", "date": "30.06.2023", "value": june},
                {"name": "январь-декабрь 2023", "date": "31.12.2023", "value": dec}]
    def piece(term: int, name: str, june: str, dec: str) -> dict[str, object]:
        return {"terms": [term, 808325], "termNames": [name, "Всего"], "periods": periods(june, dec)}
    return [piece(741880, "Республика Казахстан", "40", republic_2023),
            piece(NK, "Северо-Казахстанская область", "25", nk_2023),
            piece(AKMOLA, "Акмолинская область", "15", "40")]


def attributes(unit: str, name: str = "constructed indicator") -> dict[str, object]:
    return {"name": name, "measureName": unit, "path": "1/2/3"}


def nk_tree(extra: dict[int, str] | None = None) -> list[dict[str, object]]:
    nodes = {**NK_DISTRICTS, **(extra or {})}
    return [{"id": t, "text": n, "leaf": "false", "measureName": "тенге"} for t, n in nodes.items()]


def fill(cache: RawCache, request: protocol.Request, obj: object) -> None:
    cache.put(request, url="constructed://" + request.describe(), status=200, content_type="application/json",
              body=body(obj))


def fill_wage(cache: RawCache) -> None:
    fill(cache, protocol.index_attributes(702972), attributes("тенге", "Среднемесячная номинальная заработная плата"))
    fill(cache, protocol.index_data(702972, 7, WAGE_DICS), wage_cube())


def fill_nk_tree(cache: RawCache, extra: dict[int, str] | None = None) -> None:
    request = protocol.tree_data(702972, 7, WAGE_DICS, [NK, *WAGE_TOTALS], idx=0, parent_id=NK, measure_id=1)
    fill(cache, request, nk_tree(extra))


# --------------------------------------------------------------------------------------------------------------
# CONSTRUCTED cubes for the registry entries made ready from public code (population, births, deaths, industrial
# and agricultural output, fixed investment). Same slice shape as above. Years 2031-2032 lie outside every
# published year on purpose, so that importing them into a copy of the bundled Store can never be mistaken for,
# or collide with, a real figure. The Republic equals North Kazakhstan + Akmola in every year (the sum gate).

#: registry key -> (index id, period id, dics, total terms in dic order after the territory, Taldau unit,
#: values {term: {year: string as Taldau writes it}}, expected stored value {(kato, year): value in the
#: catalogue unit}); the expected values are worked by hand from the strings and the unit factor.
READY_CASES: dict[str, dict[str, object]] = {
    "population": {
        "index": 703831, "period": 7, "dics": [67, 749, 576, 1433], "totals": [741917, 741935, 3699122],
        "unit": "человек",
        "values": {741880: {2031: "1 000 000", 2032: "1 000 010"}, NK: {2031: "600 000", 2032: "600 005"},
                   AKMOLA: {2031: "400 000", 2032: "400 005"}},
        "expected": {("590000000", 2031): 600000.0, ("590000000", 2032): 600005.0,
                     ("110000000", 2031): 400000.0, ("110000000", 2032): 400005.0},
    },
    "births": {
        "index": 703839, "period": 7, "dics": [67, 749, 576], "totals": [741917, 741935], "unit": "человек",
        "values": {741880: {2031: "21 000", 2032: "20 500"}, NK: {2031: "12 000", 2032: "11 800"},
                   AKMOLA: {2031: "9 000", 2032: "8 700"}},
        "expected": {("590000000", 2031): 12000.0, ("590000000", 2032): 11800.0,
                     ("110000000", 2031): 9000.0, ("110000000", 2032): 8700.0},
    },
    "deaths": {
        "index": 703847, "period": 7, "dics": [67, 749, 576], "totals": [741917, 741935], "unit": "человек",
        "values": {741880: {2031: "7 000", 2032: "7 100"}, NK: {2031: "4 000", 2032: "4 100"},
                   AKMOLA: {2031: "3 000", 2032: "3 000"}},
        "expected": {("590000000", 2031): 4000.0, ("590000000", 2032): 4100.0,
                     ("110000000", 2031): 3000.0, ("110000000", 2032): 3000.0},
    },
    "agricultural_output": {
        "index": 701189, "period": 7, "dics": [67, 488, 773], "totals": [450122, 734928], "unit": "млн. тенге",
        "values": {741880: {2031: "4 000,0", 2032: "4 100,2"}, NK: {2031: "1 500,5", 2032: "1 600,1"},
                   AKMOLA: {2031: "2 499,5", 2032: "2 500,1"}},
        "expected": {("590000000", 2031): 1500.5, ("590000000", 2032): 1600.1,
                     ("110000000", 2031): 2499.5, ("110000000", 2032): 2500.1},
    },
    "industrial_output": {  # period 8: cumulative months; December holds the year; тыс. тенге -> billion tenge
        "index": 701592, "period": 8, "dics": [68, 90, 4303], "totals": [741927, 3079117], "unit": "тыс. тенге",
        "values": {741880: {2031: "3 000 000 000", 2032: "3 300 000 000"},
                   NK: {2031: "1 000 000 000", 2032: "1 100 000 000"},
                   AKMOLA: {2031: "2 000 000 000", 2032: "2 200 000 000"}},
        "expected": {("590000000", 2031): 1000.0, ("590000000", 2032): 1100.0,
                     ("110000000", 2031): 2000.0, ("110000000", 2032): 2200.0},
    },
    "fixed_investment": {  # period 8; тыс. тенге -> million tenge
        "index": 701827, "period": 8, "dics": [68, 90, 459, 4043], "totals": [741927, 807855, 19202525],
        "unit": "тыс. тенге",
        "values": {741880: {2031: "900 000 000", 2032: "950 000 000"},
                   NK: {2031: "300 000 000", 2032: "350 000 000"},
                   AKMOLA: {2031: "600 000 000", 2032: "600 000 000"}},
        "expected": {("590000000", 2031): 300000.0, ("590000000", 2032): 350000.0,
                     ("110000000", 2031): 600000.0, ("110000000", 2032): 600000.0},
    },
}

_TERRITORY_NAMES = {741880: "РЕСПУБЛИКА КАЗАХСТАН", NK: "Северо-Казахстанская область", AKMOLA: "Акмолинская область"}


def _periods(values: dict[int, str], cumulative: bool) -> list[dict[str, str]]:
    if not cumulative:
        return year_periods(values)
    out = []
    for year, december in values.items():  # a half-year value that must not be taken for the year
        out.append({"name": f"январь-июнь {year}", "date": f"30.06.{year}", "value": "1"})
        out.append({"name": f"январь-декабрь {year}", "date": f"31.12.{year}", "value": december})
    return out


def ready_cube(key: str) -> list[dict[str, object]]:
    """The constructed cube of registry entry ``key``: territory slices on the total terms, plus one slice on a
    term that is not the total of the first non-territorial axis (it must be ignored)."""
    case = READY_CASES[key]
    totals = list(case["totals"])  # type: ignore[arg-type]
    cumulative = case["period"] == 8
    names = ["Всего"] * len(totals)
    cube = [{"terms": [term, *totals], "termNames": [_TERRITORY_NAMES[term], *names],
             "periods": _periods(values, cumulative)}
            for term, values in case["values"].items()]  # type: ignore[union-attr]
    cube.append({"terms": [NK, 999999, *totals[1:]], "termNames": [_TERRITORY_NAMES[NK], "не всего", *names[1:]],
                 "periods": _periods({2031: "5", 2032: "5"}, cumulative)})
    return cube


def fill_ready(cache: RawCache, key: str) -> None:
    case = READY_CASES[key]
    fill(cache, protocol.index_attributes(case["index"]), attributes(case["unit"]))  # type: ignore[arg-type]
    fill(cache, protocol.index_data(case["index"], case["period"], case["dics"]), ready_cube(key))  # type: ignore[arg-type]

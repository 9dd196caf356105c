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

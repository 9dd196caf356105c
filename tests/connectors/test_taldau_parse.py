"""Parser golden tests on CONSTRUCTED answers (see constructed.py), plus registry and crosswalk rules."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from constructed import WAGE_DICS, body, wage_cube

from territoria.connectors.taldau import protocol
from territoria.connectors.taldau.crosswalk import load_crosswalk, map_terms, match_children
from territoria.connectors.taldau.errors import StructureChangedError
from territoria.connectors.taldau.gates import gate_sums
from territoria.connectors.taldau.parse import (
    decode,
    parse_index_data,
    parse_segment_list,
    parse_tree,
    parse_value,
)
from territoria.connectors.taldau.registry import conversion_factor, load_registry
from territoria.errors import SpecError


@pytest.mark.parametrize(("raw", "expected"), [
    ("1 234,5", (1234.5, "ok")), ("7.25", (7.25, "ok")), ("x", (None, "confidential")),
    ("х", (None, "confidential")), ("-", (0.0, "absent")), ("", (None, "missing")), (None, (None, "missing")),
    (12, (12.0, "ok")), ("\u00a0309\u00a0875", (309875.0, "ok")),
])
def test_value_strings(raw, expected):
    assert parse_value(raw) == expected


def test_unknown_value_string_names_the_place():
    with pytest.raises(StructureChangedError, match=r"slice 0.*'н/д'"):
        parse_index_data([{"terms": [1], "termNames": ["a"], "periods": [{"name": "2020", "date": "31.12.2020",
                                                                          "value": "н/д"}]}], dics=[67], where="Q")


def test_index_data_long_records():
    frame = parse_index_data(wage_cube(), dics=WAGE_DICS, where="Q")
    assert len(frame) == 8 * 2
    nk = frame[(frame["term_68"] == 264023) & (frame["term_859"] == 741885) & (frame["year"] == 2022)].iloc[0]
    assert nk["value"] == 231000.5 and nk["status"] == "ok" and nk["period_code"] == "122022"
    assert nk["period_end"] == date(2022, 12, 31) and nk["name_68"] == "Северо-Казахстанская область"
    akm = frame[(frame["term_68"] == 247783) & (frame["year"] == 2023)].iloc[0]
    assert pd.isna(akm["value"]) and akm["status"] == "confidential"


@pytest.mark.parametrize(("obj", "message"), [
    ([], "empty cube"),
    ({"error": "x"}, "expected a list"),
    ([{"terms": [1, 2], "termNames": ["a"], "periods": []}], "should hold 1 term"),
    ([{"termNames": ["a"], "periods": []}], "key 'terms' missing"),
    ([{"terms": [1], "termNames": ["a"], "periods": [{"name": "x", "date": "2020-12-31", "value": "1"}]}],
     "not dd.mm.yyyy"),
])
def test_changed_structure(obj, message):
    with pytest.raises(StructureChangedError, match=message):
        parse_index_data(obj, dics=[67], where="GET /ru/Api/GetIndexData/1")


def test_duplicate_slices_are_refused():
    piece = {"terms": [1], "termNames": ["a"], "periods": [{"name": "2020", "date": "31.12.2020", "value": "1"}]}
    with pytest.raises(StructureChangedError, match="appears twice"):
        parse_index_data([piece, dict(piece)], dics=[67], where="Q")


def test_html_page_is_not_json():
    page = "<!DOCTYPE html><html><head><title>Индекс за пределами диапазона</title></head></html>".encode()
    with pytest.raises(StructureChangedError, match="Индекс за пределами диапазона"):
        decode(page, "GET /ru/Api/GetIndexData/702972")


def test_segments_and_tree():
    seg = parse_segment_list([{"dicId": "67 + 848", "names": "Регионы + Тип сравнения", "termIds": "741880,2695730",
                               "termNames": "Республика Казахстан,к предыдущему периоду"}], "Q")
    assert seg.loc[0, "dics"] == [67, 848] and seg.loc[0, "total_terms"] == [741880, 2695730]
    tree = parse_tree([{"id": 5, "text": " Айыртауский район ", "leaf": "true"}], "Q")
    assert tree.to_dict("records") == [{"term": 5, "name": "Айыртауский район", "leaf": True}]
    with pytest.raises(StructureChangedError, match="'leaf'"):
        parse_tree([{"id": 5, "text": "a", "leaf": "maybe"}], "Q")


def test_canonical_request_ignores_parameter_order():
    a = protocol.Request.make("Api/GetIndexData/1", {"period": 7, "dics": "68,859"})
    b = protocol.Request.make("/Api/GetIndexData/1/", {"dics": [68, 859], "period": "7"})
    assert a.key() == b.key() and len(a.key()) == 64
    assert a.describe() == "GET /ru/Api/GetIndexData/1?dics=68%2C859&period=7"


def test_registry_registers_the_ten_and_marks_unknown_ids():
    reg = load_registry()
    wanted = {"wage", "population", "births", "deaths", "housing", "industrial_output", "agricultural_output",
              "fixed_investment", "grp", "grp_per_capita"}
    assert wanted <= set(reg)
    assert reg["wage"].index_id == 702972 and reg["wage"].request_terms(741880) == [741880, 741885, 741917,
                                                                                       3629946, 741935]
    assert reg["population"].ready and reg["population"].dics == (67, 749, 576, 1433)
    assert reg["net_migration"].status == "needs_discovery" and reg["net_migration"].dics is None
    assert reg["net_migration"].index_id is None and reg["net_migration"].open_data_element == 6567


def test_registry_errors_name_the_key(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("version: 1\nindicators:\n  w:\n    status: ready\n    index_id: 1\n    period_id: 7\n"
                    "    dics: [68, 5]\n    territory_dic: 68\n    totals: {}\n    levels: [region]\n"
                    "    bounds: [0, 1]\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"indicators\.w\.totals"):
        load_registry(path)


def test_unit_conversion():
    assert conversion_factor("млн. тенге", "billion tenge") == pytest.approx(1e-3)
    assert conversion_factor("кв. м", "m²") == 1.0
    with pytest.raises(SpecError, match="cannot convert"):
        conversion_factor("тонн", "m²")


def test_crosswalk_validity_dates():
    xw = load_crosswalk()
    rec = pd.DataFrame({"term": [77208141, 77208141, 261477, 20242100, 123],
                        "period_end": [date(2021, 12, 31), date(2022, 12, 31), date(2017, 12, 31),
                                       date(2018, 12, 31), date(2018, 12, 31)]})
    out = map_terms(rec, xw, term_col="term")
    assert out["map_status"].tolist() == ["outside_validity", "ok", "no_kato", "ok", "unknown_term"]
    assert out["kato"].tolist()[1] == "100000000" and out["kato"].tolist()[3] == "790000000"


def test_match_children_exact_only():
    """Synthetic units: two districts whose names fold to the same key are ambiguous; a near miss is unmatched."""
    units = pd.DataFrame([
        {"code": "R", "parent": "KZ", "level": "region", "name_ru": "Область", "name_kk": "", "name_en": ""},
        {"code": "D1", "parent": "R", "level": "district", "name_ru": "Абайский район", "name_kk": "Абай ауданы",
         "name_en": ""},
        {"code": "D2", "parent": "R", "level": "district", "name_ru": "Жарма район", "name_kk": "", "name_en": ""},
        {"code": "D3", "parent": "R", "level": "district", "name_ru": "Жарма ауданы", "name_kk": "", "name_en": ""},
    ])
    nodes = pd.DataFrame({"term": [1, 2, 3], "name": ["АБАЙ АУДАНЫ", "Жарма", "Абаевский район"]})
    out = match_children(nodes, parent_term=9, parent_kato="R", units=units, source="Q")
    assert out["status"].tolist() == ["matched", "ambiguous", "unmatched"]
    assert out.loc[1, "candidates"] == "D2;D3"
    assert out.loc[0, "kato"] == "D1" and out.loc[2, "kato"] == ""


def test_sum_gate_within_rounding():
    """Hand-worked: parts 1.2 + 2.3 + 3.4 = 6.9 against 7.0 (one decimal, 3 parts: allowance 0.15) passes;
    against 7.1 (difference 0.2) fails."""
    def frame(total):
        return pd.DataFrame({"kato": ["KZ", "a", "b", "c"], "level": ["country", "region", "region", "region"],
                             "parent_kato": ["", "KZ", "KZ", "KZ"], "year": 2020,
                             "value": [total, 1.2, 2.3, 3.4], "status": "ok"})
    assert gate_sums(frame(7.0)) == []
    problems = gate_sums(frame(7.1))
    assert len(problems) == 1 and "difference -0.2" in problems[0]


def test_constructed_bodies_are_json():
    assert decode(body(wage_cube()), "Q")[0]["terms"][0] == 741880


def test_docstring_examples():
    import doctest

    from territoria.connectors.taldau import gates, parse, registry

    for module in (parse, registry, gates):
        result = doctest.testmod(module, verbose=False, report=False)
        assert result.attempted > 0 and result.failed == 0, module.__name__

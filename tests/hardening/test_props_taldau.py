"""Property: a Taldau answer — a mutation of a CONSTRUCTED answer of the documented shape (values and term ids
made up, not statistics; see tests/connectors/constructed.py for the shape) — parses to records with finite
values, or raises StructureChangedError naming the request; never another exception."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from props_mutate import examples, mutated

from territoria.connectors.taldau.errors import StructureChangedError
from territoria.connectors.taldau.parse import (
    decode,
    parse_attributes,
    parse_index_data,
    parse_period_list,
    parse_segment_list,
    parse_tree,
    parse_value,
)
from territoria.errors import TerritoriaError

WHERE = "GetIndexData?p_index_id=702840&p_period_id=7"
DICS = [68, 776]
CUBE = [  # constructed: two regions, two years, one confidential and one absent value
    {"terms": [264023, 741917], "termNames": ["Северо-Казахстанская область", "Всего"],
     "periods": [{"name": "2022 год", "date": "31.12.2022", "value": "231 000,5"},
                 {"name": "2023 год", "date": "31.12.2023", "value": "x"}]},
    {"terms": [247783, 741917], "termNames": ["Акмолинская область", "Всего"],
     "periods": [{"name": "2022 год", "date": "31.12.2022", "value": "-"},
                 {"name": "январь-июнь 2023", "date": "30.06.2023", "value": 1500}]},
]
PERIODS = [{"id": 7, "name": "Год"}, {"id": 8, "text": "Месяц"}]
SEGMENTS = [{"dicId": "68 + 776", "names": "Территория + Пол", "termIds": "741880,741917",
             "termNames": "Республика Казахстан,Всего"}]
TREE = [{"id": 264023, "text": "Северо-Казахстанская область", "leaf": "false"},
        {"id": 9100002, "text": "Айыртауский район", "leaf": "true"}]
ATTRIBUTES = {"name": "Среднемесячная номинальная заработная плата", "measureName": "тенге", "path": "1/2/3"}
STATUSES = {"ok", "confidential", "absent", "missing"}


def _own(exc: BaseException, where: str) -> None:
    assert isinstance(exc, StructureChangedError), f"{type(exc).__name__}: {exc}"
    assert where in str(exc), f"the message does not name the request {where!r}: {exc}"


def _check_cube(frame: pd.DataFrame) -> None:
    assert {"term_68", "term_776", "name_68", "period_end", "year", "period_code", "value", "status"} <= set(frame)
    assert set(frame["status"]) <= STATUSES
    ok = frame["status"].isin(["ok", "absent"])
    assert frame.loc[ok, "value"].map(math.isfinite).all(), "a value marked ok/absent is not a finite number"
    assert frame.loc[~ok, "value"].isna().all()
    assert not frame.duplicated(["term_68", "term_776", "period_end"]).any()
    assert (frame["period_code"].str.len() == 6).all()


def test_constructed_cube_parses():
    frame = parse_index_data(CUBE, dics=DICS, where=WHERE)
    _check_cube(frame)
    assert frame["value"].tolist()[:1] == [231000.5] and frame["status"].tolist() == ["ok", "confidential",
                                                                                    "absent", "ok"]


@examples(150)
@given(mutated(CUBE))
def test_mutated_cube_parses_or_says_where(case):
    try:
        frame = parse_index_data(case[0], dics=DICS, where=WHERE)
    except Exception as exc:
        _own(exc, WHERE)
        return
    _check_cube(frame)


#: Value strings as Taldau and hand-made answers write them: digits with comma/point, spaces, NBSP, signs,
#: exponents, symbols, and the odd text.
value_text = st.one_of(
    st.from_regex(r"\A[+\-−]?[0-9]{1,3}([ \u00a0][0-9]{3}){0,3}([.,][0-9]{1,4})?([eE][+-]?[0-9]{1,4})?\Z"),
    st.sampled_from(["x", "х", "X", "-", "–", "—", "", " ", "…", "...", "н/д", "nan", "NaN", "inf", "Infinity",
                     "1e999", "-1e999", "1,2,3", "0x10", "١٢٣", "１２３", "1_000"]),
    st.text(max_size=8),
)


@examples(300)
@given(st.one_of(value_text, st.floats(), st.integers(), st.none(), st.booleans()))
def test_value_string_is_a_finite_number_a_status_or_an_error(raw):
    try:
        value, status = parse_value(raw, where="slice 3, period 1")
    except Exception as exc:
        _own(exc, "slice 3, period 1")
        return
    assert status in STATUSES
    assert (value is None) == (status in ("confidential", "missing"))
    assert value is None or math.isfinite(value)


@examples(100)
@given(st.one_of(mutated(CUBE), mutated(PERIODS), mutated(TREE)),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]), st.integers(0, 400),
       st.sampled_from(["json", "truncated", "html", "nan"]))
def test_answer_bytes_decode_or_say_where(case, encoding, cut, shape):
    text = json.dumps(case[0], ensure_ascii=False)
    if shape == "html":
        text = f"<html><head><title>Ошибка {cut}</title></head><body>{text}</body></html>"
    elif shape == "truncated":
        text = text[:cut]
    elif shape == "nan":
        text = text.replace("1500", "NaN")
    body = text.encode(encoding, errors="replace")
    try:
        obj = decode(body, WHERE)
    except Exception as exc:
        _own(exc, WHERE)
        return
    assert isinstance(obj, list | dict | str | int | float | bool | type(None))


@pytest.mark.parametrize(("parser", "base"), [(parse_period_list, PERIODS), (parse_segment_list, SEGMENTS),
                                              (parse_tree, TREE), (parse_attributes, ATTRIBUTES)],
                         ids=["period_list", "segment_list", "tree", "attributes"])
def test_mutated_lists_parse_or_say_where(parser, base):
    parser(base, WHERE)  # the base is valid

    @examples(60)
    @given(mutated(base))
    def prop(case):
        try:
            out = parser(case[0], WHERE)
        except Exception as exc:
            _own(exc, WHERE)
            return
        assert isinstance(out, pd.DataFrame | dict)

    prop()


def test_errors_are_the_projects_own():
    assert issubclass(StructureChangedError, TerritoriaError)


# -- regressions found by the properties above (each was another exception, or a wrong "ok") -------------

@pytest.mark.parametrize(("raw", "shown"), [(math.inf, "inf"), (math.nan, "nan"), ("1e999", "1e999"),
                                            ("-1e999", "-1e999")])
def test_non_finite_value_is_a_structure_change(raw, shown):
    """Was (inf, 'ok') / (nan, 'ok'): json.loads accepts NaN and Infinity, and '1e999' overflows to inf."""
    with pytest.raises(StructureChangedError, match=rf"slice 0, period 1: .*{shown}"):
        parse_value(raw, "slice 0, period 1")


@pytest.mark.parametrize("date", ["31.02.2023", "00.00.0000", "15.13.2023"])
def test_impossible_period_date_is_a_structure_change(date):
    """Was ValueError('day is out of range for month') from datetime.date."""
    cube = [{"terms": [1, 2], "termNames": ["a", "b"], "periods": [{"name": "?", "date": date, "value": "1"}]}]
    expected = rf"{re.escape(WHERE)}.*period date '{date}' is not a date of the calendar"
    with pytest.raises(StructureChangedError, match=expected):
        parse_index_data(cube, dics=DICS, where=WHERE)


@pytest.mark.parametrize("term", [math.inf, math.nan, 1.5, True, [1], "12a"])
def test_term_id_that_is_not_an_integer_is_a_structure_change(term):
    """inf was OverflowError; 1.5 and True were silently taken as terms 1."""
    cube = [{"terms": [term, 2], "termNames": ["a", "b"], "periods": [{"name": "2020", "date": "31.12.2020",
                                                                          "value": "1"}]}]
    with pytest.raises(StructureChangedError, match=rf"{re.escape(WHERE)}: slice 0.*is not an integer id"):
        parse_index_data(cube, dics=DICS, where=WHERE)


@pytest.mark.parametrize(("parser", "bad"), [
    (parse_period_list, [{"id": [7], "name": "Год"}]),
    (parse_period_list, [{"id": math.nan}]),
    (parse_segment_list, [{"dicId": "68 + пол"}]),
    (parse_segment_list, [{"dicId": "68", "termIds": "74x"}]),
    (parse_tree, [{"id": "abc", "text": "a", "leaf": "true"}]),
])
def test_list_ids_that_are_not_integers_are_structure_changes(parser, bad):
    """Were TypeError / ValueError from int()."""
    with pytest.raises(StructureChangedError, match=rf"{re.escape(WHERE)}.*is not an integer id"):
        parser(bad, WHERE)

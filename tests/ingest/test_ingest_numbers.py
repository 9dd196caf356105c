"""Number formats of Kazakh / Russian statistical tables (hand-written cases and property-based round trips)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.errors import TerritoriaError
from territoria.ingest.numbers import MISSING_MARKERS, NumberFormatError, parse_number, parse_numbers

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(("text", "expected"), [
    ("5,3", 5.3),                  # decimal comma
    ("5.3", 5.3),
    ("7 666", 7666.0),             # space as thousands separator (seed 002, Table 1: population 7 666)
    (f"7{NBSP}666", 7666.0),       # no-break space
    (f"7{NNBSP}666", 7666.0),      # narrow no-break space
    ("135 090", 135090.0),
    ("1 234,5", 1234.5),
    ("12 345 678,25", 12345678.25),
    ("1'234", 1234.0),             # apostrophe
    ("1’234.5", 1234.5),
    ("1.234,5", 1234.5),           # dot thousands and decimal comma
    ("1.234.567", 1234567.0),
    ("1,234.5", 1234.5),           # comma thousands and decimal point
    ("1,234,567", 1234567.0),
    ("-26", -26.0),                # hyphen-minus (seed 002, Table 1: migration balance -26)
    ("−44", -44.0),                # U+2212 minus sign
    ("–94", -94.0),                # en dash before a digit
    ("- 5", -5.0),
    ("+3", 3.0),
    ("12,5%", 12.5),               # percentages stay in percent
    ("5,0 %", 5.0),
    ("-0,5%", -0.5),
    (",5", 0.5),
    ("1,5E+03", 1500.0),
    ("2.5e-3", 0.0025),
    ("  7 666  ", 7666.0),
    (f"{NBSP}688,5{NBSP}", 688.5),
    ("0", 0.0),
    ("1,234", 1.234),              # one comma, no other separator: decimal (the region's convention)
    ("1.234", 1.234),
    (2015, 2015.0),                # numbers a spreadsheet already stores as numbers
    (113.4, 113.4),
    (np.int64(7), 7.0),
    (np.float32(0.5), 0.5),
])
def test_numbers_as_written(text: object, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("text", ["–", "-", "—", "−", "…", "...", "x", "х", "X", "Х", "*", "", "   ", NBSP,
                                  "н/д", "Н/Д", "n/a", None, float("nan"), np.nan])
def test_missing_markers(text: object) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["1,2,3", "12abc", "12 34", "1 2345", "1.2.3", "1..2", "1,,2", "abc", "--5",
                                  "5-", "12,5%%", "% 12", "1 234 56", "1.234,5,6", "1,234.5.6", "inf", "1e999",
                                  "7\u2009666\u2009", "x5", "True", True, float("inf"), [1], "½"])
def test_garbage_is_rejected_with_expectation(text: object) -> None:
    if text == "7\u2009666\u2009":  # a thin space inside and at the end: the end is stripped, the number is fine
        assert parse_number(text) == 7666.0
        return
    with pytest.raises(NumberFormatError) as info:
        parse_number(text)
    assert isinstance(info.value, TerritoriaError) and isinstance(info.value, ValueError)
    assert "expected a number" in str(info.value) and repr(text) in str(info.value)
    assert info.value.value == text


def test_marker_set_is_what_the_tables_use() -> None:
    for marker in ("–", "-", "—", "…", "...", "x", "х", "*", "", "н/д"):
        assert marker.casefold() in MISSING_MARKERS


def test_vectorised_form_locates_the_bad_cells() -> None:
    cells = pd.Series(["7 666", "5,3", "х", "1,2,3", 4542, None, "−50", "12abc", "12,5%", True],
                      index=["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
    values, invalid = parse_numbers(cells)
    assert list(invalid[invalid].index) == ["d", "h", "j"]
    expected = [7666.0, 5.3, np.nan, np.nan, 4542.0, np.nan, -50.0, np.nan, 12.5, np.nan]
    np.testing.assert_array_equal(values.to_numpy(), np.array(expected))
    assert values.index.equals(cells.index)


def test_vectorised_numeric_and_duplicate_index() -> None:
    values, invalid = parse_numbers(pd.Series([1.5, np.nan, np.inf], index=[0, 0, 1]))
    assert values.iloc[0] == 1.5 and np.isnan(values.iloc[1]) and np.isnan(values.iloc[2])
    assert invalid.tolist() == [False, False, True]
    values, invalid = parse_numbers(pd.Series(["1 234,5", "x", "bad"], index=[3, 3, 3]))
    assert values.iloc[0] == 1234.5 and invalid.tolist() == [False, False, True]


# -- property-based: format in a convention, parse, get the value back ------------------------------------------
def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head], *[digits[i:i + 3] for i in range(head, len(digits), 3)]])


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, float]:
    integer = draw(st.integers(min_value=0, max_value=10**12))
    decimals = draw(st.integers(min_value=0, max_value=4))
    frac = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=decimals, max_size=decimals)))
    negative = draw(st.booleans())
    exact = float(f"{'-' if negative else ''}{integer}{'.' + frac if frac else ''}")
    digits = str(integer)
    convention = draw(st.sampled_from(["plain_comma", "plain_dot", "space", "nbsp", "nnbsp", "apostrophe",
                                       "dot_groups", "comma_groups"]))
    if convention == "plain_comma":
        body = digits + ("," + frac if frac else "")
    elif convention == "plain_dot":
        body = digits + ("." + frac if frac else "")
    elif convention in ("space", "nbsp", "nnbsp"):
        sep = {"space": " ", "nbsp": NBSP, "nnbsp": NNBSP}[convention]
        body = _group(digits, sep) + ("," + frac if frac else "")
    elif convention == "apostrophe":
        body = _group(digits, "'") + ("." + frac if frac else "")
    elif convention == "dot_groups":
        # one dot group without a decimal part ("1.234") is read as a decimal point; give it a decimal part
        frac = frac or "0"
        body = _group(digits, ".") + "," + frac
    else:
        frac = frac or "0"
        body = _group(digits, ",") + "." + frac
    minus = draw(st.sampled_from(["-", "−", "–"]))
    percent = draw(st.sampled_from(["", "%", " %"]))
    pad = draw(st.sampled_from(["", " ", NBSP]))
    return f"{pad}{minus if negative else ''}{body}{percent}{pad}", exact


@settings(max_examples=400, deadline=None)
@given(written_numbers())
def test_round_trip_every_convention(case: tuple[str, float]) -> None:
    text, exact = case
    assert parse_number(text) == exact


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    written_numbers().map(lambda c: c[0]),
    st.text(alphabet="0123456789,. -−–%xх'*…", max_size=8),
    st.sampled_from(sorted(MISSING_MARKERS)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**9, max_value=10**9),
    st.none(),
), max_size=25))
def test_vectorised_equals_scalar(cells: list[object]) -> None:
    values, invalid = parse_numbers(pd.Series(cells, dtype=object))
    for cell, value, bad in zip(cells, values, invalid, strict=True):
        try:
            expected = parse_number(cell)
        except NumberFormatError:
            assert bad and math.isnan(value)
            continue
        assert not bad
        assert (expected is None and math.isnan(value)) or value == expected

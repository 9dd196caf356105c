"""Numbers as Kazakh and Russian statistical tables really write them.

A cell is one of three things:

* a **number**: ``5,3`` (decimal comma), ``7 666`` / ``7\u00a0666`` / ``7\u202f666`` (space, no-break space or
  narrow no-break space between groups of three digits), ``1'234`` (apostrophe), ``1.234,5`` (dot groups with a
  decimal comma), ``1,234.5`` (comma groups with a decimal point), ``-26`` / ``−26`` / ``–26`` (hyphen, minus
  sign or en dash before a digit), ``12,5%`` (a percentage stays in percent: 12.5), ``1,5E+03``, or a number
  that a spreadsheet already stores as a number;
* a **missing marker**: empty, ``–``, ``-``, ``—``, ``−``, ``…``, ``...``, ``..``, ``x``/``х``/``X``/``Х`` (Latin or
  Cyrillic, "confidential"), ``*``, ``н/д``, ``n/a``;
* anything else is **garbage** and is reported, never guessed: ``1,2,3``, ``12abc``, ``12 34`` (two numbers or a
  broken group).

Conventions for single separators follow the statistics of the region: one comma or one dot between digits is
a decimal separator (``1,234`` is 1.234, ``1.234`` is 1.234); grouping is recognised only when it is
unambiguous (two or more groups, or a group followed by the other decimal separator).

Units of measure: :func:`unit_factor` gives the factor by which a value written in a unit (``"тыс. тенге"``) is
multiplied to reach an indicator's canonical unit, from the catalogue's ``accepts_units``; spellings of one unit
in English, Russian and Kazakh (``thousand tenge`` / ``тыс. тенге`` / ``мың теңге``) are recognised as one.
"""

from __future__ import annotations

import math
import re
from numbers import Number
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from territoria.errors import TerritoriaError

if TYPE_CHECKING:
    from territoria.catalog.catalogue import Indicator

__all__ = ["EXPECTED_NUMBER", "MISSING_MARKERS", "NumberFormatError", "accepted_units", "parse_number",
           "parse_numbers", "unit_factor"]

#: Cell texts that mean "no figure" (compared after stripping and case folding).
MISSING_MARKERS: frozenset[str] = frozenset({
    "", "-", "–", "—", "−", "‒", "―", "…", "...", "..", "x", "х", "*", "**", "н/д", "н.д.", "нд", "n/a", "na",
    "nan", "none", "null",
})

#: What a number cell must look like; used in error messages.
EXPECTED_NUMBER = ("a number (e.g. 7 666, 5,3, -26, 1.234,5, 12,5%) or a missing marker "
                   "(empty, –, -, …, x, *, н/д)")

_SPACES = "\u0020\u00a0\u202f\u2009\u2007"
_APOSTROPHES = "'’ʼ"
_GROUP = f"[{_SPACES}{_APOSTROPHES}]"
_EXP = r"(?:[eE][+-]?\d+)?"

_NUMBER_RE = re.compile(
    r"^(?P<sign>[-+−–]?)\s*"
    r"(?:"
    rf"(?P<plain>(?:\d+(?:[.,]\d*)?|[.,]\d+){_EXP})"            # 5 | 5,3 | 5.3 | ,5 | 1,5E+03
    rf"|(?P<spaced>\d{{1,3}}(?:{_GROUP}\d{{3}})+(?:[.,]\d+)?)"   # 7 666 | 1 234,5 | 1'234.5
    r"|(?P<dotted>\d{1,3}(?:\.\d{3})+(?:,\d+)?)"                 # 1.234,5 | 1.234.567
    r"|(?P<commaed>\d{1,3}(?:,\d{3})+(?:\.\d+)?)"                # 1,234.5 | 1,234,567
    r")"
    r"(?P<pct>\s*%)?$"
)
_GROUP_RE = re.compile(_GROUP)


class NumberFormatError(TerritoriaError, ValueError):
    """A cell is neither a number nor a missing marker.

    Attributes
    ----------
    value : object
        The cell as found.
    expected : str
        What a number cell must look like.
    """

    def __init__(self, value: object, expected: str = EXPECTED_NUMBER) -> None:
        self.value, self.expected = value, expected
        super().__init__(f"found {value!r}, expected {expected}")


def _canonical(kind: str, body: str) -> str:
    """Rewrite the matched body of one pattern kind as a Python float literal."""
    if kind == "plain":
        return body.replace(",", ".")
    if kind == "spaced":
        return _GROUP_RE.sub("", body).replace(",", ".")
    if kind == "dotted":
        return body.replace(".", "").replace(",", ".")
    return body.replace(",", "")  # commaed


def parse_number(text: object) -> float | None:
    """Read one cell as a float; ``None`` for a missing marker.

    Parameters
    ----------
    text : object
        A string as typed in a table, or a number a spreadsheet already stores as a number
        (``int``, ``float``, NumPy scalar). ``None`` and NaN are missing.

    Returns
    -------
    float or None
        The value (a percentage is returned in percent: ``"12,5%"`` → 12.5), or ``None`` when the cell is a
        missing marker (see :data:`MISSING_MARKERS`).

    Raises
    ------
    NumberFormatError
        The cell is neither, e.g. ``"1,2,3"`` or ``"12abc"``; ``.value`` and ``.expected`` say why.

    Examples
    --------
    >>> parse_number("7 666"), parse_number("5,3"), parse_number("−26"), parse_number("1.234,5")
    (7666.0, 5.3, -26.0, 1234.5)
    >>> parse_number("х") is None
    True
    """
    if text is None:
        return None
    if isinstance(text, bool | np.bool_):
        raise NumberFormatError(text)
    if isinstance(text, Number):
        value = float(text)  # type: ignore[arg-type]
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise NumberFormatError(text)
        return value
    if not isinstance(text, str):
        raise NumberFormatError(text)
    stripped = text.strip()
    if stripped.casefold() in MISSING_MARKERS:
        return None
    match = _NUMBER_RE.match(stripped)
    if match is None:
        raise NumberFormatError(text)
    kind = next(k for k in ("plain", "spaced", "dotted", "commaed") if match.group(k) is not None)
    value = float(_canonical(kind, match.group(kind)))
    if not math.isfinite(value):
        raise NumberFormatError(text)
    return -value if match.group("sign") in ("-", "−", "–") else value


def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_number` over a column of cells.

    Parameters
    ----------
    series : pandas.Series
        Cells as text (object or string dtype), numbers, or a mix (spreadsheet columns).

    Returns
    -------
    values : pandas.Series of float64
        Parsed values, NaN where the cell is a missing marker or invalid; same index as ``series``.
    invalid : pandas.Series of bool
        True where the cell is neither a number nor a missing marker (the cell to report).

    Notes
    -----
    Strings are classified with one regular expression through ``Series.str.extract`` and converted with
    ``pandas.to_numeric``; the result equals ``[parse_number(x) for x in series]`` cell by cell (tested).
    """
    index = series.index
    if pd.api.types.is_bool_dtype(series.dtype):
        return (pd.Series(np.nan, index=index, dtype="float64"),
                pd.Series(True, index=index, dtype=bool))
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype("float64")
        return values.where(np.isfinite(values) | values.isna()), pd.Series(np.isinf(values), index=index)

    obj = series.astype(object).reset_index(drop=True)  # positional work; duplicate labels are fine
    is_str = obj.map(lambda v: isinstance(v, str)).astype(bool)
    is_missing_obj = obj.map(lambda v: v is None or (isinstance(v, float) and math.isnan(v))).astype(bool)
    is_num = obj.map(lambda v: isinstance(v, Number) and not isinstance(v, bool | np.bool_)).astype(bool)
    is_num &= ~is_missing_obj

    values = pd.Series(np.nan, index=obj.index, dtype="float64")
    invalid = ~(is_str | is_missing_obj | is_num)

    if is_num.any():
        nums = obj[is_num].astype("float64")
        finite = np.isfinite(nums)
        values[is_num] = nums.where(finite)
        invalid[is_num] = ~finite

    if is_str.any():
        text = obj[is_str].astype(str).str.strip()
        missing = text.str.casefold().isin(MISSING_MARKERS)
        parts = text[~missing].str.extract(_NUMBER_RE)
        matched = parts[["plain", "spaced", "dotted", "commaed"]].notna().any(axis=1)
        canon = pd.Series(np.nan, index=parts.index, dtype=object)
        canon = canon.where(parts["plain"].isna(), parts["plain"].str.replace(",", ".", regex=False))
        spaced = parts["spaced"].str.replace(_GROUP_RE, "", regex=True).str.replace(",", ".", regex=False)
        canon = canon.where(parts["spaced"].isna(), spaced)
        dotted = parts["dotted"].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        canon = canon.where(parts["dotted"].isna(), dotted)
        canon = canon.where(parts["commaed"].isna(), parts["commaed"].str.replace(",", "", regex=False))
        parsed = pd.to_numeric(canon, errors="coerce").astype("float64")
        finite = np.isfinite(parsed)
        negative = parts["sign"].isin(["-", "−", "–"])
        parsed = parsed.where(~negative, -parsed)
        str_values = pd.Series(np.nan, index=text.index, dtype="float64")
        str_values[parsed.index] = parsed.where(finite)
        str_invalid = pd.Series(False, index=text.index)
        str_invalid[parts.index] = ~(matched & finite)
        values[is_str] = str_values
        invalid[is_str] = str_invalid
    return values.set_axis(index), invalid.astype(bool).set_axis(index)


# -- measure units -----------------------------------------------------------------------------------------
# Spellings of one measure unit that mean the same thing (matched after _unit_key).
_UNIT_CLASSES: tuple[frozenset[str], ...] = (
    frozenset({"%", "percent", "per cent", "percentage", "процент", "проценты", "пайыз", "pct"}),
    frozenset({"person", "persons", "people", "чел", "человек", "адам", "pers"}),
    frozenset({"tenge", "тенге", "теңге", "kzt", "тг"}),
    frozenset({"thousand tenge", "тыс тенге", "мың теңге", "thousand kzt", "тыс тг", "thous tenge"}),
    frozenset({"million tenge", "млн тенге", "млн теңге", "million kzt", "mln tenge"}),
    frozenset({"billion tenge", "млрд тенге", "млрд теңге", "billion kzt", "bln tenge"}),
)


def _unit_key(text: object) -> str:
    return re.sub(r"\s+", " ", str(text).casefold().replace("ё", "е").replace(".", " ")).strip()


def unit_factor(indicator: Indicator, measure_unit: object) -> float | None:
    """Factor by which a value written in ``measure_unit`` is multiplied to reach the canonical unit.

    A blank measure unit or the canonical unit's own spelling (en/ru/kk) gives 1; spellings in
    ``indicator.accepts_units`` give their factor; spellings of the same unit in another language (e.g.
    "тыс. тенге" for a listed "thousand tenge") give the listed factor. ``None`` when the unit is not accepted.
    """
    if measure_unit is None or (isinstance(measure_unit, float) and np.isnan(measure_unit)):
        return 1.0
    key = _unit_key(measure_unit)
    if not key:
        return 1.0
    table = {_unit_key(k): float(v) for k, v in indicator.accepts_units.items()}
    for spelling in (indicator.unit.en, indicator.unit.ru, indicator.unit.kk):
        if spelling:
            table.setdefault(_unit_key(spelling), 1.0)
    if key in table:
        return table[key]
    for cls in _UNIT_CLASSES:
        if key in cls:
            hits = [v for k, v in table.items() if k in cls]
            if hits:
                return hits[0]
    return None


def accepted_units(indicator: Indicator) -> str:
    """The measure units accepted for ``indicator``, quoted, for messages."""
    names = [s for s in (indicator.unit.en, indicator.unit.ru) if s] + list(indicator.accepts_units)
    return ", ".join(repr(n) for n in dict.fromkeys(names)) or "(none listed)"

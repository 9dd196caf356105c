"""How many decimals a number gets when people read it: per indicator from the catalogue, per column otherwise.

Shared by the terminal tables (:mod:`territoria.interfaces.console`) and the workbook
(:mod:`territoria.report.workbook`), so a value is written with the same decimals on the screen and in
Excel. No I/O; the functions read the catalogue entry they are given.

Rules (the way the statistics office publishes each kind of figure):

* counts of persons, units and amounts in tenge: 0 decimals (610 200 persons, 71 520 tenge);
* thousands and millions (thousand persons, million tenge, thousand tonnes), m²: 1 decimal;
* percentages, rates per 100 / 1 000 / 10 000, growth, per-capita figures, years of life: 1 decimal;
* scores on a 1–5 scale, ratios to the national value, diversity in bits, variances: 2 decimals;
* indices on 0–1 or 0–2: 3 decimals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from territoria.catalog.catalogue import Catalogue, Indicator

__all__ = ["column_decimals", "format_number", "indicator_decimals", "is_plain_integer_column", "row_decimals",
           "value_decimals"]

_WHOLE_UNITS = {"persons", "units", "tenge", "tenge per month"}
_KIND_DECIMALS = {"as_published": 1, "per_capita": 1, "per_1000": 1, "per_10000": 1, "per_100": 1, "share": 1,
                  "growth": 1, "ratio_to_national": 2, "index": 2}
#: Result columns that are whole ranks or counts (Monte-Carlo rank percentiles may be fractional).
_RANK_COLUMNS = {"rank", "rank_in_region", "region_rank", "n_units", "n_in_region"}


def indicator_decimals(indicator: Indicator) -> int:
    """The decimals of ``indicator``'s values (see the module's rules)."""
    unit = indicator.unit.en.strip().lower()
    if indicator.kind == "absolute":
        if unit in _WHOLE_UNITS:
            return 0
        return 1
    if unit.startswith("index (0-"):
        return 3
    if unit.startswith("points") or unit in {"bits", "variance of ratios", "mg/m³"}:
        return 2
    return _KIND_DECIMALS.get(indicator.kind, 1)


def is_plain_integer_column(name: object) -> bool:
    """Columns written without thousands separators: years and identifiers (``year``, ``data_year``, ``measure_id``)."""
    text = str(name).lower()
    return "year" in text or text == "id" or text.endswith("_id") or text in {"k", "cluster", "level_no"}


def value_decimals(values: pd.Series) -> int:
    """Decimals from the values themselves: whole numbers 0; below 1 four (or three significant digits), below 10
    two, below 1 000 one, else 0."""
    finite = pd.to_numeric(values, errors="coerce").astype(float)
    finite = finite[np.isfinite(finite)]
    if finite.empty:
        return 0
    if bool((finite == finite.round()).all()):
        return 0
    top = float(finite.abs().max())
    if top >= 1000:
        return 0
    if top >= 10:
        return 1
    if top >= 1:
        return 2
    if top == 0:
        return 0
    return min(8, max(4, 2 - math.floor(math.log10(top))))  # three significant digits at least


def column_decimals(frame: pd.DataFrame, *, catalogue: Catalogue | None = None,
                    decimals: dict[str, int] | None = None) -> dict[str, int]:
    """Decimals for every numeric column of ``frame``.

    In order: ``decimals`` given by the caller; the catalogue's entry when the column is an indicator id;
    0 for ranks; otherwise from the values (:func:`value_decimals`).
    """
    out: dict[str, int] = {}
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        key = str(col)
        if decimals and key in decimals:
            out[key] = decimals[key]
        elif catalogue is not None and key in catalogue:
            out[key] = indicator_decimals(catalogue[key])
        elif key.lower() in ("lat", "lon") or key.lower().endswith(("_lat", "_lon")):
            out[key] = 4  # coordinates: about 10 m
        elif key in _RANK_COLUMNS or pd.api.types.is_integer_dtype(series):
            out[key] = 0
        else:
            out[key] = value_decimals(series)
    return out


def row_decimals(indicators: Iterable[object], catalogue: Catalogue) -> list[int | None]:
    """Decimals for rows that each hold one indicator (None for a row whose indicator the catalogue lacks)."""
    return [indicator_decimals(catalogue[str(i)]) if str(i) in catalogue else None for i in indicators]


def format_number(value: object, decimals: int, *, grouping: bool = True) -> str:
    """``value`` with ``decimals`` fixed decimals and thousands grouped (``1,234,567.8``); ``—`` when missing.

    Never scientific notation; a negative zero is written ``0``.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "—"
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    text = f"{number:{',' if grouping else ''}.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text

"""What-if: change indicator values of one unit and see its new sub-indices, composite, rank and level.

A change is written ``CODE:+2`` / ``CODE:-2`` (points, in the indicator's own unit), ``CODE:+15%``
(relative) or ``CODE:=5.1`` (a new value). The assessment is re-run on the changed table with the
same spec; its reference (goalposts, winsorisation) is refitted on the changed data, so the unit is
measured against the same other units as before.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pandas as pd

from territoria.assess.pipeline import Assessment
from territoria.assess.record import digest
from territoria.errors import DataError, UnknownNameError
from territoria.ingest.matching import suggest

__all__ = ["Change", "parse_change", "what_if"]

Change = tuple[str, str, float]   # (indicator, "add" | "mul" | "set", amount)
_PATTERN = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*:\s*(=)?\s*([+-]?\d+(?:[.,]\d+)?)\s*(%|pt|pp)?\s*$")


def parse_change(text: str) -> Change:
    """``"unemployment_rate:-2"`` → ("unemployment_rate", "add", -2.0); ``"x:+15%"`` → ("x", "mul", 1.15)."""
    m = _PATTERN.match(text)
    if not m:
        raise DataError(f"what-if change {text!r}: expected CODE:+N (points in the indicator's unit), "
                        "CODE:+N% (relative) or CODE:=N (new value), e.g. unemployment_rate:-2 or "
                        "money_income_ratio:+15%")
    code, setter, number, suffix = m.groups()
    amount = float(number.replace(",", "."))
    if setter:
        if suffix == "%":
            raise DataError(f"what-if change {text!r}: '=' sets a value in the indicator's unit; drop the '%'")
        return code, "set", amount
    if suffix == "%":
        if amount <= -100:
            raise DataError(f"what-if change {text!r}: a relative change must be above -100 %")
        return code, "mul", 1 + amount / 100
    return code, "add", amount


def what_if(result: Any, unit: str, changes: list[Change], *, year: int | None = None) -> pd.DataFrame:
    """Re-run the assessment with ``changes`` applied to ``unit``; compare before and after.

    Returns
    -------
    DataFrame
        Rows: each changed indicator (raw value), every aggregate (block sub-indices and composite),
        ``rank`` and ``level``; columns ``item, before, after, change``.
    """
    raw = (result.prepared.table if result.prepared is not None else result.tables["raw"]).copy()
    key: Any = str(unit)
    if isinstance(raw.index, pd.MultiIndex):
        years = sorted(set(raw.index.get_level_values("year")))
        year = int(year) if year is not None else int(years[-1])
        key = (str(unit), year)
    if key not in raw.index:
        units = list(dict.fromkeys(map(str, raw.index.get_level_values(0))))
        raise UnknownNameError("unit", str(unit), suggest(str(unit), units))
    rows = []
    for code, op, amount in changes:
        if code not in raw.columns:
            raise UnknownNameError("indicator", code, suggest(code, list(raw.columns)))
        before = raw.at[key, code]
        if pd.isna(before) and op != "set":
            raise DataError(f"what-if: unit {unit} has no value of {code} to change; use {code}:=VALUE")
        after = amount if op == "set" else before + amount if op == "add" else before * amount
        raw.at[key, code] = after
        rows.append({"item": code, "before": float(before) if pd.notna(before) else None, "after": float(after)})
    if result.prepared is None:
        raise DataError("what-if: this Result was loaded without its input; run the assessment again")
    # same validated input (directions from the catalogue, side columns) with the changed table
    prepared = dataclasses.replace(result.prepared, table=raw, sha256=digest(raw))
    new = Assessment(result.spec).execute(prepared)
    old_frame, new_frame = result.to_frame(), new.to_frame()
    for code in result.aggregates:
        rows.append({"item": code, "before": float(old_frame.loc[key, code]), "after": float(new_frame.loc[key, code])})
    rows.append({"item": "rank", "before": int(old_frame.loc[key, "rank"]), "after": int(new_frame.loc[key, "rank"])})
    table = pd.DataFrame(rows)
    table["change"] = pd.to_numeric(table["after"]) - pd.to_numeric(table["before"])
    levels = pd.DataFrame([{"item": "level", "before": old_frame.loc[key, "level"],
                            "after": new_frame.loc[key, "level"], "change": None}])
    return pd.concat([table.astype({"before": object, "after": object, "change": object}), levels],
                     ignore_index=True)

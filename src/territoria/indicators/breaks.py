"""Breaks of territory at district level, read from the crosswalk.

A district that gave territory to a new unit (or received some) is a different territory before and
after the change. BNS prints each year on the map of that year: the flows of the year of the change
(births, deaths, migration, housing) already on the new map, its 1 January stock still on the old one,
and the next 1 January on the new one. So for a unit whose territory changed in year *D*:

* a per-capita value of year *D* divides a new-map numerator by an old-map denominator — dropped;
* a change of the 1 January stock from *D* to *D + 1* compares two territories — dropped (year *D + 1*).

The changes are the crosswalk's district-level ``split_part`` rows (the parent that keeps its code)
and its ``territory_change`` rows (a unit that gained or lost territory without a single-parent split).
Region-level splits (2018, 2022) are not breaks here: their series are read on the old map through
:func:`territoria.catalog.units.to_old_map` instead. Pure pandas, no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["REGION_CODE", "break_mask", "territory_changes"]

#: Codes of regions, cities of republican significance and the ``X_`` regions (never district breaks).
REGION_CODE = r"^(\d{2}0000000|X_SOUTH_KAZAKHSTAN|KZ)$"


def territory_changes(crosswalk: pd.DataFrame | None) -> pd.DataFrame:
    """District-level units whose territory changed, with the year of the change.

    Returns
    -------
    DataFrame
        ``unit``, ``year`` (int), ``note`` — one row per (unit, year).
    """
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "year": pd.Series(dtype=int),
                          "note": pd.Series(dtype=str)})
    needed = {"old_code", "new_code", "date", "change_type"}
    if crosswalk is None or crosswalk.empty or not needed <= set(crosswalk.columns):
        return empty
    cw = crosswalk.dropna(subset=["old_code"])
    if "note" not in cw.columns:
        cw = cw.assign(note="")
    split = cw[(cw["change_type"] == "split_part") & (cw["old_code"] == cw["new_code"])]
    changed = cw[cw["change_type"] == "territory_change"]
    rows = pd.concat([split, changed], ignore_index=True)
    rows = rows[~rows["old_code"].astype(str).str.fullmatch(REGION_CODE)]
    years = pd.to_numeric(rows["date"].astype(str).str[:4], errors="coerce")
    out = pd.DataFrame({"unit": rows["old_code"].astype(str).to_numpy(), "year": years.to_numpy(),
                        "note": rows["note"].fillna("").astype(str).to_numpy()}).dropna(subset=["year"])
    out["year"] = out["year"].astype(int)
    return out.drop_duplicates(["unit", "year"]).reset_index(drop=True) if len(out) else empty


def break_mask(index: pd.MultiIndex, changes: pd.DataFrame, *, growth: bool) -> pd.Series:
    """True for the (unit, year) cells of ``index`` that straddle a change of territory.

    ``growth=True`` marks year *D + 1* (stock change across the break), otherwise year *D* (a flow on
    the new map over a stock on the old one).
    """
    if changes.empty or len(index) == 0:
        return pd.Series(False, index=index)
    shift = 1 if growth else 0
    keys = set(zip(changes["unit"], changes["year"] + shift, strict=True))
    units = index.get_level_values("unit")
    # only the cells of a changed unit can straddle a change: test those few, not every cell
    near = np.flatnonzero(np.asarray(units.isin(changes["unit"].unique()), dtype=bool))
    hit = np.zeros(len(index), dtype=bool)
    hit[near] = [(u, int(y)) in keys for u, y in zip(units[near].tolist(),
                                                       index.get_level_values("year")[near].tolist(), strict=True)]
    return pd.Series(hit, index=index)

"""Recompute the derived indicators after an import, inside the import's transaction.

Every relative indicator of the catalogue that has a formula (per capita, per 1,000, growth, ratio to
the national value...) is a function of stored series. When an import writes a series that a formula
reads, :func:`recompute_derived` evaluates the formulas again for the years that can depend on the
written cells (the year itself and the next one, for growth) and writes only the cells whose value
changed, appeared or can no longer be computed:

* a new cell is inserted with ``source_id = "derived"``, the import's id and a note naming the formula
  and its inputs (series, source and import of each input cell);
* a changed cell moves to ``observation_history`` (replaced by this import) and is written again;
* a cell whose inputs are gone is moved to the history and deleted;
* a cell holding a published value (any source but ``derived``) is never overwritten.

Because it runs in the import's transaction, a failure here rolls back the import as well.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd

from territoria.indicators.derive import derive, formula_series
from territoria.store.store import Store

__all__ = ["DERIVED_SOURCE", "recompute_derived"]

#: ``source_id`` of every derived cell (a row of the ``sources`` table says what it means).
DERIVED_SOURCE = "derived"
_RTOL = 1e-12


def _ensure_source(store: Store, when: datetime) -> None:
    have = store.con.execute("SELECT count(*) FROM sources WHERE source_id = ?", [DERIVED_SOURCE]).fetchall()[0][0]
    if not have:
        store.con.execute(
            "INSERT INTO sources (source_id, title, citation, retrieved) VALUES (?, ?, ?, ?)",
            [DERIVED_SOURCE, "Derived by Territoria from the stored series",
             "Territoria indicator catalogue (docs/indicators.md)", when.date().isoformat()])


def _in_years(frame: pd.DataFrame, years: set[int]) -> pd.DataFrame:
    return frame[frame["year"].isin(years)]


def recompute_derived(store: Store, written: pd.DataFrame, *, import_id: int, when: datetime,
                      hook: Callable[[str], None] | None = None) -> int:
    """Re-derive the formulas that read the series in ``written``; returns the number of cells written.

    Parameters
    ----------
    store : Store
        The Store, inside an open transaction.
    written : DataFrame
        ``unit, indicator, year`` of the cells the import stored (new or revised).
    import_id : int
        The import the derived cells are credited to.
    when : datetime
        Time of the import (history rows).
    hook : callable, optional
        Fault-injection hook, called with ``"derived"`` after the writes.
    """
    catalogue = store.catalogue
    formulas = [i for i in catalogue if i.formula is not None]
    series = formula_series(formulas)
    touched = written[written["indicator"].isin(series)]
    if touched.empty:
        return 0
    base = {int(y) for y in touched["year"]}
    years = base | {y + 1 for y in base}
    read_years = years | {y - 1 for y in years}
    con = store.con
    obs = con.execute(
        "SELECT unit, indicator, year, value, source_id, import_id FROM observations "
        "WHERE indicator IN (SELECT unnest(?)) AND year IN (SELECT unnest(?))",
        [series, sorted(read_years)]).df()
    units = con.execute("SELECT code, kind, level FROM units").df()
    crosswalk = con.execute("SELECT * FROM crosswalk").df()
    fresh = _in_years(derive(obs, catalogue, units=units, crosswalk=crosswalk), years)
    ids = [i.id for i in formulas]
    stored = con.execute(
        "SELECT unit, indicator, year, value, source_id FROM observations "
        "WHERE indicator IN (SELECT unnest(?)) AND year IN (SELECT unnest(?))", [ids, sorted(years)]).df()
    key = ["unit", "indicator", "year"]
    both = fresh.merge(stored, on=key, how="outer", suffixes=("", "_stored"), indicator=True)
    published = both["source_id_stored"].notna() & (both["source_id_stored"] != DERIVED_SOURCE)
    both = both[~published]
    new_v, old_v = both["value"].to_numpy(float), both["value_stored"].to_numpy(float)
    same = np.isclose(new_v, old_v, rtol=_RTOL, atol=0.0) | (np.isnan(new_v) & np.isnan(old_v))
    insert = both[(both["_merge"] == "left_only") | ((both["_merge"] == "both") & ~same)]
    replace = both[(both["_merge"] == "right_only") | ((both["_merge"] == "both") & ~same)]
    if insert.empty and replace.empty:
        return 0
    _ensure_source(store, when)
    if len(replace):
        con.register("_old_derived", replace[key])
        con.execute("""
            INSERT INTO observation_history
            SELECT o.unit, o.indicator, o.year, o.value, o.source_id, o.import_id, o.note, ?, ?
            FROM observations o JOIN _old_derived r USING (unit, indicator, year)""", [import_id, when])
        con.execute("""DELETE FROM observations o USING _old_derived r
                       WHERE o.unit = r.unit AND o.indicator = r.indicator AND o.year = r.year""")
        con.unregister("_old_derived")
    if len(insert):
        rows = insert[[*key, "value", "note"]].assign(source_id=DERIVED_SOURCE, import_id=import_id)
        con.register("_new_derived", rows)
        con.execute("INSERT INTO observations SELECT unit, indicator, year, value, source_id, import_id, note "
                    "FROM _new_derived")
        con.unregister("_new_derived")
    if hook is not None:
        hook("derived")
    return int(len(insert) + (replace["_merge"] == "right_only").sum())

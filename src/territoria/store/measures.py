"""Adopted measures, their evaluations and early warnings in the Store (schema v4).

History is never overwritten: a measure is inserted once (a withdrawal only sets ``withdrawn_at``),
every evaluation and warning is a new row, and a row identical to the latest one for the same measure
(same status, data year and import) is not repeated. Every write runs in ``store.transaction()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from territoria.catalog.catalogue import Catalogue
from territoria.errors import DataError, TerritoriaError, UnknownNameError, coded

if TYPE_CHECKING:
    from territoria.store.store import Store

__all__ = ["Target", "add_measure", "add_measures", "evaluations", "latest_import", "measure_problems", "measures",
           "record_evaluations", "record_warnings", "warnings", "withdraw_measure"]


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def latest_import(store: Store) -> int | None:
    """The id of the latest import (None for an empty Store)."""
    value = store.con.execute("SELECT max(import_id) FROM imports").fetchall()[0][0]
    return None if value is None else int(value)


def _convert_target(catalogue: Catalogue, indicator: str, value: float, given_unit: str | None) -> float:
    """``value`` in the indicator's canonical unit; a unit the catalogue does not accept is refused."""
    ind = catalogue[indicator]
    if given_unit is None or given_unit.strip() in (ind.unit.en, ind.unit.ru):
        return float(value)
    factors = {k.strip(): v for k, v in ind.accepts_units.items()}
    if given_unit.strip() not in factors:
        accepted = sorted({ind.unit.en, *factors})
        raise coded(DataError(f"target of {indicator}: unit {given_unit!r} is not a unit of this indicator "
                              f"(stored in {ind.unit.en!r}; accepted: {', '.join(repr(a) for a in accepted)})"),
                    "error.measure.target_unit", indicator=indicator, given=given_unit, accepted=accepted)
    return float(value) * factors[given_unit.strip()]


@dataclass(frozen=True)
class Target:
    """One target of a measure: indicator, target value (in ``unit`` when given), deadline year."""

    indicator: str
    value: float
    deadline_year: int
    unit: str | None = None


def measure_problems(store: Store, *, unit: str, mechanism: str, targets: Sequence[Target], start_year: int,
                     mechanisms: Sequence[str] | None = None) -> list[tuple[str, TerritoriaError]]:
    """Every reason a measure would be refused, by field (``unit``, ``mechanism``, ``start_year``,
    ``targets[i].indicator`` / ``.value`` / ``.unit`` / ``.deadline_year``), so that a form can show each
    beside its field; empty when :func:`add_measures` would store it."""
    catalogue, unit, found = store.catalogue, str(unit), []
    known_unit = not store.units(codes=[unit]).empty
    if not known_unit:
        found.append(("unit", UnknownNameError("unit", unit)))
    if mechanisms is not None and mechanism not in mechanisms:
        # lazy: layers: territoria.ingest.matching is above this module (known violation, pyproject.toml)
        from territoria.ingest.matching import suggest

        found.append(("mechanism", UnknownNameError("mechanism", mechanism, suggest(mechanism, list(mechanisms)))))
    if not targets:
        found.append(("targets", coded(DataError(f"measure {mechanism} for {unit}: no target indicator"),
                                       "error.measure.no_target")))
    seen: set[str] = set()
    for i, target in enumerate(targets):
        at = f"targets[{i}]"
        try:
            catalogue[target.indicator]
        except UnknownNameError as exc:
            found.append((f"{at}.indicator", exc))
            continue
        if target.indicator in seen:
            found.append((f"{at}.indicator", coded(DataError(f"measure {mechanism} for {unit}: indicator "
                                                             f"{target.indicator} is given twice"),
                                                   "error.measure.twice", indicator=target.indicator)))
        seen.add(target.indicator)
        if not math.isfinite(float(target.value)):
            found.append((f"{at}.value", coded(DataError(f"target of {target.indicator}: {target.value!r} is not "
                                                         "a finite number"), "error.measure.not_finite",
                                               value=str(target.value))))
        try:
            _convert_target(catalogue, target.indicator, target.value, target.unit)
        except DataError as exc:
            found.append((f"{at}.unit", exc))
        if int(target.deadline_year) <= int(start_year):
            found.append((f"{at}.deadline_year", coded(
                DataError(f"measure {mechanism} for {unit}: deadline {target.deadline_year} must be after the "
                          f"start year {start_year}"),
                "error.measure.deadline", deadline_year=int(target.deadline_year), start_year=int(start_year))))
        if known_unit and _baseline(store, unit, target.indicator, start_year) is None:
            found.append((f"{at}.indicator", coded(
                DataError(f"measure {mechanism} for {unit}: no value of {target.indicator} in or before "
                          f"{start_year} to serve as the baseline; import it first"),
                "error.measure.no_baseline", indicator=target.indicator, start_year=int(start_year))))
    return found


def _baseline(store: Store, unit: str, indicator: str, start_year: int) -> tuple[int, float] | None:
    base = store.query("SELECT year, value FROM observations WHERE unit = ? AND indicator = ? AND year <= ? "
                       "AND value IS NOT NULL ORDER BY year DESC LIMIT 1", [unit, indicator, int(start_year)])
    return None if base.empty else (int(base["year"].iloc[0]), float(base["value"].iloc[0]))


def add_measures(store: Store, *, unit: str, mechanism: str, targets: Sequence[Target], start_year: int,
                 note: str = "", mechanisms: Sequence[str] | None = None) -> list[int]:
    """Record an adopted measure with one or more target indicators (a row of ``measures`` each, written
    together or not at all); each baseline is the unit's value of the indicator in ``start_year`` (or the
    latest year before). Returns the new ``measure_id`` of each target, in order.

    Refused with the first problem of :func:`measure_problems` (nothing stored): an unknown unit,
    indicator or mechanism (``mechanisms``: the ids of the knowledge base), a target unit the indicator
    does not accept, a deadline not after the start, no value of the indicator for the unit up to the
    start year.
    """
    problems = measure_problems(store, unit=unit, mechanism=mechanism, targets=targets, start_year=start_year,
                                mechanisms=mechanisms)
    if problems:
        raise problems[0][1]
    unit, catalogue, ids = str(unit), store.catalogue, []
    rows = [(t, _convert_target(catalogue, t.indicator, t.value, t.unit),
             _baseline(store, unit, t.indicator, start_year)) for t in targets]
    with store.transaction():
        next_id = int(store.con.execute("SELECT coalesce(max(measure_id), 0) + 1 FROM measures").fetchall()[0][0])
        now = _now()
        for target, value, (base_year, base_value) in rows:  # type: ignore[misc]
            store.con.execute(
                "INSERT INTO measures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [next_id, unit, mechanism, target.indicator, int(start_year), base_year, base_value, value,
                 target.unit, int(target.deadline_year), note, now])
            ids.append(next_id)
            next_id += 1
    return ids


def add_measure(store: Store, *, unit: str, mechanism: str, indicator: str, target_value: float,
                deadline_year: int, start_year: int, target_unit: str | None = None, note: str = "",
                mechanisms: list[str] | None = None) -> int:
    """Record an adopted measure with one target (:func:`add_measures`). Returns the new ``measure_id``."""
    return add_measures(store, unit=unit, mechanism=mechanism, start_year=start_year, note=note,
                        mechanisms=mechanisms,
                        targets=[Target(indicator, target_value, deadline_year, target_unit)])[0]


def withdraw_measure(store: Store, measure_id: int) -> None:
    """Mark a measure as withdrawn (its row and evaluations stay)."""
    with store.transaction():
        found = store.con.execute("SELECT count(*) FROM measures WHERE measure_id = ?", [measure_id]).fetchall()
        if not found[0][0]:
            raise UnknownNameError("measure", str(measure_id))
        store.con.execute("UPDATE measures SET withdrawn_at = ? WHERE measure_id = ? AND withdrawn_at IS NULL",
                          [_now(), measure_id])


def measures(store: Store, *, active_only: bool = False) -> pd.DataFrame:
    """Measures with their latest evaluation (status, data year, value, expected, facts)."""
    where = "WHERE m.withdrawn_at IS NULL" if active_only else ""
    return store.query(f"""
        SELECT m.*, e.status, e.data_year, e.value, e.expected, e.evaluated_at, e.facts
        FROM measures m LEFT JOIN (
            SELECT * FROM measure_evaluations
            QUALIFY row_number() OVER (PARTITION BY measure_id ORDER BY evaluation_id DESC) = 1
        ) e USING (measure_id) {where} ORDER BY m.measure_id""")


def evaluations(store: Store, *, measure_id: int | None = None) -> pd.DataFrame:
    """Every evaluation ever recorded (oldest first)."""
    if measure_id is None:
        return store.query("SELECT * FROM measure_evaluations ORDER BY evaluation_id")
    return store.query("SELECT * FROM measure_evaluations WHERE measure_id = ? ORDER BY evaluation_id",
                       [int(measure_id)])


def record_evaluations(store: Store, frame: pd.DataFrame, *, import_id: int | None = None) -> int:
    """Append evaluations (from ``mechanisms.monitor.evaluate_measures``); returns rows added.

    A row equal to the measure's latest one in status, data year and import is skipped, so evaluating
    twice without new data adds nothing.
    """
    if frame.empty:
        return 0
    added = 0
    with store.transaction():
        latest = store.query("""SELECT measure_id, status, data_year, import_id FROM measure_evaluations
            QUALIFY row_number() OVER (PARTITION BY measure_id ORDER BY evaluation_id DESC) = 1""")
        last = {int(r.measure_id): (r.status, None if pd.isna(r.data_year) else int(r.data_year),
                                    None if pd.isna(r.import_id) else int(r.import_id))
                for r in latest.itertuples()}
        next_id = int(store.con.execute(
            "SELECT coalesce(max(evaluation_id), 0) + 1 FROM measure_evaluations").fetchall()[0][0])
        now = _now()
        for r in frame.itertuples():
            year = None if r.data_year is None or pd.isna(r.data_year) else int(r.data_year)
            if last.get(int(r.measure_id)) == (r.status, year, import_id):
                continue
            store.con.execute("INSERT INTO measure_evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                next_id, int(r.measure_id), now, import_id, year,
                None if r.value is None or pd.isna(r.value) else float(r.value),
                None if r.expected is None or pd.isna(r.expected) else float(r.expected), r.status, r.facts])
            next_id += 1
            added += 1
    return added


def record_warnings(store: Store, frame: pd.DataFrame, *, import_id: int | None = None) -> int:
    """Append early warnings not recorded before (same unit, kind, year and detail); returns rows added."""
    if frame.empty:
        return 0
    added = 0
    with store.transaction():
        seen = set(store.query("SELECT unit, kind, year, detail FROM monitor_warnings").itertuples(index=False,
                                                                                                   name=None))
        next_id = int(store.con.execute(
            "SELECT coalesce(max(warning_id), 0) + 1 FROM monitor_warnings").fetchall()[0][0])
        now = _now()
        for r in frame.itertuples():
            key = (str(r.unit), str(r.kind), int(r.year), str(r.detail))
            if key in seen:
                continue
            store.con.execute("INSERT INTO monitor_warnings VALUES (?, ?, ?, ?, ?, ?, ?)",
                              [next_id, *key, now, import_id])
            seen.add(key)
            next_id += 1
            added += 1
    return added


def warnings(store: Store) -> pd.DataFrame:
    """Every early warning recorded (oldest first)."""
    return store.query("SELECT * FROM monitor_warnings ORDER BY warning_id")

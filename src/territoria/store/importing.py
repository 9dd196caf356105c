"""Transactional, idempotent import of observations into a Store.

The rules (issue "Data foundation"):

* all rows of a file or none of them: the whole import runs in one DuckDB transaction;
* re-importing a file already imported (same SHA-256) changes nothing only while the Store holds every value
  it gives: read with other options (sheets, unit, indicator, layout, region, profile, source...) that give
  other cells, it is a new import, and the report says how the options differ from the earlier import's; when
  values it stored have been revised since, the re-import is refused as a conflict naming the revising
  imports, and ``revise=True`` applies the file again;
* :func:`undo_import` takes an import back as a revision of its own: every value it set returns to the value it
  replaced (a cell it created is removed), the replaced values go to ``observation_history``, derived cells are
  recomputed — all or nothing;
* a value that differs from a stored value for the same (unit, indicator, year) is a *conflict*:
  the import is refused with the list of conflicts unless ``revise=True``, in which case the old
  value moves to ``observation_history`` with the import that replaced it — published statistics
  are never silently overwritten;
* the derived indicators that read a written series are recomputed for the affected years in the same
  transaction (:func:`territoria.store.recompute.recompute_derived`), each cell credited to this import
  with a note naming its formula and inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from territoria import __version__
from territoria.errors import CellProblem, ConflictError, ImportRefusedError, InputFileError
from territoria.store.recompute import DERIVED_SOURCE, recompute_derived
from territoria.store.store import Store

__all__ = ["BATCH_ROWS", "ImportReport", "import_observations", "move_to_history", "undo_import"]

#: Rows written per INSERT; the fault-injection hook is called after each batch.
BATCH_ROWS = 50_000
#: Two values closer than this (relative) are the same published figure written twice.
SAME_VALUE_RTOL = 1e-12

FaultHook = Callable[[str], None]


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    ``already_imported`` is True when the file was imported before with the same options and the Store still
    holds every value it gives (``import_id`` is then the earlier import). ``same_file`` says, for a file
    imported before, which import that was and how its options differ; the same facts for a reader in
    another language: ``applied_again`` (the earlier import with the same options, applied again) and
    ``other_options`` (each earlier import that read the file with other options, and the option keys
    that differ). ``undo_of`` is the import an undo took
    back (``rows_revised`` values restored, ``rows_removed`` cells removed).
    """

    file: str
    file_sha256: str
    import_id: int | None
    rows_read: int
    rows_new: int = 0
    rows_same: int = 0
    rows_revised: int = 0
    rows_rejected: int = 0
    rows_derived: int = 0
    already_imported: bool = False
    revised: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    same_file: str = ""
    applied_again: int | None = None
    other_options: tuple[tuple[int, tuple[str, ...]], ...] = ()
    undo_of: int | None = None
    rows_removed: int = 0

    def summary(self) -> str:
        derived = f"; {self.rows_derived} derived cells recomputed" if self.rows_derived else ""
        if self.undo_of is not None:
            return (f"import #{self.import_id} undid import #{self.undo_of}: {self.rows_revised} value(s) restored "
                    f"to what they were before it, {self.rows_removed} cell(s) it had created removed{derived}; "
                    "the replaced values are kept in history")
        if self.already_imported:
            how = f"; {self.same_file}" if self.same_file else " with the same options"
            return (f"{self.file}: already imported as import #{self.import_id} (same SHA-256{how}), and the Store "
                    f"holds all {self.rows_read} of its values; nothing changed")
        text = (f"{self.file}: import #{self.import_id}: {self.rows_read} rows read, {self.rows_new} new, "
                f"{self.rows_same} already stored, {self.rows_revised} revised, {self.rows_rejected} rejected"
                + derived)
        return text + (f" ({self.same_file})" if self.same_file else "")


def _canonical(options: Mapping[str, object] | None, source_id: str | None) -> dict[str, object]:
    """The options that decide what is read from a file, as JSON would store them (the import's key)."""
    key = json.loads(json.dumps(dict(options or {}), default=str))
    key["source_id"] = source_id
    return key


def _changed_keys(old: dict[str, object], new: dict[str, object]) -> tuple[str, ...]:
    return tuple(k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k))


def _options_diff(old: dict[str, object], new: dict[str, object]) -> str:
    return ", ".join(f"{k}: {old.get(k)!r} then, {new.get(k)!r} now" for k in _changed_keys(old, new))


def _earlier_imports(store: Store, file_sha256: str, key: dict[str, object]
                     ) -> tuple[int | None, int | None, str, tuple[tuple[int, tuple[str, ...]], ...]]:
    """The earlier import of this file with the same options (or None), the first import of this file (or None),
    a sentence on the imports of it with other options and, per such import, the option keys that differ."""
    earlier = store.con.execute(
        "SELECT import_id, options_json FROM imports WHERE file_sha256 = ? AND finished_at IS NOT NULL "
        "ORDER BY import_id", [file_sha256]).fetchall()
    match, others, differ = None, [], []
    first = int(earlier[0][0]) if earlier else None
    for import_id, options_json in earlier:
        stored = json.loads(options_json) if options_json else {}
        stored.setdefault("source_id", None)
        if stored == key and match is None:
            match = int(import_id)
        elif stored != key:
            others.append(f"import #{import_id} read this file with other options ({_options_diff(stored, key)})")
            differ.append((int(import_id), _changed_keys(stored, key)))
    return match, first, "; ".join(others), tuple(differ)

def _validate(store: Store, rows: pd.DataFrame, file: str) -> pd.DataFrame:
    """Backstop checks on rows that a reader produced: known codes, integer years, numeric values."""
    needed = ["unit", "indicator", "year", "value"]
    missing = [c for c in needed if c not in rows.columns]
    if missing:
        raise ImportRefusedError(f"{file}: rows lack column(s) {missing}")
    frame = rows.copy()
    frame["unit"] = frame["unit"].astype(str)
    frame["indicator"] = frame["indicator"].astype(str)
    problems: list[CellProblem] = []
    row_numbers = frame["row"] if "row" in frame.columns else pd.Series(frame.index + 1, index=frame.index)
    known_units = set(store.query("SELECT code FROM units")["code"])
    # isin over the few distinct codes not known, not over the whole units table (converted on every import)
    unknown = [code for code in frame["unit"].unique() if code not in known_units]
    for idx in frame.index[frame["unit"].isin(unknown)]:
        problems.append(CellProblem(file, int(row_numbers[idx]), "unit", frame.at[idx, "unit"],
                                    "a unit code present in the Store (load units first)", code="store_unit"))
    known_ind = set(store.catalogue.ids)
    for idx in frame.index[~frame["indicator"].isin(known_ind)]:
        problems.append(CellProblem(file, int(row_numbers[idx]), "indicator", frame.at[idx, "indicator"],
                                    "an indicator id of the catalogue", code="store_indicator"))
    years = pd.to_numeric(frame["year"], errors="coerce")
    for idx in frame.index[years.isna() | (years != years.round())]:
        problems.append(CellProblem(file, int(row_numbers[idx]), "year", frame.at[idx, "year"], "a whole year",
                                    code="whole_year"))
    values = pd.to_numeric(frame["value"], errors="coerce")
    for idx in frame.index[values.isna() & frame["value"].notna()]:
        problems.append(CellProblem(file, int(row_numbers[idx]), "value", frame.at[idx, "value"], "a number",
                                    code="number"))
    levels = frame["unit"].map(store.query("SELECT code, level FROM units").set_index("code")["level"])
    implausible = frame.index[store.catalogue.implausible(frame["indicator"], values, levels)
                              & frame["indicator"].isin(known_ind).to_numpy()]
    sheets = frame["sheet"] if "sheet" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    for idx in implausible:
        level = None if pd.isna(levels[idx]) else str(levels[idx])
        sheet = None if pd.isna(sheets[idx]) else str(sheets[idx])
        code, params = store.catalogue[frame.at[idx, "indicator"]].expected_value_code(level)
        problems.append(CellProblem(file, int(row_numbers[idx]), "value", frame.at[idx, "value"],
                                    store.catalogue[frame.at[idx, "indicator"]].expected_value(level),
                                    sheet=sheet, code=code, params=params))
    dup = frame.duplicated(["unit", "indicator", "year"], keep=False)
    for idx in frame.index[dup]:
        problems.append(CellProblem(file, int(row_numbers[idx]), "unit/indicator/year",
                                    (frame.at[idx, "unit"], frame.at[idx, "indicator"], frame.at[idx, "year"]),
                                    "one row per (unit, indicator, year) in a file", code="one_row"))
    if problems:
        raise InputFileError(file, problems)
    frame["year"] = years.astype("int32")
    frame["value"] = values.astype("float64")
    return frame


def import_observations(
    store: Store,
    rows: pd.DataFrame,
    *,
    file: str,
    file_sha256: str,
    source_id: str | None = None,
    revise: bool = False,
    rows_rejected: int = 0,
    options: Mapping[str, object] | None = None,
    fault_hook: FaultHook | None = None,
) -> ImportReport:
    """Store ``rows`` (unit, indicator, year, value[, source_id, note]) in one transaction.

    Parameters
    ----------
    store : Store
        Target Store.
    rows : DataFrame
        Observations already parsed and matched to codes (see :func:`territoria.ingest.readers.read_table`).
    file, file_sha256 : str
        Where the rows came from and the file's hash; a hash already imported makes this a no-op.
    source_id : str, optional
        Source of rows that have no ``source_id`` of their own; created from the file when unknown.
    revise : bool, default=False
        Accept values that differ from stored ones, keeping the old ones in ``observation_history``.
    rows_rejected : int, default=0
        Rows the reader set aside (``--skip-invalid``), for the log.
    options : mapping, optional
        Reader options, kept in the import log.
    fault_hook : callable, optional
        Called with a stage name at every stage of the write (tests inject faults through it).

    Raises
    ------
    InputFileError
        Unknown unit codes or indicator ids, non-numeric values, duplicated keys (nothing stored).
    ConflictError
        Values differ from stored ones and ``revise`` is False (nothing stored).
    """
    hook = fault_hook or (lambda stage: None)
    key = _canonical(options, source_id)
    match, first, same_file, other_options = _earlier_imports(store, file_sha256, key)
    previous = match if match is not None else first
    same_options = " with the same options" if match is not None else ""
    frame = _validate(store, rows, file)
    default_source = source_id or f"file:{file_sha256[:12]}"
    if "source_id" not in frame.columns:
        frame["source_id"] = default_source
    frame["source_id"] = frame["source_id"].fillna(default_source).astype(str)
    if "note" not in frame.columns:
        frame["note"] = None
    frame = frame[["unit", "indicator", "year", "value", "source_id", "note"]].reset_index(drop=True)

    con = store.con
    with store.transaction():
        con.register("_incoming", frame.assign(_position=np.arange(len(frame))))
        compared = con.execute("""
            SELECT i._position, i.unit, i.indicator, i.year, o.value AS stored_value, i.value AS new_value,
                   o.source_id AS stored_source, o.import_id AS stored_import,
                   o.unit IS NOT NULL AS exists_already
            FROM _incoming i LEFT JOIN observations o
              ON o.unit = i.unit AND o.indicator = i.indicator AND o.year = i.year
            ORDER BY i._position
        """).df()
        con.unregister("_incoming")
        exists = compared["exists_already"].to_numpy(bool)
        stored, new = compared["stored_value"].to_numpy(float), compared["new_value"].to_numpy(float)
        both_nan = np.isnan(stored) & np.isnan(new)
        close = np.isclose(stored, new, rtol=SAME_VALUE_RTOL, atol=0.0) | both_nan
        same = exists & close
        conflict = exists & ~close
        conflicts = compared.loc[conflict, ["unit", "indicator", "year", "stored_value", "new_value",
                                            "stored_source", "stored_import"]].reset_index(drop=True)
        if previous is not None and not conflict.any() and exists.all():
            # the same file, and the Store holds every value it gives (whatever else the options say)
            return ImportReport(file, file_sha256, previous, len(frame), rows_same=len(frame),
                                already_imported=True, same_file=same_file if match is None else "",
                                other_options=other_options if match is None else ())
        if match is not None:
            same_file = f"this file was imported as import #{match} with the same options; it is applied again"
        if len(conflicts) and not revise:
            table = conflicts.head(20).to_string(index=False)
            if previous is not None:
                since = ", ".join(f"#{int(i)}" for i in sorted(conflicts["stored_import"].dropna().unique()))
                table = (f"This file was imported as import #{previous}{same_options}; the Store now holds "
                         f"values set since by import(s) {since}. Pass --revise to apply this file's values "
                         f"again.\n{table}")
            raise ConflictError(file, table, len(conflicts))

        import_id = int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0])
        now = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            "INSERT INTO imports (import_id, file, file_sha256, started_at, options_json, territoria_version) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [import_id, file, file_sha256, now, json.dumps(key, default=str), __version__])
        known_sources = set(con.execute("SELECT source_id FROM sources").df()["source_id"])
        if default_source not in known_sources and (frame["source_id"] == default_source).any():
            con.execute("INSERT INTO sources (source_id, title, citation, file_sha256, retrieved) "
                        "VALUES (?, ?, ?, ?, ?)", [default_source, file, f"Imported file {file}", file_sha256,
                                                   now.date().isoformat()])
        hook("logged")

        key_cols = ["unit", "indicator", "year"]
        if len(conflicts):
            move_to_history(con, conflicts[key_cols], import_id=import_id, now=now, hook=hook)
        to_write = frame.loc[~same].reset_index(drop=True)
        to_write.insert(5, "import_id", import_id)
        for start in range(0, len(to_write), BATCH_ROWS):
            batch = to_write.iloc[start:start + BATCH_ROWS]
            con.register("_batch", batch)
            con.execute("INSERT INTO observations SELECT unit, indicator, year, value, source_id, import_id, note "
                        "FROM _batch")
            con.unregister("_batch")
            hook(f"batch:{start // BATCH_ROWS}")
        derived = recompute_derived(store, to_write, import_id=import_id, when=now, hook=hook)
        report = ImportReport(
            file, file_sha256, import_id, rows_read=len(frame), rows_new=int((~exists).sum()),
            rows_same=int(same.sum()), rows_revised=len(conflicts), rows_rejected=rows_rejected,
            rows_derived=derived, revised=conflicts, same_file=same_file.rstrip("; "), applied_again=match,
            other_options=() if match is not None else other_options)
        con.execute("""UPDATE imports SET finished_at = ?, rows_read = ?, rows_new = ?, rows_same = ?,
                       rows_revised = ?, rows_rejected = ? WHERE import_id = ?""",
                    [datetime.now(UTC).replace(tzinfo=None), report.rows_read, report.rows_new,
                     report.rows_same, report.rows_revised, rows_rejected, import_id])
        hook("before_commit")
    return report


def undo_import(store: Store, import_id: int, *, fault_hook: FaultHook | None = None) -> ImportReport:
    """Take import ``import_id`` back, as a revision of its own recorded in the import log; all or nothing.

    Every published value the import set returns to the value it replaced (from ``observation_history``); a
    cell it created is removed. The values taken out go to ``observation_history``, replaced by the undo;
    the derived indicators that read them are recomputed (:func:`territoria.store.recompute.recompute_derived`).
    Re-importing the file afterwards applies it again.

    Raises
    ------
    ImportRefusedError
        No such finished import; an import that is itself an undo (re-import the file instead); an import
        already undone; or a later import has revised values this one set (undo that one first). Nothing
        is changed.
    """
    hook = fault_hook or (lambda stage: None)
    con = store.con
    found = con.execute("SELECT file, finished_at, options_json FROM imports WHERE import_id = ?",
                        [int(import_id)]).fetchall()
    if not found or found[0][1] is None:
        raise ImportRefusedError(f"import #{import_id}: no finished import with this number in the Store "
                                 "(see `territoria imports`); nothing was changed")
    file, _, options_json = found[0]
    if json.loads(options_json or "{}").get("undo") is not None:
        raise ImportRefusedError(f"import #{import_id} is itself an undo; to apply the undone file again, "
                                 "import it again; nothing was changed")
    for other, other_json in con.execute("SELECT import_id, options_json FROM imports WHERE import_id > ? "
                                         "AND finished_at IS NOT NULL", [int(import_id)]).fetchall():
        if json.loads(other_json or "{}").get("undo") == int(import_id):
            raise ImportRefusedError(f"import #{import_id} was already undone by import #{other}; "
                                     "nothing was changed")
    later = con.execute("""
        SELECT unit, indicator, year, replaced_by_import FROM observation_history
        WHERE import_id = ? AND source_id <> ? AND replaced_by_import <> ? ORDER BY unit, indicator, year""",
                        [int(import_id), DERIVED_SOURCE, int(import_id)]).df()
    if len(later):
        by = ", ".join(f"#{int(i)}" for i in sorted(later["replaced_by_import"].unique()))
        first = later.iloc[0]
        raise ImportRefusedError(
            f"import #{import_id}: {len(later)} value(s) it set have been revised since by import(s) {by} (e.g. "
            f"({first['unit']}, {first['indicator']}, {first['year']})); undo those first; nothing was changed")
    cells = con.execute("SELECT unit, indicator, year FROM observations WHERE import_id = ? AND source_id <> ?",
                        [int(import_id), DERIVED_SOURCE]).df()
    if cells.empty:
        raise ImportRefusedError(f"import #{import_id} ({file}) holds no value in the Store any more (it stored "
                                 "none, or other imports replaced them); nothing was changed")
    with store.transaction():
        undo_id = int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0])
        now = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            "INSERT INTO imports (import_id, file, file_sha256, started_at, options_json, territoria_version) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [undo_id, f"undo of import #{import_id} ({file})", f"undo:{import_id}", now,
             json.dumps({"undo": int(import_id)}), __version__])
        hook("logged")
        con.register("_undone", cells)
        before = con.execute("""
            SELECT h.unit, h.indicator, h.year, arg_max(h.value, h.replaced_at) AS value,
                   arg_max(h.source_id, h.replaced_at) AS source_id, arg_max(h.note, h.replaced_at) AS note
            FROM observation_history h JOIN _undone u USING (unit, indicator, year)
            WHERE h.replaced_by_import = ? GROUP BY 1, 2, 3""", [int(import_id)]).df()
        con.unregister("_undone")
        move_to_history(con, cells, import_id=undo_id, now=now, hook=hook)
        restored = before.assign(import_id=undo_id)
        con.register("_restored", restored)
        con.execute("INSERT INTO observations SELECT unit, indicator, year, value, source_id, import_id, note "
                    "FROM _restored")
        con.unregister("_restored")
        hook("batch:0")
        derived = recompute_derived(store, cells, import_id=undo_id, when=now, hook=hook)
        report = ImportReport(f"undo of import #{import_id}", f"undo:{import_id}", undo_id, rows_read=len(cells),
                              rows_revised=len(before), rows_derived=derived, undo_of=int(import_id),
                              rows_removed=len(cells) - len(before))
        con.execute("""UPDATE imports SET finished_at = ?, rows_read = ?, rows_new = 0, rows_same = 0,
                       rows_revised = ?, rows_rejected = 0 WHERE import_id = ?""",
                    [datetime.now(UTC).replace(tzinfo=None), len(cells), len(before), undo_id])
        hook("before_commit")
    return report


def move_to_history(con: Any, cells: pd.DataFrame, *, import_id: int, now: Any, hook: Any) -> None:
    """Move the stored values of ``cells`` (unit, indicator, year) to ``observation_history``, marked as
    replaced by ``import_id`` at ``now``, inside the caller's transaction."""
    con.register("_moved", cells[["unit", "indicator", "year"]])
    con.execute("""
        INSERT INTO observation_history
        SELECT o.unit, o.indicator, o.year, o.value, o.source_id, o.import_id, o.note, ?, ?
        FROM observations o JOIN _moved m USING (unit, indicator, year)""", [import_id, now])
    hook("history")
    con.execute("""DELETE FROM observations o USING _moved m
                   WHERE o.unit = m.unit AND o.indicator = m.indicator AND o.year = m.year""")
    con.unregister("_moved")

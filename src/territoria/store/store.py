"""The Store: one DuckDB file holding units, the catalogue, observations, sources and the import log."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.errors import StoreError
from territoria.panel import Panel
from territoria.store.connect import SHARED_READERS, lock_wait_seconds, open_with_retry
from territoria.store.export import export_parquet
from territoria.store.schema import SCHEMA_VERSION, current_version, migrate

__all__ = ["UNIT_TABLE_COLUMNS", "Store", "StoredValueWarning", "remembered"]

UNIT_TABLE_COLUMNS = [
    "code", "parent", "level", "kind", "name_en", "name_ru", "name_kk", "population", "population_year",
    "lat", "lon", "is_district_centre", "is_single_industry", "is_rural_support", "valid_from", "valid_to",
    "source_id", "note",
]
SOURCE_COLUMNS = ["source_id", "title", "publisher", "url", "retrieved", "licence", "how_obtained", "citation",
                  "file_sha256"]
CROSSWALK_COLUMNS = ["old_unit", "old_code", "new_unit", "new_code", "date", "legal_act", "change_type",
                     "source_id", "note"]


class StoredValueWarning(UserWarning):
    """A stored cell is infinite or outside its indicator's plausible range; readers leave it out.

    Only a Store written before the import checked values against the catalogue can hold one;
    :meth:`Store.bad_cells` lists them for a page to show.
    """


class Store:
    """A Territoria Store in one DuckDB file.

    Parameters
    ----------
    path : str or Path
        The database file; created (with its parent folder) when it does not exist. ``":memory:"``
        gives a throw-away Store.
    read_only : bool, default=False
        Open without the right to write (several readers may then share the file).
    catalogue : Catalogue, optional
        The indicator catalogue; the package's own by default.
    lock_timeout : float, optional
        Seconds to keep trying while another process holds the file (DuckDB allows one writing process,
        or several reading ones). Default: ``TERRITORIA_LOCK_TIMEOUT`` or 10 s when opening to write
        (a web reader holds the file only for the length of a request), 0 when opening read-only (the
        web app has its own fallback). Then a :class:`StoreError` says the file is busy.
    shared : bool, default=False
        With ``read_only``: attach the file to this process's one in-memory DuckDB instance instead of
        starting a database instance of its own, for short reads opened again and again (a web request
        each). Starting an instance registers DuckDB's whole built-in catalogue, about 20 ms of CPU; an
        attach costs about 3 ms. The file's shared lock is held from the open to :meth:`close`, as with
        a connection of its own, so a writer in another process waits for it likewise.

    Notes
    -----
    Every write that belongs together runs in one transaction: an import is stored whole or not at
    all (see :mod:`territoria.store.importing`).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, catalogue: Catalogue | None = None,
                 lock_timeout: float | None = None, shared: bool = False) -> None:
        self.path = str(path)
        self._attached: str | None = None  # the attached path when ``shared``; released on close
        self.catalogue = catalogue or load_catalogue()
        if self.path != ":memory:":
            if read_only and not Path(self.path).exists():
                raise StoreError(f"{self.path}: no Store here; create one with `territoria load-bundled` "
                                 "or `territoria import FILE`")
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        wait = lock_wait_seconds(lock_timeout, read_only)
        if shared and read_only and self.path != ":memory:":
            self.con, self._attached = open_with_retry(lambda: SHARED_READERS.attach(self.path), self.path, wait)
        else:
            self.con = open_with_retry(lambda: duckdb.connect(self.path, read_only=read_only), self.path, wait)
        version = current_version(self.con)
        if version > SCHEMA_VERSION:
            self.close()
            raise StoreError(f"{self.path}: schema version {version} was written by a newer Territoria "
                             f"(this one knows up to {SCHEMA_VERSION}); upgrade Territoria to open it")
        if version < SCHEMA_VERSION:
            if read_only:  # migrate once with write access, then reopen as asked (not shared: rare)
                self.close()
                with duckdb.connect(self.path) as writable:
                    migrate(writable)
                self.con = duckdb.connect(self.path, read_only=True)
            else:
                migrate(self.con)

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()
        if self._attached is not None:
            SHARED_READERS.detach(self._attached)
            self._attached = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return current_version(self.con)

    # -- reference tables ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is written together or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def _rewrite(self, table: str, frame: pd.DataFrame, columns: list[str], *, where: str,
                 params: list[object] | None = None) -> None:
        """Delete the rows ``where`` selects (it may refer to ``_incoming``) and insert ``frame``, atomically."""
        self.con.register("_incoming", frame.reindex(columns=columns))
        try:
            with self.transaction():
                self.con.execute(f"DELETE FROM {table} WHERE {where}", params or [])
                self.con.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM _incoming")
        finally:
            self.con.unregister("_incoming")

    def _replace_table(self, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
        self._rewrite(table, frame, columns, where="true")

    def _upsert(self, table: str, key: str, frame: pd.DataFrame, columns: list[str]) -> None:
        self._rewrite(table, frame, columns, where=f"{key} IN (SELECT {key} FROM _incoming)")

    def put_units(self, units: pd.DataFrame) -> None:
        """Insert or replace units by code (columns as :data:`UNIT_TABLE_COLUMNS`)."""
        frame = units.reset_index() if "code" not in units.columns else units
        frame = frame.astype({"code": str})
        self._upsert("units", "code", frame, UNIT_TABLE_COLUMNS)

    def put_crosswalk(self, crosswalk: pd.DataFrame) -> None:
        """Replace the crosswalk of administrative changes."""
        frame = crosswalk.rename(columns={"old_kato": "old_code", "new_kato": "new_code"})
        self._replace_table("crosswalk", frame, CROSSWALK_COLUMNS)

    def put_sources(self, sources: pd.DataFrame) -> None:
        """Insert or replace sources by source_id."""
        self._upsert("sources", "source_id", sources, SOURCE_COLUMNS)

    def sync_catalogue(self, catalogue: Catalogue | None = None) -> None:
        """Write the indicator catalogue into the Store (the full definition kept as JSON)."""
        catalogue = catalogue or self.catalogue
        rows = [{
            "id": i.id, "block": i.block, "slot": i.slot, "direction": i.direction, "kind": i.kind,
            "name_en": i.name.en, "name_ru": i.name.ru, "name_kk": i.name.kk,
            "unit_en": i.unit.en, "unit_ru": i.unit.ru, "unit_kk": i.unit.kk,
            "definition_json": json.dumps(i.model_dump(mode="json"), ensure_ascii=False, sort_keys=True),
        } for i in catalogue]
        columns = ["id", "block", "slot", "direction", "kind", "name_en", "name_ru", "name_kk",
                   "unit_en", "unit_ru", "unit_kk", "definition_json"]
        self._upsert("indicators", "id", pd.DataFrame(rows, columns=columns), columns)

    def put_unit_list(self, name: str, members: pd.DataFrame) -> None:
        """Replace the named list of units (columns ``code``, ``status``, ``citation``, ``note``)."""
        self._rewrite("unit_lists", members.assign(list=name), ["list", "code", "status", "citation", "note"],
                      where="list = ?", params=[name])

    def unit_list(self, name: str) -> pd.DataFrame:
        """Members of a named list with their unit names, level and parent."""
        return self.query("""
            SELECT l.code, u.name_en, u.name_ru, u.name_kk, u.level, u.parent, l.status, l.citation, l.note
            FROM unit_lists l LEFT JOIN units u USING (code) WHERE l.list = ? ORDER BY l.code""", [name])

    def add_unit_alias(self, alias: str, code: str, *, source: str = "user") -> None:
        self.con.execute("INSERT OR IGNORE INTO unit_aliases VALUES (?, ?, ?)", [alias, code, source])

    # -- reading -------------------------------------------------------------------------------
    def export_parquet(self, directory: str | Path, **options: object) -> Path:
        """The wide panel as partitioned Parquet, by DuckDB (see :func:`territoria.store.export.export_parquet`)."""

        return export_parquet(self, directory, **options)  # type: ignore[arg-type]

    def query(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def units(self, *, level: str | None = None, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Units indexed by code, optionally filtered by level or codes (read once per version of the file
        where the Store carries the web's read memo: a page asks for the same units several times)."""
        sql, params = "SELECT * FROM units", []
        clauses = []
        if level is not None:
            clauses.append("level = ?")
            params.append(level)
        if codes is not None:
            codes = list(codes)
            clauses.append("code IN (SELECT unnest(?))")
            params.append(codes)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        key = ("store.units", level, None if codes is None else tuple(map(str, codes)))
        return self._read(key, lambda: self.query(sql + " ORDER BY code", params).set_index("code"))

    def _read(self, key: tuple[Any, ...], read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """``read()``, once per version of the file where the Store carries the web's read memo
        (:func:`remembered`), each caller then getting its own shallow copy: pandas copies on write, so
        changing it leaves the remembered frame as it was."""
        if getattr(self, "derived", None) is None:
            return read()
        return _own(remembered(self, key, read))

    def unit_aliases(self) -> pd.DataFrame:
        return self.query("SELECT alias, code, source FROM unit_aliases ORDER BY alias")

    def crosswalk(self) -> pd.DataFrame:
        return self._read(("store.crosswalk",), lambda: self.query("SELECT * FROM crosswalk"))

    def sources(self) -> pd.DataFrame:
        return self.query("SELECT * FROM sources ORDER BY source_id")

    def imports(self) -> pd.DataFrame:
        return self.query("SELECT * FROM imports ORDER BY import_id")

    def history(self) -> pd.DataFrame:
        """Every value replaced by a revision, with the import that replaced it."""
        return self.query("SELECT * FROM observation_history ORDER BY unit, indicator, year, replaced_at")

    def observations(self, *, units: Iterable[str] | None = None, indicators: Iterable[str] | None = None,
                     years: Iterable[int] | None = None, level: str | None = None) -> pd.DataFrame:
        """Observations in long form (unit, indicator, year, value, source_id, import_id, note)."""
        clauses, params = [], []
        if units is not None:
            clauses.append("o.unit IN (SELECT unnest(?))")
            params.append([str(u) for u in units])
        if indicators is not None:
            clauses.append("o.indicator IN (SELECT unnest(?))")
            params.append(list(indicators))
        if years is not None:
            clauses.append("o.year IN (SELECT unnest(?))")
            params.append([int(y) for y in years])
        if level is not None:
            clauses.append("u.level = ?")
            params.append(level)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = ("SELECT o.unit, o.indicator, o.year, o.value, o.source_id, o.import_id, o.note, u.level AS _level "
               "FROM observations o LEFT JOIN units u ON u.code = o.unit" + where +
               " ORDER BY o.unit, o.indicator, o.year")

        def read() -> tuple[pd.DataFrame, str | None]:
            frame = self.query(sql, params)
            bad = self.catalogue.implausible(frame["indicator"], frame["value"], frame["_level"])
            if not bad.any():
                return frame.drop(columns="_level"), None
            message = _bad_cells_message(self.path, frame.loc[bad])
            return frame.loc[~bad].reset_index(drop=True).drop(columns="_level"), message

        # A page reads the same unit's series several times: with the web's read memo (:func:`remembered`),
        # a read of named units is made once per version of the file (reads of whole levels are not kept:
        # they are large and read once). The warning about bad cells is given on every read.
        memo = getattr(self, "derived", None) is not None and units is not None
        key = ("store.observations", *(tuple(p) if isinstance(p, list) else p for p in params), where)
        frame, message = remembered(self, key, read) if memo else read()
        if message is not None:
            warnings.warn(StoredValueWarning(message), stacklevel=2)
        return _own(frame) if memo else frame

    def bad_cells(self) -> pd.DataFrame:
        """Stored cells that are infinite or outside the catalogue's plausible range (readers leave them out).

        Columns unit, indicator, year, value, import_id, level, expected. Empty for a Store whose every
        import went through the catalogue's checks.
        """
        frame = self.query("SELECT o.unit, o.indicator, o.year, o.value, o.import_id, u.level "
                           "FROM observations o LEFT JOIN units u ON u.code = o.unit "
                           "ORDER BY o.unit, o.indicator, o.year")
        frame = frame.loc[self.catalogue.implausible(frame["indicator"], frame["value"], frame["level"])]
        expected = [self.catalogue[i].expected_value(None if pd.isna(lev) else lev) if i in self.catalogue
                    else "an indicator of the catalogue" for i, lev in zip(frame["indicator"], frame["level"],
                                                                           strict=True)]
        return frame.assign(expected=expected).reset_index(drop=True)

    def panel(self, *, level: str | None = None, indicators: Iterable[str] | None = None,
              years: Iterable[int] | None = None, units: Iterable[str] | None = None,
              borders: str = "own") -> Panel:
        """A :class:`~territoria.panel.Panel` of the stored observations (all filters optional).

        ``borders="own"`` gives every year on its own borders (as published); ``"old"`` puts every year
        on the map before the 2018 and 2022 splits (see :func:`territoria.indicators.borders.on_old_map`).
        """
        if borders not in ("own", "old"):
            raise StoreError(f"borders must be 'own' or 'old', got {borders!r}")
        if borders == "old":
            return self._panel_on_old_map(level=level, indicators=indicators, years=years, units=units)
        obs = self.observations(units=units, indicators=indicators, years=years, level=level)
        obs["year"] = obs["year"].astype(int)
        unit_meta = self.units(codes=obs["unit"].unique().tolist()) if len(obs) else self.units(level=level)
        return Panel(obs, unit_meta, self.catalogue, label=f"store:{self.path}")

    def _panel_on_old_map(self, *, level: str | None, indicators: Iterable[str] | None,
                          years: Iterable[int] | None, units: Iterable[str] | None) -> Panel:
        # lazy: layers: territoria.indicators.borders is above this module (known violation, pyproject.toml)
        from territoria.indicators.borders import on_old_map

        every = self.observations(years=years)
        all_units = self.units()
        obs, _ = on_old_map(every[["unit", "indicator", "year", "value", "source_id"]], self.catalogue,
                            crosswalk=self.crosswalk(), units=all_units.reset_index())
        keep = pd.Series(True, index=obs.index)
        if level is not None:
            keep &= obs["unit"].map(all_units["level"]).eq(level)
        if indicators is not None:
            keep &= obs["indicator"].isin(set(indicators))
        if units is not None:
            keep &= obs["unit"].isin({str(u) for u in units})
        obs = obs[keep].reset_index(drop=True)
        obs["year"] = obs["year"].astype(int)
        meta = all_units.loc[all_units.index.isin(obs["unit"].unique())].copy()
        # on the old map the old units exist in every year and the parts of a split do not
        for column in ("valid_from", "valid_to"):
            meta[column] = None
        return Panel(obs, meta, self.catalogue, label=f"store:{self.path} (old borders)")

    def coverage(self, *, level: str | None = None) -> pd.DataFrame:
        """Per level and indicator: units, first and last year, years present and cells with a value."""
        params: list[object] = []
        where = ""
        if level is not None:
            where, params = "WHERE u.level = ?", [level]
        sql = f"""
            SELECT coalesce(u.level, '?') AS level, o.indicator,
                   count(DISTINCT o.unit) AS units, min(o.year) AS first_year, max(o.year) AS last_year,
                   count(DISTINCT o.year) AS years, count(o.value) AS cells
            FROM observations o LEFT JOIN units u ON u.code = o.unit {where}
            GROUP BY 1, 2 ORDER BY 1, 2"""
        table = self.query(sql, params)
        names = {i.id: i.name.en for i in self.catalogue}
        blocks = {i.id: i.block or "" for i in self.catalogue}
        table.insert(2, "name", table["indicator"].map(names))
        table.insert(3, "block", table["indicator"].map(blocks))
        return table

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (for status lines and tests)."""
        tables = ["units", "indicators", "observations", "observation_history", "sources", "imports",
                  "crosswalk", "unit_aliases", "unit_lists", "assessments"]
        return {t: int(self.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in tables}


def remembered(store: Any, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered under ``key`` when ``store`` carries a ``derived`` memo: the web application
    gives each Store it opens for reading one, valid for that version of the file
    (:class:`territoria.web.context.WebContext`), so what several requests read of one version is computed
    once. Without a memo (the CLI, the reports, a Store opened for writing), computed every time."""
    memo = getattr(store, "derived", None)
    return compute() if memo is None else memo(key, compute)


def _own(frame: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy of a remembered frame for one caller (its index too: a name set is the caller's)."""
    mine = frame.copy(deep=False)
    mine.index = frame.index.copy()
    return mine


def _bad_cells_message(path: str, cells: pd.DataFrame, limit: int = 5) -> str:
    listed = "; ".join(f"({r.unit}, {r.indicator}, {r.year}) = {r.value!r} from import #{r.import_id}"
                       for r in cells.head(limit).itertuples())
    more = f"; and {len(cells) - limit} more" if len(cells) > limit else ""
    return (f"{path}: {len(cells)} stored cell(s) left out, infinite or outside the catalogue's plausible range: "
            f"{listed}{more}. Correct them with `territoria import FILE --revise` or "
            "`territoria history --undo IMPORT_ID`.")

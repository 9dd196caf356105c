"""Export the Store's panel to partitioned Parquet with DuckDB, for engines that read it in pieces.

Layout of ``directory`` (a Hive-partitioned dataset, one folder per year)::

    year=2023/part-0.parquet     unit, level, <indicator>...   (one row per unit, sorted by unit)
    _units.parquet                the units table of the exported units (code, parent, level, ...)
    territoria.json              years, level, indicator ids and catalogue directions, row counts

Each year's file is written by one DuckDB ``COPY (PIVOT ...) TO ... (FORMAT parquet, ROW_GROUP_SIZE n)``
straight from the database, so the panel never passes through pandas; a reader (e.g.
``dask.dataframe.read_parquet(..., split_row_groups=True)``) gets one partition per row group. A
year holds the units that existed on that year's borders (:meth:`territoria.panel.Panel.existing_in`),
as :meth:`Store.panel` followed by ``Panel.wide(year)`` would give them.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from territoria.errors import StoreError

__all__ = ["FORMULA_STARTS", "export_parquet", "neutralise_formulas", "read_manifest"]

MANIFEST = "territoria.json"
#: First characters that make a spreadsheet read a text cell as a formula ("CSV injection", OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


def _neutral(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet: text that would start a formula gets an apostrophe.

    A text cell or column name starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return (a note
    ``=HYPERLINK(...)`` from an imported file) is written as ``'=HYPERLINK(...)``, which Excel and LibreOffice
    show as text. Numbers, and text that is just a signed number (``-26``), are left as they are.

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"note": ["=1+1", "-26", "ok"], "v": [-1.5, 2.0, 3.0]}))
        note    v
    0  '=1+1 -1.5
    1    -26  2.0
    2     ok  3.0
    """
    out = frame.copy()
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out.isetitem(j, column.map(_neutral))
    if not isinstance(out.columns, pd.MultiIndex):
        out.columns = [_neutral(c) for c in out.columns]
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def export_parquet(store: Any, directory: str | Path, *, level: str | None = None,
                   years: Iterable[int] | None = None, indicators: Iterable[str] | None = None,
                   row_group_size: int = 100_000, overwrite: bool = False) -> Path:
    """Write the wide panel (units × indicators, one folder per year) as Parquet; returns ``directory``.

    Parameters
    ----------
    store : Store
    directory : str or Path
        Created; must be empty or absent unless ``overwrite``.
    level : str, optional
        Only units of this level (``region``, ``district``...).
    years, indicators : iterable, optional
        Default: every year / indicator with an observation.
    row_group_size : int, default=100_000
        Rows per Parquet row group (the unit of reading for a partitioned reader).

    Raises
    ------
    StoreError
        ``directory`` exists and is not empty (without ``overwrite``), or nothing matches the filters.
    """
    # lazy: heavy (pydantic), which territoria.interfaces.cli.data does not load
    from territoria.panel import Panel

    out = Path(directory)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise StoreError(f"{out}: the folder is not empty; choose another or pass overwrite=True")
        shutil.rmtree(out)
    con = store.con
    clauses, params = [], []
    if level is not None:
        clauses.append("u.level = ?")
        params.append(level)
    if indicators is not None:
        clauses.append("o.indicator IN (SELECT unnest(?))")
        params.append(list(indicators))
    if years is not None:
        clauses.append("o.year IN (SELECT unnest(?))")
        params.append([int(y) for y in years])
    where = " AND ".join(clauses) or "TRUE"
    base = f"FROM observations o JOIN units u ON u.code = o.unit WHERE {where}"
    found = con.execute(f"SELECT DISTINCT o.year {base} ORDER BY 1", params).fetchall()
    ids = [r[0] for r in con.execute(f"SELECT DISTINCT o.indicator {base} ORDER BY 1", params).fetchall()]
    if not found:
        raise StoreError(f"export_parquet: no observation for level={level!r}, years={years!r}, "
                         f"indicators={indicators!r}")
    codes = [r[0] for r in con.execute(f"SELECT DISTINCT o.unit {base}", params).fetchall()]
    meta = store.units(codes=codes)
    probe = Panel(pd.DataFrame({"unit": pd.Series(dtype=str), "indicator": pd.Series(dtype=str),
                                "year": pd.Series(dtype=int), "value": pd.Series(dtype=float)}),
                  meta, store.catalogue)
    out.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(f"first(o.value) FILTER (WHERE o.indicator = ?) AS {_quote(i)}" for i in ids)
    rows = {}
    for (year,) in found:
        existing = [str(c) for c in probe.existing_in(int(year))]
        folder = out / f"year={int(year)}"
        folder.mkdir()
        sql = (f"COPY (SELECT o.unit AS unit, any_value(u.level) AS level, {columns} {base} AND o.year = ? "
               "AND o.unit IN (SELECT unnest(?)) GROUP BY o.unit ORDER BY o.unit) "
               f"TO '{folder / 'part-0.parquet'}' (FORMAT parquet, ROW_GROUP_SIZE {int(row_group_size)})")
        con.execute(sql, [*ids, *params, int(year), existing])
        rows[int(year)] = int(con.execute(f"SELECT count(*) FROM '{folder / 'part-0.parquet'}'").fetchone()[0])
    meta.reset_index().to_parquet(out / "_units.parquet", index=False)
    catalogue = store.catalogue
    manifest = {"format": "territoria-wide-parquet/1", "level": level, "years": sorted(rows),
                "rows": {str(k): v for k, v in rows.items()}, "indicators": ids,
                "catalogue_ids": list(catalogue.ids),
                "directions": {i.id: i.direction for i in catalogue if i.direction in (1, -1)},
                "row_group_size": int(row_group_size), "store": str(store.path)}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return out


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The ``territoria.json`` of an exported folder.

    Raises
    ------
    StoreError
        No manifest there (not a folder written by :func:`export_parquet`).
    """
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise StoreError(f"{directory}: no {MANIFEST}; expected a folder written by "
                         "`territoria data export-parquet` / Store.export_parquet")
    return json.loads(path.read_text(encoding="utf-8"))

"""The only I/O of ``assess``, called by interfaces: the small files a spec may point to (expert / AHP
weights, read into the spec by :func:`resolve_file_references` before the method runs) and wide tables."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from territoria.assess.reproduce import Reproduction
from territoria.assess.spec import spec_error_from
from territoria.assess.weights_file import WEIGHTS_MAX_BYTES, read_weights, resolve_file_references
from territoria.errors import DataError, SpecError

__all__ = ["WEIGHTS_MAX_BYTES", "read_reproductions", "read_weights", "read_wide_table", "resolve_file_references"]


def read_wide_table(path: str | Path, id_column: str, *, year_column: str | None = None) -> pd.DataFrame:
    """Read a CSV (also ``.csv.gz``), XLSX or Parquet wide table, one row per unit, indexed by ``id_column``.

    The id column stays text (leading zeros kept), a byte-order mark is tolerated, the separator is
    sniffed; other columns are kept as read (the spec picks its indicators). With ``year_column`` the
    table is a panel: one row per (unit, year), indexed by (``id_column``, ``year``), years integers.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        table = pd.read_excel(path, dtype={id_column: str})
    elif suffix == ".parquet":
        table = pd.read_parquet(path)
    else:
        table = _read_csv(path, id_column)
    table.columns = [str(c).strip() for c in table.columns]
    if id_column not in table.columns:
        raise DataError(f"{path}: no column {id_column!r}; columns are {', '.join(table.columns[:20])}")
    ids = table[id_column].astype("string").str.strip()
    if year_column is not None:
        return _panel(path, table.assign(**{id_column: ids}), id_column, year_column)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise DataError(f"{path}: column {id_column!r} has duplicated id {dup.iloc[0]!r}; one row per unit "
                        "(a table with several years needs --year-column)")
    return table.assign(**{id_column: ids}).set_index(id_column)


def _sniffed_separator(path: Path) -> str | None:
    """The separator pandas' Python engine would sniff (:class:`csv.Sniffer` on the first line), or None
    when the file is compressed otherwise than gzip or the line gives no answer."""
    name = path.name.lower()
    if name.endswith((".bz2", ".zip", ".xz", ".zst", ".tar", ".tar.gz", ".tgz")):
        return None
    opener = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
            line = f.readline()
        return csv.Sniffer().sniff(line).delimiter if line.strip() else None
    except (OSError, UnicodeDecodeError, csv.Error, EOFError):
        return None


def _read_csv(path: Path, id_column: str) -> pd.DataFrame:
    """A CSV read by pandas' C parser with the separator its Python engine sniffs (the Python engine parses
    every cell in Python: seconds for a few thousand rows of a hundred columns). pandas 3's C parser rounds
    numbers correctly, as Python's ``float`` in the Python engine does, so every value keeps its bits; a
    file whose first line names no separator goes to the Python engine, which sniffs and refuses as before."""
    sep = _sniffed_separator(path)
    if sep is None:
        return pd.read_csv(path, dtype={id_column: str}, encoding="utf-8-sig", sep=None, engine="python")
    return pd.read_csv(path, dtype={id_column: str}, encoding="utf-8-sig", sep=sep, engine="c")


def _panel(path: Path, table: pd.DataFrame, id_column: str, year_column: str) -> pd.DataFrame:
    if year_column not in table.columns:
        raise DataError(f"{path}: no year column {year_column!r}; columns are {', '.join(table.columns[:20])}")
    years = pd.to_numeric(table[year_column], errors="coerce")
    bad = years.isna() | (years != years.round())
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"{path}, row {row + 2}, column {year_column!r}: {table[year_column].iloc[row]!r} is not a "
                        "year; expected an integer such as 2021")
    table = table.drop(columns=[year_column]).assign(year=years.astype(int))
    key = table[[id_column, "year"]]
    dup = key[key.duplicated()]
    if len(dup):
        raise DataError(f"{path}: ({id_column} {dup.iloc[0, 0]!r}, {year_column} {dup.iloc[0, 1]}) appears twice; "
                        "one row per unit and year")
    return table.set_index([id_column, "year"])


def read_reproductions(path: str | Path) -> dict[str, Any]:
    """``examples/reproductions.yaml`` → ``{name: Reproduction}`` (see ``assess.reproduce``)."""

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file (the reproductions need the repository's examples/ folder)")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise SpecError("<root>", "expected a mapping name: reproduction", file=str(path))
    out = {}
    for name, body in raw.items():
        try:
            out[str(name)] = Reproduction.model_validate(body)
        except ValidationError as exc:
            err = spec_error_from(exc, file=str(path))
            raise SpecError(f"{name}.{err.path}", err.message, file=str(path)) from None
    return out

"""Writing and printing result tables, shared by every command that produces a table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd
from rich.console import Console
from rich.markup import escape

from territoria.catalog.catalogue import Catalogue
from territoria.errors import TerritoriaError
from territoria.interfaces.console import TableLayout, print_frame
from territoria.store.export import neutralise_formulas

__all__ = ["SUPPORTED_SUFFIXES", "emit_table", "plain", "print_table", "write_table"]

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".json", ".parquet")


class OutputError(TerritoriaError, ValueError):
    """An output path the writer cannot honour."""


def plain(value: object) -> str:
    """``value`` as text Rich prints as it is: square brackets from data (a note ``[/oops]``) are not markup.

    Every string that comes from data, files or the user and goes into a ``console.print`` with markup passes
    through here; :func:`print_table` does the same for its title, headers and cells.
    """
    return escape(str(value))


def write_table(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``table`` to ``path``; the format follows the suffix (.csv, .xlsx, .json, .parquet).

    CSV is UTF-8 with a header; JSON is a list of records; codes stay text in every format. In CSV and XLSX,
    text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...) is written with a leading
    apostrophe (:func:`territoria.store.export.neutralise_formulas`).
    The file is written to a temporary sibling and renamed, so a failed write leaves no half file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise OutputError(f"{path}: cannot write a table as {suffix or 'a file without suffix'!r}; "
                          f"use one of {', '.join(SUPPORTED_SUFFIXES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = table.reset_index() if index else table
    tmp = path.with_name(f".{path.name}.tmp")
    if suffix == ".csv":
        # CRLF (RFC 4180) also makes the writer quote a text holding a bare carriage return
        neutralise_formulas(frame).to_csv(tmp, index=False, lineterminator="\r\n")
    elif suffix == ".xlsx":
        neutralise_formulas(frame).to_excel(tmp, index=False, engine="openpyxl")
    elif suffix == ".json":
        frame.to_json(tmp, orient="records", force_ascii=False, indent=1)
    else:
        frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    return path


def print_table(table: pd.DataFrame, *, title: str | None = None, console: Console | None = None,
                max_rows: int = 60, index: bool = False, columns: Sequence[str] | None = None,
                keys: Sequence[str] | None = None, decimals: dict[str, int] | None = None,
                catalogue: Catalogue | None = None, indicator_column: str | None = "indicator",
                prefer: Literal["first", "last"] = "first", hint: str = "-o FILE writes every column") -> TableLayout:
    """Print a DataFrame as a Rich table fitted to the console (first ``max_rows`` rows): numbers with fixed
    decimals and grouped thousands, codes whole, left-out columns named. See
    :func:`territoria.interfaces.console.print_frame` for the options."""
    return print_frame(table, console=console or Console(), title=title, max_rows=max_rows, index=index,
                       columns=columns, keys=keys, decimals=decimals, catalogue=catalogue,
                       indicator_column=indicator_column, prefer=prefer, hint=hint)


def emit_table(table: pd.DataFrame, output: str | Path | None, *, title: str, console: Console,
               **fit: object) -> None:
    """What every table command does: print ``table`` fitted to the console (``fit``: the options of
    :func:`print_table`) and, with ``-o/--output``, write it whole and say where."""
    print_table(table, title=title, console=console, **fit)  # type: ignore[arg-type]
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {plain(output)}")

"""Writing and printing result tables, shared by every command that produces a table."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from rich.console import Console
from rich.markup import escape

from territoria.catalog.catalogue import Catalogue
from territoria.errors import TerritoriaError
from territoria.interfaces.console import TableLayout, print_frame
from territoria.report.messages import LANGS
from territoria.report.tablebook import write_table_workbook
from territoria.store.export import neutralise_formulas

__all__ = ["SUPPORTED_SUFFIXES", "command_line", "emit_table", "plain", "print_table", "record_command",
           "write_table"]

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".json", ".parquet")


class OutputError(TerritoriaError, ValueError):
    """An output path the writer cannot honour."""


def plain(value: object) -> str:
    """``value`` as text Rich prints as it is: square brackets from data (a note ``[/oops]``) are not markup.

    Every string that comes from data, files or the user and goes into a ``console.print`` with markup passes
    through here; :func:`print_table` does the same for its title, headers and cells.
    """
    return escape(str(value))


@dataclass
class _Running:
    words: list[str] = field(default_factory=list)


_running = _Running()


def record_command(words: Sequence[str]) -> None:
    """Remember the command being run (``["territoria", "units", "--lang", "ru", "-o", "x.xlsx"]``): the workbooks
    it writes say which command made them. The CLI's root callback calls it for every invocation."""
    _running.words = [str(w) for w in words]


def command_line() -> tuple[str | None, str]:
    """The running command as the user typed it (``territoria units --lang ru -o x.xlsx``) and its ``--lang``
    (``en`` without one); ``(None, "en")`` when no command was recorded."""
    words = _running.words
    if not words:
        return None, "en"
    lang = "en"
    for position, word in enumerate(words):
        if word == "--lang" and position + 1 < len(words):
            lang = words[position + 1]
        elif word.startswith("--lang="):
            lang = word.split("=", 1)[1]
    return shlex.join(words), lang


def write_table(table: pd.DataFrame, path: str | Path, *, index: bool = False, catalogue: Catalogue | None = None,
                sources: pd.DataFrame | None = None, keys: Sequence[str] | None = None,
                command: str | None = None, lang: str | None = None) -> Path:
    """Write ``table`` to ``path``; the format follows the suffix (.csv, .xlsx, .json, .parquet).

    CSV is UTF-8 with a header; JSON is a list of records; codes stay text in every format. XLSX is a formatted
    workbook (:func:`territoria.report.tablebook.write_table_workbook`): the table with fitted widths, number
    formats by column and a frozen, filtered header, and an ``about`` sheet with ``command`` (default: the
    running command), the time, the ``sources`` and the columns' labels in ``lang`` (default: the command's
    ``--lang``); ``keys`` stay in view. In CSV and XLSX,
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
        running, running_lang = command_line()
        keys = [k for k in (keys or ()) if k in frame.columns]
        # the leading key columns stay in view (a code and its name), else a leading code column
        leading = 0
        while leading < len(frame.columns) and str(frame.columns[leading]) in keys:
            leading += 1
        freeze = leading or int(len(frame.columns) > 0 and
                                str(frame.columns[0]) in ("unit", "code", "kato", "id", "indicator"))
        lang = lang or running_lang
        # written to its own temporary sibling and renamed, as the other formats below
        return write_table_workbook(neutralise_formulas(frame), path, command=command or running, sources=sources,
                                    catalogue=catalogue, lang=lang if lang in LANGS else "en", freeze=freeze)
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
               sources: pd.DataFrame | None = None, **fit: object) -> None:
    """What every table command does: print ``table`` fitted to the console (``fit``: the options of
    :func:`print_table`) and, with ``-o/--output``, write it whole and say where (an .xlsx lists
    ``sources``, the sources behind the table, in its ``about`` sheet)."""
    print_table(table, title=title, console=console, **fit)  # type: ignore[arg-type]
    if output is not None:
        write_table(table, output, catalogue=fit.get("catalogue"), sources=sources,  # type: ignore[arg-type]
                    keys=fit.get("keys"))  # type: ignore[arg-type]
        console.print(f"[green]Wrote[/] {plain(output)}")

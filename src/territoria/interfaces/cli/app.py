"""The Typer application and the options every command shares."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from territoria.ingest.matching import NameMatcher
from territoria.interfaces.output import record_command

__all__ = ["DEFAULT_DB", "app", "console", "err_console", "state"]

DEFAULT_DB = Path(os.environ.get("TERRITORIA_DB", "territoria.duckdb"))

app = typer.Typer(
    name="territoria",
    help=(
        "Territoria — which settlements, districts and regions of Kazakhstan are vulnerable or "
        "depressed, why, and which policy mechanisms fit them.\n\n"
        "Data live in a Store (one DuckDB file, --db). Start with `territoria run` (the main job on the "
        "bundled data), or `territoria load-bundled` then `territoria units`, `territoria show UNIT`, "
        "`territoria coverage`."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def console_width() -> int | None:
    """COLUMNS when set; else the terminal's width; else 160 (tables written to a log or a pipe)."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else (None if sys.stdout.isatty() else 160)


console = Console(width=console_width())
err_console = Console(stderr=True, width=console_width())


@dataclass
class State:
    db: Path = DEFAULT_DB


state = State()


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Path = typer.Option(DEFAULT_DB, "--db", help="Path of the Store (DuckDB file); env TERRITORIA_DB.",
                            envvar="TERRITORIA_DB"),
) -> None:
    state.db = db
    # the command as typed goes into the "about" sheet of the workbooks it writes; Click hides the
    # subcommand's own arguments from this callback, so they come from sys.argv when the program is ours
    # (called in-process, by a test runner, only the command's name is known)
    if Path(sys.argv[0]).name == "territoria" and ctx.invoked_subcommand in sys.argv[1:]:
        record_command(["territoria", *sys.argv[1:]])
    else:
        record_command(["territoria", *(["--db", str(db)] if db != DEFAULT_DB else []),
                        *([ctx.invoked_subcommand] if ctx.invoked_subcommand else [])])
    # the width is read again for every invocation (COLUMNS may change between calls in one process)
    console.width = err_console.width = console_width()  # type: ignore[assignment]


def resolve_unit(store, text: str) -> str:
    """A unit code from a code or a name in any language or spelling (Мамлютка, Mamlyutka, 595220100)."""
    units = store.units()
    if text in units.index:
        return text
    return NameMatcher.for_units(units.reset_index()).match(text)

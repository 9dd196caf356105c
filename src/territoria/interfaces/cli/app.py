"""The Typer application and the options every command shares."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

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
# Tables written to a log or a pipe would be folded at 80 columns; give them room instead.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)


@dataclass
class State:
    db: Path = DEFAULT_DB


state = State()


@app.callback()
def _global_options(
    db: Path = typer.Option(DEFAULT_DB, "--db", help="Path of the Store (DuckDB file); env TERRITORIA_DB.",
                            envvar="TERRITORIA_DB"),
) -> None:
    state.db = db

"""Command-line interface: ``territoria --help``.

The commands are listed in :mod:`territoria.interfaces.cli.registry`; each module below the package
registers its commands on the shared Typer ``app`` and is imported only when one of them runs. None holds
method logic.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from rich.markup import escape

from territoria.errors import TerritoriaError
from territoria.interfaces.cli.app import app, err_console

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["app", "main", "print_error"]


def print_error(exc: TerritoriaError, *, console: Console | None = None) -> None:
    """Show a project error as :func:`main` does: one line, ``error:`` and the message as plain text (square
    brackets of the message, such as ``[min, max]``, are printed, not read as markup)."""
    # escape: the message may hold brackets from data (as interfaces.output.plain, without its pandas)
    (console or err_console).print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False,
                                   soft_wrap=True)


def main() -> None:
    """Entry point: a project error becomes one readable message and exit code 2 (usage errors: Typer's)."""
    failed = False
    try:
        app()
    except TerritoriaError as exc:
        print_error(exc)
        failed = True
    if failed:
        # The Store is already closed; skipping interpreter finalisation avoids DuckDB's binding
        # printing spurious "leaked instance" reports after an error.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(2)

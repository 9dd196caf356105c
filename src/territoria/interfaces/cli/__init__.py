"""Command-line interface: ``territoria --help``.

Each module below registers its commands on the shared Typer ``app``; none holds method logic.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from territoria.errors import TerritoriaError
from territoria.interfaces.cli import assess as _assess  # noqa: F401  (registers commands)
from territoria.interfaces.cli import assessments as _assessments  # noqa: F401
from territoria.interfaces.cli import bns as _bns  # noqa: F401
from territoria.interfaces.cli import data as _data  # noqa: F401
from territoria.interfaces.cli import dynamics as _dynamics  # noqa: F401
from territoria.interfaces.cli import economy as _economy  # noqa: F401
from territoria.interfaces.cli import groups as _groups  # noqa: F401
from territoria.interfaces.cli import main_job as _main_job  # noqa: F401
from territoria.interfaces.cli import monitor as _monitor  # noqa: F401
from territoria.interfaces.cli import report as _report  # noqa: F401
from territoria.interfaces.cli import reproduce as _reproduce  # noqa: F401
from territoria.interfaces.cli import seeds as _seeds  # noqa: F401
from territoria.interfaces.cli import surveys as _surveys  # noqa: F401
from territoria.interfaces.cli import taldau as _taldau  # noqa: F401
from territoria.interfaces.cli import typology as _typology  # noqa: F401
from territoria.interfaces.cli import users as _users  # noqa: F401
from territoria.interfaces.cli import web as _web  # noqa: F401
from territoria.interfaces.cli.app import app, err_console
from territoria.interfaces.output import plain

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["app", "main", "print_error"]


def print_error(exc: TerritoriaError, *, console: Console | None = None) -> None:
    """Show a project error as :func:`main` does: one line, ``error:`` and the message as plain text (square
    brackets of the message, such as ``[min, max]``, are printed, not read as markup)."""
    (console or err_console).print(f"[bold red]error:[/] {plain(exc)}", markup=True, highlight=False, soft_wrap=True)


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

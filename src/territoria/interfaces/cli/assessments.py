"""CLI command ``territoria assessments``: the stored assessments (names, levels, years, versions, changes)."""

from __future__ import annotations

from pathlib import Path

import typer

from territoria.errors import UnknownNameError
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.output import plain, print_table, write_table
from territoria.store import Store
from territoria.store.assessments import list_assessments

__all__ = ["assessments"]


@app.command("assessments", rich_help_panel="Assessment")
def assessments(
    name: str | None = typer.Option(None, "--name", help="Only the versions of this assessment."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Output table (.csv/.xlsx/.json/.parquet)."),
) -> None:
    """List the stored assessments: name, version, level, years, units, when, and what changed.

    `territoria assess --spec SPEC --name NAME` stores one; diagnose, recommend, whatif, report and the
    web use the latest assessment of a unit's own level, or the one given with --assessment NAME.
    """

    with Store(state.db, read_only=True) as store:
        table = list_assessments(store)
    if name is not None:
        if name not in set(table["name"]):
            raise UnknownNameError("assessment", name, sorted(set(table["name"])))
        table = table[table["name"] == name]
    shown = ["name", "version", "level", "years", "n_units", "spec_name", "created_at", "changes"]
    if table.empty:
        console.print("No assessment is stored; store one with `territoria assess --spec SPEC --name NAME`.")
    else:
        print_table(table[shown], title="Stored assessments", console=console)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {plain(output)}")

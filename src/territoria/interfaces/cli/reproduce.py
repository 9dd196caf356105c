"""``territoria reproduce NAME``: run an example spec on its bundled published inputs and compare."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from territoria.assess.reproduce import reproduce as run
from territoria.interfaces.cli.app import app, console
from territoria.interfaces.output import plain, print_table, write_table

__all__ = ["reproduce"]

TARGETS = ("svi-2018", "svi-2020", "svi-2022", "inform-2025", "coinr-asem", "hdi_2022", "gdi_2022")


@app.command("reproduce", rich_help_panel="Assessment")
def reproduce(
    name: str = typer.Argument(..., help=f"What to reproduce: {', '.join(TARGETS)} (or 'all')."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Write the match table (.csv/.xlsx/.json/.parquet)."),
    examples: Path | None = typer.Option(None, "--examples",
                                         help="The repository's examples/ folder (default: found next to src/)."),
) -> None:
    """Reproduce a peer's published results (CDC SVI, INFORM, COINr, UNDP HDI and GDI) from the example specs.

    Runs the example spec on the published input bundled in examples/reference/ and prints a match
    table: per check the units and columns compared, the largest difference, the tolerance, the
    number of mismatches and the verdict. The targets are listed in examples/reproductions.yaml.
    """


    names = list(TARGETS) if name == "all" else [name]
    tables = []
    for target in names:
        table, _, _ = run(target, examples=examples)
        table.insert(0, "reproduction", target)
        print_table(table.drop(columns=["reproduction"]), title=f"{target}: published vs reproduced",
                    console=console)
        tables.append(table)
    combined = pd.concat(tables, ignore_index=True)
    failed = combined.loc[combined["verdict"] != "match", "reproduction"].unique().tolist()
    if failed:
        console.print(f"[bold red]Differs:[/] {plain(', '.join(failed))}")
    else:
        console.print(f"[green]All {len(combined)} checks match.[/]")
    if output is not None:
        write_table(combined, output)
        console.print(f"[green]Wrote[/] {plain(output)}")
    if failed:
        raise typer.Exit(1)

"""CLI command on the seeds' method: ``compare-sample`` (both views of the sample)."""

from __future__ import annotations

from pathlib import Path

import typer

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec, default_spec_path
from territoria.diagnosis.sample import compare_samples, full_sample_spec
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.output import plain, print_table, write_table
from territoria.store import Store

__all__ = ["compare_sample"]

@app.command("compare-sample", rich_help_panel="Assessment")
def compare_sample(
    spec_path: Path | None = typer.Option(None, "--spec", help="Assessment spec; default: the bundled regional one."),
    year: int | None = typer.Option(None, "--year", help="Assessment year (default: the spec's)."),
    every: bool = typer.Option(False, "--all", help="Every unit, not only those whose grade changes."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Output table (.csv/.xlsx/.json/.parquet)."),
) -> None:
    """Grades and ranks with the spec's sample and with every unit put back (the seeds leave the large
    cities out: Orynbet & Imangali 2022, section 3); by default only the units whose grade changes."""
    spec = AssessmentSpec.from_yaml(spec_path or default_spec_path())
    raw = {**spec.to_mapping(), "uncertainty": None}
    if year is not None:
        raw.update(year=year, years=None)
    spec = AssessmentSpec.from_mapping(raw)
    with Store(state.db, read_only=True) as store:
        panel = store.panel(level=spec.units.level) if spec.units.level else store.panel()
        names = store.units()["name_en"]
    sample, full = Assessment(spec).run(panel), Assessment(full_sample_spec(spec)).run(panel)
    table = compare_samples(sample, full, changed_only=not every)
    table.insert(1, "name", table["unit"].map(names).to_numpy())
    left = ", ".join(f"{names.get(u, u)} ({u})" for u in sample.excluded) or "none"
    console.print(f"Left out of the sample: {plain(left)}" + (f" — {plain(spec.units.exclude_reason)}"
                                                                if spec.units.exclude_reason else ""))
    console.print(f"[dim]Scale: {plain(sample.scale)}[/]")
    print_table(table, title=f"{spec.name}: grades with the sample and with every unit"
                + ("" if every else " (units whose grade changes, and the units left out)"), console=console)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {output}")

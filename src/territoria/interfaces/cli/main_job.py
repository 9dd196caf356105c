"""``territoria run``: the main job on the bundled data (what ``make run`` does)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.data import load_bundled_with_progress
from territoria.interfaces.output import print_table, write_table

#: The seeds' two worked towns (Turkeeva, Omarov & Abilkaiyr 2022, tables 1–2).
SEED_TOWNS = {"593620100": "Bulaevo", "595220100": "Mamlyutka"}


def _level_summary(store) -> pd.DataFrame:
    return store.query("""
        SELECT u.level, count(*) AS units, count(u.population) AS with_population,
               count(u.lat) AS with_coordinates,
               count(DISTINCT o.unit) AS with_observations
        FROM units u LEFT JOIN (SELECT DISTINCT unit FROM observations) o ON o.unit = u.code
        GROUP BY u.level
        ORDER BY CASE u.level WHEN 'country' THEN 0 WHEN 'region' THEN 1 WHEN 'district' THEN 2
                 WHEN 'rural_district' THEN 3 ELSE 4 END""")


def _seed_profile(store, code: str) -> pd.DataFrame:
    obs = store.observations(units=[code])
    if obs.empty:
        return obs
    table = obs.pivot(index="indicator", columns="year", values="value")
    table.columns = [str(c) for c in table.columns]
    names = {i.id: i.name.en for i in store.catalogue}
    table.insert(0, "name", [names.get(i, i) for i in table.index])
    return table.reset_index()


@app.command("run")
def run_command(
    output_dir: Path = typer.Option(Path("out"), "--output-dir", help="Folder for the result files."),
    fresh: bool = typer.Option(True, "--fresh/--keep", help="Start from an empty Store (default) or keep it."),
    year: int | None = typer.Option(None, "--year", help="Assessment year (default: the spec's)."),
) -> None:
    """Load the bundled data into a fresh Store, show what it holds, and assess the regions."""
    from territoria.store import Store

    output_dir.mkdir(parents=True, exist_ok=True)
    if fresh and state.db.exists():
        state.db.unlink()
        Path(str(state.db) + ".wal").unlink(missing_ok=True)
    with Store(state.db) as store:
        load_bundled_with_progress(store)
        summary = _level_summary(store)
        print_table(summary, title=f"Units in the Store ({state.db})", console=console)
        coverage = store.coverage(level="region")
        system = coverage[coverage["block"].fillna("") != ""]
        print_table(system, title="Coverage of the method's indicators at region level", console=console)
        write_table(coverage, output_dir / "coverage_regions.csv")
        for code, name in SEED_TOWNS.items():
            profile = _seed_profile(store, code)
            if not profile.empty:
                print_table(profile, title=f"{name} ({code}) — the seed's settlement table", console=console)
                write_table(profile, output_dir / f"profile_{name.lower()}.csv")
        panel = store.panel(level="region")
    _assess(panel, output_dir, year)
    console.print(f"[green]Results in[/] {output_dir}/")


def _assess(panel, output_dir: Path, year: int | None) -> None:
    try:
        from territoria.interfaces.cli.assess import assess_panel
    except ImportError:
        console.print("[dim]The assessment engine is not available in this build.[/]")
        return
    assess_panel(panel, output_dir=output_dir, year=year)

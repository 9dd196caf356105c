"""``territoria run``: the main job on the bundled data (what ``make run`` does)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.data import load_bundled_with_progress
from territoria.interfaces.output import print_table, write_table
from territoria.store.bundle import SEED_LISTS

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


@app.command("run", rich_help_panel="Start here")
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
        seed_list = pd.concat([store.unit_list(name) for name in SEED_LISTS.values()], ignore_index=True)
        result = _assess(panel, output_dir, year)
        if not seed_list.empty:
            _show_seed_list(seed_list, result, store.crosswalk(), output_dir)
        _show_districts(store, output_dir)
        _show_seed_town_status(store, output_dir)
        _show_package_for_last(store, result, output_dir)
    console.print(f"[green]Results in[/] {output_dir}/")


def _show_districts(store, output_dir: Path) -> None:
    """District view of the six regions the seeds studied: population and net migration per 1,000."""
    from territoria.indicators.districts import district_view

    view = district_view(store.panel(level="district"))
    view = view[["code", "name", *[c for c in view.columns if c not in ("code", "name")]]]
    print_table(view, title="Districts of the six regions the seeds studied (population on 1 January, net "
                "migration)", console=console, max_rows=25)
    write_table(view, output_dir / "districts_seed_regions.csv")


def _show_seed_town_status(store, output_dir: Path) -> None:
    """Development or decline of the seeds' towns, from the status rules and their published series."""
    from territoria.dynamics.status import classify

    status = classify(store.observations(units=list(SEED_TOWNS))).reset_index()
    status.insert(1, "name", status["unit"].map(SEED_TOWNS))
    print_table(status[["unit", "name", "status", "facts"]], title="Status of the seeds' towns", console=console)
    write_table(status, output_dir / "status_seed_towns.csv")


def _show_package_for_last(store, result, output_dir: Path) -> None:
    """Diagnosis and the package of mechanisms for the region ranked last."""
    from territoria.diagnosis import reference_gaps, risk_flags, weakest
    from territoria.dynamics.status import classify
    from territoria.mechanisms import load_knowledge_base, recommend

    last = str(result.ranks.astype(float).idxmax())
    obs = store.observations(units=[last])
    flags = risk_flags(obs, national=store.observations(units=["KZ"]))
    weak = weakest(reference_gaps(result), n=5, units=[last])
    status = classify(obs)
    row = status.loc[last] if last in status.index else None
    package = recommend(last, load_knowledge_base(None), flags=flags, weak=weak,
                        status=None if row is None else row["status"],
                        status_facts="" if row is None else row["facts"],
                        region_names=store.units(level="region")["name_en"].to_dict())
    name = store.units(codes=[last]).iloc[0]["name_en"]
    shown = [c for c in ("horizon", "years", "mechanism", "name", "score", "reasons") if c in package]
    print_table(package[shown], title=f"Mechanisms for the region ranked last: {name} ({last})", console=console)
    write_table(package, output_dir / f"mechanisms_{last}.csv")


def _assess(panel, output_dir: Path, year: int | None):
    from territoria.interfaces.cli.assess import assess_panel

    return assess_panel(panel, output_dir=output_dir, year=year)


def _show_seed_list(seed_list: pd.DataFrame, result, crosswalk: pd.DataFrame, output_dir: Path) -> None:
    """The seeds' depressed districts and towns beside the rank and grade of their region.

    A unit of a region created after the assessed year (Abai in 2022) is shown with the region it
    belonged to then (East Kazakhstan).
    """
    from territoria.catalog.units import splits

    ranks = result.ranks.astype("Int64")
    then = {part: s.old for s in splits(crosswalk) if s.keeps_code for part in s.parts if part != s.old}
    region = (seed_list["code"].str[:2] + "0000000").map(lambda r: r if r in ranks.index else then.get(r, r))
    table = pd.DataFrame({
        "unit": seed_list["code"], "name": seed_list["name_en"], "level": seed_list["level"],
        "status_in_seed": seed_list["status"], "region": region,
        "region_rank": region.map(ranks).to_numpy(), "region_level": region.map(result.grades).to_numpy(),
    })
    table.insert(4, "source", seed_list["citation"].str.extract(r"^(.*?\(\d{4}\))")[0].to_numpy())
    print_table(table, title=f"Depressed and vulnerable units named by the seeds, with their region's rank of "
                f"{len(ranks)}", console=console)
    write_table(table, output_dir / "seed_depressed_units.csv")

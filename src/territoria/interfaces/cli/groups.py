"""CLI command ``territoria groups``: the method's groups of settlements with reasons. No method logic here."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import typer

from territoria.errors import DataError
from territoria.groups import GROUPS, BorderIndex, assign_groups, load_rules
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.lookup import resolve_unit
from territoria.interfaces.output import plain, print_table, write_table
from territoria.report.maps import plot_point_map
from territoria.store import Store

__all__ = ["groups", "read_border_file"]

logger = logging.getLogger(__name__)


def read_border_file(path: Path, name_column: str):
    """A BorderIndex from a border file (GeoJSON, shapefile, GeoPackage...) read with geopandas."""

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio / fiona raise several types
        raise DataError(f"{path}: cannot read the border file: {exc}") from None
    try:
        return BorderIndex.from_frame(frame, name_column=name_column)
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None


@app.command("groups", rich_help_panel="Analysis")
def groups(
    group: str | None = typer.Option(None, "--group", "-g",
                                     help="Show the members of one group: small_town, single_industry, border, "
                                          "village, rural_support."),
    unit: str | None = typer.Option(None, "--unit", help="Show one unit's memberships (code or name)."),
    level: str = typer.Option("settlement", "--level", help="Unit level to sort into groups."),
    rules: Path | None = typer.Option(None, "--rules", help="Rules YAML (default: the shipped rules.yaml)."),
    max_km: float | None = typer.Option(None, "--max-km", help="Border distance threshold (overrides the rules)."),
    border: Path | None = typer.Option(None, "--border",
                                       help="Border lines file with a CRS (default: bundled Natural Earth 1:10m)."),
    border_name: str = typer.Option("neighbour", "--border-name", help="Column naming the neighbour in --border."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Write the table to PATH (.csv/.xlsx/.json/.parquet)."),
    map_path: Path | None = typer.Option(None, "--map", help="Draw the settlements of --group (default border) "
                                                             "coloured by distance to PATH (.png/.svg/.pdf)."),
) -> None:
    """Sort settlements into the method's groups: small towns (< 50,000), single-industry towns, border
    settlements (geodesic distance <= 50 km to the land border, with the neighbour), villages and rural
    support settlements. Every membership carries its reason; units the rules cannot decide (no
    population, no coordinates, no official list) are counted as undecided, never dropped."""

    parsed = load_rules(rules)
    if max_km is not None:
        parsed = parsed.replace(**{"border.max_km": max_km})
    index = read_border_file(border, border_name) if border is not None else None
    if group is not None and group not in GROUPS:
        raise DataError(f"unknown group {group!r}; groups are {', '.join(GROUPS)}")
    with Store(state.db, read_only=True) as store:
        units = store.units(level=level)
        support = store.unit_list(parsed.rural_support.list_name)
        code = resolve_unit(store, unit) if unit is not None else None
    result = assign_groups(units, rules=parsed, border=index, rural_support=support)
    names = units["name_en"]
    print_table(result.summary(), title=f"Groups of {len(units):,} units (level {level})", console=console)
    # the bundled border polygons' repairs are facts of the shipped data no user can act on: log them only
    repairs = set((index or BorderIndex.bundled()).notes)
    for note in result.notes:
        if note in repairs:
            logger.info("border geometry: %s", note)
        else:
            console.print(f"[yellow]note:[/] {plain(note)}", highlight=False)
    table = result.memberships.join(result.distances[["distance_km", "neighbour"]], on="unit")
    table.insert(1, "name", table["unit"].map(names).to_numpy())
    if code is not None:
        table = table[table["unit"] == code]
        undecided = result.unknown[result.unknown["unit"] == code]
        title = f"{names.get(code, code)} ({code})"
        print_table(table.drop(columns="reason_code"), title=f"{title}: memberships", console=console)
        if len(undecided):
            print_table(undecided.drop(columns="reason_code"), title=f"{title}: undecided", console=console)
        print_table(result.distances.loc[[code]].reset_index(names="unit"), title=f"{title}: border distance",
                    console=console)
    else:
        if group is not None:
            table = table[table["group"] == group]
            if group == "border":
                table = table.sort_values("distance_km", kind="stable")
        print_table(table.drop(columns="reason_code"), title=f"Memberships{f' of {group}' if group else ''} "
                    f"({len(table):,})", console=console, max_rows=40)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {plain(output)}")
    if map_path is not None:
        chosen = group or "border"
        members = result.memberships.loc[result.memberships["group"] == chosen, "unit"]
        frame = units.loc[members, ["lat", "lon"]].join(result.distances[["distance_km"]])
        column = "distance_km" if chosen == "border" else "group"
        frame["group"] = chosen
        plot_point_map(frame, map_path, column=column, cmap="viridis",
                       title=f"{chosen}: {len(frame):,} members")
        console.print(f"[green]Wrote[/] {plain(map_path)}")

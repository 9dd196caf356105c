"""CLI command ``territoria typology``: clusters of the assessed units and spatial clusters. No method logic here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.errors import DataError
from territoria.ingest.boundaries import unit_polygons
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.assess import default_spec_path
from territoria.interfaces.output import plain, print_table, write_table
from territoria.report.maps import map_word, plot_choropleth, plot_dendrogram, plot_k_selection, plot_profile_heatmap
from territoria.report.service import assessment as find_assessment
from territoria.report.service import assessment_label
from territoria.store import Store
from territoria.typology import typology_of_result, units_as_points

__all__ = ["typology"]


@app.command("typology", rich_help_panel="Analysis")
def typology(
    spec: Path | None = typer.Option(None, "--spec", help="Assessment spec; default: the bundled regional spec."),
    year: int | None = typer.Option(None, "--year", help="Year to assess (overrides the spec)."),
    method: str = typer.Option("ward", "--method", help="ward or kmeans."),
    k: int | None = typer.Option(None, "--k", help="Number of clusters; default: chosen by --criterion."),
    criterion: str = typer.Option("silhouette", "--criterion", help="silhouette, calinski_harabasz or elbow."),
    k_max: int = typer.Option(8, "--k-max", help="Largest k tried (capped at units - 1)."),
    resamples: int = typer.Option(200, "--resamples", help="Bootstrap resamples for the stability."),
    seed: int = typer.Option(20250101, "--seed", help="Seed of k-means, bootstrap and permutations."),
    neighbours: int = typer.Option(4, "--neighbours", help="k nearest neighbours of settlements (points)."),
    band_km: float | None = typer.Option(None, "--band-km", help="Distance-band weights (km) for settlements."),
    islands: str = typer.Option("exclude", "--islands", help="Polygons without a neighbour: exclude (left out "
                                                              "of Moran/LISA, noted) or nearest (joined to the "
                                                              "nearest unit)."),
    permutations: int = typer.Option(999, "--permutations", help="Permutations for Moran/LISA p-values."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Write the unit table to PATH (.csv/.xlsx/.json/.parquet)."),
    maps: Path | None = typer.Option(None, "--maps", help="Folder for the figures (dendrogram, heat map, k "
                                                          "choice, maps of index, level, cluster, LISA class)."),
    fmt: str = typer.Option("png", "--format", help="Figure format: png, svg or pdf."),
    lang: str = typer.Option("en", "--lang", help="Language of the maps' titles and legends: ru, kk or en."),
    assessment: str | None = typer.Option(None, "--assessment", help="A stored assessment (`territoria "
                                          "assessments`), NAME or NAME@VERSION, instead of "
                                          "running --spec."),
) -> None:
    """Typology of the assessed units: Ward / k-means clusters of the block scores (k by silhouette,
    Calinski-Harabasz and elbow, side by side), cluster profiles and labels, bootstrap stability, and
    Moran's I / LISA / contiguous clusters of the composite index on queen contiguity of the region or
    district polygons of the year's map (settlements: nearest neighbours; see docs/typology.md)."""

    result, units = _stored_or_assessed(assessment=assessment, spec=spec, year=year)
    names = units["name_en"]
    level = result.spec.units.level or "region"
    the_year = max(result.spec.year_list) if result.spec.year_list else None
    if level in ("region", "district"):
        geometry = unit_polygons(level, the_year)
    else:
        geometry = units_as_points(units.reindex(result.scores.index)[["lat", "lon"]])
    typ = typology_of_result(result, units=geometry, islands=islands, method=method, k=k, criterion=criterion,
                             k_range=(2, k_max), seed=seed, n_resamples=resamples, neighbours=neighbours,
                             band_km=band_km, permutations=permutations)
    fitted = typ.typology
    print_table(typ.k_table(), index=True, title="Choice of k: silhouette and Calinski-Harabasz (higher is better), "
                "within-cluster SS (elbow)", console=console)
    console.print(f"k = {plain(fitted.k_)} ({plain(method)}, {plain('given' if k is not None else 'by ' + criterion)})")
    profile = typ.profiles["relative_sd"].round(2).join(typ.stability.clusters[["jaccard"]].round(2))
    profile.insert(0, "units", typ.profiles["mean"]["units"])
    profile["label"] = typ.labels
    print_table(profile, index=True, title="Cluster profiles (sd from the national mean), bootstrap Jaccard, "
                "label", console=console)
    table = typ.table.copy()
    table.insert(0, "name", names.reindex(table.index).to_numpy())
    table = table.sort_values(["cluster", result.root], ascending=[True, False]).reset_index(names="unit")
    shown = table.drop(columns=[c for c in ("lat", "lon", "label") if c in table])
    print_table(shown, title=f"{result.spec.name} {result.spec.year_list}: clusters, stability and LISA",
                console=console)
    if typ.moran is not None:
        m = typ.moran
        console.print(f"Global Moran's I of {plain(result.root)}: I = {m.I:.3f} (E[I] = {m.expected:.3f}), "
                      f"p_sim = {m.p_sim:.3f} ({plain(m.permutations)} permutations, seed {plain(m.seed)}), p_norm = "
                      f"{m.p_norm:.3f}; weights: {plain(typ.weights)}")
    if typ.hot_spots is not None and len(typ.hot_spots):
        print_table(typ.hot_spots, title="Hot spots of depression (significant Low-Low) and members", console=console)
    elif typ.hot_spots is not None:
        console.print("No significant hot spot of depression (Low-Low) at alpha = 0.05.")
    for note in typ.notes:
        console.print(f"[yellow]note:[/] {plain(note)}", highlight=False)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {plain(output)}")
    if maps is not None:
        background = unit_polygons("region", the_year) if level not in ("region", "district") else None
        _figures(typ, table.set_index("unit"), result.root, maps, fmt,
                 geometry=geometry, background=background, lang=lang, level=level, year=the_year)


def _figures(typ, table: pd.DataFrame, root: str, folder: Path, fmt: str, *, geometry, background, lang: str,
             level: str, year: int | None) -> None:
    if fmt not in ("png", "svg", "pdf"):
        raise DataError(f"--format {fmt!r}: expected png, svg or pdf")
    folder.mkdir(parents=True, exist_ok=True)
    fitted = typ.typology
    labels = [f"{table.at[u, 'name']} ({u})" if "name" in table else str(u) for u in fitted.zscores_.index]
    written = [
        plot_dendrogram(fitted.linkage_, labels, folder / f"dendrogram.{fmt}", k=fitted.k_),
        plot_profile_heatmap(typ.profiles["relative_sd"], folder / f"profiles.{fmt}", labels=typ.labels),
        plot_k_selection(fitted.k_selection_, folder / f"k_selection.{fmt}"),
    ]
    columns = {"map_index": root, "map_level": "level", "map_cluster": "cluster", "map_lisa": "lisa_class",
               "map_contiguous": "contiguous_cluster"}
    data = table[[c for c in columns.values() if c in table]].copy()
    for name, column in columns.items():
        if column not in data:
            continue
        heading = f"{map_word(column if column != root else 'index', lang)} — {map_word(level, lang)} {year or ''}"
        if background is None:  # polygons of the units themselves
            shown = geometry.join(data, how="left")
            written.append(plot_choropleth(shown, folder / f"{name}.{fmt}", column=column, lang=lang,
                                           title=heading.strip(), attribution=geometry.attrs.get("attribution")))
        else:  # settlements as points over their regions
            points = geometry.join(data, how="inner")
            written.append(plot_choropleth(background.assign(**{column: None}), folder / f"{name}.{fmt}",
                                           column=column, lang=lang, title=heading.strip(), points=points,
                                           categorical=column != root,
                                           attribution=background.attrs.get("attribution")))
    for path in written:
        console.print(f"[green]Wrote[/] {plain(path)}")


@app.command("map", rich_help_panel="Analysis")
def unit_map(
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write: .png, .svg or .pdf."),
    spec: Path | None = typer.Option(None, "--spec", help="Assessment spec; default: the bundled regional spec."),
    year: int | None = typer.Option(None, "--year", help="Year to assess (overrides the spec)."),
    column: str = typer.Option("level", "--column", help="level (the grade) or index (the composite)."),
    lang: str = typer.Option("ru", "--lang", help="Language of the title and legend: ru, kk or en."),
    assessment: str | None = typer.Option(None, "--assessment", help="A stored assessment (`territoria "
                                          "assessments`), NAME or NAME@VERSION, instead of "
                                          "running --spec."),
) -> None:
    """Choropleth of an assessment: regions or districts coloured by their grade (or index) within their
    boundaries on the map of the year, settlements as points over their regions; the boundaries' credit
    in the corner."""

    if column not in ("level", "index"):
        raise DataError(f"--column {column!r}: expected level or index")
    result, units = _stored_or_assessed(assessment=assessment, spec=spec, year=year)
    frame = result.to_frame()
    values = frame[["level"]] if column == "level" else frame[[result.root]].rename(columns={result.root: "index"})
    level = result.spec.units.level or "region"
    the_year = max(result.spec.year_list) if result.spec.year_list else None
    title = f"{map_word('level' if column == 'level' else 'index', lang)} — {map_word(level, lang)} {the_year or ''}"
    if level in ("region", "district"):
        polygons = unit_polygons(level, the_year)
        path = plot_choropleth(polygons.join(values), output, column=column, lang=lang, title=title.strip(),
                               attribution=polygons.attrs["attribution"])
        unmapped = sorted(set(values.index.astype(str)) - set(polygons.index))
    else:
        regions = unit_polygons("region", the_year)
        located = units.reindex(values.index)
        names = located.get(f"name_{lang}", located.get("name_en", pd.Series(index=located.index, dtype=object)))
        points = units_as_points(located[["lat", "lon"]].assign(name=names.fillna(pd.Series(
            located.index.astype(str), index=located.index)))).join(values)
        path = plot_choropleth(regions.assign(**{column: None}), output, column=column, lang=lang,
                               title=title.strip(), points=points, categorical=column == "level",
                               attribution=regions.attrs["attribution"])
        unmapped = sorted(set(values.index.astype(str)) - set(points.index.astype(str)))
    if unmapped:
        console.print(f"[yellow]note:[/] {len(unmapped)} unit(s) without a polygon or point not drawn: "
                      f"{plain(unmapped[:20])}")
    console.print(f"[green]Wrote[/] {plain(path)}")


def _stored_or_assessed(*, assessment: str | None, spec: Path | None, year: int | None) -> tuple[Any, pd.DataFrame]:
    """The stored assessment named by ``--assessment`` (saying which one was used), or ``--spec`` run on the
    Store's panel; with the Store's units."""

    if assessment is not None and (spec is not None or year is not None):
        raise typer.BadParameter("--assessment uses a stored assessment: drop --spec and --year",
                                 param_hint="--assessment")
    with Store(state.db, read_only=True) as store:
        units = store.units()
        if assessment is not None:
            result = find_assessment(store, name=assessment)
            console.print(f"[dim]Assessment used: {plain(assessment_label(result))}[/]")
            return result, units
        parsed = AssessmentSpec.from_yaml(spec or default_spec_path())
        if year is not None:
            parsed = AssessmentSpec.from_mapping({**parsed.to_mapping(), "year": year, "years": None})
        panel = store.panel(level=parsed.units.level, years=parsed.year_list)
    return Assessment(parsed).run(panel), units

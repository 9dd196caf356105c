"""CLI command ``territoria typology``: clusters of the assessed units and spatial clusters. No method logic here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.output import print_table, write_table

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
    neighbours: int = typer.Option(4, "--neighbours", help="k nearest neighbours of the spatial weights."),
    band_km: float | None = typer.Option(None, "--band-km", help="Distance-band weights (km) instead of KNN."),
    permutations: int = typer.Option(999, "--permutations", help="Permutations for Moran/LISA p-values."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Write the unit table to PATH (.csv/.xlsx/.json/.parquet)."),
    maps: Path | None = typer.Option(None, "--maps", help="Folder for the figures (dendrogram, heat map, k "
                                                          "choice, maps of index, level, cluster, LISA class)."),
    fmt: str = typer.Option("png", "--format", help="Figure format: png, svg or pdf."),
    assessment: str | None = typer.Option(None, "--assessment", help="A stored assessment (`territoria "
                                          "assessments`) instead of running --spec."),
) -> None:
    """Typology of the assessed regions: Ward / k-means clusters of the block scores (k by silhouette,
    Calinski-Harabasz and elbow, side by side), cluster profiles and labels, bootstrap stability, and
    Moran's I / LISA of the composite index (regions placed at their capitals; see docs/typology.md)."""
    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec
    from territoria.ingest.bundled import geonames_places
    from territoria.interfaces.cli.assess import default_spec_path
    from territoria.store import Store
    from territoria.typology import region_points, typology_of_result

    if assessment is not None and (spec is not None or year is not None):
        raise typer.BadParameter("--assessment uses a stored assessment: drop --spec and --year",
                                 param_hint="--assessment")
    with Store(state.db, read_only=True) as store:
        if assessment is not None:
            from territoria.report.service import assessment as find_assessment
            from territoria.report.service import assessment_label

            result = find_assessment(store, name=assessment)
            console.print(f"[dim]Assessment used: {assessment_label(result)}[/]")
        else:
            parsed = AssessmentSpec.from_yaml(spec or default_spec_path())
            if year is not None:
                parsed = AssessmentSpec.from_mapping({**parsed.to_mapping(), "year": year, "years": None})
            panel = store.panel(level=parsed.units.level, years=parsed.year_list)
        settlements = store.units(level="settlement")[["lat", "lon"]]
        names = store.units()["name_en"]
    if assessment is None:
        result = Assessment(parsed).run(panel)
    points = region_points(result.scores.index, settlements, names=names, places=geonames_places())
    typ = typology_of_result(result, points=points, method=method, k=k, criterion=criterion,
                             k_range=(2, k_max), seed=seed, n_resamples=resamples, neighbours=neighbours,
                             band_km=band_km, permutations=permutations)
    fitted = typ.typology
    print_table(typ.k_table(), index=True, title="Choice of k: silhouette and Calinski-Harabasz (higher is better), "
                "within-cluster SS (elbow)", console=console)
    console.print(f"k = {fitted.k_} ({method}, {'given' if k is not None else 'by ' + criterion})")
    profile = typ.profiles["relative_sd"].round(2).join(typ.stability.clusters[["jaccard"]].round(2))
    profile.insert(0, "units", typ.profiles["mean"]["units"])
    profile["label"] = typ.labels
    print_table(profile, index=True, title="Cluster profiles (sd from the national mean), bootstrap Jaccard, "
                "label", console=console)
    table = typ.table.copy()
    table.insert(0, "name", names.reindex(table.index).to_numpy())
    table = table.sort_values(["cluster", result.root], ascending=[True, False]).reset_index(names="unit")
    shown = table.drop(columns=[c for c in ("lat", "lon", "label") if c in table])
    print_table(shown, title=f"{parsed.name} {parsed.year_list}: clusters, stability and LISA", console=console)
    if typ.moran is not None:
        m = typ.moran
        console.print(f"Global Moran's I of {result.root}: I = {m.I:.3f} (E[I] = {m.expected:.3f}), "
                      f"p_sim = {m.p_sim:.3f} ({m.permutations} permutations, seed {m.seed}), p_norm = "
                      f"{m.p_norm:.3f}; weights: {f'{band_km:g} km band' if band_km else f'{neighbours} nearest'}")
    if typ.hot_spots is not None and len(typ.hot_spots):
        print_table(typ.hot_spots, title="Hot spots of depression (significant Low-Low) and members", console=console)
    elif typ.hot_spots is not None:
        console.print("No significant hot spot of depression (Low-Low) at alpha = 0.05.")
    for note in typ.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {output}")
    if maps is not None:
        _figures(typ, table.set_index("unit"), result.root, maps, fmt)


def _figures(typ, table: pd.DataFrame, root: str, folder: Path, fmt: str) -> None:
    from territoria.errors import DataError
    from territoria.report.maps import plot_dendrogram, plot_k_selection, plot_point_map, plot_profile_heatmap

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
    if "lat" in table:
        frame = table.assign(cluster=table["cluster"].map(lambda c: f"cluster {c}"))
        written.append(plot_point_map(frame, folder / f"map_index.{fmt}", column=root, size=120))
        if "level" in frame:
            written.append(plot_point_map(frame, folder / f"map_level.{fmt}", column="level", size=120))
        written.append(plot_point_map(frame, folder / f"map_cluster.{fmt}", column="cluster", size=120))
        if "lisa_class" in frame:
            written.append(plot_point_map(frame, folder / f"map_lisa.{fmt}", column="lisa_class", size=120))
    for path in written:
        console.print(f"[green]Wrote[/] {path}")

"""CLI commands of the data foundation: load, import, browse and fetch."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from territoria.errors import UnknownNameError
from territoria.ingest.matching import NameMatcher, language_of
from territoria.ingest.profiles import import_with_profile, profile_for
from territoria.ingest.readers import read_table
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.lookup import resolve_unit
from territoria.interfaces.cli.users import audit_cli
from territoria.interfaces.console import parse_columns
from territoria.interfaces.output import emit_table, plain, write_table
from territoria.store import Store, import_observations, measures, undo_import
from territoria.store.bundle import load_bundled

__all__ = ["FETCHERS", "data_app"]

data_app = typer.Typer(help="Optional data sources for users with internet (cached, checksum-pinned).",
                       no_args_is_help=True)
app.add_typer(data_app, name="data", rich_help_panel="Data")


class Lang(StrEnum):
    en = "en"
    ru = "ru"
    kk = "kk"


class Layout(StrEnum):
    auto = "auto"
    long = "long"
    wide_indicators = "wide_indicators"
    wide_units = "wide_units"


OutputOption = typer.Option(None, "-o", "--output", help="Write the table to PATH (.csv, .xlsx, .json, .parquet).")
LangOption = typer.Option(Lang.en, "--lang", help="Language of names: en, ru or kk.")
ColumnsOption = typer.Option(None, "--columns", help="Columns to show, comma-separated or repeated (the key "
                             "columns are always shown); a table wider than the terminal says what it left out.")


def _store(read_only: bool = False):
    return Store(state.db, read_only=read_only)


_PICK = "pick them with --columns or write every column with -o FILE"


def _emit(table: pd.DataFrame, output: Path | None, title: str, columns: list[str] | None = None,
          sources: pd.DataFrame | None = None, **fit: Any) -> None:
    emit_table(table, output, title=title, console=console, columns=parse_columns(columns), sources=sources, **fit)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


def load_bundled_with_progress(store, *, assess: bool = True) -> None:
    stages = ["units", "catalogue and sources", "published observations and the indicators derived from them",
              *(["bundled assessment"] if assess else [])]
    with _progress() as progress:
        task = progress.add_task("loading bundled data", total=len(stages))

        def step(label: str) -> None:
            progress.update(task, description=f"loading: {label}", completed=stages.index(label))

        reports = load_bundled(store, step=step, assess=assess)
        progress.update(task, description="bundled data loaded", completed=len(stages))
    for report in reports:
        console.print(plain(report.summary()))


@app.command("load-bundled", rich_help_panel="Data")
def load_bundled_command() -> None:
    """Load the bundled real data (units, sources, regional panel, seeds' tables) into the Store."""
    with _store() as store:
        load_bundled_with_progress(store)
        console.print(store.counts())


@app.command("import", rich_help_panel="Data")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file, long or wide."),
    unit: str | None = typer.Option(None, "--unit", help="Unit of a table about one unit (else the sheet name)."),
    indicator: str | None = typer.Option(None, "--indicator", help="Indicator of a units × years table."),
    layout: Layout = typer.Option(Layout.auto, "--layout", help="Table layout; auto detects it."),
    sheet: list[str] | None = typer.Option(None, "--sheet", help="Only these sheets (repeatable)."),
    source_id: str | None = typer.Option(None, "--source-id", help="Source of the figures (else the file)."),
    revise: bool = typer.Option(False, "--revise", help="Accept changed values; old ones go to history."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Store valid rows, write rejected ones."),
    rejected: Path | None = typer.Option(None, "--rejected", help="Where rejected rows go (with --skip-invalid)."),
    profile: str | None = typer.Option(None, "--profile", help="Statistics-office table profile (else recognised "
                                       "from the workbook when one fits)."),
    region: str | None = typer.Option(None, "--region", help="Region or district (name in ru/kk/en, or KATO code) "
                                      "all units of the table lie in: names are matched within it only."),
) -> None:
    """Import a table of observations: all of the file or none of it; a re-import changes nothing.

    A statistics-office workbook (BNS bulletin) is read through a table profile, recognised or named with
    --profile; the command says which one it used. Units are found by a KATO code column first, else by
    name within their region column, the region heading row above them or --region; a name several units
    share with nothing to tell them apart is an error listing the candidates and their regions.
    """

    with _store() as store:
        units = store.units()
        if units.empty:
            console.print("[yellow]The Store has no units yet: loading the bundled units first.[/]")
            load_bundled_with_progress(store)
            units = store.units()

        chosen = profile_for(file, profile, plain=unit is None and indicator is None and layout == Layout.auto
                             and region is None)
        if chosen is not None and region is not None:
            raise typer.BadParameter(f"table profile {chosen.name!r} reads the whole bulletin and matches each row "
                                     "within its own region; --region applies to plain tables", param_hint="--region")
        if chosen is not None:
            report = import_with_profile(store, file, chosen, units=units, source_id=source_id, revise=revise,
                                         console=console)
        else:
            matcher = NameMatcher.for_units(units.reset_index())
            scope = None
            if region is not None:
                try:
                    scope = matcher.match_area(region)
                except UnknownNameError as exc:
                    raise typer.BadParameter(f"{exc} (a region or district name in ru/kk/en, or its KATO code)",
                                             param_hint="--region") from None

                console.print(f"Matching units within {plain(matcher.place_of(scope, language_of(region)))}.")
            result = read_table(file, catalogue=store.catalogue, units=matcher, unit=unit, indicator=indicator,
                                layout=layout.value, sheets=sheet or None, skip_invalid=skip_invalid, within=scope)
            for note in result.notes:
                console.print(f"[yellow]{plain(note)}[/]")
            if skip_invalid and len(result.rejected):
                rejected = rejected or file.with_name(file.stem + ".rejected.csv")
                write_table(result.rejected, rejected)
                console.print(f"[yellow]{len(result.rejected)} rejected row(s) written to {plain(rejected)}[/]")
            report = import_observations(
                store, result.observations, file=str(file), file_sha256=result.file_sha256, source_id=source_id,
                revise=revise, rows_rejected=len(result.rejected),
                options={"unit": unit, "indicator": indicator, "layout": layout.value, "sheets": sheet,
                         "region": scope})
        if not report.already_imported:
            audit_cli(store, action="import.revise" if report.rows_revised else "import", target=str(file),
                      detail=f"import #{report.import_id}: {report.rows_new} new, {report.rows_revised} revised")
        console.print(plain(report.summary()))

        watched = len(measures.measures(store, active_only=True))
    if watched and (report.rows_new or report.rows_revised):
        # lazy: heavy (scipy), which territoria.interfaces.cli.data does not load
        from territoria.interfaces.cli.monitor import evaluate_measures

        evaluations, warnings = evaluate_measures(None)
        console.print(f"Monitoring: {watched} adopted measure(s) evaluated on the new data "
                      f"({evaluations} new evaluation(s), {warnings} new early warning(s)); see `territoria monitor`.")


@app.command("units", rich_help_panel="Data")
def units_command(
    level: str | None = typer.Option(None, "--level", help="country, region, district, rural_district, settlement"),
    parent: str | None = typer.Option(None, "--parent", help="Only the children of this unit code."),
    search: str | None = typer.Option(None, "--search", help="Only names containing this text (any language)."),
    lang: Lang = LangOption,
    output: Path | None = OutputOption,
    columns: list[str] | None = ColumnsOption,
) -> None:
    """List units: code, name, level, kind, parent, population, coordinates and status flags."""
    with _store(read_only=True) as store:
        units = store.units(level=level).reset_index()
    if parent is not None:
        units = units[units["parent"] == parent]
    if search:
        needle = search.casefold()
        hit = pd.Series(False, index=units.index)
        for col in ("name_en", "name_ru", "name_kk"):
            hit |= units[col].fillna("").str.casefold().str.contains(needle, regex=False)
        units = units[hit]
    name = units[f"name_{lang.value}"].where(units[f"name_{lang.value}"].fillna("") != "", units["name_ru"])
    table = pd.DataFrame({
        "code": units["code"], "name": name, "level": units["level"], "kind": units["kind"],
        "parent": units["parent"], "population": units["population"], "lat": units["lat"], "lon": units["lon"],
        "district_centre": units["is_district_centre"], "single_industry": units["is_single_industry"],
    })
    _emit(table, output, f"{len(table)} units", columns, hint=_PICK, keys=["code", "name", "population"])


@app.command("show", rich_help_panel="Data")
def show_command(
    unit: str = typer.Argument(..., help="Unit code or name in any language (Мамлютка, Mamlyutka...)."),
    lang: Lang = LangOption,
    borders: str = typer.Option("own", "--borders",
                                help="own: each year on its own borders; old: on the map before the splits."),
    output: Path | None = OutputOption,
    columns: list[str] | None = ColumnsOption,
) -> None:
    """Indicator × year table of one unit, in the layout of the seeds' town tables.

    Columns: indicator, name, unit_of_measure, then one column per year. A terminal too narrow for every
    year shows the latest years that fit and says which it left out (--columns 2010,2015 picks years).
    """
    with _store(read_only=True) as store:
        units = store.units()
        code = resolve_unit(store, unit)
        obs = store.panel(units=[code], borders=borders).observations
        # the sources of the shown figures go into the workbook's "about" sheet
        sources = store.sources()
        if "source_id" in obs:
            sources = sources[sources["source_id"].isin(obs["source_id"].dropna().unique())]
    catalogue = store.catalogue
    if obs.empty:
        console.print(f"[yellow]No observations for {plain(code)}.[/]")
        return
    table = obs.pivot(index="indicator", columns="year", values="value")
    table.columns = [str(c) for c in table.columns]
    names = {i.id: i.name.get(lang.value) for i in catalogue}
    measure = {i.id: i.unit.get(lang.value) for i in catalogue}
    table.insert(0, "unit_of_measure", [measure.get(i, "") for i in table.index])
    table.insert(0, "name", [names.get(i, i) for i in table.index])
    table = table.reset_index()
    row = units.loc[code]
    title = f"{code} {row[f'name_{lang.value}'] or row['name_ru']} ({row['level']})"
    _emit(table, output, title, columns, keys=["name", "unit_of_measure"], prefer="last",
          indicator_column="indicator", catalogue=catalogue, hint=_PICK,
          sources=sources[[c for c in ("source_id", "title", "publisher", "url", "retrieved") if c in sources]])


@app.command("coverage", rich_help_panel="Data")
def coverage_command(
    level: str | None = typer.Option(None, "--level", help="Only this level."),
    output: Path | None = OutputOption,
    columns: list[str] | None = ColumnsOption,
) -> None:
    """Which indicators and years each level has: units, first and last year, cells."""
    with _store(read_only=True) as store:
        table = store.coverage(level=level)
    _emit(table, output, "coverage of the panel", columns, hint=_PICK)


@app.command("sources", rich_help_panel="Data")
def sources_command(output: Path | None = OutputOption) -> None:
    """Sources of the stored figures, with citation, address and licence."""
    with _store(read_only=True) as store:
        table = store.sources()[["source_id", "title", "publisher", "url", "retrieved", "licence"]]
    _emit(table, output, "sources")


@app.command("imports", rich_help_panel="Data")
def imports_command(output: Path | None = OutputOption) -> None:
    """The import log: every import with its file, hash and row counts."""
    with _store(read_only=True) as store:
        table = store.imports()
    _emit(table, output, "imports")


@app.command("history", rich_help_panel="Data")
def history_command(
    output: Path | None = OutputOption,
    undo: int | None = typer.Option(None, "--undo", metavar="IMPORT_ID",
                                    help="Take this import back: its values return to what they replaced, cells "
                                    "it created are removed; recorded as an import of its own."),
) -> None:
    """Values replaced by revisions, with the import that replaced them; --undo takes an import back."""
    if undo is not None:
        if output is not None:
            raise typer.BadParameter("--undo writes to the Store and prints what it did; list the history "
                                     "without --undo to write it to a file", param_hint="--output")

        with _store() as store:
            report = undo_import(store, undo)
            audit_cli(store, action="import.undo", target=f"import #{undo}",
                      detail=f"import #{report.import_id} took back import #{undo}")
        console.print(plain(report.summary()))
        return
    with _store(read_only=True) as store:
        table = store.history()
    _emit(table, output, "revision history")


#: Sources reachable as ``data fetch NAME ARGS...``; each module registers its own (cli/bns.py: "bns").
FETCHERS: dict[str, Callable[[list[str]], None]] = {}


@data_app.command("fetch", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def fetch_command(ctx: typer.Context, name: str = typer.Argument(
        ..., help="What to download: geoboundaries, or `bns TABLE...` (options: `data bns fetch --help`).")) -> None:
    """Download an optional data set (pinned SHA-256) into the cache, or BNS dynamic tables into the Store."""
    # lazy: heavy (pooch), which territoria.interfaces.cli.data does not load
    from territoria.ingest.remote import GROUPS, fetch

    if name in FETCHERS:
        FETCHERS[name](list(ctx.args))
        return
    if ctx.args:
        raise typer.BadParameter(f"`data fetch {name}` takes no further arguments; got {' '.join(ctx.args)}")
    if name not in GROUPS:
        raise typer.BadParameter(f"unknown data set {name!r}; known: {', '.join([*GROUPS, *FETCHERS])}")
    for key in GROUPS[name]:
        path = fetch(key)
        console.print(f"[green]{plain(key)}[/] → {plain(path)}")

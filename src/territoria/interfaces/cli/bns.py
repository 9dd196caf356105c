"""CLI commands: ``territoria data bns list | fetch | rebuild`` and ``territoria data fetch bns TABLE...``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from territoria.catalog.catalogue import load_catalogue
from territoria.connectors.bns.download import default_cache_root
from territoria.connectors.bns.fetch import failure_text, fetch_table
from territoria.connectors.bns.rebuild import bundled_panel, compare_panel, rebuild_panel
from territoria.connectors.bns.registry import load_registry
from territoria.connectors.taldau.cache import RawCache
from territoria.ingest.bundled import bundled_alternates, bundled_crosswalk, bundled_observations, bundled_units
from territoria.interfaces.cli.app import console, state
from territoria.interfaces.cli.data import FETCHERS, data_app, load_bundled_with_progress
from territoria.interfaces.output import emit_table, plain, print_table, write_table
from territoria.store import Store

__all__ = ["bns_app"]

bns_app = typer.Typer(help="The statistics office's dynamic tables (stat.gov.kz): every district, every year.",
                      no_args_is_help=True)
data_app.add_typer(bns_app, name="bns")


class Lang(StrEnum):
    en = "en"
    ru = "ru"
    kk = "kk"


OutputOption = typer.Option(None, "-o", "--output", help="Write the table to PATH (.csv, .xlsx, .json, .parquet).")
RegistryOption = typer.Option(None, "--registry", help="Your own registry YAML instead of the packaged one.")
CacheOption = typer.Option(None, "--cache", help="Raw cache folder (default $TERRITORIA_BNS_CACHE or the user "
                                                 "cache).")


def _say(text: str) -> None:
    console.print(text, soft_wrap=True)


def _emit(table: pd.DataFrame, output: Path | None, title: str) -> None:
    emit_table(table, output, title=title, console=console)


@bns_app.command("list")
def list_command(registry: Path | None = RegistryOption, lang: Lang = typer.Option(
        Lang.en, "--lang", help="Language of the catalogue's indicator names: en, ru or kk."),
        output: Path | None = OutputOption) -> None:
    """The known tables: id, indicator, unit of measure, levels, years, the catalogue id each is stored as."""
    reg = load_registry(registry)
    catalogue = load_catalogue()
    table = reg.table()
    table.insert(2, "catalogue_name", [catalogue[e.indicator].name.get(lang.value) if e.indicator in catalogue
                                       else "" for e in reg.tables.values()])
    print_table(table.drop(columns=["url"]), title=f"BNS dynamic tables (registry version {reg.version})",
                console=console)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]wrote[/] {output}")


@bns_app.command("fetch")
def fetch_command(
    tables: list[str] = typer.Argument(..., help="Table ids, e.g. 6584 4289 (see `territoria data bns list`)."),
    file: Path | None = typer.Option(None, "--file", help="An export downloaded by hand (one TABLE only)."),
    revise: bool = typer.Option(False, "--revise", help="Accept changed values; old ones go to history."),
    accept_check_failures: bool = typer.Option(False, "--accept-check-failures", help="Store a table whose sum "
                                               "checks failed (the failures go to the import's log)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Download and check; store nothing."),
    offline: bool = typer.Option(False, "--offline", help="Use the newest cached export; never connect."),
    url: str | None = typer.Option(None, "--url", help="Download from this address instead of the registry's "
                                   "(one TABLE only)."),
    cache: Path | None = CacheOption, registry: Path | None = RegistryOption,
    output: Path | None = OutputOption,
) -> None:
    """Download each table's export, match its units, check every sum and import it (all or nothing)."""
    if (file is not None or url is not None) and len(tables) != 1:
        raise typer.BadParameter("--file and --url name one export: give exactly one TABLE with them")
    if file is not None and (offline or url is not None):
        raise typer.BadParameter("--file reads a file: --offline and --url do not apply to it")
    reg = load_registry(registry)
    entries = [reg[t] for t in tables]
    raw = RawCache(cache or default_cache_root())
    stored = []
    with Store(state.db, read_only=dry_run) as store:
        if store.units().empty:
            if dry_run:
                raise typer.BadParameter(f"the Store {state.db} has no units; run `territoria load-bundled` first")
            console.print("[yellow]The Store has no units yet: loading the bundled units first.[/]")
            load_bundled_with_progress(store)
        for entry in entries:
            if entry.status == "unverified":
                console.print(f"[yellow]{plain(entry.describe())}: the registry entry is unverified (its "
                              "layout was not seen in a stored export); NAM, header, unit and sums are checked on "
                              "this file.[/]")
            outcome = fetch_table(entry, registry=reg, cache=raw, store=store, file=file, url=url, offline=offline,
                                  revise=revise, accept_check_failures=accept_check_failures, dry_run=dry_run)
            _say(plain(outcome.read.summary()))
            _say(f"export: {plain(str(outcome.source.url))}, retrieved {outcome.source.fetched_at}, sha256 "
                          f"{outcome.source.body_sha256} ({outcome.source.size:,} bytes; cached in {raw.root})")
            for note in outcome.notes:
                _say(f"[yellow]{plain(note)}[/]")
            if outcome.report is not None:
                _say(plain(outcome.report.summary()))
            elif dry_run:
                console.print("dry run: nothing stored")
            stored.append(outcome.rows.drop(columns=["note"]))
    _emit(pd.concat(stored, ignore_index=True), output, "values read from " + ", ".join(tables))


def _fetch_forwarded(args: list[str]) -> None:
    typer.main.get_command(bns_app)(["fetch", *args], prog_name="territoria data fetch bns", standalone_mode=False)


FETCHERS["bns"] = _fetch_forwarded


@bns_app.command("rebuild")
def rebuild_command(
    raw_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder with the raw exports, named "
                                   "TABLE.csv (e.g. 6584.csv, 6547.csv, 4289.csv, 5546.csv)."),
    registry: Path | None = RegistryOption,
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the rebuilt panel rows to PATH."),
    strict: bool = typer.Option(False, "--strict", help="Exit with an error when the rebuild differs from the "
                                "bundle."),
) -> None:
    """Rebuild the bundled district panel from raw exports with the connector's code; list every difference."""
    reg = load_registry(registry)
    wanted = [t for t, e in reg.tables.items() if e.bundle_source]
    exports = {t: (raw_dir / f"{t}.csv").read_bytes() for t in wanted if (raw_dir / f"{t}.csv").is_file()}
    if not exports:
        raise typer.BadParameter(f"{raw_dir}: none of {', '.join(t + '.csv' for t in wanted)} found")
    rows, reads = rebuild_panel(exports, registry=reg, units=bundled_units(), crosswalk=bundled_crosswalk(),
                                catalogue=load_catalogue())
    for read in reads.values():
        _say(plain(read.summary()))
        if len(read.failures):
            _say(plain(failure_text(read)))
    bundle = bundled_panel(bundled_observations(), bundled_alternates(), reg)
    sources = {reg[t].bundle_source for t in exports}
    differences = compare_panel(rows, bundle[bundle["source_id"].isin(sources)])
    if output is not None:
        write_table(rows, output)
        console.print(f"[green]wrote[/] {len(rows)} rows to {output}")
    if differences.empty:
        console.print(f"[green]the rebuild equals the bundled panel[/] ({len(rows)} rows, tables {', '.join(exports)})")
        return
    print_table(differences, title=f"{len(differences)} difference(s) from the bundled panel", console=console)
    if strict:
        raise typer.Exit(1)

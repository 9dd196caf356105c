"""CLI commands: ``territoria data taldau discover | fetch | crosswalk | registry``."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from territoria.connectors.taldau.cache import Manifest, RawCache
from territoria.connectors.taldau.crosswalk import load_crosswalk, save_user_crosswalk
from territoria.connectors.taldau.fetch import build_district_crosswalk, discover, fetch_indicator
from territoria.connectors.taldau.registry import load_registry
from territoria.connectors.taldau.transport import TaldauClient
from territoria.interfaces.cli.app import console, state
from territoria.interfaces.cli.data import data_app, load_bundled_with_progress
from territoria.interfaces.output import plain, print_table, write_table
from territoria.store import Store

__all__ = ["taldau_app"]

taldau_app = typer.Typer(help="Taldau, the statistics office's online database (needs internet unless --offline).",
                         no_args_is_help=True)
data_app.add_typer(taldau_app, name="taldau")


class Level(StrEnum):
    region = "region"
    district = "district"


OutputOption = typer.Option(None, "-o", "--output", help="Write the table to PATH (.csv, .xlsx, .json, .parquet).")
CacheOption = typer.Option(None, "--cache", help="Raw cache folder (default $TERRITORIA_TALDAU_CACHE or the "
                                                 "user cache).")
OfflineOption = typer.Option(False, "--offline", help="Read only cached answers; never connect.")
RefreshOption = typer.Option(False, "--refresh", help="Ask Taldau again even when an answer is cached.")
RegistryOption = typer.Option(None, "--registry", help="Your own registry YAML instead of the packaged one.")
BaseUrlOption = typer.Option("https://taldau.stat.gov.kz", "--base-url", hidden=True)


def _emit(table: pd.DataFrame, output: Path | None, title: str) -> None:
    print_table(table, title=title, console=console)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]wrote[/] {plain(output)}")


def _client(cache_dir: Path | None, offline: bool, refresh: bool, base_url: str, name: str):
    cache = RawCache(cache_dir)
    manifest = Manifest(name)
    return TaldauClient(cache=cache, offline=offline, refresh=refresh, base_url=base_url, manifest=manifest)


def _finish(client) -> None:
    client.close()
    if client.manifest is not None and client.manifest.used:
        path = client.manifest.write(client.cache)
        console.print(f"manifest of the {len(client.manifest.used)} answer(s) used: {plain(path)}")


def _years(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–:]\s*(\d{4}))?\s*", text)
    if not match:
        raise typer.BadParameter(f"--years {text!r}: expected YYYY or YYYY-YYYY, e.g. 2009-2023")
    lo, hi = int(match.group(1)), int(match.group(2) or match.group(1))
    if lo > hi:
        raise typer.BadParameter(f"--years {text!r}: the first year is after the last")
    return lo, hi


def _user_crosswalk(cache_dir: Path | None) -> Path:
    return RawCache(cache_dir).root / "crosswalk_user.csv"


@taldau_app.command("registry")
def registry_command(registry: Path | None = RegistryOption, output: Path | None = OutputOption) -> None:
    """The registered indicators: index id, period type, segment, totals, unit, bounds, status."""
    rows = [{"key": e.key, "indicator": e.indicator, "index_id": str(e.index_id or ""),
             "period_id": str(e.period_id or ""),
             "dics": "" if e.dics is None else ",".join(map(str, e.dics)), "territory_dic": str(e.territory_dic or ""),
             "totals": "" if e.totals is None else ",".join(f"{d}:{t}" for d, t in e.totals.items()),
             "levels": ",".join(e.levels), "bounds": f"{e.bounds[0]:g}..{e.bounds[1]:g}",
             "open_data_element": str(e.open_data_element or ""), "status": e.status, "missing": e.missing}
            for e in load_registry(registry).values()]
    _emit(pd.DataFrame(rows), output, "Taldau registry")


@taldau_app.command("discover")
def discover_command(
    index_id: int = typer.Argument(..., help="Taldau index id, e.g. 702972."),
    cache: Path | None = CacheOption, offline: bool = OfflineOption, refresh: bool = RefreshOption,
    base_url: str = BaseUrlOption, output: Path | None = OutputOption,
) -> None:
    """Ask Taldau for an indicator's unit, period types and segments; save the raw answers; print them."""

    client = _client(cache, offline, refresh, base_url, f"discover-{index_id}")
    try:
        found = discover(index_id, client)
    finally:
        _finish(client)
    console.print(f"[bold]{plain(index_id)}[/] {plain(found.attributes['name'])} — "
                  f"unit: {plain(found.attributes['unit'])}")
    console.print("period types: " + ", ".join(f"{plain(p)} {n}" for p, n in
                                                 zip(found.periods["period_id"], found.periods["name"], strict=True)))
    _emit(found.table(), output, f"segments of {index_id} (territory levels, periods, breakdowns)")


@taldau_app.command("crosswalk")
def crosswalk_command(
    indicator: str = typer.Argument(..., help="Registered indicator whose territorial tree is walked, e.g. wage."),
    region: list[str] | None = typer.Option(None, "--region", help="Only this region (KATO code; repeatable)."),
    cache: Path | None = CacheOption, offline: bool = OfflineOption, refresh: bool = RefreshOption,
    registry: Path | None = RegistryOption, base_url: str = BaseUrlOption, output: Path | None = OutputOption,
) -> None:
    """Match the district terms under each region to KATO by exact name within the region; report the rest."""

    entries = load_registry(registry)
    if indicator not in entries:
        raise typer.BadParameter(f"unknown indicator {indicator!r}; registered: {', '.join(entries)}")
    with Store(state.db, read_only=True) as store:
        units = store.units()
    client = _client(cache, offline, refresh, base_url, f"crosswalk-{indicator}")
    try:
        report = build_district_crosswalk(entries[indicator], client, units, load_crosswalk(_user_crosswalk(cache)),
                                          regions=region or None)
    finally:
        _finish(client)
    path = save_user_crosswalk(report, _user_crosswalk(cache))
    counts = report["status"].value_counts().to_dict()
    console.print(f"district terms: {plain(counts)}; matched ones saved to {plain(path)} "
                  "(review before relying on them)")
    problems = report[report["status"] != "matched"]
    _emit(problems if len(problems) else report, output,
          "unmatched or ambiguous terms (not accepted)" if len(problems) else "all terms matched")


@taldau_app.command("fetch")
def fetch_command(
    indicator: str = typer.Argument(..., help="Registered indicator (see `territoria data taldau registry`)."),
    level: Level = typer.Option(..., "--level", help="region or district."),
    years: str | None = typer.Option(None, "--years", help="Years to keep, e.g. 2009-2023."),
    cache: Path | None = CacheOption, offline: bool = OfflineOption, refresh: bool = RefreshOption,
    registry: Path | None = RegistryOption, base_url: str = BaseUrlOption,
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and show the values; store nothing."),
    revise: bool = typer.Option(False, "--revise", help="Accept changed values; old ones go to history."),
    output: Path | None = OutputOption,
) -> None:
    """Fetch a registered indicator, check it (sums, bounds, periods) and store it with its provenance."""

    span = _years(years)
    entries = load_registry(registry)
    client = _client(cache, offline, refresh, base_url, f"fetch-{indicator}-{level.value}")
    try:
        with Store(state.db, read_only=dry_run) as store:
            if not dry_run and store.units().empty:
                console.print("[yellow]The Store has no units yet: loading the bundled units first.[/]")
                load_bundled_with_progress(store)
            result = fetch_indicator(indicator, level=level.value, client=client, registry=entries,
                                     crosswalk=load_crosswalk(_user_crosswalk(cache)), catalogue=store.catalogue,
                                     store=None if dry_run else store, years=span, revise=revise)
    finally:
        _finish(client)
    for note in result.notes:
        console.print(f"[yellow]{plain(note)}[/]")
    console.print(f"{plain(result.request)}: {len(result.rows)} value(s) at {plain(level.value)} level; Taldau unit "
                  f"{plain(repr(result.taldau_unit))} × {result.factor:g}; response sha256 {plain(result.body_sha256)}")
    if result.report is not None:
        console.print(plain(result.report.summary()))
    elif dry_run:
        console.print("dry run: nothing stored")
    _emit(result.rows.drop(columns=["note"]), output, f"{indicator} ({result.entry.indicator}) by {level.value}")

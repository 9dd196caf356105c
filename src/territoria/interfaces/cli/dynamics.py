"""CLI commands: trends, diagnose, recommend and whatif (dynamics, diagnosis, mechanisms); monitor: ``monitor.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer

from territoria.diagnosis import risk_flags
from territoria.diagnosis.references import REFERENCE_INDICATORS, criteria_summary
from territoria.dynamics.composite import composite_over_years, composite_trends
from territoria.dynamics.status import classify, load_status_rules
from territoria.dynamics.trends import trend_table
from territoria.errors import DataError
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.assess import default_spec_path, read_wide_table
from territoria.interfaces.cli.lookup import resolve_unit
from territoria.interfaces.cli.registry import DYNAMICS_PANEL
from territoria.interfaces.output import emit_table, plain, print_table, write_table
from territoria.mechanisms import load_knowledge_base, recommend, recommend_group
from territoria.mechanisms.recommend import PACKAGE_SIZE
from territoria.mechanisms.whatif import parse_change, what_if
from territoria.report.service import assessment as find_assessment
from territoria.report.service import assessment_label, diagnosis
from territoria.store import Store

__all__ = ["diagnose", "recommend_cmd", "trends", "whatif"]

PANEL = DYNAMICS_PANEL

_OUT = typer.Option(None, "-o", "--output", help="Output table (.csv/.xlsx/.json/.parquet).")


def _emit(frame: pd.DataFrame, title: str, output: Path | None, max_rows: int = 40,
          keys: list[str] | None = None) -> None:
    emit_table(frame, output, title=title, console=console, max_rows=max_rows, keys=keys)


def _open() -> Any:
    return Store(state.db, read_only=True)


def _groups(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None

    table = read_wide_table(path, "unit").reset_index() if path.suffix != ".parquet" else pd.read_parquet(path)
    if "group" not in table.columns:
        raise DataError(f"{path}: a groups table needs columns unit, group, reason")
    return table.assign(unit=table["unit"].astype(str))


_ASSESSMENT = typer.Option(None, "--assessment", help="Stored assessment to use (`territoria assessments`); "
                           "NAME or NAME@VERSION for an older version; default: the latest one of the "
                           "unit's own level.")


def _used(result: Any, year: int | None = None) -> None:
    """Say which assessment (and year) a command used."""

    shown = f", year {year}" if year is not None else ""
    console.print(f"[dim]Assessment used: {plain(assessment_label(result))}{shown}[/]")


def _status_assessment(store: Any, name: str, level: str) -> Any:
    found = find_assessment(store, name=name, level=level)
    _used(found)
    return found


def _composite(store: Any, first: int, last: int) -> Any:
    return composite_over_years(store.panel(level="region", borders="old"), default_spec_path(),
                                list(range(first, last + 1)))


@app.command("trends", rich_help_panel=PANEL)
def trends(
    level: str = typer.Option("region", "--level", help="region, district or settlement."),
    unit: list[str] = typer.Option(None, "--unit", help="Unit code(s); default: every unit of the level."),
    indicator: list[str] = typer.Option(None, "--indicator", help="Indicator id(s); default: all."),
    first: int = typer.Option(2009, "--from", help="First year."),
    last: int = typer.Option(2025, "--to", help="Last year."),
    status: bool = typer.Option(False, "--status", help="Status of each unit (developing ... at risk) with facts."),
    rules: Path | None = typer.Option(None, "--rules", help="Status rule file (YAML); default: the package's."),
    horizon: int | None = typer.Option(None, "--horizon", min=2, help="Years of change the status is judged over "
                                       "(default: the rules' horizon_years, 10 in the package's rules)."),
    composite: bool = typer.Option(True, "--composite/--no-composite",
                                   help="Regions: add the composite index over years (pooled goalposts)."),
    assessment: str | None = typer.Option(None, "--assessment", help="With --status: the composite of this "
                                          "stored assessment (of --level units; NAME or NAME@VERSION) feeds "
                                          "the status rules."),
    output: Path | None = _OUT,
) -> None:
    """Trends per unit and indicator (growth, CAGR, Theil–Sen, Mann–Kendall, break), or --status.

    Regions are read on the old map (the 2018 and 2022 splits merged back) so that a series does not
    jump when a region is split.
    """

    years = list(range(first, last + 1))
    if assessment is not None and not status:
        raise DataError("trends: --assessment applies to --status (its composite feeds the status rules)")
    with _open() as store:
        borders = "old" if level == "region" else "own"
        panel = store.panel(level=level, years=years, units=unit or None, borders=borders)
        obs = panel.observations
        if indicator:
            for code in indicator:
                store.catalogue[code]
            obs = obs[obs["indicator"].isin(indicator)]
        names = panel.names("en")
        result = _composite(store, max(first, 2010), min(last, 2023)) if composite and level == "region" else None
        stored = _status_assessment(store, assessment, level) if assessment is not None else None
    if status:
        comp = None
        if stored is not None:
            comp = stored.scores
            if not isinstance(comp.index, pd.MultiIndex):
                comp = comp.set_axis(pd.MultiIndex.from_arrays([comp.index, [stored.years[0]] * len(comp)],
                                                                names=["unit", "year"]))
        elif result is not None:
            comp = result.scores
        table = classify(obs, load_status_rules(rules), composite=comp, horizon=horizon)
        years_of_change = table.attrs["horizon_years"]
        known = table[table["status"] != "insufficient_data"]
        table = known.reset_index()
        table.insert(1, "name", table["unit"].map(names))
        _emit(table[["unit", "name", "status", "horizon", "facts"]],
              f"Status of {level} units over a {years_of_change}-year horizon (data {first}–{last})", output)
        return
    table = trend_table(obs, short="raise" if unit and indicator else "skip")
    if result is not None and not indicator:
        comp_trends = composite_trends(result).drop(columns=["level_first", "level_last"])
        if unit:
            comp_trends = comp_trends[comp_trends.index.get_level_values("unit").isin(unit)]
        table = pd.concat([table, comp_trends])
    frame = table.reset_index()
    frame.insert(1, "name", frame["unit"].map(names))
    show = ["unit", "name", "indicator", "first_year", "last_year", "first", "last", "growth_pct", "cagr_pct",
            "sen_slope", "mk_p", "trend", "break_year"]
    print_table(frame[show], title=f"Trends of {level} series {first}–{last}", console=console, max_rows=40)
    doubtful = frame[frame.get("doubt", pd.Series("", index=frame.index)).fillna("") != ""]
    for row in doubtful.itertuples():
        console.print(f"[yellow]Doubtful figure in {plain(row.unit)} {plain(row.indicator)}:[/] {plain(row.doubt)}")
    skipped = table.attrs.get("skipped") or []
    if skipped:
        console.print(f"[dim]{len(skipped)} series with fewer than 3 years left out[/]")
    if output is not None:
        write_table(frame, output)
        console.print(f"[green]Wrote[/] {plain(output)}")


@app.command("diagnose", rich_help_panel=PANEL)
def diagnose(
    unit: str = typer.Argument(..., help="Unit code (KATO) or name, e.g. 590000000 or 595800000."),
    year: int | None = typer.Option(None, "--year", help="Year of the assessment and of the flags."),
    n: int = typer.Option(5, "--n", help="How many weakest indicators."),
    groups: Path | None = typer.Option(None, "--groups", help="Groups table (unit, group, reason)."),
    assessment: str | None = _ASSESSMENT,
    output: Path | None = _OUT,
) -> None:
    """Rank nationally and within the region, weakest blocks and indicators against national, regional and
    group references, risk flags, status; in the latest assessment of the unit's own level."""

    with _open() as store:
        unit = resolve_unit(store, unit)
        d = diagnosis(store, unit, name=assessment, year=year, groups=_groups(groups), n=n)
        row = store.units(codes=[unit]).iloc[0]
        region_name = store.units(codes=[d.region])["name_en"].get(d.region) if d.region else None
    console.print(f"[bold]{plain(row['name_en'])}[/] ({plain(unit)}, {plain(row['level'])})")
    console.print(f"Assessment used: {plain(repr(d.assessment))} v{d.version} ({d.level}, {d.year}): rank {d.rank} "
                  f"of {d.n_units} {d.level} units" + (f", {d.rank_in_region} of {d.n_in_region} in "
                                                   f"{plain(region_name or d.region)}" if d.region else "")
                  + (f"; level {plain(d.grade)}" if d.grade else ""))
    if d.grade:
        console.print(f"[dim]Scale of the level: {plain(d.scale)}[/]")
    if d.context is not None:
        c = d.context
        console.print(f"[dim]Context: region {plain(c.unit)} in {plain(repr(c.assessment))} v{c.version} ({c.year}): "
                      f"rank {c.rank} of {c.n_units}" + (f", level {plain(c.grade)}" if c.grade else "") + "[/]")
    if d.status is not None:
        console.print(f"Status: [bold]{plain(d.status)}[/] — {plain(d.status_facts)}")
    print_table(d.weak_blocks, title="Blocks (contribution to the composite; gaps in points)", console=console)
    print_table(d.weak_indicators, title=f"{n} weakest indicators", console=console)
    flags = d.flags
    if "rule" in flags:
        print_table(d.risk_flags[["rule", "indicator", "year", "value", "threshold", "text", "citation"]],
                    title="Risk flags", console=console)
    if "rule" in flags and len(flags):
        c = criteria_summary(flags.assign(unit=unit)).iloc[0]
        console.print(f"Criteria of depression (risk rules): {c['n_evaluable']} of {c['n_rules']} evaluable, "
                      f"{c['n_met']} met" + (f": {plain(c['met'])}" if c["met"] else "")
                      + (f"; not evaluable for lack of data: {plain(c['not_evaluable'])}" if c["not_evaluable"]
                         else ""))
    if output is not None:
        parts = [d.weak_blocks.assign(part="block"), d.weak_indicators.assign(part="indicator"),
                 flags.assign(part="risk")]
        meta = dict(assessment=d.assessment, assessment_version=d.version, assessment_year=d.year)
        write_table(pd.concat(parts, ignore_index=True).assign(**meta), output)
        console.print(f"[green]Wrote[/] {plain(output)}")


@app.command("recommend", rich_help_panel=PANEL)
def recommend_cmd(
    unit: str | None = typer.Argument(None, help="Unit code; or use --group / --list."),
    group: str | None = typer.Option(None, "--group", help="A group of the --groups table."),
    unit_list: str | None = typer.Option(None, "--list",
                                         help="A Store unit list (e.g. depressed_orynbet_imangali_2022)."),
    groups: Path | None = typer.Option(None, "--groups", help="Groups table (unit, group, reason)."),
    kb: Path | None = typer.Option(None, "--kb", help="Knowledge base (YAML); default: the package's."),
    year: int | None = typer.Option(None, "--year", help="Year of the assessment and of the flags."),
    lang: str = typer.Option("en", "--lang", help="en, ru or kk."),
    every: bool = typer.Option(False, "--all", help="Every mechanism that fits, not only the package (the "
                               "best-scored few of each horizon)."),
    assessment: str | None = _ASSESSMENT,
    output: Path | None = _OUT,
) -> None:
    """A short ranked package of mechanisms per horizon (2022–2030, 2030–2040, 2040–2050), each with its
    reasons and its score spelled out; --all for every mechanism that fits.

    For one unit, its weaknesses come from the latest assessment of its own level (or --assessment)."""

    top = None if every else PACKAGE_SIZE

    base = load_knowledge_base(kb)
    table_groups = _groups(groups)
    with _open() as store:
        regions = store.units(level="region")["name_en"].to_dict()
        if unit is not None:
            unit = resolve_unit(store, unit)
            name = store.units(codes=[unit])["name_en"].iloc[0]
            try:
                d = diagnosis(store, unit, name=assessment, year=year, groups=table_groups)
            except DataError as exc:  # no assessment of the unit's level: its own flags and status only, said so
                if assessment is not None:
                    raise
                console.print(f"[yellow]{plain(exc)}.[/] Mechanisms below follow from the unit's own risk flags and "
                              "status only, not from weaknesses in an assessment.")
                d = None
            if d is not None:
                table = recommend(unit, base, flags=d.flags if "rule" in d.flags else None, weak=d.weak_indicators,
                                  groups=table_groups, status=d.status, status_facts=d.status_facts,
                                  region_names=regions, lang=lang, status_fact_codes=d.status_fact_codes, top=top)
                title = f"Mechanisms for {name} ({unit}), weaknesses from {d.assessment!r} v{d.version} ({d.year})"
            else:
                obs = store.observations(units=[unit])
                flags = risk_flags(obs, national=store.observations(units=["KZ"]), year=year,
                                   regional=store.observations(level="region", indicators=list(REFERENCE_INDICATORS))
                                   ) if len(obs) else None
                statuses = classify(obs) if len(obs) else pd.DataFrame(columns=["status", "facts"])
                st = statuses.loc[unit] if unit in statuses.index else None
                table = recommend(unit, base, flags=flags, weak=None, groups=table_groups,
                                  status=None if st is None else st["status"],
                                  status_facts="" if st is None else st["facts"], region_names=regions, lang=lang,
                                  top=top)
                title = f"Mechanisms for {name} ({unit}), from its risk flags and status"
        else:
            if assessment is not None:
                raise DataError("recommend: --assessment applies to one unit; a group's mechanisms come from its "
                                "members' risk flags and status")
            if unit_list:
                members = store.unit_list(unit_list)["code"].astype(str).tolist()
            elif group and table_groups is not None:
                members = table_groups.loc[table_groups["group"] == group, "unit"].tolist()
            else:
                raise DataError("recommend: give a unit code, or --list NAME, or --group NAME with --groups FILE")
            if not members:
                raise DataError(f"recommend: the group {unit_list or group!r} has no members")

            obs = store.observations(units=members)
            flags = risk_flags(obs, national=store.observations(units=["KZ"]), year=year,
                               regional=store.observations(level="region", indicators=list(REFERENCE_INDICATORS)))
            table = recommend_group(members, base, flags=flags, groups=table_groups, statuses=classify(obs),
                                    region_names=regions, lang=lang, top=top)
            title = f"Mechanisms for {unit_list or group} ({len(members)} units)"
    shown = [c for c in ("horizon", "years", "priority", "mechanism", "name", "members", "score", "score_detail",
                         "reasons", "sources") if c in table]
    if top is not None:
        title += f" — the package: the {top} best-scored of each horizon (--all for every fitting mechanism)"
    print_table(table[shown], title=title, console=console, max_rows=40)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]Wrote[/] {plain(output)}")


@app.command("whatif", rich_help_panel=PANEL)
def whatif(
    unit: str = typer.Argument(..., help="Unit code or name (region, district or settlement)."),
    changes: list[str] = typer.Argument(..., help="CODE:+N (points), CODE:+N% (relative), CODE:=N (value)."),
    year: int | None = typer.Option(None, "--year", help="Assessment year (default: the assessment's latest)."),
    assessment: str | None = _ASSESSMENT,
    output: Path | None = _OUT,
) -> None:
    """Change indicator values of a unit and see its new sub-indices, composite, rank and level, in the
    latest assessment of the unit's own level (or --assessment)."""

    parsed = [parse_change(c) for c in changes]
    with _open() as store:
        unit = resolve_unit(store, unit)
        result = find_assessment(store, name=assessment, unit=unit, year=year)
    _used(result, year)
    _emit(what_if(result, unit, parsed, year=year), f"What if — {unit}: {', '.join(changes)}", output)


# -- monitor ---------------------------------------------------------------------------------------

"""CLI commands: economy (diversification, shift-share, resilience regression). No method logic here."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from territoria.catalog.citations import cite
from territoria.economy import (
    EconomyInputError,
    diversification_panel,
    fit_fixed_effects,
    get_scheme,
    industry_table,
    measure_rows,
    regression_table,
    shift_share,
    table_html,
    table_text,
)
from territoria.economy.data import resilience_demo_panel
from territoria.economy.seed_design import TABLE1_FORMULAS, table1_design
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.output import plain, print_table, write_table
from territoria.store import Store, import_observations

__all__ = ["economy_app"]

economy_app = typer.Typer(help="Diversification, specialisation, shift-share and resilience of regional economies "
                               "(GVA by OKED section from the Store). See docs/economy.md.", no_args_is_help=True)
app.add_typer(economy_app, name="economy", rich_help_panel="Economy")

DEFAULT_FORMULA = "ln_rcc ~ entropy + ln_grp + ln_pop | region + year"


class Scheme(StrEnum):
    groups11 = "groups11"
    sections = "sections"


class Reference(StrEnum):
    country = "country"
    sum = "sum"


class Borders(StrEnum):
    own = "own"
    old = "old"


OutputOption = typer.Option(None, "-o", "--output", help="Write the table to PATH (.csv, .xlsx, .json, .parquet).")
SchemeOption = typer.Option(Scheme.groups11, "--scheme",
                            help="groups11: 11 activity groups, 2010-2025; sections: OKED A-S, 2014 onwards.")
ReferenceOption = typer.Option(Reference.country, "--reference",
                               help="National reference: the country row KZ, or the sum of the regions.")


def _observations(scheme_name: str, extra: list[str], borders: str) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """Region and country rows of the scheme's series (plus ``extra``) from the Store."""
    scheme = get_scheme(scheme_name)
    with Store(state.db, read_only=True) as store:
        obs = store.panel(indicators=scheme.series() + extra, borders=borders).observations
        units = store.units()
        crosswalk = store.crosswalk()
    level = obs["unit"].map(units["level"])
    obs = obs[level.isin(["region", "country"])].reset_index(drop=True)
    return obs, crosswalk, scheme


def _names(codes: pd.Series) -> pd.Series:
    with Store(state.db, read_only=True) as store:
        units = store.units()
    return codes.map(units["name_en"]).fillna(codes)


@economy_app.command("diversification")
def diversification_command(
    year: list[int] | None = typer.Option(None, "--year", "-y", help="Year(s); default every year with data."),
    scheme: Scheme = SchemeOption,
    reference: Reference = ReferenceOption,
    base: float = typer.Option(2.0, "--base", help="Logarithm base of entropy and variety (2 = bits)."),
    ddof: int = typer.Option(0, "--ddof", help="Variance of structural coefficients: 0 population, 1 sample."),
    store_results: bool = typer.Option(False, "--store", help="Write the measures into the Store (div_* indicators)."),
    revise: bool = typer.Option(False, "--revise", help="With --store: replace values stored with other options."),
    output: Path | None = OutputOption,
) -> None:
    """Specialisation and diversification of every region: structural-coefficient variance, Krugman, Hachman,
    Herfindahl, entropy, related and unrelated variety."""
    obs, crosswalk, sch = _observations(scheme.value, [], "own")
    table, skipped = diversification_panel(obs, sch, years=year or None, reference=reference.value,
                                           base=base, ddof=ddof, crosswalk=crosswalk)
    table.insert(1, "name", _names(table["region"]))
    ref = "country row KZ" if reference == Reference.country else "sum of the regions"
    print_table(table, title=f"Diversification, scheme {sch.name}, reference: {ref}, log base {base:g}",
                console=console)
    if skipped:
        console.print(f"[yellow]left out (an activity missing):[/] {plain(', '.join(skipped[:10]))}"
                      + (" …" if len(skipped) > 10 else ""))
    if output is not None:
        write_table(table, output)
        console.print(f"[green]wrote[/] {plain(output)}")
    if store_results:
        note = f"scheme={sch.name}; reference={reference.value}; log base={base:g}; ddof={ddof}"
        rows = measure_rows(table, note=note)
        digest = hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest()
        with Store(state.db) as store:
            report = import_observations(store, rows, file=f"derived:economy.diversification ({note})",
                                         file_sha256=digest, source_id="derived", revise=revise)
        console.print(plain(report.summary()))


@economy_app.command("shiftshare")
def shiftshare_command(
    start: int = typer.Option(..., "--from", help="Base year."),
    end: int = typer.Option(..., "--to", help="Final year."),
    scheme: Scheme = SchemeOption,
    reference: Reference = ReferenceOption,
    by: str = typer.Option("region", "--by", help="region, industry or cell (region x industry)."),
    borders: Borders = typer.Option(Borders.old, "--borders",
                                    help="old: every year on the map before the 2018/2022 splits; own: as published."),
    output: Path | None = OutputOption,
) -> None:
    """Shift-share decomposition of the change in GVA: national share + industry mix + competitive effect
    = actual change (million tenge, current prices)."""
    obs, crosswalk, sch = _observations(scheme.value, [], borders.value)
    x0, n0, _ = industry_table(obs, sch, start, crosswalk=crosswalk)
    x1, n1, _ = industry_table(obs, sch, end, crosswalk=crosswalk)
    common = x0.index.intersection(x1.index)
    if len(common) < max(len(x0), len(x1)):
        lost = sorted(set(x0.index) ^ set(x1.index))
        raise EconomyInputError(f"shiftshare {start}-{end}: regions {lost} exist in only one year (borders "
                                f"{borders.value}); use --borders old")
    if reference == Reference.country and (n0 is None or n1 is None):
        raise EconomyInputError(f"shiftshare {start}-{end}: the country row lacks an activity of scheme "
                                f"{sch.name!r}; use --reference sum")
    use_national = reference == Reference.country
    table = shift_share(x0, x1.loc[x0.index], national0=n0 if use_national else None,
                        national1=n1 if use_national else None, by=by).reset_index()  # type: ignore[arg-type]
    if "region" in table.columns:
        table.insert(1, "name", _names(table["region"]))
    print_table(table, title=f"Shift-share {start}-{end}, scheme {sch.name}, million tenge (current prices)",
                console=console)
    if output is not None:
        write_table(table, output)
        console.print(f"[green]wrote[/] {plain(output)}")


def _read_panel(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if not path.exists():
        raise EconomyInputError(f"{path}: no such file")
    if suffix == ".csv":
        return pd.read_csv(path, dtype={"region": str})
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype={"region": str})
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise EconomyInputError(f"{path}: panel files are .csv, .xlsx or .parquet, got {suffix!r}")


@economy_app.command("resilience")
def resilience_command(
    formula: list[str] = typer.Option(list(TABLE1_FORMULAS), "--formula", "-f",
                                      help="pyfixest formula (repeat for several models), e.g. "
                                           "'ln_rcc ~ entropy * hachman + ln_grp + ln_pop | region + year'; "
                                           "default: the design of Table 1 of the diversification paper "
                                           "(seed 004) and its moderation model."),
    data: Path | None = typer.Option(None, "--data", help="Your own panel (.csv/.xlsx/.parquet) instead of the "
                                                          "demonstration panel built from the Store."),
    unit: str = typer.Option("region", "--unit", help="Unit column of the panel."),
    time: str = typer.Option("year", "--time", help="Period column of the panel."),
    cluster: str = typer.Option("unit", "--cluster", help="Column to cluster standard errors by ('unit' = --unit)."),
    vcov: str = typer.Option("CRV1", "--vcov", help="CRV1, CRV3, iid or hetero."),
    measure: str = typer.Option("relative_growth", "--measure",
                                help="Demonstration panel: relative_growth, sensitivity or resistance of GRP."),
    window: int = typer.Option(1, "--window", help="Demonstration panel: shock window in years."),
    scheme: Scheme = SchemeOption,
    reference: Reference = ReferenceOption,
    panel_output: Path | None = typer.Option(None, "--panel-output", help="Also write the panel used."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Write the regression table (.txt, .html, .xlsx, .csv, .json)."),
) -> None:
    """Fixed-effects regressions of resilience on diversification (region and year effects, clustered SEs)."""
    if data is not None:
        panel = _read_panel(data)
        what = f"panel {data}"
    else:
        obs, crosswalk, sch = _observations(scheme.value, ["grp", "population_avg"], "old")
        panel = resilience_demo_panel(obs, sch, window=window, measure=measure, reference=reference.value,
                                      crosswalk=crosswalk)
        what = (f"demonstration panel from the Store: {measure} of GRP over {window}-year windows vs "
                f"{'the country row' if reference == Reference.country else 'the sum of regions'}, scheme "
                f"{sch.name}, borders before the splits; no FDI series (not in the Store)")
    fits = [fit_fixed_effects(panel, f, unit=unit, time=time, cluster=None if cluster == "none" else cluster,
                              vcov=vcov) for f in formula]
    table = regression_table(fits)
    console.print(f"[bold]{plain(what)}[/]")
    if data is None:
        design = table1_design(panel.columns)
        print_table(design, console=console, title=f"The variables of {cite('004', 'Table 1')} and their "
                    f"columns here; missing: {', '.join(design.loc[~design['available'], 'variable'])}")
    for k, fit in enumerate(fits, start=1):
        console.print(f"({k}) {plain(fit.formula)}")
    console.print(table_text(table), markup=False, highlight=False)
    if panel_output is not None:
        write_table(panel, panel_output)
        console.print(f"[green]wrote[/] {plain(panel_output)}")
    if output is not None:
        suffix = output.suffix.lower()
        if suffix in (".txt", ".html"):
            text = table_text(table) if suffix == ".txt" else table_html(table, caption=what)
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        else:
            footer = pd.DataFrame([[table.attrs.get("footnote", "")] + [""] * (table.shape[1] - 1)],
                                  columns=table.columns)
            write_table(pd.concat([table, footer], ignore_index=True), output)
        console.print(f"[green]wrote[/] {plain(output)}")

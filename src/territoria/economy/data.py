"""From long observations (unit, indicator, year, value) to region x industry tables and back.

Pure functions: the caller reads the Store (``Store.observations`` / ``Store.panel(...).observations``)
and writes the returned rows with :func:`territoria.store.import_observations`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from territoria.catalog.units import overlapping_parts
from territoria.economy._checks import EconomyInputError
from territoria.economy.diversity import herfindahl, variety
from territoria.economy.hierarchy import IndustryScheme
from territoria.economy.resilience import resilience_panel
from territoria.economy.specialisation import hachman_index, krugman_index, structural_variance

__all__ = ["MEASURE_INDICATORS", "diversification", "diversification_panel", "industry_table", "measure_rows",
           "resilience_demo_panel"]

Reference = Literal["country", "sum"]

#: Column of :func:`diversification` -> catalogue id under which it is stored.
MEASURE_INDICATORS: dict[str, str] = {
    "struct_coef_var": "div_struct_coef_var", "krugman": "div_krugman", "hhi": "div_hhi",
    "entropy": "div_entropy", "related_variety": "div_related_variety",
    "unrelated_variety": "div_unrelated_variety", "hachman": "div_hachman",
}


def industry_table(observations: pd.DataFrame, scheme: IndustryScheme, year: int, *, country: str = "KZ",
                   crosswalk: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.Series | None, list[str]]:
    """Regions x industries of ``scheme`` in ``year``, the country row, and the regions left out.

    A region is left out (and named in the third element) when an industry of the scheme has no
    complete alternative for it. Back-calculated parts of a split published beside their old unit
    (Turkistan and Shymkent before 2018) are left out too, so a sum of regions counts no territory twice.
    """
    obs = observations[(observations["year"] == year) & observations["indicator"].isin(scheme.series())]
    if obs.empty:
        raise EconomyInputError(f"year {year}: no observations of {scheme.name} series ({scheme.series()[:3]}…)")
    wide = obs.pivot_table(index="unit", columns="indicator", values="value", aggfunc="first")
    table = pd.DataFrame(index=wide.index, columns=list(scheme.industries), dtype=float)
    for industry, alternatives in scheme.industries.items():
        filled = pd.Series(np.nan, index=wide.index)
        for alt in alternatives:
            required = [s for s in alt if s not in scheme.optional]
            present = [s for s in alt if s in wide.columns]
            if not all(s in wide.columns for s in required):
                continue
            complete = wide[required].notna().all(axis=1)
            value = wide[present].sum(axis=1, min_count=1).where(complete)
            filled = filled.fillna(value)
        table[industry] = filled
    national = None
    if country in table.index:
        national = table.loc[country]
        table = table.drop(index=country)
        if national.isna().any():
            national = None
    drop = overlapping_parts(table.index, year, crosswalk)
    incomplete = [str(u) for u in table.index[table.isna().any(axis=1)] if u not in drop]
    table = table.drop(index=list(drop)).dropna(axis=0, how="any")
    table.index.name, table.columns.name = "region", "industry"
    return table, national, incomplete


def diversification(x: pd.DataFrame, hierarchy: dict[str, list[str]], *, national: pd.Series | None = None,
                    base: float = 2.0, ddof: int = 0) -> pd.DataFrame:
    """Every region-level measure of this package for one table (one year).

    Columns: ``struct_coef_var`` (variance of structural coefficients, ``ddof``), ``krugman``, ``hachman``
    (against ``national`` or the sum of the regions), ``hhi``, ``entropy``, ``related_variety``,
    ``unrelated_variety`` (log base ``base``).
    """
    out = pd.DataFrame({
        "struct_coef_var": structural_variance(x, national=national, ddof=ddof),
        "krugman": krugman_index(x, national=national),
        "hachman": hachman_index(x, national=national),
        "hhi": herfindahl(x),
    })
    return out.join(variety(x, hierarchy, base=base))


def diversification_panel(observations: pd.DataFrame, scheme: IndustryScheme, *, years: Iterable[int] | None = None,
                          reference: Reference = "country", country: str = "KZ", base: float = 2.0,
                          ddof: int = 0, crosswalk: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`diversification` for every year: long rows ``region, year, measure columns…``.

    ``reference="country"`` uses the country row (an error if a year lacks it); ``"sum"`` the sum of
    the regions present. The second element lists ``"year: region"`` pairs left out as incomplete.
    """
    if reference not in ("country", "sum"):
        raise EconomyInputError(f"reference: expected 'country' or 'sum', got {reference!r}")
    all_years = sorted(int(y) for y in observations.loc[observations["indicator"].isin(scheme.series()), "year"]
                       .unique())
    wanted = all_years if years is None else [int(y) for y in years]
    frames, skipped = [], []
    for year in wanted:
        table, national, incomplete = industry_table(observations, scheme, year, country=country,
                                                     crosswalk=crosswalk)
        skipped += [f"{year}: {u}" for u in incomplete]
        if table.empty:
            raise EconomyInputError(f"year {year}: no region has every industry of scheme {scheme.name!r} "
                                    f"({scheme.description}); choose another year or scheme")
        if reference == "country" and national is None:
            raise EconomyInputError(f"year {year}: the country row {country!r} lacks an industry of scheme "
                                    f"{scheme.name!r}; use reference='sum'")
        measures = diversification(table, scheme.hierarchy(), national=national if reference == "country" else None,
                                   base=base, ddof=ddof)
        frames.append(measures.reset_index().assign(year=year))
    out = pd.concat(frames, ignore_index=True)
    return out[["region", "year", *[c for c in out.columns if c not in ("region", "year")]]], skipped


def measure_rows(panel: pd.DataFrame, *, note: str = "") -> pd.DataFrame:
    """Long Store rows (unit, indicator, year, value, note) from :func:`diversification_panel` output."""
    columns = [c for c in MEASURE_INDICATORS if c in panel.columns]
    long = panel.melt(id_vars=["region", "year"], value_vars=columns, var_name="measure", value_name="value")
    rows = pd.DataFrame({"unit": long["region"].astype(str), "indicator": long["measure"].map(MEASURE_INDICATORS),
                         "year": long["year"].astype(int), "value": long["value"].astype(float)})
    rows["note"] = note or None
    return rows.dropna(subset=["value"]).sort_values(["indicator", "unit", "year"]).reset_index(drop=True)


def resilience_demo_panel(observations: pd.DataFrame, scheme: IndustryScheme, *, window: int = 1,
                          measure: str = "relative_growth", reference: Reference = "country", country: str = "KZ",
                          output: str = "grp", population: str = "population_avg", base: float = 2.0,
                          crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """A region x year panel for the resilience regression, built only from series in the observations.

    For each window ``t - window -> t``: ``rcc`` = the resilience ``measure`` of ``output`` (GRP, current
    prices) against the country row (``reference="country"``) or the sum of the regions; ``ln_rcc`` =
    ln(rcc) where rcc > 0; the diversification measures of :func:`diversification` at the start of the
    window (predetermined, so not mechanically tied to the change); ``ln_grp`` = ln(output) at the start
    (market size) and ``ln_pop`` = ln(population) at the start. There is no FDI series in the bundle:
    add one to a user panel (``--data``) to reproduce the seed's full specification.
    Give observations on one set of borders for every year (``Store.panel(borders="old")``), or a
    region's change across a border revision would be read as growth.
    """
    div, _ = diversification_panel(observations, scheme, reference=reference, country=country, base=base,
                                   crosswalk=crosswalk)
    series = observations[observations["indicator"].isin([output, population])]
    wide = series.pivot_table(index=["unit", "year"], columns="indicator", values="value", aggfunc="first")
    if output not in wide.columns:
        raise EconomyInputError(f"observations: no {output!r} series to measure resilience with")
    out_wide = wide[output].unstack("unit").sort_index()
    national = out_wide.pop(country) if country in out_wide.columns else None
    if reference == "country" and national is None:
        raise EconomyInputError(f"reference='country' but there is no {output!r} row for {country!r}")
    regions = [u for u in out_wide.columns if u in set(div["region"])]
    res = resilience_panel(out_wide[regions], national=national if reference == "country" else None,
                           window=window, measure=measure)  # type: ignore[arg-type]
    res = res.rename(columns={"value": "rcc"})
    if (res["rcc"] > 0).all():
        res["ln_rcc"] = np.log(res["rcc"])
    start = div.assign(year=div["year"] + window)
    panel = res.merge(start, on=["region", "year"], how="inner")
    levels = wide.reset_index().rename(columns={"unit": "region"}).assign(year=lambda f: f["year"] + window)
    for column, name in ((output, "ln_grp"), (population, "ln_pop")):
        if column in levels.columns:
            values = levels[["region", "year", column]].dropna()
            values = values[values[column] > 0]
            panel = panel.merge(values.assign(**{name: np.log(values[column])})[["region", "year", name]],
                                on=["region", "year"], how="left")
    return panel.sort_values(["region", "year"]).reset_index(drop=True)

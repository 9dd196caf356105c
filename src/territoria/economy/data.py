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
from territoria.economy.specialisation import hachman_index, krugman_index, structural_variance

__all__ = ["MEASURE_INDICATORS", "diversification", "diversification_panel", "industry_table", "measure_rows"]

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

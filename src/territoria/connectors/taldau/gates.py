"""Validation gates run on a fetched cube before anything is stored. Pure pandas.

* **Sums** (additive indicators): for each year, the regions add up to the Republic, and the districts of a
  region add up to the region, within rounding: :math:`|\\sum_i x_i - X| \\le n \\cdot \\tfrac12 10^{-d}`
  with :math:`n` the number of parts and :math:`d` the most decimals printed in that year's values (the
  sum of :math:`n` figures each rounded to :math:`d` decimals can be off by at most half a step each).
  A year with a confidential part ("x") is not checked and is reported.
* **Bounds**: every value lies within the registry's plausible ``[min, max]`` (catalogue unit).
* **Periods**: one period per term and year after the year-end selection (a year value dated 31 December,
  or December of a cumulative series); more than one is a changed structure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["decimals", "gate_bounds", "gate_periods", "gate_sums"]


def decimals(values: pd.Series, cap: int = 6) -> int:
    """Most decimals among ``values`` (0 for integers), at most ``cap``.

    Examples
    --------
    >>> decimals(pd.Series([1.0, 2.5, 3.25]))
    2
    """
    best = 0
    for v in values.dropna().abs():
        for d in range(cap + 1):
            if abs(v * 10**d - round(v * 10**d)) < 1e-6 * max(1.0, v * 10**d):
                best = max(best, d)
                break
        else:
            best = cap
    return best


def _sum_problems(parts: pd.DataFrame, totals: pd.DataFrame, *, by: list[str], label: str) -> list[str]:
    problems: list[str] = []
    for key, whole in totals.groupby(by):
        key_t = key if isinstance(key, tuple) else (key,)
        mask = np.ones(len(parts), dtype=bool)
        for col, val in zip(by, key_t, strict=True):
            mask &= (parts[col] == val).to_numpy()
        members = parts[mask]
        if members.empty or whole["value"].isna().all():
            continue
        if (members["status"] == "confidential").any() or members["value"].isna().any():
            continue  # cannot be checked; the caller reports confidential cells
        total = float(whole["value"].iloc[0])
        step = 10.0 ** -decimals(pd.concat([members["value"], whole["value"]]))
        tolerance = len(members) * 0.5 * step + 1e-9 * abs(total)
        diff = float(members["value"].sum()) - total
        if abs(diff) > tolerance:
            problems.append(f"{label} {dict(zip(by, key_t, strict=True))}: parts sum to {members['value'].sum():,.6g}, "
                            f"total is {total:,.6g} (difference {diff:,.6g}, rounding allows {tolerance:.3g}; "
                            f"{len(members)} parts)")
    return problems


def gate_sums(frame: pd.DataFrame) -> list[str]:
    """Problems of the sum gates.

    ``frame`` columns: ``kato``, ``level`` (country / region / district), ``parent_kato`` (for districts),
    ``year``, ``value``, ``status``. Regions are summed against the country row, districts against their
    parent region's row.
    """
    problems: list[str] = []
    country = frame[frame["level"] == "country"]
    regions = frame[frame["level"] == "region"]
    if not country.empty and not regions.empty:
        problems += _sum_problems(regions, country, by=["year"], label="regions vs the Republic,")
    districts = frame[frame["level"] == "district"]
    if not districts.empty and not regions.empty:
        region_totals = regions.rename(columns={"kato": "parent_kato"})
        problems += _sum_problems(districts, region_totals[region_totals["parent_kato"].isin(districts["parent_kato"])],
                                  by=["parent_kato", "year"], label="districts vs their region,")
    return problems


def gate_bounds(frame: pd.DataFrame, bounds: tuple[float, float], *, unit: str) -> list[str]:
    """Values outside ``bounds`` (rows with ``kato``, ``name``, ``year``, ``value``)."""
    low, high = bounds
    bad = frame[frame["value"].notna() & ((frame["value"] < low) | (frame["value"] > high))]
    return [f"{r.name} ({r.kato}) {r.year}: {r.value:,.6g} {unit} outside the plausible bounds "
            f"[{low:,.6g}, {high:,.6g}]" for r in bad.itertuples()]


def gate_periods(frame: pd.DataFrame) -> list[str]:
    """Terms with more than one period in a year after the year-end selection (``term``, ``name``, ``year``)."""
    counts = frame.groupby(["term", "year"]).size()
    bad = counts[counts != 1]
    names = frame.drop_duplicates("term").set_index("term")["name"]
    return [f"term {term} ({names.get(term, '')}) {year}: {n} periods where 1 was expected"
            for (term, year), n in bad.items()]

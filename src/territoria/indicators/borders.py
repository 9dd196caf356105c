"""Read the panel on the map before the administrative splits.

A published series of 2009–2021 describes East Kazakhstan, Almaty region and Karaganda with the
territory that Abai, Zhetisu and Ulytau took in June 2022, and South Kazakhstan before June 2018.
To follow one territory across a split, :func:`on_old_map` puts every year on the old map:

1. additive series (counts, money amounts; catalogue ``additive: true``) are summed over the parts
   of each old unit (:func:`territoria.catalog.units.to_old_map`);
2. every derived indicator (per capita, shares, ratios to the national average...) is computed
   again from those rebuilt numerators and denominators (:func:`territoria.indicators.derive.derive`);
3. published rates that cannot be rebuilt from their parts (life expectancy, survey shares...) are
   left out rather than averaged, and the function says which.
"""

from __future__ import annotations

import pandas as pd

from territoria.catalog.catalogue import Catalogue
from territoria.catalog.units import to_old_map
from territoria.indicators.derive import derive

__all__ = ["on_old_map"]


def on_old_map(observations: pd.DataFrame, catalogue: Catalogue, *, crosswalk: pd.DataFrame,
               units: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Observations on the map before the splits, and the ids left out because they cannot be rebuilt.

    Parameters
    ----------
    observations : DataFrame
        Long rows ``unit, indicator, year, value`` on each year's own borders (the Store's rows).
    catalogue : Catalogue
    crosswalk : DataFrame
        With ``split_part`` rows.
    units : DataFrame, optional
        Passed to :func:`derive` (which units are cities of republican significance).
    """
    known = observations[observations["indicator"].isin(catalogue.ids)]
    additive = {i.id for i in catalogue if i.additive}
    derived_ids = {i.id for i in catalogue if i.formula is not None}
    published = known[known["indicator"].isin(additive) & ~known["indicator"].isin(derived_ids)]
    rebuilt = to_old_map(published, crosswalk, catalogue)
    recomputed = derive(rebuilt[["unit", "indicator", "year", "value"]], catalogue, units=units,
                        crosswalk=crosswalk)
    out = pd.concat([rebuilt, recomputed], ignore_index=True)
    left_out = sorted(set(known["indicator"]) - set(out["indicator"]))
    return out.drop_duplicates(["unit", "indicator", "year"], keep="first"), left_out

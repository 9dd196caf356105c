"""District view of the six regions the seeds studied (for ``make run`` and the reports).

Orynbet & Imangali (2022) studied Mangystau, Atyrau, West Kazakhstan, East Kazakhstan, North Kazakhstan and
Zhambyl regions; East Kazakhstan's districts of Abai and Kokpekty (and Semey) belong to Abai region since June
2022, so Abai region is shown with it. For every district-level unit (district, city administration, city
district) of those regions the view gives population on 1 January, net migration by year and

.. math:: m_{u,t} = 1000 \\cdot \\frac{\\text{net migration}_{u,t}}{\\text{population on 1 January}_{u,t}}

(per 1,000 residents at the start of the year; empty when either input is missing), with the seed's status
of the unit where the seed names it.
"""

from __future__ import annotations

import pandas as pd

from territoria.ingest.bundled import seed_depressed_units

__all__ = ["SEED_REGIONS", "district_view"]

#: The six studied regions (and Abai, split from East Kazakhstan in 2022), KATO code → English name.
SEED_REGIONS: dict[str, str] = {
    "470000000": "Mangystau", "230000000": "Atyrau", "270000000": "West Kazakhstan",
    "630000000": "East Kazakhstan", "100000000": "Abai", "590000000": "North Kazakhstan", "310000000": "Zhambyl",
}


def district_view(panel, *, regions: dict[str, str] | None = None, years: tuple[int, ...] = (2023, 2024),
                  seed_status: pd.DataFrame | None = None, lang: str = "en") -> pd.DataFrame:
    """One row per district-level unit of ``regions``: population, net migration and its rate by year.

    Parameters
    ----------
    panel : Panel
        A Store panel that includes district-level units (``store.panel(level="district")`` or all levels).
    regions : dict, optional
        KATO code → label of the regions to show; default :data:`SEED_REGIONS`.
    years : tuple of int, default=(2023, 2024)
        Years of the migration columns (the bundle holds net migration 2023–2024 for every district).
    seed_status : DataFrame, optional
        ``code`` and ``status`` of units the seeds name; default the bundled ``seed_depressed_units()``.
    lang : {"en", "ru", "kk"}, default="en"
        Language of unit names (Russian where the name is missing).

    Returns
    -------
    DataFrame
        Columns ``region``, ``code``, ``name``, ``kind``, ``population_1jan_<y>``, ``net_migration_<y>``,
        ``net_migration_per_1000_<y>`` for each year (population and rate columns left out when the panel
        has no population for that year), ``seed_status``; sorted by region (in ``regions`` order) and code.
    """
    regions = regions or SEED_REGIONS
    units = panel.units
    units = units if "code" not in units.columns else units.set_index("code")
    mask = units["parent"].isin(list(regions)) & (units["level"] == "district")
    table = units.loc[mask, ["parent", "kind", f"name_{lang}", "name_ru"]].copy()
    names = table[f"name_{lang}"].where(table[f"name_{lang}"].fillna("") != "", table["name_ru"])
    out = pd.DataFrame({"region": table["parent"].map(regions), "code": table.index.astype(str),
                        "name": names.to_numpy(), "kind": table["kind"].to_numpy()})
    obs = panel.observations
    obs = obs[obs["unit"].isin(out["code"]) & obs["indicator"].isin(["population_1jan", "net_migration"])]
    wide = obs.pivot_table(index="unit", columns=["indicator", "year"], values="value", aggfunc="first")
    for year in years:
        pop = wide.get(("population_1jan", year), pd.Series(dtype=float))
        mig = wide.get(("net_migration", year), pd.Series(dtype=float))
        out[f"population_1jan_{year}"] = out["code"].map(pop).astype(float)
        out[f"net_migration_{year}"] = out["code"].map(mig).astype(float)
        out[f"net_migration_per_1000_{year}"] = (1000 * out[f"net_migration_{year}"]
                                                 / out[f"population_1jan_{year}"]).round(2)
    if seed_status is None:
        seed_status = seed_depressed_units()
    status = seed_status.drop_duplicates("code").set_index("code")["status"]
    out["seed_status"] = out["code"].map(status).fillna("")
    empty = [c for c in out.columns if c.startswith(("population_1jan_", "net_migration_per_1000_"))
             and out[c].isna().all()]
    out = out.drop(columns=empty).reset_index(drop=True)
    out["_order"] = table["parent"].map({code: i for i, code in enumerate(regions)}).to_numpy()
    return out.sort_values(["_order", "code"]).drop(columns="_order").reset_index(drop=True)

"""National references and unit indicators the risk rules need, derived from the bundled series.

The rules of ``risk_rules.yaml`` compare a unit with the national value of the same indicator. Below the
region the bundled data give a settlement's own series (the seed's Bulaevo and Mamlyutka tables: population,
industrial output per capita, wage, local budget per person...) but few national counterparts. This module
derives what the series allow, and says what they do not:

* :func:`national_references` — the national industrial output per capita (thousand tenge per person), from
  the regions' ``industrial_output`` and ``population_1jan`` and their ratio to national
  (``industrial_output_per_capita_ratio`` is defined on the sum of the regions): national = region value /
  ratio, the same for every region of a year (the median is taken against rounding);
* :func:`unit_indicators` — a unit's ``population_change_pct`` (from ``population_reported`` or
  ``population_1jan``, year on year), ``population_change_5y_pct`` (over five years, the density criterion),
  ``mining_share_change_5y_pp`` (the resource-depletion criterion) and ``industrial_output_per_capita_ratio``
  (its output per capita over the national one);
* :func:`criteria_summary` — per unit, how many rules were evaluable, which held and which lacked data.

Not derivable from the bundle, so reported as not evaluable: the national average monthly wage (no national
series of the settlement tables' wage), the national local-budget financing per person, the utility networks'
wear and air emissions of a settlement, and a settlement's area (population density's level).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["REFERENCE_INDICATORS", "criteria_summary", "national_references", "unit_indicators"]

#: The regional series :func:`national_references` derives national values from.
REFERENCE_INDICATORS: tuple[str, ...] = ("industrial_output", "population_1jan", "industrial_output_per_capita_ratio")

_LONG = ["unit", "indicator", "year", "value"]
_DERIVED = ("population_change_pct", "population_change_5y_pct", "mining_share_change_5y_pp",
            "industrial_output_per_capita_ratio")
_SOURCES = ("population_1jan", "population_reported", "mining_share_grp", "industrial_output_per_capita")


def national_references(national: pd.DataFrame | None, regions: pd.DataFrame | None) -> pd.DataFrame:
    """``national`` (long rows of the country) with the national industrial output per capita added.

    Parameters
    ----------
    national : DataFrame or None
        Long ``indicator, year, value`` (and ``unit``) rows of the country.
    regions : DataFrame or None
        Long rows of the regions with ``industrial_output``, ``population_1jan`` and
        ``industrial_output_per_capita_ratio``. Without them ``national`` is returned as given.

    Returns
    -------
    DataFrame
        ``national`` plus ``industrial_output_per_capita`` rows (``note`` says how each was derived) for the
        years it lacks.
    """
    base = pd.DataFrame(columns=[*_LONG, "note"]) if national is None else national.copy()
    if regions is None or regions.empty:
        return base
    wide = regions.pivot_table(index=["unit", "year"], columns="indicator", values="value", aggfunc="first")
    need = {"industrial_output", "population_1jan", "industrial_output_per_capita_ratio"}
    if not need <= set(wide.columns):
        return base
    own = wide["industrial_output"] * 1e6 / wide["population_1jan"]
    implied = (own / wide["industrial_output_per_capita_ratio"]).replace([np.inf, -np.inf], np.nan).dropna()
    if implied.empty:
        return base
    per_year = implied.groupby(level="year").median()
    have = set(base.loc[base["indicator"] == "industrial_output_per_capita", "year"]) if len(base) else set()
    rows = pd.DataFrame({"unit": "KZ", "indicator": "industrial_output_per_capita",
                         "year": per_year.index.astype(int), "value": per_year.to_numpy()})
    rows = rows[~rows["year"].isin(have)]
    rows["note"] = ("derived: a region's industrial output per head over its ratio to national "
                    "(industrial_output x 1e6 / population_1jan / industrial_output_per_capita_ratio)")
    return pd.concat([base, rows], ignore_index=True) if len(rows) else base


def unit_indicators(observations: pd.DataFrame, national: pd.DataFrame | None = None) -> pd.DataFrame:
    """``observations`` plus the indicators the rules need that a unit's own series imply.

    ``population_change_pct`` (year-on-year % change of ``population_1jan``, else ``population_reported``;
    only consecutive years), ``population_change_5y_pct`` (the change over five years),
    ``mining_share_change_5y_pp`` (the change of ``mining_share_grp`` over five years, percentage points) and,
    with a national
    ``industrial_output_per_capita`` of the same year, ``industrial_output_per_capita_ratio``. A value the unit
    already has is never replaced. Derived rows carry a ``note``.
    """
    obs = observations.copy()
    if "note" not in obs.columns:
        obs["note"] = None
    out = [obs]
    made = obs[obs["indicator"].isin(_DERIVED)]  # only a derived indicator's own rows can be replaced
    have = set(zip(made["unit"].astype(str), made["indicator"], made["year"].astype(int), strict=True))
    read = obs[obs["indicator"].isin(_SOURCES)]  # the only series a derived row comes from
    for unit, part in read.groupby(read["unit"].astype(str)):
        series = {i: s.set_index("year")["value"].astype(float).sort_index() for i, s in part.groupby("indicator")}
        pop_name = next((n for n in ("population_1jan", "population_reported") if n in series
                         and len(series[n]) >= 2), None)
        rows = []
        if pop_name is not None:
            pop = series[pop_name]
            for years, name in ((1, "population_change_pct"), (5, "population_change_5y_pct")):
                for year in pop.index:
                    if year - years in pop.index and pop[year - years] > 0:
                        rows.append((name, int(year), float((pop[year] / pop[year - years] - 1) * 100),
                                     f"derived from {pop_name} {year - years}-{year}"))
        if "mining_share_grp" in series:
            share = series["mining_share_grp"]
            rows += [("mining_share_change_5y_pp", int(y), float(share[y] - share[y - 5]),
                      f"derived from mining_share_grp {y - 5}-{y}") for y in share.index if y - 5 in share.index]
        if national is not None and "industrial_output_per_capita" in series:
            ref = national[national["indicator"] == "industrial_output_per_capita"].set_index("year")["value"]
            for year, value in series["industrial_output_per_capita"].items():
                if year in ref.index and ref[year] > 0:
                    rows.append(("industrial_output_per_capita_ratio", int(year), float(value / ref[year]),
                                 f"derived: industrial_output_per_capita over the national value of {year}"))
        rows = [r for r in rows if (unit, r[0], r[1]) not in have]
        if rows:
            out.append(pd.DataFrame({"unit": unit, "indicator": [r[0] for r in rows], "year": [r[1] for r in rows],
                                     "value": [r[2] for r in rows], "note": [r[3] for r in rows]}))
    return pd.concat(out, ignore_index=True) if len(out) > 1 else obs


def criteria_summary(flags: pd.DataFrame) -> pd.DataFrame:
    """Per unit: rules, how many were evaluable, how many held and which, which lacked data.

    ``flags`` is :func:`territoria.diagnosis.risk_flags` output. Returns a DataFrame indexed by unit with
    ``n_rules, n_evaluable, n_met, met, not_evaluable`` (the last two: rule ids joined with ", ").
    """
    rows = []
    for unit, part in flags.groupby("unit", sort=True):
        flag = part["flag"]
        met = part.loc[flag.fillna(False).astype(bool), "rule"].tolist()
        missing = part.loc[flag.isna(), "rule"].tolist()
        rows.append({"unit": str(unit), "n_rules": len(part), "n_evaluable": int(flag.notna().sum()),
                     "n_met": len(met), "met": ", ".join(met), "not_evaluable": ", ".join(missing)})
    return pd.DataFrame(rows, columns=["unit", "n_rules", "n_evaluable", "n_met", "met", "not_evaluable"]
                        ).set_index("unit")

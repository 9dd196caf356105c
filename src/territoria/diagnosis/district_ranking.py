"""District assessment views: rank intervals within each year, the most vulnerable districts, and the
seeds' depressed and vulnerable territories checked against the ranking.

Pure pandas on an assessment Result (no I/O):

* :func:`within_year_intervals` — the spec's Monte-Carlo on the Result (one year or a panel): every
  alternative refits the spec's own steps on the whole panel (goalposts as the spec says, e.g. fixed
  across years), each run ranks within each year as the rank step does, and the nominal run is the
  Result itself. Quantiles 5 / 50 / 95 % of a unit-year's ranks over the runs are the interval.
* :func:`most_vulnerable` — the ``n`` lowest-scored units of a year with their weakest indicators.
* :func:`seed_validation` — every territory the seeds name (Orynbet & Imangali 2022; Turkeeva, Omarov &
  Abilkaiyr 2022) against the ranking of one year: a town is read through the district-level unit
  that contains it; *worst quintile* means a rank above ``0.8 n`` of the ``n`` ranked units; a unit
  outside it gets the indicators on which it scores at or above the year's median, a unit inside it
  those below the median.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from territoria.assess.uncertainty import UncertaintyAnalysis

__all__ = ["WORST_SHARE", "district_of", "most_vulnerable", "seed_validation", "validation_by_year",
           "validation_summary", "within_year_intervals"]

#: Share of ranked units that make the worst quintile.
WORST_SHARE = 0.2


def _year_slice(table: pd.DataFrame, year: int | None) -> pd.DataFrame:
    if isinstance(table.index, pd.MultiIndex) and "year" in table.index.names:
        return table.xs(year, level="year")
    return table


def within_year_intervals(result: Any, *, n_replications: int | None = None, progress: bool = False,
                          n_jobs: int | None = None) -> tuple[pd.DataFrame, Any]:
    """Median and 5–95 % rank interval of every unit-year, ranks taken within each year.

    Parameters
    ----------
    result : Result
        A Result of a spec with an ``uncertainty`` section (one year or several).
    n_replications : int, optional
        Default: the spec's ``uncertainty.n``.
    n_jobs : int, optional
        Threads of the Monte-Carlo runs (None = 1, -1 = every core); no number depends on it.

    Returns
    -------
    (DataFrame, UncertaintyResult)
        Index as the Result's (``unit`` or ``unit, year``); ``rank_median, rank_p05, rank_p95``. The
        second item holds the Sobol indices (``sensitivity``) and the number of runs.
    """

    spec = result.spec
    if spec.uncertainty is None:
        raise ValueError(f"spec {spec.name!r} has no uncertainty section")
    analysis = UncertaintyAnalysis.from_spec(spec, n_replications=n_replications, progress=progress, n_jobs=n_jobs)
    run = analysis.run(result)                          # the spec's own steps; ranks within each year
    frame = run.ranks[["rank_median", "rank_p05", "rank_p95"]].copy()
    return frame, run


def _label(code: str, labels: Mapping[str, str]) -> str:
    return labels.get(code, code)


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "no value this year, the year's mean imputed"
    return f"{value:+.2f}" if abs(value) < 10 else f"{value:+.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def most_vulnerable(result: Any, year: int | None, *, names: pd.Series, labels: Mapping[str, str],
                    weakest: pd.DataFrame, n: int = 20, intervals: pd.DataFrame | None = None,
                    status: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``n`` most vulnerable units of ``year`` (lowest index), with status and reasons.

    Parameters
    ----------
    weakest : DataFrame
        :func:`territoria.diagnosis.weakest` rows (``unit, rank, code``) for that year.
    labels : mapping
        Indicator id → readable name.
    status : DataFrame, optional
        :func:`territoria.dynamics.status.classify` output (index ``unit``; ``label``, ``facts``).

    Returns
    -------
    DataFrame
        ``rank, unit, name, region, score, grade, [rank_p05, rank_p95], status, reasons`` — the reasons
        name the weakest indicators with their values in that year.
    """
    frame = _year_slice(result.to_frame(), year)
    raw = _year_slice(result.tables["denominated"], year)
    root = result.root
    top = frame.sort_values("rank", ascending=not result.spec.rank.descending, kind="stable").head(n)
    out = pd.DataFrame({"rank": top["rank"].astype(int), "unit": top.index.astype(str),
                        "name": names.reindex(top.index).to_numpy(),
                        "score": top[root].round(1).to_numpy(), "grade": top["level"].to_numpy()})
    out["region"] = names.reindex([c[:2] + "0000000" for c in out["unit"]]).to_numpy()
    if intervals is not None:
        iv = _year_slice(intervals, year).reindex(top.index)
        out["rank_p05"] = iv["rank_p05"].round(0).to_numpy()
        out["rank_p95"] = iv["rank_p95"].round(0).to_numpy()
    if status is not None:
        out["status"] = status["label"].reindex(out["unit"]).fillna("–").to_numpy()
    reasons = []
    for unit in out["unit"]:
        rows = weakest[weakest["unit"] == unit].sort_values("rank")
        parts = [f"{_label(c, labels)} {_fmt(float(raw.at[unit, c]))}" for c in rows["code"]
                 if c in raw.columns and unit in raw.index]
        reasons.append("; ".join(parts))
    out["reasons"] = reasons
    return out[["rank", "unit", "name", "region", "score", "grade",
                *[c for c in ("rank_p05", "rank_p95", "status") if c in out.columns], "reasons"]]


def district_of(code: str, units: pd.DataFrame) -> str:
    """The district-level unit that contains ``code`` (itself when it is one), following ``parent``."""
    current = str(code)
    for _ in range(6):
        if current not in units.index or units.at[current, "level"] in ("district", "region", "country"):
            return current
        current = str(units.at[current, "parent"])
    return current


def seed_validation(seeds: pd.DataFrame, ranks: pd.Series, *, units: pd.DataFrame, scores: pd.DataFrame,
                    raw: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The seeds' territories against one year's ranking.

    Parameters
    ----------
    seeds : DataFrame
        ``code, name_in_seed, level, seed`` (the bundled ``seed_depressed_units()``); a code named by
        both seeds is one row.
    ranks : Series
        Rank within the year of every ranked unit (1 = least vulnerable).
    units : DataFrame
        Indexed by code: ``parent, level, name_en``.
    scores, raw : DataFrame
        Normalised indicator scores and raw values of that year (unit × indicator).

    Returns
    -------
    DataFrame
        ``code, name_in_seed, seed, level, assessed_unit, assessed_name, rank, of, worst_quintile, why``.
    """
    total = int(ranks.notna().sum())
    cut = (1 - WORST_SHARE) * total
    named = seeds.assign(seed=seeds["seed"].astype(str)).groupby("code", sort=False).agg(
        name_in_seed=("name_in_seed", "first"), level=("level", "first"),
        seed=("seed", lambda s: "+".join(sorted(set(s))))).reset_index()
    medians = scores.median()
    rows = []
    for _, row in named.iterrows():
        assessed = district_of(row["code"], units)
        rank = ranks.get(assessed, np.nan)
        worst = bool(np.isfinite(rank) and rank > cut)
        why: list[str] = []
        if assessed != row["code"]:
            why.append(f"town read through {units.at[assessed, 'name_en'] if assessed in units.index else assessed}")
        if not np.isfinite(rank):
            why.append("no indicator value in this year")
        elif assessed in scores.index:
            above = [c for c in scores.columns if np.isfinite(scores.at[assessed, c])
                     and scores.at[assessed, c] >= medians[c]]
            below = [c for c in scores.columns if c not in above and np.isfinite(scores.at[assessed, c])]
            listed = below if worst else above
            if listed:
                why.append(("below" if worst else "at or above") + " the median on " + ", ".join(
                    f"{_label(c, labels)} ({_fmt(float(raw.at[assessed, c]))})" for c in listed))
            elif not worst:
                why.append("below the median on every indicator but not among the lowest fifth of scores")
        rows.append({"code": row["code"], "name_in_seed": row["name_in_seed"], "seed": row["seed"],
                     "level": row["level"], "assessed_unit": assessed,
                     "assessed_name": units.at[assessed, "name_en"] if assessed in units.index else "",
                     "rank": rank, "of": total, "worst_quintile": worst, "why": "; ".join(why)})
    out = pd.DataFrame(rows)
    out["rank"] = out["rank"].astype("Int64")
    return out


def validation_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Counts of :func:`seed_validation`: named territories and district-level units, with data, in the
    worst quintile, and the number expected if the seeds' list were unrelated to the ranking."""
    distinct = table.drop_duplicates("assessed_unit")
    rows = []
    for label, frame in (("territories named by the seeds", table), ("district-level units", distinct)):
        ranked = frame[frame["rank"].notna()]
        rows.append({"counted": label, "named": len(frame), "ranked": len(ranked),
                     "in_worst_quintile": int(ranked["worst_quintile"].sum()),
                     "expected_by_chance": round(WORST_SHARE * len(ranked), 1)})
    return pd.DataFrame(rows)


def validation_by_year(seeds: pd.DataFrame, ranks: pd.Series, *, units: pd.DataFrame,
                       indicators: pd.DataFrame) -> pd.DataFrame:
    """Per year of a panel ranking: how many of the seeds' district-level units are in the worst quintile.

    Parameters
    ----------
    ranks : Series
        Ranks within each year, indexed by (unit, year).
    indicators : DataFrame
        The raw indicator table indexed by (unit, year), to list the indicators with values in each year.

    Returns
    -------
    DataFrame
        ``year, units_ranked, seed_units_ranked, in_worst_quintile, expected_by_chance, indicators``.
    """
    assessed = sorted({district_of(c, units) for c in seeds["code"]})
    rows = []
    for year, part in ranks.groupby(level="year"):
        r = part.droplevel("year")
        total = int(r.notna().sum())
        mine = r.reindex(assessed).dropna()
        present = indicators.xs(year, level="year").notna().any()
        rows.append({"year": int(year), "units_ranked": total, "seed_units_ranked": len(mine),
                     "in_worst_quintile": int((mine > (1 - WORST_SHARE) * total).sum()),
                     "expected_by_chance": round(WORST_SHARE * len(mine), 1),
                     "indicators": ", ".join(present[present].index)})
    return pd.DataFrame(rows)

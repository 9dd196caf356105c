"""Which assessment a report or page shows, and a unit's diagnosis in it (composed from the Store's
stored assessments and :func:`territoria.diagnosis.diagnose`; re-exported by :mod:`territoria.report.service`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.diagnosis import diagnose, reference_gaps
from territoria.diagnosis.references import REFERENCE_INDICATORS, national_references
from territoria.dynamics.status import classify
from territoria.errors import DataError, TerritoriaError, UnknownNameError
from territoria.store.assessments import resolve_assessment
from territoria.store.store import remembered

__all__ = ["assessment", "assessment_label", "derived", "diagnoses", "diagnosis", "rank_intervals", "ranking_table",
           "result_key", "unit_region", "unit_statuses"]


def derived(store: Any, key: tuple[Any, ...] | None, compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered under ``key`` in the Store's memo (:func:`territoria.store.store.remembered`:
    the web gives each Store version one). The parts memoised are those every language and every unit of an
    assessment share, so a page in ru, kk and en, or the profiles of a region's districts, compute them once.
    Without a key (a result not stored), computed every time."""
    return compute() if key is None else remembered(store, key, compute)


def result_key(what: tuple[Any, ...], result: Any) -> tuple[Any, ...] | None:
    """``what`` followed by what identifies a stored assessment within one version of the Store (its name
    and version are never reused for other content); None for a result that is not stored (run from a spec,
    not memoised)."""
    if result is None:
        return (*what, "resolved")
    name, version = getattr(result, "name", None), getattr(result, "version", None)
    if isinstance(name, str) and isinstance(version, int | np.integer):
        return (*what, "stored", name, int(version))
    return None


def assessment(store: Any, *, name: str | None = None, unit: str | None = None, level: str | None = None,
               year: int | None = None, spec: str | Path | None = None) -> Any:
    """The assessment to show: a stored one, or ``spec`` run on the Store's panel.

    Without ``spec``: :func:`territoria.store.assessments.resolve_assessment`, i.e. the assessment
    called ``name``, else the latest one of ``unit``'s level that rates it, else the latest of
    ``level`` (default: regions). ``year`` must be one of its years (never another level or year in
    silence). With ``spec``: the spec (its year replaced by ``year``) run now, not stored.
    """

    if spec is None:
        found = resolve_assessment(store, unit, name=name, level=level)
        if year is not None and int(year) not in found.years:
            raise DataError(f"assessment {found.label} does not rate {year}; store one of {year} with "
                            f"`territoria assess --spec SPEC --year {year} --name NAME`")
        return found
    parsed = AssessmentSpec.from_yaml(spec)
    if year is not None:
        parsed = AssessmentSpec.from_mapping({**parsed.to_mapping(), "year": year, "years": None})
    return Assessment(parsed).run(store.panel(level=parsed.units.level, years=parsed.year_list))


def assessment_label(result: Any) -> str:
    """``'name' v2 (district, 2023)`` for a stored assessment; the spec's name and years otherwise."""
    label = getattr(result, "label", None)
    if isinstance(label, str):
        return label
    years = ", ".join(map(str, result.spec.year_list))
    return f"{result.spec.name!r} (not stored; {result.spec.units.level or 'any level'}, {years})"


def latest_year(frame: pd.DataFrame, intervals: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int | None]:
    """The latest year of a panel assessment (ranks are within each year): its rows of ``frame`` and of
    ``intervals``, and the year; a one-period table is returned as it is, with ``None``."""
    if not (isinstance(frame.index, pd.MultiIndex) and "year" in frame.index.names):
        return frame, intervals, None
    year = int(frame.index.get_level_values("year").max())
    if not isinstance(intervals.index, pd.MultiIndex) and len(intervals) and isinstance(intervals.index[0], tuple):
        intervals = intervals.set_axis(pd.MultiIndex.from_tuples(intervals.index, names=frame.index.names))
    if isinstance(intervals.index, pd.MultiIndex) and "year" in intervals.index.names:
        intervals = intervals.xs(year, level="year")
    return frame.xs(year, level="year"), intervals, year


def rank_intervals(result: Any) -> pd.DataFrame:
    """Rank intervals per unit: the stored uncertainty summary, or the Monte-Carlo run now (missing when
    the spec has no ``uncertainty`` section)."""
    stored = getattr(result, "rank_intervals", None)
    if isinstance(stored, pd.DataFrame):
        return stored
    if result.spec.uncertainty is None:  # the spec has no Monte-Carlo section: no interval to show
        ranks = result.ranks.astype(float)
        nan = pd.Series(float("nan"), index=ranks.index)
        return pd.DataFrame({"score": result.scores, "rank": ranks, "rank_median": nan, "rank_p05": nan,
                             "rank_p95": nan})
    return result.uncertainty().ranks


def unit_region(store: Any, code: str) -> str | None:
    """The region a unit lies in, following the Store's parent links (None for a region or the country)."""
    rows = store.query("""
        WITH RECURSIVE up(code, parent, level, depth) AS (
            SELECT code, parent, level, 0 FROM units WHERE code = ?
            UNION ALL
            SELECT u.code, u.parent, u.level, up.depth + 1 FROM units u JOIN up ON u.code = up.parent
            WHERE up.depth < 10)
        SELECT code FROM up WHERE level = 'region' AND depth > 0 ORDER BY depth LIMIT 1""", [str(code)])
    return None if rows.empty else str(rows.iloc[0]["code"])


def diagnosis(store: Any, code: str, *, result: Any = None, name: str | None = None, year: int | None = None,
              groups: pd.DataFrame | None = None, n: int = 5, context: bool = True, own_series: bool = True) -> Any:
    """A unit's :class:`~territoria.diagnosis.Diagnosis` in its assessment (resolved when ``result`` is None),
    with its region's diagnosis in the region assessment as ``context`` when one is stored (``context``).
    ``own_series=False`` leaves out what the unit's own series give (flags, status, group memberships)."""

    result = result if result is not None else assessment(store, name=name, unit=code, year=year)
    return diagnoses(store, [code], result=result, year=year, groups=groups, n=n, context=context,
                     own_series=own_series)[code]


def diagnoses(store: Any, codes: list[str], *, result: Any, year: int | None = None,
              groups: pd.DataFrame | None = None, n: int = 5, context: bool = True,
              own_series: bool = True) -> dict[str, Any]:
    """:func:`diagnosis` of several units of one assessment ``result``, by code: what every unit shares (the
    Store's rows of the country and the regions, the reference gaps, the region assessment) is read and
    computed once."""

    codes = list(codes)
    units = store.units(codes=codes)
    for code in codes:
        if code not in units.index:
            raise UnknownNameError("unit", code, [])
    regions = derived(store, result_key(("assessed_regions",), result), lambda: _assessed_regions(store, result))
    regional: Any = False  # not read yet: only a unit below the regions needs the region assessment
    obs = national = statuses = None
    if own_series:
        obs = store.observations(units=codes)
        # every unit's status at once (a status reads the unit's own series only), shared with the pages' status
        statuses = unit_statuses(store, codes, obs)
        # the national references the regions imply, derived once for every unit (risk_flags would per call)
        national = derived(store, ("national_references",), lambda: national_references(
            store.observations(units=["KZ"]),
            store.observations(level="region", indicators=list(REFERENCE_INDICATORS))))
    # the same for every unit of the assessment: a web page's diagnoses of several units compute it once
    gaps = derived(store, result_key(("reference_gaps", year), result) if groups is None else None,
                   lambda: reference_gaps(result, year=year, groups=groups))
    out = {}
    for code in codes:
        level = str(units.at[code, "level"])
        region_context = None
        if context and level != "region":
            # lazy: cycle: territoria.report.service imports this module
            from territoria.report.service import region_of_unit

            if regional is False:
                try:
                    regional = assessment(store, level="region")
                except TerritoriaError:
                    regional = None
            rated = set(map(str, regional.ranks.index)) if regional is not None else set()
            # a unit of a region created after the regions' year gets the region it belonged to then
            region = region_of_unit(code, rated, store.crosswalk()) if rated else None
            if region in rated:
                region_context = _region_diagnosis(store, regional, region)
        own = memberships = None
        if own_series:
            # lazy: cycle: territoria.report.service imports this module
            from territoria.report.service import group_memberships

            own = obs[obs["unit"] == code]  # type: ignore[index]
            memberships = group_memberships(store, code, level)
        out[code] = diagnose(result, code, observations=own, national=national, year=year,
                             n=n, groups=groups, memberships=memberships,
                             regions=regions, assessment=getattr(result, "name", None) or None,
                             version=getattr(result, "version", None), level=getattr(result, "level", None),
                             context=region_context, gaps=gaps, statuses=statuses)
    return out


def unit_statuses(store: Any, codes: list[str], observations: pd.DataFrame) -> pd.DataFrame:
    """``classify(observations)`` of the units ``codes`` (``observations``: their rows in the Store), once per
    version of the Store where it carries the web's memo (a profile's status and its diagnosis read it)."""
    return derived(store, ("unit_statuses", tuple(map(str, codes))), lambda: classify(observations))


def _assessed_regions(store: Any, result: Any) -> dict[str, str]:
    """The parent region of every assessed unit that has one (districts: their parent), by code."""
    assessed = list(dict.fromkeys(map(str, result.tables["aggregated"].index.get_level_values(0))))
    parents = store.units(codes=assessed)
    return {u: r for u in assessed if (r := _region_from(parents, u)) is not None}


def _region_diagnosis(store: Any, regional: Any, region: str) -> Any:
    """The region's diagnosis in the region assessment, the context of its units' diagnoses (the same for
    every unit of the region: remembered with the Store's memo)."""
    return derived(store, result_key(("region_context", region), regional),
                   lambda: diagnose(regional, region, assessment=getattr(regional, "name", None),
                                    version=getattr(regional, "version", None), level="region"))


def _region_from(units: pd.DataFrame, code: str) -> str | None:
    """The parent region of an assessed unit from its Store row (districts: their parent)."""
    if code not in units.index:
        return None
    parent = units.at[code, "parent"]
    if isinstance(parent, str) and parent.endswith("0000000") and parent != code:
        return parent
    return None


def ranking_table(store: Any, result: Any, *, region: str | None = None, lang: str = "en") -> pd.DataFrame:
    """The units of an assessment ranked nationally and within their region, optionally of one region.

    Columns: ``unit, name, region, region_name, score, rank, rank_in_region, n_in_region, grade,
    rank_p05, rank_p95``; sorted by rank. ``region`` keeps the units of that region (a region code).
    """
    name_col = f"name_{lang}" if lang in ("en", "ru", "kk") else "name_en"
    frame, intervals, _ = latest_year(result.to_frame(), rank_intervals(result))
    frame.index = frame.index.astype(str)
    intervals.index = intervals.index.astype(str)
    units = store.units(codes=list(frame.index))
    regions = pd.Series({u: _region_from(units, u) or (u if units.at[u, "level"] == "region" else None)
                         if u in units.index else None for u in frame.index}, dtype=object)
    region_names = store.units(level="region")[name_col]
    table = pd.DataFrame({
        "unit": frame.index, "name": units[name_col].reindex(frame.index).to_numpy(),
        "region": regions.to_numpy(), "region_name": regions.map(region_names).to_numpy(),
        "score": frame[result.root].to_numpy(), "rank": frame["rank"].to_numpy()})
    table["rank_in_region"] = table.groupby("region", dropna=False)["rank"].rank(method="min").astype("Int64")
    table["n_in_region"] = table.groupby("region", dropna=False)["rank"].transform("size")
    table["grade"] = frame["level"].to_numpy()
    for column in ("rank_p05", "rank_p95"):
        table[column] = intervals[column].reindex(frame.index).to_numpy()
    if region is not None:
        if region not in set(table["region"].dropna()):
            raise DataError(f"ranking: region {region!r} has no unit in assessment {assessment_label(result)}; "
                            f"its regions are {', '.join(sorted(set(table['region'].dropna()))[:20])}")
        table = table[table["region"] == region]
    return table.sort_values("rank", kind="stable").reset_index(drop=True)

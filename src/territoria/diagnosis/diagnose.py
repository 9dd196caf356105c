"""One unit's diagnosis in one assessment: rank nationally and within its region, weakest blocks and
indicators, risk flags, status and group memberships.

This is the one function the CLI (``territoria diagnose``, ``recommend``), the reports and the web
pages call, so that they never disagree. It takes pandas objects and an assessment ``Result`` and
does no I/O: the interface chooses the assessment (``territoria.store.assessments.resolve_assessment``)
and reads the observations.

A unit is diagnosed among the units of its assessment: a district among districts, nationally
(every assessed district) and within its region (the assessed districts of the same region: rank
and the ``region`` reference of :func:`~territoria.diagnosis.weakness.reference_gaps`). The region's
own diagnosis in the region assessment may be attached as ``context``; it never stands in for the
unit's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from territoria.diagnosis.risks import risk_flags
from territoria.diagnosis.weakness import reference_gaps, region_of, result_year, weakest
from territoria.dynamics.status import classify
from territoria.errors import DataError

__all__ = ["Diagnosis", "diagnose"]


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose` returns.

    Attributes
    ----------
    unit, level : str
        The unit's code and the level of the units the assessment rates.
    assessment : str
        The assessment's name (its spec's name when the Result was not stored).
    version : int or None
        The stored version of the assessment.
    year : int
        The assessed year.
    score, rank, n_units : float, int, int
        Composite, rank (1 = first as the spec ranks) and number of assessed units.
    region : str or None
        The region the unit lies in (None for a region).
    rank_in_region, n_in_region : int or None
        Rank among the assessed units of the same region, and how many there are.
    grade : str or None
        The spec's grade (level label) of the unit.
    weak_blocks, weak_indicators : DataFrame
        :func:`~territoria.diagnosis.weakness.weakest` rows of the unit (``gap_region`` when the
        assessment holds several units of one region).
    flags : DataFrame
        Every risk rule evaluated for the unit (``flag`` True, False or missing = not evaluable).
    status, status_facts, status_fact_codes : str or None
        The development / decline status and its facts (None without series).
    groups : DataFrame or None
        Group memberships (group, member, reason) when given.
    context : Diagnosis or None
        The region's diagnosis in the region assessment, shown beside the unit's.
    scale : str
        Which graded scale ``grade`` comes from (``Result.scale``).
    """

    unit: str
    level: str | None
    assessment: str
    version: int | None
    year: int | None
    score: float
    rank: int
    n_units: int
    region: str | None
    rank_in_region: int | None
    n_in_region: int | None
    grade: str | None
    weak_blocks: pd.DataFrame
    weak_indicators: pd.DataFrame
    flags: pd.DataFrame
    status: str | None
    status_facts: str
    status_fact_codes: str | None
    groups: pd.DataFrame | None
    context: Diagnosis | None
    scale: str = ""

    @property
    def risk_flags(self) -> pd.DataFrame:
        """The risk flags that hold."""
        if self.flags.empty:
            return self.flags
        return self.flags[self.flags["flag"] == True].reset_index(drop=True)  # noqa: E712

    @property
    def not_evaluable(self) -> int:
        """How many risk rules lacked data."""
        return int(self.flags["flag"].isna().sum()) if "flag" in self.flags else 0

    def summary(self) -> dict[str, Any]:
        """The scalar fields as a plain dict (for JSON and one-line messages)."""
        out = {k: getattr(self, k) for k in ("unit", "level", "assessment", "version", "year", "score", "rank",
                                             "n_units", "region", "rank_in_region", "n_in_region", "grade",
                                             "status", "status_facts", "scale")}
        out["context"] = self.context.summary() if self.context is not None else None
        return out


def _one_year(frame: pd.DataFrame | pd.Series, year: int | None) -> Any:
    if year is None or not isinstance(frame.index, pd.MultiIndex):
        return frame
    return frame.xs(year, level="year")


def diagnose(result: Any, unit: str, *, observations: pd.DataFrame | None = None,
             national: pd.DataFrame | None = None, year: int | None = None, n: int = 5,
             groups: pd.DataFrame | None = None, memberships: pd.DataFrame | None = None,
             regions: Mapping[str, str] | None = None, assessment: str | None = None,
             version: int | None = None, level: str | None = None,
             context: Diagnosis | None = None, regional: pd.DataFrame | None = None,
             gaps: pd.DataFrame | None = None, statuses: pd.DataFrame | None = None) -> Diagnosis:
    """Diagnose ``unit`` among the units of ``result``.

    Parameters
    ----------
    result : Result
        The assessment of the unit's level (``Assessment(spec).run(...)`` or a stored one).
    unit : str
        The unit's code; it must be one of the assessed units.
    observations : DataFrame, optional
        Long ``unit, indicator, year, value`` of the unit: its risk flags and status.
    national : DataFrame, optional
        Long observations of the country, for rules relative to the national value.
    year : int, optional
        The assessed year of a multi-year Result (default: the latest) and the year of the flags.
    n : int, default=5
        How many weakest indicators.
    groups : DataFrame, optional
        ``unit, group, reason`` of every assessed unit: group references of the gaps.
    memberships : DataFrame, optional
        The unit's own group memberships, carried into the diagnosis as given.
    regions : mapping, optional
        Unit code → region code of the assessed units; default: the KATO prefix (``region_of``).
    assessment, version, level : optional
        The assessment's name, stored version and level (default: the spec's name and level).
    context : Diagnosis, optional
        The region's diagnosis in the region assessment.
    regional : DataFrame, optional
        Long rows of the regions, to derive national references the country rows lack
        (:func:`~territoria.diagnosis.references.national_references`).
    gaps : DataFrame, optional
        ``reference_gaps(result, year=year, groups=groups)`` when already computed (it is the same for every
        unit of the assessment: several diagnoses compute it once).
    statuses : DataFrame, optional
        ``classify(observations)`` when already computed (one table for several units: each unit's status
        is computed from its own series alone, so its row is the same).
    """

    unit = str(unit)
    name = assessment or result.spec.name
    year = result_year(result, year)
    ranks = _one_year(result.ranks, year)
    ranks = ranks.set_axis(ranks.index.astype(str))
    if unit not in ranks.index and unit in getattr(result, "excluded", []):
        why = result.spec.units.exclude_reason
        raise DataError(f"diagnose: unit {unit} is left out of the sample of assessment {name!r} (units.exclude"
                        + (f": {why}" if why else "") + "); use an assessment that rates it")
    if unit not in ranks.index:
        raise DataError(f"diagnose: unit {unit} is not among the {len(ranks)} units of assessment {name!r}"
                        + (f" ({year})" if year is not None else ""))
    scores = _one_year(result.scores, year)
    scores = scores.set_axis(scores.index.astype(str))
    grades = _one_year(result.grades, year)
    grades = grades.set_axis(grades.index.astype(str))
    region_map = {u: (regions or {}).get(u) or region_of(u) for u in ranks.index}
    region = region_map[unit] if region_map[unit] != unit else None
    rank_in_region = n_in_region = None
    if region is not None:
        peers = ranks[[region_map[u] == region for u in ranks.index]]
        rank_in_region = int(peers.rank(method="min").loc[unit])
        n_in_region = len(peers)
    gaps = reference_gaps(result, year=year, groups=groups) if gaps is None else gaps
    own_gaps = gaps[gaps["unit"] == unit]  # the unit's rows only: what weakest keeps of them
    tree = result.tree
    blocks = [c for c in tree.loc[tree["parent"] == result.root, "code"] if c in set(tree["parent"].dropna())]
    weak_indicators = weakest(own_gaps, n=n, units=[unit])
    weak_blocks = weakest(own_gaps, n=max(len(blocks), 1), units=[unit], kind="block")
    status = facts = codes = None
    if observations is not None and len(observations):
        own = observations[observations["unit"].astype(str) == unit]
        flags = (risk_flags(own, national=national, year=year, regional=regional) if len(own)
                 else pd.DataFrame(columns=["flag"]))
        table = statuses if statuses is not None else (classify(own) if len(own) else pd.DataFrame())
        if unit in table.index:
            row = table.loc[unit]
            status, facts = str(row["status"]), str(row["facts"] or "")
            codes = row.get("fact_codes") if isinstance(row.get("fact_codes"), str) else None
    else:
        flags = pd.DataFrame(columns=["flag"])
    grade = grades.get(unit)
    return Diagnosis(
        unit=unit, level=level or result.spec.units.level, assessment=name, version=version,
        year=year if year is not None else (result.spec.year_list[0] if result.spec.year_list else None),
        score=float(scores.loc[unit]), rank=int(ranks.loc[unit]), n_units=len(ranks), region=region,
        rank_in_region=rank_in_region, n_in_region=n_in_region,
        grade=None if grade is None or pd.isna(grade) else str(grade),
        weak_blocks=weak_blocks, weak_indicators=weak_indicators, flags=flags.reset_index(drop=True),
        status=status, status_facts=facts or "", status_fact_codes=codes, groups=memberships, context=context,
        scale=getattr(result, "scale", ""))

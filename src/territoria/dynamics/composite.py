"""The composite index over years with fixed goalposts, so that a movement of a score is real.

Normalising each year on its own puts the best unit of every year at the top of the scale and hides
a general improvement or decline. Here the spec is run on several years at once with
``normalise.reference: pooled``: the goalposts (minimum and maximum after treatment) are learned once
over all unit-years, so a unit's score moves only when its indicators move relative to that fixed
range (docs/assessment.md, "years").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.dynamics.trends import trend_table
from territoria.errors import DataError

__all__ = ["composite_over_years", "composite_trends", "score_table"]


def composite_over_years(panel: Any, spec: AssessmentSpec | str | Path, years: list[int]) -> Any:
    """Run ``spec`` on ``years`` at once with pooled goalposts; returns the engine's ``Result``.

    Parameters
    ----------
    panel : Panel or DataFrame
        What ``Assessment.run`` accepts (a wide table must then be indexed by (unit, year)).
    spec : AssessmentSpec or path
        Its ``year``/``years`` and ``normalise.reference`` are overridden.
    years : list of int
        At least two years.
    """
    years = sorted({int(y) for y in years})
    if len(years) < 2:
        raise DataError(f"composite over years: give at least two years, got {years}")
    parsed = spec if isinstance(spec, AssessmentSpec) else AssessmentSpec.from_yaml(spec)
    raw = parsed.to_mapping()
    raw.update(year=None, years=years)
    raw["normalise"] = {**(raw.get("normalise") or {}), "reference": "pooled"}
    return Assessment(AssessmentSpec.from_mapping(raw)).run(panel)


def score_table(result: Any) -> pd.DataFrame:
    """Long table unit, year, every aggregate (composite and blocks), rank, level."""
    frame = result.to_frame()
    if not isinstance(frame.index, pd.MultiIndex):
        raise DataError("score_table: the Result is of one year; run composite_over_years first")
    return frame.reset_index().sort_values(["unit", "year"], kind="stable").reset_index(drop=True)


def composite_trends(result: Any, *, alpha: float = 0.05) -> pd.DataFrame:
    """Trend statistics (module ``trends``) of the composite and of every block score per unit.

    Returns a table indexed by (unit, indicator) where ``indicator`` is the aggregate's code, plus
    ``level_first`` and ``level_last`` (the graded level in the first and last year).
    """
    scores = score_table(result)
    aggregates = list(result.aggregates)
    long = scores.melt(id_vars=["unit", "year"], value_vars=aggregates, var_name="indicator")
    table = trend_table(long, alpha=alpha, short="skip")
    levels = scores.dropna(subset=["level"]).groupby("unit")["level"].agg(["first", "last"])
    levels.columns = ["level_first", "level_last"]
    return table.join(levels, on="unit")

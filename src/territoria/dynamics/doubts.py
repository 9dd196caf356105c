"""Figures of the seeds kept as printed but doubtful: which they are, and where a series uses one.

``territoria/data/seed_doubts.csv`` lists them (unit, indicator, year, the value stored, the figure as printed,
the doubt, the seed and a note). A doubtful figure is never corrected silently: it stays in the data as printed
and every trend of a series that holds it says so (:func:`doubt_notes`, used by
:func:`territoria.dynamics.trends.trend_table`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from territoria.catalog.citations import cite

__all__ = ["doubt_notes", "load_doubts"]


@cache
def _doubts() -> pd.DataFrame:
    path = resources.files("territoria").joinpath("data/seed_doubts.csv")
    with path.open("rb") as handle:
        frame = pd.read_csv(handle, dtype={"unit": str, "seed": str, "indicator": str}, keep_default_na=False)
    frame["year"] = frame["year"].astype(int)
    frame["value_stored"] = frame["value_stored"].astype(float)
    return frame


def load_doubts() -> pd.DataFrame:
    """The doubtful seed figures (a copy)."""
    return _doubts().copy()


def doubt_notes(observations: pd.DataFrame) -> pd.Series:
    """Per (unit, indicator) of ``observations``: the doubtful figures its series holds, as one line each
    (``"2020: probable unit slip (printed 63.3 tenge; Turkeeva et al. 2022)"``), joined with "; "; only pairs
    that hold one. A row matches when unit, indicator and year match and its value is the value stored."""
    d = _doubts()
    if observations.empty or d.empty:
        return pd.Series(dtype=str, name="doubt")
    obs = observations.dropna(subset=["value"]).astype({"unit": str})
    hits = obs.merge(d, on=["unit", "indicator", "year"], how="inner")
    hits = hits[(hits["value"] - hits["value_stored"]).abs() <= 1e-9 * hits["value_stored"].abs().clip(lower=1)]
    if hits.empty:
        return pd.Series(dtype=str, name="doubt")
    lines = hits.assign(line=[f"{y}: {doubt} (printed {printed}; {cite(seed)})" for y, doubt, printed, seed
                              in zip(hits["year"], hits["doubt"], hits["printed"], hits["seed"], strict=True)])
    return lines.groupby(["unit", "indicator"])["line"].agg("; ".join).rename("doubt")

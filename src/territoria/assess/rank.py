"""Ranks of the aggregate scores (1 = highest by default; ties take the lowest rank of their group)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess import kernels
from territoria.assess.base import OneOf, Step, as_frame
from territoria.assess.mc_rank import rank_rows
from territoria.assess.spec import TIES_RULES
from territoria.assess.threads import each, thread_count

__all__ = ["Rank"]


class Rank(Step):
    """Rank units on every aggregate, within each year.

    Parameters
    ----------
    descending : bool, default=True
        Rank 1 = highest score.
    ties : {"min", "max", "average", "dense"}, default="min"
    decimals : int or None, default=None
        Rank the scores rounded half to even to this many decimals (as a results table that shows
        rounded scores ranks them: two units shown equal share a rank); ``None`` ranks the full values.

    Notes
    -----
    Units with a missing score get no rank. Returns a table of ranks with one column per aggregate.
    """

    family = "rank"
    method = "rank"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "descending": [bool],
        "ties": [OneOf(*TIES_RULES)],
        "decimals": [int, None],
    }

    reads = ("aggregated",)
    writes = ("ranks",)

    def __init__(self, *, descending: bool = True, ties: str = "min", decimals: int | None = None) -> None:
        self.descending = descending
        self.ties = ties
        self.decimals = decimals

    def fit_scope(self) -> str:
        return "none"

    def transform_scope(self) -> str:
        return "columns"

    def select(self, stages: Mapping[str, pd.DataFrame], context: Mapping[str, Any]) -> pd.DataFrame:
        """The aggregates of ``aggregated`` (tree codes that are not indicators)."""
        table = stages["aggregated"]
        codes, leaves = set(context["tree"]["code"]), set(context["leaves"])
        return table[[c for c in table.columns if c in codes and c not in leaves]]

    def _fit(self, table: pd.DataFrame, **_: Any) -> None:
        self.n_units_ = len(table)

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:
        x = table.to_numpy(dtype=float)
        if self.decimals is not None:
            x = np.round(x, self.decimals)
        years = _year_rows(table.index)
        # contiguous years cover every row (no NaN to write first); positions may leave a row out
        whole = all(isinstance(rows, slice) for rows in years)
        out = np.empty(table.shape, order="F") if whole else np.full(table.shape, np.nan, order="F")
        # one ranking per (year, aggregate): independent, so shared between the threads in use; a
        # column is ranked on its own exactly as within the (aggregates x units) block of its year
        tasks = [(rows, j) for rows in years for j in range(x.shape[1])]
        blocks = self._year_blocks(x, years) if whole else {}
        tasks = [t for t in tasks if t[1] not in blocks]
        stacked = [(j, part) for j, groups in blocks.items() for part in groups]

        def ranked(i: int) -> None:
            if i < len(stacked):          # equal years of a column without a gap: their rows in one call
                j, (start, stop) = stacked[i]
                n = years[0].stop - years[0].start
                scores = x[start * n:stop * n, j].reshape(stop - start, n)
                ranks = rank_rows(scores, descending=self.descending)
                out[start * n:stop * n, j] = ranks.reshape(-1)
                return
            rows, j = tasks[i - len(stacked)]
            out[rows, j] = kernels.rank_scores(x[rows, j], descending=self.descending, ties=self.ties)

        each(ranked, len(stacked) + len(tasks), cells=x.size)
        return as_frame(out, table.index, table.columns)

    def _year_blocks(self, x: np.ndarray, years: list[slice]) -> dict[int, list[tuple[int, int]]]:
        """Columns whose years can be ranked as rows of one array (ties ``min``, years of one length
        laid end to end, no missing score): for each, the years cut into a few runs of consecutive years
        (``(first, stop)`` year positions), so the threads share them. :func:`~territoria.assess.mc_rank.
        rank_rows` gives each row the ranks :func:`~territoria.assess.kernels.rank_scores` gives it alone."""
        if self.ties != "min" or len(years) < 2 or years[0].start != 0:
            return {}
        n = years[0].stop - years[0].start
        if n < 2 or any(y.stop - y.start != n or y.start != k * n for k, y in enumerate(years)):
            return {}
        runs = max(1, min(len(years), 2 * thread_count()))
        cuts = np.linspace(0, len(years), runs + 1).round().astype(int)
        parts = [(int(a), int(b)) for a, b in itertools.pairwise(cuts) if b > a]
        return {j: parts for j in range(x.shape[1]) if not np.isnan(np.add.reduce(x[:, j]))}


def _year_rows(index: pd.Index) -> list[slice] | list[np.ndarray]:
    """The rows of each year: slices when every year is one contiguous block, else positions."""
    if not (isinstance(index, pd.MultiIndex) and "year" in index.names):
        return [slice(0, len(index))]
    years = index.get_level_values("year")
    order = pd.unique(years)
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    if len(starts) == len(order):
        bounds = [*starts.tolist(), len(years)]
        return [slice(a, b) for a, b in itertools.pairwise(bounds)]
    return [np.flatnonzero(years == y) for y in order]

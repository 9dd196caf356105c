r"""Imputation of missing indicator values; every filled cell is recorded.

Methods (``method``):

* ``none`` — leave gaps (later steps skip them: weights are renormalised over present indicators);
* ``mean`` / ``median`` — :math:`\hat x_{ij} = \operatorname{mean}_{k \in G(i)} x_{kj}` (or the median)
  over the units of the same group :math:`G(i)` (``by``; all units when ``by`` is None) and, with
  several years, of the same year;
* ``locf`` — last observation carried forward over years within a unit;
* ``linear`` — linear interpolation over years within a unit, between observed years only.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess import buffers
from territoria.assess.base import OneOf, Step, StepReport, as_frame
from territoria.assess.group_stats import (
    MeanStats,
    MedianInside,
    MedianSample,
    key_frame,
    median_brackets,
    median_values,
)
from territoria.assess.spec import IMPUTE_METHODS
from territoria.assess.threads import cuts, each, thread_count
from territoria.errors import SpecError, coded

__all__ = ["Impute"]


class Impute(Step):
    """Fill missing values of the units × indicators table.

    Parameters
    ----------
    method : {"none", "mean", "median", "locf", "linear"}, default="none"
    by : str or None, default=None
        Name of the group column (for ``mean`` / ``median`` within group).

    Attributes
    ----------
    fill_values_ : dict
        For mean/median: the statistic per indicator (keyed by group and year when used).

    Notes
    -----
    Missing values are ignored when a statistic is computed. Cells that no rule can fill (a group
    with no value; no earlier year for ``locf``; ends of the series for ``linear``) stay missing.
    ``locf`` and ``linear`` need a table indexed by (unit, year). :meth:`apply` also writes the
    ``imputed_mask`` stage (True where a cell was filled); :meth:`report` counts the filled cells.
    Mean and median are fitted from mergeable statistics (``fit_scope() == "stats"``): a mean from
    exact sums (:class:`~territoria.assess.group_stats.MeanStats`; the local fit is the same code on
    one partial, so any split gives the same bits); a median in two rounds (a sample of order
    statistics brackets it, then the values inside the bracket give it exactly), equal to the local
    ``np.nanmedian`` bit for bit (:mod:`territoria.assess.group_stats`).
    Within groups, ``fit`` learns the statistic per group from ``groups`` and ``transform(table,
    groups=...)`` receives the group of each row of ``table``: the fitted step keeps no group label.
    """

    family = "impute"
    method = "impute"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf(*IMPUTE_METHODS)],
        "by": [str, None],
    }

    reads = ("denominated",)
    writes = ("imputed", "imputed_mask")

    def __init__(self, *, method: str = "none", by: str | None = None) -> None:
        self.method = method
        self.by = by

    def _keys(self, table: pd.DataFrame, groups: pd.Series | None) -> list[pd.Series]:
        keys: list[pd.Series] = []
        if isinstance(table.index, pd.MultiIndex) and "year" in table.index.names:
            keys.append(pd.Series(table.index.get_level_values("year"), index=table.index, name="year"))
        if self.by is not None:
            if groups is None:
                raise coded(SpecError("impute.by", f"group column {self.by!r}: no group labels were given for "
                                                   "the rows (groups=)"), "error.run.no_groups", column=str(self.by))
            keys.append(groups.reindex(table.index).rename("group"))
        return keys

    def side_inputs(self) -> tuple[str, ...]:
        return ("groups",) if self.by is not None and self.method in ("mean", "median") else ()

    def _check(self, groups: pd.Series | None) -> None:
        if self.by is not None and groups is None:
            raise coded(SpecError("impute.by", f"group column {self.by!r} is not in the data or the units table"),
                        "error.run.no_groups", column=str(self.by))

    def _fit(self, table: pd.DataFrame, *, groups: pd.Series | None = None, **_: Any) -> None:
        self._check(groups)
        if self.method in ("locf", "linear") and not (
                isinstance(table.index, pd.MultiIndex) and "year" in table.index.names):
            raise coded(SpecError("impute.method", f"{self.method!r} works over years; give several years "
                                                   "(years: [...]) or use mean / median"),
                        "error.run.over_years", method=self.method)
        if self.method == "mean":
            # through the partial and its merge: the same exact sums, the same bits, on every engine
            self._learn(self.merge_stats([self.partial_stats(table, groups=groups)]), table.columns)
        elif self.method == "median":
            keys = self._keys(table, groups)
            stats = _year_medians(table) if self.by is None else None
            if stats is None:
                stats = table.groupby(keys, dropna=False).agg(self.method) if keys else table.agg(self.method)
            self._keep(stats, bool(keys))

    def _keep(self, stats: pd.DataFrame | pd.Series, keyed: bool) -> None:
        self._stats = stats
        self.fill_values_ = {str(k): v for k, v in (stats.to_dict("index").items() if keyed
                                                    else {"all": stats.to_dict()}.items())}

    def _learn(self, stats: MeanStats | MedianInside, columns: pd.Index) -> None:
        values = stats.means() if isinstance(stats, MeanStats) else median_values(stats)
        self._keep(key_frame(values, stats.keys, stats.names, columns), bool(stats.names))

    def fit_scope(self) -> str:
        return "stats" if self.method in ("mean", "median") else "none"

    def partial_stats(self, table: pd.DataFrame, *, groups: pd.Series | None = None,
                      query: dict[tuple, np.ndarray] | None = None, **_: Any) -> Any:
        """Statistics of some rows that merge exactly: for ``mean`` the exact sums per key; for
        ``median`` round 1 a sample of order statistics, round 2 (``query``: the brackets from
        :meth:`stats_query`) the values inside the brackets."""
        if self.method not in ("mean", "median"):
            return super().partial_stats(table)
        self._check(groups)
        keys = self._keys(table, groups)
        if self.method == "mean":
            return MeanStats.of(table, keys)
        return MedianSample.of(table, keys) if query is None else MedianInside.of(table, query, keys)

    @staticmethod
    def merge_stats(parts: list[Any]) -> Any:
        return type(parts[0]).merge(parts)

    def stats_query(self, merged: Any) -> dict[tuple, np.ndarray] | None:
        """After round 1 of a median, the brackets round 2 reads; None when the statistics are complete."""
        return median_brackets(merged) if isinstance(merged, MedianSample) else None

    def fit_stats(self, stats: Any, columns: pd.Index, *, groups: pd.Series | None = None, **_: Any) -> Impute:
        """Fit mean / median from merged statistics (the last round's)."""
        if self.method not in ("mean", "median"):
            return super().fit_stats(stats, columns)
        self.begin_fit()
        self._check(groups)
        self._learn(stats, columns)
        self.is_fitted_ = True
        return self

    def _fill(self, table: pd.DataFrame, groups: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
        """The statistics (one row per key) and each row's position among them (``mean`` / ``median``)."""
        keys = self._keys(table, groups)
        stats = self._stats
        if not keys:
            return stats.reindex(table.columns).to_numpy(dtype=float)[None, :], np.zeros(len(table), dtype=np.intp)
        idx = table.index
        if len(keys) == 1 and isinstance(idx, pd.MultiIndex) and keys[0].name == "year":
            pos = idx.names.index("year")
            known = stats.index.get_level_values(0) if isinstance(stats.index, pd.MultiIndex) else stats.index
            where = known.get_indexer(idx.levels[pos])
            codes = np.asarray(idx.codes[pos])
            rows = np.where(codes >= 0, where[codes], -1)
        else:
            keyed = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
            return stats.reindex(keyed)[table.columns].to_numpy(dtype=float), np.arange(len(table))
        values = stats.reindex(columns=table.columns).to_numpy(dtype=float)
        return np.vstack([values, np.full((1, values.shape[1]), np.nan)]), rows

    def _transform(self, table: pd.DataFrame, *, groups: pd.Series | None = None) -> pd.DataFrame:
        if self.method == "none":
            return table
        if self.method in ("mean", "median"):
            return as_frame(self._filled(table, groups)[0], table.index, table.columns)
        ordered = table.sort_index(level=["unit", "year"])
        grouped = ordered.groupby(level="unit", group_keys=False)
        filled = grouped.ffill() if self.method == "locf" else grouped.apply(_interpolate_years)
        return filled.reindex(table.index)

    def _filled(self, table: pd.DataFrame, groups: pd.Series | None, *,
                block: int = 16384) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """(filled values, where the input was missing, the columns where a gap stays) for mean / median;
        the columns are shared between the threads in use (:mod:`territoria.assess.threads`)."""
        x = table.to_numpy(dtype=float)
        out = buffers.empty(x.shape)             # every cell written by the copy below
        gaps = buffers.empty(x.shape, dtype=bool)

        def copy(j: int) -> bool:           # copy and gap mask by blocks of a column, each read once
            for start in range(0, x.shape[0], block):
                part = out[start:start + block, j]
                part[:] = x[start:start + block, j]
                np.isnan(part, out=gaps[start:start + block, j])
            return bool(gaps[:, j].any())

        columns = [j for j, gap in enumerate(each(copy, x.shape[1], cells=x.size)) if gap]
        if not columns:
            return out, gaps, []
        values, at = self._fill(table, groups)

        def fill(i: int) -> bool:
            j = columns[i]
            rows = np.flatnonzero(gaps[:, j])
            fill = values[at[rows], j]
            out[rows, j] = fill
            return bool(np.isnan(fill).any())

        left = each(fill, len(columns), cells=x.shape[0] * len(columns))
        return out, gaps, [j for j, gap in zip(columns, left, strict=True) if gap]

    def apply(self, table: pd.DataFrame, **side: Any) -> dict[str, pd.DataFrame]:
        """The imputed table and the ``imputed_mask`` (True where a cell was filled); ``side`` as
        :meth:`transform`."""
        if self.method not in ("mean", "median"):
            out = self.transform(table, **side)
            mask = np.isnan(table.to_numpy(dtype=float)) & ~np.isnan(out.to_numpy(dtype=float))
            return {"imputed": out, "imputed_mask": as_frame(mask, table.index, table.columns)}
        self.check_transform(side)
        # every gap is filled but in the columns ``left``
        filled, mask, left = self._filled(table, side.get("groups"))
        for j in left:
            mask[:, j] &= ~np.isnan(filled[:, j])
        return {"imputed": as_frame(filled, table.index, table.columns),
                "imputed_mask": as_frame(mask, table.index, table.columns)}

    def report(self, before: pd.DataFrame, written: Mapping[str, pd.DataFrame]) -> StepReport:
        mask = written["imputed_mask"].to_numpy()
        out = written["imputed"].to_numpy(dtype=float)

        def counts(j: int) -> tuple[int, int]:
            # only a column whose sum is NaN can hold a NaN: one read pass, no mask, elsewhere
            col = out[:, j]
            left = int(np.count_nonzero(np.isnan(col))) if np.isnan(np.add.reduce(col)) else 0
            return int(np.count_nonzero(mask[:, j])), left

        per_column = each(counts, out.shape[1], cells=out.size)
        changed = sum(c for c, _ in per_column)
        left = sum(n for _, n in per_column)
        warn = (f"{left} cell(s) could not be imputed and stay missing",) if left and self.method != "none" else ()
        return StepReport(cells_changed=changed, warnings=warn)


def _year_medians(table: pd.DataFrame) -> pd.DataFrame | pd.Series | None:
    """Medians per column (per year with several years), as pandas' ``median`` gives them, from one
    ``np.partition`` per column and year; None when the rows of a year are not one contiguous block."""
    x = table.to_numpy(dtype=float)
    if not (isinstance(table.index, pd.MultiIndex) and "year" in table.index.names):
        return pd.Series(_threaded_medians(x), index=table.columns)
    years = table.index.get_level_values("year")
    order = pd.unique(years)
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    if len(starts) != len(order):
        return None
    bounds = [*starts.tolist(), len(years)]
    blocks = list(itertools.pairwise(bounds))
    # each year's columns on their own: the years (or, for one year, groups of columns) side by side
    rows = (each(lambda i: _medians(x[blocks[i][0]:blocks[i][1]]), len(blocks), cells=x.size)
            if len(blocks) > 1 else [_threaded_medians(x)])
    frame = pd.DataFrame(rows, index=pd.Index(order, name="year"), columns=table.columns)
    return frame.sort_index()


def _threaded_medians(x: np.ndarray) -> np.ndarray:
    """:func:`_medians` with groups of columns side by side on the threads in use (each column's median
    is computed on its own, so the same values)."""
    pieces = min(thread_count(), x.shape[1])
    if pieces <= 1:
        return _medians(x)
    at = cuts(x.shape[1], pieces)
    return np.concatenate(each(lambda i: _medians(x[:, at[i]:at[i + 1]]), pieces, cells=x.size))


def _medians(x: np.ndarray) -> np.ndarray:
    r"""Median of the finite values of each column; :math:`(x_{(k)} + x_{(k+1)})/2` for an even count.

    Exact order statistics, found cheaply: a strided sample of each column brackets its median
    (:func:`_bracket`), one comparison pass counts the values below the bracket and keeps those inside
    it, and only those are partitioned. A column whose bracket misses falls back to partitioning all
    its values; the result is the same either way.
    """
    out = np.full(x.shape[1], np.nan)
    lo, hi = _bracket(x)
    for j in range(x.shape[1]):
        v = x[:, j]
        n = x.shape[0] - int(np.count_nonzero(np.isnan(v)))
        if not n:
            continue
        h = n // 2
        wanted = (h,) if n % 2 else (h - 1, h)
        if lo is not None and lo[j] <= hi[j]:
            at_least = v >= lo[j]                       # NaN is in neither this nor v < lo
            below = n - int(np.count_nonzero(at_least))
            at_least &= v <= hi[j]
            inside = np.compress(at_least, v)           # faster than v[at_least], the same values
            if below <= wanted[0] and wanted[-1] < below + inside.size:
                inside.partition(tuple(k - below for k in wanted))
                out[j] = _middle(inside, [k - below for k in wanted])
                continue
        gaps = np.isnan(v)
        v = v[~gaps] if gaps.any() else v.copy()        # a copy, partitioned in place
        v.partition(wanted)
        out[j] = _middle(v, list(wanted))
    return out


def _middle(v: np.ndarray, at: list[int]) -> float:
    """The order statistic at ``at[0]``, or the mean of the two at ``at`` (partitioned ``v``)."""
    return float(v[at[0]]) if len(at) == 1 else float((v[at[0]] + v[at[1]]) / 2)


def _bracket(x: np.ndarray, *, stride: int = 32,
             spread: float = 3.5) -> tuple[np.ndarray | None, np.ndarray | None]:
    r"""Per column, two values of a strided sample that bracket the median with high probability:
    the sample's order statistics :math:`\pm` ``spread`` standard errors of the sample median's rank
    around its middle. None for short columns (they are partitioned whole)."""
    if x.shape[0] < 16 * stride:
        return None, None
    sample = np.sort(x[::stride], axis=0)                      # NaN sorts last
    m = sample.shape[0] - np.isnan(sample).sum(axis=0)
    half = spread * np.sqrt(np.maximum(m, 1)) / 2 + 1
    k_lo = np.clip(np.floor(m / 2 - half), 0, None).astype(np.intp)
    k_hi = np.clip(np.ceil(m / 2 + half), 0, np.maximum(m - 1, 0)).astype(np.intp)
    cols = np.arange(x.shape[1])
    lo, hi = sample[k_lo, cols], sample[k_hi, cols]
    empty = m == 0
    lo[empty], hi[empty] = np.inf, -np.inf                     # no bracket: partition whole
    return lo, hi


def _interpolate_years(frame: pd.DataFrame) -> pd.DataFrame:
    years = frame.index.get_level_values("year").astype(float)
    return frame.set_axis(years).interpolate(method="index", limit_area="inside").set_axis(frame.index)

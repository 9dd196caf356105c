r"""Normalisation: put indicators on one scale, with directions applied.

Directions :math:`d_j \in \{+1, -1\}` (+1: higher is better) are applied here. Methods:

* ``minmax``: :math:`y = low + (high - low)(d x - m)/(M - m)`, :math:`m, M` the min and max of
  :math:`d x` over the reference rows (``reference="pooled"``: every row, i.e. goalposts fixed across
  years; an integer: the rows of that year);
* ``goalposts``: as ``minmax`` with :math:`m, M` fixed per indicator in the spec (``goalposts``);
* ``zscore``: :math:`y = \mu + \sigma\, d (x - \bar x)/s` with the target ``mean`` :math:`\mu` (0) and
  ``sd`` :math:`\sigma` (1); COINr's ``n_zscore`` with ``m_sd = c(10, 2)`` is ``mean: 10, sd: 2``;
* ``rank``: ascending rank of :math:`d x`, ties at the lowest rank;
* ``percentile_rank``: :math:`p = (r - 1)/(n - 1)` (SVI convention); for :math:`d = -1`,
  :math:`1 - p(x)` as the SVI inverts per-capita income; ``decimals`` rounds half to even;
* ``distance``: ratio to the reference mean, :math:`y = x / \bar x` (:math:`\bar x` over all reference
  units or over the unit's group ``by``); for :math:`d = -1`, :math:`y = 2 - x/\bar x`;
* ``none``: values unchanged (directions still applied as :math:`d x`).

Indicator ``transforms`` (:mod:`territoria.assess.transforms`: log, log10, reciprocal, power, cap) are
applied to the values first; goalposts are carried onto the transformed scale, so the learned
``ref_min_`` / ``ref_max_`` of a transformed indicator are on that scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess import buffers, kernels
from territoria.assess.base import OneOf, Step, as_frame
from territoria.assess.group_stats import MeanStats
from territoria.assess.spec import NORMALISE_METHODS
from territoria.assess.threads import cuts, each, thread_count
from territoria.assess.transforms import transform_bounds, transform_column
from territoria.errors import DataError, SpecError, coded

__all__ = ["NORMALISE_METHODS", "Extremes", "Normalise", "minmax_columns", "normalise_array"]


def normalise_array(x: np.ndarray, method: str = "minmax", *, direction: np.ndarray | None = None,
                    low: float = 0.0, high: float = 100.0, decimals: int | None = None,
                    ref_min: np.ndarray | None = None, ref_max: np.ndarray | None = None) -> np.ndarray:
    """Normalise a ``(..., n_units, n_indicators)`` array (vectorised; no groups, reference = all rows).

    The array form used by the uncertainty analysis; :class:`Normalise` is the recorded step.
    ``direction`` is a vector of +1/-1 per indicator (default all +1).
    """
    x = np.asarray(x, dtype=float)
    d = np.ones(x.shape[-1]) if direction is None else np.asarray(direction, dtype=float)
    if method == "none":
        return x * d
    if method in ("minmax", "goalposts"):
        lo = None if ref_min is None else np.where(d > 0, ref_min, -np.asarray(ref_max))
        hi = None if ref_max is None else np.where(d > 0, ref_max, -np.asarray(ref_min))
        return kernels.minmax(x * d, low=low, high=high, ref_min=lo, ref_max=hi)
    if method == "zscore":
        return kernels.zscore(x) * d
    if method == "rank":
        return kernels.rank(x * d)
    if method == "percentile_rank":
        p = kernels.percentile_rank(x)
        p = np.where(d > 0, p, 1.0 - p)
        return np.round(p, decimals) if decimals is not None else p
    if method == "distance":
        with np.errstate(all="ignore"):
            ratio = x / np.nanmean(x, axis=-2, keepdims=True)
        return np.where(d > 0, ratio, 2.0 - ratio)
    raise ValueError(f"unknown normalisation method {method!r}; expected one of {NORMALISE_METHODS}")


@dataclass(frozen=True)
class Extremes:
    """Per-column minimum and maximum of the finite values of some rows: exactly mergeable.

    ``merge`` of the extremes of any row partition equals the extremes of the whole (as
    scikit-learn's ``MinMaxScaler.partial_fit`` merges ``data_min_`` / ``data_max_``); NaN when a
    column has no value.
    """

    columns: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> Extremes:
        x = table.to_numpy(dtype=float)
        low, high = np.full(x.shape[1], np.nan), np.full(x.shape[1], np.nan)
        if len(x) and x.shape[1]:
            # np.nanmin / np.nanmax are fmin / fmax reductions over each column (NaN only when the
            # column has no value); done on groups of columns shared between the threads in use
            pieces = min(x.shape[1], 4 * thread_count())
            bounds = cuts(x.shape[1], pieces)

            def piece(k: int) -> None:
                a, b = bounds[k], bounds[k + 1]
                np.fmin.reduce(x[:, a:b], axis=0, out=low[a:b])
                np.fmax.reduce(x[:, a:b], axis=0, out=high[a:b])

            each(piece, pieces, cells=x.size)
        return cls(tuple(map(str, table.columns)), low, high)

    @staticmethod
    def merge(parts: list[Extremes]) -> Extremes:
        low, high = parts[0].low, parts[0].high
        for p in parts[1:]:
            low, high = np.fmin(low, p.low), np.fmax(high, p.high)
        return Extremes(parts[0].columns, low, high)


def minmax_columns(x: np.ndarray, direction: np.ndarray, ref_min: np.ndarray, ref_max: np.ndarray, *,
                   low: float = 0.0, high: float = 100.0, block: int = 16384) -> np.ndarray:
    r"""Min-max of ``d x`` onto ``[low, high]`` with bounds fixed per column, in place on one new array.

    .. math:: y = low + (high - low)\,(d x - m)/(M - m),\quad m, M = \min, \max \text{ of } d x

    (for :math:`d = -1`, :math:`m = -\max x`, :math:`M = -\min x`); a zero range scores the
    midpoint. The same operations in the same order as ``kernels.minmax``, so the same bits. Each
    column is done in blocks of ``block`` rows that stay in cache for the five operations; the columns
    are shared between the threads in use (:mod:`territoria.assess.threads`).
    """
    d = np.asarray(direction, dtype=float)
    lo = np.where(d > 0, ref_min, -np.asarray(ref_max, dtype=float))
    hi = np.where(d > 0, ref_max, -np.asarray(ref_min, dtype=float))
    span = hi - lo
    flat = span == 0
    y = buffers.empty(x.shape)                   # every cell written below, block by block

    def column(j: int) -> None:
        src, col = x[:, j], y[:, j]
        with np.errstate(all="ignore"):         # per thread: NumPy's error state is not inherited
            for start in range(0, x.shape[0], block):
                a, b = src[start:start + block], col[start:start + block]
                if d[j] == 1.0:                 # x * 1.0 is x, bit for bit (NaN included): one pass less
                    np.subtract(a, lo[j], out=b)
                else:
                    np.multiply(a, d[j], out=b)
                    b -= lo[j]
                b /= 1.0 if flat[j] else span[j]
                if flat[j]:
                    b[:] = np.where(np.isnan(a), np.nan, 0.5)
                b *= high - low
                b += low

    each(column, x.shape[1], cells=x.size)
    return y


class Normalise(Step):
    """Normalise every indicator (see the module docstring for the formulas).

    Parameters
    ----------
    method : str, default="minmax"
        One of ``none, minmax, zscore, rank, percentile_rank, distance, goalposts``.
    low, high : float, default=0.0, 100.0
        Target range of ``minmax`` / ``goalposts``.
    decimals : int or None, default=None
        Rounding of ``percentile_rank`` (the SVI uses 4).
    reference : "pooled" or int, default="pooled"
        Rows the parameters are learned on: all rows (fixed goalposts across years) or one year.
    by : str or None, default=None
        Group column for ``distance`` (ratio to the group mean).
    goalposts : dict, default=None
        ``{indicator: (min, max)}`` for ``goalposts``.
    clip : bool, default=False
        Clip ``minmax`` / ``goalposts`` results into ``[low, high]``.
    mean, sd : float, default=0.0, 1.0
        Target mean and standard deviation of ``zscore``.
    transforms : dict or None, default=None
        ``{indicator: {"kind": ..., ...}}`` applied before normalising (spec ``transforms``).

    Attributes
    ----------
    direction_ : pandas.Series
        +1/-1 per indicator used.
    ref_min_, ref_max_ : pandas.Series
        Reference bounds in the original (undirected) units (``minmax``, ``goalposts``).
    ref_mean_, ref_std_ : pandas.Series
        Reference mean and standard deviation (``zscore``, ``distance``).

    Notes
    -----
    Missing values are ignored when fitting and stay missing. A constant indicator scores the
    midpoint under ``minmax`` and 0 under ``zscore``. Ranks and percentile ranks are computed within
    each year (they have no fixed goalposts). ``distance`` with ``by`` takes the group mean of the
    transformed rows themselves: ``transform(table, groups=...)`` receives the group of each row (the
    fitted step keeps no group label).
    """

    family = "normalise"
    method = "normalise"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf(*NORMALISE_METHODS)],
        "low": [float],
        "high": [float],
        "decimals": [int, None],
        "reference": [OneOf("pooled"), int],
        "by": [str, None],
        "goalposts": [dict, None],
        "clip": [bool],
        "mean": [float],
        "sd": [float],
        "transforms": [dict, None],
    }

    reads = ("treated",)
    writes = ("normalised",)

    def __init__(self, *, method: str = "minmax", low: float = 0.0, high: float = 100.0,
                 decimals: int | None = None, reference: str | int = "pooled", by: str | None = None,
                 goalposts: dict[str, tuple[float, float]] | None = None, clip: bool = False,
                 mean: float = 0.0, sd: float = 1.0, transforms: dict[str, dict[str, Any]] | None = None) -> None:
        self.method = method
        self.low = low
        self.high = high
        self.decimals = decimals
        self.reference = reference
        self.by = by
        self.goalposts = goalposts
        self.clip = clip
        self.mean = mean
        self.sd = sd
        self.transforms = transforms

    def transformed(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with the indicator transforms applied (the same table when there are none)."""
        rules = {c: r for c, r in (self.transforms or {}).items() if c in table.columns}
        if not rules:
            return table
        x = table.to_numpy(dtype=float, copy=True)
        for j, c in enumerate(table.columns):
            if c in rules:
                x[:, j] = transform_column(table[c], rules[c])
        return as_frame(x, table.index, table.columns)

    def fit_scope(self) -> str:
        return "stats" if self.method in ("minmax", "zscore", "distance") else "none"

    def transform_scope(self) -> str:
        if self.method in ("rank", "percentile_rank") or (self.method == "distance" and self.by is not None):
            return "columns"
        return "rows"

    def side_inputs(self) -> tuple[str, ...]:
        return ("groups",) if self.method == "distance" and self.by is not None else ()

    def _reference(self, table: pd.DataFrame) -> pd.DataFrame:
        if self.reference == "pooled" or not (isinstance(table.index, pd.MultiIndex)
                                              and "year" in table.index.names):
            return table
        return table[table.index.get_level_values("year") == self.reference]

    def _directions(self, columns: pd.Index, direction: pd.Series | None) -> None:
        if not self.low < self.high:
            raise coded(self.parameter_error("low", f"must be smaller than high={self.high!r}, got {self.low!r}"),
                        "error.run.low_high", low=self.low, high=self.high)
        d = (direction if direction is not None else pd.Series(1.0, index=columns))
        self.direction_ = d.reindex(columns).fillna(1.0).astype(float)

    def partial_stats(self, table: pd.DataFrame, **context: Any) -> Extremes | MeanStats:
        """The mergeable statistics of the reference rows of one partition: ``minmax`` their
        :class:`Extremes`; ``zscore`` / ``distance`` their exact sums and sums of squares
        (:class:`~territoria.assess.group_stats.MeanStats`)."""
        if self.method == "minmax":
            return Extremes.of(self._reference(self.transformed(table)))
        if self.method in ("zscore", "distance"):
            return MeanStats.of(self._reference(self.transformed(table)), squares=True)
        return super().partial_stats(table, **context)

    @staticmethod
    def merge_stats(parts: list[Any]) -> Extremes | MeanStats:
        return type(parts[0]).merge(parts)

    def fit_stats(self, stats: Any, columns: pd.Index, *, direction: pd.Series | None = None,
                  groups: pd.Series | None = None, **_: Any) -> Normalise:
        """Fit ``minmax`` from merged :class:`Extremes`, ``zscore`` / ``distance`` from merged
        :class:`~territoria.assess.group_stats.MeanStats` (the reference rows of every partition)."""
        if self.method not in ("minmax", "zscore", "distance"):
            return super().fit_stats(stats, columns)
        self.begin_fit()
        self._directions(columns, direction)
        if self.method == "minmax":
            self.ref_min_ = pd.Series(stats.low, index=columns)
            self.ref_max_ = pd.Series(stats.high, index=columns)
        else:
            self._moments(stats, columns, groups)
        self.is_fitted_ = True
        return self

    def _moments(self, stats: MeanStats, columns: pd.Index, groups: pd.Series | None) -> None:
        """``ref_mean_`` / ``ref_std_`` from exact sums (the same bits for any split of the rows)."""
        if self.sd <= 0:
            raise coded(self.parameter_error("sd", f"must be positive, got {self.sd!r}"), "error.run.sd_positive",
                        sd=self.sd)
        if self.reference != "pooled" and not stats.rows:
            raise coded(SpecError("normalise.reference", f"reference year {self.reference} is not in the data"),
                        "error.run.reference_year", year=self.reference)
        self.ref_mean_ = pd.Series(stats.means()[0], index=columns)
        self.ref_std_ = pd.Series(stats.stds()[0], index=columns)
        if self.method == "distance":
            zero = self.ref_mean_[self.ref_mean_ == 0]
            if len(zero):
                raise coded(DataError(f"normalise.distance: indicator {zero.index[0]!r} has mean 0 in the "
                                      "reference; a ratio to the mean is undefined. Use minmax or zscore"),
                            "error.run.mean_zero", code=str(zero.index[0]))
        if self.method == "distance" and self.by is not None and groups is None:
            raise coded(SpecError("normalise.by", f"group column {self.by!r} is not in the data"),
                        "error.run.no_groups", column=str(self.by))

    def _fit(self, table: pd.DataFrame, *, direction: pd.Series | None = None,
             groups: pd.Series | None = None, **_: Any) -> None:
        self._directions(table.columns, direction)
        if self.sd <= 0:
            raise coded(self.parameter_error("sd", f"must be positive, got {self.sd!r}"), "error.run.sd_positive",
                        sd=self.sd)
        table = self.transformed(table)
        ref = table
        if self.reference != "pooled":
            if not (isinstance(table.index, pd.MultiIndex) and "year" in table.index.names):
                ref = table
            else:
                ref = table.xs(self.reference, level="year", drop_level=False)
                if ref.empty:
                    raise coded(SpecError("normalise.reference", f"reference year {self.reference} is not in the data"),
                                "error.run.reference_year", year=self.reference)
        if self.method in ("minmax", "goalposts"):
            if self.method == "goalposts":
                gp = self.goalposts or {}
                missing = [c for c in table.columns if c not in gp]
                if missing:
                    raise coded(SpecError(f"normalise.goalposts.{missing[0]}",
                                          f"no goalposts for {missing[0]!r}; give [min, max] for every indicator"),
                                "error.spec_rule.goalposts_lacking", codes=", ".join(missing))
                rules = self.transforms or {}
                bounds = {c: transform_bounds(gp[c][0], gp[c][1], rules.get(c)) for c in table.columns}
                self.ref_min_ = pd.Series({c: b[0] for c, b in bounds.items()}, dtype=float)
                self.ref_max_ = pd.Series({c: b[1] for c, b in bounds.items()}, dtype=float)
            else:
                ext = Extremes.of(ref)
                self.ref_min_ = pd.Series(ext.low, index=table.columns)
                self.ref_max_ = pd.Series(ext.high, index=table.columns)
        if self.method in ("zscore", "distance"):
            # exact sums through the partial's code: the Dask engine merges the same integers
            self._moments(MeanStats.of(ref, squares=True), table.columns, groups)
        if self.method == "distance" and self.by is not None and groups is None:
            raise coded(SpecError("normalise.by", f"group column {self.by!r} is not in the data"),
                        "error.run.no_groups", column=str(self.by))

    def _transform(self, table: pd.DataFrame, *, groups: pd.Series | None = None) -> pd.DataFrame:
        table = self.transformed(table)
        x = table.to_numpy(dtype=float)
        d = self.direction_.to_numpy()
        m = self.method
        if m in ("minmax", "goalposts"):
            y = minmax_columns(x, d, self.ref_min_.to_numpy(dtype=float), self.ref_max_.to_numpy(dtype=float),
                               low=float(self.low), high=float(self.high))
            if self.clip:
                y = np.clip(y, self.low, self.high)
        elif m == "zscore":
            y = kernels.zscore(x, mean=self.ref_mean_.to_numpy(), std=self.ref_std_.to_numpy()) * d
            if (self.mean, self.sd) != (0.0, 1.0):
                y = y * float(self.sd) + float(self.mean)
        elif m == "distance" and self.by is not None:
            if groups is None:
                raise coded(SpecError("normalise.by", f"group column {self.by!r}: no group labels were given for "
                                                      "the rows (groups=)"), "error.run.no_groups", column=str(self.by))
            means = table.groupby(groups.reindex(table.index)).transform("mean").to_numpy()
            ratio = x / means
            y = np.where(d > 0, ratio, 2.0 - ratio)
        elif m == "distance":
            ratio = x / self.ref_mean_.to_numpy()
            y = np.where(d > 0, ratio, 2.0 - ratio)
        elif m in ("rank", "percentile_rank"):
            y = np.full_like(x, np.nan)
            for rows in _year_rows(table):
                y[rows] = normalise_array(x[rows], m, direction=d, decimals=self.decimals)
        else:
            y = x * d
        return as_frame(y, table.index, table.columns)


def _year_rows(table: pd.DataFrame) -> list[np.ndarray]:
    if isinstance(table.index, pd.MultiIndex) and "year" in table.index.names:
        years = table.index.get_level_values("year")
        return [np.flatnonzero(years == y) for y in pd.unique(years)]
    return [np.arange(len(table))]

r"""Outlier treatment: COINr-style winsorisation driven by skewness and kurtosis, or a log transform.

An indicator *passes* when :math:`|g_1| < s_{max}` or :math:`g_2 < k_{max}`, with :math:`g_1` the
bias-adjusted sample skewness and :math:`g_2` the bias-adjusted excess kurtosis (pandas ``skew`` /
``kurt``); defaults :math:`s_{max} = 2`, :math:`k_{max} = 3.5` (OECD/JRC Handbook; COINr).

Winsorisation: while the indicator fails, if :math:`g_1 \ge 0` every value equal to the current
maximum is replaced by the largest remaining value (otherwise the minimum side likewise), and the
test is repeated. If more than ``winmax`` points would have to be capped, winsorisation is
abandoned and the fallback applies: ``log`` gives
:math:`\log(x - \min x + 0.01 (\max x - \min x))` of the untreated values (``none`` leaves them).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import Interval, OneOf, Step, StepReport, as_frame
from territoria.assess.spec import TREAT_METHODS

__all__ = ["Treat", "passes", "winsorise_column"]


def _moments(v: np.ndarray) -> tuple[float, float]:
    """Bias-adjusted sample skewness and excess kurtosis of finite values, as pandas computes them.

    :math:`G_1 = \\sqrt{n(n-1)}/(n-2)\\, m_3/m_2^{3/2}` and
    :math:`G_2 = (n-1)/((n-2)(n-3))\\,((n+1)(m_4/m_2^2 - 3) + 6)`; NaN below 3 (4) values, 0 for a
    constant.
    """
    n = v.size
    if n < 3:
        return np.nan, np.nan
    d = v - v.mean()
    d2 = d * d
    m2 = d2.mean()
    if m2 <= 1e-14 * max(1.0, float(np.abs(v).max()) ** 2):
        return 0.0, (0.0 if n >= 4 else np.nan)
    m3, m4 = (d2 * d).mean(), (d2 * d2).mean()
    g1 = np.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / m2**1.5
    if n < 4:
        return float(g1), np.nan
    g2 = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * (m4 / m2**2 - 3.0) + 6.0)
    return float(g1), float(g2)


def passes(x: pd.Series | np.ndarray, *, skew: float = 2.0, kurt: float = 3.5) -> bool:
    """True when ``|skewness| < skew`` or ``excess kurtosis < kurt`` (NaN statistics pass)."""
    v = np.asarray(x, dtype=float)
    g1, g2 = _moments(v[np.isfinite(v)])
    if np.isnan(g1) or np.isnan(g2):
        return True
    return bool(abs(g1) < skew or g2 < kurt)


def winsorise_column(x: pd.Series, *, skew: float = 2.0, kurt: float = 3.5,
                     winmax: int = 5) -> tuple[pd.Series, int, int, bool]:
    """Winsorise one indicator; returns (values, n_low, n_high, passed).

    Each round caps the side the skewness points to at the next distinct value, so after *k* rounds
    on the high side the values are clipped at the (*k*+1)-th largest distinct value.
    """
    original = x.to_numpy(dtype=float)
    present = original[np.isfinite(original)]
    distinct = np.unique(present)
    lo_at, hi_at = 0, distinct.size - 1
    values = present.copy()
    while not passes(values, skew=skew, kurt=kurt):
        if hi_at - lo_at + 1 < 3:
            break
        if _moments(values)[0] >= 0:
            hi_at -= 1
        else:
            lo_at += 1
        values = np.clip(present, distinct[lo_at], distinct[hi_at])
        n_low, n_high = int((present < distinct[lo_at]).sum()), int((present > distinct[hi_at]).sum())
        if n_low + n_high > winmax:
            return x.astype(float), 0, 0, False
    if distinct.size == 0:
        return x.astype(float), 0, 0, True
    floor, cap = distinct[lo_at], distinct[hi_at]
    capped = pd.Series(np.where(np.isfinite(original), np.clip(original, floor, cap), np.nan), index=x.index)
    n_low, n_high = int((present < floor).sum()), int((present > cap).sum())
    return capped, n_low, n_high, passes(values, skew=skew, kurt=kurt)


class Treat(Step):
    """Treat outliers per indicator (see the module docstring for the rule).

    Parameters
    ----------
    method : {"none", "winsorise", "log"}, default="none"
        ``log`` applies the shifted log to every indicator that fails the test.
    skew, kurt : float, default=2.0, 3.5
        Thresholds of the test.
    winmax : int, default=5
        Most points that may be capped per indicator before the fallback.
    fallback : {"log", "none"}, default="log"
    exclude : list of str, default=()
        Indicators left untreated.

    Attributes
    ----------
    summary_ : dict
        Per indicator: ``{"action": "none"|"winsorised"|"log"|"failed", "low": n, "high": n}``.

    Notes
    -----
    Missing values are ignored by the test and stay missing. The test is run on all rows (pooled over
    years when several). :meth:`apply` also writes the ``treated_mask`` stage; :meth:`report`
    counts the changed cells. The test statistics come from power sums accumulated in one blocked
    pass (:func:`column_moments`); winsorisation needs only the ``winmax + 2`` most extreme values
    of a failing indicator. A distributed backend fits on whole columns (``fit_scope``).
    References: OECD & JRC (2008) Handbook, step 3; Becker et al. (2022) COINr.
    """

    family = "treat"
    method = "treat"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf(*TREAT_METHODS)],
        "skew": [Interval(float, 0, None, "right")],
        "kurt": [Interval(float, 0, None, "right")],
        "winmax": [Interval(int, 0, None)],
        "fallback": [OneOf("log", "none")],
        "exclude": [list, tuple],
    }

    reads = ("imputed",)
    writes = ("treated", "treated_mask")

    def __init__(self, *, method: str = "none", skew: float = 2.0, kurt: float = 3.5, winmax: int = 5,
                 fallback: str = "log", exclude: list[str] | tuple[str, ...] = ()) -> None:
        self.method = method
        self.skew = skew
        self.kurt = kurt
        self.winmax = winmax
        self.fallback = fallback
        self.exclude = exclude

    def fit_scope(self) -> str:
        return "none" if self.method == "none" else "columns"

    def _fit(self, table: pd.DataFrame, **_: Any) -> None:
        self.summary_ = {}
        x = table.to_numpy(dtype=float)
        todo = [j for j, c in enumerate(table.columns) if self.method != "none" and c not in self.exclude]
        sums, tails = (_column_pass(x if len(todo) == x.shape[1] else x[:, todo]) if todo else (None, None))
        tests = _g1_g2(*sums) if sums is not None else np.empty((0, 2))
        for j, code in enumerate(table.columns):
            entry: dict[str, Any] = {"action": "none", "low": 0, "high": 0}
            if j in todo:
                g1, g2 = tests[todo.index(j)]
                if not (np.isnan(g1) or np.isnan(g2) or abs(g1) < self.skew or g2 < self.kurt):
                    col, i = x[:, j], todo.index(j)
                    if self.method == "winsorise":
                        lo_v, hi_v, lo, hi, ok = _winsorise_bounds(
                            col, (sums[0][i], sums[1][:, i], sums[2][i], sums[3][i]),
                            skew=self.skew, kurt=self.kurt, winmax=self.winmax, tails=tails.of(i))
                        entry = {"action": "winsorised" if ok else "failed", "low": lo, "high": hi,
                                 "floor": lo_v, "cap": hi_v}
                    if self.method == "log" or (entry["action"] == "failed" and self.fallback == "log"):
                        lo_c, hi_c = ((entry["floor"], entry["cap"]) if entry["action"] == "failed"
                                      else tails.of(i).range())
                        entry = {"action": "log", "low": 0, "high": 0, "min": lo_c, "range": float(hi_c - lo_c)}
            self.summary_[str(code)] = entry

    def _changed(self, table: pd.DataFrame) -> list[int]:
        return [j for j, code in enumerate(table.columns)
                if self.summary_.get(str(code), {"action": "none"})["action"] in ("winsorised", "log")]

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:
        if not self._changed(table):
            return table
        return as_frame(self._treated(table, with_mask=False)[0], table.index, table.columns)

    def _treated(self, table: pd.DataFrame, *, with_mask: bool,
                 block: int = 16384) -> tuple[np.ndarray, np.ndarray | None]:
        """The treated values and (``with_mask``) where a cell changed, in one pass over blocks of rows
        of each column: the new values are compared with the old while both are still in cache."""
        x = table.to_numpy(dtype=float)
        out = np.empty(x.shape, order="F")
        mask = np.zeros(x.shape, dtype=bool, order="F") if with_mask else None
        changed = set(self._changed(table))
        for j, code in enumerate(table.columns):
            if j not in changed:
                out[:, j] = x[:, j]
                continue
            entry = self.summary_[str(code)]
            src, col = x[:, j], out[:, j]
            for start in range(0, x.shape[0], block):
                a, b = src[start:start + block], col[start:start + block]
                if entry["action"] == "winsorised":
                    np.clip(a, entry["floor"], entry["cap"], out=b)
                else:       # log(x - min + 0.01 range), the operations in that order
                    np.subtract(a, entry["min"], out=b)
                    b += 0.01 * entry["range"]
                    np.log(b, out=b)
                if mask is not None:
                    m = mask[start:start + block, j]
                    np.not_equal(a, b, out=m)
                    if np.isnan(np.add.reduce(b)):      # a NaN left (NaN in and NaN out is no change)
                        m &= ~(np.isnan(b) & np.isnan(a))
        return out, mask

    def apply(self, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The treated table and the ``treated_mask`` (True where a cell changed)."""
        if not getattr(self, "is_fitted_", False) or not self._changed(table):
            out = self.transform(table)                 # the not-fitted error, or the table unchanged
            return {"treated": out,
                    "treated_mask": as_frame(np.zeros(table.shape, dtype=bool), table.index, table.columns)}
        out, mask = self._treated(table, with_mask=True)
        return {"treated": as_frame(out, table.index, table.columns),
                "treated_mask": as_frame(mask, table.index, table.columns)}

    def report(self, before: pd.DataFrame, written: Mapping[str, pd.DataFrame]) -> StepReport:
        return StepReport(cells_changed=int(np.count_nonzero(written["treated_mask"].to_numpy())))


def column_moments(x: np.ndarray, *, block: int = 8192) -> np.ndarray:
    r"""Bias-adjusted skewness and excess kurtosis of every column of ``x`` (finite values only):
    an ``(n_columns, 2)`` array from :func:`column_sums`, :math:`G_1, G_2` as in :func:`passes`."""
    return _g1_g2(*column_sums(x, block=block))


def column_sums(x: np.ndarray, *,
                block: int = 8192) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Count :math:`n`, mean :math:`c`, power sums :math:`A_k = \sum (x - c)^k` (:math:`k = 1..4`,
    rows of a ``(5, n_columns)`` array) and largest magnitude of the finite values of each column, in
    one pass over blocks of rows that stay in cache."""
    return _column_pass(x, block=block)[0]


@dataclass(frozen=True)
class BlockTails:
    """Largest and smallest value (NaN ignored, infinities kept) of each ``block``-row block of the
    columns of a table (``(n_blocks, n_columns)``): where a column's extreme values can be."""

    high: np.ndarray
    low: np.ndarray
    block: int

    def of(self, j: int) -> ColumnTails:
        return ColumnTails(self.high[:, j], self.low[:, j], self.block)


@dataclass(frozen=True)
class ColumnTails:
    """:class:`BlockTails` of one column."""

    high: np.ndarray
    low: np.ndarray
    block: int

    def range(self) -> tuple[float, float]:
        """The column's minimum and maximum (``np.nanmin`` / ``np.nanmax``) from the blocks'."""
        return float(np.fmin.reduce(self.low)), float(np.fmax.reduce(self.high))

    def extremes(self, col: np.ndarray, k: int, *, top: bool) -> tuple[np.ndarray, np.ndarray] | None:
        r""":func:`_extremes` read from the few blocks that can hold them: the ``k``-th largest block
        maximum :math:`t` is at most the ``k``-th largest value (``k`` blocks each hold a value
        :math:`\ge t`), so every candidate lies in a block whose maximum is :math:`\ge t`. None when
        fewer than ``k`` blocks have a value."""
        ends = self.high if top else self.low
        known = np.flatnonzero(~np.isnan(ends))
        if known.size < k:
            return None
        vals = ends[known]
        t = np.partition(vals, vals.size - k)[vals.size - k] if top else np.partition(vals, k - 1)[k - 1]
        at = known[vals >= t] if top else known[vals <= t]
        b = self.block
        cand = np.concatenate([col[i * b:(i + 1) * b] for i in at])
        cand = cand[cand >= t] if top else cand[cand <= t]
        if top:
            best = np.sort(np.partition(cand, cand.size - k)[cand.size - k:])[::-1]
            return best, cand[cand >= best[-1]]
        best = np.sort(np.partition(cand, k - 1)[:k])
        return best, cand[cand <= best[-1]]


def _column_pass(x: np.ndarray, *, block: int = 8192
                 ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], BlockTails]:
    """:func:`column_sums` and the :class:`BlockTails` of the same blocks (read while they are in cache)."""
    xt = x.T                                    # column-major tables: each column a contiguous row
    n = np.zeros(xt.shape[0])
    total = np.zeros(xt.shape[0])
    big = np.zeros(xt.shape[0])
    n_blocks = -(-xt.shape[1] // block)
    high, low = np.empty((n_blocks, xt.shape[0])), np.empty((n_blocks, xt.shape[0]))
    whole = []                                  # per block: no NaN or infinity (no masking needed)
    for b, start in enumerate(range(0, xt.shape[1], block)):
        part = xt[:, start:start + block]
        sums = part.sum(axis=1)             # finite sums: no NaN or infinity in the block (no mask pass)
        whole.append(bool(np.isfinite(sums).all()))
        if whole[-1]:
            n += part.shape[1]
            total += sums
            part.max(axis=1, out=high[b])
            part.min(axis=1, out=low[b])
            top = np.maximum(np.maximum(high[b], 0.0), -np.minimum(low[b], 0.0))
        else:
            finite = np.isfinite(part)
            clean = np.where(finite, part, 0.0)
            n += finite.sum(axis=1)
            total += clean.sum(axis=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)     # a block of a column may hold only NaN
                np.fmax.reduce(part, axis=1, out=high[b])
                np.fmin.reduce(part, axis=1, out=low[b])
            top = np.maximum(clean.max(axis=1, initial=0.0), -clean.min(axis=1, initial=0.0))
        big = np.maximum(big, top)
    with np.errstate(all="ignore"):
        c = np.where(n > 0, total / n, 0.0)
        acc = np.zeros((5, xt.shape[0]))
        for b, start in enumerate(range(0, xt.shape[1], block)):
            part = xt[:, start:start + block]
            d = part - c[:, None]
            if not whole[b]:
                d[~np.isfinite(part)] = 0.0
            d2 = d * d
            acc[1] += d.sum(axis=1)
            acc[2] += d2.sum(axis=1)
            d2 *= d
            acc[3] += d2.sum(axis=1)
            d2 *= d
            acc[4] += d2.sum(axis=1)
        return (n, acc, c, big), BlockTails(high, low, block)


def _g1_g2(n: np.ndarray, acc: np.ndarray, c: np.ndarray, big: np.ndarray) -> np.ndarray:
    out = np.full((n.size, 2), np.nan)
    with np.errstate(all="ignore"):
        e = acc[1] / n
        m2 = acc[2] / n - e * e
        m3 = acc[3] / n - 3 * e * acc[2] / n + 2 * e**3
        m4 = acc[4] / n - 4 * e * acc[3] / n + 6 * e * e * acc[2] / n - 3 * e**4
        g1 = np.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / m2**1.5
        g2 = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * (m4 / m2**2 - 3.0) + 6.0)
    flat = m2 <= 1e-14 * np.maximum(1.0, big) ** 2
    out[:, 0] = np.where(n < 3, np.nan, np.where(flat, 0.0, g1))
    out[:, 1] = np.where(n < 4, np.nan, np.where(flat, 0.0, g2))
    return out


def _extremes(col: np.ndarray, k: int, *, top: bool) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest (``top``) or smallest finite values, most extreme first, and every value at
    least as extreme as the k-th (the candidates): a threshold from a strided sample keeps the
    partition to a few candidates. NaN never passes a comparison."""
    step = max(1, col.size // 4096)
    sample = col[::step]
    sample = sample[np.isfinite(sample)]
    m = min(sample.size, 8)
    cand = np.empty(0)
    if m:
        cut = np.partition(sample, sample.size - m)[sample.size - m] if top else np.partition(sample, m - 1)[m - 1]
        cand = col[col >= cut] if top else col[col <= cut]
    if cand.size < k:
        cand = col[np.isfinite(col)]
    if top:
        best = np.sort(np.partition(cand, cand.size - k)[cand.size - k:])[::-1]
        return best, cand[cand >= best[-1]]
    best = np.sort(np.partition(cand, k - 1)[:k])
    return best, cand[cand <= best[-1]]


def _winsorise_bounds(col: np.ndarray, sums: tuple[float, np.ndarray, float, float], *, skew: float,
                      kurt: float, winmax: int,
                      tails: ColumnTails | None = None) -> tuple[float, float, int, int, bool]:
    """(floor, cap, n_low, n_high, passed) of :func:`winsorise_column` from the extreme values only.

    The power sums about the mean are updated for the few capped points instead of recomputed; a
    column too short or with too few distinct values goes to :func:`winsorise_column` itself.
    A failed column gives its minimum and maximum as floor and cap (the bounds of the log fallback).
    """
    k = winmax + 2
    n = int(sums[0])
    if n <= 4 * k + 4:
        return _exact_bounds(col, skew=skew, kurt=kurt, winmax=winmax)
    found = [tails.extremes(col, k, top=side) if tails is not None else None for side in (False, True)]
    (bottom, below), (top, above) = (f if f is not None else _extremes(col, k, top=side)
                                     for f, side in zip(found, (False, True), strict=True))
    if not (np.isfinite(bottom[0]) and np.isfinite(top[0])) or bottom[-1] >= top[-1] \
            or n - below.size - above.size <= 0:          # no value strictly between the two tails
        return _exact_bounds(col, skew=skew, kurt=kurt, winmax=winmax)
    _, base, c, big = sums
    hi_vals, hi_counts = np.unique(top, return_counts=True)
    hi_vals, hi_counts = hi_vals[::-1], hi_counts[::-1]
    lo_vals, lo_counts = np.unique(bottom, return_counts=True)
    hi_at = lo_at = 0            # positions among the distinct extreme values (0 = the extreme itself)

    def stats() -> np.ndarray:
        acc = base.copy()
        for vals, counts, at in ((hi_vals, hi_counts, hi_at), (lo_vals, lo_counts, lo_at)):
            if at:
                moved = vals[:at] - c
                to = vals[at] - c
                m = counts[:at]
                for p in (1, 2, 3, 4):
                    acc[p] += float(m.sum()) * to**p - float((m * moved**p).sum())
        return _g1_g2(np.array([float(n)]), acc[:, None], np.array([c]), np.array([big]))[0]

    def ok(g: np.ndarray) -> bool:
        return bool(np.isnan(g[0]) or np.isnan(g[1]) or abs(g[0]) < skew or g[1] < kurt)

    g = stats()
    while not ok(g):
        if g[0] >= 0:
            hi_at += 1
        else:
            lo_at += 1
        if hi_at >= hi_vals.size or lo_at >= lo_vals.size:
            return float(lo_vals[0]), float(hi_vals[0]), 0, 0, False
        n_low, n_high = int(lo_counts[:lo_at].sum()), int(hi_counts[:hi_at].sum())
        if n_low + n_high > winmax:
            return float(lo_vals[0]), float(hi_vals[0]), 0, 0, False
        g = stats()
    return (float(lo_vals[lo_at]), float(hi_vals[hi_at]), int(lo_counts[:lo_at].sum()),
            int(hi_counts[:hi_at].sum()), True)


def _exact_bounds(col: np.ndarray, *, skew: float, kurt: float, winmax: int) -> tuple[float, float, int, int, bool]:
    new, lo, hi, ok = winsorise_column(pd.Series(col), skew=skew, kurt=kurt, winmax=winmax)
    return float(new.min()), float(new.max()), lo, hi, ok

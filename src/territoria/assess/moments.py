r"""Skewness and kurtosis of indicator columns from power sums, and the extreme values of a column.

The outlier test of :mod:`territoria.assess.treat` (bias-adjusted sample skewness :math:`G_1` and
excess kurtosis :math:`G_2`, as pandas computes them) read in one blocked pass over the columns
(:func:`column_pass`), and COINr's winsorisation of one column (:func:`winsorise_column`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territoria.assess.threads import cuts, each, thread_count

__all__ = ["BlockTails", "ColumnTails", "column_moments", "column_pass", "column_sums", "passes", "skew_kurt",
           "skew_kurt_one", "tail_values", "winsorise_column"]

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


def column_moments(x: np.ndarray, *, block: int = 8192) -> np.ndarray:
    r"""Bias-adjusted skewness and excess kurtosis of every column of ``x`` (finite values only):
    an ``(n_columns, 2)`` array from :func:`column_sums`, :math:`G_1, G_2` as in :func:`passes`."""
    return skew_kurt(*column_sums(x, block=block))


def column_sums(x: np.ndarray, *,
                block: int = 8192) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Count :math:`n`, mean :math:`c`, power sums :math:`A_k = \sum (x - c)^k` (:math:`k = 1..4`,
    rows of a ``(5, n_columns)`` array) and largest magnitude of the finite values of each column, in
    one pass over blocks of rows that stay in cache."""
    return column_pass(x, block=block)[0]


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
        r"""The ``k`` most extreme values, most extreme first, and every value as extreme as the
        ``k``-th (the candidates), read from the few blocks that can hold them: the ``k``-th largest block
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


def column_pass(x: np.ndarray, *, block: int = 8192
                ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], BlockTails]:
    """:func:`column_sums` and the :class:`BlockTails` of the same blocks (read while they are in cache).

    With several threads (:mod:`territoria.assess.threads`) groups of columns run side by side; each
    column's sums are the same bits either way (a column's blocks are reduced on their own).
    """
    pieces = min(thread_count(), x.shape[1])
    if pieces <= 1:
        return _column_pass(x, block=block)
    at = cuts(x.shape[1], pieces)
    parts = each(lambda i: _column_pass(x[:, at[i]:at[i + 1]], block=block), pieces, cells=x.size)
    tails = parts[0][1]
    joined = [np.concatenate([p[0][k] for p in parts], axis=-1) for k in range(4)]
    high = np.concatenate([p[1].high for p in parts], axis=1)
    low = np.concatenate([p[1].low for p in parts], axis=1)
    return (joined[0], joined[1], joined[2], joined[3]), BlockTails(high, low, tails.block)


def _column_pass(x: np.ndarray, *, block: int
                 ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], BlockTails]:
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
    # the powers of each block in two scratch buffers, reused block after block (no allocation per block)
    width = min(block, xt.shape[1])
    d_buf, p_buf = np.empty((xt.shape[0], width)), np.empty((xt.shape[0], width))
    with np.errstate(all="ignore"):
        c = np.where(n > 0, total / n, 0.0)
        acc = np.zeros((5, xt.shape[0]))
        shift = c[:, None]
        for b, start in enumerate(range(0, xt.shape[1], block)):
            part = xt[:, start:start + block]
            d, d2 = d_buf[:, :part.shape[1]], p_buf[:, :part.shape[1]]
            np.subtract(part, shift, out=d)
            if not whole[b]:
                d[~np.isfinite(part)] = 0.0
            np.multiply(d, d, out=d2)
            acc[1] += d.sum(axis=1)
            acc[2] += d2.sum(axis=1)
            d2 *= d
            acc[3] += d2.sum(axis=1)
            d2 *= d
            acc[4] += d2.sum(axis=1)
        return (n, acc, c, big), BlockTails(high, low, block)


def skew_kurt(n: np.ndarray, acc: np.ndarray, c: np.ndarray, big: np.ndarray) -> np.ndarray:
    r"""``(n_columns, 2)``: :math:`G_1, G_2` from counts ``n``, power sums ``acc[k]`` about shifts ``c``
    (:math:`k = 1..4`) and largest magnitudes ``big`` (what :func:`column_sums` gives); NaN below 3 (4)
    values, 0 for a column whose spread is at rounding level."""
    out = np.full((n.size, 2), np.nan)
    # Products and sqrt rather than ``**3`` and ``**1.5``: NumPy's SIMD ``power`` (SVML on AVX-512) is not
    # libm's, so only correctly rounded operations give these bits on every machine and in skew_kurt_one.
    with np.errstate(all="ignore"):
        e = acc[1] / n
        m2 = acc[2] / n - e * e
        m3 = acc[3] / n - 3 * e * acc[2] / n + 2 * (e * e * e)
        m4 = acc[4] / n - 4 * e * acc[3] / n + 6 * e * e * acc[2] / n - 3 * ((e * e) * (e * e))
        g1 = np.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / (m2 * np.sqrt(m2))
        g2 = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * (m4 / m2**2 - 3.0) + 6.0)
    flat = m2 <= 1e-14 * np.maximum(1.0, big) ** 2
    out[:, 0] = np.where(n < 3, np.nan, np.where(flat, 0.0, g1))
    out[:, 1] = np.where(n < 4, np.nan, np.where(flat, 0.0, g2))
    return out


def skew_kurt_one(n: float, acc: Sequence[float] | np.ndarray, c: float, big: float) -> tuple[float, float]:
    """:func:`skew_kurt` of one column, in Python floats: the same operations in the same order (so the
    same bits: only IEEE arithmetic and ``sqrt``, correctly rounded on every machine), without the cost of NumPy calls
    on one-element arrays, for the winsorisation loop that tests a column again after each cap."""
    if n < 3:
        return np.nan, np.nan
    a1, a2, a3, a4 = float(acc[1]), float(acc[2]), float(acc[3]), float(acc[4])
    try:
        e = a1 / n
        m2 = a2 / n - e * e
        limit = big if (big > 1.0 or big != big) else 1.0
        if m2 <= 1e-14 * (limit * limit):
            return 0.0, (0.0 if n >= 4 else np.nan)
        m3 = a3 / n - 3 * e * a2 / n + 2 * (e * e * e)
        g1 = math.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / (m2 * math.sqrt(m2))
        if n < 4:
            return g1, np.nan
        m4 = a4 / n - 4 * e * a3 / n + 6 * e * e * a2 / n - 3 * ((e * e) * (e * e))
        g2 = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * (m4 / (m2 * m2) - 3.0) + 6.0)
    except (OverflowError, ZeroDivisionError, ValueError):     # NumPy's inf / NaN: take its path
        g = skew_kurt(np.array([n]), np.asarray(acc, dtype=float)[:, None], np.array([c]), np.array([big]))[0]
        return float(g[0]), float(g[1])
    return g1, g2


def tail_values(col: np.ndarray, k: int, *, top: bool, tails: ColumnTails | None = None) -> np.ndarray:
    """Every finite value of ``col`` at least as extreme as its ``k``-th largest (``top``) or smallest
    finite value, in no order (all finite values when there are at most ``k``); ``tails``: the
    column's :class:`ColumnTails`, to read only the blocks that can hold them."""
    found = tails.extremes(col, k, top=top) if tails is not None and k > 0 else None
    if found is not None and np.isfinite(found[0]).all():
        return found[1]
    v = col[np.isfinite(col)]
    if v.size <= k:
        return v
    if top:
        return v[v >= np.partition(v, v.size - k)[v.size - k]]
    return v[v <= np.partition(v, k - 1)[k - 1]]

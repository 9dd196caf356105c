r"""Mergeable per-group statistics of columns: exact means and standard deviations in one pass, exact
medians in two small rounds, from row partitions that are never gathered.

* :class:`MeanStats` — per key (year, group) and column: the count of non-missing values, the exact
  sums of the finite values and of their squares (:mod:`territoria.assess.exact_sum`) and the counts
  of infinities. Merging adds them, so a mean or standard deviation is the same, bit for bit, for any
  split of the rows; it is rounded once.
* Medians: one bounded summary cannot give an exact median, so two rounds. Round 1
  (:class:`MedianSample`): each partition gives, per key and column, its count and at most
  :data:`SAMPLE` order statistics (its minimum and maximum among them). The client brackets the
  median's rank between two sampled values (:func:`median_brackets`): with a sampled value :math:`s`
  at rank :math:`r` of a partition, that partition has at most :math:`r` values below :math:`s`
  and at least :math:`r + 1` values up to :math:`s`. Round 2 (:class:`MedianInside`): each partition
  gives its count below the lower bracket and its values inside the bracket (about
  ``2 * rows / SAMPLE`` per partition); the client picks the exact order statistics
  (:func:`median_values`). The value equals ``numpy.nanmedian`` bit for bit (the mean of the two middle
  values of an even count is ``(a + b) / 2``).

Keys are tuples of the row's key values (NaN turned into None, so that partitions agree on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territoria.assess.exact_sum import exact_mean, exact_std, exact_sums

__all__ = ["SAMPLE", "MeanStats", "MedianInside", "MedianSample", "key_frame", "median_brackets",
           "median_values", "row_keys"]

#: Order statistics each partition gives per key and column in round 1 of a median.
SAMPLE = 256


def row_keys(keys: Sequence[pd.Series], n_rows: int) -> tuple[np.ndarray, list[tuple]]:
    """Each row's key position and the keys (tuples; NaN as None); one key ``()`` without keys."""
    if not keys:
        return np.zeros(n_rows, dtype=np.intp), [()]
    index = pd.MultiIndex.from_arrays([pd.Index(k) for k in keys])
    codes, uniques = pd.factorize(index, use_na_sentinel=False)
    return codes.astype(np.intp), [tuple(None if _missing(v) else v for v in u) for u in uniques]


def _names(keys: Sequence[pd.Series]) -> tuple[str, ...]:
    return tuple(str(k.name) for k in keys)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def key_frame(values: np.ndarray, keys: list[tuple], names: Sequence[str],
              columns: pd.Index) -> pd.DataFrame | pd.Series:
    """Statistics per key as pandas' ``groupby(...).agg`` gives them (keys sorted, NaN keys last): a
    Series over ``columns`` without keys."""
    if not names:
        return pd.Series(values[0], index=columns)
    back = [tuple(np.nan if v is None else v for v in k) for k in keys]
    index = (pd.MultiIndex.from_tuples(back, names=list(names)) if len(names) > 1
             else pd.Index([k[0] for k in back], name=names[0]))
    return pd.DataFrame(values, index=index, columns=columns).sort_index(na_position="last")


def _merge_keys(parts: Sequence[MeanStats | MedianSample | MedianInside]) -> tuple[list[tuple], list[np.ndarray]]:
    """The keys of all parts (first seen first) and, per part, where its keys are among them."""
    at: dict[tuple, int] = {}
    where = []
    for p in parts:
        where.append(np.array([at.setdefault(k, len(at)) for k in p.keys], dtype=np.intp))
    return list(at), where


@dataclass(frozen=True)
class MeanStats:
    """Exact sums per key and column (module docstring); ``squares`` only when a deviation is wanted."""

    columns: tuple[str, ...]
    names: tuple[str, ...]
    keys: list[tuple]
    rows: int
    count: np.ndarray
    total: np.ndarray
    squares: np.ndarray | None
    pos_inf: np.ndarray
    neg_inf: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame, keys: Sequence[pd.Series] = (), *, squares: bool = False) -> MeanStats:
        x = table.to_numpy(dtype=float)
        codes, uniques = row_keys(keys, len(x))
        g = len(uniques)

        def counted(mask: np.ndarray) -> np.ndarray:
            return np.stack([np.bincount(codes[mask[:, j]], minlength=g) for j in range(x.shape[1])], axis=1) \
                if x.shape[1] else np.zeros((g, 0), dtype=np.int64)

        with np.errstate(invalid="ignore"):
            count, pos, neg = counted(~np.isnan(x)), counted(x == np.inf), counted(x == -np.inf)
        sq = exact_sums(x, codes, g, squares=True) if squares else None
        return cls(tuple(map(str, table.columns)), _names(keys), uniques, len(x), count, exact_sums(x, codes, g), sq,
                   pos, neg)

    @staticmethod
    def merge(parts: list[MeanStats]) -> MeanStats:
        keys, where = _merge_keys(parts)
        m = len(parts[0].columns)
        count, pos, neg = (np.zeros((len(keys), m), dtype=np.int64) for _ in range(3))
        total = np.zeros((len(keys), m), dtype=object)
        sq = None if parts[0].squares is None else np.zeros((len(keys), m), dtype=object)
        for p, w in zip(parts, where, strict=True):
            count[w] += p.count
            pos[w] += p.pos_inf
            neg[w] += p.neg_inf
            total[w] += p.total
            if sq is not None:
                sq[w] += p.squares
        return MeanStats(parts[0].columns, parts[0].names, keys, sum(p.rows for p in parts), count, total, sq, pos, neg)

    def means(self) -> np.ndarray:
        """``(n_keys, n_columns)``: the mean of the non-missing values (an infinity wins; both: NaN)."""
        out = np.empty(self.count.shape)
        for (g, j), n in np.ndenumerate(self.count):
            pos, neg = int(self.pos_inf[g, j]), int(self.neg_inf[g, j])
            out[g, j] = _infinite(pos, neg) if pos or neg else exact_mean(self.total[g, j], int(n))
        return out

    def stds(self) -> np.ndarray:
        """``(n_keys, n_columns)``: the sample standard deviation (``ddof=1``; NaN with an infinity)."""
        if self.squares is None:
            raise ValueError("MeanStats.stds: the statistics were taken without squares (squares=True)")
        out = np.empty(self.count.shape)
        for (g, j), n in np.ndenumerate(self.count):
            out[g, j] = (np.nan if self.pos_inf[g, j] or self.neg_inf[g, j]
                         else exact_std(self.total[g, j], self.squares[g, j], int(n)))
        return out


def _infinite(pos: int, neg: int) -> float:
    return np.nan if pos and neg else (np.inf if pos else -np.inf)


@dataclass(frozen=True)
class MedianSample:
    """Round 1 of a median: per key and column, the count of non-missing values and the ranks and
    values of at most :data:`SAMPLE` order statistics (``samples[g][j] = (ranks, values)``); merged,
    the list of every part's samples."""

    columns: tuple[str, ...]
    names: tuple[str, ...]
    keys: list[tuple]
    count: np.ndarray
    samples: list[list[list[tuple[np.ndarray, np.ndarray]]]]

    @classmethod
    def of(cls, table: pd.DataFrame, keys: Sequence[pd.Series] = ()) -> MedianSample:
        x = table.to_numpy(dtype=float)
        codes, uniques = row_keys(keys, len(x))
        count = np.zeros((len(uniques), x.shape[1]), dtype=np.int64)
        samples: list[list[list[tuple[np.ndarray, np.ndarray]]]] = [[[] for _ in range(x.shape[1])]
                                                                     for _ in uniques]
        for j in range(x.shape[1]):
            for g, v in _by_key(x[:, j], codes, len(uniques)):
                v = np.sort(v)
                ranks = np.unique(np.linspace(0, v.size - 1, min(SAMPLE, v.size)).round().astype(np.int64)) \
                    if v.size else np.empty(0, dtype=np.int64)
                count[g, j] = v.size
                samples[g][j].append((ranks, v[ranks]))
        return cls(tuple(map(str, table.columns)), _names(keys), uniques, count, samples)

    @staticmethod
    def merge(parts: list[MedianSample]) -> MedianSample:
        keys, where = _merge_keys(parts)
        m = len(parts[0].columns)
        count = np.zeros((len(keys), m), dtype=np.int64)
        samples: list[list[list[tuple[np.ndarray, np.ndarray]]]] = [[[] for _ in range(m)] for _ in keys]
        for p, w in zip(parts, where, strict=True):
            count[w] += p.count
            for g_part, g in enumerate(w):
                for j in range(m):
                    samples[g][j].extend(p.samples[g_part][j])
        return MedianSample(parts[0].columns, parts[0].names, keys, count, samples)


def _by_key(v: np.ndarray, codes: np.ndarray, n_keys: int) -> list[tuple[int, np.ndarray]]:
    """The non-missing values of ``v`` per key position (every key, even with no value)."""
    present = ~np.isnan(v)
    if n_keys == 1:
        return [(0, v[present])]
    order = np.argsort(codes[present], kind="stable")
    vals, keys = v[present][order], codes[present][order]
    cuts = np.searchsorted(keys, np.arange(n_keys + 1))
    return [(g, vals[cuts[g]:cuts[g + 1]]) for g in range(n_keys)]


def _wanted(n: int) -> tuple[int, int]:
    """0-based ranks of the middle value(s) of ``n`` values."""
    h = n // 2
    return (h, h) if n % 2 else (h - 1, h)


def median_brackets(merged: MedianSample) -> dict[tuple, np.ndarray]:
    """Round-1 result → per key, ``(2, n_columns)`` brackets ``[low, high]`` holding the middle ranks
    (NaN for a column with no value in the key)."""
    out = {}
    for g, key in enumerate(merged.keys):
        br = np.full((2, len(merged.columns)), np.nan)
        for j in range(len(merged.columns)):
            n = int(merged.count[g, j])
            if n:
                br[:, j] = _bracket(merged.samples[g][j], _wanted(n))
        out[key] = br
    return out


def _bracket(samples: list[tuple[np.ndarray, np.ndarray]], wanted: tuple[int, int]) -> tuple[float, float]:
    parts = [(r, s) for r, s in samples if s.size]
    cand = np.unique(np.concatenate([s for _, s in parts]))
    at_most_below = np.zeros(cand.size, dtype=np.int64)     # an upper bound of the count below each value
    at_least_upto = np.zeros(cand.size, dtype=np.int64)     # a lower bound of the count up to each value
    for r, s in parts:
        first = np.searchsorted(s, cand, side="left")
        n_part = r[-1] + 1                                  # the sample holds the partition's maximum
        at_most_below += np.where(first < s.size, r[np.minimum(first, s.size - 1)], n_part)
        last = np.searchsorted(s, cand, side="right") - 1
        at_least_upto += np.where(last >= 0, r[np.maximum(last, 0)] + 1, 0)
    # the minimum qualifies as the low bracket (nothing below it), the maximum as the high one
    low = cand[np.flatnonzero(at_most_below <= wanted[0])[-1]]
    high = cand[np.flatnonzero(at_least_upto >= wanted[1] + 1)[0]]
    return float(low), float(high)


@dataclass(frozen=True)
class MedianInside:
    """Round 2 of a median: per key and column, the count of non-missing values, the count below the
    low bracket and the values inside ``[low, high]``."""

    columns: tuple[str, ...]
    names: tuple[str, ...]
    keys: list[tuple]
    count: np.ndarray
    below: np.ndarray
    inside: list[list[list[np.ndarray]]]

    @classmethod
    def of(cls, table: pd.DataFrame, brackets: dict[tuple, np.ndarray], keys: Sequence[pd.Series] = ()) -> MedianInside:
        x = table.to_numpy(dtype=float)
        codes, uniques = row_keys(keys, len(x))
        below = np.zeros((len(uniques), x.shape[1]), dtype=np.int64)
        count = np.zeros((len(uniques), x.shape[1]), dtype=np.int64)
        inside: list[list[list[np.ndarray]]] = [[[] for _ in range(x.shape[1])] for _ in uniques]
        for j in range(x.shape[1]):
            for g, v in _by_key(x[:, j], codes, len(uniques)):
                count[g, j] = v.size
                lo, hi = brackets[uniques[g]][:, j]
                if np.isnan(lo):
                    continue
                below[g, j] = int(np.count_nonzero(v < lo))
                inside[g][j].append(v[(v >= lo) & (v <= hi)])
        return cls(tuple(map(str, table.columns)), _names(keys), uniques, count, below, inside)

    @staticmethod
    def merge(parts: list[MedianInside]) -> MedianInside:
        keys, where = _merge_keys(parts)
        m = len(parts[0].columns)
        below = np.zeros((len(keys), m), dtype=np.int64)
        count = np.zeros((len(keys), m), dtype=np.int64)
        inside: list[list[list[np.ndarray]]] = [[[] for _ in range(m)] for _ in keys]
        for p, w in zip(parts, where, strict=True):
            below[w] += p.below
            count[w] += p.count
            for g_part, g in enumerate(w):
                for j in range(m):
                    inside[g][j].extend(p.inside[g_part][j])
        return MedianInside(parts[0].columns, parts[0].names, keys, count, below, inside)


def median_values(inside: MedianInside) -> np.ndarray:
    """``(n_keys, n_columns)`` exact medians from round 2 (NaN: no value)."""
    out = np.full(inside.count.shape, np.nan)
    for (g, j), n in np.ndenumerate(inside.count):
        if not n:
            continue
        lo, hi = (k - int(inside.below[g, j]) for k in _wanted(int(n)))
        v = np.concatenate(inside.inside[g][j])
        v.partition((lo, hi) if lo != hi else lo)
        out[g, j] = float(v[lo]) if lo == hi else float((v[lo] + v[hi]) / 2)
    return out

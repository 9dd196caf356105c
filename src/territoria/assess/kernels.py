r"""Vectorised numerical kernels of the assessment pipeline.

Pure NumPy, no pandas, no I/O. Every kernel takes arrays shaped ``(..., n_units, n_indicators)``
(or ``(..., n_units)`` for score vectors) so that a leading replication axis — the Monte-Carlo
axis of the uncertainty analysis — works unchanged. ``NaN`` means missing everywhere: missing
values are skipped when a reference statistic is computed and stay missing in the output.

Column-wise kernels (:func:`minmax`, :func:`zscore`, :func:`rank`, :func:`percentile_rank`) work
over the units axis (``-2``); aggregation kernels work over the indicators axis (``-1``);
:func:`rank_scores` ranks a score array along its last axis.

Directions are applied by the caller (multiply by -1 or use ``high - y``) before normalisation.

References
----------
OECD & JRC (2008), *Handbook on Constructing Composite Indicators: Methodology and User Guide*,
OECD Publishing, sections 1.5 (normalisation) and 1.7 (aggregation).
Becker, W. et al. (2022), COINr: An R package for developing composite indicators,
*Journal of Open Source Software* 7(78), 4567.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from territoria.assess.mc_rank import rank_rows
from territoria.assess.spec import TIES_RULES
from territoria.assess.threads import cuts, each, thread_count
from territoria.errors import DegenerateIndicatorError

__all__ = [
    "TIES",
    "aggregate_arithmetic",
    "aggregate_copeland",
    "aggregate_geometric",
    "aggregate_harmonic",
    "minmax",
    "percentile_rank",
    "rank",
    "rank_scores",
    "zscore",
]

Ties = Literal["min", "max", "average", "dense"]
TIES: tuple[str, ...] = TIES_RULES          # read from the spec model (one list of tie rules)


def _as_float(x: object) -> np.ndarray:
    return np.asarray(x, dtype=float)


def minmax(x: np.ndarray, *, low: float = 0.0, high: float = 100.0,
           ref_min: np.ndarray | float | None = None,
           ref_max: np.ndarray | float | None = None) -> np.ndarray:
    r"""Min-max rescaling of each column onto ``[low, high]``.

    .. math:: y_{ij} = low + (high - low)\,\frac{x_{ij} - m_j}{M_j - m_j}

    with :math:`m_j, M_j` the minimum and maximum of column *j* over the units (axis ``-2``), or the
    fixed goalposts ``ref_min`` / ``ref_max`` when given (broadcast against ``x[..., 0, :]``).

    Notes
    -----
    Missing values are skipped for :math:`m_j, M_j` and stay missing. A column with zero range
    (:math:`M_j = m_j`) is scored at the midpoint ``(low + high) / 2`` — a documented rule, not NaN.
    Values outside fixed goalposts are not clipped (the caller clips when it wants to).

    Examples
    --------
    >>> minmax(np.array([[1.0], [2.0], [3.0]]), low=2, high=7).ravel().tolist()
    [2.0, 4.5, 7.0]
    """
    x = _as_float(x)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanmin(x, axis=-2, keepdims=True) if ref_min is None else _expand(ref_min, x)
        hi = np.nanmax(x, axis=-2, keepdims=True) if ref_max is None else _expand(ref_max, x)
        span = hi - lo
        flat = span == 0
        unit = (x - lo) / np.where(flat, 1.0, span)
        unit = np.where(flat & ~np.isnan(x), 0.5, unit)
    return low + (high - low) * unit


def _expand(ref: np.ndarray | float, x: np.ndarray) -> np.ndarray:
    """Reference values per indicator, shaped to broadcast over the units axis."""
    ref = _as_float(ref)
    return ref if ref.ndim == 0 else np.expand_dims(ref, -2)


def zscore(x: np.ndarray, *, mean: np.ndarray | float | None = None, std: np.ndarray | float | None = None,
           ddof: int = 1) -> np.ndarray:
    r"""Standardise each column: :math:`z_{ij} = (x_{ij} - \bar x_j) / s_j`.

    :math:`\bar x_j` and :math:`s_j` (with ``ddof``) are taken over the non-missing units of column
    *j*, or given as ``mean`` / ``std`` (e.g. fixed on a base year).

    Notes
    -----
    Missing values are skipped and stay missing. A column with zero standard deviation gets
    :math:`z = 0` for every present unit.

    Examples
    --------
    >>> zscore(np.array([[1.0], [2.0], [3.0]])).ravel().tolist()
    [-1.0, 0.0, 1.0]
    """
    x = _as_float(x)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu = np.nanmean(x, axis=-2, keepdims=True) if mean is None else _expand(mean, x)
        sd = np.nanstd(x, axis=-2, ddof=ddof, keepdims=True) if std is None else _expand(std, x)
        flat = ~(sd > 0)
        z = (x - mu) / np.where(flat, 1.0, sd)
        return np.where(flat & ~np.isnan(x), 0.0, z)


def _rank_axis(x: np.ndarray, axis: int, ties: str) -> np.ndarray:
    """Ascending ranks (1 = smallest) along ``axis``; NaN stays NaN and is not counted."""
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}")
    x = np.ascontiguousarray(np.moveaxis(_as_float(x), axis, -1))  # sorting a strided view is slow
    if ties == "min" and x.size and x.shape[-1] > 1 and not np.isnan(x).any():
        # the integer-key sort of the Monte-Carlo ranking: the same ranks, without an argsort; the rows
        # (columns of the table) side by side on the threads in use
        rows = x.reshape(-1, x.shape[-1])
        flat = np.empty(rows.shape, dtype=np.int32)
        pieces = min(len(rows), thread_count())
        at = cuts(len(rows), pieces)
        each(lambda k: rank_rows(rows[at[k]:at[k + 1]], descending=False, out=flat[at[k]:at[k + 1]]),
             pieces, cells=rows.size)
        return np.moveaxis(flat.reshape(x.shape).astype(np.float64), -1, axis)
    order = np.argsort(x, axis=-1)  # NaN last; tie groups stay contiguous, so no stable sort is needed
    s = np.take_along_axis(x, order, axis=-1)
    n = s.shape[-1]
    if n == 0:
        return np.moveaxis(np.empty_like(x), -1, axis)
    pos = np.broadcast_to(np.arange(n), s.shape)
    new = np.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]              # start of a tie group (NaN != NaN: own group)
    first = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
    if ties == "min":
        r = first + 1.0
    elif ties == "dense":
        r = np.cumsum(new, axis=-1).astype(float)
    else:
        end = np.ones(s.shape, dtype=bool)
        end[..., :-1] = new[..., 1:]
        last = np.flip(np.minimum.accumulate(np.flip(np.where(end, pos, n - 1), -1), axis=-1), -1)
        r = last + 1.0 if ties == "max" else (first + last) / 2.0 + 1.0
    r = np.where(np.isnan(s), np.nan, r)
    out = np.empty_like(r)
    np.put_along_axis(out, order, r, axis=-1)
    return np.moveaxis(out, -1, axis)


def rank(x: np.ndarray, *, ties: Ties = "min") -> np.ndarray:
    """Ascending rank of each unit within its column (axis ``-2``): 1 = smallest value.

    ``ties``: ``"min"`` (tied values share the lowest rank of their group, the SVI / Excel RANK
    convention), ``"max"``, ``"average"`` or ``"dense"``. Missing values get no rank (NaN) and do not
    count.

    Examples
    --------
    >>> rank(np.array([[3.0], [1.0], [3.0], [np.nan], [2.0]])).ravel().tolist()
    [3.0, 1.0, 3.0, nan, 2.0]
    """
    return _rank_axis(x, -2, ties)


def percentile_rank(x: np.ndarray, *, decimals: int | None = None) -> np.ndarray:
    r"""Percentile rank of each unit within its column: :math:`p = (r - 1) / (n - 1)`.

    :math:`r` is the ascending rank with ties at the lowest rank of their group and :math:`n` the
    number of non-missing units of the column (Excel ``PERCENTRANK.INC``; the CDC SVI convention).
    ``decimals`` rounds half to even (``numpy.round``), which reproduces the published SVI values.

    Notes
    -----
    Missing values stay missing and are left out of :math:`n`. A column with a single present value
    gives 1.0 (as ``PERCENTRANK.INC``).

    Examples
    --------
    >>> percentile_rank(np.array([[10.0], [20.0], [20.0], [40.0]])).ravel().tolist()
    [0.0, 0.3333333333333333, 0.3333333333333333, 1.0]
    """
    x = _as_float(x)
    r = _rank_axis(x, -2, "min")
    n = np.sum(~np.isnan(x), axis=-2, keepdims=True)
    with np.errstate(all="ignore"):
        p = np.where(n > 1, (r - 1.0) / np.maximum(n - 1, 1), np.where(np.isnan(r), np.nan, 1.0))
    return np.round(p, decimals) if decimals is not None else p


def _weights(x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Weights broadcast to ``x``, zero where ``x`` is missing, renormalised per row."""
    w = np.ones(x.shape[-1]) if w is None else _as_float(w)
    if np.any(w < 0):
        raise ValueError("aggregation weights must be non-negative")
    wb = np.where(np.isnan(x), 0.0, np.broadcast_to(w, x.shape))
    total = wb.sum(axis=-1, keepdims=True)
    with np.errstate(all="ignore"):
        return np.where(total > 0, wb / total, np.nan)


def _empty_rows(wn: np.ndarray, value: np.ndarray) -> np.ndarray:
    """NaN for rows without any usable entry (their renormalised weights are NaN)."""
    return np.where(np.isnan(wn).all(axis=-1), np.nan, value)


def aggregate_arithmetic(x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    r"""Weighted arithmetic mean over the last axis: :math:`s_i = \sum_j w_j x_{ij} / \sum_j w_j`.

    Weights are renormalised over the non-missing entries of each row; a row with no present
    entry (or zero total weight) gives NaN.

    Examples
    --------
    >>> float(aggregate_arithmetic(np.array([1.0, np.nan, 4.0]), np.array([1.0, 5.0, 2.0])))
    3.0
    """
    x = _as_float(x)
    wn = _weights(x, w)
    return _empty_rows(wn, np.sum(np.where(np.isnan(x), 0.0, x) * np.nan_to_num(wn), axis=-1))


def aggregate_geometric(x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    r"""Weighted geometric mean over the last axis: :math:`s_i = \prod_j x_{ij}^{w_j / \sum w}`.

    Notes
    -----
    Rule for zeros: a zero entry with positive weight makes the mean 0 (the limit of the product);
    zero-weight entries are ignored. Negative entries raise :class:`DegenerateIndicatorError` —
    normalise onto a positive range (e.g. min-max to [1, 100]) before a geometric mean.
    Missing entries are skipped with weights renormalised.

    Examples
    --------
    >>> round(float(aggregate_geometric(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]))), 12)
    2.059767143907
    """
    x = _as_float(x)
    if np.any(x < 0):
        raise DegenerateIndicatorError("geometric mean: negative value(s) found; a geometric mean needs "
                                       "values >= 0 (normalise onto a positive range first)")
    wn = _weights(x, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where((wn > 0) & ~np.isnan(x), wn * np.log(np.where(np.isnan(x), 1.0, x)), 0.0)
        return _empty_rows(wn, np.exp(np.sum(logs, axis=-1)))


def aggregate_harmonic(x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    r"""Weighted harmonic mean over the last axis: :math:`s_i = \sum_j w_j / \sum_j (w_j / x_{ij})`.

    Notes
    -----
    A zero entry with positive weight gives 0 (the limit); negative entries raise
    :class:`DegenerateIndicatorError`. Missing entries are skipped with weights renormalised.

    Examples
    --------
    >>> round(float(aggregate_harmonic(np.array([1.0, 2.0, 3.0]), np.array([2.0, 1.0, 1.0]))), 12)
    1.411764705882
    """
    x = _as_float(x)
    if np.any(x < 0):
        raise DegenerateIndicatorError("harmonic mean: negative value(s) found; normalise onto a positive "
                                       "range first")
    wn = _weights(x, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where((wn > 0) & ~np.isnan(x), wn / np.where(np.isnan(x), 1.0, x), 0.0)
        return _empty_rows(wn, 1.0 / np.sum(inv, axis=-1))


def aggregate_copeland(x: np.ndarray, w: np.ndarray | None = None, *, chunk: int = 512) -> np.ndarray:
    r"""Copeland non-compensatory score over the units axis (``-2``) from pairwise comparisons.

    For units *a*, *b* the weighted support of *a* over *b* is
    :math:`e_{ab} = \sum_j w_j\,(\mathbb 1[x_{aj} > x_{bj}] + \tfrac12 \mathbb 1[x_{aj} = x_{bj}])`
    over the indicators both have. The Copeland score counts wins minus losses:
    :math:`c_a = \sum_{b \ne a} \operatorname{sign}(e_{ab} - e_{ba})`.
    Higher values of ``x`` are better for the unit being scored.

    Returns an array shaped ``(..., n_units)``.

    Notes
    -----
    Cost is :math:`O(n^2 m)`; units are processed in chunks of ``chunk`` rows to bound memory.
    A unit with no present entry gets NaN; pairs with no indicator in common count as a tie.
    Being a count, the score is not on the scale of the inputs (Munda & Nardo 2009).

    References
    ----------
    Munda, G. & Nardo, M. (2009), Noncompensatory/nonlinear composite indicators for ranking
    countries: a defensible setting, *Applied Economics* 41(12), 1513-1523.

    Examples
    --------
    >>> aggregate_copeland(np.array([[3.0, 3.0], [2.0, 1.0], [1.0, 2.0]])).tolist()
    [2.0, -1.0, -1.0]
    """
    x = _as_float(x)
    m = x.shape[-1]
    w = np.broadcast_to(np.ones(m) if w is None else _as_float(w), (m,))
    n = x.shape[-2]
    out = np.empty(x.shape[:-1])
    xb = x[..., None, :, :]                                   # (..., 1, n, m)
    for start in range(0, n, chunk):
        xa = x[..., start:start + chunk, None, :]             # (..., c, 1, m)
        both = ~np.isnan(xa) & ~np.isnan(xb)
        diff = np.where(both, np.sign(np.where(both, xa - xb, 0.0)), 0.0)   # +1 a better, -1 b better
        net = np.sum(diff * w, axis=-1)                       # e_ab - e_ba (ties cancel)
        out[..., start:start + chunk] = np.sum(np.sign(net), axis=-1)
    empty = np.all(np.isnan(x), axis=-1)
    return np.where(empty, np.nan, out)


def rank_scores(s: np.ndarray, *, descending: bool = True, ties: Ties = "min") -> np.ndarray:
    """Rank scores along the last axis; with ``descending`` 1 = highest score.

    Ties follow ``ties`` (default ``"min"``: tied units share the best rank of their group, as the
    INFORM and SVI tables do). Missing scores get no rank (NaN).

    Examples
    --------
    >>> rank_scores(np.array([5.0, 9.0, 5.0, 1.0])).tolist()
    [2.0, 1.0, 2.0, 4.0]
    """
    s = _as_float(s)
    if ties == "min" and s.ndim and s.size and s.shape[-1] > 1 and not np.isnan(s).any():
        # the integer-key sort straight on the scores (no negated copy); the same integer ranks
        flat = rank_rows(np.ascontiguousarray(s.reshape(-1, s.shape[-1])), descending=descending)
        return flat.reshape(s.shape).astype(np.float64)
    return _rank_axis(-s if descending else s, -1, ties)

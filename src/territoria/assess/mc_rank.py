r"""Ranking kernels of the Monte-Carlo analysis: many rankings of the same units, fast and exact.

One ranking per run is the floor of any rank-uncertainty analysis, so the ranking itself is tuned:

* a float64 score is mapped to an ``int64`` key with the same order (the IEEE-754 bit pattern, with
  the bits of negative numbers flipped), so that the sort is a plain integer sort;
* the unit's position is packed into the key's low :math:`b = \lceil \log_2 n \rceil` bits, so that
  one ``np.sort`` of integers (a vectorised SIMD sort in NumPy) yields the order without an
  ``argsort``;
* the packing drops the low *b* bits of the key, so two scores that agree on every higher bit may
  come out in the wrong order: such neighbours are detected after the sort (equal high bits) and
  re-ordered by their full key, and only among them are exact ties given the minimum rank.

The ranks equal :func:`territoria.assess.kernels.rank_scores` with ``ties="min"`` on finite scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["column_quantiles", "order_keys", "rank_rows"]

_FLIP = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def order_keys(s: np.ndarray) -> np.ndarray:
    """``int64`` keys ordered as the float64 values ``s`` are (``-0.0`` and ``0.0`` share a key).

    For a non-negative float the bit pattern read as an integer already increases with the value;
    for a negative one the 63 low bits are flipped so that more negative means smaller.

    Examples
    --------
    >>> order_keys(np.array([-2.0, -0.0, 0.0, 1.5])).argsort().tolist()
    [0, 1, 2, 3]
    """
    k = (np.asarray(s, dtype=np.float64) + 0.0).view(np.int64)     # + 0.0 turns -0.0 into 0.0
    return k ^ ((k >> 63) & _FLIP)


def rank_rows(s: np.ndarray, *, descending: bool = True, out: np.ndarray | None = None,
              rows: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """Rank each row of ``s`` (shape ``(R, n)``, finite), ties at the lowest rank, as ``int32``.

    Parameters
    ----------
    s : ndarray of shape (R, n)
        Scores; no NaN.
    descending : bool, default=True
        Rank 1 = highest score.
    out : ndarray of int32, optional
        Where to write; row ``i`` of ``s`` goes to row ``rows[i]`` of ``out`` (default: row ``i``).
        Lets a caller fill a large rank store in place, one contiguous row per run.
    rows : sequence of int, optional
        Target rows of ``out``.

    Examples
    --------
    >>> rank_rows(np.array([[5.0, 9.0, 5.0, 1.0]])).tolist()
    [[2, 1, 2, 4]]
    """
    s = np.asarray(s, dtype=np.float64)
    n_rows, n = s.shape
    if out is None:
        out = np.empty((n_rows, n), dtype=np.int32)
    targets = range(n_rows) if rows is None else rows
    if n == 0:
        return out
    bits = max(1, (n - 1).bit_length())
    low = np.int64((1 << bits) - 1)
    position = np.arange(n, dtype=np.int64)
    steps = np.arange(1, n + 1, dtype=np.int32)
    # Work buffers are reused across rows: fresh arrays of this size are page-faulted on every call.
    packed, order, high = (np.empty(n, dtype=np.int64) for _ in range(3))
    clash = np.empty(n - 1, dtype=bool)
    # Non-negative floats order as their bit patterns once -0.0 is made 0.0 (``+ 0.0``): no key pass.
    plain = n_rows > 0 and bool(np.min(s) >= 0.0)
    as_float = packed.view(np.float64)

    def full_key(i: int) -> np.ndarray:
        key = (s[i] + 0.0).view(np.int64) if plain else order_keys(s[i])
        return ~key if descending else key

    for i, target in enumerate(targets):
        if plain:
            np.add(s[i], 0.0, out=as_float)
            if descending:
                np.bitwise_not(packed, out=packed)
        else:
            packed[:] = full_key(i)
        np.bitwise_and(packed, ~low, out=packed)
        np.bitwise_or(packed, position, out=packed)
        packed.sort()
        np.bitwise_and(packed, low, out=order)
        np.right_shift(packed, bits, out=high)
        np.equal(high[1:], high[:-1], out=clash)
        row = out[target]
        if not clash.any():
            row[order] = steps
            continue
        # Neighbours agreeing on the high bits: order them by the full key; ties only occur among them.
        member = np.zeros(n, dtype=bool)
        member[1:] |= clash
        member[:-1] |= clash
        at = np.flatnonzero(member)
        among = order[at]
        key = full_key(i)
        order[at] = among[np.argsort(key[among], kind="stable")]
        full = key[order]
        start = np.empty(n, dtype=bool)
        start[0] = True
        np.not_equal(full[1:], full[:-1], out=start[1:])
        row[order] = np.maximum.accumulate(np.where(start, steps, 0))
    return out


def column_quantiles(store: np.ndarray, qs: Sequence[float], *, block: int = 4096) -> np.ndarray:
    r"""Quantiles of each column of ``store`` (runs × units) with NumPy's default linear interpolation.

    Units are taken in blocks, transposed and sorted (a SIMD integer sort beats ``np.partition``
    here); the quantile is read off the order statistics:
    :math:`h = (n - 1) q`, :math:`k = \lfloor h \rfloor`,
    :math:`Q = x_{(k)} + (h - k)(x_{(k+1)} - x_{(k)})`.

    Examples
    --------
    >>> column_quantiles(np.array([[1], [2], [3], [10]]), [0.5]).tolist()
    [[2.5]]
    """
    n, n_units = store.shape
    out = np.empty((n_units, len(qs)))
    plan = []
    for q in qs:
        h = (n - 1) * q
        lo = int(np.floor(h))
        plan.append((lo, min(lo + 1, n - 1), h - lo))
    for u0 in range(0, n_units, block):
        part = np.sort(np.ascontiguousarray(store[:, u0:u0 + block].T), axis=1)
        for j, (lo, hi, frac) in enumerate(plan):
            out[u0:u0 + block, j] = part[:, lo] + frac * (part[:, hi].astype(np.float64) - part[:, lo])
    return out

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
_SIGN = np.int64(-0x8000_0000_0000_0000)


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

    Notes
    -----
    Per row: the packed keys in two passes (non-negative scores: ``(bits | S | low) ^ ~position``
    descending, ``(bits & ~(S | low)) | position`` ascending, with ``S`` the sign bit, which also
    folds ``-0.0`` into ``0.0``), one integer sort, the unit positions in one pass, and one
    subtraction and minimum to rule out neighbours that agree on the high bits (a difference of at
    most ``low`` is necessary for such neighbours; when it occurs they are found exactly and only
    they are re-ordered by their full key and given tied ranks).

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
    packed, order = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    gap = np.empty(n - 1, dtype=np.int64)
    # Non-negative floats order as their bit patterns once the sign bit is cleared (-0.0 is 0.0).
    plain = n_rows > 0 and bool(np.min(s) >= 0.0)
    sign_low = _SIGN | low
    if plain and descending:
        mix = ~position                                    # (bits | S | low) ^ ~pos = ~(bits | S | low) | pos
    elif plain:
        mix, keep = position, ~sign_low                    # (bits & ~(S | low)) | pos

    for i, target in enumerate(targets):
        if plain:
            b = s[i].view(np.int64)
            if descending:
                np.bitwise_or(b, sign_low, out=packed)
                np.bitwise_xor(packed, mix, out=packed)
            else:
                np.bitwise_and(b, keep, out=packed)
                np.bitwise_or(packed, mix, out=packed)
        else:
            packed[:] = _full_key(s[i], descending)
            np.bitwise_and(packed, ~low, out=packed)
            np.bitwise_or(packed, position, out=packed)
        packed.sort()
        np.bitwise_and(packed, low, out=order)
        row = out[target]
        row[order] = steps
        if n > 1:
            np.subtract(packed[1:], packed[:-1], out=gap)
            if gap.min() <= low:                            # neighbours may share their high bits
                _fix_clashes(s[i], packed, order, row, bits, descending)
    return out


def _full_key(s: np.ndarray, descending: bool) -> np.ndarray:
    key = order_keys(s)
    return ~key if descending else key


def _fix_clashes(s: np.ndarray, packed: np.ndarray, order: np.ndarray, row: np.ndarray, bits: int,
                 descending: bool) -> None:
    """Re-order the sorted neighbours whose packed keys agree above the low ``bits`` by their full key,
    and give exact ties the lowest rank (``row`` holds the ranks of the packed order)."""
    high = packed >> bits
    clash = high[1:] == high[:-1]
    if not clash.any():
        return
    member = np.zeros(packed.size, dtype=bool)
    member[1:] |= clash
    member[:-1] |= clash
    at = np.flatnonzero(member)                             # sorted positions of the members
    among = order[at]
    key = _full_key(s[among], descending)
    by_key = np.argsort(key, kind="stable")
    among, key = among[by_key], key[by_key]
    # Members of different clusters differ in their high bits, so their full keys differ too.
    start = np.empty(at.size, dtype=bool)
    start[0] = True
    np.not_equal(key[1:], key[:-1], out=start[1:])
    row[among] = np.maximum.accumulate(np.where(start, at + 1, 0)).astype(np.int32)


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

r"""Exact sums of float64 values, the same whatever the order or the split: the means and standard
deviations the Dask engine merges from partitions equal the single-machine ones bit for bit.

Each finite value is split by :func:`numpy.frexp` into an integer mantissa :math:`M` (53 bits) and an
exponent :math:`e`, so :math:`x = M\,2^{e-53}`. The mantissa is cut into a high piece (27 bits) and a
low piece (26 bits, kept as a fraction); the pieces are summed per exponent with
:func:`numpy.bincount` — float64 sums of integers below :math:`2^{53}`, hence exact, over at most
:data:`CHUNK` rows — and the per-exponent sums are combined in Python integers in units of
:math:`2^{-1126}` (:data:`UNIT`), the spacing of the smallest subnormal's mantissa. A sum is rounded
once, when it is divided (:func:`exact_mean`, :func:`exact_std`): Python's integer true division is
correctly rounded. An exact "superaccumulator" in the sense of Kulisch & Miranker (1981), cut to what
NumPy does fast.

Cost (measured on the shared, loaded 2-core machine): a table of 200,000 × 34 values takes 0.26-0.37 s
for its sums and 1.2 s with the sums of squares (a standard deviation), against 0.2-0.5 s for pandas'
``mean`` and ``std``; one column of 10,000,000 values 0.8-1.1 s against 0.015 s for ``numpy.sum``.
Paid once per fit, in the fitting pass only; the transform is unchanged.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CHUNK", "UNIT", "exact_mean", "exact_std", "exact_sums", "square_parts"]

_EMIN = -1073                  # np.frexp exponent of the smallest subnormal (5e-324 = 0.5 * 2**-1073)
_SPAN = 1024 - _EMIN + 1       # exponents -1073 .. 1024
#: Values are sums of integer multiples of ``2 ** UNIT``.
UNIT = _EMIN - 53
#: Rows summed per ``bincount`` call: ``CHUNK * 2**27 < 2**53`` (high pieces) and ``CHUNK < 2**27``
#: (low fractions, multiples of ``2**-26``) keep every float64 partial sum exact.
CHUNK = 1 << 24


def exact_sums(x: np.ndarray, codes: np.ndarray | None = None, n_keys: int = 1, *,
               squares: bool = False) -> np.ndarray:
    """Exact sums of the finite values of each column of ``x`` (``(n_rows, n_columns)``) per key.

    ``codes`` gives each row's key in ``0 .. n_keys - 1`` (None: one key). Returns an object array
    ``(n_keys, n_columns)`` of Python integers, the sums in units of ``2 ** UNIT``; NaN and
    infinities are left out (the caller counts them). ``squares``: the exact sums of the squares
    instead (:func:`square_parts`, column by column so that the parts never exist for the whole table).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    out = np.empty((n_keys, x.shape[1]), dtype=object)
    out.fill(0)
    for j in range(x.shape[1]):
        v = x[:, j]
        finite = np.isfinite(v)
        whole = bool(finite.all())
        vals = v if whole else v[finite]
        keys = None if codes is None else (codes if whole else codes[finite])
        for start in range(0, vals.size, CHUNK):
            chunk = vals[start:start + CHUNK]
            at_keys = None if keys is None else keys[start:start + CHUNK]
            for piece in (square_parts(chunk) if squares else (chunk,)):
                _add(out[:, j], piece, at_keys, n_keys)
    return out


def _add(total: np.ndarray, vals: np.ndarray, keys: np.ndarray | None, n_keys: int) -> None:
    """Add the exact sums of ``vals`` (finite, at most :data:`CHUNK`) per key into ``total``."""
    t, exp = np.frexp(vals)
    t *= 2.0 ** 27                              # x = t * 2**(e - 27), |t| < 2**27
    high = np.floor(t)
    t -= high                                   # the low 26 bits, a multiple of 2**-26 in [0, 1)
    at = exp.astype(np.intp)
    at -= _EMIN
    if keys is not None:
        at += keys * _SPAN
    size = n_keys * _SPAN
    hs = np.bincount(at, weights=high, minlength=size).reshape(n_keys, _SPAN)
    ls = np.bincount(at, weights=t, minlength=size).reshape(n_keys, _SPAN)
    for g, b in zip(*np.nonzero((hs != 0) | (ls != 0)), strict=True):
        total[g] += ((int(hs[g, b]) << 26) + int(ls[g, b] * 2.0 ** 26)) << int(b)


def square_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(p, e)`` with ``x * x == p + e`` exactly (Dekker's product with Veltkamp's split), so that
    the exact sum of squares is the exact sum of ``p`` and ``e`` (values below about 1e-150 or above
    1e150 lose the exactness of their square)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        t = 134217729.0 * x                                     # 2**27 + 1
        high = t - (t - x)
        low = x - high
        p = x * x
        e = ((high * high - p) + 2.0 * high * low) + low * low
    return p, e


def exact_mean(total: int, count: int) -> float:
    """``total * 2**UNIT / count`` correctly rounded (NaN for no value)."""
    if count <= 0:
        return math.nan
    return total / (count << -UNIT)


def exact_std(total: int, squares: int, count: int) -> float:
    r"""Sample standard deviation (``ddof=1``) from exact sums of values and squares (units
    ``2**UNIT``): :math:`\sqrt{(n Q - S^2) / (n (n - 1))}`, the variance rounded once, then its square
    root (NaN below two values)."""
    if count <= 1:
        return math.nan
    num = (count * squares << -UNIT) - total * total
    return math.sqrt(max(num, 0) / ((count * (count - 1)) << (-2 * UNIT)))

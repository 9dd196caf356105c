r"""Variance-based sensitivity indices (Sobol) from a Saltelli design, vectorised and streamable.

For *D* independent inputs (or groups of inputs) two independent sample matrices :math:`A`, :math:`B`
(*N* rows) are drawn; :math:`A_B^{(i)}` is :math:`A` with the column(s) of input *i* taken from
:math:`B`. With model outputs :math:`f(A)`, :math:`f(B)`, :math:`f(A_B^{(i)})`:

.. math::

    V &= \operatorname{Var}[f(A) \cup f(B)], \qquad \mu = \operatorname{mean}[f(A) \cup f(B)] \\
    S_i &= \frac{1}{N V} \sum_{j=1}^{N} (f(B)_j - \mu)\,\big(f(A_B^{(i)})_j - f(A)_j\big)
        \quad\text{(Saltelli et al. 2010, centred)} \\
    S_{Ti} &= \frac{1}{2 N V} \sum_{j=1}^{N} \big(f(A)_j - f(A_B^{(i)})_j\big)^2
        \quad\text{(Jansen 1999)}

The cost is :math:`N (D + 2)` model runs. For a vector output (e.g. the rank of every unit) the
indices are computed per output and, when aggregated, combined as variance-weighted means,
:math:`S_i = \sum_u V_u S_{i,u} / \sum_u V_u` — the generalised indices of Lamboni et al. (2011)
and Gamboa et al. (2014): the share of the *total* output variance due to input *i*.

:class:`SobolAccumulator` keeps only running sums, so the runs can be evaluated in chunks; with
integer outputs (ranks) the sums are exact integers and the result does not depend on chunking.

References
----------
Saltelli, A. et al. (2010), Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index, *Computer Physics Communications* 181, 259-270.
Jansen, M. J. W. (1999), Analysis of variance designs for model output, *Computer Physics
Communications* 117, 35-43. Lamboni, M., Monod, H. & Makowski, D. (2011), Multivariate sensitivity
analysis to measure global contribution of input factors in dynamic models, *Reliability Engineering
& System Safety* 96, 450-459. Gamboa, F., Janon, A., Klein, T. & Lagnoux, A. (2014), Sensitivity
analysis for multidimensional and functional outputs, *Electronic Journal of Statistics* 8, 575-603.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["SobolAccumulator", "ab_matrices", "sobol_indices"]


def ab_matrices(a: np.ndarray, b: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    """The :math:`A_B^{(i)}` matrices, shape ``(D, N, k)``: ``a`` with the columns of group *i* from ``b``."""
    out = np.repeat(a[None, :, :], len(groups), axis=0)
    for i, cols in enumerate(groups):
        out[i][:, list(cols)] = b[:, list(cols)]
    return out


class SobolAccumulator:
    """Running sums for first-order and total Sobol indices over chunks of base samples.

    Parameters
    ----------
    n_inputs : int
        *D*, the number of inputs (or groups).
    shape : tuple of int, default=()
        Shape of one model output (``(n_units,)`` for a rank per unit).
    exact : bool, default=False
        Accumulate in ``int64`` (exact, for integer outputs such as ranks; each output must stay
        below about 3·10⁹ in absolute value so that products fit) instead of ``float64``.
    """

    def __init__(self, n_inputs: int, shape: tuple[int, ...] = (), *, exact: bool = False) -> None:
        self.n_inputs, self.shape, self.exact = n_inputs, shape, exact
        dt = np.int64 if exact else np.float64
        self._n = 0
        self._sum = np.zeros(shape, dtype=dt)              # sum of f(A) + f(B)
        self._sq = np.zeros(shape, dtype=dt)               # sum of f(A)^2 + f(B)^2
        self._cross = np.zeros((n_inputs, *shape), dtype=dt)   # sum f(B) (f(AB_i) - f(A))
        self._diff = np.zeros((n_inputs, *shape), dtype=dt)    # sum (f(AB_i) - f(A))
        self._tot = np.zeros((n_inputs, *shape), dtype=dt)     # sum (f(A) - f(AB_i))^2

    def add(self, y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray) -> None:
        """Add base samples: ``y_a``, ``y_b`` shaped ``(n, *shape)``, ``y_ab`` shaped ``(D, n, *shape)``."""
        y_a, y_b, y_ab = np.asarray(y_a), np.asarray(y_b), np.asarray(y_ab)
        n = y_a.shape[0]
        if self.exact:
            top = max((max(int(v.max()), -int(v.min())) for v in (y_a, y_b, y_ab) if v.size), default=0)
            # Integer sums of products stay exact in float64 while every partial sum is below 2**53;
            # float arithmetic (einsum, no temporaries of products) is then much faster than int64.
            fast = n * 4 * top * top < 2**53
        dt = np.float64 if (not self.exact or fast) else np.int64
        y_a, y_b, y_ab = (v.astype(dt, copy=False) for v in (y_a, y_b, y_ab))

        def dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
            return np.einsum("n...,n...->...", u, v)

        def put(name: str, value: np.ndarray, i: int | None = None) -> None:
            value = np.rint(value).astype(np.int64) if self.exact and dt is np.float64 else value
            if i is None:
                setattr(self, name, getattr(self, name) + value)
            else:
                getattr(self, name)[i] += value

        self._n += n
        put("_sum", y_a.sum(axis=0) + y_b.sum(axis=0))
        put("_sq", dot(y_a, y_a) + dot(y_b, y_b))
        d = np.empty_like(y_a)
        for i in range(self.n_inputs):
            np.subtract(y_ab[i], y_a, out=d)
            put("_cross", dot(y_b, d), i)
            put("_diff", d.sum(axis=0), i)
            put("_tot", dot(d, d), i)

    @classmethod
    def concatenate(cls, parts: Sequence[SobolAccumulator]) -> SobolAccumulator:
        """Join accumulators over disjoint slices of the outputs (last axis), filled from the same runs.

        Lets the outputs be split among threads or workers: accumulate each slice of units apart,
        then join; the sums, hence the indices, are those of one accumulator over all outputs.
        """
        first = parts[0]
        if any(p.n_inputs != first.n_inputs or p._n != first._n or p.exact != first.exact for p in parts):
            raise ValueError("accumulators to join must have the same inputs, base samples and exactness")
        shape = (*first.shape[:-1], sum(p.shape[-1] for p in parts))
        out = cls(first.n_inputs, shape, exact=first.exact)
        out._n = first._n
        for name in ("_sum", "_sq", "_cross", "_diff", "_tot"):
            setattr(out, name, np.concatenate([getattr(p, name) for p in parts], axis=-1))
        return out

    @property
    def n(self) -> int:
        """Base samples added so far (*N*)."""
        return self._n

    def variance(self) -> np.ndarray:
        """:math:`V` per output, over the :math:`2N` runs of :math:`A` and :math:`B` (``ddof = 0``)."""
        m = 2 * self._n
        mean = self._sum / m
        return np.maximum(self._sq / m - mean * mean, 0.0)

    def indices(self, *, aggregate: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(S1, ST)`` shaped ``(D, *shape)``, or ``(D,)`` variance-weighted when ``aggregate``.

        An output with zero variance gets NaN indices (per output); aggregated indices are NaN
        only when every output is constant.
        """
        n = self._n
        mu = self._sum / (2 * n)
        first = (self._cross - mu * self._diff) / n
        total = self._tot / (2.0 * n)
        var = self.variance()
        axes = tuple(range(1, first.ndim))
        with np.errstate(divide="ignore", invalid="ignore"):
            if aggregate:
                v = var.sum()
                return (first.sum(axis=axes) / v if v > 0 else np.full(self.n_inputs, np.nan),
                        total.sum(axis=axes) / v if v > 0 else np.full(self.n_inputs, np.nan))
            ok = var > 0
            return np.where(ok, first / var, np.nan), np.where(ok, total / var, np.nan)


def sobol_indices(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray, *,
                  aggregate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total Sobol indices from the outputs of a Saltelli design (module formulas).

    Parameters
    ----------
    y_a, y_b : ndarray, shape (N, ...)
        Outputs on :math:`A` and :math:`B`.
    y_ab : ndarray, shape (D, N, ...)
        Outputs on :math:`A_B^{(i)}`, one slice per input.
    aggregate : bool, default=False
        Combine a vector output into one index per input (variance-weighted).

    Returns
    -------
    S1, ST : ndarray, shape (D, ...) or (D,)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.random((4096, 2)), rng.random((4096, 2))
    >>> f = lambda x: x[..., 0]                   # only the first input matters
    >>> s1, st = sobol_indices(f(a), f(b), f(ab_matrices(a, b, [[0], [1]])))
    >>> np.round(st, 2).tolist()
    [1.0, 0.0]
    """
    y_a = np.asarray(y_a, dtype=float)
    acc = SobolAccumulator(np.shape(y_ab)[0], y_a.shape[1:])
    acc.add(y_a, np.asarray(y_b, dtype=float), np.asarray(y_ab, dtype=float))
    return acc.indices(aggregate=aggregate)

r"""Analytic Hierarchy Process: weights from pairwise comparisons, their consistency, several experts.

A pairwise matrix :math:`A` holds :math:`a_{ij}`, how many times item *i* is judged more important
than item *j* on Saaty's 1–9 scale, with :math:`a_{ji} = 1 / a_{ij}` and :math:`a_{ii} = 1`.

* **Priorities** (Saaty 1980): the principal right eigenvector of :math:`A`, scaled to sum 1,

  .. math:: A w = \lambda_{max} w, \qquad \sum_i w_i = 1 .

* **Consistency**: :math:`CI = (\lambda_{max} - n) / (n - 1)` and :math:`CR = CI / RI(n)`, with
  :math:`RI(n)` the mean CI of random reciprocal matrices (:data:`RANDOM_INDEX`). A matrix with
  :math:`CR > 0.10` is refused (:class:`InconsistentJudgementsError`) unless the caller overrides.
* **Several experts** (aggregation of individual judgements, Aczél & Saaty 1983; Forman & Peniwati
  1998): the element-wise (weighted) geometric mean
  :math:`\bar a_{ij} = \prod_e a^{(e)}_{ij}{}^{\omega_e}`, :math:`\sum_e \omega_e = 1`, which keeps the
  matrix reciprocal; its eigenvector gives the group weights.
* **Hierarchy synthesis**: the overall priority of alternative *a* is
  :math:`\sum_c w_c \, w_{a \mid c}` (criterion weight × the alternative's local weight).

All functions take and return pandas objects labelled by item; no I/O.

References
----------
Saaty, T.L. (1980) *The Analytic Hierarchy Process*. McGraw-Hill.
Saaty, T.L. (2008) Decision making with the analytic hierarchy process. *Int. J. Services Sciences* 1(1).
Aczél, J. & Saaty, T.L. (1983) Procedures for synthesizing ratio judgements. *J. Math. Psychology* 27.
Forman, E. & Peniwati, K. (1998) Aggregating individual judgments and priorities with the AHP.
*European J. Operational Research* 108.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from territoria.errors import DataError

__all__ = [
    "DEFAULT_MAX_CR",
    "RANDOM_INDEX",
    "AHPResult",
    "ExpertWeights",
    "InconsistentJudgementsError",
    "ahp_weights",
    "combine_experts",
    "geometric_mean_matrix",
    "pairwise_from_judgements",
    "random_index",
    "synthesise",
]

#: Saaty's threshold on the consistency ratio.
DEFAULT_MAX_CR = 0.10

#: Random indices RI(n) for n = 1..15. ``saaty_classic``: Saaty (1980), n = 9, 10 as commonly reproduced
#: (no value beyond 10); ``saaty_2005``: Saaty (2005) p. 31; ``donegan_dodd``: Donegan & Dodd (1991).
RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    "saaty_classic": (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49),
    "saaty_2005": (0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    "donegan_dodd": (0, 0, 0.4914, 0.8286, 1.0591, 1.1797, 1.2519, 1.3171, 1.3733, 1.4055, 1.4213, 1.4497,
                     1.4643, 1.4822, 1.4969),
}


class InconsistentJudgementsError(DataError):
    """A pairwise matrix's consistency ratio exceeds the allowed maximum (Saaty's 0.10)."""


def random_index(n: int, *, table: str = "saaty_classic") -> float:
    """Saaty's random index RI(n) from one of the tables of :data:`RANDOM_INDEX`."""
    if table not in RANDOM_INDEX:
        raise DataError(f"unknown random-index table {table!r}; expected one of {sorted(RANDOM_INDEX)}")
    values = RANDOM_INDEX[table]
    if not 1 <= n <= len(values):
        raise DataError(f"random-index table {table!r} covers n = 1..{len(values)}, got n = {n}; "
                        f"use ri_table='saaty_2005' or 'donegan_dodd' (up to 15 items)")
    return float(values[n - 1])


def _check_matrix(matrix: pd.DataFrame, name: str, *, rtol: float = 1e-6) -> np.ndarray:
    if list(matrix.index) != list(matrix.columns):
        raise DataError(f"pairwise matrix {name}: row labels {list(matrix.index)} differ from column labels "
                        f"{list(matrix.columns)}; both must list the same items in the same order")
    try:
        a = matrix.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"pairwise matrix {name}: every entry must be a number") from None
    n = a.shape[0]
    if n == 0:
        raise DataError(f"pairwise matrix {name} is empty")
    labels = list(matrix.index)
    for i in range(n):
        for j in range(n):
            if not np.isfinite(a[i, j]) or a[i, j] <= 0:
                raise DataError(f"pairwise matrix {name}: entry ({labels[i]!r}, {labels[j]!r}) is {a[i, j]!r}; "
                                "expected a positive number (Saaty scale 1/9..9)")
    bad = ~np.isclose(a * a.T, 1.0, rtol=rtol, atol=0.0)
    if bad.any():
        i, j = (int(x) for x in np.argwhere(bad)[0])
        raise DataError(f"pairwise matrix {name}: entries ({labels[i]!r}, {labels[j]!r}) = {a[i, j]:g} and "
                        f"({labels[j]!r}, {labels[i]!r}) = {a[j, i]:g} are not reciprocal (their product must be 1)")
    return a


@dataclass(frozen=True)
class AHPResult:
    """Eigenvector priorities of one pairwise matrix and its consistency.

    Attributes
    ----------
    weights : pandas.Series
        Priorities by item, summing to 1.
    lambda_max : float
        Principal eigenvalue :math:`\\lambda_{max}` (≥ n for a reciprocal matrix).
    ci, cr, ri : float
        Consistency index, consistency ratio (0 when RI is 0, i.e. n ≤ 2) and the random index used.
    ri_table : str
        Which table RI came from.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    ri: float
    ri_table: str

    @property
    def n(self) -> int:
        return len(self.weights)

    def consistent(self, max_cr: float = DEFAULT_MAX_CR) -> bool:
        return self.cr <= max_cr


def ahp_weights(matrix: pd.DataFrame, *, ri_table: str = "saaty_classic", max_cr: float | None = DEFAULT_MAX_CR,
                name: str = "") -> AHPResult:
    r"""Priorities of a reciprocal pairwise matrix by the principal eigenvector, with Saaty's CR.

    Parameters
    ----------
    matrix : DataFrame
        Square, labelled by item on both axes (same order); :math:`a_{ij}` = importance of the row item
        over the column item.
    ri_table : {"saaty_classic", "saaty_2005", "donegan_dodd"}, default="saaty_classic"
        Random-index table for :math:`CR = CI / RI(n)`.
    max_cr : float or None, default=0.10
        Refuse when CR exceeds it; ``None`` accepts any CR (the caller overrides Saaty's rule and should
        say so).
    name : str, default=""
        Name of the matrix (expert, criterion) for messages.

    Returns
    -------
    AHPResult

    Raises
    ------
    DataError
        The matrix is not square, not positive or not reciprocal.
    InconsistentJudgementsError
        ``CR > max_cr``.

    Examples
    --------
    >>> m = pd.DataFrame([[1, 3], [1 / 3, 1]], index=["a", "b"], columns=["a", "b"])
    >>> ahp_weights(m).weights.round(2).tolist()
    [0.75, 0.25]
    """
    label = f"{name!r}" if name else "(unnamed)"
    a = _check_matrix(matrix, label)
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    vec = np.abs(vectors[:, k].real)
    w = vec / vec.sum()
    ri = random_index(n, table=ri_table)
    ci = max((lam - n) / (n - 1), 0.0) if n > 1 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    result = AHPResult(pd.Series(w, index=matrix.index, name="weight"), lam, ci, cr, ri, ri_table)
    if max_cr is not None and cr > max_cr:
        raise InconsistentJudgementsError(
            f"pairwise matrix {label}: consistency ratio CR = {cr:.3f} exceeds {max_cr:.2f} "
            f"(lambda_max = {lam:.4f}, n = {n}, RI = {ri} from {ri_table}); revise the judgements "
            "or override the limit explicitly (allow_inconsistent / --allow-inconsistent)")
    return result


def pairwise_from_judgements(judgements: Mapping[tuple[str, str], float], items: list[str] | None = None,
                             *, name: str = "") -> pd.DataFrame:
    """Build a full reciprocal matrix from the judgements above (or below) the diagonal.

    ``judgements[(a, b)] = v`` says *a* is *v* times as important as *b*; the reciprocal is filled in. A pair
    given twice must be given consistently (``v`` and ``1/v``); a pair never given is an error naming it.
    """
    order = list(items) if items is not None else list(dict.fromkeys(x for pair in judgements for x in pair))
    pos = {item: i for i, item in enumerate(order)}
    n = len(order)
    a = np.full((n, n), np.nan)
    np.fill_diagonal(a, 1.0)
    label = f"{name!r}" if name else "(unnamed)"
    for (row, col), value in judgements.items():
        for item in (row, col):
            if item not in pos:
                raise DataError(f"pairwise judgements {label}: item {item!r} is not among {order}")
        v = float(value)
        if not np.isfinite(v) or v <= 0:
            raise DataError(f"pairwise judgements {label}: ({row!r}, {col!r}) = {value!r}; expected a positive number")
        i, j = pos[row], pos[col]
        if i == j:
            if not np.isclose(v, 1.0):
                raise DataError(f"pairwise judgements {label}: an item compared with itself must be 1, got {v:g}")
            continue
        if not np.isnan(a[i, j]) and not np.isclose(a[i, j], v):
            raise DataError(f"pairwise judgements {label}: ({row!r}, {col!r}) given twice with different values "
                            f"({a[i, j]:g} and {v:g})")
        a[i, j], a[j, i] = v, 1.0 / v
    missing = np.argwhere(np.isnan(a))
    if len(missing):
        i, j = (int(x) for x in missing[0])
        raise DataError(f"pairwise judgements {label}: no judgement for ({order[i]!r}, {order[j]!r}); "
                        f"{len(missing) // 2} pair(s) missing — AHP here needs every pair")
    return pd.DataFrame(a, index=order, columns=order)


def geometric_mean_matrix(matrices: Mapping[str, pd.DataFrame], *,
                          expert_weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    r"""Element-wise weighted geometric mean of experts' pairwise matrices (AIJ).

    :math:`\bar a_{ij} = \exp\big(\sum_e \omega_e \ln a^{(e)}_{ij}\big)` with :math:`\omega` scaled to sum 1
    (equal by default). Matrices are aligned on the first one's item order; different item sets are an error.
    """
    if not matrices:
        raise DataError("no pairwise matrices to combine")
    names = list(matrices)
    items = list(matrices[names[0]].index)
    omega = np.array([float((expert_weights or {}).get(e, 1.0)) for e in names])
    if (omega < 0).any() or omega.sum() <= 0:
        given = dict(zip(names, omega.tolist(), strict=True))
        raise DataError(f"expert weights must be non-negative and not all zero, got {given}")
    omega = omega / omega.sum()
    logs = np.zeros((len(items), len(items)))
    for e, w in zip(names, omega, strict=True):
        m = matrices[e]
        if set(m.index) != set(items) or set(m.columns) != set(items):
            raise DataError(f"expert {e!r} compares {sorted(m.index)}, but expert {names[0]!r} compares "
                            f"{sorted(items)}; all experts must judge the same items")
        a = _check_matrix(m.loc[items, items], repr(e))
        logs += w * np.log(a)
    return pd.DataFrame(np.exp(logs), index=items, columns=items)


@dataclass(frozen=True)
class ExpertWeights:
    """Group weights from several experts and each expert's own consistency.

    Attributes
    ----------
    weights : pandas.Series
        Eigenvector weights of the geometric-mean matrix.
    group : AHPResult
        The full result on the geometric-mean matrix (its CR too).
    experts : pandas.DataFrame
        One row per expert: ``lambda_max``, ``ci``, ``cr``, ``consistent`` and the expert's own weights.
    overridden : tuple of str
        Experts (or ``"group"``) whose CR exceeded the limit but were kept because the caller overrode it.
    """

    weights: pd.Series
    group: AHPResult
    experts: pd.DataFrame
    matrix: pd.DataFrame
    overridden: tuple[str, ...] = field(default=())


def combine_experts(matrices: Mapping[str, pd.DataFrame], *, ri_table: str = "saaty_classic",
                    max_cr: float = DEFAULT_MAX_CR, allow_inconsistent: bool = False,
                    expert_weights: Mapping[str, float] | None = None) -> ExpertWeights:
    """AHP weights of a panel of experts: each expert's CR checked, judgements combined by geometric mean.

    Parameters
    ----------
    matrices : mapping expert → DataFrame
        One reciprocal pairwise matrix per expert over the same items.
    ri_table : str, default="saaty_classic"
    max_cr : float, default=0.10
        Saaty's limit on every expert's CR and on the group matrix's CR.
    allow_inconsistent : bool, default=False
        Keep going when a CR exceeds ``max_cr``; the offenders are listed in ``overridden``.
    expert_weights : mapping, optional
        Relative weight of each expert in the geometric mean (equal by default).

    Raises
    ------
    InconsistentJudgementsError
        Some expert (all of them are named) or the group matrix has ``CR > max_cr``, unless overridden.
    """
    rows, offenders = [], []
    for expert, m in matrices.items():
        r = ahp_weights(m, ri_table=ri_table, max_cr=None, name=str(expert))
        rows.append({"expert": str(expert), "lambda_max": r.lambda_max, "ci": r.ci, "cr": r.cr,
                     "consistent": r.cr <= max_cr, **{f"w_{k}": v for k, v in r.weights.items()}})
        if r.cr > max_cr:
            offenders.append(f"{expert} (CR = {r.cr:.3f})")
    if offenders and not allow_inconsistent:
        raise InconsistentJudgementsError(
            f"{len(offenders)} of {len(matrices)} expert matrices exceed CR {max_cr:.2f}: {', '.join(offenders)}; "
            "ask those experts to revise, drop them, or override explicitly (--allow-inconsistent)")
    combined = geometric_mean_matrix(matrices, expert_weights=expert_weights)
    group = ahp_weights(combined, ri_table=ri_table, max_cr=None if allow_inconsistent else max_cr, name="group")
    overridden = [o.split(" (")[0] for o in offenders] + (["group"] if group.cr > max_cr else [])
    table = pd.DataFrame(rows).set_index("expert")
    return ExpertWeights(group.weights, group, table, combined, tuple(overridden))


def synthesise(criteria: pd.Series, local: Mapping[str, pd.Series]) -> pd.Series:
    r"""Overall priorities of alternatives in a two-level hierarchy: :math:`\sum_c w_c w_{a|c}`."""
    missing = [c for c in criteria.index if c not in local]
    if missing:
        raise DataError(f"no local priorities for criteria {missing}")
    frame = pd.DataFrame({c: local[c] for c in criteria.index})
    if frame.isna().any().any():
        raise DataError("the criteria's local priorities do not cover the same alternatives")
    return (frame * criteria).sum(axis=1).rename("priority")

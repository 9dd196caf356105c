r"""Diversity of a region's own structure: Herfindahl-Hirschman, Shannon entropy, related and unrelated variety.

Shares :math:`s_{ri} = x_{ri} / X_r` of industry :math:`i` in region :math:`r`; nothing here depends on a
national reference. Logarithms are to ``base`` (default 2, bits, as in Frenken, Van Oort & Verburg 2007
and EconGeo's ``entropy``), with the convention :math:`0 \log 0 = 0`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from territoria.economy._checks import EconomyInputError, check_matrix, row_shares

__all__ = ["check_hierarchy", "entropy", "herfindahl", "variety"]


def herfindahl(x: pd.DataFrame, *, inverse: bool = False) -> pd.Series:
    r"""Herfindahl-Hirschman index of each region's structure.

    .. math:: HHI_r = \sum_i s_{ri}^2

    Range :math:`[1/m, 1]` for :math:`m` industries (shares, not percentages; multiply by 10 000 for the
    antitrust scale). ``inverse=True`` returns :math:`1/HHI_r`, the "effective number of industries"
    (the catalogue's E10).
    """
    s = row_shares(check_matrix(x))
    hhi = s.pow(2).sum(axis=1)
    return (1.0 / hhi).rename("inverse_hhi") if inverse else hhi.rename("hhi")


def _plogp(p: np.ndarray, base: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return out / np.log(base)


def _check_base(base: float) -> float:
    if not isinstance(base, (int, float)) or not np.isfinite(base) or base <= 0 or base == 1:
        raise EconomyInputError(f"base: expected a logarithm base > 0 and != 1 (2 = bits, e = nats), got {base!r}")
    return float(base)


def entropy(x: pd.DataFrame, *, base: float = 2.0) -> pd.Series:
    r"""Shannon entropy of each region's structure.

    .. math:: H_r = -\sum_i s_{ri} \log_b s_{ri}

    0 for a one-industry region, :math:`\log_b m` when :math:`m` industries have equal shares.
    EconGeo's ``entropy`` uses :math:`b = 2` and :math:`\log_2(s + 10^{-9})` and rounds to 3 decimals;
    this function uses the exact convention :math:`0 \log 0 = 0` (differences below 1e-8 bits).
    """
    b = _check_base(base)
    s = row_shares(check_matrix(x)).to_numpy()
    return pd.Series(-_plogp(s, b).sum(axis=1), index=x.index, name="entropy")


def check_hierarchy(industries: Sequence[object], hierarchy: Mapping[str, Sequence[object]]) -> dict[str, list]:
    """Validate a two-level hierarchy: every industry in exactly one group, no unknown industry."""
    if not isinstance(hierarchy, Mapping) or not hierarchy:
        raise EconomyInputError("hierarchy: expected a non-empty mapping group -> list of industries")
    seen: dict[object, str] = {}
    known = set(industries)
    for group, members in hierarchy.items():
        if isinstance(members, str) or not isinstance(members, Sequence) or not members:
            raise EconomyInputError(f"hierarchy.{group}: expected a non-empty list of industries, got {members!r}")
        for member in members:
            if member not in known:
                raise EconomyInputError(f"hierarchy.{group}: industry {member!r} is not a column of the table "
                                        f"({list(industries)})")
            if member in seen:
                raise EconomyInputError(f"hierarchy.{group}: industry {member!r} is already in group "
                                        f"{seen[member]!r}; each industry belongs to one group")
            seen[member] = str(group)
    orphans = [i for i in industries if i not in seen]
    if orphans:
        raise EconomyInputError(f"hierarchy: industry {orphans[0]!r} belongs to no group; every column needs one")
    return {str(g): list(m) for g, m in hierarchy.items()}


def variety(x: pd.DataFrame, hierarchy: Mapping[str, Sequence[object]], *, base: float = 2.0) -> pd.DataFrame:
    r"""Related and unrelated variety over a two-level industry hierarchy (Frenken et al. 2007).

    With groups :math:`g` and group shares :math:`P_{rg} = \sum_{i \in g} s_{ri}`:

    .. math::
        UV_r = -\sum_g P_{rg} \log_b P_{rg}, \qquad
        RV_r = \sum_g P_{rg} H_{rg}, \quad H_{rg} = -\sum_{i \in g} \frac{s_{ri}}{P_{rg}}
               \log_b \frac{s_{ri}}{P_{rg}}

    (a group with :math:`P_{rg} = 0` adds nothing). By the decomposition property of entropy,
    :math:`H_r = UV_r + RV_r` exactly; both parts are computed on their own, so the identity is a check.
    A group of one industry adds nothing to related variety.

    Returns
    -------
    DataFrame
        Columns ``entropy``, ``related_variety``, ``unrelated_variety``, indexed like ``x``.
    """
    b = _check_base(base)
    values = check_matrix(x)
    groups = check_hierarchy(list(values.columns), hierarchy)
    s = row_shares(values)
    related = np.zeros(len(s))
    big = np.zeros((len(s), len(groups)))
    for k, members in enumerate(groups.values()):
        part = s[members].to_numpy()
        total = part.sum(axis=1)
        big[:, k] = total
        with np.errstate(divide="ignore", invalid="ignore"):
            within = np.where(total[:, None] > 0, part / np.where(total > 0, total, 1.0)[:, None], 0.0)
        related += total * -_plogp(within, b).sum(axis=1)
    unrelated = -_plogp(big, b).sum(axis=1)
    return pd.DataFrame({"entropy": -_plogp(s.to_numpy(), b).sum(axis=1), "related_variety": related,
                         "unrelated_variety": unrelated}, index=values.index)

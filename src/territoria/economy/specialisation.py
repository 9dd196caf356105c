r"""Specialisation of a region relative to a reference economy.

Notation (used in every docstring of this module): :math:`x_{ri}` output (or employment) of industry
:math:`i` in region :math:`r`; :math:`X_r = \sum_i x_{ri}`; region shares :math:`s_{ri} = x_{ri}/X_r`.
The reference shares :math:`n_i = N_i / \sum_j N_j` come from a national vector :math:`N_i` when one is
given (``national=``, e.g. the country row of the statistics) and otherwise from the sum of the regions,
:math:`N_i = \sum_r x_{ri}` (EconGeo's convention; the region itself is then part of its reference).
Which reference was used is the caller's choice and must be reported with the results.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from territoria.economy._checks import EconomyInputError, check_matrix, check_national, py, row_shares

__all__ = ["hachman_index", "krugman_index", "location_quotients", "locational_gini",
           "reference_shares", "structural_coefficients", "structural_variance"]


def reference_shares(x: pd.DataFrame, *, national: pd.Series | None = None,
                     national_total: float | None = None) -> pd.Series:
    r"""Reference shares :math:`n_i = N_i / T`.

    :math:`N_i` is ``national`` or :math:`\sum_r x_{ri}`; :math:`T` is ``national_total`` (e.g. GDP with
    net taxes) or :math:`\sum_i N_i`.
    """
    values = check_matrix(x)
    ref = check_national(national, values.columns)
    levels = values.sum(axis=0) if ref is None else ref
    if (levels <= 0).any():
        industry = levels.index[levels <= 0][0]
        raise EconomyInputError(f"x: industry {py(industry)!r} has no output in any region; its reference share is 0 "
                                "and every quotient is undefined; drop the column")
    total = float(levels.sum()) if national_total is None else float(national_total)
    if not np.isfinite(total) or total <= 0 or total < levels.sum() * (1 - 1e-6):
        raise EconomyInputError(f"national_total: {py(national_total)!r} is below the sum of the national industries "
                                f"({levels.sum():.6g}); national shares would sum above 1")
    return levels / total


def structural_coefficients(x: pd.DataFrame, *, national: pd.Series | None = None,
                            region_total: pd.Series | None = None,
                            national_total: float | None = None) -> pd.DataFrame:
    r"""Structural coefficient of each industry: its share in GRP over its share in GDP.

    .. math:: K_{ri} = \frac{x_{ri} / Y_r}{N_i / Y}

    :math:`Y_r` is ``region_total`` (e.g. GRP including net taxes on products) or :math:`X_r`; :math:`Y` is
    ``national_total`` (e.g. GDP) or :math:`\sum_i N_i`. With both totals left out this is the location
    quotient. :math:`K_{ri} > 1`: the industry weighs more in the region than in the country.

    Parameters
    ----------
    x : DataFrame
        Regions (index) x industries (columns), values >= 0.
    national : Series, optional
        National output by industry (same industries). Default: the sum of the regions.
    region_total : Series, optional
        Total of each region (GRP); the industries of a region must not exceed it.
    national_total : float, optional
        National total (GDP); must not be below the sum of ``national``.

    Returns
    -------
    DataFrame
        Same labels as ``x``.

    Raises
    ------
    EconomyInputError
        Negative or missing output, a region with zero output, an industry missing from (or zero in)
        the national reference, shares summing above one.
    """
    values = check_matrix(x)
    n = reference_shares(values, national=national, national_total=national_total)
    return row_shares(values, totals=region_total).div(n, axis=1)


def structural_variance(x: pd.DataFrame, *, ddof: int = 0, **reference: object) -> pd.Series:
    r"""Variance of a region's structural coefficients across industries (specialisation measure).

    .. math:: V_r = \frac{1}{m - \text{ddof}} \sum_{i=1}^{m} (K_{ri} - \bar K_r)^2,
              \quad \bar K_r = \frac{1}{m}\sum_i K_{ri}

    with :math:`m` industries, unweighted. The default ``ddof=0`` is the population variance (the
    industries are the whole list, not a sample); ``ddof=1`` gives the sample variance. Higher values mean
    a more specialised economy, values near 0 one shaped like the reference. Keyword arguments
    ``national``, ``region_total``, ``national_total`` go to :func:`structural_coefficients`.
    """
    if ddof not in (0, 1):
        raise EconomyInputError(f"ddof: expected 0 (population variance) or 1 (sample variance), got {ddof!r}")
    k = structural_coefficients(x, **reference)  # type: ignore[arg-type]
    if k.shape[1] <= ddof:
        raise EconomyInputError(f"x: {k.shape[1]} industry is too few for a variance with ddof={ddof}")
    return k.var(axis=1, ddof=ddof).rename("struct_coef_var")


def location_quotients(x: pd.DataFrame, *, national: pd.Series | None = None, binary: bool = False) -> pd.DataFrame:
    r"""Location quotients, continuous or binary.

    .. math:: LQ_{ri} = \frac{x_{ri} / X_r}{N_i / \sum_j N_j}

    Binary form: :math:`1` if :math:`LQ_{ri} \ge 1` else :math:`0` (a quotient of exactly one counts as
    specialised, as in EconGeo; "exactly" allows a relative rounding error of 1e-12).
    """
    lq = structural_coefficients(x, national=national)
    if not binary:
        return lq
    at_least_one = (lq > 1) | np.isclose(lq, 1.0, rtol=1e-12, atol=0.0)
    return pd.DataFrame(at_least_one.astype(int), index=lq.index, columns=lq.columns)


def krugman_index(x: pd.DataFrame, *, national: pd.Series | None = None,
                  reference: Literal["total", "rest"] = "total") -> pd.Series:
    r"""Krugman specialisation index.

    .. math:: KSI_r = \sum_i |s_{ri} - n_i|

    ``reference="total"``: :math:`n_i` from the national vector (or the sum of all regions, the region
    included — EconGeo's ``Krugman.index``). ``reference="rest"``: Krugman's (1991) rest-of-country form,
    :math:`n^{(-r)}_i = (N_i - x_{ri}) / \sum_j (N_j - x_{rj})`. Range ``[0, 2]``; half of it is the
    "specialisation coefficient" (EconGeo ``spec.coeff``).
    """
    values = check_matrix(x)
    s = row_shares(values)
    if reference == "total":
        n = reference_shares(values, national=national)
        return (s - n).abs().sum(axis=1).rename("krugman")
    if reference != "rest":
        raise EconomyInputError(f"reference: expected 'total' or 'rest', got {reference!r}")
    ref = check_national(national, values.columns)
    levels = values.sum(axis=0) if ref is None else ref
    rest = -values.sub(levels, axis=1)
    if (rest < -1e-9 * levels.abs().max()).to_numpy().any():
        raise EconomyInputError("national: a region produces more than the national total of an industry; "
                                "the rest of the country would be negative")
    rest = rest.clip(lower=0)
    rest_totals = rest.sum(axis=1)
    if (rest_totals <= 0).any():
        raise EconomyInputError(f"x: region {py(rest_totals.index[rest_totals <= 0][0])!r} is the whole country; "
                                "there is no rest of the country")
    return (s - rest.div(rest_totals, axis=0)).abs().sum(axis=1).rename("krugman")


def hachman_index(x: pd.DataFrame, *, national: pd.Series | None = None) -> pd.Series:
    r"""Hachman index: how closely a region's structure resembles the reference.

    .. math:: HI_r = \Big(\sum_i s_{ri}\, LQ_{ri}\Big)^{-1} = \Big(\sum_i s_{ri}^2 / n_i\Big)^{-1}

    Range ``(0, 1]``; 1 when the region's shares equal the reference shares (as EconGeo's
    ``hachman``).
    """
    values = check_matrix(x)
    s = row_shares(values)
    n = reference_shares(values, national=national)
    return (1.0 / (s.pow(2).div(n, axis=1)).sum(axis=1)).rename("hachman")


def locational_gini(x: pd.DataFrame) -> pd.Series:
    r"""Locational Gini coefficient of each industry (Krugman 1991): how concentrated it is in space.

    Regions are sorted by :math:`x_{ri} / (X_r / X)` (ascending location quotient); with cumulative shares
    :math:`c_k` of the industry and :math:`p_k` of total output over the first :math:`k` regions,

    .. math:: G_i = \tfrac12 \sum_{k=1}^{R-1} (c_{k+1}\, p_k - c_k\, p_{k+1})

    which is the area between the diagonal and the industry's Lorenz curve (half the usual Gini ratio):
    0 when the industry is spread like total output, at most 0.5. Ties in the sort do not change the
    value. Same definition as EconGeo's ``locational.Gini``.
    """
    values = check_matrix(x)
    pop = values.sum(axis=1) / values.to_numpy().sum()
    out = {}
    for industry in values.columns:
        col = values[industry].to_numpy()
        if col.sum() <= 0:
            raise EconomyInputError(f"x: industry {py(industry)!r} has no output in any region; its locational "
                                    "Gini is undefined")
        order = np.argsort(col / pop.to_numpy(), kind="stable")
        c = np.cumsum(col[order]) / col.sum()
        p = np.cumsum(pop.to_numpy()[order])
        p = p / p[-1]
        out[industry] = float((c[1:] * p[:-1] - c[:-1] * p[1:]).sum() / 2)
    return pd.Series(out, name="locational_gini").rename_axis(values.columns.name)

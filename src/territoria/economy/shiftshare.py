r"""Shift-share decomposition of the change in a region's output between two years.

For region :math:`r`, industry :math:`i`, base year 0 and final year 1, with national output
:math:`N_{i}` (the country row when given, else the sum of the regions):

.. math::
    g = \frac{\sum_i N_{i1}}{\sum_i N_{i0}} - 1, \qquad g_i = \frac{N_{i1}}{N_{i0}} - 1

    NS_{ri} = x_{ri0}\, g, \qquad IM_{ri} = x_{ri0}\,(g_i - g), \qquad
    CE_{ri} = (x_{ri1} - x_{ri0}) - NS_{ri} - IM_{ri}

national share, industry mix and competitive (regional) effect. :math:`CE_{ri} = x_{ri0}(g_{ri} - g_i)`
whenever :math:`x_{ri0} > 0`; written as a residual it also covers an industry that is new in the region.
The three parts sum to the actual change by construction, cell by cell and for every total.
Values in current prices mix volume and price changes; deflate both years first for a real decomposition.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from territoria.economy._checks import EconomyInputError, check_matrix, check_national, py

__all__ = ["COMPONENTS", "shift_share"]

COMPONENTS = ("national_share", "industry_mix", "competitive", "actual_change")


def shift_share(x0: pd.DataFrame, x1: pd.DataFrame, *, national0: pd.Series | None = None,
                national1: pd.Series | None = None,
                by: Literal["cell", "region", "industry"] = "region") -> pd.DataFrame:
    """Classic (Dunn 1960) shift-share decomposition; see the module docstring for the formulas.

    Parameters
    ----------
    x0, x1 : DataFrame
        Regions x industries in the base and final year; same regions and industries.
    national0, national1 : Series, optional
        National output by industry in each year; both or neither (default: sums of the regions).
    by : {"cell", "region", "industry"}, default="region"
        ``cell``: one row per (region, industry); ``region`` / ``industry``: sums over the other axis.

    Returns
    -------
    DataFrame
        Columns ``base``, ``final``, ``national_share``, ``industry_mix``, ``competitive``,
        ``actual_change``; ``national_share + industry_mix + competitive == actual_change``.
    """
    a = check_matrix(x0, name="x0", allow_zero_rows=True)
    b = check_matrix(x1, name="x1", allow_zero_rows=True)
    if set(a.index) != set(b.index) or set(a.columns) != set(b.columns):
        diff = sorted(map(str, set(a.index) ^ set(b.index))) or sorted(map(str, set(a.columns) ^ set(b.columns)))
        raise EconomyInputError(f"x0, x1: the two years must have the same regions and industries; {diff[0]!r} "
                                "is in only one of them")
    b = b.loc[a.index, a.columns]
    if (national0 is None) != (national1 is None):
        raise EconomyInputError("national0, national1: give the national reference for both years or for neither")
    if national0 is None:
        n0, n1 = a.sum(axis=0), b.sum(axis=0)
        zero = n0[n0 <= 0]
        if len(zero):
            raise EconomyInputError(f"x0: industry {py(zero.index[0])!r} has no output in any region in the base year; "
                                    "its national growth rate is undefined")
    else:
        n0 = check_national(national0, a.columns, name="national0")
        n1 = check_national(national1, a.columns, name="national1")
    g = n1.sum() / n0.sum() - 1.0
    gi = n1 / n0 - 1.0
    ns = a * g
    im = a.mul(gi - g, axis=1)
    change = b - a
    ce = change - ns - im
    cell = pd.DataFrame({"base": a.stack(), "final": b.stack(), "national_share": ns.stack(),
                         "industry_mix": im.stack(), "competitive": ce.stack(), "actual_change": change.stack()})
    cell.index.names = [a.index.name or "region", a.columns.name or "industry"]
    if by == "cell":
        return cell
    if by not in ("region", "industry"):
        raise EconomyInputError(f"by: expected 'cell', 'region' or 'industry', got {by!r}")
    level = 0 if by == "region" else 1
    return cell.groupby(level=level, sort=False).sum()

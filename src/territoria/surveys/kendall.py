r"""Kendall's coefficient of concordance W: how far experts agree in ranking the same items.

With *k* raters each ranking the same *n* items (ties get average ranks), :math:`R_j` the sum of the
ranks item *j* received and :math:`S = \sum_j (R_j - \bar R)^2`,

.. math::

    W = \frac{12 S}{k^2 (n^3 - n) - k \sum_{r} \sum_{g} (t_{rg}^3 - t_{rg})}

where :math:`t_{rg}` is the size of the *g*-th group of ties in rater *r*'s ranking (Kendall & Babington
Smith 1939; the tie correction as in Siegel & Castellan 1988 and NAG routine G08DAF). Without ties the
correction term is zero; ``w_uncorrected`` drops it in any case. W = 1 is complete agreement, 0 none.

Significance: under the null hypothesis of no agreement :math:`\chi^2 = k (n - 1) W` is approximately
chi-square with :math:`n - 1` degrees of freedom; ``p_value`` is its upper tail (a large-sample
approximation: with *n* ≤ 7 and few raters prefer exact tables).

References
----------
Kendall, M.G. & Babington Smith, B. (1939) The problem of m rankings. *Ann. Math. Statist.* 10(3).
Siegel, S. & Castellan, N.J. (1988) *Nonparametric Statistics for the Behavioral Sciences*, 2nd ed.
NAG Library Manual, G08DAF (Kendall's coefficient of concordance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from territoria.errors import DataError

__all__ = ["KendallW", "kendall_w"]


@dataclass(frozen=True)
class KendallW:
    """Result of :func:`kendall_w`.

    Attributes
    ----------
    w : float
        Tie-corrected coefficient of concordance.
    w_uncorrected : float
        The same without the tie correction.
    s : float
        Sum of squared deviations of the item rank sums from their mean.
    chi2, df, p_value : float, int, float
        :math:`k (n-1) W`, :math:`n - 1` and the chi-square upper-tail probability.
    n_raters, n_items : int
    rank_sums : pandas.Series
        :math:`R_j` by item; the consensus order is ascending rank sum.
    """

    w: float
    w_uncorrected: float
    s: float
    chi2: float
    df: int
    p_value: float
    n_raters: int
    n_items: int
    rank_sums: pd.Series

    def to_frame(self) -> pd.DataFrame:
        """One-row table of the statistics (for printing and export)."""
        return pd.DataFrame([{"W": self.w, "W_uncorrected": self.w_uncorrected, "S": self.s, "chi2": self.chi2,
                              "df": self.df, "p_value": self.p_value, "raters": self.n_raters,
                              "items": self.n_items}])


def kendall_w(table: pd.DataFrame, *, higher_is_first: bool = False) -> KendallW:
    """Kendall's W of a raters × items table of ranks or scores.

    Parameters
    ----------
    table : DataFrame
        One row per rater, one column per item. Values are ranks (1 = first) or any ordinal scores;
        each row is re-ranked with average ranks for ties, so ranks already averaged stay as they are.
    higher_is_first : bool, default=False
        ``True`` when the values are scores where a larger value means a higher place (the row is then
        ranked in descending order). W does not depend on the direction as long as it is the same for all.

    Raises
    ------
    DataError
        Fewer than 2 raters or items, or a missing / non-numeric value (its rater and item named).

    Examples
    --------
    >>> t = pd.DataFrame([[1, 2, 3], [1, 2, 3]], columns=["a", "b", "c"])
    >>> kendall_w(t).w
    1.0
    """
    k, n = table.shape
    if k < 2 or n < 2:
        raise DataError(f"Kendall's W needs at least 2 raters and 2 items, got {k} rater(s) × {n} item(s)")
    values = table.apply(pd.to_numeric, errors="coerce")
    bad = values.isna()
    if bad.any().any():
        rater, item = next((r, c) for r in bad.index for c in bad.columns if bad.at[r, c])
        raise DataError(f"Kendall's W: rater {rater!r}, item {item!r} has {table.at[rater, item]!r}; "
                        "every rater must rank every item (drop incomplete raters first)")
    data = values.to_numpy(dtype=float)
    if higher_is_first:
        data = -data
    ranks = np.vstack([stats.rankdata(row, method="average") for row in data])
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - rank_sums.mean()) ** 2).sum())
    ties = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        ties += float((counts.astype(float) ** 3 - counts).sum())
    denom_plain = k ** 2 * (n ** 3 - n)
    w_plain = 12.0 * s / denom_plain
    denom = denom_plain - k * ties
    w = 12.0 * s / denom if denom > 0 else float("nan")
    chi2 = k * (n - 1) * w
    p = float(stats.chi2.sf(chi2, n - 1)) if np.isfinite(chi2) else float("nan")
    return KendallW(float(w), float(w_plain), s, float(chi2), n - 1, p, k, n,
                    pd.Series(rank_sums, index=table.columns, name="rank_sum"))

r"""Trends of one series: growth, compound annual rate, Theil–Sen slope, Mann–Kendall test, a break.

For a series :math:`x_1..x_n` observed in years :math:`t_1 < .. < t_n`:

* total growth :math:`g = 100\,(x_n / x_1 - 1)` (%), compound annual rate
  :math:`r = 100\,((x_n / x_1)^{1/(t_n - t_1)} - 1)` (% a year; only when :math:`x_1, x_n > 0`);
* Theil–Sen slope: the median of the pairwise slopes :math:`(x_j - x_i)/(t_j - t_i)`, with its 95 %
  interval (``scipy.stats.theilslopes``);
* Mann–Kendall: :math:`S = \sum_{i<j} \operatorname{sgn}(x_j - x_i)`, with the variance corrected for
  ties (groups of :math:`t_g` equal values)

  .. math:: \operatorname{Var}(S) = \frac{n(n-1)(2n+5) - \sum_g t_g(t_g-1)(2t_g+5)}{18},

  :math:`Z = (S - \operatorname{sgn} S)/\sqrt{\operatorname{Var} S}` (continuity correction, 0 when
  :math:`S = 0`), two-sided :math:`p = 2(1 - \Phi(|Z|))`, and Kendall's
  :math:`\tau_a = S / (n(n-1)/2)`. Written out here (not ``scipy.stats.kendalltau``, whose p-value
  for short series is exact rather than the normal approximation above);
* a break: Pettitt's test, :math:`U_k = \sum_{i \le k} \sum_{j > k} \operatorname{sgn}(x_i - x_j)`,
  :math:`K = \max_k |U_k|`, approximate :math:`p = 2 \exp(-6K^2/(n^3 + n^2))` (capped at 1); the
  break year is the first year after the split :math:`k^* = \arg\max_k |U_k|`.

References
----------
Mann, H. B. (1945), Econometrica 13, 245–259; Kendall, M. G. (1975), *Rank Correlation Methods*;
Sen, P. K. (1968), JASA 63, 1379–1389; Pettitt, A. N. (1979), Applied Statistics 28, 126–135.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from territoria.dynamics.doubts import doubt_notes
from territoria.errors import DataError

__all__ = ["MIN_YEARS", "MannKendall", "mann_kendall", "pettitt", "series_trend", "trend_table"]

#: A trend needs at least this many years with a value.
MIN_YEARS = 3

TREND_COLUMNS = ["n_years", "first_year", "last_year", "first", "last", "growth_pct", "cagr_pct",
                 "sen_slope", "sen_low", "sen_high", "mk_s", "mk_var", "mk_z", "mk_p", "mk_tau", "trend",
                 "break_year", "break_p"]


@dataclass(frozen=True)
class MannKendall:
    """Mann–Kendall statistic ``S``, its tie-corrected variance, ``Z``, two-sided ``p`` and ``tau``."""

    s: int
    var_s: float
    z: float
    p: float
    tau: float


def mann_kendall(values: np.ndarray | list[float]) -> MannKendall:
    """Mann–Kendall trend test of an ordered series (formula in the module docstring).

    Examples
    --------
    >>> r = mann_kendall([7027, 7058, 6955, 6870, 6833, 6731])   # Mamlyutka, seed 002 Table 2
    >>> r.s, round(r.var_s, 3), round(r.z, 4)
    (-13, 28.333, -2.2544)
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2:
        raise DataError(f"Mann-Kendall test: needs at least 2 values, got {n}")
    diff = x[None, :] - x[:, None]
    s = int(np.sign(diff[np.triu_indices(n, k=1)]).sum())
    _, counts = np.unique(x, return_counts=True)
    ties = float(sum(t * (t - 1) * (2 * t + 5) for t in counts if t > 1))
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    z = 0.0 if s == 0 or var_s <= 0 else (s - np.sign(s)) / np.sqrt(var_s)
    p = float(2 * ndtr(-abs(z)))                      # 2 (1 - Phi(|Z|)), as scipy.stats.norm.sf computes it
    return MannKendall(s=s, var_s=float(var_s), z=float(z), p=p, tau=s / (n * (n - 1) / 2))


def pettitt(values: np.ndarray | list[float]) -> tuple[int, float, float]:
    """Pettitt's change-point test: (split position k* (1-based, last index of the first part), K, p)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    sign = np.sign(x[:, None] - x[None, :])        # sgn(x_i - x_j)
    u = np.array([sign[:k, k:].sum() for k in range(1, n)])
    k = int(np.argmax(np.abs(u))) + 1
    big_k = float(np.abs(u).max())
    p = float(min(1.0, 2 * np.exp(-6 * big_k ** 2 / (n ** 3 + n ** 2))))
    return k, big_k, p


def series_trend(years: list[int] | np.ndarray, values: list[float] | np.ndarray, *, alpha: float = 0.05,
                 where: str = "series") -> dict[str, object]:
    """Every trend statistic of one series (see the module docstring); missing values are dropped.

    Parameters
    ----------
    years, values : array-like
        Same length; years need not be consecutive.
    alpha : float, default=0.05
        Level of the Mann–Kendall test for the ``trend`` label (increasing / decreasing / no trend).
    where : str
        Names the series in error messages (e.g. ``"unit 595220100, population_reported"``).

    Raises
    ------
    DataError
        Fewer than :data:`MIN_YEARS` years with a value.
    """
    frame = pd.DataFrame({"year": np.asarray(years, dtype=int), "value": np.asarray(values, dtype=float)})
    frame = frame.dropna().sort_values("year")
    if frame["year"].duplicated().any():
        raise DataError(f"{where}: year {int(frame.loc[frame['year'].duplicated(), 'year'].iloc[0])} appears twice")
    n = len(frame)
    if n < MIN_YEARS:
        got = ", ".join(str(y) for y in frame["year"]) or "none"
        raise DataError(f"{where}: a trend needs at least {MIN_YEARS} years with a value; got {n} ({got})")
    t, x = frame["year"].to_numpy(), frame["value"].to_numpy()
    first, last, span = float(x[0]), float(x[-1]), int(t[-1] - t[0])
    growth = 100 * (last / first - 1) if first != 0 else np.nan
    cagr = 100 * ((last / first) ** (1 / span) - 1) if first > 0 and last > 0 and span > 0 else np.nan
    if np.ptp(x) == 0:
        slope, low, high = 0.0, 0.0, 0.0
    else:
        # scipy.stats loads in 1.3 s, and this module comes with every diagnosis (the assess and report
        # commands, the web server), most of which compute no trend
        from scipy.stats import theilslopes  # lazy: heavy

        slope, _, low, high = theilslopes(x, t, alpha=0.95)
    mk = mann_kendall(x)
    label = ("increasing" if mk.s > 0 else "decreasing") if mk.p < alpha else "no trend"
    k, _, p_break = pettitt(x)
    return {"n_years": n, "first_year": int(t[0]), "last_year": int(t[-1]), "first": first, "last": last,
            "growth_pct": float(growth), "cagr_pct": float(cagr), "sen_slope": float(slope),
            "sen_low": float(low), "sen_high": float(high), "mk_s": mk.s, "mk_var": mk.var_s, "mk_z": mk.z,
            "mk_p": mk.p, "mk_tau": mk.tau, "trend": label, "break_year": int(t[k]), "break_p": p_break}


def trend_table(observations: pd.DataFrame, *, alpha: float = 0.05, short: str = "skip") -> pd.DataFrame:
    """Trend statistics per (unit, indicator) of a long table (``unit, indicator, year, value``).

    Parameters
    ----------
    observations : DataFrame
        Long observations (a Panel's ``.observations``); may also hold ``indicator == "composite"``.
    alpha : float, default=0.05
        Level of the Mann–Kendall test.
    short : {"skip", "raise"}, default="skip"
        What to do with a series of fewer than :data:`MIN_YEARS` years: leave it out (it is listed in
        ``attrs["skipped"]``) or raise :class:`~territoria.errors.DataError` naming it.

    Returns
    -------
    DataFrame
        Index (unit, indicator); columns :data:`TREND_COLUMNS` and ``doubt``: the doubtful seed figures the
        series holds (kept as printed, :mod:`territoria.dynamics.doubts`), empty when there is none.
    """
    if short not in ("skip", "raise"):
        raise DataError(f"trend_table: short must be 'skip' or 'raise', got {short!r}")
    missing = [c for c in ("unit", "indicator", "year", "value") if c not in observations.columns]
    if missing:
        raise DataError(f"trend_table: observations lack column(s) {missing}")
    rows, skipped = [], []
    data = observations.dropna(subset=["value"])
    for (unit, indicator), part in data.groupby(["unit", "indicator"], sort=True):
        if len(part) < MIN_YEARS:
            if short == "raise":
                series_trend(part["year"], part["value"], alpha=alpha, where=f"unit {unit}, {indicator}")
            skipped.append((str(unit), str(indicator), len(part)))
            continue
        stats_ = series_trend(part["year"], part["value"], alpha=alpha, where=f"unit {unit}, {indicator}")
        rows.append({"unit": str(unit), "indicator": str(indicator), **stats_})
    table = pd.DataFrame(rows, columns=["unit", "indicator", *TREND_COLUMNS]).set_index(["unit", "indicator"])
    table["doubt"] = doubt_notes(data).reindex(table.index).fillna("").astype(str)
    table.attrs["skipped"] = skipped
    return table

r"""Outlier treatment: COINr-style winsorisation driven by skewness and kurtosis, or a log transform.

An indicator *passes* when :math:`|g_1| < s_{max}` or :math:`g_2 < k_{max}`, with :math:`g_1` the
bias-adjusted sample skewness and :math:`g_2` the bias-adjusted excess kurtosis (pandas ``skew`` /
``kurt``); defaults :math:`s_{max} = 2`, :math:`k_{max} = 3.5` (OECD/JRC Handbook; COINr).

Winsorisation: while the indicator fails, if :math:`g_1 \ge 0` every value equal to the current
maximum is replaced by the largest remaining value (otherwise the minimum side likewise), and the
test is repeated. If more than ``winmax`` points would have to be capped, winsorisation is
abandoned and the fallback applies: ``log`` gives
:math:`\log(x - \min x + 0.01 (\max x - \min x))` of the untreated values (``none`` leaves them).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import Interval, OneOf, Step
from territoria.assess.spec import TREAT_METHODS

__all__ = ["Treat", "passes", "winsorise_column"]


def _moments(v: np.ndarray) -> tuple[float, float]:
    """Bias-adjusted sample skewness and excess kurtosis of finite values, as pandas computes them.

    :math:`G_1 = \\sqrt{n(n-1)}/(n-2)\\, m_3/m_2^{3/2}` and
    :math:`G_2 = (n-1)/((n-2)(n-3))\\,((n+1)(m_4/m_2^2 - 3) + 6)`; NaN below 3 (4) values, 0 for a
    constant.
    """
    n = v.size
    if n < 3:
        return np.nan, np.nan
    d = v - v.mean()
    d2 = d * d
    m2 = d2.mean()
    if m2 <= 1e-14 * max(1.0, float(np.abs(v).max()) ** 2):
        return 0.0, (0.0 if n >= 4 else np.nan)
    m3, m4 = (d2 * d).mean(), (d2 * d2).mean()
    g1 = np.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / m2**1.5
    if n < 4:
        return float(g1), np.nan
    g2 = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * (m4 / m2**2 - 3.0) + 6.0)
    return float(g1), float(g2)


def passes(x: pd.Series | np.ndarray, *, skew: float = 2.0, kurt: float = 3.5) -> bool:
    """True when ``|skewness| < skew`` or ``excess kurtosis < kurt`` (NaN statistics pass)."""
    v = np.asarray(x, dtype=float)
    g1, g2 = _moments(v[np.isfinite(v)])
    if np.isnan(g1) or np.isnan(g2):
        return True
    return bool(abs(g1) < skew or g2 < kurt)


def winsorise_column(x: pd.Series, *, skew: float = 2.0, kurt: float = 3.5,
                     winmax: int = 5) -> tuple[pd.Series, int, int, bool]:
    """Winsorise one indicator; returns (values, n_low, n_high, passed).

    Each round caps the side the skewness points to at the next distinct value, so after *k* rounds
    on the high side the values are clipped at the (*k*+1)-th largest distinct value.
    """
    original = x.to_numpy(dtype=float)
    present = original[np.isfinite(original)]
    distinct = np.unique(present)
    lo_at, hi_at = 0, distinct.size - 1
    values = present.copy()
    while not passes(values, skew=skew, kurt=kurt):
        if hi_at - lo_at + 1 < 3:
            break
        if _moments(values)[0] >= 0:
            hi_at -= 1
        else:
            lo_at += 1
        values = np.clip(present, distinct[lo_at], distinct[hi_at])
        n_low, n_high = int((present < distinct[lo_at]).sum()), int((present > distinct[hi_at]).sum())
        if n_low + n_high > winmax:
            return x.astype(float), 0, 0, False
    if distinct.size == 0:
        return x.astype(float), 0, 0, True
    floor, cap = distinct[lo_at], distinct[hi_at]
    capped = pd.Series(np.where(np.isfinite(original), np.clip(original, floor, cap), np.nan), index=x.index)
    n_low, n_high = int((present < floor).sum()), int((present > cap).sum())
    return capped, n_low, n_high, passes(values, skew=skew, kurt=kurt)


class Treat(Step):
    """Treat outliers per indicator (see the module docstring for the rule).

    Parameters
    ----------
    method : {"none", "winsorise", "log"}, default="none"
        ``log`` applies the shifted log to every indicator that fails the test.
    skew, kurt : float, default=2.0, 3.5
        Thresholds of the test.
    winmax : int, default=5
        Most points that may be capped per indicator before the fallback.
    fallback : {"log", "none"}, default="log"
    exclude : list of str, default=()
        Indicators left untreated.

    Attributes
    ----------
    summary_ : dict
        Per indicator: ``{"action": "none"|"winsorised"|"log"|"failed", "low": n, "high": n}``.
    n_treated_ : int
        Number of cells changed.

    Notes
    -----
    Missing values are ignored by the test and stay missing. The test is run on all rows (pooled over
    years when several). References: OECD & JRC (2008) Handbook, step 3; Becker et al. (2022) COINr.
    """

    family = "treat"
    method = "treat"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf(*TREAT_METHODS)],
        "skew": [Interval(float, 0, None, "right")],
        "kurt": [Interval(float, 0, None, "right")],
        "winmax": [Interval(int, 0, None)],
        "fallback": [OneOf("log", "none")],
        "exclude": [list, tuple],
    }

    def __init__(self, *, method: str = "none", skew: float = 2.0, kurt: float = 3.5, winmax: int = 5,
                 fallback: str = "log", exclude: list[str] | tuple[str, ...] = ()) -> None:
        self.method = method
        self.skew = skew
        self.kurt = kurt
        self.winmax = winmax
        self.fallback = fallback
        self.exclude = exclude

    def _fit(self, table: pd.DataFrame, **_: Any) -> None:
        self.summary_ = {}
        for code in table.columns:
            col = table[code].astype(float)
            entry: dict[str, Any] = {"action": "none", "low": 0, "high": 0}
            if self.method != "none" and code not in self.exclude and not passes(col, skew=self.skew,
                                                                                  kurt=self.kurt):
                if self.method == "winsorise":
                    new, lo, hi, ok = winsorise_column(col, skew=self.skew, kurt=self.kurt, winmax=self.winmax)
                    entry = {"action": "winsorised" if ok else "failed", "low": lo, "high": hi,
                             "floor": float(new.min()), "cap": float(new.max())}
                if self.method == "log" or (entry["action"] == "failed" and self.fallback == "log"):
                    entry = {"action": "log", "low": 0, "high": 0, "min": float(col.min()),
                             "range": float(col.max() - col.min())}
            self.summary_[str(code)] = entry

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:
        out = table.astype(float).copy()
        for code in table.columns:
            entry = self.summary_.get(str(code), {"action": "none"})
            if entry["action"] == "winsorised":
                out[code] = out[code].clip(entry["floor"], entry["cap"])
            elif entry["action"] == "log":
                out[code] = np.log(out[code] - entry["min"] + 0.01 * entry["range"])
        self.mask_ = ~((out == table) | (out.isna() & table.isna()))
        self.n_treated_ = int(self.mask_.to_numpy().sum())
        return out

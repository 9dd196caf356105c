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

__all__ = ["Treat", "passes", "winsorise_column"]


def passes(x: pd.Series, *, skew: float = 2.0, kurt: float = 3.5) -> bool:
    """True when ``|skewness| < skew`` or ``excess kurtosis < kurt`` (NaN statistics pass)."""
    g1, g2 = x.skew(), x.kurt()
    if np.isnan(g1) or np.isnan(g2):
        return True
    return bool(abs(g1) < skew or g2 < kurt)


def winsorise_column(x: pd.Series, *, skew: float = 2.0, kurt: float = 3.5,
                     winmax: int = 5) -> tuple[pd.Series, int, int, bool]:
    """Winsorise one indicator; returns (values, n_low, n_high, passed)."""
    y = x.astype(float).copy()
    low: set[Any] = set()
    high: set[Any] = set()
    while not passes(y, skew=skew, kurt=kurt):
        present = y.dropna()
        if present.nunique() < 3:
            break
        if present.skew() >= 0:
            at = present.index[present == present.max()]
            high.update(at)
            y[at] = present.drop(at).max()
        else:
            at = present.index[present == present.min()]
            low.update(at)
            y[at] = present.drop(at).min()
        if len(low) + len(high) > winmax:
            return x.astype(float), 0, 0, False
    return y, len(low), len(high), passes(y, skew=skew, kurt=kurt)


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
        "method": [OneOf("none", "winsorise", "log")],
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

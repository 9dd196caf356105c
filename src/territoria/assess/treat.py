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

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess import buffers
from territoria.assess.base import Interval, OneOf, Step, StepReport, as_frame
from territoria.assess.moments import column_moments, column_sums, passes, winsorise_column
from territoria.assess.spec import TREAT_METHODS
from territoria.assess.threads import each
from territoria.assess.treat_stats import TreatStats, winsorise_bounds

__all__ = ["Treat", "TreatStats", "column_moments", "column_sums", "passes", "winsorise_column"]


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

    Notes
    -----
    Missing values are ignored by the test and stay missing. The test is run on all rows (pooled over
    years when several). :meth:`apply` also writes the ``treated_mask`` stage; :meth:`report`
    counts the changed cells. The test statistics come from power sums accumulated in one blocked
    pass (:func:`column_moments`); winsorisation needs only the ``winmax + 2`` most extreme values
    of each side. The fit reads mergeable statistics (:meth:`partial_stats`, ``stats`` scope), so a
    distributed backend reads each partition once; ``fit`` on one table is the same code on one
    partial (:mod:`territoria.assess.treat_stats`).
    References: OECD & JRC (2008) Handbook, step 3; Becker et al. (2022) COINr.
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

    reads = ("imputed",)
    writes = ("treated", "treated_mask")

    def __init__(self, *, method: str = "none", skew: float = 2.0, kurt: float = 3.5, winmax: int = 5,
                 fallback: str = "log", exclude: list[str] | tuple[str, ...] = ()) -> None:
        self.method = method
        self.skew = skew
        self.kurt = kurt
        self.winmax = winmax
        self.fallback = fallback
        self.exclude = exclude

    def fit_scope(self) -> str:
        return "none" if self.method == "none" else "stats"

    def _todo(self, columns: pd.Index) -> list[str]:
        return [c for c in columns if self.method != "none" and c not in self.exclude]

    def partial_stats(self, table: pd.DataFrame, **_: Any) -> TreatStats:
        """The :class:`~territoria.assess.treat_stats.TreatStats` of the treated columns of some rows."""
        todo = self._todo(table.columns)
        return TreatStats.of(table if len(todo) == table.shape[1] else table[todo], k=int(self.winmax) + 2)

    @staticmethod
    def merge_stats(parts: list[Any]) -> TreatStats:
        return TreatStats.merge(parts)

    def fit_stats(self, stats: Any, columns: pd.Index, **_: Any) -> Treat:
        """Fit from merged statistics; ``fit`` on a whole table is this on its one partial."""
        self.begin_fit()
        self._learn(stats, columns)
        self.is_fitted_ = True
        return self

    def _fit(self, table: pd.DataFrame, **_: Any) -> None:
        # the single-machine fit goes through the partial and its merge: one code path for every engine
        todo = self._todo(table.columns)
        self._learn(self.merge_stats([self.partial_stats(table)]) if todo else None, table.columns)

    def _learn(self, stats: TreatStats | None, columns: pd.Index) -> None:
        self.summary_ = {}
        at = {c: i for i, c in enumerate(stats.columns)} if stats is not None else {}
        tests = stats.moments() if stats is not None and at else np.empty((0, 2))
        for code in columns:
            entry: dict[str, Any] = {"action": "none", "low": 0, "high": 0}
            i = at.get(str(code))                  # the statistics hold the treated columns only
            if i is not None:
                g1, g2 = tests[i]
                if not (np.isnan(g1) or np.isnan(g2) or abs(g1) < self.skew or g2 < self.kurt):
                    if self.method == "winsorise":
                        lo_v, hi_v, lo, hi, ok = winsorise_bounds(stats, i, skew=self.skew, kurt=self.kurt,
                                                                  winmax=self.winmax)
                        entry = {"action": "winsorised" if ok else "failed", "low": lo, "high": hi,
                                 "floor": lo_v, "cap": hi_v}
                    if self.method == "log" or (entry["action"] == "failed" and self.fallback == "log"):
                        lo_c, hi_c = ((entry["floor"], entry["cap"]) if entry["action"] == "failed"
                                      else (float(stats.low[i]), float(stats.high[i])))
                        entry = {"action": "log", "low": 0, "high": 0, "min": lo_c, "range": float(hi_c - lo_c)}
            self.summary_[str(code)] = entry

    def _changed(self, table: pd.DataFrame) -> list[int]:
        return [j for j, code in enumerate(table.columns)
                if self.summary_.get(str(code), {"action": "none"})["action"] in ("winsorised", "log")]

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:
        if not self._changed(table):
            return table
        return as_frame(self._treated(table, with_mask=False)[0], table.index, table.columns)

    def _treated(self, table: pd.DataFrame, *, with_mask: bool,
                 block: int = 16384) -> tuple[np.ndarray, np.ndarray | None]:
        """The treated values and (``with_mask``) where a cell changed, in one pass over blocks of rows
        of each column: the new values are compared with the old while both are still in cache. The
        columns are shared between the threads in use (:mod:`territoria.assess.threads`)."""
        x = table.to_numpy(dtype=float)
        out = buffers.empty(x.shape)             # every cell written below, column by column
        mask = buffers.empty(x.shape, dtype=bool) if with_mask else None
        changed = set(self._changed(table))
        entries = [self.summary_[str(code)] if j in changed else None for j, code in enumerate(table.columns)]

        def column(j: int) -> None:
            entry = entries[j]
            if entry is None:
                out[:, j] = x[:, j]
                if mask is not None:
                    mask[:, j] = False
                return
            src, col = x[:, j], out[:, j]
            for start in range(0, x.shape[0], block):
                a, b = src[start:start + block], col[start:start + block]
                if entry["action"] == "winsorised":
                    np.clip(a, entry["floor"], entry["cap"], out=b)
                else:       # log(x - min + 0.01 range), the operations in that order
                    np.subtract(a, entry["min"], out=b)
                    b += 0.01 * entry["range"]
                    np.log(b, out=b)
                if mask is not None:
                    m = mask[start:start + block, j]
                    np.not_equal(a, b, out=m)
                    if np.isnan(np.add.reduce(b)):      # a NaN left (NaN in and NaN out is no change)
                        m &= ~(np.isnan(b) & np.isnan(a))

        each(column, x.shape[1], cells=x.size)
        return out, mask

    def apply(self, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The treated table and the ``treated_mask`` (True where a cell changed)."""
        if not getattr(self, "is_fitted_", False) or not self._changed(table):
            out = self.transform(table)                 # the not-fitted error, or the table unchanged
            return {"treated": out,
                    "treated_mask": as_frame(np.zeros(table.shape, dtype=bool), table.index, table.columns)}
        out, mask = self._treated(table, with_mask=True)
        return {"treated": as_frame(out, table.index, table.columns),
                "treated_mask": as_frame(mask, table.index, table.columns)}

    def report(self, before: pd.DataFrame, written: Mapping[str, pd.DataFrame]) -> StepReport:
        return StepReport(cells_changed=int(np.count_nonzero(written["treated_mask"].to_numpy())))

r"""A graded scale of the composite: fixed thresholds, quantiles or Jenks natural breaks.

Classes are numbered from the lowest score (0) to the highest (k - 1); ``labels`` name them in that
order, e.g. ``[crisis, depressive, vulnerable, stable, developing]`` when a higher score means a better
situation. With thresholds :math:`t_1 < \dots < t_{k-1}` a unit is in class
:math:`c = \#\{t_m \le s\}`. ``quantiles`` and ``jenks`` (Fisher-Jenks optimal breaks, mapclassify)
learn the upper bounds of the classes from the scores (pooled over years).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import OneOf, Step
from territoria.errors import DataError

__all__ = ["Grade"]


class Grade(Step):
    """Assign a graded class to each score.

    Parameters
    ----------
    method : {"none", "thresholds", "quantiles", "jenks"}, default="none"
    thresholds : list of float, default=()
    k : int or None, default=None
        Number of classes for ``quantiles`` / ``jenks`` (default: number of labels, else 5).
    labels : list of str, default=()
        Class labels from the lowest score to the highest (default: "1".."k").

    Attributes
    ----------
    bins_ : list of float
        Lower bounds of classes 2..k (the thresholds used).
    labels_ : list of str

    Notes
    -----
    A missing score gets no class. Fewer distinct scores than classes is refused for ``jenks``.
    """

    family = "grade"
    method = "grade"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf("none", "thresholds", "quantiles", "jenks")],
        "thresholds": [list, tuple],
        "k": [int, None],
        "labels": [list, tuple],
    }

    reads = ("aggregated",)
    writes = ("grades",)

    def __init__(self, *, method: str = "none", thresholds: list[float] | tuple[float, ...] = (),
                 k: int | None = None, labels: list[str] | tuple[str, ...] = ()) -> None:
        self.method = method
        self.thresholds = thresholds
        self.k = k
        self.labels = labels

    def fit_scope(self) -> str:
        return "columns" if self.method in ("quantiles", "jenks") else "none"

    def select(self, stages: Mapping[str, pd.DataFrame], context: Mapping[str, Any]) -> pd.DataFrame:
        """The graded score: column ``context["grade_on"]`` of ``aggregated`` (the root by default)."""
        return stages["aggregated"][[context["grade_on"]]]

    def apply(self, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return {"grades": self.transform(table).to_frame("level")}

    def _fit(self, table: pd.Series | pd.DataFrame, **_: Any) -> None:
        s = table.iloc[:, 0] if isinstance(table, pd.DataFrame) else table
        y = s.dropna().to_numpy(dtype=float)
        k = len(self.thresholds) + 1 if self.method == "thresholds" else (self.k or len(self.labels) or 5)
        if self.method == "thresholds":
            bins = [float(t) for t in self.thresholds]
        elif self.method == "none":
            bins = []
        else:
            import warnings

            if len(np.unique(y)) < k:
                raise DataError(f"grade.{self.method}: {len(np.unique(y))} distinct scores for {k} classes")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)     # "Numba not installed"
                import mapclassify

                cls = (mapclassify.Quantiles(y, k=k) if self.method == "quantiles"
                       else mapclassify.FisherJenks(y, k=k))
            bins = [float(b) for b in cls.bins[:-1]]
        self.bins_ = bins
        self.labels_ = [str(v) for v in self.labels] or [str(i + 1) for i in range(k)]

    def _transform(self, table: pd.Series | pd.DataFrame) -> pd.Series:
        s = table.iloc[:, 0] if isinstance(table, pd.DataFrame) else table
        if self.method == "none":
            return pd.Series(pd.NA, index=s.index, dtype="string", name="level")
        v = s.to_numpy(dtype=float)
        if self.method == "thresholds":
            idx = np.searchsorted(np.asarray(self.bins_), v, side="right")
        else:   # mapclassify classes are right-closed: upper bound belongs to the class
            idx = np.searchsorted(np.asarray(self.bins_), v, side="left")
        labels = np.asarray(self.labels_, dtype=object)[np.clip(idx, 0, len(self.labels_) - 1)]
        out = pd.Series(np.where(np.isnan(v), None, labels), index=s.index, dtype=object, name="level")
        return out.astype("string")

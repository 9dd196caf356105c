r"""A graded scale of the composite: fixed thresholds, thresholds relative to the national value,
quantiles or Jenks natural breaks.

Classes are numbered from the lowest score (0) to the highest (k - 1); ``labels`` name them in that
order, e.g. ``[crisis, depressive, vulnerable, stable, developing]`` when a higher score means a better
situation. With thresholds :math:`t_1 < \dots < t_{k-1}` a unit is in class
:math:`c = \#\{t_m \le s\}`. ``relative`` applies the same rule to :math:`s_{it} / \bar s_t`, the score
over the national value of the score in the same year; a composite index has no national figure of its
own, so :math:`\bar s_t` is the mean score of the rated units of year :math:`t` (the project's choice,
learned by ``fit`` as ``reference_``). ``quantiles`` and ``jenks`` (Fisher-Jenks optimal breaks,
mapclassify) learn the upper bounds of the classes from the scores (pooled over years): they always put
about ``1/k`` of the units in each class, whatever their state, which ``relative`` does not.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import OneOf, Step
from territoria.assess.group_stats import MeanStats
from territoria.errors import DataError, coded

__all__ = ["Grade", "describe_scale"]


class Grade(Step):
    """Assign a graded class to each score.

    Parameters
    ----------
    method : {"none", "thresholds", "relative", "quantiles", "jenks"}, default="none"
    thresholds : list of float, default=()
        Class bounds (``thresholds``) or bounds of the ratio to the national value (``relative``).
    k : int or None, default=None
        Number of classes for ``quantiles`` / ``jenks`` (default: number of labels, else 5).
    labels : list of str, default=()
        Class labels from the lowest score to the highest (default: "1".."k").

    Attributes
    ----------
    bins_ : list of float
        Lower bounds of classes 2..k (the thresholds used).
    labels_ : list of str
    reference_ : dict of {year or None: float}
        ``relative`` only: the national value of the score per year (``None`` for a single period).

    Notes
    -----
    A missing score gets no class. Fewer distinct scores than classes is refused for ``jenks``.
    """

    family = "grade"
    method = "grade"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf("none", "thresholds", "relative", "quantiles", "jenks")],
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
        if self.method == "relative":
            return "stats"
        return "columns" if self.method in ("quantiles", "jenks") else "none"

    def partial_stats(self, table: pd.Series | pd.DataFrame, **_: Any) -> MeanStats:
        """``relative``: exact sums of the scores of some rows, per year (the national value is their mean)."""
        if self.method != "relative":
            return super().partial_stats(table)
        s = table.iloc[:, 0] if isinstance(table, pd.DataFrame) else table
        years = _years(s.index)
        keys = [] if years is None else [pd.Series(years, index=s.index, name="year")]
        return MeanStats.of(s.to_frame(), keys)

    @staticmethod
    def merge_stats(parts: list[Any]) -> MeanStats:
        return MeanStats.merge(parts)

    def fit_stats(self, stats: Any, columns: pd.Index, **_: Any) -> Grade:
        """Fit ``relative`` from merged exact sums (the same national values for any split)."""
        if self.method != "relative":
            return super().fit_stats(stats, columns)
        self.begin_fit()
        self._scale(_national(stats))
        self.is_fitted_ = True
        return self

    def _scale(self, reference: dict[Any, float]) -> None:
        k = len(self.thresholds) + 1
        self.reference_ = reference
        self.bins_ = [float(t) for t in self.thresholds]
        self.labels_ = [str(v) for v in self.labels] or [str(i + 1) for i in range(k)]

    def select(self, stages: Mapping[str, pd.DataFrame], context: Mapping[str, Any]) -> pd.DataFrame:
        """The graded score: column ``context["grade_on"]`` of ``aggregated`` (the root by default)."""
        return stages["aggregated"][[context["grade_on"]]]

    def apply(self, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return {"grades": self.transform(table).to_frame("level")}

    def _fit(self, table: pd.Series | pd.DataFrame, **_: Any) -> None:
        s = table.iloc[:, 0] if isinstance(table, pd.DataFrame) else table
        y = s.dropna().to_numpy(dtype=float)
        fixed = self.method in ("thresholds", "relative")
        k = len(self.thresholds) + 1 if fixed else (self.k or len(self.labels) or 5)
        self.reference_: dict[Any, float] = {}
        if self.method == "relative":
            # through the partial and its merge: the Dask engine merges the same exact sums
            self._scale(_national(self.merge_stats([self.partial_stats(s)])))
            return
        if fixed:
            bins = [float(t) for t in self.thresholds]
        elif self.method == "none":
            bins = []
        else:
            if len(np.unique(y)) < k:
                raise coded(DataError(f"grade.{self.method}: {len(np.unique(y))} distinct scores for {k} classes"),
                            "error.run.grade_classes", method=self.method, n=len(np.unique(y)), k=k)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)     # "Numba not installed"
                # lazy: heavy (mapclassify, matplotlib, pyarrow, ...), which territoria.assess.pipeline does not load
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
        if self.method == "relative":
            v = v / _reference_of(s.index, self.reference_)
        if self.method in ("thresholds", "relative"):
            idx = np.searchsorted(np.asarray(self.bins_), v, side="right")
        else:   # mapclassify classes are right-closed: upper bound belongs to the class
            idx = np.searchsorted(np.asarray(self.bins_), v, side="left")
        labels = np.asarray(self.labels_, dtype=object)[np.clip(idx, 0, len(self.labels_) - 1)]
        out = pd.Series(np.where(np.isnan(v), None, labels), index=s.index, dtype=object, name="level")
        return out.astype("string")


def _years(index: pd.Index) -> pd.Index | None:
    return index.get_level_values("year") if isinstance(index, pd.MultiIndex) and "year" in index.names else None


def _national(stats: MeanStats) -> dict[Any, float]:
    """The national value of the score: the mean of the rated units, per year when the index has years."""
    pairs = zip(stats.keys, stats.means()[:, 0], strict=True)
    means = dict(sorted(((int(key[0]) if key else None), float(m)) for key, m in pairs if not (key and key[0] is None)))
    bad = {y: m for y, m in means.items() if not np.isfinite(m) or m <= 0}
    if bad:
        y, m = next(iter(bad.items()))
        when = f" in {y}" if y is not None else ""
        raise coded(DataError(f"grade.relative: the national value (mean score of the rated units){when} is {m!r}; "
                              "a ratio to it needs a positive value (use a normalisation to a positive range)"),
                    "error.run.national_value", year=y, value=m)
    return means


def _reference_of(index: pd.Index, reference: Mapping[Any, float]) -> np.ndarray:
    years = _years(index)
    if years is None:
        return np.full(len(index), reference[None])
    missing = sorted({int(y) for y in years} - set(reference))
    if missing:
        raise coded(DataError(f"grade.relative: no national value learned for year {missing[0]}; fit on that year "
                              "first"), "error.run.national_year", year=missing[0])
    return np.asarray([reference[int(y)] for y in years], dtype=float)


def describe_scale(method: str, *, thresholds: Sequence[float] = (), k: int | None = None,
                   labels: Sequence[str] = (), source: str = "", short: bool = False) -> str:
    """One line saying which scale a grade comes from, for every output that shows a grade.

    ``short``: a few words for a table column (``relative to national``, ``quantiles (5)`` ...).
    """
    names = [str(v) for v in labels]
    if method == "none":
        return "no graded scale"
    if short:
        n = k or len(names) or 5
        return {"thresholds": "fixed thresholds", "relative": "relative to national",
                "quantiles": f"quantiles ({n})", "jenks": f"Jenks breaks ({n})"}[method]
    if method in ("thresholds", "relative"):
        bounds = [float(t) for t in thresholds]
        names = names or [str(i + 1) for i in range(len(bounds) + 1)]
        unit = " × national" if method == "relative" else ""
        parts = [f"{names[0]} < {bounds[0]:g}{unit}"]
        parts += [f"{names[i]} {bounds[i - 1]:g}–{bounds[i]:g}" for i in range(1, len(bounds))]
        parts.append(f"{names[-1]} ≥ {bounds[-1]:g}{unit}")
        head = ("relative to the national value (mean score of the rated units of the year)"
                if method == "relative" else "fixed thresholds on the score")
        text = f"{head}: {'; '.join(parts)}"
    else:
        n = k or len(names) or 5
        kind = "quantiles" if method == "quantiles" else "Jenks natural breaks"
        text = f"{kind}, {n} classes learned from the scores (about 1/{n} of the units in each class)" \
            if method == "quantiles" else f"{kind}, {n} classes learned from the scores"
    return f"{text} ({source})" if source else text

r"""Imputation of missing indicator values; every filled cell is recorded.

Methods (``method``):

* ``none`` — leave gaps (later steps skip them: weights are renormalised over present indicators);
* ``mean`` / ``median`` — :math:`\hat x_{ij} = \operatorname{mean}_{k \in G(i)} x_{kj}` (or the median)
  over the units of the same group :math:`G(i)` (``by``; all units when ``by`` is None) and, with
  several years, of the same year;
* ``locf`` — last observation carried forward over years within a unit;
* ``linear`` — linear interpolation over years within a unit, between observed years only.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import OneOf, Step
from territoria.assess.spec import IMPUTE_METHODS
from territoria.errors import SpecError

__all__ = ["Impute"]


class Impute(Step):
    """Fill missing values of the units × indicators table.

    Parameters
    ----------
    method : {"none", "mean", "median", "locf", "linear"}, default="none"
    by : str or None, default=None
        Name of the group column (for ``mean`` / ``median`` within group).

    Attributes
    ----------
    fill_values_ : dict
        For mean/median: the statistic per indicator (keyed by group and year when used).
    n_imputed_ : int
        Number of cells filled.
    mask_ : pandas.DataFrame
        True where a cell was filled (kept by the pipeline as the ``imputed_mask`` table).

    Notes
    -----
    Missing values are ignored when a statistic is computed. Cells that no rule can fill (a group
    with no value; no earlier year for ``locf``; ends of the series for ``linear``) stay missing.
    ``locf`` and ``linear`` need a table indexed by (unit, year).
    """

    family = "impute"
    method = "impute"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [OneOf(*IMPUTE_METHODS)],
        "by": [str, None],
    }

    def __init__(self, *, method: str = "none", by: str | None = None) -> None:
        self.method = method
        self.by = by

    def _keys(self, table: pd.DataFrame) -> list[pd.Series]:
        keys: list[pd.Series] = []
        if isinstance(table.index, pd.MultiIndex) and "year" in table.index.names:
            keys.append(pd.Series(table.index.get_level_values("year"), index=table.index, name="year"))
        if self.by is not None:
            keys.append(self._groups.reindex(table.index).rename("group"))
        return keys

    def _fit(self, table: pd.DataFrame, *, groups: pd.Series | None = None, **_: Any) -> None:
        if self.by is not None and groups is None:
            raise SpecError("impute.by", f"group column {self.by!r} is not in the data or the units table")
        if self.method in ("locf", "linear") and not (
                isinstance(table.index, pd.MultiIndex) and "year" in table.index.names):
            raise SpecError("impute.method", f"{self.method!r} works over years; give several years "
                                             "(years: [...]) or use mean / median")
        self._groups = groups if groups is not None else pd.Series(dtype=object)
        if self.method in ("mean", "median"):
            keys = self._keys(table)
            stats = table.groupby(keys, dropna=False).agg(self.method) if keys else table.agg(self.method)
            self._stats = stats
            self.fill_values_ = {str(k): v for k, v in (stats.to_dict("index").items() if keys
                                                        else {"all": stats.to_dict()}.items())}

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:
        if self.method == "none":
            out = table.copy()
        elif self.method in ("mean", "median"):
            keys = self._keys(table)
            if keys:
                idx = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
                fill = self._stats.reindex(idx).set_axis(table.index)
            else:
                fill = pd.DataFrame(np.broadcast_to(self._stats.reindex(table.columns).to_numpy(dtype=float),
                                                    table.shape), index=table.index, columns=table.columns)
            out = table.fillna(fill[table.columns])
        else:
            ordered = table.sort_index(level=["unit", "year"])
            grouped = ordered.groupby(level="unit", group_keys=False)
            filled = grouped.ffill() if self.method == "locf" else grouped.apply(_interpolate_years)
            out = filled.reindex(table.index)
        self.mask_ = table.isna() & out.notna()
        self.n_imputed_ = int(self.mask_.to_numpy().sum())
        return out


def _interpolate_years(frame: pd.DataFrame) -> pd.DataFrame:
    years = frame.index.get_level_values("year").astype(float)
    return frame.set_axis(years).interpolate(method="index", limit_area="inside").set_axis(frame.index)

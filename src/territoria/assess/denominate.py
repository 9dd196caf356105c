r"""Denomination: turn absolute figures into relative indicators.

For indicator *j* with denominator column *d* and scale *c* (``kind``):

.. math:: x'_{ij} = c \, x_{ij} / d_{i}

``kind``: ``ratio`` and ``per_capita`` (c = 1), ``per_100`` (100), ``per_1000`` (1,000),
``per_10000`` (10,000), ``per_km2`` (1; the denominator is an area in km²), ``share`` (100; the
denominator is the whole the indicator is a part of).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import Step
from territoria.errors import DataError

__all__ = ["SCALES", "Denominate"]

SCALES: dict[str, float] = {"ratio": 1.0, "per_capita": 1.0, "per_100": 100.0, "per_1000": 1000.0,
                            "per_10000": 10000.0, "per_km2": 1.0, "share": 100.0}


class Denominate(Step):
    """Divide listed indicators by a denominator column.

    Parameters
    ----------
    rules : dict, default=None
        ``{indicator: {"by": column, "kind": kind}}``; indicators not listed pass unchanged.

    Attributes
    ----------
    scales_ : dict
        Scale factor applied per denominated indicator.
    zero_denominators_ : int
        Cells whose denominator was zero or missing (the result is missing there).

    Notes
    -----
    Missing numerators stay missing; a zero or missing denominator gives a missing value (counted in
    ``zero_denominators_`` and reported as a warning by the pipeline). Denominator columns come from
    ``aux`` (the columns of the input beside the indicators) at fit time.
    """

    family = "denominate"
    method = "denominate"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "rules": [dict, None],
    }

    def __init__(self, *, rules: dict[str, dict[str, str]] | None = None) -> None:
        self.rules = rules

    def _fit(self, table: pd.DataFrame, *, aux: pd.DataFrame | None = None, **_: Any) -> None:
        rules = self.rules or {}
        aux = aux if aux is not None else pd.DataFrame(index=table.index)
        for code, rule in rules.items():
            if code not in table.columns:
                raise self.parameter_error(f"indicators.{code}", f"{code!r} is not an indicator of the tree")
            by = rule["by"]
            if by not in aux.columns and by not in table.columns:
                raise DataError(f"denominate.indicators.{code}.by: denominator column {by!r} is not in the data "
                                f"(columns: {', '.join(map(str, aux.columns)) or 'none'})")
            if rule.get("kind", "ratio") not in SCALES:
                raise self.parameter_error(f"indicators.{code}.kind", f"expected one of {list(SCALES)}")
        self._aux = aux
        self.scales_ = {c: SCALES[r.get("kind", "ratio")] for c, r in rules.items()}

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:
        out = table.copy()
        bad = 0
        for code, rule in (self.rules or {}).items():
            src = self._aux if rule["by"] in self._aux.columns else table
            den = pd.to_numeric(src[rule["by"]], errors="coerce").reindex(table.index).astype(float)
            ok = den.notna() & (den != 0)
            bad += int((~ok & table[code].notna()).sum())
            out[code] = np.where(ok, self.scales_[code] * table[code] / den.where(ok, 1.0), np.nan)
        self.zero_denominators_ = bad
        return out

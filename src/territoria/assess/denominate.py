r"""Denomination: turn absolute figures into relative indicators.

For indicator *j* with denominator column *d* and scale *c* (``kind``):

.. math:: x'_{ij} = c \, x_{ij} / d_{i}

``kind``: ``ratio`` and ``per_capita`` (c = 1), ``per_100`` (100), ``per_1000`` (1,000),
``per_10000`` (10,000), ``per_km2`` (1; the denominator is an area in km²), ``share`` (100; the
denominator is the whole the indicator is a part of).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.assess.base import Step, StepReport
from territoria.errors import DataError, coded

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

    Notes
    -----
    Missing numerators stay missing; a zero or missing denominator gives a missing value (counted by
    :meth:`report` and recorded as a warning). Denominator columns are looked up in ``aux`` (the
    columns of the input beside the indicators), then in the table itself: ``fit`` checks that they
    exist; ``transform(table, aux=...)`` receives the rows of ``aux`` that go with ``table`` (the
    fitted step keeps no denominator).
    """

    family = "denominate"
    method = "denominate"
    constraints: ClassVar[dict[str, list[Any]]] = {
        "rules": [dict, None],
    }

    reads = ("raw",)
    writes = ("denominated",)

    def __init__(self, *, rules: dict[str, dict[str, str]] | None = None) -> None:
        self.rules = rules

    def _fit(self, table: pd.DataFrame, *, aux: pd.DataFrame | None = None, **_: Any) -> None:
        rules = self.rules or {}
        aux = aux if aux is not None else pd.DataFrame(index=table.index)
        for code, rule in rules.items():
            if code not in table.columns:
                raise coded(self.parameter_error(f"indicators.{code}", f"{code!r} is not an indicator of the tree"),
                            "error.run.denominate_not_indicator", code=str(code))
            by = rule["by"]
            if by not in aux.columns and by not in table.columns:
                columns = ", ".join(map(str, aux.columns))
                raise coded(DataError(f"denominate.indicators.{code}.by: denominator column {by!r} is not in the "
                                      f"data (columns: {columns or 'none'})"),
                            "error.run.denominator_absent", code=str(code), column=str(by), columns=columns or None)
            if rule.get("kind", "ratio") not in SCALES:
                raise self.parameter_error(f"indicators.{code}.kind", f"expected one of {list(SCALES)}")
        self.scales_ = {c: SCALES[r.get("kind", "ratio")] for c, r in rules.items()}

    def fit_scope(self) -> str:
        return "none"

    def side_inputs(self) -> tuple[str, ...]:
        return ("aux",) if self.rules else ()

    def _transform(self, table: pd.DataFrame, *, aux: pd.DataFrame | None = None) -> pd.DataFrame:
        if not self.rules:
            return table
        out = table.copy()
        for code, rule in self.rules.items():
            src = aux if aux is not None and rule["by"] in aux.columns else table
            if rule["by"] not in src.columns:
                raise DataError(f"denominate.indicators.{code}.by: denominator column {rule['by']!r} is in "
                                "neither the table nor the side columns passed to transform (aux=); pass "
                                "the side columns of the same rows")
            den = pd.to_numeric(src[rule["by"]], errors="coerce").reindex(table.index).astype(float)
            ok = den.notna() & (den != 0)
            out[code] = np.where(ok, self.scales_[code] * table[code] / den.where(ok, 1.0), np.nan)
        return out

    def missing_denominators(self, before: pd.DataFrame, out: pd.DataFrame) -> int:
        """Cells with a numerator whose zero or missing denominator left them missing."""
        codes = list(self.rules or {})
        return int((before[codes].notna() & out[codes].isna()).to_numpy().sum()) if codes else 0

    def report(self, before: pd.DataFrame, written: Mapping[str, pd.DataFrame]) -> StepReport:
        out = written["denominated"]
        if out is before or not self.rules:
            return StepReport()
        changed = int(((out != before) & out.notna()).sum().sum())
        bad = self.missing_denominators(before, out)
        warn = (f"{bad} cell(s) had a zero or missing denominator",) if bad else ()
        return StepReport(cells_changed=changed, warnings=warn)

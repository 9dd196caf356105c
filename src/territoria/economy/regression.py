r"""Fixed-effects panel regressions of resilience on diversification (pyfixest).

The seed's models, for region :math:`i` and year :math:`t`:

.. math::
    \ln RCC_{it} = \alpha_1 DIV_{it} + \alpha_2 X_{it} + \mu_i + \lambda_t + \varepsilon_{it}

    \ln RCC_{it} = \alpha_1 DIV_{it} + \alpha_2 Z_{it} + \alpha_3 DIV_{it} Z_{it} + \alpha_4 X_{it}
                   + \mu_i + \lambda_t + \varepsilon_{it}

with controls :math:`X` (ln market size, ln FDI, ln population...), a moderator :math:`Z`, region effects
:math:`\mu_i` and year effects :math:`\lambda_t`. Formulas use pyfixest's syntax,
``"ln_rcc ~ div * z + ln_market + ln_pop | region + year"`` (``a * b`` expands to ``a + b + a:b``).
Standard errors are clustered by region (CRV1, with pyfixest's small-sample correction) unless asked
otherwise. The within estimator is the same as linearmodels' ``PanelOLS`` with entity and time effects
(the tests compare both).
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territoria.economy._checks import EconomyInputError, py

__all__ = ["PanelFit", "add_logs", "fit_fixed_effects"]

#: Names a formula may use that are not columns (functions and operators of formulaic / pyfixest).
_FORMULA_WORDS = {"np", "log", "exp", "sqrt", "C", "I", "i", "center", "scale", "poly", "ref", "bs", "cr",
                  "Treatment", "abs", "log1p", "power"}


@dataclass(frozen=True)
class PanelFit:
    """One estimated model: the request and its results (one source of truth: ``coefficients``).

    Attributes
    ----------
    formula : str
        The formula as given.
    dependent : str
    coefficients : DataFrame
        Index ``term``; columns ``estimate``, ``std_error``, ``t``, ``p_value``, ``ci_low``, ``ci_high``.
    nobs : int
        Observations used (after pyfixest drops missing values and singleton groups).
    r2, r2_within : float
        R² of the full model (effects included) and within R² (after removing the effects).
    fixed_effects : tuple of str
    vcov : str
        e.g. ``"CRV1 clustered by region"``.
    """

    formula: str
    dependent: str
    coefficients: pd.DataFrame
    nobs: int
    r2: float
    r2_within: float
    fixed_effects: tuple[str, ...]
    vcov: str

    def coef(self) -> pd.Series:
        return self.coefficients["estimate"]

    def se(self) -> pd.Series:
        return self.coefficients["std_error"]


def add_logs(data: pd.DataFrame, columns: Iterable[str], *, prefix: str = "ln_") -> pd.DataFrame:
    """A copy of ``data`` with ``prefix + column = ln(column)``; a value <= 0 is an error naming its row."""
    out = data.copy()
    for column in columns:
        if column not in out.columns:
            raise EconomyInputError(f"data: no column {column!r} to take the logarithm of "
                                    f"(columns: {list(out.columns)})")
        values = pd.to_numeric(out[column], errors="coerce").astype(float)
        bad = values.index[values.notna() & (values <= 0)]
        if len(bad):
            raise EconomyInputError(f"data: row {py(bad[0])!r}, column {column!r}: value {py(values[bad[0]])!r}; the "
                                    "logarithm needs a value > 0")
        out[prefix + column] = np.log(values)
    return out


def _formula_names(formula: str) -> tuple[str, list[str], list[str]]:
    if formula.count("~") != 1:
        raise EconomyInputError(f"formula: expected 'y ~ x1 + x2 | region + year', got {formula!r}")
    lhs, rhs = formula.split("~")
    parts = rhs.split("|")
    if len(parts) > 2:
        raise EconomyInputError(f"formula: at most one '|' (fixed effects), got {formula!r}")

    def words(text: str) -> list[str]:
        return [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text) if w not in _FORMULA_WORDS]
    fixed = [w.strip() for w in parts[1].split("+")] if len(parts) == 2 else []
    return lhs.strip(), words(lhs + " " + parts[0]), [f for f in fixed if f and f != "0"]


def fit_fixed_effects(data: pd.DataFrame, formula: str, *, unit: str = "region", time: str = "year",
                      cluster: str | None = "unit", vcov: str = "CRV1") -> PanelFit:
    """Estimate a linear panel model with absorbed fixed effects (pyfixest ``feols``).

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per (``unit``, ``time``).
    formula : str
        pyfixest formula, fixed effects after ``|``.
    unit, time : str, default="region", "year"
        Panel identifiers (checked: present, at least two periods, no duplicated pair).
    cluster : str or None, default="unit"
        Column to cluster by; ``"unit"`` means the ``unit`` column; None gives ``vcov`` as is
        (``"iid"`` or ``"hetero"``).
    vcov : {"CRV1", "CRV3", "iid", "hetero"}, default="CRV1"

    Raises
    ------
    EconomyInputError
        Unknown column (with suggestions), a panel with one period, duplicated (unit, time) pairs, a
        non-finite dependent variable, or an estimation pyfixest refuses.
    """
    import pyfixest as pf  # lazy: heavy optional dependency

    if not isinstance(data, pd.DataFrame):
        raise EconomyInputError(f"data: expected a DataFrame, got {type(data).__name__}")
    dependent, names, fixed = _formula_names(formula)
    for column in [unit, time, *names, *fixed]:
        if column not in data.columns:
            near = difflib.get_close_matches(column, [str(c) for c in data.columns], n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else f"; columns: {list(data.columns)}"
            raise EconomyInputError(f"formula/data: no column {column!r}{hint}")
    periods = data[time].dropna().unique()
    if len(periods) < 2:
        raise EconomyInputError(f"data: the panel has {len(periods)} period(s) in column {time!r}; fixed-effects "
                                "estimation of change needs at least two")
    dup = data.duplicated([unit, time])
    if dup.any():
        row = data.loc[dup].iloc[0]
        raise EconomyInputError(f"data: ({unit}={py(row[unit])!r}, {time}={py(row[time])!r}) appears more than once; "
                                "one row per unit and period")
    if dependent in data.columns:
        y = pd.to_numeric(data[dependent], errors="coerce")
        bad = y.index[np.isinf(y.astype(float))]
        if len(bad):
            raise EconomyInputError(f"data: row {py(bad[0])!r}: dependent variable {dependent!r} is infinite "
                                    "(log of 0?)")
    cluster_col = unit if cluster == "unit" else cluster
    if cluster_col is not None and cluster_col not in data.columns:
        raise EconomyInputError(f"cluster: no column {cluster_col!r}")
    if vcov in ("CRV1", "CRV3"):
        if cluster_col is None:
            raise EconomyInputError(f"vcov={vcov!r} needs a cluster column")
        spec: str | dict[str, str] = {vcov: cluster_col}
        label = f"{vcov} clustered by {cluster_col}"
    elif vcov in ("iid", "hetero"):
        spec, label = vcov, vcov
    else:
        raise EconomyInputError(f"vcov: expected CRV1, CRV3, iid or hetero, got {vcov!r}")
    try:
        with warnings.catch_warnings():  # pyfixest's own pandas deprecation notices; they change no number
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="pyfixest")
            warnings.filterwarnings("ignore", category=FutureWarning, module="pyfixest")
            model = pf.feols(formula, data=data, vcov=spec)
    except Exception as exc:  # pyfixest raises plain exceptions; report them as input errors
        raise EconomyInputError(f"formula {formula!r}: pyfixest could not estimate it ({exc})") from None
    tidy = model.tidy()
    coefficients = pd.DataFrame({
        "estimate": tidy["Estimate"], "std_error": tidy["Std. Error"], "t": tidy["t value"],
        "p_value": tidy["Pr(>|t|)"], "ci_low": tidy["2.5%"], "ci_high": tidy["97.5%"]}).astype(float)
    coefficients.index = pd.Index([str(t) for t in tidy.index], name="term")
    return PanelFit(formula=formula, dependent=dependent, coefficients=coefficients, nobs=int(model._N),
                    r2=float(model._r2), r2_within=float(getattr(model, "_r2_within", np.nan)),
                    fixed_effects=tuple(fixed), vcov=label)

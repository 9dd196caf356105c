r"""Indicator transforms: a function of one indicator's values, applied before normalisation.

Kinds (``transform:`` on a tree leaf, or the spec's ``transforms:`` section):

* ``log`` — :math:`\ln x` (needs :math:`x > 0`); ``log10`` — :math:`\log_{10} x`;
* ``reciprocal`` — :math:`1 / x` (needs :math:`x \ne 0`);
* ``power`` — :math:`x^p` with ``exponent`` *p* (a fractional *p* needs :math:`x \ge 0`);
* ``cap`` — :math:`\min(\max(x, min), max)`, values kept in the indicator's units (no rescaling).

Goalposts (``normalise: {method: goalposts}``) are written in the indicator's own units and transformed
with it, so a log income scores :math:`(\ln x - \ln min)/(\ln max - \ln min)` (UNDP HDI); a decreasing
transform (reciprocal, a negative power) swaps them; a cap leaves them as written.
Data-driven bounds (``minmax``) are the extremes of
the transformed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from territoria.errors import DataError

__all__ = ["TRANSFORM_KINDS", "transform_bounds", "transform_column"]

TRANSFORM_KINDS: tuple[str, ...] = ("log", "log10", "reciprocal", "power", "cap")


def _values(x: np.ndarray, rule: Mapping[str, Any]) -> np.ndarray:
    kind = rule["kind"]
    with np.errstate(all="ignore"):
        if kind == "log":
            return np.log(x)
        if kind == "log10":
            return np.log10(x)
        if kind == "reciprocal":
            return 1.0 / x
        if kind == "power":
            return np.power(x, float(rule["exponent"]))
        if kind == "cap":
            lo = -np.inf if rule.get("min") is None else float(rule["min"])
            hi = np.inf if rule.get("max") is None else float(rule["max"])
            return np.where(np.isnan(x), np.nan, np.clip(x, lo, hi))
    raise ValueError(f"unknown transform {kind!r}; expected one of {TRANSFORM_KINDS}")


def _domain(x: np.ndarray, rule: Mapping[str, Any]) -> tuple[np.ndarray, str] | None:
    """Cells outside the transform's domain and what is expected there (None: every value is allowed)."""
    kind = rule["kind"]
    if kind in ("log", "log10"):
        return x <= 0, f"a {kind} needs values > 0"
    if kind == "reciprocal":
        return x == 0, "a reciprocal needs non-zero values"
    if kind == "power" and not float(rule["exponent"]).is_integer():
        return x < 0, f"a power {float(rule['exponent']):g} needs values >= 0"
    if kind == "power" and float(rule["exponent"]) < 0:
        return x == 0, f"a power {float(rule['exponent']):g} needs non-zero values"
    return None


def transform_column(values: pd.Series, rule: Mapping[str, Any]) -> np.ndarray:
    """The transformed values of one indicator; a value outside the domain raises :class:`DataError`
    naming the indicator, the unit, the value and what the transform needs (missing values stay missing)."""
    x = values.to_numpy(dtype=float)
    check = _domain(x, rule)
    if check is not None:
        bad, need = check
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DataError(f"transforms.{values.name}: unit {values.index[first]!r} has {x[first]:g} "
                            f"({int(bad.sum())} such value(s)); {need}")
    return _values(x, rule)


def transform_bounds(low: float, high: float, rule: Mapping[str, Any] | None) -> tuple[float, float]:
    """Goalposts ``(low, high)`` in the indicator's units, carried onto the transformed scale (ordered)."""
    if rule is None or rule["kind"] == "cap":          # a cap keeps the indicator's scale
        return float(low), float(high)
    pair = np.array([float(low), float(high)])
    check = _domain(pair, rule)
    if check is not None and check[0].any():
        raise DataError(f"normalise.goalposts: goalposts [{low:g}, {high:g}] are outside the domain of the "
                        f"{rule['kind']} transform: {check[1]}")
    a, b = _values(pair, rule)
    return (float(a), float(b)) if a <= b else (float(b), float(a))

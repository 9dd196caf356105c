"""The step contract shared by every assessment step (scikit-learn's estimator habits).

A step's constructor stores its keyword-only parameters verbatim; ``fit`` validates them against the
class-level ``constraints`` mapping, learns attributes whose names end in ``_`` and returns the step;
``transform`` refuses to run before ``fit``. ``replace(**changes)`` returns a new, unfitted copy with
some parameters changed — what ``Result.rerun`` and the uncertainty analysis use.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from territoria.errors import NotFittedError, SpecError

__all__ = ["Interval", "OneOf", "Step", "plain"]


@dataclass(frozen=True)
class OneOf:
    """A parameter value must be one of ``options``."""

    options: tuple[Any, ...]

    def __init__(self, *options: Any) -> None:
        object.__setattr__(self, "options", options)

    def accepts(self, value: Any) -> bool:
        return any(value == o and type(value) is type(o) for o in self.options) or value in self.options

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class Interval:
    """A real (or integer) number in ``[low, high]`` (either end may be ``None``; ``closed`` ends)."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            return False
        if self.kind is int and not float(value).is_integer():
            return False
        if isinstance(value, float) and math.isnan(value):
            return False
        lo_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        hi_ok = self.high is None or (value <= self.high if self.closed in ("both", "right")
                                      else value < self.high)
        return lo_ok and hi_ok

    def describe(self) -> str:
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return f"{'an integer' if self.kind is int else 'a number'} in {left}{lo}, {hi}{right}"


def _accepts(rule: Any, value: Any) -> bool:
    if rule is None:
        return value is None
    if isinstance(rule, type):
        if rule is float:
            return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        return isinstance(value, rule)
    return rule.accepts(value)


def _describe(rule: Any) -> str:
    if rule is None:
        return "None"
    if isinstance(rule, type):
        return {dict: "a mapping", list: "a list", str: "a text", bool: "true/false",
                float: "a number"}.get(rule, rule.__name__)
    return rule.describe()


def plain(value: Any) -> Any:
    """Turn fitted parameters (Series, arrays, NumPy scalars) into JSON-friendly plain data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, pd.Series):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return {str(c): plain(value[c]) for c in value.columns}
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


class Step:
    """Base class of the assessment steps.

    Subclasses set ``family`` (the spec section, e.g. ``"normalise"``), ``method`` (the spec name,
    e.g. ``"minmax"``) and ``constraints`` (parameter name → list of accepted forms), and implement
    ``_fit`` and ``_transform``.
    """

    family: ClassVar[str] = "step"
    method: ClassVar[str] = "step"
    constraints: ClassVar[dict[str, list[Any]]] = {}

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters as given."""
        return {name: getattr(self, name) for name in self.param_names()}

    def replace(self, **changes: Any) -> Step:
        """A new unfitted step of the same class with ``changes`` applied."""
        unknown = sorted(set(changes) - set(self.param_names()))
        if unknown:
            raise SpecError(f"{self.family}.{unknown[0]}",
                            f"{type(self).__name__} has no parameter {unknown[0]!r}; "
                            f"valid: {', '.join(self.param_names())}")
        return type(self)(**{**self.get_params(), **changes})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- validation -------------------------------------------------------------------------
    def parameter_error(self, name: str, message: str) -> SpecError:
        return SpecError(f"{self.family}.{name}", f"{type(self).__name__}: {message}")

    def validate_params(self) -> None:
        """Check every parameter against ``constraints``; one message naming the parameter."""
        for name, value in self.get_params().items():
            rules = self.constraints.get(name)
            if rules is None or any(_accepts(rule, value) for rule in rules):
                continue
            raise self.parameter_error(
                name, f"got {value!r}; expected {' or '.join(_describe(r) for r in rules)}")

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, table: pd.DataFrame, **context: Any) -> Step:
        """Validate parameters, forget earlier fitted state and learn from ``table``."""
        self.validate_params()
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)
        self._fit(table, **context)
        self.is_fitted_ = True
        return self

    def transform(self, table: pd.DataFrame) -> pd.DataFrame:
        """Apply the fitted step; the index and columns of ``table`` are kept."""
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(f"{type(self).__name__} must be fitted before transform; call fit first")
        return self._transform(table)

    def fit_transform(self, table: pd.DataFrame, **context: Any) -> pd.DataFrame:
        return self.fit(table, **context).transform(table)

    def fitted(self) -> dict[str, Any]:
        """Learned attributes as plain data (for the step record); cell masks (DataFrames) are left out."""
        return {k: plain(v) for k, v in sorted(vars(self).items())
                if k.endswith("_") and not k.startswith("_") and k != "is_fitted_"
                and not isinstance(v, pd.DataFrame)}

    def _fit(self, table: pd.DataFrame, **context: Any) -> None:  # pragma: no cover - default
        return None

    def _transform(self, table: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover - default
        return table

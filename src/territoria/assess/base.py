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

__all__ = ["FIT_SCOPES", "SIDE_INPUTS", "TRANSFORM_SCOPES", "Interval", "OneOf", "Step", "StepReport", "as_frame",
           "plain", "side_arguments"]

#: How much of the data a step's ``fit`` must see (what a distributed backend has to provide):
#: ``none`` — no cell value, only the columns and the context; ``stats`` — per-partition statistics
#: merged exactly (:meth:`Step.partial_stats` / :meth:`Step.merge_stats` / :meth:`Step.fit_stats`),
#: in one round or, when :meth:`Step.stats_query` asks for one, a second (an exact median);
#: ``columns`` — every column whole, each column on its own; ``table`` — the whole table.
FIT_SCOPES: tuple[str, ...] = ("none", "stats", "columns", "table")
#: How much of the data ``transform`` needs at once: ``rows`` (any row partition that keeps a unit's
#: years together) or ``columns`` (a whole column, e.g. a rank).
TRANSFORM_SCOPES: tuple[str, ...] = ("rows", "columns")
#: The per-row inputs beside the table that ``transform`` may take as keyword arguments
#: (:meth:`Step.side_inputs`): ``aux`` — the input's side columns (denominators, group columns) of the
#: same rows; ``groups`` — the step's group column ``by`` of those side columns (None when absent).
#: A fitted step never keeps them: they have one value per row, and a backend hands each row
#: partition its own rows.
SIDE_INPUTS: tuple[str, ...] = ("aux", "groups")


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


def as_frame(values: np.ndarray, index: pd.Index, columns: Any) -> pd.DataFrame:
    """A DataFrame over a freshly computed ``(n_rows, n_columns)`` array, without a copy when the array
    is column-major. Every stage table is built this way, so each column is contiguous in memory (and
    column reductions sum in the same order, to the same bits, whatever step built the table)."""
    return pd.DataFrame(np.asfortranarray(values), index=index, columns=columns, copy=False)


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


@dataclass(frozen=True)
class StepReport:
    """What a step did to the cells, for its :class:`~territoria.assess.record.StepRecord`."""

    cells_changed: int = 0
    warnings: tuple[str, ...] = ()

    @staticmethod
    def merge(parts: list[StepReport]) -> StepReport:
        """The report of a whole table from the reports of its row partitions: cells summed, warnings
        of the form ``"<count> <text>"`` summed by text (others kept once, in order)."""
        counts: dict[str, int] = {}
        for part in parts:
            for w in part.warnings:
                head, _, text = w.partition(" ")
                key, add = (text, int(head)) if head.isdigit() else (w, 0)
                counts[key] = counts.get(key, 0) + add
        warnings = tuple(f"{n} {k}" if n else k for k, n in counts.items())
        return StepReport(cells_changed=sum(p.cells_changed for p in parts), warnings=warnings)


class Step:
    """Base class of the assessment steps.

    Subclasses set ``family`` (the spec section and the step's address, e.g. ``"normalise"``),
    ``method`` (the spec name, e.g. ``"minmax"``), ``constraints`` (parameter name → list of accepted
    forms), the stages they ``reads`` and ``writes`` (names of ``Result.tables``), and implement
    ``_fit`` and ``_transform``. A fitted step holds only what it learned (statistics whose size does
    not grow with the number of units); ``transform`` is pure: it sets no attribute, and the per-row
    inputs it needs beside the table (:meth:`side_inputs`) arrive as keyword arguments. What a step did
    to the cells is computed from its input and output by :meth:`report`.

    The loop over steps (:func:`territoria.assess.loop.run_steps`) calls, per step and backend,
    :meth:`select` → ``fit`` → :meth:`apply` → :meth:`report`; :meth:`fit_scope` and
    :meth:`transform_scope` tell a distributed backend how much data each needs at once.
    """

    family: ClassVar[str] = "step"
    method: ClassVar[str] = "step"
    constraints: ClassVar[dict[str, list[Any]]] = {}
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()

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
        self.begin_fit()
        self._fit(table, **context)
        self.is_fitted_ = True
        return self

    def begin_fit(self) -> None:
        """Validate the parameters and forget earlier fitted state (the start of every fit)."""
        self.validate_params()
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)

    def transform(self, table: pd.DataFrame, **side: Any) -> pd.DataFrame:
        """Apply the fitted step; the index and columns of ``table`` are kept. ``side``: the inputs
        :meth:`side_inputs` names, for the rows of ``table``."""
        self.check_transform(side)
        return self._transform(table, **side)

    def check_transform(self, side: Mapping[str, Any]) -> None:
        """Refuse a transform before ``fit`` or with a side input the step does not take."""
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(f"{type(self).__name__} must be fitted before transform; call fit first")
        unknown = sorted(set(side) - set(self.side_inputs()))
        if unknown:
            takes = ", ".join(self.side_inputs()) or "none"
            raise TypeError(f"{type(self).__name__}({self.method!r}).transform got the side input "
                            f"{unknown[0]!r}; it takes: {takes}")

    def fit_transform(self, table: pd.DataFrame, **context: Any) -> pd.DataFrame:
        """``fit`` on ``table`` with ``context``, then ``transform`` with the side inputs taken from it."""
        return self.fit(table, **context).transform(table, **self.side_from(context))

    def side_inputs(self) -> tuple[str, ...]:
        """The names (:data:`SIDE_INPUTS`) of the per-row inputs ``transform`` takes as keyword
        arguments, for the configured method (default none)."""
        return ()

    def side_from(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """The side inputs of :meth:`transform`, taken from a fit context (``aux``, ``groups``)."""
        return {name: context.get(name) for name in self.side_inputs()}

    def fitted(self) -> dict[str, Any]:
        """Learned attributes as plain data (for the step record); cell masks (DataFrames) are left out."""
        return {k: plain(v) for k, v in sorted(vars(self).items())
                if k.endswith("_") and not k.startswith("_") and k != "is_fitted_"
                and not isinstance(v, pd.DataFrame)}

    # -- the loop's contract ------------------------------------------------------------------
    def fit_scope(self) -> str:
        """One of :data:`FIT_SCOPES` for the configured method (default ``columns``)."""
        return "columns"

    def transform_scope(self) -> str:
        """One of :data:`TRANSFORM_SCOPES` for the configured method (default ``rows``)."""
        return "rows"

    def select(self, stages: Mapping[str, pd.DataFrame], context: Mapping[str, Any]) -> pd.DataFrame:
        """The step's input, taken from the stages it ``reads`` (default: the first, whole)."""
        return stages[self.reads[0]]

    def apply(self, table: pd.DataFrame, **side: Any) -> dict[str, pd.DataFrame]:
        """Transform ``table`` (``side`` as :meth:`transform`); returns every stage the step ``writes``
        (the first is its output)."""
        return {self.writes[0]: self.transform(table, **side)}

    def report(self, before: pd.DataFrame, written: Mapping[str, pd.DataFrame]) -> StepReport:
        """Cells changed and warnings, from the input and what :meth:`apply` wrote (pure)."""
        return StepReport()

    def provides(self) -> dict[str, Any]:
        """Fitted values later steps receive in their context (e.g. the weights)."""
        return {}

    def partial_stats(self, table: pd.DataFrame, **context: Any) -> Any:
        """Statistics of one row partition that :meth:`merge_stats` combines exactly (``stats`` scope)."""
        raise NotImplementedError(f"{type(self).__name__}({self.method!r}) has no mergeable statistics")

    @staticmethod
    def merge_stats(parts: list[Any]) -> Any:
        """Combine :meth:`partial_stats` of several partitions; any split gives the one-shot value."""
        raise NotImplementedError("no mergeable statistics")

    def stats_query(self, merged: Any) -> Any:
        """What a further round of :meth:`partial_stats` needs (passed as ``query=``), from the merged
        statistics of the last round; None (the default) when they are complete for :meth:`fit_stats`."""
        return None

    def fit_stats(self, stats: Any, columns: pd.Index, **context: Any) -> Step:
        """Fit from merged statistics (``stats`` scope); the same fitted state as ``fit`` on the whole."""
        raise NotImplementedError(f"{type(self).__name__}({self.method!r}) has no mergeable statistics")

    def _fit(self, table: pd.DataFrame, **context: Any) -> None:  # pragma: no cover - default
        return None

    def _transform(self, table: pd.DataFrame, **side: Any) -> pd.DataFrame:  # pragma: no cover - default
        return table


def side_arguments(step: Step, aux: pd.DataFrame | None) -> dict[str, Any]:
    """The side inputs of ``step.transform`` from the side columns ``aux`` of the same rows (what a
    backend passes with each row partition): ``aux`` itself, and ``groups`` = ``aux[step.by]``."""
    out: dict[str, Any] = {}
    for name in step.side_inputs():
        if name == "aux":
            out[name] = aux
        elif name == "groups":
            by = getattr(step, "by", None)
            out[name] = aux[by] if aux is not None and by is not None and by in aux.columns else None
        else:  # pragma: no cover - a step declaring an input no backend knows
            raise TypeError(f"{type(step).__name__}: unknown side input {name!r}; expected one of {SIDE_INPUTS}")
    return out

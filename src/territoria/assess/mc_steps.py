"""The pipeline's own steps, fitted once per alternative, for the Monte-Carlo analysis.

:class:`StepSource` holds what :meth:`territoria.assess.pipeline.Assessment.execute` gives each step —
the input table, the unfitted steps of the spec and the step context (side columns, groups,
directions, tree, node options) — and fits, for one (imputation, normalisation) alternative, the very
steps of the pipeline in its order (denominate → impute → treat → normalise → weight), with the same
context. The Monte-Carlo model (:mod:`territoria.assess.mc_model`) then only weights and aggregates the
normalised table, vectorised over runs. :meth:`StepSource.nominal` runs the aggregate and rank steps
themselves on the nominal table, so the nominal run *is* the published result (same floats, same ranks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from territoria.assess.aggregate import Aggregate
from territoria.assess.denominate import Denominate
from territoria.assess.impute import Impute
from territoria.assess.normalise import Normalise
from territoria.assess.pipeline import Assessment
from territoria.assess.rank import Rank
from territoria.assess.spec import AssessmentSpec, NormaliseSpec, spec_error_from
from territoria.assess.treat import Treat
from territoria.assess.weight import Weight
from territoria.errors import DataError, SpecError

__all__ = ["Fitted", "StepSource", "as_normalise_spec", "normalise_label", "normalise_params",
           "year_positions"]


def normalise_params(ns: NormaliseSpec) -> dict[str, Any]:
    """The :class:`Normalise` parameters of a spec section (as the pipeline builds the step)."""
    return {"method": ns.method, "low": ns.low, "high": ns.high, "decimals": ns.decimals,
            "reference": ns.reference, "by": ns.by,
            "goalposts": {k: tuple(v) for k, v in ns.goalposts.items()} or None, "clip": ns.clip,
            "mean": ns.mean, "sd": ns.sd}


def as_normalise_spec(item: Any, where: str) -> NormaliseSpec:
    """A normalisation alternative: a method name, a mapping or a :class:`NormaliseSpec`."""
    if isinstance(item, NormaliseSpec):
        return item
    raw = {"method": item} if isinstance(item, str) else item
    if not isinstance(raw, Mapping):
        raise SpecError(where, f"a normalisation alternative is a method name or a mapping, got {item!r}")
    try:
        return NormaliseSpec.model_validate(dict(raw))
    except ValidationError as exc:
        err = spec_error_from(exc)
        raise SpecError(f"{where}.{err.path}", err.message) from None


def normalise_label(ns: NormaliseSpec) -> str:
    """Short name of a normalisation alternative (``minmax[1,100]`` when the range is not 0-100)."""
    if ns.method in ("minmax", "goalposts") and (ns.low, ns.high) != (0.0, 100.0):
        return f"{ns.method}[{ns.low:g},{ns.high:g}]"
    if ns.method == "percentile_rank" and ns.decimals is not None:
        return f"percentile_rank[{ns.decimals}dp]"
    return ns.method


def year_positions(index: pd.Index) -> list[np.ndarray] | None:
    """Row positions of each year (in order of appearance) of a ``year``-level index; None without one."""
    if not (isinstance(index, pd.MultiIndex) and "year" in index.names):
        return None
    years = index.get_level_values("year")
    return [np.flatnonzero(years == y) for y in pd.unique(years)]


@dataclass(frozen=True)
class Fitted:
    """The normalised table of one alternative and the node weights fitted on it."""

    normalised: pd.DataFrame
    weights: pd.Series


@dataclass
class StepSource:
    """The pipeline's input and unfitted steps; fits them once per (imputation, normalisation) pair.

    Build it with :meth:`from_result` (the spec's own steps and the Result's prepared input) or
    :meth:`from_table` (a table and a tree, default steps).

    Attributes
    ----------
    table : DataFrame
        Indicators as the pipeline's first step receives them (``Prepared.table``).
    steps : dict
        Unfitted steps by address (``denominate, impute, treat, normalise, weight, aggregate, rank``).
    tree : DataFrame
        The contract tree (code, parent, weight, level, method).
    aux, direction, groups, paths, options
        The step context of :meth:`Assessment.execute`; ``groups(by)`` gives a group column.
    """

    table: pd.DataFrame
    steps: dict[str, Any]
    tree: pd.DataFrame
    direction: pd.Series
    aux: pd.DataFrame | None = None
    groups: Callable[[str | None], pd.Series | None] = field(default=lambda by: None)
    paths: dict[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    _denominated: pd.DataFrame | None = field(default=None, init=False, repr=False)
    _treated: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_result(cls, result: Any) -> StepSource:
        """The steps of ``result.spec``, on ``result.prepared`` (one period or a (unit, year) panel)."""
        prepared = result.prepared
        if prepared is None:
            raise SpecError("uncertainty", "this Result was loaded without its input; run the assessment again")
        index = prepared.table.index
        if isinstance(index, pd.MultiIndex) and "year" not in index.names:
            raise DataError("uncertainty: a Result with several index levels must be a (unit, year) panel, "
                            f"got levels {list(index.names)}")
        if len(prepared.table) != len(result.scores):
            raise DataError(f"uncertainty: the Result's input has {len(prepared.table)} row(s) for "
                            f"{len(result.scores)} scored unit(s) (a Dask run with keep='scores' leaves its input "
                            "on the workers); assess with the local engine or keep the tables")
        spec: AssessmentSpec = result.spec
        options = spec.node_rules()
        return cls(table=prepared.table, steps=Assessment(spec).build_steps(), tree=spec.tree_frame(),
                   direction=prepared.direction, aux=prepared.aux, groups=prepared.groups,
                   paths={code: spec.node_path(code) for code in options}, options=options)

    @classmethod
    def from_table(cls, data: pd.DataFrame, tree: pd.DataFrame, *, leaves: Sequence[str],
                   directions: pd.Series | None, aggregate: str, descending: bool) -> StepSource:
        """Default steps (no denomination or treatment, the tree's weights, ``ties="min"``) on ``data``."""
        frame = tree.copy()
        if "method" not in frame.columns:
            frame["method"] = None
        frame["method"] = frame["method"].astype(object).where(frame["method"].notna(), None)
        frame["parent"] = frame["parent"].astype(object).where(frame["parent"].notna(), None)
        table = data[list(leaves)]
        d = pd.Series(1.0, index=table.columns) if directions is None else directions.reindex(table.columns)
        steps = {"denominate": Denominate(rules=None), "impute": Impute(method="none"),
                 "treat": Treat(method="none"), "normalise": Normalise(),
                 "weight": Weight(method="given"), "aggregate": Aggregate(method=aggregate, missing="skip"),
                 "rank": Rank(descending=descending, ties="min", decimals=None)}
        return cls(table=table, steps=steps, tree=frame, direction=d.astype(float))

    # -- the steps ----------------------------------------------------------------------------
    def _context(self, step: Any, weights: pd.Series | None = None) -> dict[str, Any]:
        return {"aux": self.aux, "groups": self.groups(getattr(step, "by", None)), "direction": self.direction,
                "tree": self.tree, "paths": self.paths, "options": self.options, "weights": weights}

    def _fit(self, step: Any, table: pd.DataFrame) -> pd.DataFrame:
        return step.fit_transform(table, **self._context(step))

    def treated(self, impute: str) -> pd.DataFrame:
        """Denominated, imputed by ``impute`` (the spec's ``by`` kept) and treated as the spec says."""
        if self._denominated is None:
            self._denominated = self._fit(self.steps["denominate"].replace(), self.table)
        if impute not in self._treated:
            imputed = self._fit(self.steps["impute"].replace(method=impute), self._denominated)
            self._treated[impute] = self._fit(self.steps["treat"].replace(), imputed)
        return self._treated[impute]

    def fit(self, impute: str, normalise: NormaliseSpec | None) -> Fitted:
        """The normalised table and node weights of one alternative (``normalise=None``: the spec's step)."""
        step = self.steps["normalise"].replace() if normalise is None else \
            self.steps["normalise"].replace(**normalise_params(normalise))
        normalised = self._fit(step, self.treated(impute))
        weight = self.steps["weight"].replace()
        weight.fit(normalised, **self._context(weight))
        return Fitted(normalised=normalised, weights=weight.weights_)

    def aggregate_step(self, normalised: pd.DataFrame, weights: pd.Series) -> Aggregate:
        """The spec's aggregate step fitted on ``normalised`` with ``weights`` (its ``tree_``, methods)."""
        step = self.steps["aggregate"].replace()
        step.fit(normalised, **self._context(step, weights))
        return step

    def nominal(self, fitted: Fitted) -> tuple[np.ndarray, np.ndarray]:
        """Root score and rank of the nominal alternative, by the aggregate and rank steps themselves."""
        aggregated = self.aggregate_step(fitted.normalised, fitted.weights).transform(fitted.normalised)
        leaves = set(fitted.normalised.columns)
        codes = set(self.tree["code"])
        source = aggregated[[c for c in aggregated.columns if c in codes and c not in leaves]]
        ranks = self.steps["rank"].replace().fit_transform(source)
        root = str(self.tree.loc[self.tree["parent"].isna(), "code"].iloc[0])
        return aggregated[root].to_numpy(dtype=float), ranks[root].to_numpy(dtype=float)

    @property
    def periods(self) -> list[np.ndarray] | None:
        """Row positions of each year of a (unit, year) panel (ranks are taken within them); None for one period."""
        return year_positions(self.table.index)

    @property
    def missing(self) -> str:
        return str(self.steps["aggregate"].missing)

    @property
    def rank_rule(self) -> tuple[bool, str, int | None]:
        """``(descending, ties, decimals)`` of the rank step."""
        r = self.steps["rank"]
        return bool(r.descending), str(r.ties), r.decimals

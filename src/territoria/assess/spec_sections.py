"""The sections of the assessment spec other than the tree: which units, and how each step runs.

One pydantic model per section (``units``, ``denominate``, ``impute``, ``treat``, ``normalise``, ``weight``,
``aggregate``, ``rank``, ``grade``, ``flags``, ``output``, ``uncertainty``), and the one list of methods of
each step. :class:`~territoria.assess.spec.AssessmentSpec` puts them together; import them from
:mod:`territoria.assess.spec`, which re-exports every public name here.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from territoria.assess.spec_rules import (
    GRADE_KEYS,
    IMPUTE_KEYS,
    NORMALISE_KEYS,
    TREAT_KEYS,
    WEIGHT_KEYS,
    CoverageSpec,
    StrictModel,
    ZerosRule,
    check_epsilon,
    only_keys,
)
from territoria.errors import SpecError, coded

__all__ = [
    "AGGREGATE_METHODS",
    "GRADE_METHODS",
    "IMPUTE_METHODS",
    "MISSING_RULES",
    "NORMALISE_METHODS",
    "OUTPUT_TABLES",
    "TIES_RULES",
    "TREAT_METHODS",
    "WEIGHT_METHODS",
    "AggMethod",
    "AggregateSpec",
    "DenominateRule",
    "DenominateSpec",
    "FlagsSpec",
    "GradeSpec",
    "ImputeMethod",
    "ImputeSpec",
    "MissingRule",
    "NormMethod",
    "NormaliseSpec",
    "OutputColumns",
    "OutputSpec",
    "OutputTable",
    "RankSpec",
    "TiesRule",
    "TreatMethod",
    "TreatSpec",
    "UncertaintySpec",
    "UnitsSpec",
    "WeightMethod",
    "WeightSpec",
]

# One list of methods per step: the Literal types below are the source; the tuples are read from them
# (typing.get_args) and every other module (the steps' parameter checks, the uncertainty analysis)
# reads the tuples.
AggMethod = Literal["arithmetic", "geometric", "harmonic", "copeland", "sum", "complementary_geometric"]
NormMethod = Literal["none", "minmax", "zscore", "rank", "percentile_rank", "distance", "goalposts"]
ImputeMethod = Literal["none", "mean", "median", "locf", "linear"]
TreatMethod = Literal["none", "winsorise", "log"]
WeightMethod = Literal["given", "equal", "equal_within_blocks", "pca", "file"]
MissingRule = Literal["skip", "propagate"]
TiesRule = Literal["min", "max", "average", "dense"]

AGGREGATE_METHODS: tuple[str, ...] = get_args(AggMethod)
NORMALISE_METHODS: tuple[str, ...] = get_args(NormMethod)
IMPUTE_METHODS: tuple[str, ...] = get_args(ImputeMethod)
TREAT_METHODS: tuple[str, ...] = get_args(TreatMethod)
WEIGHT_METHODS: tuple[str, ...] = get_args(WeightMethod)
MISSING_RULES: tuple[str, ...] = get_args(MissingRule)
TIES_RULES: tuple[str, ...] = get_args(TiesRule)


class UnitsSpec(StrictModel):
    """Which units are rated: filters applied in this order (every one narrows the sample).

    ``exclude`` leaves out the listed unit codes (each must be a unit of the data: a typo is an error,
    never a silent no-op); ``kinds`` keeps units whose ``kind`` (the units table's column, e.g. ``region``,
    ``city_republican``) is listed. The seeds' sample leaves the three cities of republican significance
    out (Orynbet & Imangali 2022, section 3).
    """

    level: str | None = None
    groups: list[str] | None = None
    regions: list[str] | None = None
    codes: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)
    kinds: list[str] | None = None
    exclude_reason: str = ""

    @model_validator(mode="after")
    def _exclude_unique(self) -> UnitsSpec:
        seen: set[str] = set()
        for i, code in enumerate(self.exclude):
            if code in seen:
                raise SpecError(f"units.exclude[{i}]", f"unit {code!r} is listed twice")
            seen.add(code)
        if self.codes:
            both = [c for c in self.exclude if c in set(self.codes)]
            if both:
                raise SpecError(f"units.exclude[{self.exclude.index(both[0])}]",
                                f"unit {both[0]!r} is both in units.codes and in units.exclude")
        if self.kinds is not None and not self.kinds:
            raise SpecError("units.kinds", "an empty list keeps no unit; leave 'kinds' out to keep every kind")
        if self.exclude_reason and not self.exclude and self.kinds is None:
            raise SpecError("units.exclude_reason", "a reason without units.exclude or units.kinds applies to nothing")
        return self


class DenominateRule(StrictModel):
    by: str
    kind: Literal["per_capita", "per_100", "per_1000", "per_10000", "per_km2", "share", "ratio"] = "ratio"


class DenominateSpec(StrictModel):
    indicators: dict[str, DenominateRule] = Field(default_factory=dict)


class ImputeSpec(StrictModel):
    method: ImputeMethod = "none"
    by: str | None = None

    @model_validator(mode="after")
    def _keys_apply(self) -> ImputeSpec:
        only_keys(self, self.method, IMPUTE_KEYS, "impute method")
        return self


class TreatSpec(StrictModel):
    method: TreatMethod = "none"
    skew: float = Field(2.0, gt=0)
    kurt: float = Field(3.5, gt=0)
    winmax: int = Field(5, ge=0)
    fallback: Literal["log", "none"] = "log"
    exclude: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_apply(self) -> TreatSpec:
        only_keys(self, self.method, TREAT_KEYS, "treat method")
        return self


class NormaliseSpec(StrictModel):
    method: NormMethod = "minmax"
    low: float = 0.0
    high: float = 100.0
    decimals: int | None = None
    reference: Literal["pooled"] | int = "pooled"
    by: str | None = None
    goalposts: dict[str, tuple[float, float]] = Field(default_factory=dict)
    clip: bool = False
    mean: float = 0.0
    sd: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _keys_apply(self) -> NormaliseSpec:
        only_keys(self, self.method, NORMALISE_KEYS, "normalise method")
        for code, (lo, hi) in self.goalposts.items():
            if not lo < hi:
                raise coded(SpecError(f"goalposts.{code}",
                                      f"goalposts [min, max] need min < max, got [{lo:g}, {hi:g}]"),
                            "error.spec_rule.goalposts_order", min=float(lo), max=float(hi))
        return self


class WeightSpec(StrictModel):
    """``file`` names a weights file; the method never opens it: the interface that loaded the spec reads it
    into ``values`` (:func:`territoria.assess.weights_file.resolve_file_references`), or ``values`` is given inline."""

    method: WeightMethod = "given"
    file: str | None = None
    values: dict[str, float] | None = None
    sum_to: float | None = None

    @model_validator(mode="after")
    def _file_needs_path(self) -> WeightSpec:
        if self.method == "file" and not self.file and self.values is None:
            raise ValueError("method 'file' needs 'file: path/to/weights.csv' (code,weight) or .yaml, "
                             "or the weights inline as 'values: {code: weight}'")
        if self.values is not None and self.method != "file":
            raise ValueError(f"'values' applies to method 'file' only, not to {self.method!r}")
        only_keys(self, self.method, WEIGHT_KEYS, "weight method")
        return self


class AggregateSpec(StrictModel):
    """Default aggregation of the nodes; ``zeros``, ``epsilon`` and ``coverage`` are defaults a node may override."""

    method: AggMethod = "arithmetic"
    missing: MissingRule = "skip"
    zeros: ZerosRule = "refuse"
    epsilon: float | None = Field(None, gt=0)
    coverage: CoverageSpec | None = None

    @model_validator(mode="after")
    def _epsilon_rule(self) -> AggregateSpec:
        check_epsilon(self.zeros, self.epsilon)
        return self


class RankSpec(StrictModel):
    on: str | None = None
    descending: bool = True
    ties: TiesRule = "min"
    decimals: int | None = Field(None, ge=0, le=12)


GRADE_METHODS: tuple[str, ...] = ("none", "thresholds", "relative", "quantiles", "jenks")


class GradeSpec(StrictModel):
    """The graded scale. ``relative``: thresholds on the score divided by the national value of the
    score (the mean of the rated units in the same year, see :mod:`territoria.assess.grade`)."""

    method: Literal["none", "thresholds", "relative", "quantiles", "jenks"] = "none"
    on: str | None = None
    thresholds: list[float] = Field(default_factory=list)
    k: int | None = Field(None, ge=2)
    labels: list[str] = Field(default_factory=list)
    source: str = ""

    @model_validator(mode="after")
    def _labels_match(self) -> GradeSpec:
        only_keys(self, self.method, GRADE_KEYS, "grade method")
        if self.method == "none":
            return self
        fixed = self.method in ("thresholds", "relative")
        if fixed and self.k is not None:
            raise ValueError(f"method {self.method!r} takes 'thresholds', not 'k' (k is for quantiles / jenks)")
        if not fixed and self.thresholds:
            raise ValueError(f"method {self.method!r} learns its bounds; 'thresholds' is for thresholds / relative")
        if self.method == "relative" and any(t <= 0 for t in self.thresholds):
            raise ValueError(f"relative thresholds are ratios to the national value (> 0), got {self.thresholds}")
        n = len(self.thresholds) + 1 if fixed else (self.k or len(self.labels))
        if fixed and sorted(self.thresholds) != self.thresholds:
            raise ValueError(f"thresholds must be increasing, got {self.thresholds}")
        if self.labels and len(self.labels) != n:
            raise ValueError(f"{len(self.labels)} labels for {n} classes; give one label per class, "
                             "from the lowest score to the highest")
        if n < 2:
            raise ValueError("a graded scale needs at least 2 classes (k or labels or thresholds)")
        return self


class FlagsSpec(StrictModel):
    threshold: float
    stage: Literal["normalised", "raw"] = "normalised"
    above: bool = True


OutputTable = Literal["raw", "denominated", "imputed", "treated", "normalised", "aggregated", "aggregated_raw",
                      "ranks", "flags", "rank", "level"]
OUTPUT_TABLES: tuple[str, ...] = ("raw", "denominated", "imputed", "treated", "normalised", "aggregated",
                                  "aggregated_raw", "ranks", "flags", "rank", "level")


class OutputColumns(StrictModel):
    """One group of output columns: the values of ``nodes`` in one table of the Result, named by a template.

    ``name`` may use ``{code}`` and ``{label}`` (the node's ``label``, else its code); a node's
    ``names: {table: column}`` overrides the template. ``rank`` (the root's rank) and ``level`` (its
    grade) are single columns named ``name`` (default ``rank`` / ``level``).
    """

    table: OutputTable
    nodes: Literal["indicators", "aggregates", "all"] | list[str] = "aggregates"
    name: str | None = None


class OutputSpec(StrictModel):
    """The columns ``territoria compute`` writes, in order (default: every aggregate, rank, level)."""

    columns: list[OutputColumns] = Field(default_factory=list)
    missing: float | None = None
    sort: Literal["rank", "input"] = "rank"


class UncertaintySpec(StrictModel):
    n: int = Field(1000, ge=1)
    seed: int | None = Field(None, ge=0)
    weights: float = Field(0.0, ge=0, le=1)
    normalise: list[NormaliseSpec] = Field(default_factory=list)
    aggregate: list[AggMethod] = Field(default_factory=list)
    impute: list[ImputeMethod] = Field(default_factory=list)
    exclude_one: bool = False

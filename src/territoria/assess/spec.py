"""The assessment spec: everything that decides a result, validated before any computation.

A spec is a YAML file read into :class:`AssessmentSpec` (pydantic, unknown keys forbidden). Errors
are :class:`~territoria.errors.SpecError` naming the key path, e.g.
``tree.vulnerability.children.social.children.unemployment_rate.weight``.

The indicator tree is either a nested mapping (``name: {weight, method, children: {...}}``, any
depth; a leaf may be written as ``name:`` with no body) or a flat list of rows
(``- {code, parent, weight, ...}``, COINr's iMeta shape). :meth:`AssessmentSpec.tree_frame` returns the
contract tree DataFrame (code, parent, weight, level, method, direction).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from territoria.assess.spec_rules import (
    GRADE_KEYS,
    IMPUTE_KEYS,
    NORMALISE_KEYS,
    TRANSFORM_KINDS,
    TREAT_KEYS,
    WEIGHT_KEYS,
    ZEROS_RULES,
    CoverageSpec,
    StrictModel,
    TransformKind,
    TransformSpec,
    ZerosRule,
    check_applies,
    check_epsilon,
    drop_unused_options,
    node_rules,
    only_keys,
    transform_rules,
)
from territoria.assess.weights_file import resolve_file_references
from territoria.errors import SpecError, coded, pydantic_code
from territoria.yamlfile import load_yaml

__all__ = [
    "AGGREGATE_METHODS",
    "GRADE_METHODS",
    "IMPUTE_METHODS",
    "MISSING_RULES",
    "NORMALISE_METHODS",
    "OUTPUT_TABLES",
    "TIES_RULES",
    "TRANSFORM_KINDS",
    "TREAT_METHODS",
    "WEIGHT_METHODS",
    "ZEROS_RULES",
    "AggregateSpec",
    "AssessmentSpec",
    "CoverageSpec",
    "DenominateRule",
    "DenominateSpec",
    "FlagsSpec",
    "GradeSpec",
    "ImputeSpec",
    "NodeSpec",
    "NormaliseSpec",
    "OutputColumns",
    "OutputSpec",
    "PostSpec",
    "RankSpec",
    "TransformSpec",
    "TreatSpec",
    "TreeRow",
    "UncertaintySpec",
    "UnitsSpec",
    "WeightSpec",
    "default_spec_path",
    "spec_error_from",
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

class _Model(StrictModel):
    """A section of the spec (unknown keys, NaN and infinity refused)."""


class PostSpec(_Model):
    """Re-expression of a node's score after aggregation (the SVI ranks its theme sums again)."""

    method: Literal["percentile_rank", "rank", "minmax"] = "percentile_rank"
    decimals: int | None = None
    descending: bool = False


class _NodeOptions(_Model):
    weight: float = Field(1.0, ge=0)
    direction: Literal[1, -1] | None = None
    method: AggMethod | None = None
    label: str | None = None
    round: int | None = Field(None, ge=0, le=12)
    post: PostSpec | None = None
    parent_uses: Literal["post", "raw"] = "post"
    names: dict[str, str] = Field(default_factory=dict)
    formula: str | None = None
    coverage: CoverageSpec | None = None
    zeros: ZerosRule | None = None
    epsilon: float | None = Field(None, gt=0)
    transform: TransformSpec | TransformKind | None = None
    reuse: bool = False


class NodeSpec(_NodeOptions):
    """One node of the nested tree; a node without ``children`` is an indicator (leaf).

    ``reuse: true`` makes the entry one more edge to a node defined elsewhere in the tree (by its code,
    the entry's key), with the entry's own ``weight`` under this parent; it gives no other key."""

    children: dict[str, NodeSpec | None] | None = None


class TreeRow(_NodeOptions):
    """One row of the flat tree form (``parent: null`` for the root; ``reuse: true``: one more parent of a
    code defined in another row, with this row's weight)."""

    code: str
    parent: str | None = None


class UnitsSpec(_Model):
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


class DenominateRule(_Model):
    by: str
    kind: Literal["per_capita", "per_100", "per_1000", "per_10000", "per_km2", "share", "ratio"] = "ratio"


class DenominateSpec(_Model):
    indicators: dict[str, DenominateRule] = Field(default_factory=dict)


class ImputeSpec(_Model):
    method: ImputeMethod = "none"
    by: str | None = None

    @model_validator(mode="after")
    def _keys_apply(self) -> ImputeSpec:
        only_keys(self, self.method, IMPUTE_KEYS, "impute method")
        return self


class TreatSpec(_Model):
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


class NormaliseSpec(_Model):
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
                raise SpecError(f"goalposts.{code}", f"goalposts [min, max] need min < max, got [{lo:g}, {hi:g}]")
        return self


class WeightSpec(_Model):
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


class AggregateSpec(_Model):
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


class RankSpec(_Model):
    on: str | None = None
    descending: bool = True
    ties: TiesRule = "min"
    decimals: int | None = Field(None, ge=0, le=12)


GRADE_METHODS: tuple[str, ...] = ("none", "thresholds", "relative", "quantiles", "jenks")


class GradeSpec(_Model):
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


class FlagsSpec(_Model):
    threshold: float
    stage: Literal["normalised", "raw"] = "normalised"
    above: bool = True


OutputTable = Literal["raw", "denominated", "imputed", "treated", "normalised", "aggregated", "aggregated_raw",
                      "ranks", "flags", "rank", "level"]
OUTPUT_TABLES: tuple[str, ...] = ("raw", "denominated", "imputed", "treated", "normalised", "aggregated",
                                  "aggregated_raw", "ranks", "flags", "rank", "level")


class OutputColumns(_Model):
    """One group of output columns: the values of ``nodes`` in one table of the Result, named by a template.

    ``name`` may use ``{code}`` and ``{label}`` (the node's ``label``, else its code); a node's
    ``names: {table: column}`` overrides the template. ``rank`` (the root's rank) and ``level`` (its
    grade) are single columns named ``name`` (default ``rank`` / ``level``).
    """

    table: OutputTable
    nodes: Literal["indicators", "aggregates", "all"] | list[str] = "aggregates"
    name: str | None = None


class OutputSpec(_Model):
    """The columns ``territoria compute`` writes, in order (default: every aggregate, rank, level)."""

    columns: list[OutputColumns] = Field(default_factory=list)
    missing: float | None = None
    sort: Literal["rank", "input"] = "rank"


class UncertaintySpec(_Model):
    n: int = Field(1000, ge=1)
    seed: int | None = Field(None, ge=0)
    weights: float = Field(0.0, ge=0, le=1)
    normalise: list[NormaliseSpec] = Field(default_factory=list)
    aggregate: list[AggMethod] = Field(default_factory=list)
    impute: list[ImputeMethod] = Field(default_factory=list)
    exclude_one: bool = False


class AssessmentSpec(_Model):
    """A validated assessment spec (see the module docstring and ``docs/assessment.md``)."""

    name: str = "assessment"
    description: str = ""
    citation: str = ""
    seed: int = Field(0, ge=0)
    units: UnitsSpec = Field(default_factory=UnitsSpec)
    year: int | None = None
    years: list[int] | None = None
    missing_codes: list[float | str] = Field(default_factory=list)
    tree: dict[str, NodeSpec] | list[TreeRow]
    transforms: dict[str, TransformSpec | TransformKind] = Field(default_factory=dict)
    denominate: DenominateSpec = Field(default_factory=DenominateSpec)
    impute: ImputeSpec = Field(default_factory=ImputeSpec)
    treat: TreatSpec = Field(default_factory=TreatSpec)
    normalise: NormaliseSpec = Field(default_factory=NormaliseSpec)
    weight: WeightSpec = Field(default_factory=WeightSpec)
    aggregate: AggregateSpec = Field(default_factory=AggregateSpec)
    rank: RankSpec = Field(default_factory=RankSpec)
    grade: GradeSpec = Field(default_factory=GradeSpec)
    flags: FlagsSpec | None = None
    uncertainty: UncertaintySpec | None = None
    output: OutputSpec | None = None

    @model_validator(mode="after")
    def _check_tree(self) -> AssessmentSpec:
        rows = self.tree_rows()   # raises SpecError on a cycle, duplicate, empty block, several roots
        if self.weight.method == "given":
            weights: dict[str, list[float]] = {}
            for row, _ in rows:
                if row.parent is not None:
                    weights.setdefault(row.parent, []).append(row.weight)
            for row, path in rows:
                if not row.reuse and weights.get(row.code) and not any(w > 0 for w in weights[row.code]):
                    raise SpecError(f"{path}.children", f"every child of {row.code!r} has weight 0; give at least "
                                    "one a positive weight (a 0 leaves a child out)")
        if self.year is not None and self.years:
            raise SpecError("years", "give either 'year' or 'years', not both")
        parents = {row.parent for row, _ in rows if row.parent is not None}
        leaves = list(dict.fromkeys(row.code for row, _ in rows if row.code not in parents))
        check_applies(self, rows, leaves)
        self.transform_rules()
        return self

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, path: str | Path) -> AssessmentSpec:
        """Read and validate a spec file named by the caller (an interface: the CLI, a script), then read
        the files the spec names (``weight.file``, relative to the spec's folder) into data, with the size
        limits and located errors of :func:`territoria.assess.weights_file.resolve_file_references`. Specs from an
        untrusted source go through :meth:`from_mapping`, which never opens a file."""
        path = Path(path)
        raw = load_yaml(path)
        spec = cls.from_mapping(raw, file=str(path))
        return resolve_file_references(spec, base=path.parent, file=str(path))

    @classmethod
    def from_mapping(cls, raw: Any, *, file: str | None = None) -> AssessmentSpec:
        """Validate a mapping (as read from YAML); errors become :class:`SpecError`."""
        if not isinstance(raw, dict):
            raise SpecError("<root>", f"a spec is a mapping of sections, got {type(raw).__name__}", file=file)
        try:
            return cls.model_validate(raw)
        except SpecError as exc:
            raise SpecError(exc.path, exc.message, file=file) from None
        except ValidationError as exc:
            raise spec_error_from(exc, file=file) from None

    def to_mapping(self) -> dict[str, Any]:
        mapping = self.model_dump(mode="json", exclude_none=False)
        if mapping["weight"].get("values") is None:  # specs without inline weights keep their stored digest
            mapping["weight"].pop("values", None)
        return drop_unused_options(mapping)  # likewise the spec language's options left at their defaults

    def file_references(self) -> dict[str, str]:
        """Every key of the spec that names a file, with the name as written: ``{"weight.file": ...}``.

        The one list of such keys: :func:`territoria.assess.weights_file.resolve_file_references` reads them, and
        the web server refuses a spec for which this is not empty.
        """
        return {"weight.file": self.weight.file} if self.weight.file else {}

    # -- views -------------------------------------------------------------------------------
    def tree_frame(self) -> pd.DataFrame:
        """The contract tree: code, parent, weight, level (1 = indicator), method, direction."""
        from territoria.assess.tree import tree_frame

        return tree_frame(self)

    def tree_rows(self) -> list[tuple[TreeRow, str]]:
        """The tree as rows (one per edge: a reused node has a row with ``reuse`` per further parent), with
        their YAML key paths, structure checked."""
        from territoria.assess.tree import build_rows

        return build_rows(self)

    def node_options(self) -> dict[str, _NodeOptions]:
        """Per-node options (round, post, parent_uses, formula, ...) keyed by code, as written."""
        return {row.code: row for row, _ in self.tree_rows() if not row.reuse}

    def node_rules(self) -> dict[str, _NodeOptions]:
        """:meth:`node_options` with the ``aggregate`` section's ``coverage`` / ``zeros`` / ``epsilon``
        filled in for the blocks that give none (what the aggregate step and the uncertainty analysis read)."""
        return node_rules(self.tree_rows(), self.aggregate)

    def node_path(self, code: str) -> str:
        """The YAML key path of a node, for messages."""
        for row, path in self.tree_rows():
            if row.code == code and not row.reuse:
                return path
        return f"tree.{code}"

    def transform_rules(self) -> dict[str, dict[str, Any]]:
        """Indicator code → transform parameters, from the tree's ``transform`` and the ``transforms`` section."""
        return transform_rules(self.tree_rows(), self.transforms)

    @property
    def year_list(self) -> list[int] | None:
        if self.years:
            return list(self.years)
        return [self.year] if self.year is not None else None


def spec_error_from(exc: ValidationError, *, file: str | None = None) -> SpecError:
    """The first pydantic error as a SpecError with a dotted key path."""
    err = exc.errors()[0]
    inner = (err.get("ctx") or {}).get("error")
    loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-after", "function-before"))]
    loc = [p for p in loc if p not in ("NodeSpec", "TreeRow", "list[TreeRow]", "dict[str,NodeSpec]",
                                       "dict[str,nullable[NodeSpec]]", "TransformSpec")]
    if isinstance(inner, SpecError):
        prefix = ".".join(loc)
        whole = not loc or inner.path.startswith("tree") or inner.path.startswith(prefix + ".")
        out = SpecError(inner.path if whole else f"{prefix}.{inner.path}", inner.message, file=file)
        return coded(out, inner.code, **inner.params) if inner.code else out
    path = ".".join(loc) or "<root>"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key (check the spelling; see docs/assessment.md for the keys of this section)"
    elif "input" in err and err["type"] not in ("missing",):
        msg = f"{msg}; got {err['input']!r}"
    found = pydantic_code(err)
    return coded(SpecError(path, msg, file=file), found[0], **found[1]) if found else SpecError(path, msg, file=file)


def default_spec_path() -> Path:
    """The bundled vulnerability spec of the regions (shipped in the package; ``examples/`` links to it)."""
    return Path(str(resources.files("territoria.assess").joinpath("specs/vulnerability_regions.yaml")))

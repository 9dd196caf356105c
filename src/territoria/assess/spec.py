"""The assessment spec: everything that decides a result, validated before any computation.

A spec is a YAML file read into :class:`AssessmentSpec` (pydantic, unknown keys forbidden). Errors
are :class:`~territoria.errors.SpecError` naming the key path, e.g.
``tree.vulnerability.children.social.children.unemployment_rate.weight``.

The indicator tree is either a nested mapping (``name: {weight, method, children: {...}}``, any
depth; a leaf may be written as ``name:`` with no body) or a flat list of rows
(``- {code, parent, weight, ...}``, COINr's iMeta shape). :meth:`AssessmentSpec.tree_frame` returns the
contract tree DataFrame (code, parent, weight, level, method, direction).

The section models live in :mod:`territoria.assess.spec_sections`, the tree's nodes in
:mod:`territoria.assess.spec_nodes`; every public name of both is importable from here.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from territoria.assess.spec_nodes import NodeOptions, NodeSpec, PostSpec, TreeRow
from territoria.assess.spec_rules import (
    TRANSFORM_KINDS,
    ZEROS_RULES,
    CoverageSpec,
    StrictModel,
    TransformKind,
    TransformSpec,
    check_applies,
    drop_unused_options,
    node_rules,
    transform_rules,
)
from territoria.assess.spec_sections import (
    AGGREGATE_METHODS,
    GRADE_METHODS,
    IMPUTE_METHODS,
    MISSING_RULES,
    NORMALISE_METHODS,
    OUTPUT_TABLES,
    TIES_RULES,
    TREAT_METHODS,
    WEIGHT_METHODS,
    AggregateSpec,
    DenominateRule,
    DenominateSpec,
    FlagsSpec,
    GradeSpec,
    ImputeSpec,
    NormaliseSpec,
    OutputColumns,
    OutputSpec,
    RankSpec,
    TreatSpec,
    UncertaintySpec,
    UnitsSpec,
    WeightSpec,
)
from territoria.assess.spec_sections import AggMethod as AggMethod
from territoria.assess.spec_sections import ImputeMethod as ImputeMethod
from territoria.assess.spec_sections import MissingRule as MissingRule
from territoria.assess.spec_sections import NormMethod as NormMethod
from territoria.assess.spec_sections import OutputTable as OutputTable
from territoria.assess.spec_sections import TiesRule as TiesRule
from territoria.assess.spec_sections import TreatMethod as TreatMethod
from territoria.assess.spec_sections import WeightMethod as WeightMethod
from territoria.assess.tree import build_rows, tree_frame
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
    "NodeOptions",
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


class AssessmentSpec(StrictModel):
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
                    raise coded(SpecError(f"{path}.children", f"every child of {row.code!r} has weight 0; give at "
                                          "least one a positive weight (a 0 leaves a child out)"),
                                "error.spec_rule.weights_zero", code=row.code)
        if self.year is not None and self.years:
            raise coded(SpecError("years", "give either 'year' or 'years', not both"), "error.spec_rule.year_years")
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
            raise exc.at(exc.path, file=file) from None
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

        return tree_frame(self)

    def tree_rows(self) -> list[tuple[TreeRow, str]]:
        """The tree as rows (one per edge: a reused node has a row with ``reuse`` per further parent), with
        their YAML key paths, structure checked."""

        return build_rows(self)

    def node_options(self) -> dict[str, NodeOptions]:
        """Per-node options (round, post, parent_uses, formula, ...) keyed by code, as written."""
        return {row.code: row for row, _ in self.tree_rows() if not row.reuse}

    def node_rules(self) -> dict[str, NodeOptions]:
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
        if not inner.path:  # raised by a section that does not know its own key path
            return inner.at(prefix or "<root>", file=file)
        whole = not loc or inner.path.startswith("tree") or inner.path.startswith(prefix + ".")
        return inner.at(inner.path if whole else f"{prefix}.{inner.path}", file=file)
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

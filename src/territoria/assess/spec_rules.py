"""Parts of the spec language shared by its sections: which keys apply to which method, coverage rules,
indicator transforms, the rule for zeros, and the checks that nothing given is silently ignored.

A key that the chosen method does not read, a goalpost or transform for a code that is not an indicator
of the tree, a rule for zeros where no node takes a geometric or harmonic mean: each is a
:class:`~territoria.errors.SpecError` naming the key path and what would apply.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from territoria.errors import SpecError, coded

__all__ = ["IMPUTE_KEYS", "LATE_KEYS", "NORMALISE_KEYS", "TRANSFORM_KINDS", "TREAT_KEYS", "ZEROS_RULES",
           "CoverageSpec", "StrictModel", "TransformKind", "TransformSpec", "ZerosRule", "check_applies",
           "check_epsilon", "check_node_epsilon", "drop_unused_options", "node_rules", "only_keys",
           "reset_inapplicable", "set_keys", "transform_rule", "transform_rules"]

ZerosRule = Literal["refuse", "zero", "epsilon"]
TransformKind = Literal["log", "log10", "reciprocal", "power", "cap"]
ZEROS_RULES: tuple[str, ...] = get_args(ZerosRule)
TRANSFORM_KINDS: tuple[str, ...] = get_args(TransformKind)


class StrictModel(BaseModel):
    """Base of every spec section: unknown keys are errors; NaN and infinity are refused in every number
    (a weight or a goalpost of .inf is a typo)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


#: Keys :meth:`AssessmentSpec.to_mapping` leaves out at their defaults (so that the digest of a spec written
#: before they existed does not change), by section; ``None`` for the options of a tree node.
LATE_KEYS: dict[str | None, dict[str, Any]] = {
    "normalise": {"mean": 0.0, "sd": 1.0},
    "aggregate": {"zeros": "refuse", "epsilon": None, "coverage": None},
    None: {"formula": None, "coverage": None, "zeros": None, "epsilon": None, "transform": None, "reuse": False},
}


def drop_unused_options(mapping: dict[str, Any]) -> dict[str, Any]:
    """A dumped spec without the :data:`LATE_KEYS` left at their defaults (nor an empty ``transforms``)."""
    for section, keys in LATE_KEYS.items():
        if section is not None and isinstance(mapping.get(section), dict):
            for key, default in keys.items():
                if key in mapping[section] and mapping[section][key] == default:
                    del mapping[section][key]
    if mapping.get("transforms") == {}:
        del mapping["transforms"]
    for alternative in (mapping.get("uncertainty") or {}).get("normalise") or []:
        for key, default in LATE_KEYS["normalise"].items():
            if alternative.get(key, object()) == default:
                del alternative[key]

    def node(options: dict[str, Any]) -> None:
        for key, default in LATE_KEYS[None].items():
            if key in options and options[key] == default:
                del options[key]
        for child in (options.get("children") or {}).values():
            if isinstance(child, dict):
                node(child)

    tree = mapping.get("tree")
    for options in (tree.values() if isinstance(tree, dict) else tree or []):
        if isinstance(options, dict):
            node(options)
    return mapping


def set_keys(model: BaseModel) -> set[str]:
    """The keys given in a section; for a section written whole (a spec dumped and read back, e.g. by
    ``Result.rerun``; the :data:`LATE_KEYS` may be absent), the keys whose value differs from the default."""
    fields = type(model).model_fields
    given = model.model_fields_set & set(fields)
    late = {k for keys in LATE_KEYS.values() for k in keys} | {"values"}
    if not set(fields) - late <= given:
        return given
    return {k for k in given if getattr(model, k) != fields[k].get_default(call_default_factory=True)}


def only_keys(model: BaseModel, method: str, applies: dict[str, set[str]], what: str) -> None:
    """Refuse a key of ``model`` that the chosen ``method`` does not read, naming what would apply."""
    allowed = applies[method]
    for key in sorted(set_keys(model) - {"method"} - allowed):
        users = [m for m, keys in applies.items() if key in keys]
        raise coded(SpecError(key, f"{key!r} does not apply to {what} {method!r} (it applies to "
                                   f"{', '.join(map(repr, users)) or 'no method'}); keys of {method!r}: "
                                   f"{', '.join(sorted(allowed)) or 'none besides method'}"),
                    "error.spec_rule.not_for_method", key=key, section=what.split()[0], method=method,
                    users=", ".join(users) or None, allowed=", ".join(sorted(allowed)) or None)


class CoverageSpec(StrictModel):
    """Minimum coverage of a node: a unit with fewer present children gets no score there."""

    min_children: int | None = Field(None, ge=1)
    min_share: float | None = Field(None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_rule(self) -> CoverageSpec:
        if (self.min_children is None) == (self.min_share is None):
            raise coded(SpecError("", "give one of min_children (a count) or min_share (a fraction in (0, 1]); got "
                                      f"min_children {self.min_children}, min_share {self.min_share}"),
                        "error.spec_rule.coverage_one", min_children=self.min_children, min_share=self.min_share)
        return self

    def withheld(self, present: Any, n: int) -> Any:
        """True where ``present`` children of ``n`` fall short of the rule."""
        if self.min_children is not None:
            return present < self.min_children
        return present < self.min_share * n - 1e-12

    def describe(self) -> str:
        if self.min_children is not None:
            return f"min_children {self.min_children}"
        return f"min_share {self.min_share:g}"


class TransformSpec(StrictModel):
    """A transform of one indicator before normalisation (see :mod:`territoria.assess.transforms`)."""

    kind: TransformKind
    exponent: float | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _keys_of_kind(self) -> TransformSpec:
        # an empty path: the error sits at the transform's own key path, which only the parser knows
        if self.kind == "power" and self.exponent is None:
            raise coded(SpecError("", "a power transform needs 'exponent'"), "error.spec_rule.power_exponent")
        if self.kind != "power" and self.exponent is not None:
            raise coded(SpecError("", f"'exponent' applies to kind 'power', not {self.kind!r}"),
                        "error.spec_rule.exponent_not_power", transform=self.kind)
        if self.kind == "cap":
            if self.min is None and self.max is None:
                raise coded(SpecError("", "a cap needs 'min', 'max' or both"), "error.spec_rule.cap_bounds")
            if self.min is not None and self.max is not None and not self.min < self.max:
                raise coded(SpecError("", f"cap min {self.min:g} must be below max {self.max:g}"),
                            "error.spec_rule.cap_order", min=self.min, max=self.max)
        elif self.min is not None or self.max is not None:
            raise coded(SpecError("", f"'min'/'max' apply to kind 'cap', not {self.kind!r}"),
                        "error.spec_rule.bounds_not_cap", transform=self.kind)
        return self

    def rule(self) -> dict[str, Any]:
        """Plain parameters of the transform, for the normalise step and its record."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


IMPUTE_KEYS: dict[str, set[str]] = {"none": set(), "mean": {"by"}, "median": {"by"}, "locf": set(), "linear": set()}


TREAT_KEYS: dict[str, set[str]] = {
    "none": set(), "winsorise": {"skew", "kurt", "winmax", "fallback", "exclude"},
    "log": {"skew", "kurt", "exclude"},
}


#: The keys each method reads (besides ``method``); any other key given is an error.
NORMALISE_KEYS: dict[str, set[str]] = {
    "none": set(), "minmax": {"low", "high", "reference", "clip"},
    "goalposts": {"low", "high", "goalposts", "clip"}, "zscore": {"reference", "mean", "sd"},
    "rank": set(), "percentile_rank": {"decimals"}, "distance": {"reference", "by"},
}


WEIGHT_KEYS: dict[str, set[str]] = {"given": {"sum_to"}, "equal": set(), "equal_within_blocks": set(), "pca": set(),
                                     "file": {"file", "values"}}
GRADE_KEYS: dict[str, set[str]] = {"none": set(), "thresholds": {"on", "thresholds", "labels", "source"},
                                   "relative": {"on", "thresholds", "labels", "source"},
                                   "quantiles": {"on", "k", "labels", "source"},
                                   "jenks": {"on", "k", "labels", "source"}}


def reset_inapplicable(section: str, part: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """A section mapping whose ``method`` was just changed (``Result.rerun``): the keys carried over from
    the previous spec (not in ``given``) that the new method does not read are dropped, so they take their
    defaults; keys given with the change are kept (and checked)."""
    table = {"normalise": NORMALISE_KEYS, "treat": TREAT_KEYS, "impute": IMPUTE_KEYS, "weight": WEIGHT_KEYS,
             "grade": GRADE_KEYS}.get(section)
    method = part.get("method")
    if table is None or "method" not in given or method not in table:
        return part
    return {k: v for k, v in part.items() if k == "method" or k in given or k in table[method]}


def check_epsilon(zeros: str | None, epsilon: float | None) -> None:
    if zeros == "epsilon" and epsilon is None:
        raise coded(SpecError("epsilon", "zeros: epsilon needs the value that replaces a zero (e.g. epsilon: 0.01)"),
                    "error.spec_rule.epsilon_missing")
    if epsilon is not None and zeros != "epsilon":
        raise coded(SpecError("epsilon", f"epsilon applies with zeros: epsilon, not zeros: {zeros or 'refuse'}"),
                    "error.spec_rule.epsilon_unused", zeros=zeros or "refuse")


def node_rules(rows: list[tuple[Any, str]], default: Any) -> dict[str, Any]:
    """Node options by code, with the ``aggregate`` section's (``default``) ``coverage`` / ``zeros`` /
    ``epsilon`` filled in for the blocks that give none."""
    parents = {row.parent for row, _ in rows}
    out = {}
    for row, _ in rows:
        if row.reuse:                       # the node's options are those of its definition
            continue
        if row.code not in parents:
            out[row.code] = row
            continue
        zeros = row.zeros or default.zeros
        out[row.code] = row.model_copy(update={
            "coverage": row.coverage or default.coverage, "zeros": zeros,
            "epsilon": (row.epsilon or default.epsilon) if zeros == "epsilon" else None})
    return out


def transform_rules(rows: list[tuple[Any, str]], section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Indicator code → transform parameters, from the tree rows' ``transform`` and the ``transforms``
    ``section``; a code that is not an indicator, or given in both places, is an error."""
    parents = {row.parent for row, _ in rows if row.parent is not None}
    leaves = [row.code for row, _ in rows if row.code not in parents]
    out: dict[str, dict[str, Any]] = {}
    for code, given in section.items():
        if code not in leaves:
            listed = f"{', '.join(leaves[:8])}{' ...' if len(leaves) > 8 else ''}"
            raise coded(SpecError(f"transforms.{code}", f"{code!r} is not an indicator of the tree; transforms "
                                                        f"apply to indicators ({listed})"),
                        "error.spec_rule.transform_not_indicator", code=code, listed=listed)
        out[code] = transform_rule(given)
    for row, path in rows:
        if row.transform is None:
            continue
        if row.code in out:
            raise coded(SpecError(f"{path}.transform", f"{row.code!r} also has a transform in the transforms "
                                                       "section; give it in one place"),
                        "error.spec_rule.transform_twice", code=row.code)
        out[row.code] = transform_rule(row.transform)
    return out


def transform_rule(given: TransformSpec | str) -> dict[str, Any]:
    return (TransformSpec(kind=given) if isinstance(given, str) else given).rule()


def check_applies(spec: Any, rows: list[tuple[Any, str]], leaves: list[str]) -> None:
    """Keys that name codes or options the tree does not have are errors (nothing is silently ignored)."""
    listed = f"{', '.join(leaves[:8])}{' ...' if len(leaves) > 8 else ''}"
    alternatives = [("normalise", spec.normalise)]
    if spec.uncertainty is not None:
        alternatives += [(f"uncertainty.normalise[{i}]", n) for i, n in enumerate(spec.uncertainty.normalise)]
    for where, ns in alternatives:
        for code in ns.goalposts:
            if code not in leaves:
                raise coded(SpecError(f"{where}.goalposts.{code}", f"{code!r} is not an indicator of the tree; "
                                                                   f"goalposts are given for indicators ({listed})"),
                            "error.spec_rule.goalposts_not_indicator", code=code, listed=listed)
        if ns.method == "goalposts":
            lacking = [c for c in leaves if c not in ns.goalposts]
            if lacking:
                raise coded(SpecError(f"{where}.goalposts.{lacking[0]}",
                                      f"no goalposts for {', '.join(map(repr, lacking[:5]))}; method goalposts "
                                      "needs [min, max] for every indicator"),
                            "error.spec_rule.goalposts_lacking", codes=", ".join(lacking[:5]))
    for key, codes in (("treat.exclude", spec.treat.exclude), ("denominate.indicators", spec.denominate.indicators)):
        for code in codes:
            if code not in leaves:
                raise coded(SpecError(f"{key}.{code}", f"{code!r} is not an indicator of the tree ({listed})"),
                            "error.spec_rule.not_indicator", code=code, listed=listed)
    methods = {spec.aggregate.method, *(spec.uncertainty.aggregate if spec.uncertainty else [])}
    methods |= {row.method for row, _ in rows if row.method is not None}
    means = {"geometric", "harmonic"}
    if spec.aggregate.zeros != "refuse" and not methods & means:
        raise coded(SpecError("aggregate.zeros", f"zeros: {spec.aggregate.zeros} applies to geometric or harmonic "
                                                 "means, and no node (nor uncertainty alternative) uses one: "
                                                 f"{sorted(methods)}"),
                    "error.spec_rule.zeros_no_mean", zeros=spec.aggregate.zeros, methods=", ".join(sorted(methods)))
    for row, path in rows:
        if row.zeros is not None or row.epsilon is not None:
            check_node_epsilon(row, path, spec.aggregate)
            if (row.method or spec.aggregate.method) not in means and not (
                    spec.uncertainty and means & set(spec.uncertainty.aggregate)):
                method = row.method or spec.aggregate.method
                raise coded(SpecError(f"{path}.zeros", f"zeros applies to a geometric or harmonic node; {row.code!r} "
                                                       f"uses {method!r}"),
                            "error.spec_rule.zeros_not_mean", code=row.code, method=method)


def check_node_epsilon(row: Any, path: str, default: Any) -> None:
    zeros = row.zeros or default.zeros
    epsilon = row.epsilon if row.epsilon is not None else (default.epsilon if zeros == "epsilon" else None)
    try:
        check_epsilon(zeros, epsilon)
    except SpecError as exc:
        raise exc.at(f"{path}.{exc.path}") from None

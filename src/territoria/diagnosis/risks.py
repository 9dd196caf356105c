"""Risk flags from configurable rules: each flag with its figure, its threshold and where it comes from.

A rule compares a unit's value of an indicator in one year with a threshold, either a fixed number
(``reference: absolute``) or a multiple of the national value of the same indicator in the same year
(``reference: national``, ``factor``). Rules live in YAML (the package's ``diagnosis/risk_rules.yaml``
by default, built from the seeds' criteria of a depressed territory); they are validated and every
error names its key path. A rule whose indicator or national value is missing for a unit is reported
as not evaluable, never silently passed.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.catalog.citations import SourceRef, render_sources
from territoria.diagnosis.references import national_references, unit_indicators
from territoria.dynamics.rules import SYMBOL, Op, Text, compare, read_rule_file
from territoria.dynamics.status import fmt
from territoria.errors import SpecError

__all__ = ["RiskRule", "RiskRules", "default_risk_rules_path", "load_risk_rules", "risk_flags"]

FLAG_COLUMNS = ["unit", "rule", "label", "indicator", "year", "value", "op", "threshold", "reference",
                "reference_year", "reference_value", "ratio", "flag", "text", "citation", "text_code", "text_params"]


class RiskRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    indicator: str | list[str]
    op: Op
    threshold: float | list[float] | None = None
    reference: Literal["absolute", "national"] = "absolute"
    factor: float = Field(default=1.0, gt=0)
    citation: SourceRef | list[SourceRef] | str
    note: str = ""

    @model_validator(mode="after")
    def _threshold(self) -> RiskRule:
        if self.reference == "absolute" and self.threshold is None:
            raise ValueError("an absolute rule needs a threshold")
        if self.reference == "national" and self.threshold is not None:
            raise ValueError("a national rule takes 'factor', not 'threshold'")
        if self.op == "between" and not (isinstance(self.threshold, list) and len(self.threshold) == 2):
            raise ValueError("op 'between' needs threshold: [low, high]")
        if self.op == "between" and self.threshold[0] > self.threshold[1]:  # type: ignore[index]
            raise ValueError(f"op 'between' needs threshold: [low, high] with low <= high, got {self.threshold}")
        return self

    @property
    def cited(self) -> str:
        """The citation as outputs print it (authors, year, place: the citation registry)."""
        return render_sources(self.citation)

    @property
    def candidates(self) -> list[str]:
        return [self.indicator] if isinstance(self.indicator, str) else list(self.indicator)


class RiskRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    rules: list[RiskRule] = Field(min_length=1)

    def check(self, catalogue: Catalogue, *, file: str | None = None) -> None:
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            if rule.id in seen:
                raise SpecError(f"rules[{i}]({rule.id}).id", "duplicate rule id", file=file)
            seen.add(rule.id)
            for name in rule.candidates:
                try:
                    catalogue[name]
                except KeyError as exc:
                    raise SpecError(f"rules[{i}]({rule.id}).indicator", str(exc), file=file) from None

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rules]


def default_risk_rules_path() -> Path:
    return Path(str(resources.files("territoria.diagnosis").joinpath("risk_rules.yaml")))


def load_risk_rules(path: str | Path | None = None, *, catalogue: Catalogue | None = None,
                    raw: Any = None) -> RiskRules:
    """Read and validate a risk rule file (default: the package's); errors name the key path."""
    rules, file = read_rule_file(RiskRules, path, default_risk_rules_path(), raw=raw,
                                  what="a risk rule file is a mapping with 'rules'", list_key="rules")
    rules.check(catalogue or load_catalogue(), file=file)
    return rules


def risk_flags(observations: pd.DataFrame, rules: RiskRules | None = None, *,
               national: pd.DataFrame | None = None, year: int | None = None,
               catalogue: Catalogue | None = None, regional: pd.DataFrame | None = None,
               derive: bool = True) -> pd.DataFrame:
    """Evaluate every rule for every unit of a long table.

    Parameters
    ----------
    observations : DataFrame
        Long ``unit, indicator, year, value`` of the units to diagnose.
    rules : RiskRules, optional
        Default: the package's rules.
    national : DataFrame, optional
        Long ``indicator, year, value`` of the country (the Store's ``KZ`` rows); needed by rules
        with ``reference: national``. The national value of the unit's year is used; when that year
        has none, the latest earlier national value (its year is reported in ``reference_year``).
    year : int, optional
        Year to evaluate; default: each unit's latest year with a value of the indicator.
    regional : DataFrame, optional
        Long rows of the regions (``industrial_output``, ``population_1jan``,
        ``industrial_output_per_capita_ratio``) to derive the national industrial output per capita from
        (:func:`~territoria.diagnosis.references.national_references`).
    derive : bool, default=True
        Add the indicators a unit's own series imply (population change, its five-year change, the change of
        the mining share, output per capita to national: :func:`~territoria.diagnosis.references.unit_indicators`).

    Returns
    -------
    DataFrame
        One row per (unit, rule) with columns :data:`FLAG_COLUMNS`; ``flag`` is True (rule holds),
        False (it does not) or NA (not evaluable: no value, or no national value), ``text`` says why;
        ``text_code`` and ``text_params`` (JSON) say the same as a language-neutral message code
        (``risk.absolute``, ``risk.national``, ``risk.no_value``, ``risk.no_national``) for the reports.
    """
    rules = rules or load_risk_rules()
    catalogue = catalogue or load_catalogue()
    if regional is not None:
        national = national_references(national, regional)
    if derive and len(observations):
        observations = unit_indicators(observations, national)
    obs = observations.dropna(subset=["value"])
    read = {c for rule in rules.rules for c in rule.candidates}  # a rule reads only its candidates
    nat = None
    if national is not None and len(national):
        ref = national.dropna(subset=["value"])
        nat = {i: s.set_index("year")["value"].sort_index() for i, s in ref[ref["indicator"].isin(read)]
               .groupby("indicator")}
    values = _values_at(obs[obs["indicator"].isin(read)], year)
    rows = []
    for unit in obs.groupby("unit", sort=True).size().index:
        at = values.get(unit, {})
        for rule in rules.rules:
            rows.append(_one(str(unit), rule, at, nat, year, catalogue))
    return pd.DataFrame(rows, columns=FLAG_COLUMNS).astype({"year": "Int64", "reference_year": "Int64"})


def _values_at(obs: pd.DataFrame, year: int | None) -> dict[Any, dict[str, tuple[int, float]]]:
    """Per unit and indicator, ``(year, value)`` in ``year`` or, with ``year`` None, the latest year (one sort
    for all units instead of a series per unit and indicator)."""
    picked = (obs.sort_values(["unit", "indicator", "year"], kind="stable")
              .drop_duplicates(["unit", "indicator"], keep="last") if year is None else obs[obs["year"] == year])
    out: dict[Any, dict[str, tuple[int, float]]] = {}
    for unit, ind, y, v in zip(picked["unit"], picked["indicator"], picked["year"], picked["value"], strict=True):
        out.setdefault(unit, {})[str(ind)] = (int(y), float(v))
    return out


def _one(unit: str, rule: RiskRule, at: dict[str, tuple[int, float]], nat: dict[str, pd.Series] | None,
         year: int | None, catalogue: Catalogue) -> dict[str, Any]:
    base = {"unit": unit, "rule": rule.id, "label": rule.label.en, "op": rule.op, "citation": rule.cited,
            "reference": rule.reference, "threshold": None, "reference_year": None, "reference_value": None,
            "ratio": None, "year": None, "value": None, "indicator": None}
    name = next((c for c in rule.candidates if c in at), None)
    if name is None:
        when = f" in {year}" if year is not None else ""
        return {**base, "indicator": " / ".join(rule.candidates), "flag": pd.NA,
                "text": f"not evaluable: no value of {' / '.join(rule.candidates)}{when}",
                **_coded("no_value", indicators=rule.candidates, year=year)}
    y, value = at[name]
    unit_label = catalogue[name].unit.en
    unit_text = {lang: getattr(catalogue[name].unit, lang, "") or unit_label for lang in ("en", "ru", "kk")}
    base.update(indicator=name, year=y, value=value)
    if rule.reference == "absolute":
        threshold = rule.threshold
        ref_text = "fixed threshold"
    else:
        ref = nat.get(name) if nat else None
        earlier = ref[ref.index <= y].dropna() if ref is not None else None
        if earlier is None or earlier.empty:
            return {**base, "flag": pd.NA,
                    "text": f"not evaluable: {name} {y} = {fmt(value)} {unit_label}, but no national value",
                    **_coded("no_national", indicator=name, year=y, value=value, unit=unit_text)}
        ref_year, ref_value = int(earlier.index.max()), float(earlier.iloc[-1])
        threshold = rule.factor * ref_value
        ratio = value / ref_value if ref_value else None
        base.update(reference_year=ref_year, reference_value=ref_value, ratio=ratio)
        times = f"{rule.factor:g} × " if rule.factor != 1 else ""
        ref_text = f"{times}national {fmt(ref_value)} ({ref_year})" + (
            f"; {fmt(round(ratio, 2))}× national" if ratio is not None else "")
    held = compare(value, rule.op, threshold)  # type: ignore[arg-type]
    shown = f"[{fmt(threshold[0])}, {fmt(threshold[1])}]" if isinstance(threshold, list) else fmt(threshold)
    text = (f"{name} {y} = {fmt(value)} {unit_label} {SYMBOL[rule.op] if held else 'not ' + SYMBOL[rule.op]} "
            f"{shown} ({ref_text})")
    params: dict[str, Any] = {"indicator": name, "year": y, "value": value, "unit": unit_text, "held": bool(held),
                              "op": rule.op, "threshold": threshold}
    if rule.reference == "national":
        params.update(factor=rule.factor, reference_value=base["reference_value"],
                      reference_year=base["reference_year"], ratio=None if base["ratio"] is None
                      else round(float(base["ratio"]), 2))
    return {**base, "threshold": threshold if not isinstance(threshold, list) else None, "flag": held,
            "text": text, **_coded(rule.reference, **params)}


def _coded(kind: str, **params: Any) -> dict[str, str]:
    """The flag's text as a message code (``risk.<kind>``) and JSON parameters."""
    code = {"absolute": "risk.absolute", "national": "risk.national"}.get(kind, f"risk.{kind}")
    return {"text_code": code, "text_params": json.dumps(params, ensure_ascii=False)}

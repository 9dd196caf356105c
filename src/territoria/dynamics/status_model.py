"""The status rule file's model: conditions, statuses and their validation (see :mod:`territoria.dynamics.status`
for what each condition tests and how a unit's status is classified)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.dynamics.horizon import DEFAULT_HORIZON, IMPLIED_MIGRATION
from territoria.dynamics.rules import Op, Text, read_rule_file
from territoria.dynamics.trends import MIN_YEARS
from territoria.errors import SpecError

__all__ = ["COMPOSITE", "Condition", "DefaultStatus", "StatusRule", "StatusRules", "default_status_rules_path",
           "load_status_rules"]

COMPOSITE = "composite"
Test = Literal["falling_last_years", "rising_last_years", "every_year", "share_of_years", "change_pct",
               "change_over_horizon", "cagr_pct", "trend", "last_value"]
_NEEDS: dict[str, tuple[str, ...]] = {
    "falling_last_years": ("n",), "rising_last_years": ("n",), "every_year": ("op", "value"),
    "share_of_years": ("op", "value", "share"), "change_pct": ("op", "value"),
    "change_over_horizon": ("op", "value"), "cagr_pct": ("op", "value"),
    "trend": ("direction",), "last_value": ("op", "value")}


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    indicator: str | list[str]
    test: Test
    n: int | None = Field(default=None, ge=1)
    op: Op | None = None
    value: float | list[float] | None = None
    share: float | None = Field(default=None, gt=0, le=1)
    direction: Literal["increasing", "decreasing", "no trend"] | None = None
    alpha: float = Field(default=0.1, gt=0, lt=1)
    min_years: int = Field(default=MIN_YEARS, ge=2)
    required: bool = True
    break_pct: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> Condition:
        absent = [k for k in _NEEDS[self.test] if getattr(self, k) is None]
        if absent:
            raise ValueError(f"test {self.test!r} needs {', '.join(absent)}")
        if self.op == "between" and not (isinstance(self.value, list) and len(self.value) == 2):
            raise ValueError("op 'between' needs value: [low, high]")
        if self.op not in (None, "between") and isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs one number as value")
        return self

    @property
    def candidates(self) -> list[str]:
        return [self.indicator] if isinstance(self.indicator, str) else list(self.indicator)


class StatusRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    status: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    all: list[Condition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _has_conditions(self) -> StatusRule:
        if not self.all and not self.any:
            raise ValueError("a status needs conditions under 'all' and/or 'any'")
        return self


class DefaultStatus(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    status: str
    label: Text


class StatusRules(BaseModel):
    """A validated status rule file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    horizon_years: int = Field(default=DEFAULT_HORIZON, ge=MIN_YEARS - 1)
    citation: str = ""
    default: DefaultStatus
    statuses: list[StatusRule] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _window_is_the_horizon(cls, data: Any) -> Any:
        """Version-1 files name the horizon ``window_years``."""
        if isinstance(data, dict) and "window_years" in data:
            data = dict(data)
            window = data.pop("window_years")
            if window is not None:
                data.setdefault("horizon_years", window)
        return data

    @property
    def indicators(self) -> list[str]:
        """Every indicator the conditions read (alternatives included)."""
        names = [n for r in self.statuses for c in (*r.all, *r.any) for n in c.candidates]
        return list(dict.fromkeys(names))

    @property
    def break_pct(self) -> float | None:
        """The boundary-change limit of the conditions (the first one set), if any."""
        return next((c.break_pct for r in self.statuses for c in (*r.all, *r.any) if c.break_pct), None)

    def check_indicators(self, catalogue: Catalogue, *, file: str | None = None) -> None:
        known = set(catalogue.ids) | {COMPOSITE, IMPLIED_MIGRATION}
        for i, rule in enumerate(self.statuses):
            for part in ("all", "any"):
                for j, cond in enumerate(getattr(rule, part)):
                    for name in cond.candidates:
                        if name not in known:
                            try:
                                catalogue[name]
                            except KeyError as exc:
                                raise SpecError(f"statuses[{i}]({rule.status}).{part}[{j}].indicator",
                                                str(exc), file=file) from None


def default_status_rules_path() -> Path:
    return Path(str(resources.files("territoria.dynamics").joinpath("status_rules.yaml")))


def load_status_rules(path: str | Path | None = None, *, catalogue: Catalogue | None = None,
                      raw: Any = None) -> StatusRules:
    """Read and validate a status rule file (default: the package's); errors name the key path."""
    rules, file = read_rule_file(StatusRules, path, default_status_rules_path(), raw=raw,
                                  what="a status rule file is a mapping with 'statuses'", list_key="statuses")
    rules.check_indicators(catalogue or load_catalogue(), file=file)
    return rules
